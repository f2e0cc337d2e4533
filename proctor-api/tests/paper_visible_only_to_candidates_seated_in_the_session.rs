//! A candidate opens a session's paper only when both hold: the usage's start time has
//! passed, and they have an approved registration seated in the usage's exam session.
//! Refused (and logged): a candidate of the same plan without a seat, a seated candidate
//! before the start, and a seated candidate at a usage that names no session.

#[path = "fixtures/bank/client.rs"]
mod client;
mod common;
mod registration_support;

use common::TestServer;
use registration_support::{approved_candidate, open_plan, session_with_room};
use serde_json::json;

#[tokio::test]
async fn only_seated_candidates_open_the_paper_and_only_after_the_start() {
    let srv = TestServer::start(None).await;
    let (admin, staff) = client::staff(&srv).await;
    let plan = open_plan(&srv, &staff, "PAPER-01", "warn").await;
    // One seat: the first approved candidate takes it; the second is approved afterwards
    // and stays unseated.
    let session = session_with_room(&srv, &staff, plan, 1).await;
    let seated = approved_candidate(&srv, &staff, plan, 0).await;
    let r = registration_support::post(
        &srv,
        &staff,
        &format!("/api/plans/{plan}/seating"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let unseated = approved_candidate(&srv, &staff, plan, 1).await;

    let bank = client::create_bank(&srv, &staff, "6-31-01-03", "theory").await;
    let (s, it) = client::send(&srv, &staff, "POST", &format!("/api/banks/{bank}/items"), json!({
        "item_type": "single", "stem": "兆欧表用于测量（　　）。", "options": ["电流", "绝缘电阻"], "answer": ["B"],
        "explanation": "兆欧表测绝缘电阻", "score_centi": 100, "difficulty": 2, "knowledge_point": "2.1.3"
    })).await;
    assert_eq!(s, 201, "{it}");
    let (_, paper) = client::send(
        &srv,
        &staff,
        "POST",
        "/api/papers",
        json!({"bank_id": bank, "name": "电工四级理论", "items": [{"item_id": it["id"]}]}),
    )
    .await;
    let pid = paper["id"].as_i64().unwrap();
    let (s, _) = client::send(
        &srv,
        &staff,
        "POST",
        &format!("/api/papers/{pid}/state"),
        json!({"state": "locked"}),
    )
    .await;
    assert_eq!(s, 200);
    let use_it = |body: serde_json::Value| {
        let (srv, staff) = (&srv, &staff);
        async move {
            client::send(
                srv,
                staff,
                "POST",
                &format!("/api/papers/{pid}/usages"),
                body,
            )
            .await
        }
    };

    // A session that does not exist is named as the bad field.
    let (s, err) = use_it(json!({"session_name": "第1场", "exam_session_id": 999_999})).await;
    assert_eq!((s, err["field"].as_str()), (400, Some("exam_session_id")));
    // Without starts_at the usage takes the exam session's start (2026-12-20 09:00 +08:00).
    let (s, from_session) =
        use_it(json!({"session_name": "第1场", "exam_session_id": session})).await;
    assert_eq!(s, 201, "{from_session}");
    assert_eq!(
        (
            from_session["starts_at"].as_str(),
            from_session["exam_session_id"].as_i64()
        ),
        (Some("2026-12-20T01:00:00.000Z"), Some(session))
    );

    let started = use_it(json!({"session_name": "第1场", "exam_session_id": session, "starts_at": "2020-01-01T00:00:00Z"})).await.1;
    let future = use_it(json!({"session_name": "第1场", "exam_session_id": session, "starts_at": "2999-01-01T00:00:00Z"})).await.1;
    let no_session = use_it(json!({"session_name": "第1场", "starts_at": "2020-01-01T00:00:00Z"}))
        .await
        .1;
    let path =
        |u: &serde_json::Value| format!("/api/paper-usages/{}/paper", u["id"].as_i64().unwrap());

    // The allowed case: seated, started — the questions without the answers.
    let (s, p) = client::get(&srv, &seated, &path(&started)).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        p["questions"][0]["question"]["options"],
        json!(["电流", "绝缘电阻"])
    );
    assert!(
        !p.to_string().contains("兆欧表测绝缘电阻") && !p.to_string().contains("\"answer\""),
        "{p}"
    );

    for (who, token, usage) in [
        ("unseated candidate, started", &unseated, &started),
        ("seated candidate, not started", &seated, &future),
        (
            "seated candidate, usage without a session",
            &seated,
            &no_session,
        ),
    ] {
        let (s, err) = client::get(&srv, token, &path(usage)).await;
        assert_eq!((s, err["code"].as_str()), (403, Some("forbidden")), "{who}");
    }
    // Invigilators open it only at a session they are on duty at, and only once it started.
    let on_duty = srv.user_with_role(&admin, "jk.paper", "invigilator").await;
    let elsewhere = srv.user_with_role(&admin, "jk.elsewhere", "invigilator").await;
    let (_, me) = client::get(&srv, &on_duty, "/api/auth/me").await;
    let r = registration_support::post(&srv, &staff, &format!("/api/sessions/{session}/staff"), json!({
        "account_id": me["id"], "duty": "invigilator", "work_unit": "贵州省职业技能鉴定中心", "qualification_no": ""
    }))
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    assert_eq!(client::get(&srv, &on_duty, &path(&started)).await.0, 200);
    assert_eq!(client::get(&srv, &on_duty, &path(&future)).await.0, 403, "not before the start");
    assert_eq!(client::get(&srv, &elsewhere, &path(&started)).await.0, 403, "not on duty there");
    let (s, _) = client::get(
        &srv,
        &seated,
        &format!("/api/paper-usages/{}/answer-key", started["id"]),
    )
    .await;
    assert_eq!(s, 403, "no answer key for candidates");

    // The usage log holds one granted and three refused paper openings by candidates.
    let (_, log) = client::get(&srv, &staff, &format!("/api/papers/{pid}/usages")).await;
    let papers: Vec<bool> = log["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["role"] == "candidate" && a["what"] == "paper")
        .map(|a| a["granted"].as_bool().unwrap())
        .collect();
    assert_eq!(
        (papers.iter().filter(|g| **g).count(), papers.len()),
        (1, 4),
        "{log}"
    );
    srv.stop().await;
}
