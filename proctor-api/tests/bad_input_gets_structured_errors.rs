//! Malformed JSON, wrong types, unknown and missing fields, oversize bodies, wrong content
//! types, unknown routes and methods: each answered with a 4xx and the structured error
//! body (code, message in Chinese and English, field) — never a 500, never a bare status.

mod common;

use common::TestServer;
use serde_json::{Value, json};

async fn error_of(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("error body is JSON");
    assert!(body["message"]["zh"].as_str().is_some_and(|s| !s.is_empty()), "zh message: {body}");
    assert!(body["message"]["en"].as_str().is_some_and(|s| !s.is_empty()), "en message: {body}");
    (status, body)
}

#[tokio::test]
async fn bad_requests_are_structured_4xx() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let put = |body: String, ct: &'static str| {
        srv.client.put(srv.url("/api/org")).bearer_auth(&admin).header("content-type", ct).body(body)
    };

    let (s, b) = error_of(put("{\"name\": ".into(), "application/json").send().await.unwrap()).await;
    assert_eq!((s, b["code"].as_str()), (400, Some("malformed_json")));

    let valid = json!({"name": "中心", "accreditation_no": "", "address": "", "contact_phone": "",
        "contact_email": "", "website": "", "introduction": ""});
    let mut wrong_type = valid.clone();
    wrong_type["name"] = json!(42);
    let (s, b) = error_of(put(wrong_type.to_string(), "application/json").send().await.unwrap()).await;
    assert_eq!((s, b["code"].as_str(), b["field"].as_str()), (400, Some("invalid_type"), Some("name")));

    let mut unknown = valid.clone();
    unknown["colour"] = json!("red");
    let (s, b) = error_of(put(unknown.to_string(), "application/json").send().await.unwrap()).await;
    assert_eq!((s, b["code"].as_str(), b["field"].as_str()), (400, Some("unknown_field"), Some("colour")));

    let mut missing = valid.clone();
    missing.as_object_mut().unwrap().remove("address");
    let (s, b) = error_of(put(missing.to_string(), "application/json").send().await.unwrap()).await;
    assert_eq!((s, b["code"].as_str(), b["field"].as_str()), (400, Some("missing_field"), Some("address")));

    let mut too_long = valid.clone();
    too_long["name"] = json!("名".repeat(201));
    let (s, b) = error_of(put(too_long.to_string(), "application/json").send().await.unwrap()).await;
    assert_eq!((s, b["code"].as_str(), b["field"].as_str()), (400, Some("too_long"), Some("name")));

    let mut huge = valid.clone();
    huge["introduction"] = json!("x".repeat(2 << 20));
    let (s, b) = error_of(put(huge.to_string(), "application/json").send().await.unwrap()).await;
    assert_eq!((s, b["code"].as_str()), (413, Some("payload_too_large")));

    let (s, b) = error_of(put(valid.to_string(), "text/plain").send().await.unwrap()).await;
    assert_eq!((s, b["code"].as_str()), (415, Some("unsupported_media_type")));

    let (s, b) = error_of(srv.client.get(srv.url("/api/no-such-thing")).send().await.unwrap()).await;
    assert_eq!((s, b["code"].as_str()), (404, Some("not_found")));

    let (s, b) = error_of(srv.client.delete(srv.url("/api/org")).bearer_auth(&admin).send().await.unwrap()).await;
    assert_eq!((s, b["code"].as_str()), (405, Some("method_not_allowed")));

    let bad_path = srv.client.patch(srv.url("/api/users/not-a-number")).bearer_auth(&admin).json(&json!({}));
    let (s, b) = error_of(bad_path.send().await.unwrap()).await;
    assert_eq!((s, b["code"].as_str()), (400, Some("bad_request")));

    let bad_query = srv.client.get(srv.url("/api/audit?limit=many")).bearer_auth(&admin);
    let (s, b) = error_of(bad_query.send().await.unwrap()).await;
    assert_eq!((s, b["code"].as_str()), (400, Some("bad_request")));

    // Nothing above changed the profile.
    let org: Value = srv.client.get(srv.url("/api/org")).send().await.unwrap().json().await.unwrap();
    assert_eq!(org["updated_at"], Value::Null);
    srv.stop().await;
}
