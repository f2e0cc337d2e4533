//! SQL for `exam_plan`, `plan_subject` and `exam_session`.

use sqlx::FromRow;

use crate::db::{self, Db};

#[derive(Debug, Clone, FromRow)]
pub struct PlanRow {
    pub exam_plan_id: i64,
    pub code: String,
    pub title: String,
    pub occupation_code: String,
    pub occupation_name: String,
    pub level: i64,
    pub registration_opens_at: String,
    pub registration_closes_at: String,
    pub realname_policy: String,
    pub state: String,
    pub created_at: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct SubjectRow {
    pub plan_subject_id: i64,
    pub kind: String,
    pub name: String,
    pub weight_pct: i64,
    pub pass_score_centi: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub exam_session_id: i64,
    pub exam_plan_id: i64,
    pub plan_title: String,
    pub name: String,
    pub starts_at: String,
    pub ends_at: String,
    pub exam_room_id: i64,
    pub room_name: String,
    pub seats: i64,
    pub site_name: String,
    pub site_address: String,
    /// Candidates seated in it.
    pub seated: i64,
}

const PLAN_COLS: &str = "exam_plan_id, code, title, occupation_code, occupation_name, level, \
     registration_opens_at, registration_closes_at, realname_policy, state, created_at";

pub struct NewPlan<'a> {
    pub code: &'a str,
    pub title: &'a str,
    pub occupation_code: &'a str,
    pub occupation_name: &'a str,
    pub level: i64,
    pub opens_at: &'a str,
    pub closes_at: &'a str,
    pub realname_policy: &'a str,
}

pub async fn insert_plan(db: &Db, p: &NewPlan<'_>) -> sqlx::Result<i64> {
    let now = db::now();
    sqlx::query_scalar(
        "INSERT INTO exam_plan (code, title, occupation_code, occupation_name, level, \
         registration_opens_at, registration_closes_at, realname_policy, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $9) RETURNING exam_plan_id",
    )
    .bind(p.code)
    .bind(p.title)
    .bind(p.occupation_code)
    .bind(p.occupation_name)
    .bind(p.level)
    .bind(p.opens_at)
    .bind(p.closes_at)
    .bind(p.realname_policy)
    .bind(now)
    .fetch_one(&db.pool)
    .await
}

pub async fn insert_subject(
    db: &Db,
    plan: i64,
    kind: &str,
    name: &str,
    weight: i64,
    pass_centi: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO plan_subject (exam_plan_id, kind, name, weight_pct, pass_score_centi) \
         VALUES ($1, $2, $3, $4, $5) RETURNING plan_subject_id",
    )
    .bind(plan)
    .bind(kind)
    .bind(name)
    .bind(weight)
    .bind(pass_centi)
    .fetch_one(&db.pool)
    .await
}

pub async fn plan(db: &Db, id: i64) -> sqlx::Result<Option<PlanRow>> {
    sqlx::query_as(&format!(
        "SELECT {PLAN_COLS} FROM exam_plan WHERE exam_plan_id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn plans(db: &Db, state: Option<&str>) -> sqlx::Result<Vec<PlanRow>> {
    sqlx::query_as(&format!(
        "SELECT {PLAN_COLS} FROM exam_plan WHERE ($1 IS NULL OR state = $1) ORDER BY exam_plan_id DESC"
    ))
    .bind(state)
    .fetch_all(&db.pool)
    .await
}

pub async fn subjects(db: &Db, plan: i64) -> sqlx::Result<Vec<SubjectRow>> {
    sqlx::query_as(
        "SELECT plan_subject_id, kind, name, weight_pct, pass_score_centi FROM plan_subject \
         WHERE exam_plan_id = $1 ORDER BY plan_subject_id",
    )
    .bind(plan)
    .fetch_all(&db.pool)
    .await
}

/// Moves the plan only if it is still in `from`; false when someone else moved it first.
pub async fn set_state(db: &Db, id: i64, from: &str, to: &str) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE exam_plan SET state = $1, updated_at = $2 WHERE exam_plan_id = $3 AND state = $4",
    )
    .bind(to)
    .bind(db::now())
    .bind(id)
    .bind(from)
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn insert_session(
    db: &Db,
    plan: i64,
    name: &str,
    starts: &str,
    ends: &str,
    room: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO exam_session (exam_plan_id, name, starts_at, ends_at, exam_room_id) \
         VALUES ($1, $2, $3, $4, $5) RETURNING exam_session_id",
    )
    .bind(plan)
    .bind(name)
    .bind(starts)
    .bind(ends)
    .bind(room)
    .fetch_one(&db.pool)
    .await
}

const SESSION_SELECT: &str = "SELECT s.exam_session_id, s.exam_plan_id, p.title AS plan_title, s.name, s.starts_at, \
     s.ends_at, s.exam_room_id, r.name AS room_name, r.seats, t.name AS site_name, t.address AS site_address, \
     (SELECT COUNT(*) FROM registration g WHERE g.exam_session_id = s.exam_session_id) AS seated \
     FROM exam_session s JOIN exam_room r ON r.exam_room_id = s.exam_room_id \
     JOIN exam_site t ON t.exam_site_id = r.exam_site_id \
     JOIN exam_plan p ON p.exam_plan_id = s.exam_plan_id";

pub async fn sessions(db: &Db, plan: i64) -> sqlx::Result<Vec<SessionRow>> {
    sqlx::query_as(&format!(
        "{SESSION_SELECT} WHERE s.exam_plan_id = $1 ORDER BY s.starts_at, s.exam_session_id"
    ))
    .bind(plan)
    .fetch_all(&db.pool)
    .await
}

/// Sessions newest first: all of them, or only those `on_duty_of` is on duty at.
pub async fn recent_sessions(db: &Db, on_duty_of: Option<i64>) -> sqlx::Result<Vec<SessionRow>> {
    let order = "ORDER BY s.starts_at DESC, s.exam_session_id DESC LIMIT 500";
    match on_duty_of {
        Some(account) => {
            sqlx::query_as(&format!(
                "{SESSION_SELECT} WHERE s.exam_session_id IN \
                 (SELECT exam_session_id FROM session_staff WHERE account_id = $1) {order}"
            ))
            .bind(account)
            .fetch_all(&db.pool)
            .await
        }
        None => sqlx::query_as(&format!("{SESSION_SELECT} {order}")).fetch_all(&db.pool).await,
    }
}

pub async fn session(db: &Db, id: i64) -> sqlx::Result<Option<SessionRow>> {
    sqlx::query_as(&format!("{SESSION_SELECT} WHERE s.exam_session_id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

#[derive(Debug, Clone, FromRow)]
pub struct DocumentRow {
    pub plan_document_id: i64,
    pub title: String,
    pub stored_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_at: String,
}

pub async fn insert_document(
    db: &Db,
    plan: i64,
    title: &str,
    stored_name: &str,
    content_type: &str,
    size: i64,
    by: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO plan_document (exam_plan_id, title, stored_name, content_type, size_bytes, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING plan_document_id",
    )
    .bind(plan)
    .bind(title)
    .bind(stored_name)
    .bind(content_type)
    .bind(size)
    .bind(by)
    .bind(db::now())
    .fetch_one(&db.pool)
    .await
}

pub async fn documents(db: &Db, plan: i64) -> sqlx::Result<Vec<DocumentRow>> {
    sqlx::query_as(
        "SELECT plan_document_id, title, stored_name, content_type, size_bytes, uploaded_at FROM plan_document \
         WHERE exam_plan_id = $1 ORDER BY plan_document_id",
    )
    .bind(plan)
    .fetch_all(&db.pool)
    .await
}

pub async fn set_realname_policy(db: &Db, id: i64, policy: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE exam_plan SET realname_policy = $1, updated_at = $2 WHERE exam_plan_id = $3",
    )
    .bind(policy)
    .bind(db::now())
    .bind(id)
    .execute(&db.pool)
    .await
    .map(|_| ())
}

/// Sessions (of any plan) starting after `from` and at or before `to` (RFC 3339 UTC text,
/// which sorts as time because every stored time has the same form).
pub async fn sessions_starting_between(
    db: &Db,
    from: &str,
    to: &str,
) -> sqlx::Result<Vec<SessionRow>> {
    sqlx::query_as(&format!(
        "{SESSION_SELECT} WHERE s.starts_at > $1 AND s.starts_at <= $2 ORDER BY s.starts_at, s.exam_session_id"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await
}

/// What depends on a session.
#[derive(Debug, FromRow)]
pub struct SessionUses {
    pub seated: i64,
    pub papers: i64,
    /// Face checks, re-check plans and alerts made in it.
    pub face: i64,
}

pub async fn session_uses(db: &Db, session: i64) -> sqlx::Result<SessionUses> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM registration WHERE exam_session_id = $1) AS seated, \
         (SELECT COUNT(*) FROM paper_usage WHERE exam_session_id = $1) AS papers, \
         (SELECT COUNT(*) FROM face_check WHERE exam_session_id = $1) \
         + (SELECT COUNT(*) FROM face_recheck_plan WHERE exam_session_id = $1) \
         + (SELECT COUNT(*) FROM face_alert WHERE exam_session_id = $1) AS face",
    )
    .bind(session)
    .fetch_one(&db.pool)
    .await
}

/// Removes a session with its duties and reminders, in one transaction.
pub async fn delete_session(db: &Db, session: i64) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    for sql in [
        "DELETE FROM session_staff WHERE exam_session_id = $1",
        "DELETE FROM exam_reminder WHERE exam_session_id = $1",
        "DELETE FROM face_recheck_slot WHERE exam_session_id = $1",
        "DELETE FROM exam_session WHERE exam_session_id = $1",
    ] {
        sqlx::query(sql).bind(session).execute(&mut *tx).await?;
    }
    tx.commit().await
}
