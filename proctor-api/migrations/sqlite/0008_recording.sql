-- Recordings (R5, R7): the media server records every published track into object storage
-- in segments with a JSON index per track; these tables index its announcements so staff and
-- invigilators can find recordings by room, candidate and exam session. The index.json in
-- object storage stays the source of truth; rows are added idempotently.

CREATE TABLE recording_segment (
    recording_segment_id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- media room and participant identity (`candidate:<account_id>`, `camera:<id>`, …)
    room TEXT NOT NULL,
    participant TEXT NOT NULL,
    -- the candidate's account when the participant is a candidate
    candidate_id BIGINT,
    -- audio, video
    kind TEXT NOT NULL,
    index_key TEXT NOT NULL,
    object_key TEXT NOT NULL UNIQUE,
    -- vp8, vp9, h264, h265, opus
    codec TEXT NOT NULL,
    -- Unix milliseconds of the media
    start_ms BIGINT NOT NULL,
    end_ms BIGINT NOT NULL,
    size_bytes BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX recording_segment_room ON recording_segment (room, start_ms);
CREATE INDEX recording_segment_candidate ON recording_segment (candidate_id, start_ms);
CREATE INDEX recording_segment_time ON recording_segment (start_ms);

-- Holes in a recording: publisher reconnect, lost frames, server restart.
CREATE TABLE recording_gap (
    recording_gap_id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    participant TEXT NOT NULL,
    kind TEXT NOT NULL,
    index_key TEXT NOT NULL,
    from_ms BIGINT NOT NULL,
    to_ms BIGINT NOT NULL,
    -- publisher_reconnect, lost_frames, server_restart
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (index_key, from_ms)
);
