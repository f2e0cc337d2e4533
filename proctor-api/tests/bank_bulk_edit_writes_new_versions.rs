//! Bulk edit: many items get a new difficulty or knowledge point at once, each as a new
//! version; a bad value or an item from another bank changes nothing at all.

#[path = "fixtures/bank/client.rs"]
mod client;
mod common;
#[path = "fixtures/bank/files.rs"]
mod files;

use client::*;
use common::TestServer;
use serde_json::json;

#[tokio::test]
async fn bulk_edit_versions_every_item_or_none() {
    let srv = TestServer::start(None).await;
    let (_, staff) = staff(&srv).await;
    let bank = create_bank(&srv, &staff, "6-31-01-03", "theory").await;
    let other = create_bank(&srv, &staff, "6-31-01-04", "theory").await;
    import_clean(&srv, &staff, bank, files::realistic_xlsx(1)).await;
    let (_, foreign) = send(&srv, &staff, "POST", &format!("/api/banks/{other}/items"), json!({
        "item_type": "true_false", "stem": "别的题库", "answer": ["true"], "score_centi": 100, "difficulty": 1
    })).await;
    let (_, page) = get(
        &srv,
        &staff,
        &format!("/api/banks/{bank}/items?item_type=single&limit=10"),
    )
    .await;
    let ids: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    let path = format!("/api/banks/{bank}/items/bulk");

    // Nothing changes when one entry is wrong.
    let (s, err) = send(
        &srv,
        &staff,
        "POST",
        &path,
        json!({"item_ids": [ids[0], foreign["id"]], "difficulty": 5}),
    )
    .await;
    assert_eq!((s, err["field"].as_str()), (400, Some("item_ids[1]")));
    let (s, err) = send(
        &srv,
        &staff,
        "POST",
        &path,
        json!({"item_ids": ids, "difficulty": 7}),
    )
    .await;
    assert_eq!((s, err["field"].as_str()), (400, Some("item_ids[0]")));
    let (_, hist) = get(&srv, &staff, &format!("/api/items/{}", ids[0])).await;
    assert_eq!(hist["versions"].as_array().unwrap().len(), 1);

    let (s, res) = send(
        &srv,
        &staff,
        "POST",
        &path,
        json!({"item_ids": ids, "difficulty": 5, "knowledge_point": "9.9.9"}),
    )
    .await;
    assert_eq!((s, res["new_versions"].as_u64()), (200, Some(10)), "{res}");
    let (_, page) = get(
        &srv,
        &staff,
        &format!("/api/banks/{bank}/items?knowledge_point=9.9.9&difficulty=5"),
    )
    .await;
    assert_eq!(page["total"], 10);
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["version"] == 2)
    );

    let (s, res) = send(
        &srv,
        &staff,
        "POST",
        &path,
        json!({"item_ids": &ids[..3], "retired": true}),
    )
    .await;
    assert_eq!(
        (
            s,
            res["retired_changed"].as_u64(),
            res["new_versions"].as_u64()
        ),
        (200, Some(3), Some(0))
    );
    let (_, page) = get(
        &srv,
        &staff,
        &format!("/api/banks/{bank}/items?knowledge_point=9.9.9"),
    )
    .await;
    assert_eq!(page["total"], 7);
    srv.stop().await;
}
