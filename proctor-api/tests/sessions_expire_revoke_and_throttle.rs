//! Sign-in behaviour: the forced first password change, weak passwords refused, sessions
//! revoked by sign-out and by a password change, disabled accounts shut out, and an account
//! locked after repeated wrong passwords.

mod common;

use common::{ADMIN_PASSWORD, NEW_PASSWORD, TestServer};
use serde_json::{Value, json};

#[tokio::test]
async fn first_login_forces_password_change_and_sessions_can_be_revoked() {
    let srv = TestServer::start(None).await;
    let r = srv.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(r.status(), 200);
    let s: Value = r.json().await.unwrap();
    assert_eq!(s["user"]["must_change_password"], true);
    let first = s["token"].as_str().unwrap().to_owned();

    // Until the password changes, other routes refuse.
    let r = srv.client.get(srv.url("/api/users")).bearer_auth(&first).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "password_change_required");

    // Weak and wrong-current passwords are refused with the field named.
    let change = |cur: &str, new: &str| {
        srv.client
            .post(srv.url("/api/auth/password"))
            .bearer_auth(&first)
            .json(&json!({"current_password": cur, "new_password": new}))
    };
    let b: Value = change(ADMIN_PASSWORD, "short1").send().await.unwrap().json().await.unwrap();
    assert_eq!((b["code"].as_str(), b["field"].as_str()), (Some("weak_password"), Some("new_password")));
    let b: Value = change(ADMIN_PASSWORD, "onlyletterslong").send().await.unwrap().json().await.unwrap();
    assert_eq!(b["code"], "weak_password");
    let b: Value = change("wrong-current-1", NEW_PASSWORD).send().await.unwrap().json().await.unwrap();
    assert_eq!((b["code"].as_str(), b["field"].as_str()), (Some("bad_credentials"), Some("current_password")));

    let r = change(ADMIN_PASSWORD, NEW_PASSWORD).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let fresh = r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    // The change revoked the old session; the new one works.
    let r = srv.client.get(srv.url("/api/auth/me")).bearer_auth(&first).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = srv.client.get(srv.url("/api/users")).bearer_auth(&fresh).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // The old password no longer signs in; the new one does.
    assert_eq!(srv.login("admin", ADMIN_PASSWORD).await.status(), 401);
    assert_eq!(srv.login("admin", NEW_PASSWORD).await.status(), 200);

    // Sign-out revokes.
    let r = srv.client.post(srv.url("/api/auth/logout")).bearer_auth(&fresh).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let r = srv.client.get(srv.url("/api/auth/me")).bearer_auth(&fresh).send().await.unwrap();
    assert_eq!(r.status(), 401);

    // A forged token is just unauthenticated.
    let r = srv.client.get(srv.url("/api/auth/me")).bearer_auth("forged-token").send().await.unwrap();
    assert_eq!(r.status(), 401);
    srv.stop().await;
}

#[tokio::test]
async fn disabled_accounts_and_repeated_failures_are_shut_out() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "wang.wei", "staff").await;
    let me: Value = srv.client.get(srv.url("/api/auth/me")).bearer_auth(&staff).send().await.unwrap().json().await.unwrap();
    let id = me["id"].as_i64().unwrap();

    // Disabling ends the live session and refuses new sign-ins.
    let r = srv
        .client
        .patch(srv.url(&format!("/api/users/{id}")))
        .bearer_auth(&admin)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(srv.client.get(srv.url("/api/auth/me")).bearer_auth(&staff).send().await.unwrap().status(), 401);
    assert_eq!(srv.login("wang.wei", NEW_PASSWORD).await.status(), 401);
    srv.client
        .patch(srv.url(&format!("/api/users/{id}")))
        .bearer_auth(&admin)
        .json(&json!({"disabled": false}))
        .send()
        .await
        .unwrap();

    // Five wrong passwords lock the account, even against the right one.
    for _ in 0..5 {
        assert_eq!(srv.login("wang.wei", "Wrong-password-1").await.status(), 401);
    }
    let r = srv.login("wang.wei", NEW_PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "too_many_attempts");

    // The change history is in the audit trail.
    let evs: Value = srv.client.get(srv.url("/api/audit?target_kind=account")).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
    let actions: Vec<&str> = evs.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"account.update") && actions.contains(&"account.create"), "{actions:?}");
    srv.stop().await;
}
