-- Schema version 13: the data generation, a number every write transaction that changed
-- something moves on (see store/generation.rs). Answers kept in memory, by every replica,
-- hold only while it stays where it was when they were made.

CREATE TABLE data_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO data_generation (id, n) VALUES (1, 0);
