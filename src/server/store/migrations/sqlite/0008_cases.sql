-- Schema version 8: cases with the contract's fields, replacing version 1's table.
CREATE TABLE cases_v8 (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'New',
    priority    TEXT NOT NULL DEFAULT 'Normal',
    case_type   TEXT,
    account_id  TEXT REFERENCES accounts(id) ON DELETE CASCADE,
    closed_on   TEXT,
    resolved_at TEXT,
    description TEXT NOT NULL DEFAULT '',
    is_active   INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    created_by  TEXT REFERENCES users(id) ON DELETE SET NULL
);
INSERT INTO cases_v8 (id, org_id, name, status, priority, case_type, account_id, closed_on,
                      created_at, updated_at)
    SELECT c.id, c.org_id, c.name,
           CASE WHEN c.status IN ('New', 'Assigned', 'Pending', 'Closed', 'Rejected', 'Duplicate')
                THEN c.status ELSE 'New' END,
           CASE WHEN c.priority IN ('Low', 'Normal', 'High', 'Urgent')
                THEN c.priority ELSE 'Normal' END,
           CASE WHEN c.case_type IN ('Question', 'Incident', 'Problem') THEN c.case_type END,
           a.id, CASE WHEN c.status = 'Closed' THEN c.closed_on END, c.created_on, c.created_on
    FROM cases c LEFT JOIN accounts a ON a.pk = c.account_pk;
DROP TABLE cases;
ALTER TABLE cases_v8 RENAME TO cases;
CREATE INDEX cases_list ON cases(org_id, created_at);
CREATE INDEX cases_account ON cases(account_id);
CREATE INDEX cases_creator ON cases(created_by);
