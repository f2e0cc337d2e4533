//! One story through the bank and paper SQL — import (also as a background job with a stored
//! column mapping), search with every filter, statistics, versions, assembly with exclusions,
//! manual papers, states, usages (also tied to an exam session) and the access log — run
//! against SQLite and against a real PostgreSQL, so the portable SQL stays portable.

#[path = "fixtures/bank/client.rs"]
mod client;
mod common;
#[path = "fixtures/bank/files.rs"]
mod files;
mod registration_support;

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

    // Stored mappings and a background import that picks one.
    let (s, m) = send(srv, &staff, "POST", "/api/import-mappings", json!({"source": "省库", "columns": {"试题类别": "题型"}})).await;
    assert_eq!(s, 201, "{m}");
    let (s, m) = send(srv, &staff, "PUT", &format!("/api/import-mappings/{}", m["id"]), json!({"source": "省题库", "columns": {"试题类别": "题型", "试题内容": "题干"}})).await;
    assert_eq!((s, m["source"].as_str()), (200, Some("省题库")));
    let (_, maps) = get(srv, &staff, "/api/import-mappings").await;
    assert_eq!(maps.as_array().unwrap().len(), 1);
    let r = srv
        .client
        .post(srv.url(&format!("/api/banks/{bank}/imports?background=true&mapping_id={}", m["id"])))
        .bearer_auth(&staff)
        .body(files::realistic_xlsx(1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let job: serde_json::Value = r.json().await.unwrap();
    let preview = loop {
        let (_, v) = get(srv, &staff, &format!("/api/imports/{}", job["id"])).await;
        if v["status"] != "parsing" {
            break v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!((preview["status"].as_str(), preview["already_in_bank"].as_i64()), (Some("preview"), Some(100)), "{preview}");
    assert_eq!(preview["processed_rows"], preview["total_rows"]);

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

    // A usage tied to an exam session: its start by default; an unseated candidate refused.
    let plan = registration_support::open_plan(srv, &staff, "STORE-1", "warn").await;
    let session = registration_support::session_with_room(srv, &staff, plan, 2).await;
    let (s, u) = send(srv, &staff, "POST", &format!("/api/papers/{pid}/usages"), json!({"session_name": "第一场", "exam_session_id": session})).await;
    assert_eq!((s, u["starts_at"].as_str()), (201, Some("2026-12-20T01:00:00.000Z")), "{u}");
    let (s, u) = send(srv, &staff, "POST", &format!("/api/papers/{pid}/usages"), json!({"session_name": "第一场", "exam_session_id": session, "starts_at": "2020-01-01T00:00:00Z"})).await;
    assert_eq!((s, u["exam_session_id"].as_i64()), (201, Some(session)));
    let (s, _) = get(srv, &candidate, &format!("/api/paper-usages/{}/paper", u["id"])).await;
    assert_eq!(s, 403, "not seated in the session");
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
