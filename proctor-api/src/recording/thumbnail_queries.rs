//! SQL for `recording_thumbnail` (migration 0012).

use sqlx::FromRow;

use crate::db::{self, Db};

/// A thumbnail as the media server announced it.
pub struct NewThumbnail<'a> {
    pub room: &'a str,
    pub participant: &'a str,
    pub candidate_id: Option<i64>,
    pub object_key: &'a str,
    pub at_ms: i64,
    pub width: i64,
    pub height: i64,
}

/// Adds a thumbnail; announcing the same object twice changes nothing.
pub async fn insert_thumbnail(db: &Db, t: &NewThumbnail<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO recording_thumbnail (room, participant, candidate_id, object_key, at_ms, width, height, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (object_key) DO NOTHING",
    )
    .bind(t.room)
    .bind(t.participant)
    .bind(t.candidate_id)
    .bind(t.object_key)
    .bind(t.at_ms)
    .bind(t.width)
    .bind(t.height)
    .bind(db::now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Which thumbnails to list: all filters optional, combined with AND; times inclusive.
#[derive(Debug, Default, Clone)]
pub struct ThumbFilter {
    pub room: Option<String>,
    pub participant: Option<String>,
    pub candidate_id: Option<i64>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Only these media rooms (an exam session's scope); `Some(empty)` matches nothing.
    pub rooms: Option<Vec<String>>,
}

#[derive(Debug, Clone, FromRow)]
pub struct ThumbnailRow {
    pub room: String,
    pub participant: String,
    pub candidate_id: Option<i64>,
    pub object_key: String,
    pub at_ms: i64,
    pub width: i64,
    pub height: i64,
}

const COLUMNS: &str = "room, participant, candidate_id, object_key, at_ms, width, height";

enum Bind {
    Text(String),
    Int(i64),
}

/// Thumbnails matching `f`, oldest first, at most `limit`.
pub async fn thumbnails(db: &Db, f: &ThumbFilter, limit: i64) -> sqlx::Result<Vec<ThumbnailRow>> {
    let mut conds = Vec::new();
    let mut binds = Vec::new();
    let mut add = |sql: &str, b: Bind| {
        binds.push(b);
        conds.push(sql.replace('?', &format!("${}", binds.len())));
    };
    if let Some(r) = &f.room {
        add("room = ?", Bind::Text(r.clone()));
    }
    if let Some(p) = &f.participant {
        add("participant = ?", Bind::Text(p.clone()));
    }
    if let Some(c) = f.candidate_id {
        add("candidate_id = ?", Bind::Int(c));
    }
    if let Some(t) = f.from_ms {
        add("at_ms >= ?", Bind::Int(t));
    }
    if let Some(t) = f.to_ms {
        add("at_ms <= ?", Bind::Int(t));
    }
    if let Some(rooms) = &f.rooms {
        if rooms.is_empty() {
            conds.push("1 = 0".into());
        } else {
            let mut marks = Vec::with_capacity(rooms.len());
            for r in rooms {
                binds.push(Bind::Text(r.clone()));
                marks.push(format!("${}", binds.len()));
            }
            conds.push(format!("room IN ({})", marks.join(", ")));
        }
    }
    let clause = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
    let sql = format!(
        "SELECT {COLUMNS} FROM recording_thumbnail{clause} ORDER BY at_ms, participant LIMIT ${}",
        binds.len() + 1
    );
    let mut q = sqlx::query_as::<_, ThumbnailRow>(&sql);
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s),
            Bind::Int(i) => q.bind(i),
        };
    }
    q.bind(limit).fetch_all(&db.pool).await
}

/// The newest thumbnail of each participant in `room` (at most 200 participants).
pub async fn latest_in_room(db: &Db, room: &str) -> sqlx::Result<Vec<ThumbnailRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM recording_thumbnail t WHERE t.room = $1 AND t.at_ms = \
         (SELECT MAX(u.at_ms) FROM recording_thumbnail u WHERE u.room = t.room AND u.participant = t.participant) \
         ORDER BY t.participant LIMIT 200"
    );
    sqlx::query_as::<_, ThumbnailRow>(&sql).bind(room).fetch_all(&db.pool).await
}
