-- Technical terms the administrators add to the search dictionary (jieba), so that
-- e.g. 钙钛矿叠层 is one word rather than two.
CREATE TABLE search_terms (
    term TEXT PRIMARY KEY,
    added_by TEXT,
    at BIGINT NOT NULL
);
