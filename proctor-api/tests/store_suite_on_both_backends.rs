//! One story through every table's SQL, run against SQLite and against a real PostgreSQL
//! (a throwaway cluster from Debian's binaries), so the portable SQL stays portable.

use proctor_api::auth::queries::{self, NewAccount};
use proctor_api::db::Db;
use proctor_api::error::ApiError;
use proctor_api::{audit, org};

async fn story(db: &Db) {
    // Accounts: insert, read back, duplicates name the column.
    let id = queries::insert_account(
        db,
        NewAccount { username: "li.na", display_name: "李娜", role: "staff", password_hash: "h", must_change_password: true },
    )
    .await
    .unwrap();
    let acc = queries::account_by_username(db, "li.na").await.unwrap().unwrap();
    assert_eq!((acc.account_id, acc.display_name.as_str(), acc.must_change_password), (id, "李娜", 1));
    let dup = queries::insert_account(
        db,
        NewAccount { username: "li.na", display_name: "x", role: "staff", password_hash: "h", must_change_password: true },
    )
    .await
    .unwrap_err();
    let body = ApiError::from(dup).body();
    assert_eq!((body.code, body.field.as_deref()), ("already_exists", Some("username")));

    queries::update_account(db, id, "李娜娜", "examiner", true).await.unwrap();
    let acc = queries::account_by_id(db, id).await.unwrap().unwrap();
    assert_eq!((acc.display_name.as_str(), acc.role.as_str(), acc.disabled), ("李娜娜", "examiner", 1));

    // Failed sign-ins lock at the limit and clear on success.
    for _ in 0..2 {
        queries::record_failed_login(db, id, 3, "2999-01-01T00:00:00.000Z").await.unwrap();
    }
    assert_eq!(queries::account_by_id(db, id).await.unwrap().unwrap().locked_until, None);
    queries::record_failed_login(db, id, 3, "2999-01-01T00:00:00.000Z").await.unwrap();
    let acc = queries::account_by_id(db, id).await.unwrap().unwrap();
    assert_eq!((acc.failed_logins, acc.locked_until.as_deref()), (3, Some("2999-01-01T00:00:00.000Z")));
    queries::clear_failed_logins(db, id).await.unwrap();
    assert_eq!(queries::account_by_id(db, id).await.unwrap().unwrap().failed_logins, 0);

    // Sessions: live ones resolve, expired and revoked ones do not.
    let now = "2026-06-01T00:00:00.000Z";
    queries::insert_session(db, "live", id, "2026-06-02T00:00:00.000Z", Some("127.0.0.1")).await.unwrap();
    queries::insert_session(db, "old", id, "2026-05-31T00:00:00.000Z", None).await.unwrap();
    let (who, exp) = queries::account_by_session(db, "live", now).await.unwrap().unwrap();
    assert_eq!((who.account_id, exp.as_str()), (id, "2026-06-02T00:00:00.000Z"));
    assert!(queries::account_by_session(db, "old", now).await.unwrap().is_none());
    queries::revoke_session(db, "live").await.unwrap();
    assert!(queries::account_by_session(db, "live", now).await.unwrap().is_none());
    queries::insert_session(db, "a", id, "2026-06-02T00:00:00.000Z", None).await.unwrap();
    queries::insert_session(db, "b", id, "2026-06-02T00:00:00.000Z", None).await.unwrap();
    // "a", "b" and the expired "old" were still unrevoked.
    assert_eq!(queries::revoke_all_sessions(db, id).await.unwrap(), 3);

    // Organisation profile: empty, then upserted twice.
    assert_eq!(org::queries::get(db).await.unwrap().updated_at, None);
    let mut p = org::OrgProfileInput {
        name: "贵州某职业技能评价中心".into(),
        accreditation_no: "GZ-2026-001".into(),
        address: "贵阳市".into(),
        contact_phone: "0851-0000000".into(),
        contact_email: "a@b.cn".into(),
        website: String::new(),
        introduction: "第一段\n第二段".into(),
    };
    org::queries::put(db, &p, id).await.unwrap();
    p.name = "改名后的中心".into();
    org::queries::put(db, &p, id).await.unwrap();
    let got = org::queries::get(db).await.unwrap();
    assert_eq!(got.fields, p);
    assert!(got.updated_at.is_some());

    // Audit: appended and filtered.
    audit::record(db, None, "x.one", "thing", Some("1"), serde_json::json!({"a": 1})).await.unwrap();
    audit::record(db, None, "x.two", "thing", Some("2"), serde_json::json!({})).await.unwrap();
    audit::record(db, None, "y", "other", None, serde_json::json!({})).await.unwrap();
    let q = audit::AuditQuery { target_kind: Some("thing".into()), target_id: None, limit: None };
    let evs = audit::list(db, &q).await.unwrap();
    assert_eq!(evs.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["x.two", "x.one"]);
    let q = audit::AuditQuery { target_kind: Some("thing".into()), target_id: Some("1".into()), limit: Some(10) };
    let evs = audit::list(db, &q).await.unwrap();
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].detail, r#"{"a":1}"#);
}

#[tokio::test]
async fn store_story_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&Db::sqlite_url(dir.path())).await.unwrap();
    story(&db).await;
    // Migrations are idempotent on a second start.
    drop(db);
    let db = Db::connect(&Db::sqlite_url(dir.path())).await.unwrap();
    assert!(queries::account_by_username(&db, "li.na").await.unwrap().is_some());
}

#[tokio::test]
async fn store_story_on_postgres() {
    let pg = proctor_tests::postgres::TempPostgres::start().unwrap();
    let url = pg.database("store_suite").unwrap();
    let db = Db::connect(&url).await.unwrap();
    story(&db).await;
    db.pool.close().await;
    let db = Db::connect(&url).await.unwrap();
    assert!(queries::account_by_username(&db, "li.na").await.unwrap().is_some());
    db.pool.close().await;
}
