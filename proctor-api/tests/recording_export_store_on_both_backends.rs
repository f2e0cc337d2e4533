//! The export queue's SQL (queue, claim in order, progress, finish, fail, re-queue after a
//! stop, expiry, a recording's span) against SQLite and a real PostgreSQL.

use media_server::{Codec, MediaEvent, ParticipantId, RoomId, TrackKind};
use proctor_api::db::Db;
use proctor_api::recording::export_queries as q;
use proctor_api::recording::index_event;

async fn story(db: &Db) {
    proctor_api::ensure_admin(
        db,
        Some(&proctor_api::settings::Secret("Export-store-2026".into())),
    )
    .await
    .unwrap();
    let admin: i64 = sqlx::query_scalar("SELECT account_id FROM account WHERE username = 'admin'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    for (start, kind) in [
        (10_000u64, TrackKind::Video),
        (70_000, TrackKind::Video),
        (12_000, TrackKind::Audio),
    ] {
        let ev = MediaEvent::RecordingSegment {
            room: RoomId::from("check-5"),
            participant: ParticipantId::from("candidate:5"),
            kind,
            index: format!("recordings/check-5/candidate:5/{kind:?}/index.json"),
            key: format!("recordings/check-5/candidate:5/{kind:?}/{start}.webm"),
            codec: if kind == TrackKind::Video {
                Codec::Vp8
            } else {
                Codec::Opus
            },
            start_ms: start,
            end_ms: start + 60_000,
            bytes: 1000,
        };
        index_event(db, &ev).await.unwrap();
    }
    assert_eq!(
        q::recording_span(db, "check-5", "candidate:5")
            .await
            .unwrap(),
        Some((10_000, 130_000))
    );
    assert_eq!(
        q::recording_span(db, "check-5", "candidate:6")
            .await
            .unwrap(),
        None
    );

    let new = |from_ms, format| q::NewExport {
        account_id: admin,
        room: "check-5",
        participant: "candidate:5",
        session_id: None,
        from_ms,
        to_ms: from_ms + 30_000,
        format,
    };
    let first = q::insert(db, &new(10_000, "mp4")).await.unwrap();
    let second = q::insert(db, &new(20_000, "remux")).await.unwrap();
    let job = q::claim_next(db).await.unwrap().expect("a queued job");
    assert_eq!(
        (job.recording_export_id, job.status.as_str()),
        (first, "running"),
        "oldest first"
    );
    assert!(job.started_at.is_some());
    q::set_progress(db, first, 420).await.unwrap();
    assert_eq!(
        q::get(db, first).await.unwrap().unwrap().progress_permille,
        420
    );

    // A stop while running: queued again, claimed again before the younger job.
    assert_eq!(q::requeue_running(db).await.unwrap(), 1);
    assert_eq!(
        q::claim_next(db)
            .await
            .unwrap()
            .unwrap()
            .recording_export_id,
        first
    );
    let done = q::Done {
        result_key: "exports/1/a.mp4",
        file_name: "a.mp4",
        mime: "video/mp4",
        size_bytes: 1234,
        start_ms: 10_000,
        duration_ms: 30_000,
        video_codec: Some("h264"),
        audio_codec: Some("aac"),
    };
    q::finish(db, first, &done).await.unwrap();
    let row = q::get(db, first).await.unwrap().unwrap();
    assert_eq!(
        (row.status.as_str(), row.progress_permille, row.size_bytes),
        ("done", 1000, Some(1234))
    );
    assert_eq!(row.video_codec.as_deref(), Some("h264"));

    assert_eq!(
        q::claim_next(db)
            .await
            .unwrap()
            .unwrap()
            .recording_export_id,
        second
    );
    q::fail(db, second, "nothing was recorded in the range")
        .await
        .unwrap();
    assert!(q::claim_next(db).await.unwrap().is_none());
    let row = q::get(db, second).await.unwrap().unwrap();
    assert_eq!(
        (row.status.as_str(), row.error.as_deref()),
        ("failed", Some("nothing was recorded in the range"))
    );

    assert_eq!(q::list(db, Some(admin)).await.unwrap().len(), 2);
    assert_eq!(q::list(db, Some(admin + 100)).await.unwrap().len(), 0);
    let all = q::list(db, None).await.unwrap();
    assert_eq!(all[0].recording_export_id, second, "newest first");

    let old = q::results_before(db, "9999-01-01T00:00:00.000Z")
        .await
        .unwrap();
    assert_eq!(old, vec![(first, "exports/1/a.mp4".to_owned())]);
    assert!(
        q::results_before(db, "2000-01-01T00:00:00.000Z")
            .await
            .unwrap()
            .is_empty()
    );
    q::mark_expired(db, first).await.unwrap();
    let row = q::get(db, first).await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.result_key), ("expired", None));
}

#[tokio::test]
async fn recording_export_store_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&Db::sqlite_url(dir.path())).await.unwrap();
    story(&db).await;
}

#[tokio::test]
async fn recording_export_store_on_postgres() {
    let pg = proctor_tests::postgres::TempPostgres::start().unwrap();
    let url = pg.database("recording_export_store").unwrap();
    let db = Db::connect(&url).await.unwrap();
    story(&db).await;
    db.pool.close().await;
}
