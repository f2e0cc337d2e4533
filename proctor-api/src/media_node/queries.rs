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

#[derive(Debug, Clone, FromRow)]
pub struct PresenceRow {
    pub room: String,
    pub participant: String,
    pub media_node_id: String,
    pub name: String,
    pub role: String,
    pub video_tracks: i64,
    pub audio_tracks: i64,
    pub loss_permille: Option<i64>,
}

/// Folds one event of `node` into `live_presence`.
pub async fn apply_event(db: &Db, node: &str, ev: &media_server::MediaEvent) -> sqlx::Result<()> {
    use media_server::{MediaEvent, MediaRole, TrackKind};
    match ev {
        MediaEvent::ParticipantJoined { room, participant, session, name, role } => {
            let role = match role {
                MediaRole::Publish => "publish",
                MediaRole::View => "view",
                MediaRole::Wall => "wall",
            };
            sqlx::query(
                "INSERT INTO live_presence (room, participant, media_node_id, session, name, role, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (room, participant) DO UPDATE SET media_node_id = $3, session = $4, name = $5, \
                 role = $6, video_tracks = 0, audio_tracks = 0, loss_permille = NULL, updated_at = $7",
            )
            .bind(&room.0)
            .bind(&participant.0)
            .bind(node)
            .bind(session.0 as i64)
            .bind(name)
            .bind(role)
            .bind(db::now())
            .execute(&db.pool)
            .await?;
        }
        MediaEvent::ParticipantLeft { room, participant, session } => {
            sqlx::query(
                "DELETE FROM live_presence WHERE room = $1 AND participant = $2 AND media_node_id = $3 AND session = $4",
            )
            .bind(&room.0)
            .bind(&participant.0)
            .bind(node)
            .bind(session.0 as i64)
            .execute(&db.pool)
            .await?;
        }
        MediaEvent::TrackPublished { room, participant, kind, .. } => {
            let column = match kind {
                TrackKind::Video => "video_tracks",
                TrackKind::Audio => "audio_tracks",
            };
            sqlx::query(&format!(
                "UPDATE live_presence SET {column} = {column} + 1, updated_at = $1 \
                 WHERE room = $2 AND participant = $3 AND media_node_id = $4"
            ))
            .bind(db::now())
            .bind(&room.0)
            .bind(&participant.0)
            .bind(node)
            .execute(&db.pool)
            .await?;
        }
        MediaEvent::Quality { room, participant, loss, .. } => {
            sqlx::query(
                "UPDATE live_presence SET loss_permille = $1, updated_at = $2 \
                 WHERE room = $3 AND participant = $4 AND media_node_id = $5",
            )
            .bind((loss.clamp(0.0, 1.0) * 1000.0).round() as i64)
            .bind(db::now())
            .bind(&room.0)
            .bind(&participant.0)
            .bind(node)
            .execute(&db.pool)
            .await?;
        }
        _ => {}
    }
    Ok(())
}

/// Removes every presence on `node`; returns the rows removed (to say goodbye for them).
pub async fn forget_node(db: &Db, node: &str) -> sqlx::Result<Vec<(String, String, i64)>> {
    let mut tx = db.pool.begin().await?;
    let gone: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT room, participant, session FROM live_presence WHERE media_node_id = $1")
            .bind(node)
            .fetch_all(&mut *tx)
            .await?;
    sqlx::query("DELETE FROM live_presence WHERE media_node_id = $1").bind(node).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(gone)
}

pub async fn presence(db: &Db) -> sqlx::Result<Vec<PresenceRow>> {
    sqlx::query_as(
        "SELECT room, participant, media_node_id, name, role, video_tracks, audio_tracks, loss_permille \
         FROM live_presence ORDER BY room, participant",
    )
    .fetch_all(&db.pool)
    .await
}

/// The nodes on which anyone is live in `room`.
pub async fn nodes_of_room(db: &Db, room: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT DISTINCT media_node_id FROM live_presence WHERE room = $1 ORDER BY media_node_id")
        .bind(room)
        .fetch_all(&db.pool)
        .await
}

/// Who is live in `room` on separate nodes.
pub async fn presence_in(db: &Db, room: &str) -> sqlx::Result<Vec<PresenceRow>> {
    sqlx::query_as(
        "SELECT room, participant, media_node_id, name, role, video_tracks, audio_tracks, loss_permille \
         FROM live_presence WHERE room = $1 ORDER BY participant",
    )
    .bind(room)
    .fetch_all(&db.pool)
    .await
}
