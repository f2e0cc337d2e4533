-- Recording exports (R5, R7): one file for a time range of one participant's recording,
-- remuxed (no transcoding) or as H.264 + AAC MP4 for the supervision platform. Jobs run one
-- at a time in the background in the order asked; the result is a short-lived object under
-- `exports/` reached only through signed links.

CREATE TABLE recording_export (
    recording_export_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- who asked
    account_id BIGINT NOT NULL REFERENCES account (account_id),
    room TEXT NOT NULL,
    participant TEXT NOT NULL,
    -- the exam session an invigilator asked under (limits the range)
    session_id BIGINT,
    -- Unix milliseconds asked for
    from_ms BIGINT NOT NULL,
    to_ms BIGINT NOT NULL,
    -- remux, mp4
    format TEXT NOT NULL,
    -- queued, running, done, failed, expired (result removed after the retention)
    status TEXT NOT NULL,
    -- 0..=1000
    progress_permille BIGINT NOT NULL DEFAULT 0,
    result_key TEXT,
    file_name TEXT,
    mime TEXT,
    size_bytes BIGINT,
    -- what the file holds: its start (a keyframe at or before from_ms when video is copied)
    -- and length, and the codecs
    start_ms BIGINT,
    duration_ms BIGINT,
    video_codec TEXT,
    audio_codec TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX recording_export_status ON recording_export (status, recording_export_id);
CREATE INDEX recording_export_account ON recording_export (account_id, recording_export_id);
