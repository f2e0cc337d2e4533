//! The thumbnail table's SQL (indexing announcements, filtering, the newest per participant)
//! against SQLite and a real PostgreSQL.

use media_server::{MediaEvent, ParticipantId, RoomId};
use proctor_api::db::Db;
use proctor_api::recording::index_event;
use proctor_api::recording::thumbnail_queries::{self as q, ThumbFilter};

fn thumb(room: &str, who: &str, at_ms: u64) -> MediaEvent {
    MediaEvent::Thumbnail {
        room: RoomId::from(room),
        participant: ParticipantId::from(who),
        key: format!("thumbs/{room}/{who}/{at_ms}.jpg"),
        at_ms,
        width: 320,
        height: 180,
    }
}

async fn story(db: &Db) {
    for e in [
        thumb("check-5", "candidate:5", 10_000),
        thumb("check-5", "candidate:5", 40_000),
        thumb("check-5", "candidate:5", 40_000),
        thumb("check-5", "candidate:5", 70_000),
        thumb("room-1", "camera:1", 20_000),
        thumb("room-1", "camera:1", 50_000),
        thumb("room-1", "camera:2", 30_000),
    ] {
        index_event(db, &e).await.unwrap();
    }
    let by_candidate = ThumbFilter { candidate_id: Some(5), ..Default::default() };
    let rows = q::thumbnails(db, &by_candidate, 100).await.unwrap();
    let at: Vec<i64> = rows.iter().map(|r| r.at_ms).collect();
    assert_eq!(at, vec![10_000, 40_000, 70_000], "duplicates ignored, oldest first");
    assert_eq!((rows[0].width, rows[0].height, rows[0].candidate_id), (320, 180, Some(5)));
    assert_eq!(rows[0].object_key, "thumbs/check-5/candidate:5/10000.jpg");

    let window = ThumbFilter {
        room: Some("check-5".into()),
        participant: Some("candidate:5".into()),
        from_ms: Some(40_000),
        to_ms: Some(70_000),
        ..Default::default()
    };
    let at: Vec<i64> = q::thumbnails(db, &window, 100).await.unwrap().iter().map(|r| r.at_ms).collect();
    assert_eq!(at, vec![40_000, 70_000], "bounds inclusive");
    assert_eq!(q::thumbnails(db, &window, 1).await.unwrap().len(), 1);
    assert_eq!(q::thumbnails(db, &ThumbFilter::default(), 100).await.unwrap().len(), 6);
    let cameras = q::thumbnails(db, &ThumbFilter { room: Some("room-1".into()), ..Default::default() }, 100).await.unwrap();
    assert!(cameras.iter().all(|r| r.candidate_id.is_none()));
    let in_rooms = |rooms: Vec<&str>| ThumbFilter { rooms: Some(rooms.into_iter().map(String::from).collect()), ..Default::default() };
    assert_eq!(q::thumbnails(db, &in_rooms(vec!["room-1", "elsewhere"]), 100).await.unwrap().len(), 3, "a session's rooms");
    assert_eq!(q::thumbnails(db, &in_rooms(vec!["room-1", "check-5"]), 100).await.unwrap().len(), 6);
    assert!(q::thumbnails(db, &in_rooms(vec![]), 100).await.unwrap().is_empty(), "no rooms, nothing");

    let latest = q::latest_in_room(db, "room-1").await.unwrap();
    let got: Vec<(&str, i64)> = latest.iter().map(|r| (r.participant.as_str(), r.at_ms)).collect();
    assert_eq!(got, vec![("camera:1", 50_000), ("camera:2", 30_000)], "the newest per participant");
    assert!(q::latest_in_room(db, "nobody-here").await.unwrap().is_empty());
}

#[tokio::test]
async fn recording_thumbnail_store_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&Db::sqlite_url(dir.path())).await.unwrap();
    story(&db).await;
}

#[tokio::test]
async fn recording_thumbnail_store_on_postgres() {
    let pg = proctor_tests::postgres::TempPostgres::start().unwrap();
    let url = pg.database("recording_thumbnail_store").unwrap();
    let db = Db::connect(&url).await.unwrap();
    story(&db).await;
    db.pool.close().await;
}
