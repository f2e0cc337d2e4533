//! SQL for `registration`, `registration_event` and `registration_file`.

use sqlx::FromRow;

use crate::db::{self, Db};

#[derive(Debug, Clone, FromRow)]
pub struct RegRow {
    pub registration_id: i64,
    pub exam_plan_id: i64,
    pub account_id: i64,
    pub name: String,
    pub gender: String,
    pub id_type: String,
    pub id_number_enc: String,
    pub id_number_masked: String,
    pub birth_date: String,
    pub phone_enc: String,
    pub phone_masked: String,
    pub education: String,
    pub work_unit: String,
    pub years_in_occupation: i64,
    pub declared_level: i64,
    pub consent_at: String,
    pub status: String,
    pub review_reason: Option<String>,
    pub reviewed_at: Option<String>,
    pub realname_result: String,
    pub realname_checked_at: String,
    pub warnings: String,
    pub exam_session_id: Option<i64>,
    pub seat_no: Option<i64>,
    pub ticket_no: Option<String>,
    pub attendance: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

const REG_COLS: &str = "registration_id, exam_plan_id, account_id, name, gender, id_type, id_number_enc, \
     id_number_masked, birth_date, phone_enc, phone_masked, education, work_unit, years_in_occupation, \
     declared_level, consent_at, status, review_reason, reviewed_at, realname_result, realname_checked_at, \
     warnings, exam_session_id, seat_no, ticket_no, attendance, created_at, updated_at";

/// Everything a submission writes; sensitive values arrive already sealed.
pub struct Fields<'a> {
    pub name: &'a str,
    pub gender: &'a str,
    pub id_type: &'a str,
    pub id_number_enc: &'a str,
    pub id_number_hash: &'a str,
    pub id_number_masked: &'a str,
    pub birth_date: &'a str,
    pub phone_enc: &'a str,
    pub phone_hash: &'a str,
    pub phone_masked: &'a str,
    pub education: &'a str,
    pub work_unit: &'a str,
    pub years_in_occupation: i64,
    pub declared_level: i64,
    pub realname_result: &'a str,
    pub warnings: &'a str,
}

pub async fn insert(
    db: &Db,
    plan: i64,
    account: i64,
    f: &Fields<'_>,
    consent_text: &str,
) -> sqlx::Result<i64> {
    let now = db::now();
    sqlx::query_scalar(
        "INSERT INTO registration (exam_plan_id, account_id, name, gender, id_type, id_number_enc, \
         id_number_hash, id_number_masked, birth_date, phone_enc, phone_hash, phone_masked, education, \
         work_unit, years_in_occupation, declared_level, consent_text, consent_at, status, \
         realname_result, realname_checked_at, warnings, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
         'submitted', $19, $18, $20, $18, $18) RETURNING registration_id",
    )
    .bind(plan)
    .bind(account)
    .bind(f.name)
    .bind(f.gender)
    .bind(f.id_type)
    .bind(f.id_number_enc)
    .bind(f.id_number_hash)
    .bind(f.id_number_masked)
    .bind(f.birth_date)
    .bind(f.phone_enc)
    .bind(f.phone_hash)
    .bind(f.phone_masked)
    .bind(f.education)
    .bind(f.work_unit)
    .bind(f.years_in_occupation)
    .bind(f.declared_level)
    .bind(consent_text)
    .bind(now)
    .bind(f.realname_result)
    .bind(f.warnings)
    .fetch_one(&db.pool)
    .await
}

/// A corrected submission: back to `submitted`, the old decision cleared.
pub async fn resubmit(db: &Db, id: i64, f: &Fields<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE registration SET name = $1, gender = $2, id_type = $3, id_number_enc = $4, \
         id_number_hash = $5, id_number_masked = $6, birth_date = $7, phone_enc = $8, phone_hash = $9, \
         phone_masked = $10, education = $11, work_unit = $12, years_in_occupation = $13, \
         declared_level = $14, realname_result = $15, warnings = $16, realname_checked_at = $17, \
         status = 'submitted', review_reason = NULL, reviewed_by = NULL, reviewed_at = NULL, \
         updated_at = $17 WHERE registration_id = $18",
    )
    .bind(f.name)
    .bind(f.gender)
    .bind(f.id_type)
    .bind(f.id_number_enc)
    .bind(f.id_number_hash)
    .bind(f.id_number_masked)
    .bind(f.birth_date)
    .bind(f.phone_enc)
    .bind(f.phone_hash)
    .bind(f.phone_masked)
    .bind(f.education)
    .bind(f.work_unit)
    .bind(f.years_in_occupation)
    .bind(f.declared_level)
    .bind(f.realname_result)
    .bind(f.warnings)
    .bind(db::now())
    .bind(id)
    .execute(&db.pool)
    .await
    .map(|_| ())
}

pub async fn get(db: &Db, id: i64) -> sqlx::Result<Option<RegRow>> {
    sqlx::query_as(&format!(
        "SELECT {REG_COLS} FROM registration WHERE registration_id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn for_account(db: &Db, account: i64) -> sqlx::Result<Vec<RegRow>> {
    sqlx::query_as(&format!(
        "SELECT {REG_COLS} FROM registration WHERE account_id = $1 ORDER BY registration_id DESC"
    ))
    .bind(account)
    .fetch_all(&db.pool)
    .await
}

pub async fn for_plan(db: &Db, plan: i64, status: Option<&str>) -> sqlx::Result<Vec<RegRow>> {
    sqlx::query_as(&format!(
        "SELECT {REG_COLS} FROM registration WHERE exam_plan_id = $1 AND ($2 IS NULL OR status = $2) \
         ORDER BY registration_id"
    ))
    .bind(plan)
    .bind(status)
    .fetch_all(&db.pool)
    .await
}

/// Approved registrations whose name contains `q` (all when `q` is empty), for the notice.
pub async fn approved_matching(db: &Db, plan: i64, q: &str) -> sqlx::Result<Vec<RegRow>> {
    sqlx::query_as(&format!(
        "SELECT {REG_COLS} FROM registration WHERE exam_plan_id = $1 AND status = 'approved' \
         AND ($2 = '' OR name LIKE $3) ORDER BY registration_id LIMIT 2000"
    ))
    .bind(plan)
    .bind(q)
    .bind(format!("%{}%", q.replace(['%', '_'], "")))
    .fetch_all(&db.pool)
    .await
}

pub async fn exists_for_person(
    db: &Db,
    plan: i64,
    id_hash: &str,
    except: i64,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM registration WHERE exam_plan_id = $1 AND id_number_hash = $2 AND registration_id <> $3",
    )
    .bind(plan)
    .bind(id_hash)
    .bind(except)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// Records a decision only if the registration is still `submitted`.
pub async fn decide(
    db: &Db,
    id: i64,
    status: &str,
    reason: Option<&str>,
    by: i64,
) -> sqlx::Result<bool> {
    let now = db::now();
    let r = sqlx::query(
        "UPDATE registration SET status = $1, review_reason = $2, reviewed_by = $3, reviewed_at = $4, \
         updated_at = $4 WHERE registration_id = $5 AND status = 'submitted'",
    )
    .bind(status)
    .bind(reason)
    .bind(by)
    .bind(now)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_realname(db: &Db, id: i64, result: &str, warnings: &str) -> sqlx::Result<()> {
    let now = db::now();
    sqlx::query("UPDATE registration SET realname_result = $1, warnings = $2, realname_checked_at = $3, updated_at = $3 WHERE registration_id = $4")
        .bind(result)
        .bind(warnings)
        .bind(now)
        .bind(id)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub registration_event_id: i64,
    pub at: String,
    pub actor_account_id: Option<i64>,
    pub action: String,
    pub detail: String,
}

pub async fn add_event(
    db: &Db,
    id: i64,
    actor: Option<i64>,
    action: &str,
    detail: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO registration_event (registration_id, at, actor_account_id, action, detail) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(db::now())
        .bind(actor)
        .bind(action)
        .bind(detail.to_string())
        .execute(&db.pool)
        .await
        .map(|_| ())
}

pub async fn events(db: &Db, id: i64) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as(
        "SELECT registration_event_id, at, actor_account_id, action, detail FROM registration_event \
         WHERE registration_id = $1 ORDER BY registration_event_id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct FileRow {
    pub registration_file_id: i64,
    pub kind: String,
    pub stored_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub warnings: String,
    pub uploaded_at: String,
}

#[allow(clippy::too_many_arguments)]
pub async fn add_file(
    db: &Db,
    reg: i64,
    kind: &str,
    stored: &str,
    content_type: &str,
    size: i64,
    sha256: &str,
    warnings: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO registration_file (registration_id, kind, stored_name, content_type, size_bytes, sha256, warnings, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING registration_file_id",
    )
    .bind(reg)
    .bind(kind)
    .bind(stored)
    .bind(content_type)
    .bind(size)
    .bind(sha256)
    .bind(warnings)
    .bind(db::now())
    .fetch_one(&db.pool)
    .await
}

/// The current file of each kind (the newest upload wins).
pub async fn current_files(db: &Db, reg: i64) -> sqlx::Result<Vec<FileRow>> {
    sqlx::query_as(
        "SELECT f.registration_file_id, f.kind, f.stored_name, f.content_type, f.size_bytes, f.sha256, f.warnings, f.uploaded_at \
         FROM registration_file f WHERE f.registration_id = $1 AND f.registration_file_id = \
         (SELECT MAX(g.registration_file_id) FROM registration_file g WHERE g.registration_id = f.registration_id AND g.kind = f.kind) \
         ORDER BY f.kind",
    )
    .bind(reg)
    .fetch_all(&db.pool)
    .await
}

/// Removes an account created for a registration that then failed to be stored, so a
/// retry is not refused as "phone already registered". Only a candidate account with no
/// registration and no session is removed.
pub async fn remove_orphan_candidate(db: &Db, account: i64) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM account WHERE account_id = $1 AND role = 'candidate' \
         AND NOT EXISTS (SELECT 1 FROM registration r WHERE r.account_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM session s WHERE s.account_id = $1)",
    )
    .bind(account)
    .execute(&db.pool)
    .await
    .map(|_| ())
}

#[derive(Debug, Clone, FromRow)]
pub struct RecordRow {
    pub registration_id: i64,
    pub exam_plan_id: i64,
    pub code: String,
    pub title: String,
    pub level: i64,
    pub name: String,
    pub id_number_masked: String,
    pub status: String,
    pub ticket_no: Option<String>,
    pub attendance: Option<String>,
    pub created_at: String,
}

/// One person's registrations across all plans (the candidate record, 学籍), by keyed hash.
pub async fn record(db: &Db, id_hash: &str) -> sqlx::Result<Vec<RecordRow>> {
    sqlx::query_as(
        "SELECT r.registration_id, r.exam_plan_id, p.code, p.title, p.level, r.name, r.id_number_masked, \
         r.status, r.ticket_no, r.attendance, r.created_at FROM registration r \
         JOIN exam_plan p ON p.exam_plan_id = r.exam_plan_id WHERE r.id_number_hash = $1 \
         ORDER BY r.registration_id",
    )
    .bind(id_hash)
    .fetch_all(&db.pool)
    .await
}

/// Carries the current photo and materials of one registration over to another of the same
/// person (a second plan): the rows point at the same stored objects.
pub async fn copy_current_files(db: &Db, from: i64, to: i64) -> sqlx::Result<u64> {
    sqlx::query(
        "INSERT INTO registration_file (registration_id, kind, stored_name, content_type, size_bytes, sha256, warnings, uploaded_at) \
         SELECT $2, f.kind, f.stored_name, f.content_type, f.size_bytes, f.sha256, f.warnings, $3 \
         FROM registration_file f WHERE f.registration_id = $1 AND f.registration_file_id = \
         (SELECT MAX(g.registration_file_id) FROM registration_file g WHERE g.registration_id = f.registration_id AND g.kind = f.kind)",
    )
    .bind(from)
    .bind(to)
    .bind(db::now())
    .execute(&db.pool)
    .await
    .map(|r| r.rows_affected())
}
