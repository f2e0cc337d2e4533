//! The real-name stand-in runs as its own process. A mismatch blocks registration under the
//! `block` policy and becomes a staff warning under `warn`; a timeout is recorded as
//! `unavailable` (pending) — never a pass: under `block` staff cannot approve until a
//! re-check matches.

mod common;
mod registration_support;

use common::TestServer;
use registration_support::*;
use serde_json::{Value, json};

#[tokio::test]
async fn mismatch_and_timeout_follow_the_plan_policy() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.staff", "staff").await;
    let wang = id_number("52010219880101002");
    let zhao = id_number("52010219850505003");
    let record_wang = format!("{wang}=王五");
    let record_zhao = format!("{zhao}=赵六");
    let standin = Standin::start(&["--record", &record_wang, "--record", &record_zhao]);
    use_realname(&srv, &admin, &standin.url, 2000).await;

    let block = open_plan(&srv, &staff, "RN-BLOCK", "block").await;
    let warn = open_plan(&srv, &staff, "RN-WARN", "warn").await;

    // Wrong name for a known ID: refused under block, a warning under warn.
    let r = register(
        &srv,
        block,
        form("王七", &wang, "1988-01-01", "13800000001", json!({})),
    )
    .await;
    assert_eq!(r.status(), 400);
    let b: Value = r.json().await.unwrap();
    assert_eq!(
        (b["code"].as_str(), b["field"].as_str()),
        (Some("realname_mismatch"), Some("id_number")),
        "{b}"
    );
    let (reg, _) = register_ok(
        &srv,
        warn,
        form("王七", &wang, "1988-01-01", "13800000002", json!({})),
    )
    .await;
    let v: Value = get(&srv, &staff, &format!("/api/registrations/{reg}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["realname_result"], "mismatch");
    assert!(v["warnings"].to_string().contains("mismatch"), "{v}");

    // The right name matches.
    let (ok_reg, _) = register_ok(
        &srv,
        block,
        form("王五", &wang, "1988-01-01", "13800000003", json!({})),
    )
    .await;
    let v: Value = get(&srv, &staff, &format!("/api/registrations/{ok_reg}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["realname_result"], "match");

    // A service slower than the timeout: accepted, recorded as unavailable with a warning.
    let slow = Standin::start(&["--record", &record_zhao, "--delay-ms", "3000"]);
    use_realname(&srv, &admin, &slow.url, 300).await;
    let started = std::time::Instant::now();
    let (pending, cand) = register_ok(
        &srv,
        block,
        form("赵六", &zhao, "1985-05-05", "13800000004", json!({})),
    )
    .await;
    assert!(
        started.elapsed() < std::time::Duration::from_millis(2500),
        "the timeout was not applied"
    );
    let v: Value = get(&srv, &staff, &format!("/api/registrations/{pending}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["realname_result"], "unavailable");
    assert!(v["warnings"].to_string().contains("unavailable"), "{v}");

    // Under block, approval waits for a matching check.
    let r = upload(&srv, &cand, pending, "photo", photo_png(), "me.png").await;
    assert_eq!(r.status(), 201);
    let r = post(
        &srv,
        &staff,
        &format!("/api/registrations/{pending}/review"),
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    let b: Value = r.json().await.unwrap();
    assert!(
        b["message"]["zh"].as_str().unwrap().contains("unavailable"),
        "{b}"
    );

    // A re-check against the responsive service matches, and approval goes through.
    use_realname(&srv, &admin, &standin.url, 2000).await;
    let r = post(
        &srv,
        &staff,
        &format!("/api/registrations/{pending}/realname-check"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["realname_result"], "match");
    assert!(!v["warnings"].to_string().contains("unavailable"));
    let r = post(
        &srv,
        &staff,
        &format!("/api/registrations/{pending}/review"),
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);

    // Every outcome is in the registration's history and the audit trail.
    let h: Value = get(
        &srv,
        &staff,
        &format!("/api/registrations/{pending}/history"),
    )
    .await
    .json()
    .await
    .unwrap();
    let actions: Vec<_> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["submit", "upload", "realname", "approve"]);
    assert_eq!(h[0]["detail"]["realname"], "unavailable");
    let a: Value = get(
        &srv,
        &admin,
        &format!("/api/audit?target_kind=registration&target_id={pending}"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(a.to_string().contains("registration.realname"));

    // With the service stopped, a check is unavailable, not a pass.
    drop(slow);
    drop(standin);
    let r = post(
        &srv,
        &staff,
        &format!("/api/registrations/{reg}/realname-check"),
        json!({}),
    )
    .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["realname_result"],
        "unavailable"
    );
    srv.stop().await;
}
