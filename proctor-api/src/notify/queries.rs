//! SQL for `notification`.

use sqlx::FromRow;

use crate::db::{self, Db};

#[derive(Debug, FromRow)]
pub struct NotificationRow {
    pub notification_id: i64,
    pub kind: String,
    pub title_zh: String,
    pub title_en: String,
    pub body: String,
    pub created_at: String,
}

/// The account and sealed phone behind a registration.
pub async fn registrant(db: &Db, registration: i64) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query_as("SELECT account_id, phone_enc FROM registration WHERE registration_id = $1")
        .bind(registration)
        .fetch_optional(&db.pool)
        .await
}

pub async fn insert(
    db: &Db,
    account: i64,
    kind: &str,
    title_zh: &str,
    title_en: &str,
    body: &str,
    sms_status: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notification (account_id, kind, title_zh, title_en, body, sms_status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(account)
    .bind(kind)
    .bind(title_zh)
    .bind(title_en)
    .bind(body)
    .bind(sms_status)
    .bind(db::now())
    .execute(&db.pool)
    .await
    .map(|_| ())
}

pub async fn for_account(db: &Db, account: i64) -> sqlx::Result<Vec<NotificationRow>> {
    sqlx::query_as(
        "SELECT notification_id, kind, title_zh, title_en, body, created_at FROM notification \
         WHERE account_id = $1 ORDER BY notification_id DESC LIMIT 200",
    )
    .bind(account)
    .fetch_all(&db.pool)
    .await
}
