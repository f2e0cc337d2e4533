-- Face verification (R2, R7): enrolments, every check with its evidence frame, manual
-- review of failed check-ins, random re-check plans and the alerts they raise.
-- Embeddings are sealed with the PII vault (`embedding_enc`); photos and frames live in
-- object storage (`*_key`) and are only handed out as short-lived signed links.

-- Each enrolment attempt of an account; the newest `enrolled` row is the current one.
CREATE TABLE face_enrolment (
    face_enrolment_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES account (account_id),
    -- registration_photo, staff_photo
    source TEXT NOT NULL,
    registration_id BIGINT REFERENCES registration (registration_id),
    -- enrolled, refused (a quality gate said no: `reason` tells which)
    status TEXT NOT NULL,
    reason TEXT,
    embedding_enc TEXT,
    photo_key TEXT NOT NULL,
    -- JSON: quality measurements and the experimental liveness signal
    detail TEXT NOT NULL,
    enrolled_by BIGINT REFERENCES account (account_id),
    created_at TEXT NOT NULL
);
CREATE INDEX face_enrolment_account ON face_enrolment (account_id);

-- One verification: a check-in attempt or a random re-check.
CREATE TABLE face_check (
    face_check_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES account (account_id),
    -- checkin, recheck
    kind TEXT NOT NULL,
    exam_session_id BIGINT REFERENCES exam_session (exam_session_id),
    face_enrolment_id BIGINT REFERENCES face_enrolment (face_enrolment_id),
    -- live (grabbed from the media track), still (captured by the camera page), none
    frame_source TEXT NOT NULL,
    frame_key TEXT,
    matched BIGINT NOT NULL,
    -- distance × 10000 (lower is more alike); NULL when no single face was compared
    distance_e4 BIGINT,
    threshold_e4 BIGINT NOT NULL,
    -- no_face, multiple_faces, face_too_small, …, no_frame; NULL when compared
    reason TEXT,
    faces BIGINT NOT NULL,
    -- experimental liveness score × 10000 and its method; recorded, never decides
    liveness_e4 BIGINT,
    liveness_method TEXT,
    -- passed, failed, review (waiting for an invigilator), approved, rejected
    outcome TEXT NOT NULL,
    reviewed_by BIGINT REFERENCES account (account_id),
    reviewed_at TEXT,
    review_note TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX face_check_account ON face_check (account_id, kind);
CREATE INDEX face_check_outcome ON face_check (outcome);

-- Random re-checks of an exam session: how many per candidate and within which window.
CREATE TABLE face_recheck_plan (
    face_recheck_plan_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    exam_session_id BIGINT NOT NULL UNIQUE REFERENCES exam_session (exam_session_id),
    checks_per_candidate BIGINT NOT NULL,
    window_from TEXT NOT NULL,
    window_to TEXT NOT NULL,
    created_by BIGINT REFERENCES account (account_id),
    created_at TEXT NOT NULL
);

-- The moments the server picked; never shown to candidates before they are due.
CREATE TABLE face_recheck_slot (
    face_recheck_slot_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    exam_session_id BIGINT NOT NULL REFERENCES exam_session (exam_session_id),
    account_id BIGINT NOT NULL REFERENCES account (account_id),
    due_at TEXT NOT NULL,
    -- pending, asked (the camera page was asked for a frame), done
    state TEXT NOT NULL,
    asked_at TEXT,
    face_check_id BIGINT REFERENCES face_check (face_check_id)
);
CREATE INDEX face_recheck_slot_due ON face_recheck_slot (state, due_at);

-- A failed re-check for the invigilators, with the check holding the evidence frame.
CREATE TABLE face_alert (
    face_alert_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    face_check_id BIGINT NOT NULL REFERENCES face_check (face_check_id),
    account_id BIGINT NOT NULL REFERENCES account (account_id),
    exam_session_id BIGINT REFERENCES exam_session (exam_session_id),
    reason TEXT NOT NULL,
    acknowledged_by BIGINT REFERENCES account (account_id),
    acknowledged_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX face_alert_open ON face_alert (acknowledged_at);
