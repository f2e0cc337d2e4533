//! A plan moves draft → open → closed → in_exam → scoring → published → archived; staff
//! make the day-to-day moves, only an administrator publishes and archives; moves that do
//! not exist are 409; registration is possible only while open; bad plans are refused.

mod common;
mod registration_support;

use common::TestServer;
use registration_support::*;
use serde_json::{Value, json};

async fn to(srv: &TestServer, token: &str, plan: i64, state: &str) -> (u16, Value) {
    let r = post(
        srv,
        token,
        &format!("/api/plans/{plan}/transition"),
        json!({"to": state}),
    )
    .await;
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn plan_moves_through_its_states_by_role() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.staff", "staff").await;

    // Validation: weights add to 100, occupation code shape, window order.
    let now = chrono::Utc::now();
    let base = json!({
        "code": "P-1", "title": "计划", "occupation_code": "4-01-02-01", "occupation_name": "电子商务师", "level": 4,
        "registration_opens_at": now.to_rfc3339(), "registration_closes_at": (now + chrono::Duration::days(3)).to_rfc3339(),
        "realname_policy": "warn",
        "subjects": [{"kind": "theory", "name": "理论", "weight_pct": 40, "pass_score_centi": 6000}]
    });
    let r = post(&srv, &staff, "/api/plans", base.clone()).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "subjects");
    let mut bad = base.clone();
    bad["occupation_code"] = json!("电商");
    bad["subjects"][0]["weight_pct"] = json!(100);
    assert_eq!(
        post(&srv, &staff, "/api/plans", bad)
            .await
            .json::<Value>()
            .await
            .unwrap()["field"],
        "occupation_code"
    );

    let plan = open_plan(&srv, &staff, "LC-01", "warn").await;
    let v: Value = get(&srv, &staff, &format!("/api/plans/{plan}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (v["state"].as_str(), v["level_name"].as_str()),
        (Some("open"), Some("三级/高级工"))
    );
    assert_eq!(v["subjects"].as_array().unwrap().len(), 2);
    let public: Value = srv
        .client
        .get(srv.url("/api/public/plans"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public[0]["id"], plan);

    // Registration closes with the plan.
    assert_eq!(to(&srv, &staff, plan, "closed").await.0, 200);
    let r = register(
        &srv,
        plan,
        form(
            "张三",
            &id_number("52010219900315001"),
            "1990-03-15",
            "13900000001",
            json!({}),
        ),
    )
    .await;
    assert_eq!(r.status(), 409);
    assert_eq!(to(&srv, &staff, plan, "published").await.0, 409);
    assert_eq!(to(&srv, &staff, plan, "in_exam").await.0, 200);
    assert_eq!(to(&srv, &staff, plan, "scoring").await.0, 200);
    let (status, body) = to(&srv, &staff, plan, "published").await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    assert_eq!(to(&srv, &admin, plan, "published").await.0, 200);
    assert_eq!(to(&srv, &admin, plan, "archived").await.0, 200);
    let (status, body) = to(&srv, &admin, plan, "open").await;
    assert_eq!(status, 409);
    assert!(body["message"]["zh"].as_str().unwrap().contains("archived"));
    assert_eq!(to(&srv, &admin, plan, "nonsense").await.0, 400);

    let audit: Value = get(
        &srv,
        &admin,
        &format!("/api/audit?target_kind=exam_plan&target_id={plan}"),
    )
    .await
    .json()
    .await
    .unwrap();
    let moves = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "plan.transition")
        .count();
    assert_eq!(moves, 6);
    srv.stop().await;
}
