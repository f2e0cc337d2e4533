//! The synthetic RTSP camera (`media-server`'s `rtsp-camera` bin) as a child process.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// `rtsp-camera` beside this test binary's directory; built first when missing (a lone
/// `cargo test -p proctor-api` does not build other packages' binaries).
fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap().to_path_buf();
    let bin = dir.join("rtsp-camera");
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let ok = Command::new(cargo)
            .args(["build", "-p", "media-server", "--bin", "rtsp-camera"])
            .status()
            .unwrap()
            .success();
        assert!(ok && bin.exists(), "cannot build rtsp-camera at {}", bin.display());
    }
    bin
}

/// A running test camera; killed on drop.
pub struct TestCamera {
    child: Child,
    pub url: String,
    pub port: u16,
}

impl TestCamera {
    pub fn start(port: u16, user: &str, password: &str) -> TestCamera {
        let mut child = Command::new(binary())
            .args(["--port", &port.to_string(), "--user", user, "--password", password])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("rtsp-camera starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line
            .trim()
            .strip_prefix("RTSP_CAMERA_READY ")
            .unwrap_or_else(|| panic!("rtsp-camera said {line:?}"))
            .to_owned();
        let port = url.rsplit_once(':').unwrap().1.split('/').next().unwrap().parse().unwrap();
        TestCamera { child, url, port }
    }

    /// Power cut.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TestCamera {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
