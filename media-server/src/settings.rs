//! Launch settings, deserialized by the embedding binary (file/env layering happens there).

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use serde::Deserialize;

use crate::error::{Error, Result};

/// Settings for one media node.
#[derive(Clone, Deserialize)]
pub struct MediaSettings {
    /// The one UDP socket all peers share, e.g. `0.0.0.0:8443`.
    pub udp_bind: SocketAddr,
    /// Address advertised to peers behind 1:1 NAT; when set it replaces the bind address
    /// in the ICE candidate (like Janus `nat_1_1_mapping`).
    #[serde(default)]
    pub public_ip: Option<IpAddr>,
    /// External port when a port-forward maps a different port; defaults to the bound port.
    #[serde(default)]
    pub public_port: Option<u16>,
    /// ICE-TCP: a passive TCP candidate (RFC 4571 framing) beside the UDP one, for networks
    /// that block UDP, e.g. `0.0.0.0:8443`. Off when absent.
    #[serde(default)]
    pub tcp_bind: Option<SocketAddr>,
    /// External TCP port if a port-forward maps another one; defaults to the bound TCP port.
    #[serde(default)]
    pub public_tcp_port: Option<u16>,
    /// HMAC key shared with proctor-api for media tokens (a string in config files).
    #[serde(deserialize_with = "key_bytes")]
    pub token_key: Vec<u8>,
    /// TURN relay handed out for networks that block UDP.
    #[serde(default)]
    pub turn: Option<TurnSettings>,
    /// Most tiles one wall session carries.
    #[serde(default = "default_wall_tiles")]
    pub max_wall_tiles: usize,
}

/// Accept the key as a string (config files, env) or as a byte array.
fn key_bytes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Key {
        Text(String),
        Bytes(Vec<u8>),
    }
    Ok(match Key::deserialize(d)? {
        Key::Text(s) => s.into_bytes(),
        Key::Bytes(b) => b,
    })
}

fn default_wall_tiles() -> usize {
    36
}

/// TURN REST credentials (coturn `use-auth-secret` + `static-auth-secret`).
#[derive(Clone, Deserialize)]
pub struct TurnSettings {
    /// e.g. `turn:turn.example:3478?transport=udp`, `turns:turn.example:5349?transport=tcp`.
    pub urls: Vec<String>,
    pub shared_secret: String,
    /// Lifetime of minted credentials.
    #[serde(default = "default_turn_ttl")]
    pub ttl_secs: u64,
}

fn default_turn_ttl() -> u64 {
    3600
}

impl MediaSettings {
    /// Defaults for a node bound to `udp_bind` with `token_key`.
    pub fn new(udp_bind: SocketAddr, token_key: impl Into<Vec<u8>>) -> Self {
        MediaSettings {
            udp_bind,
            public_ip: None,
            public_port: None,
            tcp_bind: None,
            public_tcp_port: None,
            token_key: token_key.into(),
            turn: None,
            max_wall_tiles: default_wall_tiles(),
        }
    }

    /// The one validation step at start-up.
    pub fn validate(&self) -> Result<()> {
        if self.token_key.len() < 16 {
            return Err(Error::Settings("token_key must be at least 16 bytes".into()));
        }
        if !(1..=36).contains(&self.max_wall_tiles) {
            return Err(Error::Settings("max_wall_tiles must be 1..=36".into()));
        }
        if self.public_tcp_port.is_some() && self.tcp_bind.is_none() {
            return Err(Error::Settings("public_tcp_port needs tcp_bind".into()));
        }
        if let Some(t) = &self.turn
            && (t.urls.is_empty() || t.shared_secret.is_empty())
        {
            return Err(Error::Settings("turn needs urls and shared_secret".into()));
        }
        Ok(())
    }
}

impl fmt::Debug for MediaSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaSettings")
            .field("udp_bind", &self.udp_bind)
            .field("public_ip", &self.public_ip)
            .field("public_port", &self.public_port)
            .field("tcp_bind", &self.tcp_bind)
            .field("public_tcp_port", &self.public_tcp_port)
            .field("token_key", &"<hidden>")
            .field("turn", &self.turn)
            .field("max_wall_tiles", &self.max_wall_tiles)
            .finish()
    }
}

impl fmt::Debug for TurnSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TurnSettings")
            .field("urls", &self.urls)
            .field("shared_secret", &"<hidden>")
            .field("ttl_secs", &self.ttl_secs)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_deserialize_with_string_key_and_defaults() {
        let s: MediaSettings = serde_json::from_value(serde_json::json!({
            "udp_bind": "0.0.0.0:8443",
            "public_ip": "203.0.113.7",
            "token_key": "0123456789abcdef0123",
            "turn": { "urls": ["turn:turn.example:3478"], "shared_secret": "s" }
        }))
        .unwrap();
        assert_eq!(s.token_key, b"0123456789abcdef0123");
        assert_eq!(s.max_wall_tiles, 36);
        assert_eq!(s.turn.as_ref().unwrap().ttl_secs, 3600);
        assert_eq!(s.tcp_bind, None);
        s.validate().unwrap();
    }

    #[test]
    fn public_tcp_port_without_tcp_bind_is_rejected() {
        let mut s = MediaSettings::new("127.0.0.1:0".parse().unwrap(), b"0123456789abcdef".to_vec());
        s.public_tcp_port = Some(443);
        assert!(matches!(s.validate(), Err(Error::Settings(_))));
        s.tcp_bind = Some("0.0.0.0:8443".parse().unwrap());
        s.validate().unwrap();
    }

    #[test]
    fn short_key_is_rejected_at_start_up() {
        let s = MediaSettings::new("127.0.0.1:0".parse().unwrap(), b"short".to_vec());
        assert!(matches!(s.validate(), Err(Error::Settings(_))));
    }
}
