//! SQL for `face_enrolment`, `face_check`, `face_recheck_plan`, `face_recheck_slot` and
//! `face_alert`.

use sqlx::FromRow;

use crate::db::{self, Db};

#[derive(Debug, Clone, FromRow)]
pub struct EnrolmentRow {
    pub face_enrolment_id: i64,
    pub account_id: i64,
    pub source: String,
    pub registration_id: Option<i64>,
    pub status: String,
    pub reason: Option<String>,
    pub embedding_enc: Option<String>,
    pub photo_key: String,
    pub detail: String,
    pub enrolled_by: Option<i64>,
    pub created_at: String,
}

const ENROLMENT_COLS: &str = "face_enrolment_id, account_id, source, registration_id, status, reason, embedding_enc, photo_key, detail, enrolled_by, created_at";

pub struct NewEnrolment<'a> {
    pub account_id: i64,
    pub source: &'a str,
    pub registration_id: Option<i64>,
    pub status: &'a str,
    pub reason: Option<&'a str>,
    pub embedding_enc: Option<&'a str>,
    pub photo_key: &'a str,
    pub detail: &'a str,
    pub enrolled_by: Option<i64>,
}

pub async fn insert_enrolment(db: &Db, e: NewEnrolment<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO face_enrolment (account_id, source, registration_id, status, reason, embedding_enc, photo_key, detail, enrolled_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING face_enrolment_id",
    )
    .bind(e.account_id)
    .bind(e.source)
    .bind(e.registration_id)
    .bind(e.status)
    .bind(e.reason)
    .bind(e.embedding_enc)
    .bind(e.photo_key)
    .bind(e.detail)
    .bind(e.enrolled_by)
    .bind(db::now())
    .fetch_one(&db.pool)
    .await
}

/// The enrolment checks compare against: the newest successful one.
pub async fn current_enrolment(db: &Db, account: i64) -> sqlx::Result<Option<EnrolmentRow>> {
    sqlx::query_as(&format!(
        "SELECT {ENROLMENT_COLS} FROM face_enrolment WHERE account_id = $1 AND status = 'enrolled' \
         ORDER BY face_enrolment_id DESC LIMIT 1"
    ))
    .bind(account)
    .fetch_optional(&db.pool)
    .await
}

/// Every attempt, newest first (refusals included, so staff see why).
pub async fn enrolments(db: &Db, account: i64) -> sqlx::Result<Vec<EnrolmentRow>> {
    sqlx::query_as(&format!(
        "SELECT {ENROLMENT_COLS} FROM face_enrolment WHERE account_id = $1 ORDER BY face_enrolment_id DESC LIMIT 50"
    ))
    .bind(account)
    .fetch_all(&db.pool)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct CheckRow {
    pub face_check_id: i64,
    pub account_id: i64,
    pub kind: String,
    pub exam_session_id: Option<i64>,
    pub face_enrolment_id: Option<i64>,
    pub frame_source: String,
    pub frame_key: Option<String>,
    pub matched: i64,
    pub distance_e4: Option<i64>,
    pub threshold_e4: i64,
    pub reason: Option<String>,
    pub faces: i64,
    pub liveness_e4: Option<i64>,
    pub liveness_method: Option<String>,
    pub outcome: String,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<String>,
    pub review_note: Option<String>,
    pub created_at: String,
}

const CHECK_COLS: &str = "face_check_id, account_id, kind, exam_session_id, face_enrolment_id, frame_source, frame_key, matched, distance_e4, threshold_e4, reason, faces, liveness_e4, liveness_method, outcome, reviewed_by, reviewed_at, review_note, created_at";

pub struct NewCheck<'a> {
    pub account_id: i64,
    pub kind: &'a str,
    pub exam_session_id: Option<i64>,
    pub face_enrolment_id: Option<i64>,
    pub frame_source: &'a str,
    pub frame_key: Option<&'a str>,
    pub matched: bool,
    pub distance_e4: Option<i64>,
    pub threshold_e4: i64,
    pub reason: Option<&'a str>,
    pub faces: i64,
    pub liveness_e4: Option<i64>,
    pub liveness_method: Option<&'a str>,
    pub outcome: &'a str,
}

pub async fn insert_check(db: &Db, c: NewCheck<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO face_check (account_id, kind, exam_session_id, face_enrolment_id, frame_source, frame_key, matched, distance_e4, threshold_e4, reason, faces, liveness_e4, liveness_method, outcome, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING face_check_id",
    )
    .bind(c.account_id)
    .bind(c.kind)
    .bind(c.exam_session_id)
    .bind(c.face_enrolment_id)
    .bind(c.frame_source)
    .bind(c.frame_key)
    .bind(i64::from(c.matched))
    .bind(c.distance_e4)
    .bind(c.threshold_e4)
    .bind(c.reason)
    .bind(c.faces)
    .bind(c.liveness_e4)
    .bind(c.liveness_method)
    .bind(c.outcome)
    .bind(db::now())
    .fetch_one(&db.pool)
    .await
}

pub async fn check(db: &Db, id: i64) -> sqlx::Result<Option<CheckRow>> {
    sqlx::query_as(&format!("SELECT {CHECK_COLS} FROM face_check WHERE face_check_id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// An account's checks, newest first.
pub async fn checks(db: &Db, account: i64) -> sqlx::Result<Vec<CheckRow>> {
    sqlx::query_as(&format!(
        "SELECT {CHECK_COLS} FROM face_check WHERE account_id = $1 ORDER BY face_check_id DESC LIMIT 200"
    ))
    .bind(account)
    .fetch_all(&db.pool)
    .await
}

pub async fn pending_reviews(db: &Db) -> sqlx::Result<Vec<CheckRow>> {
    sqlx::query_as(&format!(
        "SELECT {CHECK_COLS} FROM face_check WHERE outcome = 'review' ORDER BY face_check_id LIMIT 200"
    ))
    .fetch_all(&db.pool)
    .await
}

/// Records a reviewer's decision; false when someone else decided first.
pub async fn decide(db: &Db, id: i64, outcome: &str, by: i64, note: Option<&str>) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE face_check SET outcome = $1, reviewed_by = $2, reviewed_at = $3, review_note = $4 \
         WHERE face_check_id = $5 AND outcome = 'review'",
    )
    .bind(outcome)
    .bind(by)
    .bind(db::now())
    .bind(note)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn account_name(db: &Db, account: i64) -> sqlx::Result<Option<(String, String)>> {
    sqlx::query_as("SELECT display_name, role FROM account WHERE account_id = $1")
        .bind(account)
        .fetch_optional(&db.pool)
        .await
}

#[derive(Debug, Clone, FromRow)]
pub struct SessionTimes {
    pub starts_at: String,
    pub ends_at: String,
}

pub async fn session_times(db: &Db, session: i64) -> sqlx::Result<Option<SessionTimes>> {
    sqlx::query_as("SELECT starts_at, ends_at FROM exam_session WHERE exam_session_id = $1")
        .bind(session)
        .fetch_optional(&db.pool)
        .await
}

/// Candidates seated in a session (approved registrations).
pub async fn session_candidates(db: &Db, session: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT DISTINCT account_id FROM registration WHERE exam_session_id = $1 AND status = 'approved'",
    )
    .bind(session)
    .fetch_all(&db.pool)
    .await
}

/// Staff on duty at a session (they receive its alerts).
pub async fn session_staff(db: &Db, session: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT account_id FROM session_staff WHERE exam_session_id = $1")
        .bind(session)
        .fetch_all(&db.pool)
        .await
}

/// Replaces a session's re-check plan and its moments not yet due.
pub async fn replace_plan(
    db: &Db,
    session: i64,
    count: i64,
    from: &str,
    to: &str,
    by: i64,
    slots: &[(i64, String)],
) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM face_recheck_slot WHERE exam_session_id = $1 AND state = 'pending'")
        .bind(session)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM face_recheck_plan WHERE exam_session_id = $1")
        .bind(session)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO face_recheck_plan (exam_session_id, checks_per_candidate, window_from, window_to, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(session)
    .bind(count)
    .bind(from)
    .bind(to)
    .bind(by)
    .bind(db::now())
    .execute(&mut *tx)
    .await?;
    for (account, due) in slots {
        sqlx::query(
            "INSERT INTO face_recheck_slot (exam_session_id, account_id, due_at, state) VALUES ($1, $2, $3, 'pending')",
        )
        .bind(session)
        .bind(account)
        .bind(due)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

#[derive(Debug, Clone, FromRow)]
pub struct SlotRow {
    pub face_recheck_slot_id: i64,
    pub exam_session_id: i64,
    pub account_id: i64,
    pub due_at: String,
    pub state: String,
    pub asked_at: Option<String>,
}

const SLOT_COLS: &str = "face_recheck_slot_id, exam_session_id, account_id, due_at, state, asked_at";

/// Marks the moments that have come as asked; the camera page learns of them only now.
pub async fn ask_due(db: &Db, now: &str) -> sqlx::Result<u64> {
    let r = sqlx::query("UPDATE face_recheck_slot SET state = 'asked', asked_at = $1 WHERE state = 'pending' AND due_at <= $1")
        .bind(now)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected())
}

/// Moments that have come but are not asked yet (the live camera may answer them first).
pub async fn due_pending(db: &Db, now: &str) -> sqlx::Result<Vec<SlotRow>> {
    sqlx::query_as(&format!(
        "SELECT {SLOT_COLS} FROM face_recheck_slot WHERE state = 'pending' AND due_at <= $1 ORDER BY face_recheck_slot_id"
    ))
    .bind(now)
    .fetch_all(&db.pool)
    .await
}

/// Marks one pending moment as asked; false when it is no longer pending.
pub async fn ask_one(db: &Db, id: i64, now: &str) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE face_recheck_slot SET state = 'asked', asked_at = $1 WHERE face_recheck_slot_id = $2 AND state = 'pending'")
        .bind(now)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn asked_for(db: &Db, account: i64) -> sqlx::Result<Option<SlotRow>> {
    sqlx::query_as(&format!(
        "SELECT {SLOT_COLS} FROM face_recheck_slot WHERE account_id = $1 AND state = 'asked' ORDER BY due_at LIMIT 1"
    ))
    .bind(account)
    .fetch_optional(&db.pool)
    .await
}

pub async fn slot(db: &Db, id: i64) -> sqlx::Result<Option<SlotRow>> {
    sqlx::query_as(&format!("SELECT {SLOT_COLS} FROM face_recheck_slot WHERE face_recheck_slot_id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// Asked moments nobody answered before `cutoff`.
pub async fn unanswered(db: &Db, cutoff: &str) -> sqlx::Result<Vec<SlotRow>> {
    sqlx::query_as(&format!(
        "SELECT {SLOT_COLS} FROM face_recheck_slot WHERE state = 'asked' AND asked_at <= $1 ORDER BY face_recheck_slot_id"
    ))
    .bind(cutoff)
    .fetch_all(&db.pool)
    .await
}

/// Closes an asked moment with its check; false when it was already closed.
pub async fn close_slot(db: &Db, id: i64, check: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE face_recheck_slot SET state = 'done', face_check_id = $1 WHERE face_recheck_slot_id = $2 AND state = 'asked'")
        .bind(check)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn insert_alert(db: &Db, check: i64, account: i64, session: Option<i64>, reason: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO face_alert (face_check_id, account_id, exam_session_id, reason, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING face_alert_id",
    )
    .bind(check)
    .bind(account)
    .bind(session)
    .bind(reason)
    .bind(db::now())
    .fetch_one(&db.pool)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct AlertRow {
    pub face_alert_id: i64,
    pub face_check_id: i64,
    pub account_id: i64,
    pub exam_session_id: Option<i64>,
    pub reason: String,
    pub acknowledged_by: Option<i64>,
    pub acknowledged_at: Option<String>,
    pub created_at: String,
}

/// Alerts, open ones first, newest first within each group.
pub async fn alerts(db: &Db) -> sqlx::Result<Vec<AlertRow>> {
    sqlx::query_as(
        "SELECT face_alert_id, face_check_id, account_id, exam_session_id, reason, acknowledged_by, acknowledged_at, created_at \
         FROM face_alert ORDER BY CASE WHEN acknowledged_at IS NULL THEN 0 ELSE 1 END, face_alert_id DESC LIMIT 200",
    )
    .fetch_all(&db.pool)
    .await
}

pub async fn acknowledge(db: &Db, id: i64, by: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE face_alert SET acknowledged_by = $1, acknowledged_at = $2 WHERE face_alert_id = $3 AND acknowledged_at IS NULL")
        .bind(by)
        .bind(db::now())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// The candidate an alert is about, if the alert exists.
pub async fn alert_account(db: &Db, id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT account_id FROM face_alert WHERE face_alert_id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}
