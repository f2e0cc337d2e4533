//! Staff find one person's record (学籍) across plans by ID number — the number travels in
//! the body and is matched by keyed hash, the answer is masked, and the lookup is audited.

mod common;
mod registration_support;

use common::TestServer;
use registration_support::*;
use serde_json::{Value, json};

#[tokio::test]
async fn record_lists_every_plan_of_one_person() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.staff", "staff").await;
    let first = open_plan(&srv, &staff, "REC-1", "warn").await;
    let second = open_plan(&srv, &staff, "REC-2", "warn").await;
    let id = id_number("52010219900315001");
    register_ok(
        &srv,
        first,
        form("张三", &id, "1990-03-15", "13900000001", json!({})),
    )
    .await;
    register_ok(
        &srv,
        second,
        form("张三", &id, "1990-03-15", "13900000002", json!({})),
    )
    .await;
    register_ok(
        &srv,
        second,
        form(
            "李四",
            &id_number("52010219910416002"),
            "1991-04-16",
            "13900000003",
            json!({}),
        ),
    )
    .await;

    // Lower-case x and blanks are the same number.
    let lookup = format!(" {} ", id.to_lowercase());
    let r = post(
        &srv,
        &staff,
        "/api/candidates/record",
        json!({"id_number": lookup}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let rec: Value = r.json().await.unwrap();
    let plans: Vec<_> = rec
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["plan_code"].as_str().unwrap())
        .collect();
    assert_eq!(plans, ["REC-1", "REC-2"]);
    assert!(
        rec.as_array()
            .unwrap()
            .iter()
            .all(|e| e["name"] == "张三" && e["status"] == "submitted")
    );
    assert!(!rec.to_string().contains(&id), "the answer is masked");

    let none: Value = post(
        &srv,
        &staff,
        "/api/candidates/record",
        json!({"id_number": id_number("52010219800101009")}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(none, json!([]));
    let r = post(
        &srv,
        &staff,
        "/api/candidates/record",
        json!({"id_type": "visa", "id_number": "X"}),
    )
    .await;
    assert_eq!(r.status(), 400);

    let audit: Value = get(&srv, &admin, "/api/audit?target_kind=candidate")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit.as_array().unwrap().len(), 2);
    assert!(audit[1]["detail"].as_str().unwrap().contains("\"found\":2"));
    assert!(!audit.to_string().contains(&id));
    srv.stop().await;
}
