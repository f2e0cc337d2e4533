//! Live video (R5, R7): hands out short-lived media tokens for the in-process SFU
//! (`media-server`, nested at `/media`) and lists who is live. A candidate may only publish
//! as themself into their own camera-check room; proctors may watch any room.
//!
//! A candidate publishes up to three sources at once — the main camera, a screen share and a
//! side camera (a phone set beside the desk, 双机位) — each under its own identity
//! (`candidate:12`, `candidate:12:screen`, `candidate:12:side`), so that each is its own
//! tile on the wall and its own recording, and one never replaces another.

pub mod directory;

use axum::extract::{Query, State};
use media_server::{MediaClaims, MediaRole};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{AuthUser, Candidate, Proctor};
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::state::AppState;
pub use directory::{Directory, LiveRoom};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(publish_token))
        .routes(routes!(watch_token))
        .routes(routes!(list_rooms))
}

/// The room in which a candidate checks their camera before an exam.
pub fn check_room(account_id: i64) -> String {
    format!("check-{account_id}")
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediaGrant {
    /// Bearer token for the signalling endpoints.
    pub token: String,
    /// Unix seconds.
    pub expires_at: i64,
    pub room: String,
    /// The participant identity the token carries.
    pub identity: String,
    /// Base of the signalling endpoints (`POST {base}/whip`, `{base}/wall`, …): `/media` for
    /// the API's own SFU, an absolute URL for a separate media node.
    pub signal_base: String,
}

/// What a candidate's device sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaSource {
    /// The main camera, the one face checks grab from.
    Camera,
    Screen,
    /// A second camera beside the desk, usually a phone.
    Side,
}

impl MediaSource {
    fn parse(s: Option<&str>) -> ApiResult<Self> {
        match s.map(str::trim) {
            None | Some("") | Some("camera") => Ok(MediaSource::Camera),
            Some("screen") => Ok(MediaSource::Screen),
            Some("side") => Ok(MediaSource::Side),
            Some(_) => Err(ApiError::invalid(
                "source",
                "来源只能是 camera、screen 或 side",
                "Source must be camera, screen or side",
            )),
        }
    }

    fn suffix(self) -> Option<&'static str> {
        match self {
            MediaSource::Camera => None,
            MediaSource::Screen => Some("screen"),
            MediaSource::Side => Some("side"),
        }
    }
}

/// The candidate a media identity belongs to, whichever of their sources it is
/// (`candidate:12`, `candidate:12:screen` → 12).
pub fn candidate_of(identity: &str) -> Option<i64> {
    let rest = identity.strip_prefix("candidate:")?;
    rest.split(':').next()?.parse().ok()
}

async fn grant(
    state: &AppState,
    user: &AuthUser,
    room: String,
    role: MediaRole,
    source: MediaSource,
) -> ApiResult<MediaGrant> {
    let signal_base = crate::media_node::placement::signal_base(state, &room).await?;
    let mut identity = format!("{}:{}", user.role.as_str(), user.account_id);
    if let Some(suffix) = source.suffix() {
        identity = format!("{identity}:{suffix}");
    }
    let exp = chrono::Utc::now().timestamp() + state.settings.media.token_ttl_secs as i64;
    let claims = MediaClaims {
        room: room.clone(),
        sub: identity.clone(),
        name: user.display_name.clone(),
        role,
        exp,
    };
    let token = media_server::token::sign(&claims, &state.signing_key);
    Ok(MediaGrant { token, expires_at: exp, room, identity, signal_base })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PublishQuery {
    /// `camera` (the default), `screen` or `side`.
    pub source: Option<String>,
}

/// A token to publish one's camera, screen or side camera into one's own camera-check room.
#[utoipa::path(post, path = "/api/live/publish-token", tag = "live", params(PublishQuery),
    responses((status = 200, body = MediaGrant), (status = 400, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn publish_token(
    Candidate(user): Candidate,
    State(state): State<AppState>,
    Query(q): Query<PublishQuery>,
) -> ApiResult<Json<MediaGrant>> {
    let source = MediaSource::parse(q.source.as_deref())?;
    let room = check_room(user.account_id);
    Ok(Json(grant(&state, &user, room, MediaRole::Publish, source).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchRequest {
    pub room: String,
    /// `wall` for the multi-tile wall of the room, `view` for single streams.
    pub kind: WatchKind,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WatchKind {
    View,
    Wall,
}

/// A token to watch a room: supervisors and staff any room, invigilators the rooms and
/// candidates of the sessions they are on duty at.
#[utoipa::path(post, path = "/api/live/watch-token", tag = "live", request_body = WatchRequest,
    responses((status = 200, body = MediaGrant)), security(("bearer" = [])))]
async fn watch_token(
    Proctor(user): Proctor,
    State(state): State<AppState>,
    Json(req): Json<WatchRequest>,
) -> ApiResult<Json<MediaGrant>> {
    let room = req.room.trim();
    if room.is_empty() || room.len() > 128 || !room.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(ApiError::invalid("room", "房间号只能包含字母、数字、- 和 _", "Room: letters, digits, - and _ only"));
    }
    crate::affairs::duty::covers_media_room(&state.db, &user, room).await?;
    let role = match req.kind {
        WatchKind::View => MediaRole::View,
        WatchKind::Wall => MediaRole::Wall,
    };
    Ok(Json(grant(&state, &user, room.to_owned(), role, MediaSource::Camera).await?))
}

/// Every room with someone live in it: on the API's own SFU and on the media nodes.
pub async fn all_rooms(state: &AppState) -> ApiResult<Vec<LiveRoom>> {
    let mut rooms = state.live.rooms();
    rooms.extend(crate::media_node::remote_rooms(state).await?);
    Ok(rooms)
}

/// Rooms with someone live in them, and who (for an invigilator, the rooms they look after).
#[utoipa::path(get, path = "/api/live/rooms", tag = "live",
    responses((status = 200, body = [LiveRoom])), security(("bearer" = [])))]
async fn list_rooms(Proctor(user): Proctor, State(state): State<AppState>) -> ApiResult<Json<Vec<LiveRoom>>> {
    let rooms = all_rooms(&state).await?;
    let mut mine = Vec::with_capacity(rooms.len());
    for r in rooms {
        if crate::affairs::duty::covers_media_room(&state.db, &user, &r.room).await.is_ok() {
            mine.push(r);
        }
    }
    let mut rooms = mine;
    if rooms.iter().any(|r| r.room.starts_with("room-")) {
        let titles: std::collections::HashMap<i64, String> =
            crate::affairs::queries::room_titles(&state.db).await?.into_iter().collect();
        for r in &mut rooms {
            let id = r.room.strip_prefix("room-").and_then(|id| id.parse::<i64>().ok());
            r.title = id.and_then(|id| titles.get(&id).cloned());
        }
    }
    Ok(Json(rooms))
}
