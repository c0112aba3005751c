-- Version 3: links of every record kind but accounts (which keep their own tables), keyed by
-- (record_kind, record_id): the users, teams and contacts a record names, and its tags. Cases
-- mark some comments internal.
CREATE TABLE record_links (
    org_id      UUID NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    record_kind TEXT NOT NULL,
    record_id   UUID NOT NULL,
    rel         TEXT NOT NULL CHECK (rel IN ('assigned_to', 'teams', 'contacts')),
    target      UUID NOT NULL,
    PRIMARY KEY (record_kind, record_id, rel, target)
);
CREATE INDEX record_links_target ON record_links(rel, target, record_kind, record_id);

CREATE TABLE record_tags (
    record_kind TEXT NOT NULL,
    record_id   UUID NOT NULL,
    tag_id      BIGINT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (record_kind, record_id, tag_id)
);
CREATE INDEX record_tags_tag ON record_tags(tag_id, record_kind, record_id);

ALTER TABLE comments ADD COLUMN is_internal BOOLEAN NOT NULL DEFAULT FALSE;
