//! Frame grabs across machines: a node serves `GET {public_url}/grab?room=…&participant=…`
//! (a JPEG of the participant's current video, from `MediaServer::grab_frame`) to the API
//! only. The request is signed like a node's reports but in the other direction
//! ([`signature::sign_to_node`]) over the node's id, the room, the participant and the wait,
//! and is valid for [`MAX_SKEW_SECS`] only: a grab is a picture of a person, so a captured
//! request must not be replayable for long.

use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use media_server::{MediaServer, ParticipantId, RoomId};
use serde::{Deserialize, Serialize};

use super::signature;

/// How far a grab request's time may lie from the node's.
pub const MAX_SKEW_SECS: i64 = 30;
/// The longest a node waits for a keyframe on one request.
const MAX_WAIT_MS: u64 = 10_000;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrabQuery {
    pub room: String,
    pub participant: String,
    /// How long to wait for a keyframe.
    pub wait_ms: u64,
}

impl GrabQuery {
    /// What the signature covers.
    fn canonical(&self) -> Vec<u8> {
        format!("GET grab\n{}\n{}\n{}", self.room, self.participant, self.wait_ms).into_bytes()
    }
}

#[derive(Clone)]
struct NodeGrab {
    media: MediaServer,
    node: String,
    key: Vec<u8>,
}

/// The node's grab route (nested beside the signalling routes under `/media`).
pub fn node_router(media: MediaServer, node: String, key: Vec<u8>) -> Router {
    Router::new().route("/grab", get(serve_grab)).with_state(NodeGrab { media, node, key })
}

async fn serve_grab(State(g): State<NodeGrab>, headers: HeaderMap, Query(q): Query<GrabQuery>) -> Response {
    let Some(sig) = headers.get(signature::SIGNATURE_HEADER).and_then(|v| v.to_str().ok()) else {
        return (StatusCode::UNAUTHORIZED, "signature required").into_response();
    };
    let now = chrono::Utc::now().timestamp();
    if let Err(why) = signature::verify_to_node(&g.key, &g.node, sig, &q.canonical(), now, MAX_SKEW_SECS) {
        tracing::warn!(?why, "refused a grab request");
        return (StatusCode::UNAUTHORIZED, "bad signature").into_response();
    }
    let wait = Duration::from_millis(q.wait_ms.min(MAX_WAIT_MS));
    let picture = match g.media.grab_frame(&RoomId(q.room), &ParticipantId(q.participant), wait).await {
        Ok(p) => p,
        Err(media_server::Error::NotFound(m)) => return (StatusCode::NOT_FOUND, m).into_response(),
        Err(media_server::Error::Timeout(m)) => return (StatusCode::GATEWAY_TIMEOUT, m).into_response(),
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    match tokio::task::spawn_blocking(move || jpeg(&picture)).await {
        Ok(Ok(bytes)) => ([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "no-store")], bytes).into_response(),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "cannot encode the picture").into_response(),
    }
}

/// JPEG at quality 90: kept as evidence like an uploaded still, and small.
pub fn jpeg(picture: &image::RgbImage) -> Result<Vec<u8>, image::ImageError> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(picture)?;
    Ok(out)
}

/// Asks node `node` (signalling base `base`, its `public_url`) for a JPEG of `participant`'s
/// video in `room`, waiting up to `wait` for a keyframe.
pub async fn from_node(
    client: &reqwest::Client,
    key: &[u8],
    node: &str,
    base: &str,
    room: &str,
    participant: &str,
    wait: Duration,
) -> anyhow::Result<Bytes> {
    let q = GrabQuery { room: room.into(), participant: participant.into(), wait_ms: wait.as_millis() as u64 };
    let sig = signature::sign_to_node(key, node, &q.canonical(), chrono::Utc::now().timestamp());
    let resp = client
        .get(format!("{}/grab", base.trim_end_matches('/')))
        .query(&q)
        .header(signature::NODE_HEADER, node)
        .header(signature::SIGNATURE_HEADER, sig)
        .timeout(wait + Duration::from_secs(5))
        .send()
        .await?;
    let status = resp.status();
    if !status.is_success() {
        anyhow::bail!("grab on node {node}: {status} {}", resp.text().await.unwrap_or_default());
    }
    Ok(resp.bytes().await?)
}

/// One HTTP client for every grab the API asks of nodes (connections are reused).
pub fn client() -> reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(reqwest::Client::new).clone()
}
