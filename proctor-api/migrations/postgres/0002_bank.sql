-- Question banks (题库), their items with every edit kept as a version, bank imports awaiting
-- confirmation, and the paper library (卷库) with its usage (用卷) and access log.
-- Scores are integer hundredths (score_centi); item bodies are JSON text.

-- One bank per occupation code, level (1–5) and kind (theory = 理论知识, skill = 技能操作).
CREATE TABLE bank (
    bank_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occupation_code TEXT NOT NULL,
    occupation_name TEXT NOT NULL,
    level BIGINT NOT NULL,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BIGINT REFERENCES account (account_id),
    UNIQUE (occupation_code, level, kind)
);

-- An item and a copy of its current version's searchable fields. content_hash identifies the
-- content so re-importing the same file adds nothing.
CREATE TABLE item (
    item_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bank_id BIGINT NOT NULL REFERENCES bank (bank_id),
    current_version BIGINT NOT NULL,
    item_type TEXT NOT NULL,
    stem_text TEXT NOT NULL,
    knowledge_point TEXT NOT NULL,
    difficulty BIGINT NOT NULL,
    score_centi BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    retired BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (bank_id, content_hash)
);
CREATE INDEX item_bank_filter ON item (bank_id, item_type, knowledge_point, difficulty);

-- Every version of every item, never changed once written; papers point here.
CREATE TABLE item_version (
    item_version_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id BIGINT NOT NULL REFERENCES item (item_id),
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BIGINT REFERENCES account (account_id),
    UNIQUE (item_id, version)
);

-- An uploaded file parsed into items and row errors; nothing reaches `item` until confirmed.
CREATE TABLE bank_import (
    bank_import_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bank_id BIGINT NOT NULL REFERENCES bank (bank_id),
    format TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    items TEXT NOT NULL,
    errors TEXT NOT NULL,
    status TEXT NOT NULL,
    created_count BIGINT NOT NULL DEFAULT 0,
    duplicate_count BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    created_by BIGINT REFERENCES account (account_id),
    confirmed_at TEXT
);

-- A paper (试卷). state: draft → locked → in_use → retired; only drafts change.
-- Papers assembled together as parallel forms share form_group.
CREATE TABLE paper (
    paper_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bank_id BIGINT NOT NULL REFERENCES bank (bank_id),
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    form_group TEXT,
    form_label TEXT,
    blueprint TEXT,
    created_at TEXT NOT NULL,
    created_by BIGINT REFERENCES account (account_id),
    updated_at TEXT NOT NULL
);

-- The items of a paper, each pinned to the version it was assembled with.
CREATE TABLE paper_item (
    paper_item_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    paper_id BIGINT NOT NULL REFERENCES paper (paper_id),
    position BIGINT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES item (item_id),
    item_version_id BIGINT NOT NULL REFERENCES item_version (item_version_id),
    score_centi BIGINT NOT NULL,
    UNIQUE (paper_id, item_id)
);
CREATE INDEX paper_item_item ON paper_item (item_id);

-- A paper assigned to an exam session. starts_at stands in for the session's start until the
-- exam-plan module owns sessions; nobody but staff sees the paper before it.
CREATE TABLE paper_usage (
    paper_usage_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    paper_id BIGINT NOT NULL REFERENCES paper (paper_id),
    session_name TEXT NOT NULL,
    session_ref TEXT,
    starts_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BIGINT REFERENCES account (account_id)
);

-- Who opened (or was refused) a paper or its answer key, and when.
CREATE TABLE paper_access (
    paper_access_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    paper_id BIGINT NOT NULL REFERENCES paper (paper_id),
    paper_usage_id BIGINT REFERENCES paper_usage (paper_usage_id),
    account_id BIGINT NOT NULL REFERENCES account (account_id),
    role TEXT NOT NULL,
    what TEXT NOT NULL,
    granted BIGINT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX paper_access_paper ON paper_access (paper_id);
