//! Time-limited TURN credentials by the TURN REST scheme (coturn `use-auth-secret`):
//! username = `<expiry unix seconds>:<identity>`, password = base64(HMAC-SHA1(secret, username)).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha1::Sha1;

use crate::settings::TurnSettings;

/// One entry of `RTCConfiguration.iceServers`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IceServer {
    pub urls: Vec<String>,
    pub username: String,
    pub credential: String,
}

/// Mint credentials for `identity`, valid until `now + ttl`.
pub fn credentials(turn: &TurnSettings, identity: &str, now: i64) -> IceServer {
    let username = format!("{}:{identity}", now + turn.ttl_secs as i64);
    let mut mac = Hmac::<Sha1>::new_from_slice(turn.shared_secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(username.as_bytes());
    IceServer {
        urls: turn.urls.clone(),
        username,
        credential: STANDARD.encode(mac.finalize().into_bytes()),
    }
}

/// The same server as an RFC 9725 `Link` header value.
pub fn link_header(server: &IceServer) -> Vec<String> {
    server
        .urls
        .iter()
        .map(|url| {
            format!(
                "<{url}>; rel=\"ice-server\"; username=\"{}\"; credential=\"{}\"; credential-type=\"password\"",
                server.username, server.credential
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_matches_turn_rest_reference_computation() {
        // Reference: printf '%s' '1100:candidate:1' | openssl dgst -sha1 -hmac secret -binary | base64
        let turn = TurnSettings {
            urls: vec!["turn:127.0.0.1:3478".into()],
            shared_secret: "secret".into(),
            ttl_secs: 100,
        };
        let s = credentials(&turn, "candidate:1", 1000);
        assert_eq!(s.username, "1100:candidate:1");
        assert_eq!(s.credential, "U3G0SGYKLcjdDiC4IuuXeRpi9cE=");
    }
}
