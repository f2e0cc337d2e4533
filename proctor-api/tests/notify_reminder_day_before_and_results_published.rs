//! Exam reminders go out by themselves a day before a session: a candidate seated for a
//! session starting within 24 hours is reminded at once (in-app and through the SMS
//! stand-in's outbox), one seated for a session days away is not, and nobody is reminded
//! twice. When a plan's results are published, its approved candidates hear so.

mod common;
mod registration_support;

use common::TestServer;
use registration_support::*;
use serde_json::{Value, json};

async fn session_at(
    srv: &TestServer,
    staff: &str,
    plan: i64,
    room: i64,
    starts: chrono::DateTime<chrono::Utc>,
) {
    let r = post(
        srv,
        staff,
        &format!("/api/plans/{plan}/sessions"),
        json!({
            "name": "理论知识", "starts_at": starts.to_rfc3339(),
            "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(), "room_id": room
        }),
    )
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
}

/// Registers, uploads a photo and approves; returns the candidate's token.
async fn approved(
    srv: &TestServer,
    staff: &str,
    plan: i64,
    first17: &str,
    birth: &str,
    phone: &str,
) -> String {
    let (reg, cand) = register_ok(
        srv,
        plan,
        form("王五", &id_number(first17), birth, phone, json!({})),
    )
    .await;
    assert_eq!(
        upload(srv, &cand, reg, "photo", photo_png(), "p.png")
            .await
            .status(),
        201
    );
    let r = post(
        srv,
        staff,
        &format!("/api/registrations/{reg}/review"),
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    cand
}

async fn kinds(srv: &TestServer, token: &str) -> Vec<String> {
    let v: Value = get(srv, token, "/api/me/notifications")
        .await
        .json()
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

fn outbox(dir: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("sms/outbox.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn reminder_a_day_before_and_results_published() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_path_buf();
    let srv = TestServer::start_with(move |s| s.data_dir = data_dir).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.staff", "staff").await;
    let now = chrono::Utc::now();

    let tomorrow = open_plan(&srv, &staff, "REM-1", "warn").await;
    let next_week = open_plan(&srv, &staff, "REM-2", "warn").await;
    let site = post(
        &srv,
        &staff,
        "/api/sites",
        json!({"name": "考点", "address": "贵阳"}),
    )
    .await
    .json::<Value>()
    .await
    .unwrap();
    let room = post(
        &srv,
        &staff,
        &format!("/api/sites/{}/rooms", site["id"]),
        json!({"name": "101", "seats": 10}),
    )
    .await
    .json::<Value>()
    .await
    .unwrap()["id"]
        .as_i64()
        .unwrap();
    session_at(
        &srv,
        &staff,
        tomorrow,
        room,
        now + chrono::Duration::hours(20),
    )
    .await;
    session_at(
        &srv,
        &staff,
        next_week,
        room,
        now + chrono::Duration::days(6),
    )
    .await;
    let soon = approved(
        &srv,
        &staff,
        tomorrow,
        "52010219900315001",
        "1990-03-15",
        "13900001111",
    )
    .await;
    let later = approved(
        &srv,
        &staff,
        next_week,
        "52010219910416002",
        "1991-04-16",
        "13900002222",
    )
    .await;

    for plan in [tomorrow, next_week] {
        let r: Value = post(
            &srv,
            &staff,
            &format!("/api/plans/{plan}/seating"),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(r["seated"], 1);
    }
    assert_eq!(
        kinds(&srv, &soon).await,
        ["exam_reminder", "ticket_ready", "review_approved"]
    );
    assert_eq!(
        kinds(&srv, &later).await,
        ["ticket_ready", "review_approved"],
        "six days away: no reminder yet"
    );
    let reminders: Vec<_> = outbox(data.path())
        .into_iter()
        .filter(|l| l["text"].as_str().unwrap().starts_with("考试提醒"))
        .collect();
    assert_eq!(reminders.len(), 1);
    assert_eq!(
        reminders[0]["to"], "139****1111",
        "the outbox keeps the phone masked"
    );
    assert!(
        reminders[0]["text"].as_str().unwrap().contains("考点 101"),
        "{}",
        reminders[0]
    );

    // Seating again (nobody new) reminds nobody twice.
    post(
        &srv,
        &staff,
        &format!("/api/plans/{tomorrow}/seating"),
        json!({}),
    )
    .await;
    assert_eq!(
        kinds(&srv, &soon)
            .await
            .iter()
            .filter(|k| *k == "exam_reminder")
            .count(),
        1
    );

    // Results: only the administrator publishes; every approved candidate is told.
    for to in ["closed", "in_exam", "scoring"] {
        let r = post(
            &srv,
            &staff,
            &format!("/api/plans/{tomorrow}/transition"),
            json!({"to": to}),
        )
        .await;
        assert_eq!(r.status(), 200, "{to}");
    }
    assert_eq!(
        post(
            &srv,
            &staff,
            &format!("/api/plans/{tomorrow}/transition"),
            json!({"to": "published"})
        )
        .await
        .status(),
        403
    );
    assert!(
        !kinds(&srv, &soon)
            .await
            .contains(&"score_published".to_owned())
    );
    let r = post(
        &srv,
        &admin,
        &format!("/api/plans/{tomorrow}/transition"),
        json!({"to": "published"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(kinds(&srv, &soon).await[0], "score_published");
    assert!(
        !kinds(&srv, &later)
            .await
            .contains(&"score_published".to_owned()),
        "another plan's candidate"
    );
    let published = outbox(data.path())
        .into_iter()
        .filter(|l| l["text"].as_str().unwrap().starts_with("成绩已发布"))
        .count();
    assert_eq!(published, 1);
    srv.stop().await;
}
