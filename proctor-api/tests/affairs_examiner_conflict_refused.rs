//! Exam affairs: sites, rooms with their cameras and computers, a session; approved
//! candidates seated at random with ticket numbers (never in a session with an examiner from
//! their own unit); an examiner from a seated candidate's own work unit is refused with the
//! reason, one from elsewhere is assigned; the account must hold the duty's role.

mod common;
mod registration_support;

use std::collections::BTreeSet;

use common::TestServer;
use registration_support::*;
use serde_json::{Value, json};

#[tokio::test]
async fn examiner_from_a_candidates_work_unit_is_refused() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.staff", "staff").await;
    let plan = open_plan(&srv, &staff, "AFF-01", "warn").await;
    let session = session_with_room(&srv, &staff, plan, 10).await;

    let people = [
        ("52010219900315001", "1990-03-15", "贵阳供电局"),
        ("52010219910416002", "1991-04-16", "遵义供电局"),
        ("52010219920517003", "1992-05-17", "六盘水供电局"),
    ];
    let mut regs = Vec::new();
    for (i, (first17, birth, unit)) in people.iter().enumerate() {
        let id = id_number(first17);
        let (reg, cand) = register_ok(
            &srv,
            plan,
            form(
                &format!("考生{i}"),
                &id,
                birth,
                &format!("1360000000{i}"),
                json!({"work_unit": unit}),
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
        assert_eq!(r.status(), 200);
        regs.push((reg, cand));
    }

    // An examiner from 六盘水供电局 is on duty before seating: that unit's candidate is
    // not seated in this session (no other session has room), the others are.
    let lps = srv.user_with_role(&admin, "kp.lps", "examiner").await;
    let lps_id = get(&srv, &lps, "/api/auth/me")
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .clone();
    let r = post(&srv, &staff, &format!("/api/sessions/{session}/staff"), json!({
        "account_id": lps_id, "duty": "examiner", "work_unit": "六盘水供电局", "qualification_no": "KP-52-0002"
    })).await;
    assert_eq!(r.status(), 201);

    // Seating: distinct seats in 1..=10 and ticket numbers, at random.
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
    assert_eq!(
        (r["seated"].as_i64(), r["unseated"].as_i64()),
        (Some(2), Some(1))
    );
    let mut seats = BTreeSet::new();
    let mut tickets = BTreeSet::new();
    for (i, (reg, cand)) in regs.iter().enumerate() {
        let v: Value = get(&srv, cand, &format!("/api/registrations/{reg}"))
            .await
            .json()
            .await
            .unwrap();
        let notes: Value = get(&srv, cand, "/api/me/notifications")
            .await
            .json()
            .await
            .unwrap();
        if i == 2 {
            assert_eq!(
                (v["seat_no"].as_i64(), v["ticket_no"].as_str()),
                (None, None),
                "六盘水 candidate kept away"
            );
            assert_eq!(notes[0]["kind"], "review_approved");
            continue;
        }
        assert_eq!(v["session_id"].as_i64(), Some(session));
        let seat = v["seat_no"].as_i64().unwrap();
        assert!((1..=10).contains(&seat));
        seats.insert(seat);
        tickets.insert(v["ticket_no"].as_str().unwrap().to_owned());
        assert_eq!(notes[0]["kind"], "ticket_ready");
    }
    assert_eq!((seats.len(), tickets.len()), (2, 2));
    // Seating again changes nothing.
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
    assert_eq!(
        (r["seated"].as_i64(), r["unseated"].as_i64()),
        (Some(0), Some(1))
    );

    // The conflict rule.
    let examiner = srv.user_with_role(&admin, "kp.li", "examiner").await;
    let me: Value = get(&srv, &examiner, "/api/auth/me")
        .await
        .json()
        .await
        .unwrap();
    let examiner_id = me["id"].as_i64().unwrap();
    let r = post(&srv, &staff, &format!("/api/sessions/{session}/staff"), json!({
        "account_id": examiner_id, "duty": "examiner", "work_unit": " 遵义 供电局", "qualification_no": "KP-52-0001"
    })).await;
    assert_eq!(r.status(), 409);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["field"], "work_unit");
    assert!(
        b["message"]["zh"].as_str().unwrap().contains("回避")
            && b["message"]["en"].as_str().unwrap().contains("own unit"),
        "{b}"
    );

    // The same person from another unit is assigned.
    let r = post(&srv, &staff, &format!("/api/sessions/{session}/staff"), json!({
        "account_id": examiner_id, "duty": "examiner", "work_unit": "贵州电力职业技术学院", "qualification_no": "KP-52-0001"
    })).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    // A staff account cannot be put on duty as an examiner; an invigilator needs no qualification number.
    let me: Value = get(&srv, &staff, "/api/auth/me")
        .await
        .json()
        .await
        .unwrap();
    let r = post(&srv, &staff, &format!("/api/sessions/{session}/staff"), json!({
        "account_id": me["id"], "duty": "examiner", "work_unit": "甲", "qualification_no": "KP-1"
    })).await;
    assert_eq!(r.status(), 400);
    let inv = srv.user_with_role(&admin, "jk.wang", "invigilator").await;
    let inv_id = get(&srv, &inv, "/api/auth/me")
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .clone();
    let r = post(&srv, &staff, &format!("/api/sessions/{session}/staff"), json!({
        "account_id": inv_id, "duty": "invigilator", "work_unit": "遵义供电局", "qualification_no": ""
    })).await;
    assert_eq!(r.status(), 201);
    let duties: Value = get(&srv, &staff, &format!("/api/sessions/{session}/staff"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(duties.as_array().unwrap().len(), 3);
    let audit: Value = get(&srv, &admin, "/api/audit?target_kind=exam_session")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit.as_array().unwrap().len(), 3);
    // Devices of the room: cameras with a stream address, computers; the invigilator reads them.
    let detail: Value = get(&srv, &staff, &format!("/api/plans/{plan}"))
        .await
        .json()
        .await
        .unwrap();
    let room = detail["sessions"][0]["room_id"].as_i64().unwrap();
    let devices = format!("/api/rooms/{room}/devices");
    let cam = json!({"kind": "camera", "label": "前方", "address": "rtsp://10.0.0.21/stream1"});
    assert_eq!(
        post(&srv, &staff, &devices, cam.clone()).await.status(),
        201
    );
    assert_eq!(post(&srv, &staff, &devices, cam).await.status(), 409);
    let bad = json!({"kind": "camera", "label": "后方", "address": "10.0.0.22"});
    assert_eq!(
        post(&srv, &staff, &devices, bad)
            .await
            .json::<Value>()
            .await
            .unwrap()["field"],
        "address"
    );
    let pc = json!({"kind": "computer", "label": "01", "address": "GZ-PC-0001"});
    assert_eq!(post(&srv, &staff, &devices, pc).await.status(), 201);
    let listed: Value = get(&srv, &inv, &devices).await.json().await.unwrap();
    assert_eq!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["kind"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["camera", "computer"]
    );
    srv.stop().await;
}
