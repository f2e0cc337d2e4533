//! SQL for `recording_export` (migrations 0011 and 0013).

use sqlx::FromRow;

use crate::db::{self, Db};

const COLUMNS: &str = "recording_export_id, account_id, room, participant, session_id, from_ms, to_ms, format, \
     status, progress_permille, result_key, file_name, mime, size_bytes, start_ms, duration_ms, video_codec, \
     audio_codec, error, created_at, started_at, finished_at, attempts, retry_at";

#[derive(Debug, Clone, FromRow)]
pub struct ExportRow {
    pub recording_export_id: i64,
    pub account_id: i64,
    pub room: String,
    pub participant: String,
    pub session_id: Option<i64>,
    pub from_ms: i64,
    pub to_ms: i64,
    pub format: String,
    pub status: String,
    pub progress_permille: i64,
    pub result_key: Option<String>,
    pub file_name: Option<String>,
    pub mime: Option<String>,
    pub size_bytes: Option<i64>,
    pub start_ms: Option<i64>,
    pub duration_ms: Option<i64>,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    pub error: Option<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub attempts: i64,
    pub retry_at: Option<String>,
}

pub struct NewExport<'a> {
    pub account_id: i64,
    pub room: &'a str,
    pub participant: &'a str,
    pub session_id: Option<i64>,
    pub from_ms: i64,
    pub to_ms: i64,
    pub format: &'a str,
}

/// Queues a job and returns its id.
pub async fn insert(db: &Db, e: &NewExport<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO recording_export (account_id, room, participant, session_id, from_ms, to_ms, format, status, \
         progress_permille, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8) \
         RETURNING recording_export_id",
    )
    .bind(e.account_id)
    .bind(e.room)
    .bind(e.participant)
    .bind(e.session_id)
    .bind(e.from_ms)
    .bind(e.to_ms)
    .bind(e.format)
    .bind(db::now())
    .fetch_one(&db.pool)
    .await
}

pub async fn get(db: &Db, id: i64) -> sqlx::Result<Option<ExportRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM recording_export WHERE recording_export_id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Newest first; only `account_id`'s jobs when given.
pub async fn list(db: &Db, account_id: Option<i64>) -> sqlx::Result<Vec<ExportRow>> {
    match account_id {
        Some(a) => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM recording_export WHERE account_id = $1 ORDER BY recording_export_id DESC LIMIT 200"
            ))
            .bind(a)
            .fetch_all(&db.pool)
            .await
        }
        None => {
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM recording_export ORDER BY recording_export_id DESC LIMIT 200"))
                .fetch_all(&db.pool)
                .await
        }
    }
}

/// Jobs a stopped server left running go back to the queue; returns how many.
pub async fn requeue_running(db: &Db) -> sqlx::Result<u64> {
    let r = sqlx::query("UPDATE recording_export SET status = 'queued', progress_permille = 0 WHERE status = 'running'")
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected())
}

/// The oldest queued job that is not waiting out an outage, claimed for this worker (another
/// instance may race for it: only the one whose update changes the row runs it).
pub async fn claim_next(db: &Db) -> sqlx::Result<Option<ExportRow>> {
    loop {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT recording_export_id FROM recording_export WHERE status = 'queued' \
             AND (retry_at IS NULL OR retry_at <= $1) ORDER BY recording_export_id LIMIT 1",
        )
        .bind(db::now())
        .fetch_optional(&db.pool)
        .await?;
        let Some(id) = id else { return Ok(None) };
        let r = sqlx::query(
            "UPDATE recording_export SET status = 'running', started_at = $2 \
             WHERE recording_export_id = $1 AND status = 'queued'",
        )
        .bind(id)
        .bind(db::now())
        .execute(&db.pool)
        .await?;
        if r.rows_affected() == 1 {
            return get(db, id).await;
        }
    }
}

pub async fn set_progress(db: &Db, id: i64, permille: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE recording_export SET progress_permille = $2 WHERE recording_export_id = $1 AND status = 'running'")
        .bind(id)
        .bind(permille)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// What a finished job produced.
pub struct Done<'a> {
    pub result_key: &'a str,
    pub file_name: &'a str,
    pub mime: &'a str,
    pub size_bytes: i64,
    pub start_ms: i64,
    pub duration_ms: i64,
    pub video_codec: Option<&'a str>,
    pub audio_codec: Option<&'a str>,
}

pub async fn finish(db: &Db, id: i64, d: &Done<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE recording_export SET status = 'done', progress_permille = 1000, result_key = $2, file_name = $3, \
         mime = $4, size_bytes = $5, start_ms = $6, duration_ms = $7, video_codec = $8, audio_codec = $9, \
         finished_at = $10, error = NULL, retry_at = NULL WHERE recording_export_id = $1",
    )
    .bind(id)
    .bind(d.result_key)
    .bind(d.file_name)
    .bind(d.mime)
    .bind(d.size_bytes)
    .bind(d.start_ms)
    .bind(d.duration_ms)
    .bind(d.video_codec)
    .bind(d.audio_codec)
    .bind(db::now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Puts a job that met an unreachable store back in the queue until `retry_at`.
pub async fn retry_later(db: &Db, id: i64, error: &str, retry_at: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE recording_export SET status = 'queued', progress_permille = 0, attempts = attempts + 1, \
         retry_at = $3, error = $2 WHERE recording_export_id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(retry_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn fail(db: &Db, id: i64, error: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE recording_export SET status = 'failed', error = $2, finished_at = $3 WHERE recording_export_id = $1")
        .bind(id)
        .bind(error)
        .bind(db::now())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Finished jobs whose file was stored before `cutoff` (RFC 3339) and is still there.
pub async fn results_before(db: &Db, cutoff: &str) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT recording_export_id, result_key FROM recording_export \
         WHERE status = 'done' AND result_key IS NOT NULL AND finished_at < $1 LIMIT 500",
    )
    .bind(cutoff)
    .fetch_all(&db.pool)
    .await
}

pub async fn mark_expired(db: &Db, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE recording_export SET status = 'expired', result_key = NULL WHERE recording_export_id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// First and after-last recorded millisecond of a participant in a room (audio and video).
pub async fn recording_span(
    db: &Db,
    room: &str,
    participant: &str,
) -> sqlx::Result<Option<(i64, i64)>> {
    let row: (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT MIN(start_ms), MAX(end_ms) FROM recording_segment WHERE room = $1 AND participant = $2",
    )
    .bind(room)
    .bind(participant)
    .fetch_one(&db.pool)
    .await?;
    Ok(match row {
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    })
}
