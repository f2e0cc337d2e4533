//! Shared parts of the tap, frame-grab and recording tests: a media server with the test
//! pages on loopback, a headless Chromium publishing a face video, SeaweedFS.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use media_server::{MediaClaims, MediaRole, MediaServer, MediaSettings, token};
use tower_http::services::ServeDir;

pub const KEY: &[u8] = b"media-test-key-0123456789";

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `<repo>/../shared` (beside the clone in CI), or `SHARED_DIR`.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared"))
}

pub fn face_photo() -> PathBuf {
    shared_dir().join("data/faces/celebrity-pairs/img1.jpg")
}

/// A 640×480 30 fps .y4m of the face photo; Chromium loops it as its fake camera.
pub fn face_y4m(dir: &Path) -> PathBuf {
    let out = dir.join("face.y4m");
    let status = Command::new("gst-launch-1.0")
        .args(["-q", "filesrc"])
        .arg(format!("location={}", face_photo().display()))
        .args(["!", "jpegdec", "!", "videoconvert", "!", "videoscale", "!"])
        .args(["video/x-raw,format=I420,width=640,height=480", "!", "imagefreeze", "num-buffers=90", "!"])
        .args(["video/x-raw,framerate=30/1", "!", "y4menc", "!", "filesink"])
        .arg(format!("location={}", out.display()))
        .status()
        .expect("gst-launch-1.0 runs");
    assert!(status.success(), "gst-launch could not make the y4m");
    out
}

pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

pub fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

pub fn publish_token(room: &str, sub: &str) -> String {
    let claims = MediaClaims {
        room: room.into(),
        sub: sub.into(),
        name: sub.into(),
        role: MediaRole::Publish,
        exp: unix_now() + 600,
    };
    token::sign(&claims, KEY)
}

/// The media server with the test pages (`tests/e2e/media`) on one loopback HTTP port.
pub struct Node {
    pub media: MediaServer,
    pub http: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Node {
    pub async fn start() -> Node {
        let settings = MediaSettings::new("127.0.0.1:0".parse().unwrap(), KEY);
        let media = media_server::start(settings).await.unwrap();
        let app = Router::new()
            .nest("/media", media.router())
            .fallback_service(ServeDir::new(repo_root().join("tests/e2e/media")));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let http = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Node { media, http, task }
    }

    /// URL of the camera-check page publishing into `room` as `sub`.
    pub fn camera_page(&self, room: &str, sub: &str) -> String {
        format!("http://{}/camera-check.html?token={}", self.http, publish_token(room, sub))
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Headless Debian Chromium showing one page (killed on drop).
pub struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Opens `url` with the fake camera playing `y4m` (and the fake microphone).
    pub fn open(url: &str, y4m: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let child = Command::new(std::env::var("CHROMIUM_PATH").unwrap_or("/usr/bin/chromium".into()))
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                "--disable-features=WebRtcHideLocalIpsWithMdns",
                "--autoplay-policy=no-user-gesture-required",
                "--disable-renderer-backgrounding",
                "--disable-background-timer-throttling",
            ])
            .arg(format!("--use-file-for-fake-video-capture={}", y4m.display()))
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts");
        Browser { child, _profile: profile }
    }

    pub fn close(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits for an event matching `pick`; panics after `within`.
pub async fn wait_event<T>(
    rx: &mut tokio::sync::broadcast::Receiver<media_server::MediaEvent>,
    within: Duration,
    mut pick: impl FnMut(&media_server::MediaEvent) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Err(_) => panic!("event did not come within {within:?}"),
            Ok(Ok(e)) => {
                if let Some(t) = pick(&e) {
                    return t;
                }
            }
            Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(e)) => panic!("event channel: {e}"),
        }
    }
}

/// Seconds of media `gst-discoverer-1.0` finds in a file.
pub fn discovered_duration(path: &Path) -> Duration {
    let out = Command::new("gst-discoverer-1.0")
        .arg(path)
        .output()
        .expect("gst-discoverer-1.0 runs (deploy/setup.d/55-recording.sh installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Duration: "))
        .unwrap_or_else(|| panic!("no duration for {}: {text}", path.display()));
    // h:mm:ss.nnnnnnnnn
    let mut parts = line.split(':');
    let h: f64 = parts.next().unwrap().parse().unwrap();
    let m: f64 = parts.next().unwrap().parse().unwrap();
    let s: f64 = parts.next().unwrap().parse().unwrap();
    Duration::from_secs_f64(h * 3600.0 + m * 60.0 + s)
}

/// Storage for the recorder on a throwaway SeaweedFS, through a spool in `dir`.
pub async fn seaweed_target(
    weed: &storage::seaweed::SeaweedFs,
    bucket: &str,
    dir: &Path,
) -> (std::sync::Arc<storage::S3Store>, std::sync::Arc<storage::Spool>) {
    weed.create_bucket(bucket, false).await.unwrap();
    let store = std::sync::Arc::new(storage::S3Store::connect(&weed.s3_settings(bucket)).await.unwrap());
    let mut settings = storage::SpoolSettings::new(dir.join("spool"));
    settings.retry_min_ms = 200;
    settings.retry_max_ms = 2_000;
    settings.min_free_bytes = 0;
    let spool = std::sync::Arc::new(storage::Spool::open(settings, store.clone()).await.unwrap());
    (store, spool)
}
