//! Walks every documented API route × every role (and no sign-in at all) and checks that
//! exactly the roles the table allows get past authorization. A route added to the OpenAPI
//! document without a row here fails the test, so access rules cannot be forgotten.

mod common;

use std::collections::BTreeSet;

use common::TestServer;
use proctor_api::auth::Role;
use serde_json::Value;

#[derive(Clone, Copy)]
enum Access {
    Public,
    SignedIn,
    Only(&'static [Role]),
    /// Signed by a media node with the installation's key; no user token opens it.
    Node,
}

use Access::*;
use Role::*;

const STAFF: &[Role] = &[Admin, Staff];
const ADMIN: &[Role] = &[Admin];
const OVERSEER: &[Role] = &[Admin, Staff, Supervisor, Province];
const PROCTOR: &[Role] = &[Admin, Staff, Invigilator, Supervisor];
const CANDIDATE: &[Role] = &[Candidate];
const SELF_OR_STAFF: &[Role] = &[Admin, Staff, Candidate];
const EXAMINER: &[Role] = &[Admin, Staff, Examiner];
const FACE_SIGNERS: &[Role] = &[Candidate, Examiner];

/// (method, OpenAPI path, who may call it)
const MATRIX: &[(&str, &str, Access)] = &[
    ("post", "/api/auth/login", Public),
    ("get", "/api/auth/me", SignedIn),
    ("post", "/api/auth/password", SignedIn),
    ("get", "/api/users", Only(ADMIN)),
    ("post", "/api/users", Only(ADMIN)),
    ("patch", "/api/users/{id}", Only(ADMIN)),
    ("post", "/api/users/{id}/reset-password", Only(ADMIN)),
    ("get", "/api/org", Public),
    ("put", "/api/org", Only(STAFF)),
    ("get", "/api/org/logo", Public),
    ("put", "/api/org/logo", Only(STAFF)),
    ("get", "/api/audit", Only(OVERSEER)),
    // Plans, registration, identity, affairs, tickets, notifications (issue 7).
    ("get", "/api/plans", Only(STAFF)),
    ("post", "/api/plans", Only(STAFF)),
    ("get", "/api/plans/{id}", Only(STAFF)),
    ("post", "/api/plans/{id}/transition", Only(STAFF)),
    ("post", "/api/plans/{id}/sessions", Only(STAFF)),
    ("get", "/api/sessions", Only(PROCTOR)),
    ("delete", "/api/plans/{id}/sessions/{session}", Only(STAFF)),
    ("delete", "/api/sessions/{id}/staff/{duty}", Only(STAFF)),
    ("delete", "/api/rooms/{id}/devices/{device}", Only(STAFF)),
    ("delete", "/api/sites/{id}/rooms/{room}", Only(STAFF)),
    ("get", "/api/public/plans", Public),
    ("get", "/api/plans/{id}/documents", Public),
    ("post", "/api/plans/{id}/documents", Only(STAFF)),
    ("get", "/api/plans/{id}/documents/{doc}", Public),
    ("post", "/api/plans/{id}/registrations", Public),
    ("get", "/api/registration/consent", Public),
    ("get", "/api/me/registrations", Only(CANDIDATE)),
    ("get", "/api/plans/{id}/registrations", Only(STAFF)),
    ("get", "/api/registrations/{id}", Only(SELF_OR_STAFF)),
    ("put", "/api/registrations/{id}", Only(CANDIDATE)),
    ("get", "/api/registrations/{id}/history", Only(SELF_OR_STAFF)),
    ("post", "/api/registrations/{id}/review", Only(STAFF)),
    ("post", "/api/registrations/{id}/realname-check", Only(STAFF)),
    ("post", "/api/candidates/record", Only(STAFF)),
    ("post", "/api/registrations/{id}/files/{kind}", Only(CANDIDATE)),
    ("get", "/api/registrations/{id}/files/{kind}", Only(SELF_OR_STAFF)),
    ("get", "/api/realname/config", Only(ADMIN)),
    ("put", "/api/realname/config", Only(ADMIN)),
    ("get", "/api/sites", Only(STAFF)),
    ("post", "/api/sites", Only(STAFF)),
    ("post", "/api/sites/{id}/rooms", Only(STAFF)),
    ("get", "/api/rooms/{id}/devices", Only(PROCTOR)),
    ("post", "/api/rooms/{id}/devices", Only(STAFF)),
    ("get", "/api/sessions/{id}/staff", Only(STAFF)),
    ("post", "/api/sessions/{id}/staff", Only(STAFF)),
    ("post", "/api/plans/{id}/seating", Only(STAFF)),
    ("post", "/api/plans/{id}/reminders", Only(STAFF)),
    ("post", "/api/registrations/{id}/attendance", Only(PROCTOR)),
    ("get", "/api/plans/{id}/usage", Only(OVERSEER)),
    ("get", "/api/plans/{id}/usage.csv", Only(OVERSEER)),
    ("get", "/api/registrations/{id}/ticket.pdf", Only(SELF_OR_STAFF)),
    ("get", "/api/plans/{id}/tickets.pdf", Only(STAFF)),
    ("get", "/api/me/notifications", SignedIn),
    // Staff pages for plans and affairs, second registrations, signed file links (issue 7).
    ("get", "/api/plans/{id}/moves", Only(STAFF)),
    ("put", "/api/plans/{id}/realname-policy", Only(STAFF)),
    ("get", "/api/duty-people", Only(STAFF)),
    ("get", "/api/registrations/{id}/files/{kind}/link", Only(SELF_OR_STAFF)),
    ("get", "/api/me/registration-profile", Only(CANDIDATE)),
    ("post", "/api/me/registrations", Only(CANDIDATE)),
    ("post", "/api/live/publish-token", Only(CANDIDATE)),
    ("post", "/api/live/watch-token", Only(PROCTOR)),
    ("get", "/api/live/rooms", Only(PROCTOR)),
    // Recordings (issue 5): proctors only, invigilators further limited to their sessions.
    ("get", "/api/recordings", Only(PROCTOR)),
    ("post", "/api/recordings/playback", Only(PROCTOR)),
    // Recording exports: the caller's own jobs (staff see all), same scope as playback.
    ("post", "/api/recordings/exports", Only(PROCTOR)),
    ("get", "/api/recordings/exports", Only(PROCTOR)),
    ("get", "/api/recordings/exports/{id}", Only(PROCTOR)),
    ("get", "/api/recordings/thumbnails", Only(PROCTOR)),
    ("get", "/api/live/thumbnails", Only(PROCTOR)),
    ("post", "/api/media-nodes/heartbeat", Node),
    ("post", "/api/media-nodes/events", Node),
    ("get", "/api/media-nodes/cameras", Node),
    ("get", "/api/media-nodes", Only(ADMIN)),
    ("get", "/api/banks", Only(STAFF)),
    ("post", "/api/banks", Only(STAFF)),
    ("get", "/api/banks/{id}/items", Only(STAFF)),
    ("post", "/api/banks/{id}/items", Only(STAFF)),
    ("post", "/api/banks/{id}/items/bulk", Only(STAFF)),
    ("get", "/api/banks/{id}/stats", Only(STAFF)),
    ("get", "/api/banks/{id}/export", Only(STAFF)),
    ("get", "/api/banks/{id}/export-qti", Only(STAFF)),
    ("post", "/api/banks/{id}/imports", Only(STAFF)),
    ("get", "/api/import-mappings", Only(STAFF)),
    ("post", "/api/item-images", Only(STAFF)),
    ("post", "/api/import-mappings", Only(STAFF)),
    ("put", "/api/import-mappings/{id}", Only(STAFF)),
    ("get", "/api/imports/{id}", Only(STAFF)),
    ("post", "/api/imports/{id}/confirm", Only(STAFF)),
    ("get", "/api/items/{id}", Only(STAFF)),
    ("put", "/api/items/{id}", Only(STAFF)),
    ("post", "/api/items/{id}/retired", Only(STAFF)),
    ("get", "/api/papers", Only(STAFF)),
    ("post", "/api/papers", Only(STAFF)),
    ("post", "/api/papers/assemble", Only(STAFF)),
    ("get", "/api/papers/{id}", Only(STAFF)),
    ("put", "/api/papers/{id}/items", Only(STAFF)),
    ("post", "/api/papers/{id}/state", Only(STAFF)),
    ("get", "/api/papers/{id}/usages", Only(STAFF)),
    ("post", "/api/papers/{id}/usages", Only(STAFF)),
    // Anyone signed in reaches the gate; before the session starts only staff pass it.
    ("get", "/api/paper-usages/{id}/paper", SignedIn),
    ("get", "/api/paper-usages/{id}/answer-key", Only(EXAMINER)),
    // Face verification (issue 6).
    ("post", "/api/face/registrations/{id}/enrol", Only(STAFF)),
    ("post", "/api/face/accounts/{id}/photo", Only(STAFF)),
    ("get", "/api/face/accounts/{id}/enrolments", Only(STAFF)),
    ("get", "/api/face/accounts/{id}/checks", Only(PROCTOR)),
    ("post", "/api/face/check-in", Only(FACE_SIGNERS)),
    ("get", "/api/face/check-in", Only(FACE_SIGNERS)),
    ("get", "/api/face/reviews", Only(PROCTOR)),
    ("post", "/api/face/reviews/{id}", Only(PROCTOR)),
    ("put", "/api/face/sessions/{id}/rechecks", Only(STAFF)),
    ("get", "/api/face/me/recheck", Only(CANDIDATE)),
    ("post", "/api/face/me/recheck/{id}", Only(CANDIDATE)),
    ("get", "/api/face/alerts", Only(PROCTOR)),
    ("post", "/api/face/alerts/{id}/ack", Only(PROCTOR)),
    // Room cameras: proctors see status (invigilators only on duty), staff manage.
    ("get", "/api/cameras", Only(PROCTOR)),
    ("get", "/api/rooms/{id}/cameras", Only(PROCTOR)),
    ("post", "/api/rooms/{id}/cameras", Only(STAFF)),
    ("patch", "/api/rooms/{id}/cameras/{camera}", Only(STAFF)),
    ("delete", "/api/rooms/{id}/cameras/{camera}", Only(STAFF)),
    // Last: an allowed call ends the caller's session.
    ("post", "/api/auth/logout", SignedIn),
];

fn documented_routes(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                out.insert((method.clone(), path.clone()));
            }
        }
    }
    out
}

#[tokio::test]
async fn every_route_admits_exactly_its_roles() {
    let srv = TestServer::start(None).await;
    let doc: Value = srv.client.get(srv.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    let documented = documented_routes(&doc);
    let listed: BTreeSet<_> = MATRIX.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    let missing: Vec<_> = documented.difference(&listed).collect();
    assert!(missing.is_empty(), "routes without an authorization row: {missing:?}");
    let stale: Vec<_> = listed.difference(&documented).collect();
    assert!(stale.is_empty(), "rows for routes that no longer exist: {stale:?}");

    let admin = srv.admin_token().await;
    let mut tokens = vec![(Admin, admin.clone())];
    for role in Role::ALL.into_iter().filter(|r| *r != Admin) {
        let t = srv.user_with_role(&admin, &format!("user-{}", role.as_str()), role.as_str()).await;
        tokens.push((role, t));
    }
    let me: Value = srv.client.get(srv.url("/api/auth/me")).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
    let admin_id = me["id"].as_i64().unwrap();

    for &(method, path, access) in MATRIX {
        let concrete = path.replace("{id}", &admin_id.to_string());
        let mut callers: Vec<(Option<Role>, Option<String>)> = vec![(None, None)];
        callers.extend(tokens.iter().map(|(r, t)| (Some(*r), Some(t.clone()))));
        for (role, token) in callers {
            let mut req = srv.client.request(method.to_uppercase().parse().unwrap(), srv.url(&concrete));
            if let Some(t) = &token {
                req = req.bearer_auth(t);
            }
            // An empty object passes authorization but fails validation, so no call here
            // changes state that later calls rely on.
            if method != "get" {
                req = req.header("content-type", "application/json").body("{}");
            }
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let code = resp.json::<Value>().await.ok().and_then(|v| v["code"].as_str().map(str::to_owned));
            let denied = matches!(code.as_deref(), Some("unauthenticated" | "forbidden"));
            let should_allow = match (access, role) {
                (Public, _) => true,
                (SignedIn, r) => r.is_some(),
                (Only(roles), Some(r)) => roles.contains(&r),
                (Only(_), None) => false,
                (Node, _) => false,
            };
            let who = role.map(Role::as_str).unwrap_or("anonymous");
            if should_allow {
                assert!(!denied, "{method} {path} as {who}: expected allowed, got {status} {code:?}");
            } else {
                let want = if role.is_none() || matches!(access, Node) { (401, "unauthenticated") } else { (403, "forbidden") };
                assert_eq!((status, code.as_deref()), (want.0, Some(want.1)), "{method} {path} as {who}");
            }
        }
    }
    srv.stop().await;
}
