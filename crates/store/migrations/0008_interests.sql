-- Expressions of interest (SPEC §5 "interest and matchmaking"): a verified
-- enterprise tells the holder of a published achievement that it wants to talk,
-- with a message and its intended cooperation mode. The holder accepts or
-- declines (with a reason); on acceptance both sides see each other's contacts
-- and can exchange messages. Unanswered requests expire.

CREATE TABLE interests (
    id TEXT PRIMARY KEY,
    achievement_id TEXT NOT NULL REFERENCES achievements (id),
    -- The enterprise (one record per enterprise and achievement).
    org_id TEXT NOT NULL REFERENCES organisations (id),
    -- The account that expressed it (last).
    user_id TEXT NOT NULL REFERENCES users (id),
    message TEXT NOT NULL,
    cooperation_mode TEXT NOT NULL,
    -- pending / accepted / declined / expired / withdrawn
    status TEXT NOT NULL,
    reason TEXT,
    -- A pending request expires at this moment (epoch ms).
    expires_at BIGINT NOT NULL,
    -- When the holder was reminded of it (0: not yet).
    reminded_at BIGINT NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    UNIQUE (achievement_id, org_id)
);
CREATE INDEX interests_org ON interests (org_id, updated_at);
CREATE INDEX interests_achievement ON interests (achievement_id, status);
CREATE INDEX interests_due ON interests (status, expires_at);

-- Messages between the two sides of an accepted interest.
CREATE TABLE interest_messages (
    id TEXT PRIMARY KEY,
    interest_id TEXT NOT NULL REFERENCES interests (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX interest_messages_interest ON interest_messages (interest_id, created_at);
