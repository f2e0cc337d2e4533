//! A bank import whose reading was cut off by the server stopping never stays `parsing`:
//! the next start marks it failed with a reason in both languages, so the import page stops
//! waiting and the user uploads again. Imports that had finished reading are left alone.

#[path = "fixtures/bank/client.rs"]
mod client;
mod common;

use common::{NEW_PASSWORD, TestServer};
use proctor_api::db::Db;
use serde_json::Value;

#[tokio::test]
async fn bank_import_interrupted_by_a_restart_fails_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let srv = TestServer::start_with(|s| s.data_dir = data.clone()).await;
    let (_, staff) = client::staff(&srv).await;
    let bank = client::create_bank(&srv, &staff, "6-31-01-03", "theory").await;
    let me: Value = srv.client.get(srv.url("/api/auth/me")).bearer_auth(&staff).send().await.unwrap().json().await.unwrap();
    let staff_id = me["id"].as_i64().unwrap();

    // The server stops while a job is reading one file; another file was read completely.
    let db = Db::connect(&Db::sqlite_url(dir.path())).await.unwrap();
    let empty = r#"{"items":[],"repeated_in_file":0}"#;
    let cut_off = proctor_api::bank::queries::insert_import(&db, bank, "xlsx", "ab12", empty, staff_id).await.unwrap();
    let read = proctor_api::bank::queries::insert_import(&db, bank, "xlsx", "cd34", empty, staff_id).await.unwrap();
    proctor_api::bank::queries::finish_import(&db, read, "preview", empty, "[]", 0).await.unwrap();
    db.pool.close().await;
    srv.stop().await;

    let srv = TestServer::start_with(|s| s.data_dir = data.clone()).await;
    let r = srv.login("wang.staff", NEW_PASSWORD).await;
    assert_eq!(r.status(), 200);
    let staff = r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let (status, imp) = client::get(&srv, &staff, &format!("/api/imports/{cut_off}")).await;
    assert_eq!(status, 200, "{imp}");
    assert_eq!(imp["status"], "failed", "{imp}");
    let err = &imp["errors"][0];
    assert!(err["en"].as_str().unwrap().contains("restarted"), "{imp}");
    assert!(err["zh"].as_str().unwrap().contains("重新上传"), "{imp}");
    let (_, other) = client::get(&srv, &staff, &format!("/api/imports/{read}")).await;
    assert_eq!(other["status"], "preview", "a finished read is untouched: {other}");
    srv.stop().await;
}
