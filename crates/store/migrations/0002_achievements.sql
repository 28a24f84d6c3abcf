-- The achievement library (项目库): one row per achievement with the filterable
-- facts in columns and the whole validated form as JSON; every saved state is also
-- kept in achievement_versions.

CREATE TABLE achievements (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    field_code TEXT,
    subfield_code TEXT,
    trl BIGINT,
    stage TEXT,
    tech_level TEXT,
    -- Delimited as ",licence,transfer," so that LIKE '%,licence,%' filters.
    cooperation_modes TEXT NOT NULL,
    keywords TEXT NOT NULL,
    summary TEXT,
    holder_org_id TEXT NOT NULL REFERENCES organisations (id),
    owner_id TEXT REFERENCES users (id),
    collected_by TEXT NOT NULL REFERENCES users (id),
    channel TEXT NOT NULL,
    channel_ref TEXT,
    region_code TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    details TEXT NOT NULL,
    flags TEXT NOT NULL,
    -- The one-time key of the form that created it: a double submission creates one record.
    create_key TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    submitted_at BIGINT,
    published_at BIGINT,
    version BIGINT NOT NULL
);
CREATE INDEX achievements_public ON achievements (status, published_at);
CREATE INDEX achievements_unit ON achievements (unit_code, status, updated_at);
CREATE INDEX achievements_org ON achievements (holder_org_id, updated_at);
CREATE INDEX achievements_owner ON achievements (owner_id, updated_at);
CREATE INDEX achievements_subfield ON achievements (subfield_code, status);

CREATE TABLE achievement_versions (
    achievement_id TEXT NOT NULL REFERENCES achievements (id),
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    details TEXT NOT NULL,
    actor_id TEXT,
    at BIGINT NOT NULL,
    PRIMARY KEY (achievement_id, version)
);
