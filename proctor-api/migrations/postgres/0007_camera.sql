-- Exam-room IP cameras (R7): pulled over RTSP by the media node into the room's live wall.
-- The URL carries no credentials; user name and password are sealed with the PII vault key
-- (identity::vault, AES-256-GCM) and never leave the server. Status is written by the
-- ingest supervisor as the camera comes and goes.
CREATE TABLE room_camera (
    room_camera_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    exam_room_id BIGINT NOT NULL REFERENCES exam_room (exam_room_id),
    label TEXT NOT NULL,
    -- rtsp://host[:port]/path
    url TEXT NOT NULL,
    username_enc TEXT NOT NULL,
    password_enc TEXT NOT NULL,
    -- 0/1: pulled while enabled
    enabled BIGINT NOT NULL,
    -- disabled, connecting, online, offline, unauthorised
    status TEXT NOT NULL,
    -- the last reason it was not online (refused credentials, unreachable, silent)
    last_error TEXT,
    status_at TEXT,
    last_online_at TEXT,
    last_offline_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (exam_room_id, label)
);
CREATE INDEX room_camera_room ON room_camera (exam_room_id);
