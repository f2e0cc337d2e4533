//! Thumbnails (R5, R7): the media server's thumbnailer stores one small JPEG per live video
//! track per `recording.thumbnail_secs`; this file starts it, and serves them — a strip per
//! recording for the recordings page and the candidate's timeline (same scope as the
//! recordings list, audited like playback), and the latest picture of each participant of a
//! live room for the wall's tiles (whoever may watch the room). Pictures only through
//! short-lived signed links; candidates never see them.

use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::thumbnail_queries::{self as q, ThumbFilter, ThumbnailRow};
use crate::auth::Proctor;
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::state::AppState;

/// Most thumbnails one request returns (and the default).
const MAX_LIMIT: i64 = 1000;
const DEFAULT_LIMIT: i64 = 200;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_thumbnails))
        .routes(routes!(latest_in_room))
}

/// Starts the thumbnailer on `media` (JPEGs to `files`' store, through its spool) unless
/// `recording.thumbnail_secs` is 0. Its announcements are indexed by [`super::index_event`].
pub async fn start(
    settings: &crate::settings::Settings,
    media: &media_server::MediaServer,
    files: &crate::files::Files,
) -> anyhow::Result<Option<media_server::thumbs::Thumbnailer>> {
    let r = &settings.recording;
    if r.thumbnail_secs == 0 {
        return Ok(None);
    }
    let ts = media_server::thumbs::ThumbSettings {
        every: std::time::Duration::from_secs(r.thumbnail_secs),
        width: r.thumbnail_width,
        ..Default::default()
    };
    let target = media_server::record::RecordTarget { store: files.store.clone(), spool: files.spool.clone() };
    let t = media_server::thumbs::Thumbnailer::start(media, ts, target)
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the thumbnailer: {e}"))?;
    Ok(Some(t))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ThumbnailQuery {
    /// Media room, e.g. `check-12`.
    pub room: Option<String>,
    /// Participant identity, e.g. `candidate:12` or `camera:3`.
    pub participant: Option<String>,
    /// The candidate's account id.
    pub candidate_id: Option<i64>,
    /// Exam session (场次): thumbnails within its time. Required for invigilators, who see
    /// only sessions they are on duty at.
    pub session_id: Option<i64>,
    /// Unix milliseconds, inclusive.
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// At most this many, oldest first (default 200, at most 1000).
    pub limit: Option<i64>,
}

/// One thumbnail: a small JPEG of a participant's camera at `at_ms`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordingThumbnail {
    pub room: String,
    pub participant: String,
    pub candidate_id: Option<i64>,
    /// Unix milliseconds of the picture.
    pub at_ms: i64,
    pub width: i64,
    pub height: i64,
    /// Short-lived signed link to the JPEG.
    pub url: String,
}

async fn with_links(state: &AppState, rows: Vec<ThumbnailRow>) -> ApiResult<Vec<RecordingThumbnail>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(RecordingThumbnail {
            url: state.files.link(&r.object_key).await?,
            room: r.room,
            participant: r.participant,
            candidate_id: r.candidate_id,
            at_ms: r.at_ms,
            width: r.width,
            height: r.height,
        });
    }
    Ok(out)
}

/// Thumbnails by room, participant, candidate, exam session and time, oldest first. Audited.
#[utoipa::path(get, path = "/api/recordings/thumbnails", tag = "recording", params(ThumbnailQuery),
    responses((status = 200, body = [RecordingThumbnail])), security(("bearer" = [])))]
async fn list_thumbnails(
    Proctor(user): Proctor,
    State(state): State<AppState>,
    Query(query): Query<ThumbnailQuery>,
) -> ApiResult<Json<Vec<RecordingThumbnail>>> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid("limit", "数量须在 1 到 1000 之间", "Limit must be between 1 and 1000"));
    }
    if let (Some(f), Some(t)) = (query.from_ms, query.to_ms)
        && f > t
    {
        return Err(ApiError::invalid("to_ms", "结束时间须晚于开始时间", "The end must be after the start"));
    }
    // The recordings list's scope: a session narrows to its window and its media rooms.
    let scope = super::scope(&state.db, &user, query.session_id).await?;
    let filter = ThumbFilter {
        room: query.room.clone(),
        participant: query.participant.clone(),
        candidate_id: query.candidate_id,
        from_ms: [query.from_ms, scope.from_ms].into_iter().flatten().max(),
        to_ms: [query.to_ms, scope.to_ms].into_iter().flatten().min(),
        rooms: scope.rooms,
    };
    let rows = q::thumbnails(&state.db, &filter, limit).await?;
    let thumbs = with_links(&state, rows).await?;
    crate::audit::record(
        &state.db,
        Some(&user),
        "recording.thumbnails",
        "recording",
        query.room.as_deref().or(query.participant.as_deref()),
        serde_json::json!({
            "room": query.room, "participant": query.participant, "candidate_id": query.candidate_id,
            "session_id": query.session_id, "from_ms": filter.from_ms, "to_ms": filter.to_ms,
            "thumbnails": thumbs.len(),
        }),
    )
    .await?;
    Ok(Json(thumbs))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LiveThumbnailQuery {
    /// Live room, as listed by `GET /api/live/rooms`.
    pub room: String,
}

/// The newest thumbnail of each participant of a room: the wall's tiles show it until their
/// video plays, and while a stream is offline. Open to whoever may watch the room
/// (invigilators: the rooms and seated candidates of the sessions they are on duty at).
#[utoipa::path(get, path = "/api/live/thumbnails", tag = "live", params(LiveThumbnailQuery),
    responses((status = 200, body = [RecordingThumbnail])), security(("bearer" = [])))]
async fn latest_in_room(
    Proctor(user): Proctor,
    State(state): State<AppState>,
    Query(query): Query<LiveThumbnailQuery>,
) -> ApiResult<Json<Vec<RecordingThumbnail>>> {
    let room = query.room.trim();
    if room.is_empty() || room.len() > 128 || !room.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(ApiError::invalid("room", "房间号只能包含字母、数字、- 和 _", "Room: letters, digits, - and _ only"));
    }
    // Like the wall itself: an invigilator only for rooms of the sessions they are on duty at.
    crate::affairs::duty::covers_media_room(&state.db, &user, room).await?;
    let rows = q::latest_in_room(&state.db, room).await?;
    Ok(Json(with_links(&state, rows).await?))
}
