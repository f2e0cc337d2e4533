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

/// Nodes heard from within three heartbeats, by id.
pub async fn fresh_nodes(state: &AppState) -> ApiResult<Vec<NodeRow>> {
    let now = chrono::Utc::now();
    Ok(queries::list(&state.db)
        .await?
        .into_iter()
        .filter(|n| is_fresh(&n.last_seen, now, state.settings.media_node.heartbeat_secs))
        .collect())
}

/// The node for a room that is live on the nodes `live_on` (ids, in any order): the first
/// of them (by id) that is fresh, else the rendezvous choice among the fresh nodes. `None`
/// when no node is fresh.
pub fn node_for<'a>(room: &str, live_on: &[&str], fresh: &'a [NodeRow]) -> Option<&'a NodeRow> {
    let mut live: Vec<&str> = live_on.to_vec();
    live.sort_unstable();
    live.iter()
        .find_map(|id| fresh.iter().find(|n| n.media_node_id == *id))
        .or_else(|| choose(room, fresh))
}

/// The signalling base URL browsers use for `room`.
pub async fn signal_base(state: &AppState, room: &str) -> ApiResult<String> {
    if state.media.is_some() && state.live.has_room(room) {
        return Ok(LOCAL_BASE.into());
    }
    let fresh = fresh_nodes(state).await?;
    let live_on = queries::nodes_of_room(&state.db, room).await?;
    let live_on: Vec<&str> = live_on.iter().map(String::as_str).collect();
    if let Some(n) = node_for(room, &live_on, &fresh) {
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
    fn a_room_stays_on_a_fresh_node_it_is_live_on_and_leaves_a_stale_one() {
        let fresh = [node("a"), node("b"), node("c")];
        let hashed = choose("room-1", &fresh).unwrap().media_node_id.clone();
        let other = ["a", "b", "c"].into_iter().find(|n| *n != hashed).unwrap();
        assert_eq!(node_for("room-1", &[other], &fresh).unwrap().media_node_id, other);
        // Live on two nodes at once (a node came back): every caller picks the same one.
        assert_eq!(node_for("room-1", &["c", "b"], &fresh).unwrap().media_node_id, "b");
        assert_eq!(node_for("room-1", &["gone"], &fresh).unwrap().media_node_id, hashed);
        assert!(node_for("room-1", &["a"], &[]).is_none());
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
