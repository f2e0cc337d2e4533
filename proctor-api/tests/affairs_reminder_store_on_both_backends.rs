//! The SQL added for reminders, second registrations, the real-name policy setting and the
//! duty roster, run against SQLite and a real throwaway PostgreSQL.

use proctor_api::auth::queries::{self as accounts, NewAccount};
use proctor_api::db::Db;
use proctor_api::registration::queries::{self as reg, Fields};
use proctor_api::{affairs, plan};

fn fields<'a>(hash: &'a str) -> Fields<'a> {
    Fields {
        name: "张三",
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
        work_unit: "甲公司",
        years_in_occupation: 5,
        declared_level: 3,
        realname_result: "match",
        warnings: "[]",
    }
}

async fn account(db: &Db, username: &str, role: &str, disabled: bool) -> i64 {
    let id = accounts::insert_account(
        db,
        NewAccount {
            username,
            display_name: username,
            role,
            password_hash: "h",
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    if disabled {
        sqlx::query("UPDATE account SET disabled = 1 WHERE account_id = $1")
            .bind(id)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    id
}

async fn new_plan(db: &Db, code: &str) -> i64 {
    plan::queries::insert_plan(
        db,
        &plan::queries::NewPlan {
            code,
            title: "计划",
            occupation_code: "6-31-01-03",
            occupation_name: "电工",
            level: 3,
            opens_at: "2026-01-01T00:00:00.000Z",
            closes_at: "2026-12-31T00:00:00.000Z",
            realname_policy: "warn",
        },
    )
    .await
    .unwrap()
}

async fn story(db: &Db) {
    let cand = account(db, "13912345678", "candidate", false).await;
    let staff = account(db, "kw", "staff", false).await;
    account(db, "kp", "examiner", false).await;
    account(db, "jk", "invigilator", false).await;
    account(db, "old", "supervisor", true).await;
    let people = affairs::queries::duty_people(db).await.unwrap();
    assert_eq!(
        people
            .iter()
            .map(|p| (p.1.as_str(), p.3.as_str()))
            .collect::<Vec<_>>(),
        [("kp", "examiner"), ("jk", "invigilator")],
        "enabled duty roles only, the candidate and staff left out"
    );

    let p1 = new_plan(db, "P1").await;
    let p2 = new_plan(db, "P2").await;
    plan::queries::set_realname_policy(db, p1, "block")
        .await
        .unwrap();
    assert_eq!(
        plan::queries::plan(db, p1)
            .await
            .unwrap()
            .unwrap()
            .realname_policy,
        "block"
    );

    let site = affairs::queries::insert_site(db, "考点", "地址")
        .await
        .unwrap();
    let room = affairs::queries::insert_room(db, site, "101", 5)
        .await
        .unwrap();
    let soon = plan::queries::insert_session(
        db,
        p1,
        "明天",
        "2026-12-20T01:00:00.000Z",
        "2026-12-20T02:00:00.000Z",
        room,
    )
    .await
    .unwrap();
    plan::queries::insert_session(
        db,
        p1,
        "下周",
        "2026-12-27T01:00:00.000Z",
        "2026-12-27T02:00:00.000Z",
        room,
    )
    .await
    .unwrap();
    let due = plan::queries::sessions_starting_between(
        db,
        "2026-12-19T01:00:00.000Z",
        "2026-12-20T01:00:00.000Z",
    )
    .await
    .unwrap();
    assert_eq!(
        due.iter().map(|s| s.exam_session_id).collect::<Vec<_>>(),
        [soon]
    );
    assert_eq!(due[0].site_name, "考点");

    let r1 = reg::insert(db, p1, cand, &fields("h1"), "同意")
        .await
        .unwrap();
    reg::add_file(
        db,
        r1,
        "photo",
        "registration/a.bin",
        "image/png",
        10,
        "s1",
        "[]",
    )
    .await
    .unwrap();
    reg::add_file(
        db,
        r1,
        "photo",
        "registration/b.bin",
        "image/png",
        11,
        "s2",
        "[]",
    )
    .await
    .unwrap();
    reg::add_file(
        db,
        r1,
        "diploma",
        "registration/c.bin",
        "application/pdf",
        12,
        "s3",
        "[]",
    )
    .await
    .unwrap();
    // The second registration of the same person takes the current files only.
    let r2 = reg::insert(db, p2, cand, &fields("h1"), "同意")
        .await
        .unwrap();
    assert_eq!(reg::copy_current_files(db, r1, r2).await.unwrap(), 2);
    let copied = reg::current_files(db, r2).await.unwrap();
    assert_eq!(
        copied
            .iter()
            .map(|f| (f.kind.as_str(), f.stored_name.as_str()))
            .collect::<Vec<_>>(),
        [
            ("diploma", "registration/c.bin"),
            ("photo", "registration/b.bin")
        ]
    );

    // Reminders: only approved, seated candidates, and each once.
    affairs::queries::seat(db, r1, soon, 3, "P1001003")
        .await
        .unwrap();
    assert!(
        affairs::queries::unreminded(db, soon)
            .await
            .unwrap()
            .is_empty(),
        "not approved yet"
    );
    assert!(reg::decide(db, r1, "approved", None, staff).await.unwrap());
    assert_eq!(
        affairs::queries::unreminded(db, soon).await.unwrap(),
        [(r1, 3)]
    );
    assert!(
        affairs::queries::claim_reminder(db, r1, soon)
            .await
            .unwrap()
    );
    assert!(
        !affairs::queries::claim_reminder(db, r1, soon)
            .await
            .unwrap(),
        "a second claim loses"
    );
    assert!(
        affairs::queries::unreminded(db, soon)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn reminder_store_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&Db::sqlite_url(dir.path())).await.unwrap();
    story(&db).await;
}

#[tokio::test]
async fn reminder_store_on_postgres() {
    let pg = proctor_tests::postgres::TempPostgres::start().unwrap();
    let url = pg.database("reminder_store").unwrap();
    let db = Db::connect(&url).await.unwrap();
    story(&db).await;
    db.pool.close().await;
}
