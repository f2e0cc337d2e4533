//! Seating by rule: `order=registration` fills seats 1.. in the order candidates registered;
//! `order=spread_units` fills them in order but never seats two candidates of one work unit
//! side by side when the numbers allow; an unknown rule is a field error and seats nobody.

mod common;
mod registration_support;

use common::TestServer;
use registration_support::*;
use serde_json::{Value, json};

/// Registers and approves one candidate per (work unit) in that order; returns their ids.
async fn approved(srv: &TestServer, staff: &str, plan: i64, prefix: &str, units: &[&str]) -> Vec<i64> {
    let mut ids = Vec::new();
    for (i, unit) in units.iter().enumerate() {
        let first17 = format!("520102199{}0315{:03}", i % 10, i + 1 + prefix.len() * 10);
        let body = form(
            &format!("=考生{prefix}{i}"),
            &id_number(&first17),
            &format!("199{}-03-15", i % 10),
            &format!("136{:08}", i + prefix.len() * 100),
            json!({"work_unit": unit}),
        );
        let (reg, cand) = register_ok(srv, plan, body).await;
        assert_eq!(upload(srv, &cand, reg, "photo", photo_png(), "p.png").await.status(), 201);
        let r = post(srv, staff, &format!("/api/registrations/{reg}/review"), json!({"decision": "approve"})).await;
        assert_eq!(r.status(), 200);
        ids.push(reg);
    }
    ids
}

async fn seats(srv: &TestServer, staff: &str, ids: &[i64]) -> Vec<i64> {
    let mut out = Vec::new();
    for id in ids {
        let r: Value = get(srv, staff, &format!("/api/registrations/{id}")).await.json().await.unwrap();
        out.push(r["seat_no"].as_i64().expect("seated"));
    }
    out
}

#[tokio::test]
async fn seats_follow_the_chosen_rule() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.seat", "staff").await;

    // An unknown rule is refused before anything happens.
    let plan = open_plan(&srv, &staff, "SEAT-01", "warn").await;
    session_with_room(&srv, &staff, plan, 10).await;
    let ids = approved(&srv, &staff, plan, "a", &["供电局", "供电局", "水务局", "水务局"]).await;
    let r = post(&srv, &staff, &format!("/api/plans/{plan}/seating?order=alphabet"), json!({})).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "order");

    // In registration order: seats 1, 2, 3, 4.
    let r = post(&srv, &staff, &format!("/api/plans/{plan}/seating?order=registration"), json!({})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["seated"], 4);
    assert_eq!(seats(&srv, &staff, &ids).await, vec![1, 2, 3, 4]);

    // Units spread: the two 供电局 candidates and the two 水务局 candidates alternate.
    let plan = open_plan(&srv, &staff, "SEAT-02", "warn").await;
    session_with_room(&srv, &staff, plan, 10).await;
    let ids = approved(&srv, &staff, plan, "bb", &["供电局", "供电局", "水务局", " 水务局 "]).await;
    let r = post(&srv, &staff, &format!("/api/plans/{plan}/seating?order=spread_units"), json!({})).await;
    assert_eq!(r.status(), 200);
    let got = seats(&srv, &staff, &ids).await;
    // Seat of each candidate; same-unit pairs must not be neighbours.
    assert!((got[0] - got[1]).abs() > 1, "供电局 side by side: {got:?}");
    assert!((got[2] - got[3]).abs() > 1, "水务局 side by side: {got:?}");
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(sorted, vec![1, 2, 3, 4], "seats filled in order: {got:?}");
    srv.stop().await;
}
