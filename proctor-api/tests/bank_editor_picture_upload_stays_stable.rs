//! A picture uploaded from the item editor is stored under its content hash and answered
//! with a stable address and a short-lived link; an item saved with the link (as the editor
//! does) is stored with the stable address, so it hashes the same as one written with the
//! address and shows the picture through a fresh link. Anything but a picture is refused.

#[path = "fixtures/bank/client.rs"]
mod client;
mod common;

use client::*;
use common::TestServer;
use serde_json::{Value, json};

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(8, 8, image::Rgb([10, 120, 200]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn post_raw(srv: &TestServer, token: &str, bytes: Vec<u8>) -> (u16, Value) {
    let r = srv
        .client
        .post(srv.url("/api/item-images"))
        .bearer_auth(token)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap())
}

fn item(stem: String) -> Value {
    json!({"item_type": "single", "stem": stem, "options": ["甲", "乙"], "answer": ["A"], "score_centi": 100, "difficulty": 2, "knowledge_point": "1.1.1"})
}

#[tokio::test]
async fn editor_pictures_are_stored_once_and_kept_as_stable_addresses() {
    let srv = TestServer::start(None).await;
    let (_, staff) = staff(&srv).await;
    let picture = png();
    let (s, stored) = post_raw(&srv, &staff, picture.clone()).await;
    assert_eq!(s, 201, "{stored}");
    let name = stored["name"].as_str().unwrap().to_owned();
    assert_eq!(stored["src"], format!("item-image:{name}"));
    let url = stored["url"].as_str().unwrap().to_owned();
    let r = srv.client.get(srv.url(&url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), picture);

    let a = create_bank(&srv, &staff, "6-31-01-03", "theory").await;
    let b = create_bank(&srv, &staff, "6-31-01-03", "skill").await;
    let (s, with_link) = send(
        &srv,
        &staff,
        "POST",
        &format!("/api/banks/{a}/items"),
        item(format!("看图：<img src=\"{url}\">")),
    )
    .await;
    assert_eq!(s, 201, "{with_link}");
    let (s, with_address) = send(
        &srv,
        &staff,
        "POST",
        &format!("/api/banks/{b}/items"),
        item(format!("看图：<img src=\"item-image:{name}\">")),
    )
    .await;
    assert_eq!(s, 201, "{with_address}");
    assert_eq!(
        with_link["content_hash"], with_address["content_hash"],
        "the link was not stored"
    );
    let (_, fetched) = get(&srv, &staff, &format!("/api/items/{}", with_link["id"])).await;
    let stem = fetched["body"]["stem"].as_str().unwrap();
    assert!(
        stem.contains(&format!("/files/item-images/{name}?")),
        "{stem}"
    );

    let (s, err) = post_raw(&srv, &staff, b"<script>alert(1)</script>".to_vec()).await;
    assert_eq!((s, err["code"].as_str()), (400, Some("not_an_image")));
    srv.stop().await;
}
