-- Schema version 2: comments and attachments belong to any kind of record, keyed by
-- (record_kind, record_id) rather than by an account's integer key. `seq` orders a thread.

CREATE TABLE comments_v2 (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    record_kind  TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    comment      TEXT NOT NULL,
    commented_on TEXT NOT NULL,
    commented_by TEXT REFERENCES users(id) ON DELETE SET NULL
);
INSERT INTO comments_v2 (seq, id, org_id, record_kind, record_id, comment, commented_on, commented_by)
    SELECT m.rowid, m.id, m.org_id, 'account', a.id, m.comment, m.commented_on, m.commented_by
    FROM comments m JOIN accounts a ON a.pk = m.account_pk;
DROP TABLE comments;
ALTER TABLE comments_v2 RENAME TO comments;
CREATE INDEX comments_record ON comments(record_kind, record_id, commented_on);

CREATE TABLE attachments_v2 (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    record_kind  TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL DEFAULT 'application/octet-stream',
    size         INTEGER NOT NULL,
    created_on   TEXT NOT NULL,
    created_by   TEXT REFERENCES users(id) ON DELETE SET NULL
);
INSERT INTO attachments_v2 (seq, id, org_id, record_kind, record_id, file_name, content_type, size,
                            created_on, created_by)
    SELECT f.rowid, f.id, f.org_id, 'account', a.id, f.file_name, f.content_type, f.size,
           f.created_on, f.created_by
    FROM attachments f JOIN accounts a ON a.pk = f.account_pk;
DROP TABLE attachments;
ALTER TABLE attachments_v2 RENAME TO attachments;
CREATE INDEX attachments_record ON attachments(record_kind, record_id, created_on);

-- PostgreSQL keeps attachment bodies here; SQLite keeps them as files beside the database.
CREATE TABLE attachment_blobs (
    id   TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
