-- Public services given to recommended achievements (SPEC §4.8).
CREATE TABLE achievement_services (
    id TEXT PRIMARY KEY,
    achievement_id TEXT NOT NULL REFERENCES achievements (id),
    service TEXT NOT NULL,
    -- The day it was given, as epoch ms at Asia/Shanghai midnight.
    given_on BIGINT NOT NULL,
    note TEXT,
    recorded_by TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX achievement_services_achievement ON achievement_services (achievement_id, given_on);
