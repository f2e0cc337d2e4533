-- An export whose object store is unreachable waits and tries again instead of failing:
-- `attempts` counts the runs that met an outage, `retry_at` (RFC 3339) is when the job may
-- run next, and `error` keeps the last outage's message meanwhile.
ALTER TABLE recording_export ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE recording_export ADD COLUMN retry_at TEXT;
