//! SQL for the one-row `realname_config` table.

use crate::db::{self, Db};

pub async fn config(db: &Db) -> sqlx::Result<Option<(String, i64)>> {
    sqlx::query_as("SELECT url, timeout_ms FROM realname_config WHERE realname_config_id = 1")
        .fetch_optional(&db.pool)
        .await
}

pub async fn put_config(db: &Db, url: &str, timeout_ms: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO realname_config (realname_config_id, url, timeout_ms, updated_at) VALUES (1, $1, $2, $3) \
         ON CONFLICT (realname_config_id) DO UPDATE SET url = excluded.url, timeout_ms = excluded.timeout_ms, \
         updated_at = excluded.updated_at",
    )
    .bind(url)
    .bind(timeout_ms)
    .bind(db::now())
    .execute(&db.pool)
    .await
    .map(|_| ())
}
