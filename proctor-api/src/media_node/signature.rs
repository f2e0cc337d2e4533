//! Requests from media nodes to the API carry `x-proctor-node` (the node id) and
//! `x-proctor-signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
//! `"proctor-node-v1\n" + node + "\n" + t + "\n" + body`, keyed with the installation's secret.
//! The time bounds replays to a few minutes; the domain prefix keeps these MACs from ever
//! being valid as a media token or a signed link made with the same key.
//!
//! Requests from the API to a node (frame grabs) use the same headers with another prefix,
//! `"proctor-api-to-node-v1\n"`, over the node's id and a canonical description of the
//! request, so a node's own report can never be replayed at a node, nor a request meant for
//! one node at another.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const NODE_HEADER: &str = "x-proctor-node";
pub const SIGNATURE_HEADER: &str = "x-proctor-signature";
/// How far a signature's time may lie from ours.
pub const MAX_SKEW_SECS: i64 = 300;

const NODE_TO_API: &[u8] = b"proctor-node-v1\n";
const API_TO_NODE: &[u8] = b"proctor-api-to-node-v1\n";

fn mac(key: &[u8], domain: &[u8], node: &str, t: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(domain);
    m.update(node.as_bytes());
    m.update(b"\n");
    m.update(t.to_string().as_bytes());
    m.update(b"\n");
    m.update(body);
    m
}

/// The signature header value for `body` sent by `node` at `now`.
pub fn sign(key: &[u8], node: &str, body: &[u8], now: i64) -> String {
    format!("t={now},v1={}", hex::encode(mac(key, NODE_TO_API, node, now, body).finalize().into_bytes()))
}

/// The signature header value for a request from the API to `node` described by `what`.
pub fn sign_to_node(key: &[u8], node: &str, what: &[u8], now: i64) -> String {
    format!("t={now},v1={}", hex::encode(mac(key, API_TO_NODE, node, now, what).finalize().into_bytes()))
}

/// Why a node request was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Missing,
    Malformed,
    Stale,
    Forged,
}

/// Checks `header` for `node` and `body`; constant-time comparison.
pub fn verify(key: &[u8], node: &str, header: &str, body: &[u8], now: i64) -> Result<(), Refusal> {
    check(key, NODE_TO_API, node, header, body, now, MAX_SKEW_SECS)
}

/// Checks, on node `node`, a request from the API described by `what`, at most `max_skew`
/// seconds away from `now`.
pub fn verify_to_node(key: &[u8], node: &str, header: &str, what: &[u8], now: i64, max_skew: i64) -> Result<(), Refusal> {
    check(key, API_TO_NODE, node, header, what, now, max_skew)
}

fn check(key: &[u8], domain: &[u8], node: &str, header: &str, body: &[u8], now: i64, max_skew: i64) -> Result<(), Refusal> {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => v1 = hex::decode(v).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return Err(Refusal::Malformed);
    };
    if (now - t).abs() > max_skew {
        return Err(Refusal::Stale);
    }
    mac(key, domain, node, t, body).verify_slice(&v1).map_err(|_| Refusal::Forged)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_signature_verifies_only_for_its_node_body_key_and_time() {
        let h = sign(KEY, "media-1", b"{}", 1_000);
        assert_eq!(verify(KEY, "media-1", &h, b"{}", 1_010), Ok(()));
        assert_eq!(verify(KEY, "media-2", &h, b"{}", 1_010), Err(Refusal::Forged));
        assert_eq!(verify(KEY, "media-1", &h, b"{ }", 1_010), Err(Refusal::Forged));
        assert_eq!(verify(b"another key, also 32 bytes long!", "media-1", &h, b"{}", 1_010), Err(Refusal::Forged));
        assert_eq!(verify(KEY, "media-1", &h, b"{}", 1_000 + MAX_SKEW_SECS + 1), Err(Refusal::Stale));
        assert_eq!(verify(KEY, "media-1", "t=1000", b"{}", 1_000), Err(Refusal::Malformed));
    }

    #[test]
    fn api_to_node_signatures_are_not_node_reports_and_name_their_node() {
        let h = sign_to_node(KEY, "media-1", b"grab", 1_000);
        assert_eq!(verify_to_node(KEY, "media-1", &h, b"grab", 1_010, 30), Ok(()));
        assert_eq!(verify_to_node(KEY, "media-2", &h, b"grab", 1_010, 30), Err(Refusal::Forged));
        assert_eq!(verify_to_node(KEY, "media-1", &h, b"grab", 1_031, 30), Err(Refusal::Stale));
        assert_eq!(verify(KEY, "media-1", &h, b"grab", 1_010), Err(Refusal::Forged));
        let report = sign(KEY, "media-1", b"grab", 1_000);
        assert_eq!(verify_to_node(KEY, "media-1", &report, b"grab", 1_010, 30), Err(Refusal::Forged));
    }
}
