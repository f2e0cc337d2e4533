//! SQL for `paper`, `paper_item`, `paper_usage` and `paper_access`.

use sqlx::{AnyConnection, FromRow};

use crate::db::{self, Db};

#[derive(Debug, Clone, FromRow)]
pub struct PaperRow {
    pub paper_id: i64,
    pub bank_id: i64,
    pub name: String,
    pub state: String,
    pub form_group: Option<String>,
    pub form_label: Option<String>,
    pub blueprint: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub item_count: i64,
    pub total_score_centi: i64,
}

const PAPER_COLS: &str = "p.paper_id, p.bank_id, p.name, p.state, p.form_group, p.form_label, p.blueprint, \
     p.created_at, p.updated_at, \
     (SELECT COUNT(*) FROM paper_item pi WHERE pi.paper_id = p.paper_id) AS item_count, \
     (SELECT CAST(COALESCE(SUM(pi.score_centi), 0) AS BIGINT) FROM paper_item pi WHERE pi.paper_id = p.paper_id) AS total_score_centi";

pub struct NewPaper<'a> {
    pub bank_id: i64,
    pub name: &'a str,
    pub form_group: Option<&'a str>,
    pub form_label: Option<&'a str>,
    pub blueprint: Option<&'a str>,
    pub by: i64,
}

pub async fn insert_paper(conn: &mut AnyConnection, p: &NewPaper<'_>) -> sqlx::Result<i64> {
    let now = db::now();
    sqlx::query_scalar(
        "INSERT INTO paper (bank_id, name, state, form_group, form_label, blueprint, created_at, created_by, updated_at) \
         VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7, $6) RETURNING paper_id",
    )
    .bind(p.bank_id)
    .bind(p.name)
    .bind(p.form_group)
    .bind(p.form_label)
    .bind(p.blueprint)
    .bind(&now)
    .bind(p.by)
    .fetch_one(conn)
    .await
}

/// (item_id, item_version_id, score_centi) in paper order.
pub async fn insert_items(
    conn: &mut AnyConnection,
    paper_id: i64,
    items: &[(i64, i64, i64)],
) -> sqlx::Result<()> {
    for (pos, (item_id, version_id, score)) in items.iter().enumerate() {
        sqlx::query(
            "INSERT INTO paper_item (paper_id, position, item_id, item_version_id, score_centi) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(paper_id)
        .bind(pos as i64 + 1)
        .bind(item_id)
        .bind(version_id)
        .bind(score)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Replaces a draft's items; `false` (nothing changed) when the paper is not a draft.
pub async fn replace_items_of_draft(
    db: &Db,
    paper_id: i64,
    items: &[(i64, i64, i64)],
) -> sqlx::Result<bool> {
    let mut tx = db.pool.begin().await?;
    let n = sqlx::query("UPDATE paper SET updated_at = $1 WHERE paper_id = $2 AND state = 'draft'")
        .bind(db::now())
        .bind(paper_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n != 1 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM paper_item WHERE paper_id = $1")
        .bind(paper_id)
        .execute(&mut *tx)
        .await?;
    insert_items(&mut tx, paper_id, items).await?;
    tx.commit().await?;
    Ok(true)
}

/// Moves a paper from one state to another; `false` when it was not in `from`.
pub async fn set_state(db: &Db, paper_id: i64, from: &str, to: &str) -> sqlx::Result<bool> {
    let n = sqlx::query(
        "UPDATE paper SET state = $1, updated_at = $2 WHERE paper_id = $3 AND state = $4",
    )
    .bind(to)
    .bind(db::now())
    .bind(paper_id)
    .bind(from)
    .execute(&db.pool)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn paper_by_id(db: &Db, id: i64) -> sqlx::Result<Option<PaperRow>> {
    sqlx::query_as(&format!(
        "SELECT {PAPER_COLS} FROM paper p WHERE p.paper_id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn list_papers(
    db: &Db,
    bank_id: Option<i64>,
    state: Option<&str>,
) -> sqlx::Result<Vec<PaperRow>> {
    sqlx::query_as(&format!(
        "SELECT {PAPER_COLS} FROM paper p WHERE ($1 IS NULL OR p.bank_id = $1) AND ($2 IS NULL OR p.state = $2) \
         ORDER BY p.paper_id DESC"
    ))
    .bind(bank_id)
    .bind(state)
    .fetch_all(&db.pool)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct PaperItemRow {
    pub position: i64,
    pub item_id: i64,
    pub item_version_id: i64,
    pub version: i64,
    pub score_centi: i64,
    pub body: String,
}

/// A paper's items with the bodies of the versions it pinned.
pub async fn paper_items(db: &Db, paper_id: i64) -> sqlx::Result<Vec<PaperItemRow>> {
    sqlx::query_as(
        "SELECT pi.position, pi.item_id, pi.item_version_id, v.version, pi.score_centi, v.body \
         FROM paper_item pi JOIN item_version v ON v.item_version_id = pi.item_version_id \
         WHERE pi.paper_id = $1 ORDER BY pi.position",
    )
    .bind(paper_id)
    .fetch_all(&db.pool)
    .await
}

/// Items used by the bank's `n` most recent papers (other than retired drafts).
pub async fn items_of_recent_papers(db: &Db, bank_id: i64, n: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT pi.item_id FROM paper_item pi WHERE pi.paper_id IN \
         (SELECT p.paper_id FROM paper p WHERE p.bank_id = $1 ORDER BY p.paper_id DESC LIMIT $2)",
    )
    .bind(bank_id)
    .bind(n)
    .fetch_all(&db.pool)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct UsageRow {
    pub paper_usage_id: i64,
    pub paper_id: i64,
    pub session_name: String,
    pub session_ref: Option<String>,
    pub starts_at: String,
    pub created_at: String,
    pub created_by: Option<i64>,
    pub exam_session_id: Option<i64>,
}

pub struct NewUsage<'a> {
    pub paper_id: i64,
    pub name: &'a str,
    pub session_ref: Option<&'a str>,
    pub exam_session_id: Option<i64>,
    pub starts_at: &'a str,
}

pub async fn insert_usage(db: &Db, u: &NewUsage<'_>, by: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO paper_usage (paper_id, session_name, session_ref, starts_at, created_at, created_by, exam_session_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING paper_usage_id",
    )
    .bind(u.paper_id)
    .bind(u.name)
    .bind(u.session_ref)
    .bind(u.starts_at)
    .bind(db::now())
    .bind(by)
    .bind(u.exam_session_id)
    .fetch_one(&db.pool)
    .await
}

/// The start time of an exam session, when it exists.
pub async fn exam_session_start(db: &Db, exam_session_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT starts_at FROM exam_session WHERE exam_session_id = $1")
        .bind(exam_session_id)
        .fetch_optional(&db.pool)
        .await
}

/// Whether the account holds an approved registration seated in the session.
pub async fn seated_in_session(
    db: &Db,
    account_id: i64,
    exam_session_id: i64,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM registration WHERE account_id = $1 AND exam_session_id = $2 AND status = 'approved'",
    )
    .bind(account_id)
    .bind(exam_session_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

pub async fn usage_by_id(db: &Db, id: i64) -> sqlx::Result<Option<UsageRow>> {
    sqlx::query_as(
        "SELECT paper_usage_id, paper_id, session_name, session_ref, starts_at, created_at, created_by, exam_session_id \
         FROM paper_usage WHERE paper_usage_id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn usages(db: &Db, paper_id: i64) -> sqlx::Result<Vec<UsageRow>> {
    sqlx::query_as(
        "SELECT paper_usage_id, paper_id, session_name, session_ref, starts_at, created_at, created_by, exam_session_id \
         FROM paper_usage WHERE paper_id = $1 ORDER BY starts_at, paper_usage_id",
    )
    .bind(paper_id)
    .fetch_all(&db.pool)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct AccessRow {
    pub paper_access_id: i64,
    pub paper_usage_id: Option<i64>,
    pub account_id: i64,
    pub username: String,
    pub role: String,
    pub what: String,
    pub granted: i64,
    pub at: String,
}

pub struct Access<'a> {
    pub paper_id: i64,
    pub usage_id: Option<i64>,
    pub account_id: i64,
    pub role: &'a str,
    /// `preview`, `paper` or `answer_key`.
    pub what: &'a str,
    pub granted: bool,
}

pub async fn log_access(db: &Db, a: &Access<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO paper_access (paper_id, paper_usage_id, account_id, role, what, granted, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(a.paper_id)
    .bind(a.usage_id)
    .bind(a.account_id)
    .bind(a.role)
    .bind(a.what)
    .bind(a.granted as i64)
    .bind(db::now())
    .execute(&db.pool)
    .await
    .map(|_| ())
}

pub async fn access_log(db: &Db, paper_id: i64) -> sqlx::Result<Vec<AccessRow>> {
    sqlx::query_as(
        "SELECT x.paper_access_id, x.paper_usage_id, x.account_id, a.username, x.role, x.what, x.granted, x.at \
         FROM paper_access x JOIN account a ON a.account_id = x.account_id \
         WHERE x.paper_id = $1 ORDER BY x.paper_access_id",
    )
    .bind(paper_id)
    .fetch_all(&db.pool)
    .await
}
