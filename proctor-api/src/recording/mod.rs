//! Recordings (R5, R7): every published track is recorded by the media server's recorder into
//! object storage (segments + a JSON index per track). This domain indexes the recorder's
//! announcements (segment stored, gap) and lets staff, supervisors and invigilators on duty
//! find recordings by room, candidate and exam session and play them through short-lived
//! signed links. Candidates never see recordings. Every playback is audited.

pub mod export;
pub mod export_queries;
pub mod queries;
pub mod thumbnail_queries;
pub mod thumbnails;

use axum::extract::{Query, State};
use media_server::MediaEvent;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{AuthUser, Proctor, Role};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::state::AppState;
use queries::Filter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_recordings))
        .routes(routes!(playback))
        .merge(export::router())
        .merge(thumbnails::router())
}

/// Starts the recorder on `media` (segments to `files`' store, through its spool). It needs
/// no database — `proctor media` runs it on a node too: every stored segment and gap is
/// announced as a `MediaEvent`, which the API indexes with [`index_event`] wherever it
/// comes from. Nodes and API must therefore share the object store.
pub async fn start_recorder(
    settings: &crate::settings::Settings,
    media: &media_server::MediaServer,
    files: &crate::files::Files,
) -> anyhow::Result<media_server::record::Recorder> {
    let rs = media_server::record::RecordSettings {
        segment_secs: settings.recording.segment_secs,
        work_dir: settings.data_dir.join("recording"),
        ..Default::default()
    };
    let target = media_server::record::RecordTarget { store: files.store.clone(), spool: files.spool.clone() };
    media_server::record::Recorder::start(media, rs, target)
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the recorder: {e}"))
}

/// Keeps the recording tables up to date from the in-process SFU's events. Events of
/// separate nodes are indexed as they arrive (`media_node` `post_events`, so a failure makes
/// the node send them again); this follows the SFU itself rather than the API's event bus,
/// which carries both, so nothing is indexed twice.
pub fn spawn_indexer(db: Db, mut events: tokio::sync::broadcast::Receiver<MediaEvent>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(ev) => {
                    if let Err(e) = index_event(&db, &ev).await {
                        tracing::error!(error = %e, "recording event not indexed");
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    // The index.json files in storage still list everything.
                    tracing::warn!(missed = n, "recording indexer lagged behind media events");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    })
}

fn kind_str(k: media_server::TrackKind) -> &'static str {
    match k {
        media_server::TrackKind::Audio => "audio",
        media_server::TrackKind::Video => "video",
    }
}

fn json_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Writes one recorder announcement into the tables (idempotent).
pub async fn index_event(db: &Db, ev: &MediaEvent) -> sqlx::Result<()> {
    match ev {
        MediaEvent::RecordingSegment { room, participant, kind, index, key, codec, start_ms, end_ms, bytes } => {
            let candidate_id = crate::live::candidate_of(&participant.0);
            queries::insert_segment(
                db,
                &queries::NewSegment {
                    room: &room.0,
                    participant: &participant.0,
                    candidate_id,
                    kind: kind_str(*kind),
                    index_key: index,
                    object_key: key,
                    codec: &json_name(codec),
                    start_ms: *start_ms as i64,
                    end_ms: *end_ms as i64,
                    size_bytes: *bytes as i64,
                },
            )
            .await
        }
        MediaEvent::RecordingGap { room, participant, kind, index, from_ms, to_ms, reason } => {
            queries::insert_gap(
                db,
                &queries::NewGap {
                    room: &room.0,
                    participant: &participant.0,
                    kind: kind_str(*kind),
                    index_key: index,
                    from_ms: *from_ms as i64,
                    to_ms: *to_ms as i64,
                    reason: &json_name(reason),
                },
            )
            .await
        }
        MediaEvent::Thumbnail { room, participant, key, at_ms, width, height } => {
            let candidate_id = crate::live::candidate_of(&participant.0);
            thumbnail_queries::insert_thumbnail(
                db,
                &thumbnail_queries::NewThumbnail {
                    room: &room.0,
                    participant: &participant.0,
                    candidate_id,
                    object_key: key,
                    at_ms: *at_ms as i64,
                    width: i64::from(*width),
                    height: i64::from(*height),
                },
            )
            .await
        }
        _ => Ok(()),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RecordingQuery {
    /// Media room, e.g. `check-12`.
    pub room: Option<String>,
    /// The candidate's account id.
    pub candidate_id: Option<i64>,
    /// Exam session (场次): media overlapping its time. Required for invigilators, who see
    /// only sessions they are on duty at.
    pub session_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordingGap {
    pub from_ms: i64,
    pub to_ms: i64,
    /// `publisher_reconnect`, `lost_frames` or `server_restart`.
    pub reason: String,
}

/// Everything recorded of one participant's audio or video in one room.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordingSummary {
    pub room: String,
    pub participant: String,
    pub candidate_id: Option<i64>,
    /// `audio` or `video`.
    pub kind: String,
    /// Unix milliseconds of the first and after the last stored media.
    pub start_ms: i64,
    pub end_ms: i64,
    pub segments: i64,
    pub size_bytes: i64,
    pub gaps: Vec<RecordingGap>,
    /// The participant is publishing in the room now, so the recording is still growing.
    pub live: bool,
}

/// What a caller may see of the recordings. Choosing an exam session narrows the list to
/// its time window and its media rooms: the exam room's cameras and the camera rooms of the
/// candidates seated in it. Invigilators must choose a session they are on duty at.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub rooms: Option<Vec<String>>,
}

impl Scope {
    /// `filter` limited to the scope (a requested window is intersected with the session's).
    pub fn narrow(&self, mut filter: Filter) -> Filter {
        filter.from_ms = max_opt(filter.from_ms, self.from_ms);
        filter.to_ms = min_opt(filter.to_ms, self.to_ms);
        if self.rooms.is_some() {
            filter.rooms = self.rooms.clone();
        }
        filter
    }
}

pub async fn scope(db: &Db, user: &AuthUser, session_id: Option<i64>) -> ApiResult<Scope> {
    let Some(id) = session_id else {
        if user.role == Role::Invigilator {
            return Err(ApiError::invalid(
                "session_id",
                "监考员须选择自己负责的场次",
                "Invigilators must choose a session they are on duty at",
            ));
        }
        return Ok(Scope::default());
    };
    let (starts, ends, exam_room_id) =
        queries::session_window(db, id).await?.ok_or(ApiError::NotFound("session"))?;
    if user.role == Role::Invigilator && !queries::on_duty(db, id, user.account_id).await? {
        return Err(ApiError::NotOnDuty);
    }
    let ms = |t: &str| chrono::DateTime::parse_from_rfc3339(t).map(|d| d.timestamp_millis()).ok();
    let mut rooms = vec![crate::camera::ingest::live_room(exam_room_id)];
    rooms.extend(queries::seated_candidates(db, id).await?.into_iter().map(crate::live::check_room));
    Ok(Scope { from_ms: ms(&starts), to_ms: ms(&ends), rooms: Some(rooms) })
}

/// Recordings by room, candidate and exam session (newest first).
#[utoipa::path(get, path = "/api/recordings", tag = "recording", params(RecordingQuery),
    responses((status = 200, body = [RecordingSummary])), security(("bearer" = [])))]
async fn list_recordings(
    Proctor(user): Proctor,
    State(state): State<AppState>,
    Query(q): Query<RecordingQuery>,
) -> ApiResult<Json<Vec<RecordingSummary>>> {
    let scope = scope(&state.db, &user, q.session_id).await?;
    let filter = scope.narrow(Filter { room: q.room, candidate_id: q.candidate_id, ..Default::default() });
    let groups = queries::recordings(&state.db, &filter).await?;
    let gaps = queries::gaps(&state.db, &filter).await?;
    let live = publishing_now(&state).await?;
    Ok(Json(
        groups
            .into_iter()
            .map(|g| RecordingSummary {
                gaps: gaps
                    .iter()
                    .filter(|x| x.index_key == g.index_key)
                    .map(|x| RecordingGap { from_ms: x.from_ms, to_ms: x.to_ms, reason: x.reason.clone() })
                    .collect(),
                live: live.contains(&(g.room.clone(), g.participant.clone())),
                room: g.room,
                participant: g.participant,
                candidate_id: g.candidate_id,
                kind: g.kind,
                start_ms: g.start_ms,
                end_ms: g.end_ms,
                segments: g.segments,
                size_bytes: g.size_bytes,
            })
            .collect(),
    ))
}

/// (room, participant) of everyone publishing now, on the API's own SFU and on media nodes.
async fn publishing_now(state: &AppState) -> ApiResult<std::collections::HashSet<(String, String)>> {
    Ok(crate::live::all_rooms(state)
        .await?
        .into_iter()
        .flat_map(|r| {
            let room = r.room;
            r.participants
                .into_iter()
                .filter(|p| p.role == "publish")
                .map(move |p| (room.clone(), p.participant))
        })
        .collect())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaybackRequest {
    pub room: String,
    pub participant: String,
    /// `audio` or `video`.
    pub kind: String,
    /// Unix milliseconds; the whole recording when omitted.
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Required for invigilators (a session they are on duty at); limits the window.
    pub session_id: Option<i64>,
}

/// One playable piece: a self-contained, seekable WebM or MP4 file.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaybackSegment {
    pub start_ms: i64,
    pub end_ms: i64,
    pub codec: String,
    pub size_bytes: i64,
    /// Short-lived signed link.
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaybackPlan {
    pub segments: Vec<PlaybackSegment>,
    pub gaps: Vec<RecordingGap>,
    /// Seconds the links stay valid.
    pub link_ttl_secs: u64,
}

/// Signed links to the segments of one recording in a time range, for the browser player
/// (it plays them one after another and seeks by their start times). Audited.
#[utoipa::path(post, path = "/api/recordings/playback", tag = "recording", request_body = PlaybackRequest,
    responses((status = 200, body = PlaybackPlan)), security(("bearer" = [])))]
async fn playback(
    Proctor(user): Proctor,
    State(state): State<AppState>,
    Json(req): Json<PlaybackRequest>,
) -> ApiResult<Json<PlaybackPlan>> {
    if req.kind != "audio" && req.kind != "video" {
        return Err(ApiError::invalid("kind", "类型须为 audio 或 video", "Kind must be audio or video"));
    }
    if let (Some(f), Some(t)) = (req.from_ms, req.to_ms)
        && f >= t
    {
        return Err(ApiError::invalid("to_ms", "结束时间须晚于开始时间", "The end must be after the start"));
    }
    let filter = scope(&state.db, &user, req.session_id).await?.narrow(Filter {
        room: Some(req.room.clone()),
        participant: Some(req.participant.clone()),
        kind: Some(req.kind.clone()),
        from_ms: req.from_ms,
        to_ms: req.to_ms,
        ..Default::default()
    });
    let rows = queries::segments(&state.db, &filter).await?;
    if rows.is_empty() {
        return Err(ApiError::NotFound("recording"));
    }
    let mut segments = Vec::with_capacity(rows.len());
    for r in rows {
        segments.push(PlaybackSegment {
            url: state.files.link(&r.object_key).await?,
            start_ms: r.start_ms,
            end_ms: r.end_ms,
            codec: r.codec,
            size_bytes: r.size_bytes,
        });
    }
    let gaps = queries::gaps(&state.db, &filter)
        .await?
        .into_iter()
        .map(|x| RecordingGap { from_ms: x.from_ms, to_ms: x.to_ms, reason: x.reason })
        .collect();
    crate::audit::record(
        &state.db,
        Some(&user),
        "recording.play",
        "recording",
        Some(&format!("{}/{}/{}", req.room, req.participant, req.kind)),
        serde_json::json!({
            "from_ms": filter.from_ms, "to_ms": filter.to_ms, "session_id": req.session_id,
            "segments": segments.len(),
        }),
    )
    .await?;
    Ok(Json(PlaybackPlan { segments, gaps, link_ttl_secs: state.files.link_ttl.as_secs() }))
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
