-- Review decisions and expert evaluation of achievements.

CREATE TABLE achievement_reviews (
    id TEXT PRIMARY KEY,
    achievement_id TEXT NOT NULL REFERENCES achievements (id),
    -- take, accept, return, reject, publish, archive, restore
    decision TEXT NOT NULL,
    -- Return reasons (vocabulary codes), delimited as ",a,b,".
    reasons TEXT NOT NULL,
    note TEXT,
    actor_id TEXT,
    actor_name TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX achievement_reviews_achievement ON achievement_reviews (achievement_id, at);

CREATE TABLE evaluation_assignments (
    achievement_id TEXT NOT NULL REFERENCES achievements (id),
    expert_id TEXT NOT NULL REFERENCES users (id),
    assigned_by TEXT,
    at BIGINT NOT NULL,
    PRIMARY KEY (achievement_id, expert_id)
);
CREATE INDEX evaluation_assignments_expert ON evaluation_assignments (expert_id, at);

CREATE TABLE evaluations (
    achievement_id TEXT NOT NULL,
    expert_id TEXT NOT NULL,
    -- JSON: scores, assessed TRL, conflict declaration, recommendation, comment.
    body TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (achievement_id, expert_id),
    FOREIGN KEY (achievement_id, expert_id) REFERENCES evaluation_assignments (achievement_id, expert_id)
);
