//! One story through the bank and paper SQL — import, search with every filter, statistics,
//! versions, assembly with exclusions, manual papers, states, usages and the access log —
//! run against SQLite and against a real PostgreSQL, so the portable SQL stays portable.

#[path = "fixtures/bank/client.rs"]
mod client;
mod common;
#[path = "fixtures/bank/files.rs"]
mod files;

use client::*;
use common::TestServer;
use serde_json::json;

async fn story(srv: &TestServer) {
    let (admin, staff) = staff(srv).await;
    let candidate = srv.user_with_role(&admin, "kao.sheng", "candidate").await;
    let bank = create_bank(srv, &staff, "6-31-01-03", "theory").await;
    let (s, dup) = send(srv, &staff, "POST", "/api/banks", json!({"occupation_code": "6-31-01-03", "occupation_name": "电工", "level": 4, "kind": "theory"})).await;
    assert_eq!((s, dup["field"].as_str()), (409, Some("occupation_code")));
    let (_, banks) = get(srv, &staff, "/api/banks").await;
    assert_eq!(banks.as_array().unwrap().len(), 1);

    let done = import_clean(srv, &staff, bank, files::realistic_xlsx(1)).await;
    assert_eq!(done["created_count"], 100);
    let (_, again) = get(srv, &staff, &format!("/api/imports/{}", done["id"])).await;
    assert_eq!(again["status"], "confirmed");
    let (_, banks) = get(srv, &staff, "/api/banks").await;
    assert_eq!(banks[0]["item_count"], 100);

    let (_, page) = get(srv, &staff, &format!("/api/banks/{bank}/items?item_type=multiple&knowledge_point=1.1.2&difficulty=2&q=%E5%AE%89%E5%85%A8&limit=2&offset=0")).await;
    let total = page["total"].as_i64().unwrap();
    assert!(total >= 1, "{page}");
    let (_, stats) = get(srv, &staff, &format!("/api/banks/{bank}/stats")).await;
    let sum: i64 = stats
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["items"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, 100);
    let cell = stats
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["item_type"] == "multiple" && c["knowledge_point"] == "1.1.2" && c["difficulty"] == 2
        })
        .unwrap();
    assert_eq!(cell["items"].as_i64().unwrap(), total);

    // Versions.
    let item = &page["items"][0];
    let id = item["id"].as_i64().unwrap();
    let mut body = item["body"].clone();
    body["difficulty"] = json!(5);
    let (s, v2) = send(srv, &staff, "PUT", &format!("/api/items/{id}"), body).await;
    assert_eq!((s, v2["version"].as_i64()), (200, Some(2)));
    let (_, hist) = get(srv, &staff, &format!("/api/items/{id}")).await;
    assert_eq!(hist["versions"].as_array().unwrap().len(), 2);

    // Assembly, exclusion of recent papers, manual papers.
    let cells = json!([{"item_type": "single", "count": 10, "score_centi": 100}, {"item_type": "case_analysis", "count": 2, "score_centi": 1000}]);
    let (s, ab) = send(
        srv,
        &staff,
        "POST",
        "/api/papers/assemble",
        json!({"bank_id": bank, "name": "卷", "cells": cells, "forms": 2}),
    )
    .await;
    assert_eq!((s, ab["shared_items"].as_i64()), (201, Some(0)), "{ab}");
    let (s, err) = send(srv, &staff, "POST", "/api/papers/assemble", json!({"bank_id": bank, "name": "卷", "cells": [{"item_type": "case_analysis", "count": 1, "score_centi": 1000}], "exclude_recent_papers": 2})).await;
    assert_eq!(
        (s, err["field"].as_str()),
        (400, Some("cells[0]")),
        "4 cases, all in the last two papers"
    );
    let (s, manual) = send(
        srv,
        &staff,
        "POST",
        "/api/papers",
        json!({"bank_id": bank, "name": "手工卷", "items": [{"item_id": id, "score_centi": 250}]}),
    )
    .await;
    assert_eq!(s, 201);
    let pid = manual["id"].as_i64().unwrap();
    let (s, p) = send(
        srv,
        &staff,
        "PUT",
        &format!("/api/papers/{pid}/items"),
        json!({"items": [{"item_id": id}]}),
    )
    .await;
    assert_eq!(
        (s, p["total_score_centi"].as_i64()),
        (200, Some(item["body"]["score_centi"].as_i64().unwrap()))
    );
    let (_, list) = get(
        srv,
        &staff,
        &format!("/api/papers?bank_id={bank}&state=draft"),
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 3);

    // States, usage, gate and log.
    let (s, _) = send(
        srv,
        &staff,
        "POST",
        &format!("/api/papers/{pid}/state"),
        json!({"state": "locked"}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, err) = send(
        srv,
        &staff,
        "PUT",
        &format!("/api/papers/{pid}/items"),
        json!({"items": []}),
    )
    .await;
    assert_eq!((s, err["field"].as_str()), (409, Some("state")));
    let (_, u) = send(
        srv,
        &staff,
        "POST",
        &format!("/api/papers/{pid}/usages"),
        json!({"session_name": "场次", "session_ref": "S-1", "starts_at": "2999-12-31T00:00:00Z"}),
    )
    .await;
    let (s, _) = get(
        srv,
        &candidate,
        &format!("/api/paper-usages/{}/paper", u["id"]),
    )
    .await;
    assert_eq!(s, 403);
    let (_, log) = get(srv, &staff, &format!("/api/papers/{pid}/usages")).await;
    assert_eq!(log["usages"][0]["session_ref"], "S-1");
    assert_eq!(
        (
            log["accesses"][0]["username"].as_str(),
            log["accesses"][0]["granted"].as_bool()
        ),
        (Some("kao.sheng"), Some(false))
    );
}

#[tokio::test]
async fn bank_and_paper_story_on_sqlite() {
    let srv = TestServer::start(None).await;
    story(&srv).await;
    srv.stop().await;
}

#[tokio::test]
async fn bank_and_paper_story_on_postgres() {
    let pg = proctor_tests::postgres::TempPostgres::start().unwrap();
    let url = pg.database("bank_store").unwrap();
    let srv = TestServer::start(Some(url)).await;
    story(&srv).await;
    srv.stop().await;
}
