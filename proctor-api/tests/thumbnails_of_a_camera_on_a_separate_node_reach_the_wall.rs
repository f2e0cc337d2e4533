//! The thumbnailer runs beside every SFU: a room camera pulled by a separate media node
//! (`proctor media`, in-process here, the object store shared with the API) gets a thumbnail
//! per period there; the node posts the announcements, the API indexes them, and the wall's
//! request for the room's latest pictures returns a signed link to a real JPEG of the
//! camera's picture, while the strip lists one per period.

mod camera_support;
mod common;
mod node_support;
mod registration_support;

use camera_support::TestCamera;
use node_support::{Node, api_sharing_store, camera_in_a_new_room, wait_for, wait_registered};
use registration_support::*;
use serde_json::Value;

const NODE: &str = "media-thumbs";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thumbnails_of_a_camera_on_a_separate_node_reach_the_wall() {
    let objects = tempfile::tempdir().unwrap();
    let cam = TestCamera::start(0, "admin", "Cam-Passw0rd-8");
    let srv = api_sharing_store(objects.path()).await;
    let node = Node::start(NODE, &srv.base, objects.path(), |s| s.recording.thumbnail_secs = 1).await;
    let admin = srv.admin_token().await;
    wait_registered(&srv, &admin, NODE).await;

    let staff = srv.user_with_role(&admin, "kw.thumbnode", "staff").await;
    let (_, created) = camera_in_a_new_room(&srv, &staff, "THUMB-NODE-01", "后门摄像头", &cam.url, "Cam-Passw0rd-8").await;
    let live_room = created["live_room"].as_str().unwrap().to_owned();
    let participant = format!("camera:{}", created["id"]);

    // Two periods' pictures made on the node and indexed by the API.
    let strip = wait_for("two thumbnails indexed", 40, async || {
        let list: Value = get(&srv, &staff, &format!("/api/recordings/thumbnails?room={live_room}")).await.json().await.unwrap();
        (list.as_array().unwrap().len() >= 2).then_some(list)
    })
    .await;
    let at: Vec<i64> = strip.as_array().unwrap().iter().map(|t| t["at_ms"].as_i64().unwrap()).collect();
    assert!(at.windows(2).all(|w| w[1] - w[0] >= 500), "about one per period: {at:?}");

    let latest: Value = get(&srv, &staff, &format!("/api/live/thumbnails?room={live_room}")).await.json().await.unwrap();
    let latest = latest.as_array().unwrap();
    assert_eq!(latest.len(), 1, "{latest:?}");
    assert_eq!(latest[0]["participant"], participant.as_str());
    assert!(latest[0]["at_ms"].as_i64().unwrap() >= *at.last().unwrap());
    let jpeg = srv.client.get(srv.url(latest[0]["url"].as_str().unwrap())).send().await.unwrap().bytes().await.unwrap();
    let picture = image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg).unwrap().to_rgb8();
    // The test camera sends 320×240; the default width is 320, so nothing is scaled.
    assert_eq!(picture.dimensions(), (320, 240));
    assert_eq!((latest[0]["width"].as_i64(), latest[0]["height"].as_i64()), (Some(320), Some(240)));
    let first = picture.get_pixel(0, 0).0;
    assert!(picture.pixels().any(|p| p.0.iter().zip(first).any(|(a, b)| a.abs_diff(b) > 40)), "a picture, not a flat frame");

    node.stop().await;
    srv.stop().await;
}
