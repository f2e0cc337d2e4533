-- Bank imports as background jobs, stored column mappings per provincial source, and paper
-- usages tied to an exam session so that only its assigned candidates open the paper.

-- Progress of an import while it is parsed in the background. status gains `parsing`
-- (being read) and `failed` (could not be read); counts are question rows.
ALTER TABLE bank_import ADD COLUMN processed_rows BIGINT NOT NULL DEFAULT 0;
ALTER TABLE bank_import ADD COLUMN total_rows BIGINT NOT NULL DEFAULT 0;

-- A provincial (or other) source's own column headers mapped to template columns, kept so
-- that every import from that source reuses it. columns: JSON object, header → template name.
CREATE TABLE import_mapping (
    import_mapping_id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL UNIQUE,
    columns TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by BIGINT REFERENCES account (account_id)
);

-- The exam session (场次) a usage belongs to; candidates seated in it may open the paper
-- from the usage's starts_at on. NULL: no candidate may open it.
ALTER TABLE paper_usage ADD COLUMN exam_session_id BIGINT REFERENCES exam_session (exam_session_id);
