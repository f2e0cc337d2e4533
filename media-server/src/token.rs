//! Media access tokens: `base64url(JSON claims) "." base64url(HMAC-SHA256(key, first part))`.
//!
//! proctor-api mints them; the media server only verifies. They are short-lived and name
//! one room, one identity and one role, so a leaked token opens one thing for minutes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::{Error, Result};

/// What a token allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaRole {
    /// Publish tracks (WHIP) as `sub`.
    Publish,
    /// Watch one participant's stream (WHEP).
    View,
    /// Open the multi-stream wall of the room (and WHEP single streams).
    Wall,
}

/// The signed claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaClaims {
    /// Room the token is valid for.
    pub room: String,
    /// Participant identity, e.g. `candidate:123` or `invigilator:7`.
    pub sub: String,
    /// Display name shown on the wall.
    pub name: String,
    pub role: MediaRole,
    /// Expiry, unix seconds.
    pub exp: i64,
}

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8], body: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(body.as_bytes());
    mac
}

/// Sign claims with the shared key.
pub fn sign(claims: &MediaClaims, key: &[u8]) -> String {
    let json = serde_json::to_vec(claims).expect("claims always serialize");
    let body = B64.encode(json);
    let tag = B64.encode(mac(key, &body).finalize().into_bytes());
    format!("{body}.{tag}")
}

/// Verify signature and expiry (`now` in unix seconds) and return the claims.
pub fn verify(token: &str, key: &[u8], now: i64) -> Result<MediaClaims> {
    let (body, tag) = token
        .split_once('.')
        .ok_or(Error::InvalidToken("not two parts"))?;
    let tag = B64
        .decode(tag)
        .map_err(|_| Error::InvalidToken("signature not base64url"))?;
    // Constant-time comparison lives in verify_slice.
    mac(key, body)
        .verify_slice(&tag)
        .map_err(|_| Error::InvalidToken("bad signature"))?;
    let json = B64
        .decode(body)
        .map_err(|_| Error::InvalidToken("claims not base64url"))?;
    let claims: MediaClaims =
        serde_json::from_slice(&json).map_err(|_| Error::InvalidToken("claims not JSON"))?;
    if claims.exp <= now {
        return Err(Error::TokenExpired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> MediaClaims {
        MediaClaims {
            room: "r1".into(),
            sub: "candidate:1".into(),
            name: "张三".into(),
            role: MediaRole::Publish,
            exp,
        }
    }

    #[test]
    fn signed_token_round_trips() {
        let t = sign(&claims(100), b"k");
        assert_eq!(verify(&t, b"k", 99).unwrap(), claims(100));
    }

    #[test]
    fn expired_token_is_refused() {
        let t = sign(&claims(100), b"k");
        assert!(matches!(verify(&t, b"k", 100), Err(Error::TokenExpired)));
    }

    #[test]
    fn token_signed_with_other_key_is_refused() {
        let t = sign(&claims(100), b"other");
        assert!(matches!(verify(&t, b"k", 1), Err(Error::InvalidToken(_))));
    }

    #[test]
    fn edited_claims_are_refused() {
        let t = sign(&claims(100), b"k");
        let (_, tag) = t.split_once('.').unwrap();
        let mut c = claims(100);
        c.room = "r2".into();
        let body = B64.encode(serde_json::to_vec(&c).unwrap());
        assert!(verify(&format!("{body}.{tag}"), b"k", 1).is_err());
    }
}
