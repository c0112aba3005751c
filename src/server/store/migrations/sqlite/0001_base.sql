-- Schema version 1 of the bundled core. Ids are UUID strings; accounts also carry an integer
-- `pk` so that the full-text index and the link tables stay compact and fast.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE orgs (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    created_on TEXT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_active     INTEGER NOT NULL DEFAULT 1,
    created_on    TEXT NOT NULL
);

CREATE TABLE memberships (
    user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id    TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('ADMIN', 'USER')),
    is_active INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (user_id, org_id)
) WITHOUT ROWID;
CREATE INDEX memberships_org ON memberships(org_id);

CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_on  TEXT NOT NULL,
    UNIQUE (org_id, name_key)
);

CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
) WITHOUT ROWID;

CREATE TABLE contacts (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    first_name  TEXT NOT NULL,
    last_name   TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    created_on  TEXT NOT NULL,
    created_by  TEXT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX contacts_org ON contacts(org_id, created_on);

CREATE TABLE accounts (
    pk                   INTEGER PRIMARY KEY,
    id                   TEXT NOT NULL UNIQUE,
    org_id               TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name                 TEXT NOT NULL,
    name_key             TEXT NOT NULL,
    email                TEXT NOT NULL DEFAULT '',
    phone                TEXT NOT NULL DEFAULT '',
    industry             TEXT NOT NULL DEFAULT '',
    description          TEXT NOT NULL DEFAULT '',
    website              TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    billing_address_line TEXT NOT NULL DEFAULT '',
    billing_street       TEXT NOT NULL DEFAULT '',
    billing_city         TEXT NOT NULL DEFAULT '',
    billing_state        TEXT NOT NULL DEFAULT '',
    billing_postcode     TEXT NOT NULL DEFAULT '',
    billing_country      TEXT NOT NULL DEFAULT '',
    created_on           TEXT NOT NULL,
    created_by           TEXT REFERENCES users(id) ON DELETE SET NULL,
    -- Copies of the link tables below as JSON arrays, rewritten with every link change, so
    -- that a page of accounts reads its links without another query.
    assigned_json        TEXT NOT NULL DEFAULT '[]',
    teams_json           TEXT NOT NULL DEFAULT '[]',
    contacts_json        TEXT NOT NULL DEFAULT '[]',
    tags_json            TEXT NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX accounts_org_name ON accounts(org_id, name_key);
-- Newest first within (org, status): the list's page is an index range.
CREATE INDEX accounts_list ON accounts(org_id, status, created_on);
CREATE INDEX accounts_creator ON accounts(created_by);

-- Counts kept by triggers, so the list's totals cost nothing at any size.
CREATE TABLE account_counts (
    org_id TEXT NOT NULL,
    status TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (org_id, status)
) WITHOUT ROWID;

CREATE TRIGGER accounts_count_ins AFTER INSERT ON accounts BEGIN
    INSERT INTO account_counts (org_id, status, n) VALUES (new.org_id, new.status, 1)
        ON CONFLICT (org_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER accounts_count_del AFTER DELETE ON accounts BEGIN
    UPDATE account_counts SET n = n - 1 WHERE org_id = old.org_id AND status = old.status;
END;
CREATE TRIGGER accounts_count_upd AFTER UPDATE OF status ON accounts
WHEN old.status <> new.status BEGIN
    UPDATE account_counts SET n = n - 1 WHERE org_id = old.org_id AND status = old.status;
    INSERT INTO account_counts (org_id, status, n) VALUES (new.org_id, new.status, 1)
        ON CONFLICT (org_id, status) DO UPDATE SET n = n + 1;
END;

-- Substring search on name, city and industry: a trigram index makes `%x%` an index lookup.
CREATE VIRTUAL TABLE accounts_fts USING fts5(
    name, billing_city, industry,
    content = 'accounts', content_rowid = 'pk', tokenize = 'trigram'
);
CREATE TRIGGER accounts_fts_ins AFTER INSERT ON accounts BEGIN
    INSERT INTO accounts_fts (rowid, name, billing_city, industry)
        VALUES (new.pk, new.name, new.billing_city, new.industry);
END;
CREATE TRIGGER accounts_fts_del AFTER DELETE ON accounts BEGIN
    INSERT INTO accounts_fts (accounts_fts, rowid, name, billing_city, industry)
        VALUES ('delete', old.pk, old.name, old.billing_city, old.industry);
END;
CREATE TRIGGER accounts_fts_upd AFTER UPDATE OF name, billing_city, industry ON accounts BEGIN
    INSERT INTO accounts_fts (accounts_fts, rowid, name, billing_city, industry)
        VALUES ('delete', old.pk, old.name, old.billing_city, old.industry);
    INSERT INTO accounts_fts (rowid, name, billing_city, industry)
        VALUES (new.pk, new.name, new.billing_city, new.industry);
END;

CREATE TABLE account_contacts (
    account_pk INTEGER NOT NULL REFERENCES accounts(pk) ON DELETE CASCADE,
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    PRIMARY KEY (account_pk, contact_id)
) WITHOUT ROWID;
CREATE INDEX account_contacts_contact ON account_contacts(contact_id);

CREATE TABLE account_assignees (
    account_pk INTEGER NOT NULL REFERENCES accounts(pk) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (account_pk, user_id)
) WITHOUT ROWID;
CREATE INDEX account_assignees_user ON account_assignees(user_id, account_pk);

CREATE TABLE account_teams (
    account_pk INTEGER NOT NULL REFERENCES accounts(pk) ON DELETE CASCADE,
    team_id    TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    PRIMARY KEY (account_pk, team_id)
) WITHOUT ROWID;
CREATE INDEX account_teams_team ON account_teams(team_id);

CREATE TABLE tags (
    id       INTEGER PRIMARY KEY,
    org_id   TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    name_key TEXT NOT NULL,
    UNIQUE (org_id, name_key)
);

CREATE TABLE account_tags (
    account_pk INTEGER NOT NULL REFERENCES accounts(pk) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (account_pk, tag_id)
) WITHOUT ROWID;
CREATE INDEX account_tags_tag ON account_tags(tag_id, account_pk);

CREATE TABLE comments (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    account_pk   INTEGER NOT NULL REFERENCES accounts(pk) ON DELETE CASCADE,
    comment      TEXT NOT NULL,
    commented_on TEXT NOT NULL,
    commented_by TEXT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX comments_account ON comments(account_pk, commented_on);

CREATE TABLE attachments (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    account_pk   INTEGER NOT NULL REFERENCES accounts(pk) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL DEFAULT 'application/octet-stream',
    size         INTEGER NOT NULL,
    created_on   TEXT NOT NULL,
    created_by   TEXT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX attachments_account ON attachments(account_pk, created_on);

-- Records that hang off an account. They outlive it (the link is cleared), as in Django-CRM.
CREATE TABLE opportunities (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    account_pk  INTEGER REFERENCES accounts(pk) ON DELETE SET NULL,
    name        TEXT NOT NULL,
    stage       TEXT NOT NULL DEFAULT '',
    amount      TEXT NOT NULL DEFAULT '0.00',
    currency    TEXT NOT NULL DEFAULT '',
    probability INTEGER NOT NULL DEFAULT 0,
    closed_on   TEXT,
    created_on  TEXT NOT NULL
);
CREATE INDEX opportunities_account ON opportunities(account_pk);

CREATE TABLE cases (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    account_pk INTEGER REFERENCES accounts(pk) ON DELETE SET NULL,
    name       TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT '',
    priority   TEXT NOT NULL DEFAULT '',
    case_type  TEXT NOT NULL DEFAULT '',
    closed_on  TEXT,
    created_on TEXT NOT NULL
);
CREATE INDEX cases_account ON cases(account_pk);

CREATE TABLE tasks (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    account_pk INTEGER REFERENCES accounts(pk) ON DELETE SET NULL,
    title      TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT '',
    priority   TEXT NOT NULL DEFAULT '',
    due_date   TEXT,
    created_on TEXT NOT NULL
);
CREATE INDEX tasks_account ON tasks(account_pk);

CREATE TABLE invoices (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    account_pk     INTEGER REFERENCES accounts(pk) ON DELETE SET NULL,
    invoice_title  TEXT NOT NULL,
    invoice_number TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT '',
    total_amount   TEXT NOT NULL DEFAULT '0.00',
    currency       TEXT NOT NULL DEFAULT '',
    due_date       TEXT,
    created_on     TEXT NOT NULL
);
CREATE INDEX invoices_account ON invoices(account_pk);

CREATE TABLE emails (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    account_pk   INTEGER REFERENCES accounts(pk) ON DELETE SET NULL,
    sender       TEXT NOT NULL,
    recipients   TEXT NOT NULL, -- JSON array of addresses
    subject      TEXT NOT NULL,
    html         TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'scheduled', 'sent', 'failed')),
    scheduled_at TEXT,
    sent_at      TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    created_on   TEXT NOT NULL,
    created_by   TEXT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX emails_due ON emails(state, scheduled_at);
