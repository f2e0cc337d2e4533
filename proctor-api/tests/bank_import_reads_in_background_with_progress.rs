//! A large bank file is read as a background job: the upload answers 202 at once, the job
//! reports processed/total rows while it runs and ends in a preview; nothing reaches the bank
//! until the preview is confirmed (refused while still reading), and the same file again in
//! the background adds nothing.

#[path = "fixtures/bank/client.rs"]
mod client;
mod common;
#[path = "fixtures/bank/files.rs"]
mod files;

use std::time::{Duration, Instant};

use client::*;
use common::TestServer;
use serde_json::Value;

async fn upload_in_background(srv: &TestServer, token: &str, bank: i64, bytes: Vec<u8>) -> Value {
    let r = srv
        .client
        .post(srv.url(&format!("/api/banks/{bank}/imports?background=true")))
        .bearer_auth(token)
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    r.json().await.unwrap()
}

/// Polls the job until it leaves `parsing`; returns the running states seen and the last.
async fn poll(srv: &TestServer, token: &str, id: i64) -> (Vec<Value>, Value) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen = Vec::new();
    loop {
        let (s, v) = get(srv, token, &format!("/api/imports/{id}")).await;
        assert_eq!(s, 200, "{v}");
        if v["status"] != "parsing" {
            return (seen, v);
        }
        let (d, t) = (
            v["processed_rows"].as_i64().unwrap(),
            v["total_rows"].as_i64().unwrap(),
        );
        assert!(t == 0 || d <= t, "progress beyond the total: {v}");
        seen.push(v);
        assert!(Instant::now() < deadline, "import job did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_large_file_is_read_in_the_background_and_imported_only_on_confirm() {
    let srv = TestServer::start(None).await;
    let (_, staff) = staff(&srv).await;
    let bank = create_bank(&srv, &staff, "6-31-01-03", "theory").await;
    let file = files::realistic_xlsx(10);

    let job = upload_in_background(&srv, &staff, bank, file.clone()).await;
    assert!(
        ["parsing", "preview"].contains(&job["status"].as_str().unwrap()),
        "{job}"
    );
    let id = job["id"].as_i64().unwrap();
    if job["status"] == "parsing" {
        let (s, err) = confirm(&srv, &staff, id).await;
        assert_eq!(
            (s, err["field"].as_str()),
            (409, Some("status")),
            "no confirm while reading"
        );
    }
    let (_, done) = poll(&srv, &staff, id).await;
    assert_eq!(done["status"], "preview", "{done}");
    assert_eq!(done["errors"], serde_json::json!([]));
    assert_eq!(done["valid_items"], 1000);
    assert_eq!(done["new_items"], 1000);
    assert!(done["total_rows"].as_i64().unwrap() >= 1000);
    assert_eq!(done["processed_rows"], done["total_rows"]);
    assert_eq!(
        all_items(&srv, &staff, bank).await.len(),
        0,
        "nothing before confirm"
    );

    let (s, confirmed) = confirm(&srv, &staff, id).await;
    assert_eq!(
        (s, confirmed["created_count"].as_i64()),
        (200, Some(1000)),
        "{confirmed}"
    );
    assert_eq!(all_items(&srv, &staff, bank).await.len(), 1000);

    // Again, in the background: the preview says every item is in the bank; confirming adds none.
    let again = upload_in_background(&srv, &staff, bank, file).await;
    let (_, again) = poll(&srv, &staff, again["id"].as_i64().unwrap()).await;
    assert_eq!(
        (
            again["new_items"].as_i64(),
            again["already_in_bank"].as_i64()
        ),
        (Some(0), Some(1000))
    );
    let (s, confirmed) = confirm(&srv, &staff, again["id"].as_i64().unwrap()).await;
    assert_eq!(
        (
            s,
            confirmed["created_count"].as_i64(),
            confirmed["duplicate_count"].as_i64()
        ),
        (200, Some(0), Some(1000))
    );
    assert_eq!(all_items(&srv, &staff, bank).await.len(), 1000);
    srv.stop().await;
}
