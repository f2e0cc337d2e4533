//! The paper library: only drafts change (409 once locked), states move only forward, and
//! nobody but staff gets a paper — and nobody but staff and examiners its answer key —
//! before the session starts. Every attempt lands in the usage log.

#[path = "fixtures/bank/client.rs"]
mod client;
mod common;

use client::*;
use common::TestServer;
use serde_json::{Value, json};

#[tokio::test]
async fn locked_papers_are_immutable_and_hidden_until_the_session_starts() {
    let srv = TestServer::start(None).await;
    let (admin, staff) = staff(&srv).await;
    let candidate = srv.user_with_role(&admin, "zhang.san", "candidate").await;
    let invigilator = srv
        .user_with_role(&admin, "li.jiankao", "invigilator")
        .await;
    let examiner = srv.user_with_role(&admin, "zhao.kaoping", "examiner").await;
    let bank = create_bank(&srv, &staff, "6-31-01-03", "theory").await;
    let mut ids = Vec::new();
    for k in 0..3 {
        let (s, it) = send(&srv, &staff, "POST", &format!("/api/banks/{bank}/items"), json!({
            "item_type": "single", "stem": format!("第{k}题"), "options": ["甲", "乙"], "answer": ["A"],
            "explanation": "解析", "score_centi": 100, "difficulty": 2, "knowledge_point": "1.1.1"
        })).await;
        assert_eq!(s, 201, "{it}");
        ids.push(it["id"].as_i64().unwrap());
    }
    let (_, paper) = send(&srv, &staff, "POST", "/api/papers", json!({"bank_id": bank, "name": "理论卷", "items": [{"item_id": ids[0]}, {"item_id": ids[1]}]})).await;
    let pid = paper["id"].as_i64().unwrap();

    // A draft can change; using it in a session needs a lock first.
    let (s, p) = send(
        &srv,
        &staff,
        "PUT",
        &format!("/api/papers/{pid}/items"),
        json!({"items": [{"item_id": ids[0]}, {"item_id": ids[1]}, {"item_id": ids[2]}]}),
    )
    .await;
    assert_eq!((s, p["item_count"].as_i64()), (200, Some(3)));
    let future = json!({"session_name": "第1场", "starts_at": "2999-01-01T09:00:00+08:00"});
    let (s, _) = send(
        &srv,
        &staff,
        "POST",
        &format!("/api/papers/{pid}/usages"),
        future.clone(),
    )
    .await;
    assert_eq!(s, 409, "a draft cannot be used");

    let (s, p) = send(
        &srv,
        &staff,
        "POST",
        &format!("/api/papers/{pid}/state"),
        json!({"state": "locked"}),
    )
    .await;
    assert_eq!((s, p["state"].as_str()), (200, Some("locked")));
    let (s, err) = send(
        &srv,
        &staff,
        "PUT",
        &format!("/api/papers/{pid}/items"),
        json!({"items": [{"item_id": ids[0]}]}),
    )
    .await;
    assert_eq!(
        (s, err["code"].as_str(), err["field"].as_str()),
        (409, Some("conflict"), Some("state"))
    );
    let (s, _) = send(
        &srv,
        &staff,
        "POST",
        &format!("/api/papers/{pid}/state"),
        json!({"state": "draft"}),
    )
    .await;
    assert_eq!(s, 409, "no way back to draft");
    let (_, detail) = get(&srv, &staff, &format!("/api/papers/{pid}")).await;
    assert_eq!(detail["items"].as_array().unwrap().len(), 3);

    // A session that starts in the future.
    let (s, usage) = send(
        &srv,
        &staff,
        "POST",
        &format!("/api/papers/{pid}/usages"),
        future,
    )
    .await;
    assert_eq!(s, 201, "{usage}");
    assert_eq!(usage["starts_at"], "2999-01-01T01:00:00.000Z");
    let uid = usage["id"].as_i64().unwrap();
    let (_, p) = get(&srv, &staff, &format!("/api/papers/{pid}")).await;
    assert_eq!(p["paper"]["state"], "in_use");

    let paper_path = format!("/api/paper-usages/{uid}/paper");
    let key_path = format!("/api/paper-usages/{uid}/answer-key");
    for (who, token) in [
        ("candidate", &candidate),
        ("invigilator", &invigilator),
        ("examiner", &examiner),
    ] {
        let (s, err) = get(&srv, token, &paper_path).await;
        assert_eq!(
            (s, err["code"].as_str()),
            (403, Some("forbidden")),
            "{who} paper before start"
        );
        let (s, err) = get(&srv, token, &key_path).await;
        assert_eq!(
            (s, err["code"].as_str()),
            (403, Some("forbidden")),
            "{who} answer key before start"
        );
    }
    let (s, _) = get(&srv, &staff, &paper_path).await;
    assert_eq!(s, 200, "staff may see it before the start");
    let (s, key) = get(&srv, &staff, &key_path).await;
    assert_eq!(
        (s, key["items"][0]["body"]["answer"].clone()),
        (200, json!(["A"]))
    );

    // A session that has started: other roles get the questions without answers; a
    // candidate still does not (the usage names no exam session they are seated in, see
    // paper_visible_only_to_candidates_seated_in_the_session.rs); the answer key stays
    // closed to all but examiners.
    let (s, started) = send(
        &srv,
        &staff,
        "POST",
        &format!("/api/papers/{pid}/usages"),
        json!({"session_name": "第2场", "starts_at": "2020-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(s, 201);
    let uid2 = started["id"].as_i64().unwrap();
    let (s, _) = get(&srv, &candidate, &format!("/api/paper-usages/{uid2}/paper")).await;
    assert_eq!(s, 403, "a candidate outside any session");
    let (s, cp) = get(&srv, &invigilator, &format!("/api/paper-usages/{uid2}/paper")).await;
    assert_eq!(s, 200, "{cp}");
    assert_eq!(cp["questions"].as_array().unwrap().len(), 3);
    assert_eq!(
        cp["questions"][0]["question"]["options"],
        json!(["甲", "乙"])
    );
    let text = cp.to_string();
    for secret in [
        "\"answer\"",
        "explanation",
        "解析",
        "rubric",
        "reference_answer",
    ] {
        assert!(
            !text.contains(secret),
            "candidate view leaks {secret}: {text}"
        );
    }
    let (s, _) = get(
        &srv,
        &candidate,
        &format!("/api/paper-usages/{uid2}/answer-key"),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = get(
        &srv,
        &examiner,
        &format!("/api/paper-usages/{uid2}/answer-key"),
    )
    .await;
    assert_eq!(s, 200);

    // The usage log: both sessions, and who opened (or was refused) what.
    let (_, log) = get(&srv, &staff, &format!("/api/papers/{pid}/usages")).await;
    assert_eq!(log["usages"].as_array().unwrap().len(), 2);
    let entries: Vec<(String, String, bool)> = log["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a: &Value| {
            (
                a["username"].as_str().unwrap().to_owned(),
                a["what"].as_str().unwrap().to_owned(),
                a["granted"].as_bool().unwrap(),
            )
        })
        .collect();
    let has = |u: &str, w: &str, g: bool| entries.contains(&(u.to_owned(), w.to_owned(), g));
    assert!(has("zhang.san", "paper", false) && !has("zhang.san", "paper", true));
    assert!(has("li.jiankao", "paper", false) && has("li.jiankao", "paper", true));
    assert!(has("zhao.kaoping", "answer_key", false) && has("zhao.kaoping", "answer_key", true));
    assert!(has("wang.staff", "preview", true) && has("wang.staff", "answer_key", true));

    // Retire; a retired paper cannot be locked again or used.
    let (s, p) = send(
        &srv,
        &staff,
        "POST",
        &format!("/api/papers/{pid}/state"),
        json!({"state": "retired"}),
    )
    .await;
    assert_eq!((s, p["state"].as_str()), (200, Some("retired")));
    let (s, _) = send(
        &srv,
        &staff,
        "POST",
        &format!("/api/papers/{pid}/state"),
        json!({"state": "locked"}),
    )
    .await;
    assert_eq!(s, 409);
    let (s, _) = send(
        &srv,
        &staff,
        "POST",
        &format!("/api/papers/{pid}/usages"),
        json!({"session_name": "第3场", "starts_at": "2020-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(s, 409);
    let (_, list) = get(&srv, &staff, "/api/papers?state=retired").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    srv.stop().await;
}
