//! Exam reminders reach the seated candidates; the usage report per plan counts registered,
//! approved, seated, sat and absent; the CSV export has one masked line per registration
//! and the totals.

mod common;
mod registration_support;

use common::TestServer;
use registration_support::*;
use serde_json::{Value, json};

#[tokio::test]
async fn usage_counts_attendance_and_exports_csv() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.staff", "staff").await;
    let invigilator = srv.user_with_role(&admin, "jk.zhang", "invigilator").await;
    let plan = open_plan(&srv, &staff, "USE-01", "warn").await;
    session_with_room(&srv, &staff, plan, 5).await;

    let people = [
        ("52010219900315001", "1990-03-15"),
        ("52010219910416002", "1991-04-16"),
        ("52010219920517003", "1992-05-17"),
    ];
    let mut regs = Vec::new();
    for (i, (first17, birth)) in people.iter().enumerate() {
        let (reg, cand) = register_ok(
            &srv,
            plan,
            form(
                &format!("=考生{i}"),
                &id_number(first17),
                birth,
                &format!("1350000000{i}"),
                json!({}),
            ),
        )
        .await;
        if i < 2 {
            assert_eq!(
                upload(&srv, &cand, reg, "photo", photo_png(), "p.png")
                    .await
                    .status(),
                201
            );
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
        }
        regs.push((reg, cand));
    }
    post(
        &srv,
        &staff,
        &format!("/api/plans/{plan}/seating"),
        json!({}),
    )
    .await;

    // Reminders reach the two seated candidates, with time, site, room and seat.
    let r: Value = post(
        &srv,
        &staff,
        &format!("/api/plans/{plan}/reminders"),
        json!({}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(r["sent"], 2);
    let notes: Value = get(&srv, &regs[0].1, "/api/me/notifications")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(notes[0]["kind"], "exam_reminder");
    assert!(
        notes[0]["body"]
            .as_str()
            .unwrap()
            .contains("2026-12-20 09:00 贵阳考点"),
        "{notes}"
    );
    let notes: Value = get(&srv, &regs[2].1, "/api/me/notifications")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(notes, json!([]));
    let regs: Vec<i64> = regs.into_iter().map(|(r, _)| r).collect();
    let r = post(
        &srv,
        &invigilator,
        &format!("/api/registrations/{}/attendance", regs[0]),
        json!({"attendance": "sat"}),
    )
    .await;
    assert_eq!(r.status(), 204);
    let r = post(
        &srv,
        &invigilator,
        &format!("/api/registrations/{}/attendance", regs[1]),
        json!({"attendance": "absent"}),
    )
    .await;
    assert_eq!(r.status(), 204);
    // Not seated: no attendance.
    let r = post(
        &srv,
        &invigilator,
        &format!("/api/registrations/{}/attendance", regs[2]),
        json!({"attendance": "sat"}),
    )
    .await;
    assert_eq!(r.status(), 404);

    let u: Value = get(&srv, &staff, &format!("/api/plans/{plan}/usage"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        u,
        json!({"plan_id": plan, "registered": 3, "approved": 2, "seated": 2, "sat": 1, "absent": 1})
    );

    let r = get(&srv, &staff, &format!("/api/plans/{plan}/usage.csv")).await;
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    let lines: Vec<_> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 5, "{csv}");
    assert_eq!(
        lines[0],
        "registration_id,ticket_no,name,id_number,status,attendance"
    );
    // Formula-looking names are neutralised; ID numbers masked.
    assert!(
        lines[1].contains("\"'=考生0\"")
            && lines[1].contains("520102********001")
            && lines[1].ends_with("\"sat\""),
        "{}",
        lines[1]
    );
    assert!(!csv.contains(&id_number(people[0].0)));
    assert_eq!(
        lines[4],
        "total,registered=3,approved=2,seated=2,sat=1,absent=1"
    );
    srv.stop().await;
}
