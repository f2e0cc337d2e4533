//! The face tables' SQL (enrolments, checks and reviews, re-check plans and moments,
//! alerts) as one story, against SQLite and a real throwaway PostgreSQL.

use proctor_api::auth::queries::{self as accounts, NewAccount};
use proctor_api::db::Db;
use proctor_api::face::queries::{self as face, NewCheck, NewEnrolment};
use proctor_api::registration::queries::{self as reg, Fields};
use proctor_api::{affairs, plan};

async fn account(db: &Db, username: &str, role: &str) -> i64 {
    accounts::insert_account(
        db,
        NewAccount { username, display_name: username, role, password_hash: "h", must_change_password: false },
    )
    .await
    .unwrap()
}

fn check(account: i64, kind: &str, outcome: &str, session: Option<i64>) -> NewCheck<'static> {
    let kind: &'static str = if kind == "checkin" { "checkin" } else { "recheck" };
    let outcome: &'static str = match outcome {
        "passed" => "passed",
        "review" => "review",
        _ => "failed",
    };
    NewCheck {
        account_id: account,
        kind,
        exam_session_id: session,
        face_enrolment_id: None,
        frame_source: "still",
        frame_key: Some("face/checks/1/a.jpg"),
        matched: outcome == "passed",
        distance_e4: Some(6123),
        threshold_e4: 5493,
        reason: Some("mismatch"),
        faces: 1,
        liveness_e4: Some(8123),
        liveness_method: Some("human-antispoof-3.3.6"),
        outcome,
    }
}

async fn story(db: &Db) {
    let cand = account(db, "13912345678", "candidate").await;
    let inv = account(db, "jk", "invigilator").await;
    assert_eq!(face::account_name(db, cand).await.unwrap().unwrap().1, "candidate");

    // Enrolments: a refusal, then a success; the current one is the newest success.
    for (status, emb) in [("refused", None), ("enrolled", Some("sealed")), ("refused", None)] {
        face::insert_enrolment(
            db,
            NewEnrolment {
                account_id: cand,
                source: "registration_photo",
                registration_id: None,
                status,
                reason: emb.is_none().then_some("multiple_faces"),
                embedding_enc: emb,
                photo_key: "face/enrolments/1/p.jpg",
                detail: "{}",
                enrolled_by: Some(inv),
            },
        )
        .await
        .unwrap();
    }
    let current = face::current_enrolment(db, cand).await.unwrap().unwrap();
    assert_eq!((current.status.as_str(), current.embedding_enc.as_deref()), ("enrolled", Some("sealed")));
    assert_eq!(face::enrolments(db, cand).await.unwrap().len(), 3);
    assert!(face::current_enrolment(db, inv).await.unwrap().is_none());

    // Checks, the review queue and one decision.
    face::insert_check(db, check(cand, "checkin", "failed", None)).await.unwrap();
    let review = face::insert_check(db, check(cand, "checkin", "review", None)).await.unwrap();
    assert_eq!(face::pending_reviews(db).await.unwrap()[0].face_check_id, review);
    assert!(face::decide(db, review, "approved", inv, Some("本人")).await.unwrap());
    assert!(!face::decide(db, review, "rejected", inv, None).await.unwrap());
    let row = face::check(db, review).await.unwrap().unwrap();
    assert_eq!((row.outcome.as_str(), row.reviewed_by, row.liveness_e4), ("approved", Some(inv), Some(8123)));
    assert_eq!(face::checks(db, cand).await.unwrap()[0].face_check_id, review);

    // A seated candidate in a session with an invigilator on duty.
    let p = plan::queries::insert_plan(
        db,
        &plan::queries::NewPlan {
            code: "F1",
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
    .unwrap();
    let site = affairs::queries::insert_site(db, "考点", "地址").await.unwrap();
    let room = affairs::queries::insert_room(db, site, "101", 2).await.unwrap();
    let session = plan::queries::insert_session(db, p, "第一场", "2026-12-20T01:00:00.000Z", "2026-12-20T02:30:00.000Z", room)
        .await
        .unwrap();
    let f = Fields {
        name: "张三",
        gender: "male",
        id_type: "resident_id",
        id_number_enc: "sealed-id",
        id_number_hash: "h1",
        id_number_masked: "520102********0011",
        birth_date: "1990-03-15",
        phone_enc: "sealed-phone",
        phone_hash: "ph",
        phone_masked: "139****5678",
        education: "高中",
        work_unit: "贵阳供电局",
        years_in_occupation: 5,
        declared_level: 3,
        realname_result: "match",
        warnings: "[]",
    };
    let r = reg::insert(db, p, cand, &f, "同意").await.unwrap();
    assert!(reg::decide(db, r, "approved", None, inv).await.unwrap());
    affairs::queries::seat(db, r, session, 1, "T-1").await.unwrap();
    affairs::queries::insert_duty(db, session, inv, "invigilator", "中心", "").await.unwrap();
    assert_eq!(face::session_candidates(db, session).await.unwrap(), vec![cand]);
    assert_eq!(face::session_staff(db, session).await.unwrap(), vec![inv]);
    assert_eq!(face::session_times(db, session).await.unwrap().unwrap().starts_at, "2026-12-20T01:00:00.000Z");

    // Re-check plan: replacing it drops the moments not yet due.
    let slots = vec![(cand, "2026-01-01T00:00:00.000Z".to_owned()), (cand, "2099-01-01T00:00:00.000Z".to_owned())];
    face::replace_plan(db, session, 2, "2026-01-01T00:00:00.000Z", "2099-01-01T00:00:00.000Z", inv, &slots).await.unwrap();
    face::replace_plan(db, session, 2, "2026-01-01T00:00:00.000Z", "2099-01-01T00:00:00.000Z", inv, &slots).await.unwrap();
    let now = "2026-06-01T00:00:00.000Z";
    let due = face::due_pending(db, now).await.unwrap();
    assert_eq!(due.len(), 1, "one of the two moments has come");
    assert_eq!(face::ask_due(db, now).await.unwrap(), 1, "one of the two moments has come");
    assert!(!face::ask_one(db, due[0].face_recheck_slot_id, now).await.unwrap(), "already asked");
    assert!(face::due_pending(db, now).await.unwrap().is_empty());
    let asked = face::asked_for(db, cand).await.unwrap().unwrap();
    assert_eq!(asked.due_at, "2026-01-01T00:00:00.000Z");
    assert_eq!(face::slot(db, asked.face_recheck_slot_id).await.unwrap().unwrap().state, "asked");
    assert!(face::unanswered(db, "2026-05-01T00:00:00.000Z").await.unwrap().is_empty());
    assert_eq!(face::unanswered(db, "2099-01-01T00:00:00.000Z").await.unwrap().len(), 1);
    let rc = face::insert_check(db, check(cand, "recheck", "failed", Some(session))).await.unwrap();
    assert!(face::close_slot(db, asked.face_recheck_slot_id, rc).await.unwrap());
    assert!(!face::close_slot(db, asked.face_recheck_slot_id, rc).await.unwrap());
    assert!(face::asked_for(db, cand).await.unwrap().is_none());

    // Alerts: open first, acknowledged once.
    let a = face::insert_alert(db, rc, cand, Some(session), "mismatch").await.unwrap();
    assert_eq!(face::alert_account(db, a).await.unwrap(), Some(cand));
    assert_eq!(face::alert_account(db, a + 100).await.unwrap(), None);
    assert!(face::acknowledge(db, a, inv).await.unwrap());
    assert!(!face::acknowledge(db, a, inv).await.unwrap());
    let b = face::insert_alert(db, rc, cand, None, "no_frame").await.unwrap();
    let list = face::alerts(db).await.unwrap();
    assert_eq!((list[0].face_alert_id, list[1].face_alert_id), (b, a));
    assert_eq!(list[1].acknowledged_by, Some(inv));
}

#[tokio::test]
async fn face_store_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&Db::sqlite_url(dir.path())).await.unwrap();
    story(&db).await;
}

#[tokio::test]
async fn face_store_on_postgres() {
    let pg = proctor_tests::postgres::TempPostgres::start().unwrap();
    let url = pg.database("face_store").unwrap();
    let db = Db::connect(&url).await.unwrap();
    story(&db).await;
    db.pool.close().await;
}
