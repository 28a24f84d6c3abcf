-- Attachments of achievements: files in the object store (documents, images) and
-- video links.
CREATE TABLE achievement_attachments (
    id TEXT PRIMARY KEY,
    achievement_id TEXT NOT NULL REFERENCES achievements (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT,
    size BIGINT NOT NULL,
    -- Key in the object store; NULL for video links.
    object_key TEXT,
    url TEXT,
    -- 1: shown to everyone with the public page (images only).
    is_public BIGINT NOT NULL,
    uploaded_by TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX achievement_attachments_achievement ON achievement_attachments (achievement_id, at);
