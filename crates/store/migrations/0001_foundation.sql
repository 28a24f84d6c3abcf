-- Foundation: reference data, organisations, accounts, sessions, audit trail, outbox.

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE units (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent_code TEXT,
    unit_code TEXT NOT NULL REFERENCES units (code)
);
CREATE INDEX regions_unit ON regions (unit_code);

CREATE TABLE vocab_items (
    vocab TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    parent_code TEXT,
    extra TEXT NOT NULL,
    position BIGINT NOT NULL,
    builtin BIGINT NOT NULL,
    PRIMARY KEY (vocab, code)
);

CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    unit_code TEXT NOT NULL REFERENCES units (code),
    credit_code TEXT UNIQUE,
    status TEXT NOT NULL,
    -- 1: an agency authorised by its region to verify researchers' registrations.
    verifier BIGINT NOT NULL,
    contact_name TEXT,
    contact_phone TEXT,
    contact_email TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX organisations_unit ON organisations (unit_code, name);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    status TEXT NOT NULL,
    must_change_password BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_login_at BIGINT,
    version BIGINT NOT NULL
);
CREATE INDEX users_org ON users (org_id);
CREATE INDEX users_status ON users (status, created_at);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id TEXT,
    actor_name TEXT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    unit_code TEXT,
    before_json TEXT,
    after_json TEXT,
    ip TEXT,
    request_id TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, at);
CREATE INDEX audit_log_unit ON audit_log (unit_code, at);

CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    topic TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX outbox_at ON outbox (at, id);
