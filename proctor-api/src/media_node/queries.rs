//! SQL for the `media_node` table.

use sqlx::FromRow;

use crate::db::{self, Db};

#[derive(Debug, Clone, FromRow)]
pub struct NodeRow {
    pub media_node_id: String,
    pub public_url: String,
    pub udp_addr: String,
    pub started_at: String,
    pub last_seen: String,
    pub sessions: i64,
    pub tracks: i64,
}

pub struct Heartbeat<'a> {
    pub id: &'a str,
    pub public_url: &'a str,
    pub udp_addr: &'a str,
    pub started_at: &'a str,
    pub sessions: i64,
    pub tracks: i64,
}

/// Records a heartbeat; returns the `started_at` stored before it (None for a new node).
pub async fn record_heartbeat(db: &Db, hb: &Heartbeat<'_>) -> sqlx::Result<Option<String>> {
    let mut tx = db.pool.begin().await?;
    let before: Option<(String,)> = sqlx::query_as("SELECT started_at FROM media_node WHERE media_node_id = $1")
        .bind(hb.id)
        .fetch_optional(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO media_node (media_node_id, public_url, udp_addr, started_at, last_seen, sessions, tracks) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (media_node_id) DO UPDATE SET public_url = $2, udp_addr = $3, started_at = $4, \
         last_seen = $5, sessions = $6, tracks = $7",
    )
    .bind(hb.id)
    .bind(hb.public_url)
    .bind(hb.udp_addr)
    .bind(hb.started_at)
    .bind(db::now())
    .bind(hb.sessions)
    .bind(hb.tracks)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(before.map(|b| b.0))
}

pub async fn list(db: &Db) -> sqlx::Result<Vec<NodeRow>> {
    sqlx::query_as(
        "SELECT media_node_id, public_url, udp_addr, started_at, last_seen, sessions, tracks \
         FROM media_node ORDER BY media_node_id",
    )
    .fetch_all(&db.pool)
    .await
}
