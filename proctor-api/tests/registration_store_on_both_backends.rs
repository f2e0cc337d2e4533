//! One story through the SQL of plans, affairs, registration, identity and notifications,
//! run against SQLite and a real throwaway PostgreSQL so the portable SQL stays portable.

use proctor_api::auth::queries::{self as accounts, NewAccount};
use proctor_api::db::Db;
use proctor_api::error::ApiError;
use proctor_api::registration::queries::{self as reg, Fields};
use proctor_api::{affairs, identity, notify, plan};

fn fields<'a>(name: &'a str, hash: &'a str, unit: &'a str) -> Fields<'a> {
    Fields {
        name,
        gender: "male",
        id_type: "resident_id",
        id_number_enc: "sealed-id",
        id_number_hash: hash,
        id_number_masked: "520102********0011",
        birth_date: "1990-03-15",
        phone_enc: "sealed-phone",
        phone_hash: "ph",
        phone_masked: "139****5678",
        education: "高中",
        work_unit: unit,
        years_in_occupation: 5,
        declared_level: 3,
        realname_result: "unavailable",
        warnings: "[]",
    }
}

async fn story(db: &Db) {
    let cand = accounts::insert_account(
        db,
        NewAccount {
            username: "13912345678",
            display_name: "张三",
            role: "candidate",
            password_hash: "h",
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    let cand2 = accounts::insert_account(
        db,
        NewAccount {
            username: "13912345679",
            display_name: "李四",
            role: "candidate",
            password_hash: "h",
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    let examiner = accounts::insert_account(
        db,
        NewAccount {
            username: "kp",
            display_name: "考评员",
            role: "examiner",
            password_hash: "h",
            must_change_password: true,
        },
    )
    .await
    .unwrap();

    // Plan, subjects, state changes guarded by the current state.
    let p = plan::queries::insert_plan(
        db,
        &plan::queries::NewPlan {
            code: "P1",
            title: "计划",
            occupation_code: "6-31-01-03",
            occupation_name: "电工",
            level: 3,
            opens_at: "2026-01-01T00:00:00.000Z",
            closes_at: "2026-12-31T00:00:00.000Z",
            realname_policy: "block",
        },
    )
    .await
    .unwrap();
    plan::queries::insert_subject(db, p, "theory", "理论", 30, 6000)
        .await
        .unwrap();
    plan::queries::insert_subject(db, p, "skill", "技能", 70, 6000)
        .await
        .unwrap();
    let dup = plan::queries::insert_subject(db, p, "skill", "x", 1, 1)
        .await
        .unwrap_err();
    assert_eq!(ApiError::from(dup).body().code, "already_exists");
    assert_eq!(
        plan::queries::subjects(db, p)
            .await
            .unwrap()
            .iter()
            .map(|s| s.weight_pct)
            .sum::<i64>(),
        100
    );
    assert!(
        plan::queries::set_state(db, p, "draft", "open")
            .await
            .unwrap()
    );
    assert!(
        !plan::queries::set_state(db, p, "draft", "open")
            .await
            .unwrap()
    );
    assert_eq!(
        plan::queries::plans(db, Some("open")).await.unwrap().len(),
        1
    );
    assert_eq!(
        plan::queries::plans(db, None).await.unwrap()[0].state,
        "open"
    );

    // Published documents.
    let d = plan::queries::insert_document(db, p, "须知", "d.bin", "application/pdf", 12, examiner)
        .await
        .unwrap();
    let docs = plan::queries::documents(db, p).await.unwrap();
    assert_eq!(
        (docs.len(), docs[0].plan_document_id, docs[0].title.as_str()),
        (1, d, "须知")
    );

    // Sites, rooms, a session with its room and site joined in.
    let site = affairs::queries::insert_site(db, "考点", "地址")
        .await
        .unwrap();
    let room = affairs::queries::insert_room(db, site, "101", 2)
        .await
        .unwrap();
    assert_eq!(affairs::queries::rooms(db, site).await.unwrap()[0].seats, 2);
    affairs::queries::insert_device(db, room, "camera", "前", "rtsp://10.0.0.2/1")
        .await
        .unwrap();
    let dup = affairs::queries::insert_device(db, room, "camera", "前", "rtsp://x")
        .await
        .unwrap_err();
    assert_eq!(ApiError::from(dup).status().as_u16(), 409);
    assert_eq!(
        affairs::queries::devices(db, room).await.unwrap()[0].address,
        "rtsp://10.0.0.2/1"
    );
    let s = plan::queries::insert_session(
        db,
        p,
        "第一场",
        "2026-12-20T01:00:00.000Z",
        "2026-12-20T02:30:00.000Z",
        room,
    )
    .await
    .unwrap();
    let got = plan::queries::session(db, s).await.unwrap().unwrap();
    assert_eq!(
        (got.room_name.as_str(), got.site_name.as_str(), got.seats),
        ("101", "考点", 2)
    );

    // Registrations: unique per person and plan, decisions only from submitted.
    let r1 = reg::insert(db, p, cand, &fields("张三", "h1", "甲公司"), "consent")
        .await
        .unwrap();
    let r2 = reg::insert(db, p, cand2, &fields("李四", "h2", "乙公司"), "consent")
        .await
        .unwrap();
    let dup = reg::insert(db, p, cand2, &fields("李四", "h2", "乙公司"), "consent")
        .await
        .unwrap_err();
    assert_eq!(ApiError::from(dup).status().as_u16(), 409);
    assert!(reg::exists_for_person(db, p, "h1", 0).await.unwrap());
    assert!(!reg::exists_for_person(db, p, "h1", r1).await.unwrap());
    assert!(
        reg::decide(db, r1, "rejected", Some("照片不清晰"), examiner)
            .await
            .unwrap()
    );
    assert!(
        !reg::decide(db, r1, "approved", None, examiner)
            .await
            .unwrap()
    );
    reg::resubmit(db, r1, &fields("张三", "h1", "甲公司全称"))
        .await
        .unwrap();
    let row = reg::get(db, r1).await.unwrap().unwrap();
    assert_eq!(
        (
            row.status.as_str(),
            row.review_reason,
            row.work_unit.as_str()
        ),
        ("submitted", None, "甲公司全称")
    );
    reg::set_realname(db, r1, "match", "[]").await.unwrap();
    assert!(
        reg::decide(db, r1, "approved", None, examiner)
            .await
            .unwrap()
    );
    assert!(
        reg::decide(db, r2, "approved", None, examiner)
            .await
            .unwrap()
    );
    assert_eq!(
        reg::for_plan(db, p, Some("approved")).await.unwrap().len(),
        2
    );
    assert_eq!(
        reg::for_account(db, cand).await.unwrap()[0].realname_result,
        "match"
    );
    assert_eq!(reg::approved_matching(db, p, "张").await.unwrap().len(), 1);
    assert_eq!(reg::approved_matching(db, p, "").await.unwrap().len(), 2);
    assert_eq!(reg::approved_matching(db, p, "%").await.unwrap().len(), 2);

    // The record across plans, by hash.
    let rec = reg::record(db, "h1").await.unwrap();
    assert_eq!(
        (rec.len(), rec[0].code.as_str(), rec[0].status.as_str()),
        (1, "P1", "approved")
    );
    assert!(reg::record(db, "nobody").await.unwrap().is_empty());

    // History and files: the newest file of a kind is the current one.
    reg::add_event(db, r1, Some(cand), "submit", &serde_json::json!({"a": 1}))
        .await
        .unwrap();
    reg::add_event(db, r1, Some(examiner), "reject", &serde_json::json!({}))
        .await
        .unwrap();
    assert_eq!(
        reg::events(db, r1)
            .await
            .unwrap()
            .iter()
            .map(|e| e.action.as_str())
            .collect::<Vec<_>>(),
        ["submit", "reject"]
    );
    reg::add_file(db, r1, "photo", "a.bin", "image/png", 10, "s1", "[]")
        .await
        .unwrap();
    reg::add_file(db, r1, "photo", "b.bin", "image/jpeg", 20, "s2", "[]")
        .await
        .unwrap();
    reg::add_file(
        db,
        r1,
        "diploma",
        "c.bin",
        "application/pdf",
        30,
        "s3",
        "[]",
    )
    .await
    .unwrap();
    let files = reg::current_files(db, r1).await.unwrap();
    assert_eq!(
        files
            .iter()
            .map(|f| (f.kind.as_str(), f.stored_name.as_str()))
            .collect::<Vec<_>>(),
        [("diploma", "c.bin"), ("photo", "b.bin")]
    );

    // Seating, duty, the conflict rule's input, attendance and usage.
    assert_eq!(affairs::queries::unseated(db, p).await.unwrap(), [r1, r2]);
    affairs::queries::seat(db, r1, s, 2, "P1001002")
        .await
        .unwrap();
    assert_eq!(affairs::queries::taken_seats(db, s).await.unwrap(), [2]);
    // One candidate per seat, whatever races the seating.
    let clash = affairs::queries::seat(db, r2, s, 2, "P1001002b")
        .await
        .unwrap_err();
    assert_eq!(ApiError::from(clash).status().as_u16(), 409);
    assert_eq!(
        affairs::queries::seated_work_units(db, s).await.unwrap(),
        ["甲公司全称"]
    );
    affairs::queries::insert_duty(db, s, examiner, "examiner", "丙公司", "KP-1")
        .await
        .unwrap();
    assert_eq!(
        affairs::queries::duties(db, s).await.unwrap()[0].display_name,
        "考评员"
    );
    assert_eq!(
        affairs::queries::set_attendance(db, r1, "sat")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        affairs::queries::set_attendance(db, r2, "sat")
            .await
            .unwrap(),
        0
    );
    let u = affairs::queries::usage(db, p).await.unwrap();
    assert_eq!(
        (u.registered, u.approved, u.seated, u.sat, u.absent),
        (2, 2, 1, 1, 0)
    );
    let lines = affairs::queries::usage_lines(db, p).await.unwrap();
    assert_eq!(lines[0].ticket_no.as_deref(), Some("P1001002"));
    let empty = affairs::queries::usage(db, p + 1000).await.unwrap();
    assert_eq!((empty.registered, empty.sat), (0, 0));

    // An account whose registration failed to be stored is removed; one in use stays.
    let orphan = accounts::insert_account(
        db,
        NewAccount {
            username: "13900000000",
            display_name: "x",
            role: "candidate",
            password_hash: "h",
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    reg::remove_orphan_candidate(db, orphan).await.unwrap();
    reg::remove_orphan_candidate(db, cand).await.unwrap();
    assert!(accounts::account_by_id(db, orphan).await.unwrap().is_none());
    assert!(accounts::account_by_id(db, cand).await.unwrap().is_some());

    // Real-name settings (one row, upserted) and notifications.
    assert_eq!(identity::queries::config(db).await.unwrap(), None);
    identity::queries::put_config(db, "http://a", 1000)
        .await
        .unwrap();
    identity::queries::put_config(db, "http://b", 2000)
        .await
        .unwrap();
    assert_eq!(
        identity::queries::config(db).await.unwrap(),
        Some(("http://b".to_owned(), 2000))
    );
    assert_eq!(
        notify::queries::registrant(db, r1).await.unwrap(),
        Some((cand, "sealed-phone".to_owned()))
    );
    notify::queries::insert(
        db,
        cand,
        "review_rejected",
        "标题",
        "Title",
        "原因",
        "queued",
    )
    .await
    .unwrap();
    assert_eq!(
        notify::queries::for_account(db, cand).await.unwrap()[0].body,
        "原因"
    );
}

#[tokio::test]
async fn registration_store_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&Db::sqlite_url(dir.path())).await.unwrap();
    story(&db).await;
}

#[tokio::test]
async fn registration_store_on_postgres() {
    let pg = proctor_tests::postgres::TempPostgres::start().unwrap();
    let url = pg.database("registration_store").unwrap();
    let db = Db::connect(&url).await.unwrap();
    story(&db).await;
    db.pool.close().await;
}
