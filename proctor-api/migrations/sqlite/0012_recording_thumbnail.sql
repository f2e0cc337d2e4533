-- Thumbnails (R5, R7): the media server stores one small JPEG per live video track per
-- period (recording.thumbnail_secs) and announces it; rows index those announcements so the
-- invigilators' wall shows each participant's latest picture and the recordings page and the
-- candidate's timeline show a strip of them. Rows are added idempotently (one per object).

CREATE TABLE recording_thumbnail (
    recording_thumbnail_id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- media room and participant identity (`candidate:<account_id>`, `camera:<id>`, …)
    room TEXT NOT NULL,
    participant TEXT NOT NULL,
    -- the candidate's account when the participant is a candidate
    candidate_id BIGINT,
    object_key TEXT NOT NULL UNIQUE,
    -- Unix milliseconds of the keyframe shown
    at_ms BIGINT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX recording_thumbnail_room ON recording_thumbnail (room, participant, at_ms);
CREATE INDEX recording_thumbnail_candidate ON recording_thumbnail (candidate_id, at_ms);
CREATE INDEX recording_thumbnail_time ON recording_thumbnail (at_ms);
