-- Exam reminders sent by the platform a day before a session (in-app and SMS): one row per
-- registration and session, written before the message goes out, so a candidate is
-- reminded once even when several API nodes run the check at the same time.
CREATE TABLE exam_reminder (
    exam_reminder_id INTEGER PRIMARY KEY AUTOINCREMENT,
    registration_id BIGINT NOT NULL REFERENCES registration (registration_id),
    exam_session_id BIGINT NOT NULL REFERENCES exam_session (exam_session_id),
    sent_at TEXT NOT NULL,
    UNIQUE (registration_id, exam_session_id)
);
