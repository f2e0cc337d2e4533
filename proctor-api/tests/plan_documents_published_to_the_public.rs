//! Staff publish documents for a plan (multipart, type by magic bytes, ≤ 10 MB); anyone can
//! list and download them, and the plan's registration page links them.

mod common;
mod registration_support;

use common::TestServer;
use registration_support::*;
use serde_json::Value;

fn doc_form(title: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("title", title.to_owned())
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name("f"))
}

#[tokio::test]
async fn documents_are_uploaded_by_staff_and_read_by_anyone() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.staff", "staff").await;
    let plan = open_plan(&srv, &staff, "DOC-1", "warn").await;
    let url = srv.url(&format!("/api/plans/{plan}/documents"));
    let pdf = "%PDF-1.4\n% 考试须知".as_bytes().to_vec();

    let r = srv.client.post(&url).bearer_auth(&staff).multipart(doc_form("考试须知", pdf.clone())).send().await.unwrap();
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let doc: Value = r.json().await.unwrap();
    assert_eq!((doc["title"].as_str(), doc["content_type"].as_str()), (Some("考试须知"), Some("application/pdf")));

    // Refusals: a wrong type, a missing title, a candidate.
    let r = srv.client.post(&url).bearer_auth(&staff).multipart(doc_form("x", b"<html>".to_vec())).send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "file_type");
    let r = srv.client.post(&url).bearer_auth(&staff).multipart(doc_form(" ", pdf.clone())).send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "title");
    let (_, cand) = register_ok(&srv, plan, form("张三", &id_number("52010219900315001"), "1990-03-15", "13900000001", serde_json::json!({}))).await;
    let r = srv.client.post(&url).bearer_auth(&cand).multipart(doc_form("x", pdf.clone())).send().await.unwrap();
    assert_eq!(r.status(), 403);

    // Anyone lists and downloads; the registration page links the document.
    let list: Value = srv.client.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let id = list[0]["id"].as_i64().unwrap();
    let r = srv.client.get(srv.url(&format!("/api/plans/{plan}/documents/{id}"))).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    assert_eq!(srv.client.get(srv.url(&format!("/api/plans/{plan}/documents/{}", id + 1))).send().await.unwrap().status(), 404);
    let page = srv.client.get(srv.url(&format!("/register/{plan}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("/api/plans/{plan}/documents/{id}")) && page.contains("考试须知"));
    srv.stop().await;
}
