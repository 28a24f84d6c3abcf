-- The demand side (SPEC §4.4): what an enterprise tells about itself, the collection
-- windows (征集批次) administrators open, the technology demands (技术需求/难题) and
-- the holders' answers to them.

-- Industry (国民经济行业分类 section) and followed fields (JSON list of field codes)
-- of an enterprise, park or investor.
ALTER TABLE organisations ADD COLUMN industry TEXT;
ALTER TABLE organisations ADD COLUMN interest_fields TEXT;

CREATE TABLE demand_windows (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    -- The programme unit that opened it ('00' for the Torch Center: nationwide).
    unit_code TEXT NOT NULL,
    description TEXT NOT NULL,
    -- Field codes the window asks for, delimited as ",1.1,4.2," (empty: any field).
    fields TEXT NOT NULL,
    opens_at BIGINT NOT NULL,
    -- Last moment (epoch ms) a demand can be submitted into the window.
    closes_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX demand_windows_unit ON demand_windows (unit_code, closes_at);

CREATE TABLE demands (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    field_code TEXT,
    subfield_code TEXT,
    trl_min BIGINT,
    -- Delimited as ",licence,transfer," so that LIKE '%,licence,%' filters.
    cooperation_modes TEXT NOT NULL,
    keywords TEXT NOT NULL,
    budget TEXT,
    -- 1: shown in the public list once reviewed; 0: kept for matching only.
    public BIGINT NOT NULL,
    -- Last day answers are taken (epoch ms of the end of that day, Asia/Shanghai).
    deadline BIGINT NOT NULL,
    window_id TEXT REFERENCES demand_windows (id),
    org_id TEXT NOT NULL REFERENCES organisations (id),
    owner_id TEXT REFERENCES users (id),
    region_code TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    details TEXT NOT NULL,
    review_note TEXT,
    create_key TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    submitted_at BIGINT,
    published_at BIGINT,
    version BIGINT NOT NULL
);
CREATE INDEX demands_public ON demands (status, public, published_at);
CREATE INDEX demands_unit ON demands (unit_code, status, updated_at);
CREATE INDEX demands_org ON demands (org_id, updated_at);
CREATE INDEX demands_window ON demands (window_id, status);

-- A holder's answer to a published demand (one per holder and demand).
CREATE TABLE demand_answers (
    id TEXT PRIMARY KEY,
    demand_id TEXT NOT NULL REFERENCES demands (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    org_id TEXT NOT NULL REFERENCES organisations (id),
    achievement_id TEXT REFERENCES achievements (id),
    approach TEXT NOT NULL,
    trl BIGINT,
    team TEXT NOT NULL,
    cooperation_mode TEXT NOT NULL,
    -- submitted / shortlisted / declined / accepted / withdrawn
    status TEXT NOT NULL,
    reason_code TEXT,
    reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    UNIQUE (demand_id, author_id)
);
CREATE INDEX demand_answers_author ON demand_answers (author_id, updated_at);
