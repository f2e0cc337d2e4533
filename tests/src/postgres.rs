//! A throwaway PostgreSQL cluster from Debian's binaries, on a free loopback port, in a
//! temporary directory; stopped and removed on drop. As root it runs the server as the
//! `postgres` user, since PostgreSQL refuses to run as root.

use std::path::PathBuf;
use std::process::{Command, Stdio};


use anyhow::{Context, bail};

pub struct TempPostgres {
    dir: PathBuf,
    data: PathBuf,
    bin: PathBuf,
    pub port: u16,
    as_user: Option<&'static str>,
}

fn bin_dir() -> anyhow::Result<PathBuf> {
    let base = PathBuf::from("/usr/lib/postgresql");
    let mut versions: Vec<_> = std::fs::read_dir(&base)
        .with_context(|| "PostgreSQL is not installed (run ./dev.sh setup)")?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().context("no PostgreSQL server binaries under /usr/lib/postgresql")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl TempPostgres {
    pub fn start() -> anyhow::Result<TempPostgres> {
        let bin = bin_dir()?;
        let as_user = is_root().then_some("postgres");
        let dir = std::env::temp_dir().join(format!("proctor-pg-{}-{}", std::process::id(), free_port()?));
        std::fs::create_dir_all(&dir)?;
        let data = dir.join("data");
        let cmd = |prog: &str| {
            let mut c = match as_user {
                Some(u) => {
                    let mut c = Command::new("runuser");
                    c.args(["-u", u, "--"]).arg(bin.join(prog));
                    c
                }
                None => Command::new(bin.join(prog)),
            };
            c.current_dir("/tmp");
            c
        };
        if as_user.is_some() {
            let ok = Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir).status()?;
            if !ok.success() {
                bail!("chown of {} failed", dir.display());
            }
        }
        let out = cmd("initdb")
            .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "-D"])
            .arg(&data)
            .output()?;
        if !out.status.success() {
            bail!("initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let port = free_port()?;
        let opts = format!(
            "-p {port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        );
        let out = cmd("pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-o", &opts, "-l"])
            .arg(dir.join("server.log"))
            .args(["-w", "-t", "60", "start"])
            .output()?;
        if !out.status.success() {
            let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            bail!("PostgreSQL did not start: {}{log}", String::from_utf8_lossy(&out.stderr));
        }
        let pg = TempPostgres { dir, data, bin, port, as_user };
        Ok(pg)
    }

    /// Creates a fresh database and returns its URL.
    pub fn database(&self, name: &str) -> anyhow::Result<String> {
        let out = Command::new("psql")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres"])
            .args(["-c", &format!("CREATE DATABASE \"{name}\"")])
            .output()?;
        if !out.status.success() {
            bail!("create database failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(format!("postgres://postgres@127.0.0.1:{}/{name}", self.port))
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let mut c = match self.as_user {
            Some(u) => {
                let mut c = Command::new("runuser");
                c.args(["-u", u, "--"]).arg(self.bin.join("pg_ctl"));
                c
            }
            None => Command::new(self.bin.join("pg_ctl")),
        };
        let _ = c
            .current_dir("/tmp")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
