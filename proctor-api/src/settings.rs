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
        if let Some(p) = &self.admin_password {
            if crate::auth::password::check_strength(p.expose()).is_err() {
                return Err("admin_password is too weak: at least 10 characters with letters and digits".into());
            }
        }
        if self.tls.mode == TlsMode::Files && (self.tls.cert_file.is_none() || self.tls.key_file.is_none()) {
            return Err("tls.mode = \"files\" needs tls.cert_file and tls.key_file".into());
        }
        Ok(())
    }
}
