//! The recording tables' SQL (indexing recorder events, listing, segments, gaps) against
//! SQLite and a real PostgreSQL. A candidate's screen share (`candidate:5:screen`) is its own
//! recording that still belongs to the candidate; candidate 55 is not candidate 5.

use media_server::record::GapReason;
use media_server::{Codec, MediaEvent, ParticipantId, RoomId, TrackKind};
use proctor_api::db::Db;
use proctor_api::recording::{index_event, queries};

fn segment(room: &str, who: &str, start: u64, end: u64) -> MediaEvent {
    MediaEvent::RecordingSegment {
        room: RoomId::from(room),
        participant: ParticipantId::from(who),
        kind: TrackKind::Video,
        index: format!("recordings/{room}/{who}/video/index.json"),
        key: format!("recordings/{room}/{who}/video/{start}.webm"),
        codec: Codec::Vp8,
        start_ms: start,
        end_ms: end,
        bytes: 1000,
    }
}

async fn story(db: &Db) {
    for e in [
        segment("check-5", "candidate:5", 10_000, 70_000),
        segment("check-5", "candidate:5", 70_000, 130_000),
        segment("check-5", "candidate:5", 70_000, 130_000),
        segment("room-1", "camera:1", 0, 60_000),
        MediaEvent::RecordingGap {
            room: RoomId::from("check-5"),
            participant: ParticipantId::from("candidate:5"),
            kind: TrackKind::Video,
            index: "recordings/check-5/candidate:5/video/index.json".into(),
            from_ms: 130_000,
            to_ms: 140_000,
            reason: GapReason::ServerRestart,
        },
        segment("check-5", "candidate:5", 140_000, 150_000),
        segment("check-5", "candidate:5:screen", 12_000, 72_000),
        MediaEvent::RecordingGap {
            room: RoomId::from("check-5"),
            participant: ParticipantId::from("candidate:5:screen"),
            kind: TrackKind::Video,
            index: "recordings/check-5/candidate:5:screen/video/index.json".into(),
            from_ms: 72_000,
            to_ms: 80_000,
            reason: GapReason::PublisherReconnect,
        },
        segment("check-55", "candidate:55", 0, 60_000),
    ] {
        index_event(db, &e).await.unwrap();
    }
    let by_candidate = queries::Filter { candidate_id: Some(5), ..Default::default() };
    let groups = queries::recordings(db, &by_candidate).await.unwrap();
    let who: Vec<&str> = groups.iter().map(|g| g.participant.as_str()).collect();
    assert_eq!(groups.len(), 2, "camera and screen of candidate 5, not candidate 55: {who:?}");
    let g = groups.iter().find(|g| g.participant == "candidate:5").unwrap();
    assert_eq!((g.segments, g.size_bytes, g.start_ms, g.end_ms), (3, 3000, 10_000, 150_000), "duplicates ignored");
    assert_eq!(g.kind, "video");
    let screen = groups.iter().find(|g| g.participant == "candidate:5:screen").unwrap();
    assert_eq!((screen.segments, screen.start_ms, screen.candidate_id), (1, 12_000, Some(5)));
    let mut reasons: Vec<String> = queries::gaps(db, &by_candidate).await.unwrap().into_iter().map(|g| g.reason).collect();
    reasons.sort();
    assert_eq!(reasons, vec!["publisher_reconnect", "server_restart"], "both sources' gaps, nobody else's");

    let all = queries::recordings(db, &queries::Filter::default()).await.unwrap();
    assert_eq!(all.len(), 4);
    let window = queries::Filter {
        room: Some("check-5".into()),
        participant: Some("candidate:5".into()),
        kind: Some("video".into()),
        from_ms: Some(69_000),
        to_ms: Some(135_000),
        ..Default::default()
    };
    let segs = queries::segments(db, &window).await.unwrap();
    let starts: Vec<i64> = segs.iter().map(|s| s.start_ms).collect();
    assert_eq!(starts, vec![10_000, 70_000], "segments overlapping the window, in order");
    assert_eq!(segs[0].codec, "vp8");
    assert_eq!(queries::gaps(db, &window).await.unwrap().len(), 1);
    let in_rooms = |rooms: &[&str]| queries::Filter {
        rooms: Some(rooms.iter().map(|r| r.to_string()).collect()),
        ..Default::default()
    };
    let rooms_of = |groups: Vec<queries::GroupRow>| groups.into_iter().map(|g| g.room).collect::<Vec<_>>();
    assert_eq!(rooms_of(queries::recordings(db, &in_rooms(&["room-1", "room-9"])).await.unwrap()), vec!["room-1"]);
    assert_eq!(queries::recordings(db, &in_rooms(&["room-1", "check-5"])).await.unwrap().len(), 3);
    assert!(queries::recordings(db, &in_rooms(&[])).await.unwrap().is_empty(), "no rooms: nothing");
    assert!(!queries::on_duty(db, 1, 1).await.unwrap());
    assert!(queries::session_window(db, 999).await.unwrap().is_none());
    assert!(queries::seated_candidates(db, 999).await.unwrap().is_empty());
}

#[tokio::test]
async fn recording_store_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&Db::sqlite_url(dir.path())).await.unwrap();
    story(&db).await;
}

#[tokio::test]
async fn recording_store_on_postgres() {
    let pg = proctor_tests::postgres::TempPostgres::start().unwrap();
    let url = pg.database("recording_store").unwrap();
    let db = Db::connect(&url).await.unwrap();
    story(&db).await;
    db.pool.close().await;
}
