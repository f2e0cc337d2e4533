//! The camera domain's SQL — insert, lists, duty lookups, status reports, update, delete —
//! against SQLite and a real throwaway PostgreSQL.

use proctor_api::affairs;
use proctor_api::camera::queries::{self as cams, NewCamera};
use proctor_api::db::Db;

async fn story(db: &Db) {
    let site = affairs::queries::insert_site(db, "贵阳考点", "观山湖区").await.unwrap();
    let room = affairs::queries::insert_room(db, site, "第一考场", 30).await.unwrap();
    let new = |label| NewCamera {
        room,
        label,
        url: "rtsp://192.0.2.1/cam",
        username_enc: "sealed-user",
        password_enc: "sealed-pass",
        enabled: true,
    };
    let a = cams::insert(db, new("前门")).await.unwrap();
    let b = cams::insert(db, NewCamera { enabled: false, ..new("后门") }).await.unwrap();
    assert!(cams::insert(db, new("前门")).await.is_err(), "label unique per room");

    let row = cams::get(db, a).await.unwrap().unwrap();
    assert_eq!((row.room_name.as_str(), row.site_name.as_str()), ("第一考场", "贵阳考点"));
    assert_eq!((row.status.as_str(), row.enabled), ("connecting", 1));
    assert_eq!(cams::in_room(db, room).await.unwrap().len(), 2);
    assert_eq!(cams::all(db).await.unwrap().len(), 2);
    let enabled: Vec<i64> = cams::enabled(db).await.unwrap().iter().map(|c| c.room_camera_id).collect();
    assert_eq!(enabled, vec![a]);
    assert!(cams::on_duty(db, 1).await.unwrap().is_empty());
    assert!(!cams::is_on_duty_in(db, 1, room).await.unwrap());

    cams::set_status(db, a, "online", None).await.unwrap();
    let on = cams::get(db, a).await.unwrap().unwrap();
    assert_eq!(on.status, "online");
    assert!(on.last_online_at.is_some() && on.last_error.is_none());
    cams::set_status(db, a, "unauthorised", Some("401")).await.unwrap();
    let off = cams::get(db, a).await.unwrap().unwrap();
    assert_eq!((off.status.as_str(), off.last_error.as_deref()), ("unauthorised", Some("401")));
    assert!(off.last_offline_at.is_some() && off.last_online_at.is_some());
    // A disabled camera ignores late reports.
    cams::set_status(db, b, "online", None).await.unwrap();
    assert_eq!(cams::get(db, b).await.unwrap().unwrap().status, "disabled");

    let mut changed = off.clone();
    changed.label = "前门（广角）".into();
    changed.enabled = 0;
    changed.status = "disabled".into();
    cams::update(db, &changed).await.unwrap();
    let after = cams::get(db, a).await.unwrap().unwrap();
    assert_eq!((after.label.as_str(), after.enabled, after.status.as_str()), ("前门（广角）", 0, "disabled"));
    cams::delete(db, b).await.unwrap();
    assert!(cams::get(db, b).await.unwrap().is_none());
}

#[tokio::test]
async fn camera_store_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&Db::sqlite_url(dir.path())).await.unwrap();
    story(&db).await;
}

#[tokio::test]
async fn camera_store_on_postgres() {
    let pg = proctor_tests::postgres::TempPostgres::start().unwrap();
    let url = pg.database("camera_store").unwrap();
    let db = Db::connect(&url).await.unwrap();
    story(&db).await;
    db.pool.close().await;
}
