-- Foundation: accounts and their sessions, the organisation's public profile, and the audit
-- trail that every later module appends to. Timestamps are RFC 3339 UTC text; flags are 0/1.

-- Every person who signs in, whatever their role.
CREATE TABLE account (
    account_id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 1,
    disabled BIGINT NOT NULL DEFAULT 0,
    -- consecutive failed sign-ins and the lock they caused; reset on success
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A sign-in. Only the SHA-256 of the bearer token is kept, so a copy of the database
-- cannot be replayed as sessions.
CREATE TABLE session (
    session_id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES account (account_id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    ip TEXT
);
CREATE INDEX session_account ON session (account_id);

-- The purchasing organisation's public profile (R1); one row.
CREATE TABLE org_profile (
    org_profile_id BIGINT PRIMARY KEY CHECK (org_profile_id = 1),
    name TEXT NOT NULL,
    accreditation_no TEXT NOT NULL,
    address TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    website TEXT NOT NULL,
    introduction TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by BIGINT REFERENCES account (account_id)
);

-- Append-only trail of who changed what (R10: kept at least five years).
CREATE TABLE audit_event (
    audit_event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor_account_id BIGINT,
    actor_role TEXT,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT,
    detail TEXT NOT NULL,
    ip TEXT
);
CREATE INDEX audit_event_target ON audit_event (target_kind, target_id);
CREATE INDEX audit_event_at ON audit_event (at);
