//! A separate media node (`proctor media`, in-process here, its own data directory, the
//! object store shared with the API) is a full media node: a camera staff register is placed
//! on it and pulled there — online, listed on the node, never on the API's own SFU — and a
//! change to it reaches the node within a heartbeat; the node records it into the shared store
//! and the API indexes the segments, so they are listed and play; the API grabs a picture of
//! it through the node's signed grab endpoint (unsigned, forged or other-node requests: 401).
//! When the node stops, the camera moves to the API's own SFU after the heartbeat timeout.

mod camera_support;
mod common;
mod node_support;
mod registration_support;

use std::time::Duration;

use camera_support::TestCamera;
use common::TestServer;
use node_support::{KEY, Node, api_sharing_store, camera_in_a_new_room, wait_for, wait_registered};
use proctor_api::media_node::{grab, signature};
use registration_support::*;
use serde_json::{Value, json};

const NODE: &str = "media-t1";

/// Entries of `/api/live/rooms` for `room` (one per media server carrying it).
async fn live_entries(srv: &TestServer, token: &str, room: &str) -> Vec<Value> {
    let rooms: Value = get(srv, token, "/api/live/rooms").await.json().await.unwrap();
    rooms.as_array().unwrap().iter().filter(|r| r["room"] == room).cloned().collect()
}

async fn camera_status(srv: &TestServer, token: &str, room: i64, id: i64) -> Value {
    let list: Value = get(srv, token, &format!("/api/rooms/{room}/cameras")).await.json().await.unwrap();
    list.as_array().unwrap().iter().find(|c| c["id"] == id).cloned().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn camera_on_a_separate_node_is_pulled_recorded_and_grabbed_there() {
    let objects = tempfile::tempdir().unwrap();
    let cam = TestCamera::start(0, "admin", "Cam-Passw0rd-7");
    let srv = api_sharing_store(objects.path()).await;
    let node = Node::start(NODE, &srv.base, objects.path(), |s| s.recording.segment_secs = 2).await;
    let admin = srv.admin_token().await;
    wait_registered(&srv, &admin, NODE).await;

    let staff = srv.user_with_role(&admin, "kw.node", "staff").await;
    let (room, created) = camera_in_a_new_room(&srv, &staff, "NODE-01", "前门摄像头", &cam.url, "Cam-Passw0rd-7").await;
    let id = created["id"].as_i64().unwrap();
    let live_room = created["live_room"].as_str().unwrap().to_owned();
    let participant = format!("camera:{id}");

    // Pulled by the node: online (its status events come back through the node's posts).
    wait_for("camera online", 30, async || {
        (camera_status(&srv, &staff, room, id).await["status"] == "online").then_some(())
    })
    .await;
    let on_node = |entries: &[Value]| {
        entries.iter().any(|r| {
            r["node"] == NODE
                && r["participants"].as_array().unwrap().iter().any(|p| p["participant"] == participant && p["video_tracks"] == 1)
        })
    };
    wait_for("camera live on the node", 10, async || on_node(&live_entries(&srv, &staff, &live_room).await).then_some(())).await;

    // Recorded by the node into the shared store, indexed by the API, playable.
    let recording = wait_for("recording indexed", 40, async || {
        let list: Value = get(&srv, &staff, &format!("/api/recordings?room={live_room}")).await.json().await.unwrap();
        list.as_array().unwrap().iter().find(|r| r["participant"] == participant && r["kind"] == "video").cloned()
    })
    .await;
    assert!(recording["segments"].as_i64().unwrap() >= 1, "{recording}");
    let req = json!({"room": live_room, "participant": participant, "kind": "video"});
    let plan: Value = post(&srv, &staff, "/api/recordings/playback", req).await.json().await.unwrap();
    let url = plan["segments"][0]["url"].as_str().unwrap_or_else(|| panic!("{plan}"));
    let bytes = srv.client.get(srv.url(url)).send().await.unwrap().bytes().await.unwrap();
    assert!(bytes.len() > 1000 && &bytes[4..8] == b"ftyp", "an MP4 segment from the shared store ({} bytes)", bytes.len());

    // Never pulled by the API's own SFU meanwhile: every entry of the room is the node's.
    let entries = live_entries(&srv, &staff, &live_room).await;
    assert!(!entries.is_empty() && entries.iter().all(|r| r["node"] == NODE), "{entries:?}");

    // A grab through the node's signed endpoint: the camera's 320×240 picture.
    let client = reqwest::Client::new();
    let wait = Duration::from_secs(5);
    let jpeg = grab::from_node(&client, KEY.as_bytes(), NODE, &node.public_url, &live_room, &participant, wait).await.unwrap();
    let picture = image::load_from_memory(&jpeg).unwrap();
    assert_eq!((picture.width(), picture.height()), (320, 240));
    let query = [("room", live_room.as_str()), ("participant", participant.as_str()), ("wait_ms", "2000")];
    let bare = client.get(format!("{}/grab", node.public_url)).query(&query).send().await.unwrap();
    assert_eq!(bare.status(), 401, "unsigned");
    let what = format!("GET grab\n{live_room}\n{participant}\n2000");
    let now = chrono::Utc::now().timestamp();
    let forged = signature::sign_to_node(b"another-key-of-thirty-two-characters!!", NODE, what.as_bytes(), now);
    let r = client.get(format!("{}/grab", node.public_url)).query(&query).header(signature::SIGNATURE_HEADER, forged).send().await.unwrap();
    assert_eq!(r.status(), 401, "wrong key");
    let stale = signature::sign_to_node(KEY.as_bytes(), NODE, what.as_bytes(), now - 120);
    let r = client.get(format!("{}/grab", node.public_url)).query(&query).header(signature::SIGNATURE_HEADER, stale).send().await.unwrap();
    assert_eq!(r.status(), 401, "too old");
    let elsewhere = grab::from_node(&client, KEY.as_bytes(), "media-other", &node.public_url, &live_room, &participant, wait).await;
    assert!(elsewhere.unwrap_err().to_string().contains("401"), "a request for another node");

    // Renamed by staff: the node restarts the pull under the new name within a heartbeat or two.
    let r = srv
        .client
        .patch(srv.url(&format!("/api/rooms/{room}/cameras/{id}")))
        .bearer_auth(&staff)
        .json(&json!({"label": "前门摄像头（新）"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    wait_for("renamed on the node", 20, async || {
        live_entries(&srv, &staff, &live_room).await.iter().any(|r| {
            r["node"] == NODE
                && r["participants"].as_array().unwrap().iter().any(|p| p["participant"] == participant && p["name"] == "前门摄像头（新）")
        })
        .then_some(())
    })
    .await;

    // The node goes away: after the heartbeat timeout the API's own SFU takes the camera.
    node.stop().await;
    wait_for("camera moved to the API's SFU", 30, async || {
        let entries = live_entries(&srv, &staff, &live_room).await;
        entries
            .iter()
            .any(|r| r["node"].is_null() && r["participants"].as_array().unwrap().iter().any(|p| p["participant"] == participant))
            .then_some(())
    })
    .await;
    wait_for("camera online again", 10, async || {
        (camera_status(&srv, &staff, room, id).await["status"] == "online").then_some(())
    })
    .await;
    srv.stop().await;
}
