//! The plan page offers only the moves that exist from the present state, marking those the
//! caller's role may not make; the real-name policy can be changed per plan (audited) until
//! results are published, and a changed `block` policy holds at approval.

mod common;
mod registration_support;

use common::TestServer;
use registration_support::*;
use serde_json::{Value, json};

async fn moves(srv: &TestServer, token: &str, plan: i64) -> Vec<(String, bool)> {
    let v: Value = get(srv, token, &format!("/api/plans/{plan}/moves"))
        .await
        .json()
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["to"].as_str().unwrap().to_owned(),
                m["allowed"].as_bool().unwrap(),
            )
        })
        .collect()
}

async fn set_policy(srv: &TestServer, token: &str, plan: i64, policy: &str) -> reqwest::Response {
    srv.client
        .put(srv.url(&format!("/api/plans/{plan}/realname-policy")))
        .bearer_auth(token)
        .json(&json!({"realname_policy": policy}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn moves_per_role_and_policy_changes() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.staff", "staff").await;
    let plan = open_plan(&srv, &staff, "MOVE-1", "warn").await;
    assert_eq!(
        moves(&srv, &staff, plan).await,
        [("closed".to_owned(), true)]
    );

    // warn → block: a registration with an unavailable real-name check can no longer be approved.
    let r = set_policy(&srv, &staff, plan, "block").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["realname_policy"], "block");
    let bad = set_policy(&srv, &staff, plan, "maybe").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(
        bad.json::<Value>().await.unwrap()["field"],
        "realname_policy"
    );
    let (reg, cand) = register_ok(
        &srv,
        plan,
        form(
            "张三",
            &id_number("52010219900315001"),
            "1990-03-15",
            "13900001111",
            json!({}),
        ),
    )
    .await;
    assert_eq!(
        upload(&srv, &cand, reg, "photo", photo_png(), "p.png")
            .await
            .status(),
        201
    );
    let r = post(
        &srv,
        &staff,
        &format!("/api/registrations/{reg}/review"),
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "realname_result");
    assert_eq!(set_policy(&srv, &staff, plan, "warn").await.status(), 200);
    assert_eq!(
        post(
            &srv,
            &staff,
            &format!("/api/registrations/{reg}/review"),
            json!({"decision": "approve"})
        )
        .await
        .status(),
        200
    );
    let audit: Value = get(
        &srv,
        &admin,
        &format!("/api/audit?target_kind=exam_plan&target_id={plan}"),
    )
    .await
    .json()
    .await
    .unwrap();
    let policy_changes: Vec<_> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "plan.realname_policy")
        .collect();
    assert_eq!(policy_changes.len(), 2, "{audit}");

    for to in ["closed", "in_exam", "scoring"] {
        assert_eq!(
            post(
                &srv,
                &staff,
                &format!("/api/plans/{plan}/transition"),
                json!({"to": to})
            )
            .await
            .status(),
            200
        );
    }
    assert_eq!(
        moves(&srv, &staff, plan).await,
        [("published".to_owned(), false)]
    );
    assert_eq!(
        moves(&srv, &admin, plan).await,
        [("published".to_owned(), true)]
    );
    assert_eq!(
        post(
            &srv,
            &admin,
            &format!("/api/plans/{plan}/transition"),
            json!({"to": "published"})
        )
        .await
        .status(),
        200
    );
    assert_eq!(set_policy(&srv, &staff, plan, "block").await.status(), 409);
    assert_eq!(
        get(&srv, &staff, "/api/plans/999/moves").await.status(),
        404
    );
    srv.stop().await;
}
