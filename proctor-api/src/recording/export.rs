//! Recording exports: one file for a time range of one participant's recording — remuxed
//! without transcoding ("download range": WebM for VP8, MP4 for H.264) or as H.264 + AAC MP4
//! for the supervision platform. Proctors ask (same scope rules as playback, audited); one
//! background worker per server runs the jobs in order: segments from object storage into a
//! work directory, [`media_server::export::export`] at the lowest CPU priority, the result to
//! `exports/<job>/<file>` (class `Temp`, removed after [`RESULT_RETENTION_DAYS`]), progress
//! into the table at most twice a second. Jobs left `running` by a stopped server are queued
//! again at start. A job that finds the object store unreachable goes back to the queue and
//! waits (`recording.export_retry_secs`, doubling up to [`MAX_RETRY_WAIT`], at most
//! [`MAX_ATTEMPTS`] runs) instead of failing; any other fault fails it at once with its
//! reason. The file is fetched through a short-lived signed link (audited).

use std::sync::Arc;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use media_server::Codec;
use media_server::export::{ExportFormat, ExportJob, SegmentFile};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::export_queries::{self as q, ExportRow};
use super::queries::{self, Filter};
use crate::auth::{Proctor, Role};
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::state::AppState;

/// Days an export file is kept before the worker removes it.
pub const RESULT_RETENTION_DAYS: i64 = 7;
/// Progress is written to the table at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);
/// The worker looks for queued jobs at least this often (and at once when one is queued here).
const IDLE_POLL: Duration = Duration::from_secs(2);

/// Runs of one job that may meet an unreachable store before it fails (about 45 minutes of
/// waiting with the default first wait of 30 s).
pub const MAX_ATTEMPTS: i64 = 8;
/// The longest wait between two runs of a job that met an outage.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(600);

static WAKE: LazyLock<tokio::sync::Notify> = LazyLock::new(tokio::sync::Notify::new);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_export, list_exports))
        .routes(routes!(get_export))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordingExportRequest {
    pub room: String,
    pub participant: String,
    /// Unix milliseconds; the whole recording when omitted.
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// `remux` (one file, no transcoding) or `mp4` (H.264 + AAC).
    pub format: String,
    /// Required for invigilators (a session they are on duty at); limits the range.
    pub session_id: Option<i64>,
}

/// An export job and, once done, its file.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordingExport {
    pub id: i64,
    pub requested_by: i64,
    pub room: String,
    pub participant: String,
    pub session_id: Option<i64>,
    pub from_ms: i64,
    pub to_ms: i64,
    /// `remux` or `mp4`.
    pub format: String,
    /// `queued`, `running`, `done`, `failed` or `expired`.
    pub status: String,
    /// 0.0 to 1.0.
    pub progress: f64,
    pub file_name: Option<String>,
    pub mime: Option<String>,
    pub size_bytes: Option<i64>,
    /// Where the file's time 0 is (Unix ms): a keyframe at or before `from_ms` when video is copied.
    pub start_ms: Option<i64>,
    pub duration_ms: Option<i64>,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    pub error: Option<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// Runs that found the object store unreachable; while `queued` with `retry_at` set, the
    /// job waits for the store and `error` says what the last run met.
    pub attempts: i64,
    /// When a job waiting out a storage outage runs again (RFC 3339).
    pub retry_at: Option<String>,
    /// Short-lived signed download link (only from `GET /api/recordings/exports/{id}` when done).
    pub url: Option<String>,
    pub link_ttl_secs: Option<u64>,
}

fn view(r: ExportRow) -> RecordingExport {
    RecordingExport {
        id: r.recording_export_id,
        requested_by: r.account_id,
        room: r.room,
        participant: r.participant,
        session_id: r.session_id,
        from_ms: r.from_ms,
        to_ms: r.to_ms,
        format: r.format,
        status: r.status,
        progress: r.progress_permille as f64 / 1000.0,
        file_name: r.file_name,
        mime: r.mime,
        size_bytes: r.size_bytes,
        start_ms: r.start_ms,
        duration_ms: r.duration_ms,
        video_codec: r.video_codec,
        audio_codec: r.audio_codec,
        error: r.error,
        created_at: r.created_at,
        started_at: r.started_at,
        finished_at: r.finished_at,
        attempts: r.attempts,
        retry_at: r.retry_at,
        url: None,
        link_ttl_secs: None,
    }
}

fn parse_format(s: &str) -> ApiResult<ExportFormat> {
    match s {
        "remux" => Ok(ExportFormat::Remux),
        "mp4" => Ok(ExportFormat::Mp4),
        _ => Err(ApiError::invalid_code(
            "format",
            "invalid_format",
            "格式须为 remux（原样合并下载）或 mp4（H.264 + AAC）",
            "Format must be remux (one file, no transcoding) or mp4 (H.264 + AAC)",
        )),
    }
}

/// Queues an export of one participant's recording in a time range. Audited.
#[utoipa::path(post, path = "/api/recordings/exports", tag = "recording", request_body = RecordingExportRequest,
    responses((status = 202, body = RecordingExport), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn create_export(
    Proctor(user): Proctor,
    State(state): State<AppState>,
    Json(req): Json<RecordingExportRequest>,
) -> ApiResult<(StatusCode, Json<RecordingExport>)> {
    parse_format(&req.format)?;
    for (field, v) in [("from_ms", req.from_ms), ("to_ms", req.to_ms)] {
        if v.is_some_and(|v| v < 0) {
            return Err(ApiError::invalid(
                field,
                "时间不能为负数",
                "Times cannot be negative",
            ));
        }
    }
    if let (Some(f), Some(t)) = (req.from_ms, req.to_ms)
        && f >= t
    {
        return Err(ApiError::invalid(
            "to_ms",
            "结束时间须晚于开始时间",
            "The end must be after the start",
        ));
    }
    let scope = super::scope(&state.db, &user, req.session_id).await?;
    // A session limits the rooms as well as the time (as for playback).
    if scope
        .rooms
        .as_ref()
        .is_some_and(|rooms| !rooms.contains(&req.room))
    {
        return Err(ApiError::NotFound("recording"));
    }
    let (rec_from, rec_to) = q::recording_span(&state.db, &req.room, &req.participant)
        .await?
        .ok_or(ApiError::NotFound("recording"))?;
    let from_ms = [req.from_ms, scope.from_ms, Some(rec_from)]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(rec_from);
    let to_ms = [req.to_ms, scope.to_ms, Some(rec_to)]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rec_to);
    if from_ms >= to_ms {
        return Err(ApiError::invalid_code(
            "from_ms",
            "range_outside_recording",
            "所选时间段内没有录像（或不在场次时间内）",
            "Nothing was recorded in the chosen range (or it lies outside the session)",
        ));
    }
    let id = q::insert(
        &state.db,
        &q::NewExport {
            account_id: user.account_id,
            room: &req.room,
            participant: &req.participant,
            session_id: req.session_id,
            from_ms,
            to_ms,
            format: &req.format,
        },
    )
    .await?;
    crate::audit::record(
        &state.db,
        Some(&user),
        "recording.export",
        "recording",
        Some(&format!("{}/{}", req.room, req.participant)),
        serde_json::json!({
            "export_id": id, "format": req.format, "from_ms": from_ms, "to_ms": to_ms, "session_id": req.session_id,
        }),
    )
    .await?;
    WAKE.notify_one();
    let row = q::get(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("export"))?;
    Ok((StatusCode::ACCEPTED, Json(view(row))))
}

fn sees_all(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Staff)
}

/// Export jobs, newest first: the caller's own; staff and administrators see everyone's.
#[utoipa::path(get, path = "/api/recordings/exports", tag = "recording",
    responses((status = 200, body = [RecordingExport])), security(("bearer" = [])))]
async fn list_exports(
    Proctor(user): Proctor,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<RecordingExport>>> {
    let owner = (!sees_all(user.role)).then_some(user.account_id);
    Ok(Json(
        q::list(&state.db, owner)
            .await?
            .into_iter()
            .map(view)
            .collect(),
    ))
}

/// One job with its progress; when done, a short-lived signed link to the file (audited).
#[utoipa::path(get, path = "/api/recordings/exports/{id}", tag = "recording", params(("id" = i64, Path)),
    responses((status = 200, body = RecordingExport), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn get_export(
    Proctor(user): Proctor,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<RecordingExport>> {
    let row = q::get(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("export"))?;
    if row.account_id != user.account_id && !sees_all(user.role) {
        // Someone else's job does not exist for this caller.
        return Err(ApiError::NotFound("export"));
    }
    let key = row.result_key.clone().filter(|_| row.status == "done");
    let mut v = view(row);
    if let Some(key) = key {
        v.url = Some(state.files.link(&key).await?);
        v.link_ttl_secs = Some(state.files.link_ttl.as_secs());
        crate::audit::record(
            &state.db,
            Some(&user),
            "recording.export.download",
            "recording",
            Some(&format!("{}/{}", v.room, v.participant)),
            serde_json::json!({"export_id": id, "file_name": v.file_name}),
        )
        .await?;
    }
    Ok(Json(v))
}

/// Starts the one export worker of this server: jobs left running are queued again, then
/// queued jobs run one after another, oldest first.
pub fn spawn_worker(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let work = state.settings.data_dir.join("export-work");
        let _ = tokio::fs::remove_dir_all(&work).await;
        match q::requeue_running(&state.db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(jobs = n, "exports interrupted by a stop queued again"),
            Err(e) => tracing::error!(error = %e, "cannot re-queue interrupted exports"),
        }
        let mut last_sweep: Option<Instant> = None;
        loop {
            if last_sweep.is_none_or(|t| t.elapsed() > Duration::from_secs(3600)) {
                last_sweep = Some(Instant::now());
                sweep(&state).await;
            }
            match q::claim_next(&state.db).await {
                Ok(Some(job)) => {
                    let id = job.recording_export_id;
                    let dir = work.join(id.to_string());
                    let outcome = run_job(&state, &job, &dir).await;
                    let _ = tokio::fs::remove_dir_all(&dir).await;
                    if let Err(e) = outcome {
                        settle_failure(&state, &job, &e).await;
                    }
                }
                Ok(None) => {
                    let _ = tokio::time::timeout(IDLE_POLL, WAKE.notified()).await;
                }
                Err(e) => {
                    tracing::error!(error = %e, "export queue unreadable");
                    tokio::time::sleep(IDLE_POLL).await;
                }
            }
        }
    })
}

/// Whether `e` is the object store being unreachable (worth waiting for), not a fault of the
/// job itself.
fn is_outage(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<storage::Error>().is_some_and(storage::Error::is_transient))
}

/// How long a job waits after its `attempts`-th run met an outage.
fn retry_wait(first: Duration, attempts: i64) -> Duration {
    let doublings = attempts.clamp(1, 16) as u32 - 1;
    first.saturating_mul(1 << doublings).min(MAX_RETRY_WAIT.max(first))
}

/// A failed run: back to the queue to wait out a storage outage, or failed for good.
async fn settle_failure(state: &AppState, job: &ExportRow, e: &anyhow::Error) {
    let id = job.recording_export_id;
    let attempts = job.attempts + 1;
    let recorded = if is_outage(e) && attempts < MAX_ATTEMPTS {
        let wait = retry_wait(Duration::from_secs(state.settings.recording.export_retry_secs), attempts);
        tracing::warn!(export = id, attempts, wait_secs = wait.as_secs(), error = %e, "object store unreachable; export waits");
        let at = chrono::Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::minutes(10));
        q::retry_later(&state.db, id, &format!("{e:#}"), &crate::db::to_text(at)).await
    } else {
        tracing::warn!(export = id, attempts, error = %e, "export failed");
        q::fail(&state.db, id, &format!("{e:#}")).await
    };
    if let Err(e) = recorded {
        tracing::error!(export = id, error = %e, "export outcome not recorded");
    }
}

/// Removes export files older than the retention and marks their jobs expired.
async fn sweep(state: &AppState) {
    let cutoff =
        crate::db::to_text(chrono::Utc::now() - chrono::Duration::days(RESULT_RETENTION_DAYS));
    let Ok(old) = q::results_before(&state.db, &cutoff).await else {
        return;
    };
    for (id, key) in old {
        match state.files.store.delete(&key).await {
            Ok(()) | Err(storage::Error::NotFound { .. }) => {
                let _ = q::mark_expired(&state.db, id).await;
            }
            Err(e) => tracing::warn!(export = id, error = %e, "old export not removed"),
        }
    }
}

fn codec_of(s: &str) -> anyhow::Result<Codec> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| anyhow::anyhow!("unknown codec {s}"))
}

/// `candidate-12_check-12_20261204-101500.mp4`: readable, and safe as an object key segment.
fn file_name(job: &ExportRow, start_ms: i64, ext: &str) -> String {
    let clean = |s: &str| {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect::<String>()
    };
    let when = chrono::DateTime::from_timestamp_millis(start_ms)
        .map(|t| t.format("%Y%m%d-%H%M%S").to_string())
        .unwrap_or_default();
    format!(
        "{}_{}_{when}.{ext}",
        clean(&job.participant),
        clean(&job.room)
    )
}

async fn run_job(state: &AppState, job: &ExportRow, dir: &std::path::Path) -> anyhow::Result<()> {
    let format =
        parse_format(&job.format).map_err(|_| anyhow::anyhow!("unknown format {}", job.format))?;
    tokio::fs::create_dir_all(dir).await?;
    let mut video = Vec::new();
    let mut audio = Vec::new();
    for kind in ["video", "audio"] {
        let filter = Filter {
            room: Some(job.room.clone()),
            participant: Some(job.participant.clone()),
            kind: Some(kind.into()),
            from_ms: Some(job.from_ms),
            to_ms: Some(job.to_ms),
            ..Default::default()
        };
        for (i, s) in queries::segments(&state.db, &filter)
            .await?
            .into_iter()
            .enumerate()
        {
            let path = dir.join(format!("{kind}-{i}"));
            let bytes = segment_bytes(state, &s.object_key).await?;
            tokio::fs::write(&path, &bytes).await?;
            let seg = SegmentFile {
                path,
                codec: codec_of(&s.codec)?,
                start_ms: s.start_ms as u64,
                end_ms: s.end_ms as u64,
            };
            if kind == "video" {
                video.push(seg)
            } else {
                audio.push(seg)
            }
        }
    }
    let out = dir.join("out");
    let export = ExportJob {
        video,
        audio,
        from_ms: job.from_ms as u64,
        to_ms: job.to_ms as u64,
        format,
        out: out.clone(),
    };
    let permille = Arc::new(AtomicI64::new(0));
    let p = permille.clone();
    let mut task = tokio::task::spawn_blocking(move || {
        media_server::export::export(&export, &mut |f| {
            p.store((f * 1000.0) as i64, Ordering::Relaxed)
        })
    });
    let id = job.recording_export_id;
    let mut written = 0;
    let report = loop {
        tokio::select! {
            r = &mut task => break r??,
            _ = tokio::time::sleep(PROGRESS_EVERY) => {
                let now = permille.load(Ordering::Relaxed).min(999);
                if now > written {
                    written = now;
                    q::set_progress(&state.db, id, now).await?;
                }
            }
        }
    };
    let name = file_name(job, report.start_ms as i64, &report.container);
    let key = format!("exports/{id}/{name}");
    let opts = storage::PutOptions::new()
        .content_type(report.mime.clone())
        .class(storage::RetentionClass::Temp);
    store_result(state, &key, &out, opts).await?;
    q::finish(
        &state.db,
        id,
        &q::Done {
            result_key: &key,
            file_name: &name,
            mime: &report.mime,
            size_bytes: report.bytes as i64,
            start_ms: report.start_ms as i64,
            duration_ms: report.duration_ms as i64,
            video_codec: report.video_codec.as_deref(),
            audio_codec: report.audio_codec.as_deref(),
        },
    )
    .await?;
    Ok(())
}

/// A segment's bytes: the spool's local copy while it waits for upload (so an export works
/// during an object-store outage), else the store.
async fn segment_bytes(state: &AppState, key: &str) -> anyhow::Result<bytes::Bytes> {
    if let Some(spool) = &state.files.spool
        && let Some(b) = spool.read_pending(key).await?
    {
        return Ok(b);
    }
    Ok(state.files.store.get_bytes(key, None).await?)
}

/// Uploads the finished file, retrying a store that is briefly unreachable (the job stays
/// `running` meanwhile) before giving up.
async fn store_result(state: &AppState, key: &str, path: &std::path::Path, opts: storage::PutOptions) -> anyhow::Result<()> {
    const ATTEMPTS: u32 = 6;
    let mut wait = std::time::Duration::from_secs(2);
    let mut attempt = 1;
    loop {
        match state.files.store.put_file(key, path, opts.clone()).await {
            Ok(_) => return Ok(()),
            Err(e) if attempt < ATTEMPTS && e.is_transient() => {
                tracing::warn!(key, attempt, error = %e, "export result upload failed; retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(std::time::Duration::from_secs(30));
                attempt += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_ten_minutes() {
        let s = Duration::from_secs;
        let waits: Vec<u64> = (1..=MAX_ATTEMPTS).map(|n| retry_wait(s(30), n).as_secs()).collect();
        assert_eq!(waits, vec![30, 60, 120, 240, 480, 600, 600, 600]);
        assert_eq!(retry_wait(s(1), 1), s(1));
        assert_eq!(retry_wait(s(3600), 3), s(3600), "a first wait above the cap is kept");
    }
}
