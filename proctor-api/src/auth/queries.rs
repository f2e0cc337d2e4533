//! SQL for the `account` and `session` tables.

use sqlx::FromRow;

use crate::db::{self, Db};

#[derive(Debug, Clone, FromRow)]
pub struct AccountRow {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub must_change_password: i64,
    pub disabled: i64,
    pub failed_logins: i64,
    pub locked_until: Option<String>,
    pub created_at: String,
}

const ACCOUNT_COLS: &str = "account_id, username, display_name, role, password_hash, \
     must_change_password, disabled, failed_logins, locked_until, created_at";

pub async fn account_by_username(db: &Db, username: &str) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as(&format!("SELECT {ACCOUNT_COLS} FROM account WHERE username = $1"))
        .bind(username)
        .fetch_optional(&db.pool)
        .await
}

pub async fn account_by_id(db: &Db, id: i64) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as(&format!("SELECT {ACCOUNT_COLS} FROM account WHERE account_id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

pub async fn list_accounts(db: &Db) -> sqlx::Result<Vec<AccountRow>> {
    sqlx::query_as(&format!("SELECT {ACCOUNT_COLS} FROM account ORDER BY account_id"))
        .fetch_all(&db.pool)
        .await
}

pub async fn count_accounts(db: &Db) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM account").fetch_one(&db.pool).await
}

pub struct NewAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    pub must_change_password: bool,
}

pub async fn insert_account(db: &Db, a: NewAccount<'_>) -> sqlx::Result<i64> {
    let now = db::now();
    sqlx::query_scalar(
        "INSERT INTO account (username, display_name, role, password_hash, must_change_password, \
         disabled, failed_logins, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $6) RETURNING account_id",
    )
    .bind(a.username)
    .bind(a.display_name)
    .bind(a.role)
    .bind(a.password_hash)
    .bind(a.must_change_password as i64)
    .bind(now)
    .fetch_one(&db.pool)
    .await
}

pub async fn update_account(
    db: &Db,
    id: i64,
    display_name: &str,
    role: &str,
    disabled: bool,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE account SET display_name = $1, role = $2, disabled = $3, updated_at = $4 \
         WHERE account_id = $5",
    )
    .bind(display_name)
    .bind(role)
    .bind(disabled as i64)
    .bind(db::now())
    .bind(id)
    .execute(&db.pool)
    .await
    .map(|_| ())
}

pub async fn set_password(db: &Db, id: i64, hash: &str, must_change: bool) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE account SET password_hash = $1, must_change_password = $2, updated_at = $3 \
         WHERE account_id = $4",
    )
    .bind(hash)
    .bind(must_change as i64)
    .bind(db::now())
    .bind(id)
    .execute(&db.pool)
    .await
    .map(|_| ())
}

/// Counts a failed sign-in and, at `max`, locks the account until `lock_until`.
pub async fn record_failed_login(
    db: &Db,
    id: i64,
    max: i64,
    lock_until: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE account SET failed_logins = failed_logins + 1, \
         locked_until = CASE WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END \
         WHERE account_id = $3",
    )
    .bind(max)
    .bind(lock_until)
    .bind(id)
    .execute(&db.pool)
    .await
    .map(|_| ())
}

pub async fn clear_failed_logins(db: &Db, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE account SET failed_logins = 0, locked_until = NULL WHERE account_id = $1")
        .bind(id)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

pub async fn insert_session(
    db: &Db,
    token_hash: &str,
    account_id: i64,
    expires_at: &str,
    ip: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO session (token_hash, account_id, created_at, expires_at, ip) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(account_id)
    .bind(db::now())
    .bind(expires_at)
    .bind(ip)
    .execute(&db.pool)
    .await
    .map(|_| ())
}

/// The account behind a live (unexpired, unrevoked) session token hash.
pub async fn account_by_session(
    db: &Db,
    token_hash: &str,
    now: &str,
) -> sqlx::Result<Option<(AccountRow, String)>> {
    #[derive(FromRow)]
    struct Row {
        #[sqlx(flatten)]
        account: AccountRow,
        expires_at: String,
    }
    let cols = ACCOUNT_COLS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {cols}, s.expires_at FROM session s JOIN account a ON a.account_id = s.account_id \
         WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2"
    ))
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| (r.account, r.expires_at)))
}

pub async fn revoke_session(db: &Db, token_hash: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE session SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
        .bind(db::now())
        .bind(token_hash)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

pub async fn revoke_all_sessions(db: &Db, account_id: i64) -> sqlx::Result<u64> {
    sqlx::query("UPDATE session SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL")
        .bind(db::now())
        .bind(account_id)
        .execute(&db.pool)
        .await
        .map(|r| r.rows_affected())
}
