//! The test camera (`rtsp-camera` bin) as a child process, and waiting for media events.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use media_server::{MediaEvent, MediaServer, MediaSettings};
use tokio::sync::broadcast;

/// A running `rtsp-camera`; killed on drop.
pub struct TestCamera {
    child: Child,
    pub url: String,
    pub port: u16,
}

impl TestCamera {
    /// Start on `port` (0 = a free one) with these digest credentials.
    pub fn start(port: u16, user: &str, password: &str) -> TestCamera {
        Self::start_coding(port, user, password, "h264")
    }

    /// Start a camera that codes `codec` (`h264` or `h265`).
    pub fn start_coding(port: u16, user: &str, password: &str, codec: &str) -> TestCamera {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rtsp-camera"))
            .args(["--port", &port.to_string(), "--user", user, "--password", password, "--codec", codec])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("rtsp-camera starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout piped"))
            .read_line(&mut line)
            .expect("rtsp-camera prints its address");
        let url = line
            .trim()
            .strip_prefix("RTSP_CAMERA_READY ")
            .unwrap_or_else(|| panic!("unexpected first line from rtsp-camera: {line:?}"))
            .to_owned();
        let port = url
            .rsplit_once(':')
            .and_then(|(_, rest)| rest.split('/').next())
            .and_then(|p| p.parse().ok())
            .expect("port in the camera URL");
        TestCamera { child, url, port }
    }

    /// The camera loses power: the process dies without closing anything cleanly.
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

pub async fn media_server() -> MediaServer {
    let settings = MediaSettings::new("127.0.0.1:0".parse().unwrap(), b"rtsp-ingest-test-key-0123456789".to_vec());
    media_server::start(settings).await.expect("media server starts")
}

/// The first event `want` accepts, within `secs`; panics with what was seen otherwise.
pub async fn wait_event<T>(
    rx: &mut broadcast::Receiver<MediaEvent>,
    secs: u64,
    what: &str,
    mut want: impl FnMut(&MediaEvent) -> Option<T>,
) -> T {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(ev)) => {
                if let Some(t) = want(&ev) {
                    return t;
                }
                seen.push(ev);
            }
            Ok(Err(e)) => panic!("event channel: {e}"),
            Err(_) => panic!("no {what} within {secs} s; saw {seen:#?}"),
        }
    }
}
