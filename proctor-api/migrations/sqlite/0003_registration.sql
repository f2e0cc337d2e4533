-- Exam plans, exam affairs (sites, rooms, sessions, staff), candidate registration with its
-- review history and uploaded files, real-name checks and in-app notifications.
-- ID and phone numbers are never stored in clear: `*_enc` is AES-GCM ciphertext, `*_hash`
-- a keyed HMAC for lookup and uniqueness, `*_masked` what lists show.

-- An evaluation plan (评价计划) for one occupation and level.
CREATE TABLE exam_plan (
    exam_plan_id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    -- national occupational classification code (e.g. 4-01-02-01) and name
    occupation_code TEXT NOT NULL,
    occupation_name TEXT NOT NULL,
    -- 5 = 五级/初级工 … 1 = 一级/高级技师
    level BIGINT NOT NULL CHECK (level BETWEEN 1 AND 5),
    registration_opens_at TEXT NOT NULL,
    registration_closes_at TEXT NOT NULL,
    -- what a real-name mismatch or an unavailable check does: 'warn' staff or 'block'
    realname_policy TEXT NOT NULL,
    -- draft, open, closed, in_exam, scoring, published, archived
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A subject of a plan: theory, skill operation or comprehensive review.
CREATE TABLE plan_subject (
    plan_subject_id INTEGER PRIMARY KEY AUTOINCREMENT,
    exam_plan_id BIGINT NOT NULL REFERENCES exam_plan (exam_plan_id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    weight_pct BIGINT NOT NULL,
    pass_score_centi BIGINT NOT NULL,
    UNIQUE (exam_plan_id, kind)
);

-- An exam site and its rooms; a room's seats are numbered 1..seats.
CREATE TABLE exam_site (
    exam_site_id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE exam_room (
    exam_room_id INTEGER PRIMARY KEY AUTOINCREMENT,
    exam_site_id BIGINT NOT NULL REFERENCES exam_site (exam_site_id),
    name TEXT NOT NULL,
    seats BIGINT NOT NULL,
    UNIQUE (exam_site_id, name)
);

-- Devices of a room: cameras (with their stream address) and exam computers.
CREATE TABLE exam_device (
    exam_device_id INTEGER PRIMARY KEY AUTOINCREMENT,
    exam_room_id BIGINT NOT NULL REFERENCES exam_room (exam_room_id),
    -- camera, computer
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    -- stream URL for a camera, host name or asset number for a computer
    address TEXT NOT NULL,
    UNIQUE (exam_room_id, label)
);

-- A sitting (场次) of a plan in one room.
CREATE TABLE exam_session (
    exam_session_id INTEGER PRIMARY KEY AUTOINCREMENT,
    exam_plan_id BIGINT NOT NULL REFERENCES exam_plan (exam_plan_id),
    name TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    exam_room_id BIGINT NOT NULL REFERENCES exam_room (exam_room_id)
);
CREATE INDEX exam_session_plan ON exam_session (exam_plan_id);

-- Published documents of a plan (notice, schedule, rules), readable by anyone.
CREATE TABLE plan_document (
    plan_document_id INTEGER PRIMARY KEY AUTOINCREMENT,
    exam_plan_id BIGINT NOT NULL REFERENCES exam_plan (exam_plan_id),
    title TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    uploaded_by BIGINT REFERENCES account (account_id),
    uploaded_at TEXT NOT NULL
);
CREATE INDEX plan_document_plan ON plan_document (exam_plan_id);

-- Staff on duty at a session, with the work unit the conflict rule compares.
CREATE TABLE session_staff (
    session_staff_id INTEGER PRIMARY KEY AUTOINCREMENT,
    exam_session_id BIGINT NOT NULL REFERENCES exam_session (exam_session_id),
    account_id BIGINT NOT NULL REFERENCES account (account_id),
    duty TEXT NOT NULL,
    work_unit TEXT NOT NULL,
    qualification_no TEXT NOT NULL,
    assigned_at TEXT NOT NULL,
    UNIQUE (exam_session_id, account_id)
);

-- A candidate's registration for a plan; one per person (ID hash) and plan.
CREATE TABLE registration (
    registration_id INTEGER PRIMARY KEY AUTOINCREMENT,
    exam_plan_id BIGINT NOT NULL REFERENCES exam_plan (exam_plan_id),
    account_id BIGINT NOT NULL REFERENCES account (account_id),
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    id_type TEXT NOT NULL,
    id_number_enc TEXT NOT NULL,
    id_number_hash TEXT NOT NULL,
    id_number_masked TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    phone_enc TEXT NOT NULL,
    phone_hash TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    education TEXT NOT NULL,
    work_unit TEXT NOT NULL,
    years_in_occupation BIGINT NOT NULL,
    declared_level BIGINT NOT NULL,
    -- the consent text exactly as shown, and when it was given
    consent_text TEXT NOT NULL,
    consent_at TEXT NOT NULL,
    -- submitted, rejected, approved
    status TEXT NOT NULL,
    review_reason TEXT,
    reviewed_by BIGINT REFERENCES account (account_id),
    reviewed_at TEXT,
    -- match, mismatch, unavailable (pending a re-check)
    realname_result TEXT NOT NULL,
    realname_checked_at TEXT NOT NULL,
    -- JSON array of warnings for staff
    warnings TEXT NOT NULL,
    exam_session_id BIGINT REFERENCES exam_session (exam_session_id),
    seat_no BIGINT,
    ticket_no TEXT UNIQUE,
    -- sat, absent (recorded on the day)
    attendance TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (exam_plan_id, id_number_hash)
);
CREATE INDEX registration_account ON registration (account_id);
-- One candidate per seat (unseated rows have NULLs, which never collide).
CREATE UNIQUE INDEX registration_seat ON registration (exam_session_id, seat_no);

-- Every submission, correction and decision, with a snapshot of what was decided on.
CREATE TABLE registration_event (
    registration_event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    registration_id BIGINT NOT NULL REFERENCES registration (registration_id),
    at TEXT NOT NULL,
    actor_account_id BIGINT REFERENCES account (account_id),
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX registration_event_reg ON registration_event (registration_id);

-- Uploaded photo and materials; the newest of a kind is the current one.
CREATE TABLE registration_file (
    registration_file_id INTEGER PRIMARY KEY AUTOINCREMENT,
    registration_id BIGINT NOT NULL REFERENCES registration (registration_id),
    kind TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    -- JSON array of photo-standard warnings
    warnings TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX registration_file_reg ON registration_file (registration_id, kind);

-- Where the real-name service lives; one row, set by the administrator.
CREATE TABLE realname_config (
    realname_config_id BIGINT PRIMARY KEY CHECK (realname_config_id = 1),
    url TEXT NOT NULL,
    timeout_ms BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);

-- In-app messages; `sms_status` says what the SMS adapter did with the copy.
CREATE TABLE notification (
    notification_id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES account (account_id),
    kind TEXT NOT NULL,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    body TEXT NOT NULL,
    sms_status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notification_account ON notification (account_id);
