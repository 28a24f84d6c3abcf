-- Enterprise digests (SPEC §7) and the durable mail outbox: what an enterprise
-- account follows, the digests made for it (shown in the site), and every e-mail
-- the platform sends, kept until it is sent (or has failed for good).
-- (0008 is reserved for another change; nothing here depends on it.)

-- One follow per account (enterprise accounts).
CREATE TABLE follows (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    org_id TEXT NOT NULL REFERENCES organisations (id),
    -- Field or sub-field codes, delimited as ",1,4.2,".
    fields TEXT NOT NULL,
    -- Keywords, delimited as ",石墨烯,储能,".
    keywords TEXT NOT NULL,
    -- daily / weekly / off
    frequency TEXT NOT NULL,
    -- Random; the one-click unsubscribe link /unsubscribe/{token}.
    unsubscribe_token TEXT NOT NULL UNIQUE,
    -- When the last digest run for this follow happened (epoch ms), and the end
    -- of the publication period it covered.
    last_sent_at BIGINT,
    covered_to BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX follows_due ON follows (frequency, last_sent_at);

CREATE TABLE digests (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    org_id TEXT NOT NULL REFERENCES organisations (id),
    created_at BIGINT NOT NULL,
    -- Entries published after period_from and at most at period_to.
    period_from BIGINT NOT NULL,
    period_to BIGINT NOT NULL,
    -- How many entries matched (the first ones are kept in digest_items).
    item_count BIGINT NOT NULL,
    -- The e-mail made from it, if the account has an address.
    mail_id TEXT
);
CREATE INDEX digests_user ON digests (user_id, created_at);
CREATE INDEX digests_created ON digests (created_at);

CREATE TABLE digest_items (
    digest_id TEXT NOT NULL REFERENCES digests (id),
    achievement_id TEXT NOT NULL REFERENCES achievements (id),
    position BIGINT NOT NULL,
    -- JSON list of reasons: {"kind":"field","code":"1.1"}, {"kind":"keyword","keyword":"…"}.
    reasons TEXT NOT NULL,
    PRIMARY KEY (digest_id, achievement_id)
);

CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    -- The URL for the List-Unsubscribe header, when the mail has one.
    list_unsubscribe TEXT,
    -- What made it (digest, …) and which record.
    kind TEXT NOT NULL,
    ref_id TEXT,
    -- queued / sending / sent / failed / held (queued while no SMTP is configured)
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sent_at BIGINT,
    -- The worker sending it and until when its claim holds (a crashed worker's
    -- claim expires and another worker takes the mail).
    claimed_by TEXT,
    claimed_until BIGINT
);
CREATE INDEX mail_outbox_ready ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_created ON mail_outbox (created_at);
CREATE INDEX mail_outbox_ref ON mail_outbox (kind, ref_id);
