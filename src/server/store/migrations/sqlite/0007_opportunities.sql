-- Schema version 7: opportunities with the contract's fields, replacing version 1's table.
-- Amounts are kept in cents.
CREATE TABLE opportunities_v7 (
    seq              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    org_id           TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    account_id       TEXT REFERENCES accounts(id) ON DELETE CASCADE,
    stage            TEXT NOT NULL DEFAULT 'PROSPECTING',
    opportunity_type TEXT,
    currency         TEXT NOT NULL DEFAULT 'USD',
    amount           INTEGER,
    probability      INTEGER NOT NULL DEFAULT 0,
    closed_on        TEXT,
    lead_source      TEXT,
    description      TEXT NOT NULL DEFAULT '',
    is_active        INTEGER NOT NULL DEFAULT 1,
    closed_by        TEXT REFERENCES users(id) ON DELETE SET NULL,
    stage_changed_at TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    created_by       TEXT REFERENCES users(id) ON DELETE SET NULL
);
INSERT INTO opportunities_v7 (id, org_id, name, account_id, stage, currency, amount, probability,
                              closed_on, created_at, updated_at)
    SELECT o.id, o.org_id, o.name, a.id,
           CASE WHEN o.stage IN ('PROSPECTING', 'QUALIFICATION', 'PROPOSAL', 'NEGOTIATION',
                                 'CLOSED_WON', 'CLOSED_LOST') THEN o.stage ELSE 'PROSPECTING' END,
           CASE WHEN o.currency = '' THEN 'USD' ELSE o.currency END,
           CAST(round(CAST(o.amount AS REAL) * 100) AS INTEGER), o.probability, o.closed_on,
           o.created_on, o.created_on
    FROM opportunities o LEFT JOIN accounts a ON a.pk = o.account_pk;
DROP TABLE opportunities;
ALTER TABLE opportunities_v7 RENAME TO opportunities;
CREATE INDEX opportunities_list ON opportunities(org_id, created_at);
CREATE INDEX opportunities_account ON opportunities(account_id);
CREATE INDEX opportunities_creator ON opportunities(created_by);
CREATE INDEX opportunities_name ON opportunities(org_id, name);
