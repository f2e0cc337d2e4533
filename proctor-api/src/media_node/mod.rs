//! Media nodes apart from the API (scale-out of live video).
//!
//! `proctor serve` runs the SFU in-process by default. For more cameras than one machine
//! carries, operators run `proctor media` on further machines ([`node::run`]): each node
//! serves WHIP/WHEP/wall at its own `public_url`, reports a heartbeat and posts its room
//! events here, signed with the installation's secret ([`signature`]). The API then:
//! - hands out media grants whose `signal_base` is the node that carries the room
//!   ([`placement`]: the node where the room is already live, else rendezvous hashing over
//!   the nodes heard from recently, else the in-process SFU);
//! - folds the events into the live directory and the in-process event bus, exactly as for
//!   the in-process SFU, so the rest of the platform does not care where a room runs;
//! - indexes the recordings nodes store in the shared object store (their recorder's
//!   events) and the status of the cameras they pull, as for the in-process SFU;
//! - hands each node the cameras placed on it, credentials opened (`GET
//!   /api/media-nodes/cameras`, signed: use HTTPS between nodes and API);
//! - grabs frames of a participant live on a node through the node's signed grab endpoint
//!   ([`grab`]), so face checks use the live camera wherever the room runs;
//! - forgets a node's rooms when it restarts (its `started_at` changes).

pub mod grab;
pub mod node;
pub mod placement;
pub mod queries;
pub mod signature;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Admin;
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(heartbeat))
        .routes(routes!(post_events))
        .routes(routes!(node_cameras))
        .routes(routes!(list_nodes))
}

/// Largest signed body a node may post (an event batch).
const MAX_NODE_BODY: usize = 4 << 20;

/// A request whose body a media node signed; the handler gets the node id and the body.
pub struct SignedByNode {
    pub node: String,
    pub body: Bytes,
}

impl FromRequest<AppState> for SignedByNode {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let (Some(node), Some(sig)) = (header(signature::NODE_HEADER), header(signature::SIGNATURE_HEADER)) else {
            return Err(ApiError::Unauthenticated);
        };
        let body = axum::body::to_bytes(body, MAX_NODE_BODY)
            .await
            .map_err(|_| ApiError::PayloadTooLarge)?;
        let now = chrono::Utc::now().timestamp();
        if let Err(why) = signature::verify(&state.signing_key, &node, &sig, &body, now) {
            tracing::warn!(%node, ?why, "refused a media node request");
            return Err(ApiError::Unauthenticated);
        }
        Ok(SignedByNode { node, body })
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(body).map_err(|e| ApiError::BadRequest {
        code: "invalid_json",
        zh: format!("请求内容不是有效的 JSON：{e}"),
        en: format!("The body is not valid JSON: {e}"),
    })
}

/// What a node reports every few seconds.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeHeartbeat {
    /// Base URL of its signalling endpoints as browsers reach them.
    pub public_url: String,
    /// Its UDP media address.
    pub udp_addr: String,
    /// When the node process started (RFC 3339); a change means it restarted.
    pub started_at: String,
    pub sessions: i64,
    pub tracks: i64,
}

/// A media node reports that it is alive (signed by the node, not a user).
#[utoipa::path(post, path = "/api/media-nodes/heartbeat", tag = "media-nodes",
    request_body = NodeHeartbeat, responses((status = 204)))]
async fn heartbeat(State(state): State<AppState>, req: SignedByNode) -> ApiResult<StatusCode> {
    let hb: NodeHeartbeat = parse(&req.body)?;
    if !(hb.public_url.starts_with("http://") || hb.public_url.starts_with("https://")) || hb.public_url.len() > 500 {
        return Err(ApiError::invalid("public_url", "节点地址须以 http:// 或 https:// 开头", "public_url must start with http:// or https://"));
    }
    let before = queries::record_heartbeat(
        &state.db,
        &queries::Heartbeat {
            id: &req.node,
            public_url: &hb.public_url,
            udp_addr: &hb.udp_addr,
            started_at: &hb.started_at,
            sessions: hb.sessions,
            tracks: hb.tracks,
        },
    )
    .await?;
    if before.as_deref().is_some_and(|b| b != hb.started_at) {
        tracing::info!(node = %req.node, "media node restarted; its rooms are gone");
        for (room, participant, session) in queries::forget_node(&state.db, &req.node).await? {
            let _ = state.media_events.send(media_server::MediaEvent::ParticipantLeft {
                room: media_server::RoomId(room),
                participant: media_server::ParticipantId(participant),
                session: media_server::SessionId(session as u64),
            });
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A batch of room events from a node, in the order they happened.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeEvents {
    pub started_at: String,
    /// `MediaEvent`s as the node serialises them; kinds this API does not know are skipped.
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<serde_json::Value>,
}

/// A media node posts room events (signed by the node, not a user).
#[utoipa::path(post, path = "/api/media-nodes/events", tag = "media-nodes",
    request_body = NodeEvents, responses((status = 204)))]
async fn post_events(State(state): State<AppState>, req: SignedByNode) -> ApiResult<StatusCode> {
    let batch: NodeEvents = parse(&req.body)?;
    for raw in batch.events {
        match serde_json::from_value::<media_server::MediaEvent>(raw) {
            Ok(ev) => {
                // All idempotent: a batch the node sends again after an error changes nothing.
                queries::apply_event(&state.db, &req.node, &ev).await?;
                crate::recording::index_event(&state.db, &ev).await?;
                crate::camera::ingest::store_status(&state.db, &ev).await?;
                let _ = state.media_events.send(ev);
            }
            Err(e) => tracing::debug!(node = %req.node, "skipped an event this API does not know: {e}"),
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The cameras a node must pull now.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NodeCameras {
    pub cameras: Vec<crate::camera::ingest::CameraPull>,
}

/// The cameras placed on the calling node, with their credentials (signed by the node, not a
/// user; send it over HTTPS). The node polls it every heartbeat and pulls exactly these.
#[utoipa::path(get, path = "/api/media-nodes/cameras", tag = "media-nodes",
    responses((status = 200, body = NodeCameras)))]
async fn node_cameras(State(state): State<AppState>, req: SignedByNode) -> ApiResult<Json<NodeCameras>> {
    let cameras = crate::camera::ingest::assigned(&state, crate::camera::ingest::Carrier::Node(&req.node)).await?;
    Ok(Json(NodeCameras { cameras }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediaNodeInfo {
    pub id: String,
    pub public_url: String,
    pub udp_addr: String,
    pub started_at: String,
    pub last_seen: String,
    /// Heard from recently enough to receive new rooms.
    pub fresh: bool,
    pub sessions: i64,
    pub tracks: i64,
}

/// Rooms live on separate media nodes, as every API instance sees them.
pub async fn remote_rooms(state: &AppState) -> ApiResult<Vec<crate::live::LiveRoom>> {
    let mut rooms: Vec<crate::live::LiveRoom> = Vec::new();
    for r in queries::presence(&state.db).await? {
        let p = crate::live::directory::LiveParticipant {
            participant: r.participant,
            name: r.name,
            role: r.role,
            video_tracks: r.video_tracks.max(0) as u32,
            audio_tracks: r.audio_tracks.max(0) as u32,
            loss: r.loss_permille.map(|l| l as f32 / 1000.0),
        };
        match rooms.last_mut() {
            Some(last) if last.room == r.room => last.participants.push(p),
            _ => rooms.push(crate::live::LiveRoom { room: r.room, title: None, node: Some(r.media_node_id), participants: vec![p] }),
        }
    }
    Ok(rooms)
}

/// Media nodes that have reported to this installation.
#[utoipa::path(get, path = "/api/media-nodes", tag = "media-nodes",
    responses((status = 200, body = [MediaNodeInfo])), security(("bearer" = [])))]
async fn list_nodes(_admin: Admin, State(state): State<AppState>) -> ApiResult<Json<Vec<MediaNodeInfo>>> {
    let rows = queries::list(&state.db).await?;
    let now = chrono::Utc::now();
    Ok(Json(
        rows.into_iter()
            .map(|r| MediaNodeInfo {
                fresh: placement::is_fresh(&r.last_seen, now, state.settings.media_node.heartbeat_secs),
                id: r.media_node_id,
                public_url: r.public_url,
                udp_addr: r.udp_addr,
                started_at: r.started_at,
                last_seen: r.last_seen,
                sessions: r.sessions,
                tracks: r.tracks,
            })
            .collect(),
    ))
}
