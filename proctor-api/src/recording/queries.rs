//! SQL for `recording_segment` and `recording_gap` (migration 0008).

use sqlx::FromRow;

use crate::db::{self, Db};

/// A segment as the media server announced it.
pub struct NewSegment<'a> {
    pub room: &'a str,
    pub participant: &'a str,
    pub candidate_id: Option<i64>,
    pub kind: &'a str,
    pub index_key: &'a str,
    pub object_key: &'a str,
    pub codec: &'a str,
    pub start_ms: i64,
    pub end_ms: i64,
    pub size_bytes: i64,
}

/// Adds a segment; announcing the same object twice changes nothing.
pub async fn insert_segment(db: &Db, s: &NewSegment<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO recording_segment (room, participant, candidate_id, kind, index_key, object_key, \
         codec, start_ms, end_ms, size_bytes, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (object_key) DO NOTHING",
    )
    .bind(s.room)
    .bind(s.participant)
    .bind(s.candidate_id)
    .bind(s.kind)
    .bind(s.index_key)
    .bind(s.object_key)
    .bind(s.codec)
    .bind(s.start_ms)
    .bind(s.end_ms)
    .bind(s.size_bytes)
    .bind(db::now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub struct NewGap<'a> {
    pub room: &'a str,
    pub participant: &'a str,
    pub kind: &'a str,
    pub index_key: &'a str,
    pub from_ms: i64,
    pub to_ms: i64,
    pub reason: &'a str,
}

pub async fn insert_gap(db: &Db, g: &NewGap<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO recording_gap (room, participant, kind, index_key, from_ms, to_ms, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (index_key, from_ms) DO NOTHING",
    )
    .bind(g.room)
    .bind(g.participant)
    .bind(g.kind)
    .bind(g.index_key)
    .bind(g.from_ms)
    .bind(g.to_ms)
    .bind(g.reason)
    .bind(db::now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Which recordings to list: all filters optional, combined with AND.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub room: Option<String>,
    pub candidate_id: Option<i64>,
    pub participant: Option<String>,
    pub kind: Option<String>,
    /// Media overlapping `[from_ms, to_ms)`.
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Only these media rooms (an exam session's room camera room and its candidates'
    /// camera rooms); `Some(empty)` matches nothing.
    pub rooms: Option<Vec<String>>,
}

impl Filter {
    /// `WHERE …` over columns `room`, `participant`, `kind`, `start_col`, `end_col`, with
    /// numbered placeholders, and the values to bind in order.
    fn clause(&self, start_col: &str, end_col: &str, with_candidate: bool) -> (String, Vec<Bind>) {
        let mut conds = Vec::new();
        let mut binds = Vec::new();
        let mut add = |sql: String, b: Bind| {
            binds.push(b);
            conds.push(sql.replace('?', &format!("${}", binds.len())));
        };
        if let Some(r) = &self.room {
            add("room = ?".into(), Bind::Text(r.clone()));
        }
        if let Some(p) = &self.participant {
            add("participant = ?".into(), Bind::Text(p.clone()));
        }
        if let Some(k) = &self.kind {
            add("kind = ?".into(), Bind::Text(k.clone()));
        }
        if let Some(c) = self.candidate_id {
            if with_candidate {
                add("candidate_id = ?".into(), Bind::Int(c));
            } else {
                // Every source of the candidate: `candidate:12`, `candidate:12:screen`, …
                add("(participant = ? OR participant LIKE (? || ':%'))".into(), Bind::Text(format!("candidate:{c}")));
            }
        }
        if let Some(f) = self.from_ms {
            add(format!("{end_col} > ?"), Bind::Int(f));
        }
        if let Some(t) = self.to_ms {
            add(format!("{start_col} < ?"), Bind::Int(t));
        }
        if let Some(rooms) = &self.rooms {
            if rooms.is_empty() {
                conds.push("1 = 0".into());
            }
            let mut marks = Vec::with_capacity(rooms.len());
            for r in rooms {
                binds.push(Bind::Text(r.clone()));
                marks.push(format!("${}", binds.len()));
            }
            if !marks.is_empty() {
                conds.push(format!("room IN ({})", marks.join(", ")));
            }
        }
        let sql = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
        (sql, binds)
    }
}

#[derive(Debug, Clone)]
enum Bind {
    Text(String),
    Int(i64),
}

macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Text(s) => q.bind(s),
                Bind::Int(i) => q.bind(i),
            };
        }
        q
    }};
}

#[derive(Debug, FromRow)]
pub struct GroupRow {
    pub room: String,
    pub participant: String,
    pub candidate_id: Option<i64>,
    pub kind: String,
    pub index_key: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub segments: i64,
    pub size_bytes: i64,
}

/// One row per recording (room × participant × kind), newest first.
pub async fn recordings(db: &Db, f: &Filter) -> sqlx::Result<Vec<GroupRow>> {
    let (clause, binds) = f.clause("start_ms", "end_ms", true);
    let sql = format!(
        "SELECT room, participant, MAX(candidate_id) AS candidate_id, kind, index_key, \
         MIN(start_ms) AS start_ms, MAX(end_ms) AS end_ms, COUNT(*) AS segments, \
         CAST(SUM(size_bytes) AS BIGINT) AS size_bytes FROM recording_segment{clause} \
         GROUP BY room, participant, kind, index_key ORDER BY MIN(start_ms) DESC LIMIT 500"
    );
    bind_all!(sqlx::query_as::<_, GroupRow>(&sql), binds).fetch_all(&db.pool).await
}

#[derive(Debug, Clone, FromRow)]
pub struct SegmentRow {
    pub object_key: String,
    pub codec: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub size_bytes: i64,
}

/// Segments of one recording overlapping the filter's window, in time order.
pub async fn segments(db: &Db, f: &Filter) -> sqlx::Result<Vec<SegmentRow>> {
    let (clause, binds) = f.clause("start_ms", "end_ms", true);
    let sql = format!(
        "SELECT object_key, codec, start_ms, end_ms, size_bytes FROM recording_segment{clause} \
         ORDER BY start_ms LIMIT 5000"
    );
    bind_all!(sqlx::query_as::<_, SegmentRow>(&sql), binds).fetch_all(&db.pool).await
}

#[derive(Debug, Clone, FromRow)]
pub struct GapRow {
    pub index_key: String,
    pub from_ms: i64,
    pub to_ms: i64,
    pub reason: String,
}

pub async fn gaps(db: &Db, f: &Filter) -> sqlx::Result<Vec<GapRow>> {
    let (clause, binds) = f.clause("from_ms", "to_ms", false);
    let sql = format!("SELECT index_key, from_ms, to_ms, reason FROM recording_gap{clause} ORDER BY from_ms LIMIT 5000");
    bind_all!(sqlx::query_as::<_, GapRow>(&sql), binds).fetch_all(&db.pool).await
}

/// The time window and exam room of an exam session, if it exists.
pub async fn session_window(db: &Db, session_id: i64) -> sqlx::Result<Option<(String, String, i64)>> {
    sqlx::query_as("SELECT starts_at, ends_at, exam_room_id FROM exam_session WHERE exam_session_id = $1")
        .bind(session_id)
        .fetch_optional(&db.pool)
        .await
}

/// Accounts of the candidates seated in a session (their cameras publish in their own rooms).
pub async fn seated_candidates(db: &Db, session_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT account_id FROM registration WHERE exam_session_id = $1 ORDER BY account_id")
        .bind(session_id)
        .fetch_all(&db.pool)
        .await
}

/// Whether `account_id` is on duty at the session.
pub async fn on_duty(db: &Db, session_id: i64, account_id: i64) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM session_staff WHERE exam_session_id = $1 AND account_id = $2",
    )
    .bind(session_id)
    .bind(account_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}
