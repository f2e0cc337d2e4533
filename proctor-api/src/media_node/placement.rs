//! Which media node carries a room. Every API instance must give the same answer without
//! talking to the others: the node where the room is already live wins; otherwise
//! rendezvous (highest-random-weight) hashing over the nodes heard from recently, so adding
//! or losing a node moves only the rooms that must move.

use sha2::{Digest, Sha256};

use super::queries::{self, NodeRow};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Signalling base of the in-process SFU.
pub const LOCAL_BASE: &str = "/media";

/// A node is fresh while it has reported within three heartbeats.
pub fn is_fresh(last_seen: &str, now: chrono::DateTime<chrono::Utc>, heartbeat_secs: u64) -> bool {
    chrono::DateTime::parse_from_rfc3339(last_seen)
        .map(|t| (now - t.with_timezone(&chrono::Utc)).num_milliseconds() <= (heartbeat_secs * 3_000) as i64)
        .unwrap_or(false)
}

fn weight(room: &str, node: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(room.as_bytes());
    h.update([0]);
    h.update(node.as_bytes());
    h.finalize().into()
}

/// Rendezvous choice among `nodes` for `room`.
pub fn choose<'a>(room: &str, nodes: &'a [NodeRow]) -> Option<&'a NodeRow> {
    nodes.iter().max_by_key(|n| weight(room, &n.media_node_id))
}

/// The signalling base URL browsers use for `room`.
pub async fn signal_base(state: &AppState, room: &str) -> ApiResult<String> {
    let now = chrono::Utc::now();
    let fresh: Vec<NodeRow> = queries::list(&state.db)
        .await?
        .into_iter()
        .filter(|n| is_fresh(&n.last_seen, now, state.settings.media_node.heartbeat_secs))
        .collect();
    if state.media.is_some() && state.live.has_room(room) {
        return Ok(LOCAL_BASE.into());
    }
    if let Some(node) = queries::node_of_room(&state.db, room).await? {
        if let Some(n) = fresh.iter().find(|n| n.media_node_id == node) {
            return Ok(n.public_url.clone());
        }
    }
    if let Some(n) = choose(room, &fresh) {
        return Ok(n.public_url.clone());
    }
    if state.media.is_some() {
        return Ok(LOCAL_BASE.into());
    }
    Err(ApiError::BadRequest {
        code: "media_disabled",
        zh: "没有可用的音视频节点".into(),
        en: "No live-video node is available".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str) -> NodeRow {
        NodeRow {
            media_node_id: id.into(),
            public_url: format!("http://{id}/media"),
            udp_addr: String::new(),
            started_at: String::new(),
            last_seen: String::new(),
            sessions: 0,
            tracks: 0,
        }
    }

    #[test]
    fn losing_a_node_moves_only_its_rooms_and_rooms_spread_over_nodes() {
        let three = [node("a"), node("b"), node("c")];
        let two = [node("a"), node("b")];
        let mut per_node = std::collections::HashMap::new();
        for i in 0..300 {
            let room = format!("room-{i}");
            let before = choose(&room, &three).unwrap().media_node_id.clone();
            let after = choose(&room, &two).unwrap().media_node_id.clone();
            if before != "c" {
                assert_eq!(before, after, "{room} moved although its node stayed");
            }
            *per_node.entry(before).or_insert(0) += 1;
        }
        for n in ["a", "b", "c"] {
            assert!(per_node[n] > 60, "node {n} got only {} of 300 rooms", per_node[n]);
        }
    }

    #[test]
    fn a_node_is_fresh_for_three_heartbeats() {
        let now = chrono::Utc::now();
        let seen = |secs: i64| crate::db::to_text(now - chrono::Duration::seconds(secs));
        assert!(is_fresh(&seen(14), now, 5));
        assert!(!is_fresh(&seen(16), now, 5));
        assert!(!is_fresh("not a time", now, 5));
    }
}
