//! Typed settings: built-in defaults → TOML file → `PROCTOR_*` environment, validated once
//! at start-up. Secrets are wrapped in [`Secret`] so that `Debug` (and so every log line)
//! shows `***` instead of the value.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    /// Plain HTTP: for localhost, or behind a TLS-terminating reverse proxy.
    Off,
    /// A certificate generated at first start and kept in the data directory: for a LAN pilot
    /// where candidates' phones must reach the platform over HTTPS to get camera access.
    SelfSigned,
    /// Certificate and key from PEM files.
    Files,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSettings {
    pub mode: TlsMode,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    /// Names and addresses the self-signed certificate covers.
    pub hostnames: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// The in-process media node (the SFU): candidates' webcams and room cameras, watched live.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaConfig {
    pub enabled: bool,
    /// The one UDP port all WebRTC media uses.
    pub udp_bind: SocketAddr,
    /// Address announced to browsers when the server sits behind 1:1 NAT.
    pub public_ip: Option<std::net::IpAddr>,
    /// ICE-TCP: a TCP port for browsers whose network blocks UDP (off when unset).
    pub tcp_bind: Option<SocketAddr>,
    /// TURN servers (coturn, `use-auth-secret`) for networks that block UDP.
    pub turn_urls: Vec<String>,
    pub turn_secret: Option<Secret>,
    /// Lifetime of publish/watch tokens handed to browsers.
    pub token_ttl_secs: u64,
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            enabled: true,
            udp_bind: SocketAddr::from(([127, 0, 0, 1], 8443)),
            public_ip: None,
            tcp_bind: None,
            turn_urls: Vec::new(),
            turn_secret: None,
            token_ttl_secs: 300,
        }
    }
}

/// Recording of every published track into object storage: by the in-process SFU (when
/// `media.enabled`) and by each `proctor media` node, into the store of its own `storage.*`
/// settings — which must be the API's store.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordingConfig {
    pub enabled: bool,
    /// Target segment length; segments are cut at the next keyframe.
    pub segment_secs: u64,
    /// One thumbnail per live video track this often (0 = none).
    #[serde(default = "default_thumbnail_secs")]
    pub thumbnail_secs: u64,
    /// Thumbnail width in pixels (the height keeps the aspect ratio).
    #[serde(default = "default_thumbnail_width")]
    pub thumbnail_width: u32,
    /// First wait of an export that found the object store unreachable before it runs again
    /// (doubling each time, up to 10 minutes, 8 runs in all).
    #[serde(default = "default_export_retry_secs")]
    pub export_retry_secs: u64,
}

fn default_export_retry_secs() -> u64 {
    30
}

fn default_thumbnail_secs() -> u64 {
    30
}

fn default_thumbnail_width() -> u32 {
    320
}

impl Default for RecordingConfig {
    fn default() -> Self {
        RecordingConfig {
            enabled: true,
            segment_secs: 60,
            thumbnail_secs: default_thumbnail_secs(),
            thumbnail_width: default_thumbnail_width(),
            export_retry_secs: default_export_retry_secs(),
        }
    }
}

/// `proctor media`: a media node running apart from the API (scale-out). It serves the
/// signalling endpoints at `{listen}/media` (and the API's signed frame grabs at
/// `{listen}/media/grab`), registers with the API at `api_url`, posts its room events there
/// and fetches the cameras placed on it, signed with the installation's `secret_key`; it
/// records into the object store of its `storage.*` settings (the API's).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaNodeConfig {
    /// Name of this node; unique in the installation. Default: `media-<udp port>`.
    pub id: Option<String>,
    /// HTTP(S) address of the node's signalling endpoints.
    pub listen: SocketAddr,
    /// Base URL of the API the node reports to, e.g. `https://exam.example.cn`. Camera
    /// credentials come back on this channel: use HTTPS outside a private network.
    pub api_url: Option<String>,
    /// Base URL browsers use for this node's signalling, e.g. `https://media1.exam.example.cn/media`;
    /// the API reaches the node's grab endpoint under it too.
    pub public_url: Option<String>,
    /// How often the node reports that it is alive and fetches its cameras (seconds); on the
    /// API, the period the freshness of nodes (three periods) and camera placement follow.
    pub heartbeat_secs: u64,
}

impl Default for MediaNodeConfig {
    fn default() -> Self {
        MediaNodeConfig {
            id: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8444)),
            api_url: None,
            public_url: None,
            heartbeat_secs: 5,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    /// Files under `storage.root` (default `data_dir/objects`).
    Local,
    /// An S3-compatible server (SeaweedFS, MinIO, Ceph RGW, AWS S3, Aliyun OSS, Tencent COS).
    S3,
}

/// Object storage for photos, documents, recordings and certificates (see storage/README.md
/// for per-vendor settings).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    pub kind: StorageKind,
    pub root: Option<PathBuf>,
    pub endpoint: Option<String>,
    pub region: String,
    pub bucket: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<Secret>,
    pub path_style: bool,
    /// Write S3 Object Lock retention; unset means detect from the bucket.
    pub object_lock: Option<bool>,
    /// Lifetime of signed download links handed to browsers.
    pub link_ttl_secs: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            kind: StorageKind::Local,
            root: None,
            endpoint: None,
            region: "us-east-1".into(),
            bucket: None,
            access_key: None,
            secret_key: None,
            path_style: true,
            object_lock: None,
            link_ttl_secs: 300,
        }
    }
}

/// Face verification (check-in and random re-checks, R2/R7).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaceConfig {
    /// Load the models at start-up; off means the face routes answer `face_disabled`.
    pub enabled: bool,
    /// Directory of the `.onnx` files; unset: `PROCTOR_MODEL_DIR`, else `<repo>/models`.
    pub model_dir: Option<PathBuf>,
    /// ONNX Runtime shared library; unset: `ORT_DYLIB_PATH`, else the set-up script's path.
    pub onnxruntime_lib: Option<PathBuf>,
    /// Largest distance that still counts as the same person (face-accuracy command).
    pub match_threshold: f32,
    /// Verifications running at once (each holds one blocking thread and one model set).
    pub concurrency: usize,
    /// Failed check-in attempts before an invigilator reviews by hand.
    pub max_attempts: u32,
    /// How often the re-check scheduler looks for due moments.
    pub recheck_tick_ms: u64,
    /// How long the camera page has to answer a due re-check before it counts as missed.
    pub recheck_answer_secs: u64,
}

impl Default for FaceConfig {
    fn default() -> Self {
        FaceConfig {
            enabled: true,
            model_dir: None,
            onnxruntime_lib: None,
            match_threshold: 0.5493,
            concurrency: 2,
            max_attempts: 3,
            recheck_tick_ms: 1000,
            recheck_answer_secs: 30,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address the HTTP(S) server binds.
    pub listen: SocketAddr,
    /// Where the SQLite database, local object storage and generated keys live.
    pub data_dir: PathBuf,
    /// `postgres://…` selects PostgreSQL; unset means SQLite in `data_dir`.
    pub database_url: Option<Secret>,
    /// Built front-end assets (the output of `npm run build` in `web/`).
    pub web_dir: PathBuf,
    /// Password for the `admin` account created on first start; random and printed if unset.
    pub admin_password: Option<Secret>,
    /// How long a sign-in lasts.
    pub session_ttl_minutes: u32,
    /// Failed sign-ins on one account before it is locked for `lockout_minutes`.
    pub max_failed_logins: u32,
    pub lockout_minutes: u32,
    /// Largest JSON request body accepted.
    pub max_json_bytes: usize,
    pub tls: TlsSettings,
    pub log_format: LogFormat,
    /// Key that signs media tokens (and other short-lived links); every API and media node
    /// of one installation shares it. Unset: generated once into `data_dir/secret.key`.
    pub secret_key: Option<Secret>,
    #[serde(default)]
    pub media: MediaConfig,
    #[serde(default)]
    pub media_node: MediaNodeConfig,
    #[serde(default)]
    pub storage: StorageConfig,
    #[serde(default)]
    pub recording: RecordingConfig,
    pub face: FaceConfig,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            database_url: None,
            web_dir: PathBuf::from("web/dist"),
            admin_password: None,
            session_ttl_minutes: 12 * 60,
            max_failed_logins: 5,
            lockout_minutes: 15,
            max_json_bytes: 1 << 20,
            tls: TlsSettings {
                mode: TlsMode::Off,
                cert_file: None,
                key_file: None,
                hostnames: vec!["localhost".into(), "127.0.0.1".into()],
            },
            log_format: LogFormat::Text,
            secret_key: None,
            media: MediaConfig::default(),
            media_node: MediaNodeConfig::default(),
            storage: StorageConfig::default(),
            recording: RecordingConfig::default(),
            face: FaceConfig::default(),
        }
    }
}

impl Settings {
    /// Defaults, then the TOML file (`PROCTOR_CONFIG`, else `proctor.toml` if present), then
    /// `PROCTOR_*` variables (`PROCTOR_TLS__MODE=self-signed` for nested keys) and the
    /// conventional `DATABASE_URL`.
    pub fn load() -> Result<Settings, String> {
        let file = std::env::var("PROCTOR_CONFIG").unwrap_or_else(|_| "proctor.toml".into());
        let mut fig = Figment::from(Serialized::defaults(Settings::default()));
        if std::path::Path::new(&file).exists() {
            fig = fig.merge(Toml::file(&file));
        } else if std::env::var("PROCTOR_CONFIG").is_ok() {
            return Err(format!("config file {file} (from PROCTOR_CONFIG) does not exist"));
        }
        // Only keys this struct knows are taken from the environment, so that unrelated
        // PROCTOR_* variables (a test harness's PROCTOR_BIN, say) are not a start-up error,
        // while a typo in the TOML file still is.
        let known: Vec<String> = match serde_json::to_value(Settings::default()) {
            Ok(serde_json::Value::Object(m)) => m.keys().cloned().collect(),
            _ => Vec::new(),
        };
        fig = fig
            .merge(
                Env::prefixed("PROCTOR_")
                    .filter(move |k| {
                        let top = k.as_str().split("__").next().unwrap_or("").to_ascii_lowercase();
                        known.contains(&top)
                    })
                    .split("__"),
            )
            .merge(Env::raw().only(&["database_url"]));
        let s: Settings = fig.extract().map_err(|e| format!("invalid settings: {e}"))?;
        s.validate()?;
        Ok(s)
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.session_ttl_minutes == 0 {
            return Err("session_ttl_minutes must be at least 1".into());
        }
        if self.max_failed_logins == 0 {
            return Err("max_failed_logins must be at least 1".into());
        }
        if self.max_json_bytes < 1024 {
            return Err("max_json_bytes must be at least 1024".into());
        }
        if let Some(url) = &self.database_url {
            let u = url.expose();
            if !(u.starts_with("postgres://") || u.starts_with("postgresql://") || u.starts_with("sqlite:")) {
                return Err("database_url must start with postgres://, postgresql:// or sqlite:".into());
            }
        }
        if let Some(p) = &self.admin_password
            && crate::auth::password::check_strength(p.expose()).is_err()
        {
            return Err("admin_password is too weak: at least 10 characters with letters and digits".into());
        }
        if self.tls.mode == TlsMode::Files && (self.tls.cert_file.is_none() || self.tls.key_file.is_none()) {
            return Err("tls.mode = \"files\" needs tls.cert_file and tls.key_file".into());
        }
        if let Some(k) = &self.secret_key
            && k.expose().len() < 32
        {
            return Err("secret_key must be at least 32 characters".into());
        }
        if !self.media.turn_urls.is_empty() && self.media.turn_secret.is_none() {
            return Err("media.turn_urls needs media.turn_secret (coturn static-auth-secret)".into());
        }
        if self.storage.kind == StorageKind::S3 && self.storage.bucket.is_none() {
            return Err("storage.kind = \"s3\" needs storage.bucket".into());
        }
        if self.storage.link_ttl_secs == 0 || self.storage.link_ttl_secs > 86_400 {
            return Err("storage.link_ttl_secs must be between 1 and 86400".into());
        }
        if !(1..=3600).contains(&self.recording.segment_secs) {
            return Err("recording.segment_secs must be between 1 and 3600".into());
        }
        if self.recording.thumbnail_secs > 3600 {
            return Err("recording.thumbnail_secs must be between 0 (off) and 3600".into());
        }
        if !(16..=1920).contains(&self.recording.thumbnail_width) {
            return Err("recording.thumbnail_width must be between 16 and 1920".into());
        }
        if !(1..=3600).contains(&self.recording.export_retry_secs) {
            return Err("recording.export_retry_secs must be between 1 and 3600".into());
        }
        if self.media.token_ttl_secs == 0 || self.media.token_ttl_secs > 86_400 {
            return Err("media.token_ttl_secs must be between 1 and 86400".into());
        }
        if !(0.1..=2.0).contains(&self.face.match_threshold) {
            return Err("face.match_threshold must be between 0.1 and 2.0".into());
        }
        if self.face.max_attempts == 0 || self.face.concurrency == 0 {
            return Err("face.max_attempts and face.concurrency must be at least 1".into());
        }
        if self.media_node.heartbeat_secs == 0 || self.media_node.heartbeat_secs > 60 {
            return Err("media_node.heartbeat_secs must be between 1 and 60".into());
        }
        for (key, url) in [("media_node.api_url", &self.media_node.api_url), ("media_node.public_url", &self.media_node.public_url)] {
            if let Some(u) = url
                && !(u.starts_with("http://") || u.starts_with("https://"))
            {
                return Err(format!("{key} must start with http:// or https://"));
            }
        }
        Ok(())
    }

    /// What `proctor media` needs beyond `validate`: where to report, how browsers reach it,
    /// and a key shared with the API (a key generated here would sign nothing the API accepts).
    pub fn validate_media_node(&self) -> Result<(), String> {
        if self.media_node.api_url.is_none() {
            return Err("proctor media needs media_node.api_url (PROCTOR_MEDIA_NODE__API_URL)".into());
        }
        if self.media_node.public_url.is_none() {
            return Err("proctor media needs media_node.public_url (PROCTOR_MEDIA_NODE__PUBLIC_URL)".into());
        }
        if self.secret_key.is_none() && !self.data_dir.join("secret.key").is_file() {
            return Err("proctor media needs the installation's secret_key (PROCTOR_SECRET_KEY), the same as the API's".into());
        }
        Ok(())
    }

    /// The installation's signing key: from the settings, else from `data_dir/secret.key`
    /// (created with 32 random bytes on first start).
    pub fn signing_key(&self) -> std::io::Result<Vec<u8>> {
        if let Some(k) = &self.secret_key {
            return Ok(k.expose().as_bytes().to_vec());
        }
        let path = self.data_dir.join("secret.key");
        match std::fs::read(&path) {
            Ok(k) if k.len() >= 32 => Ok(k),
            _ => {
                use rand::RngCore;
                let mut k = vec![0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut k);
                std::fs::create_dir_all(&self.data_dir)?;
                crate::tls::write_private(&path, &k)?;
                Ok(k)
            }
        }
    }
}
