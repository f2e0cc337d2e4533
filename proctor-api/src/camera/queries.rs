//! SQL for `room_camera` (and the read-only look at duty rosters that decides which rooms an
//! invigilator may see).

use sqlx::FromRow;

use crate::db::{self, Db};

/// A camera as stored; the sealed credentials stay in this module's callers on the server.
#[derive(Debug, Clone, FromRow)]
pub struct CameraRow {
    pub room_camera_id: i64,
    pub exam_room_id: i64,
    pub room_name: String,
    pub site_name: String,
    pub label: String,
    pub url: String,
    pub username_enc: String,
    pub password_enc: String,
    pub enabled: i64,
    pub status: String,
    pub last_error: Option<String>,
    pub status_at: Option<String>,
    pub last_online_at: Option<String>,
    pub last_offline_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

const SELECT: &str = "SELECT c.room_camera_id, c.exam_room_id, r.name AS room_name, s.name AS site_name, \
     c.label, c.url, c.username_enc, c.password_enc, c.enabled, c.status, c.last_error, c.status_at, \
     c.last_online_at, c.last_offline_at, c.created_at, c.updated_at \
     FROM room_camera c JOIN exam_room r ON r.exam_room_id = c.exam_room_id \
     JOIN exam_site s ON s.exam_site_id = r.exam_site_id";

pub struct NewCamera<'a> {
    pub room: i64,
    pub label: &'a str,
    pub url: &'a str,
    pub username_enc: &'a str,
    pub password_enc: &'a str,
    pub enabled: bool,
}

pub async fn insert(db: &Db, c: NewCamera<'_>) -> sqlx::Result<i64> {
    let now = db::now();
    sqlx::query_scalar(
        "INSERT INTO room_camera (exam_room_id, label, url, username_enc, password_enc, enabled, status, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING room_camera_id",
    )
    .bind(c.room)
    .bind(c.label)
    .bind(c.url)
    .bind(c.username_enc)
    .bind(c.password_enc)
    .bind(i64::from(c.enabled))
    .bind(if c.enabled { "connecting" } else { "disabled" })
    .bind(now)
    .fetch_one(&db.pool)
    .await
}

pub async fn get(db: &Db, id: i64) -> sqlx::Result<Option<CameraRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE c.room_camera_id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

pub async fn in_room(db: &Db, room: i64) -> sqlx::Result<Vec<CameraRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE c.exam_room_id = $1 ORDER BY c.room_camera_id"))
        .bind(room)
        .fetch_all(&db.pool)
        .await
}

pub async fn all(db: &Db) -> sqlx::Result<Vec<CameraRow>> {
    sqlx::query_as(&format!("{SELECT} ORDER BY c.exam_room_id, c.room_camera_id"))
        .fetch_all(&db.pool)
        .await
}

/// Cameras of the rooms where `account` is on duty at some session.
pub async fn on_duty(db: &Db, account: i64) -> sqlx::Result<Vec<CameraRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE c.exam_room_id IN (SELECT es.exam_room_id FROM exam_session es \
         JOIN session_staff ss ON ss.exam_session_id = es.exam_session_id WHERE ss.account_id = $1) \
         ORDER BY c.exam_room_id, c.room_camera_id"
    ))
    .bind(account)
    .fetch_all(&db.pool)
    .await
}

pub async fn is_on_duty_in(db: &Db, account: i64, room: i64) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM session_staff ss JOIN exam_session es ON es.exam_session_id = ss.exam_session_id \
         WHERE ss.account_id = $1 AND es.exam_room_id = $2",
    )
    .bind(account)
    .bind(room)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

pub async fn enabled(db: &Db) -> sqlx::Result<Vec<CameraRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE c.enabled = 1 ORDER BY c.room_camera_id"))
        .fetch_all(&db.pool)
        .await
}

/// Replace the editable fields (the caller merged the change into the row).
pub async fn update(db: &Db, c: &CameraRow) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE room_camera SET label = $1, url = $2, username_enc = $3, password_enc = $4, enabled = $5, \
         status = $6, updated_at = $7 WHERE room_camera_id = $8",
    )
    .bind(&c.label)
    .bind(&c.url)
    .bind(&c.username_enc)
    .bind(&c.password_enc)
    .bind(c.enabled)
    .bind(&c.status)
    .bind(db::now())
    .bind(c.room_camera_id)
    .execute(&db.pool)
    .await
    .map(|_| ())
}

pub async fn delete(db: &Db, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM room_camera WHERE room_camera_id = $1")
        .bind(id)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

/// What the ingest supervisor saw. Only enabled cameras take it, so a late report from a
/// pull that was just stopped cannot overwrite `disabled`.
pub async fn set_status(db: &Db, id: i64, status: &str, reason: Option<&str>) -> sqlx::Result<()> {
    let now = db::now();
    let (online, offline) = match status {
        "online" => (Some(now.clone()), None),
        "offline" | "unauthorised" => (None, Some(now.clone())),
        _ => (None, None),
    };
    sqlx::query(
        "UPDATE room_camera SET status = $1, last_error = COALESCE($2, last_error), status_at = $3, \
         last_online_at = COALESCE($4, last_online_at), last_offline_at = COALESCE($5, last_offline_at) \
         WHERE room_camera_id = $6 AND enabled = 1",
    )
    .bind(status)
    .bind(reason)
    .bind(now)
    .bind(online)
    .bind(offline)
    .bind(id)
    .execute(&db.pool)
    .await
    .map(|_| ())
}
