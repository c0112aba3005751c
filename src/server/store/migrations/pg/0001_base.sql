-- Schema version 1 on PostgreSQL: the same tables as SQLite's version 2, with native types.
-- Substring filters use pg_trgm; list totals are counts kept by triggers (row-locked upserts,
-- so they stay right under concurrent writers).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

CREATE TABLE orgs (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    created_on TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id            UUID PRIMARY KEY,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_on    TIMESTAMPTZ NOT NULL
);

CREATE TABLE memberships (
    user_id   UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id    UUID NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('ADMIN', 'USER')),
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (user_id, org_id)
);
CREATE INDEX memberships_org ON memberships(org_id);

CREATE TABLE teams (
    id          UUID PRIMARY KEY,
    org_id      UUID NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_on  TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, name_key)
);

CREATE TABLE team_members (
    team_id UUID NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE contacts (
    seq         BIGSERIAL UNIQUE,
    id          UUID PRIMARY KEY,
    org_id      UUID NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    first_name  TEXT NOT NULL,
    last_name   TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    created_on  TIMESTAMPTZ NOT NULL,
    created_by  UUID REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX contacts_org ON contacts(org_id, created_on);
CREATE INDEX contacts_name_trgm ON contacts
    USING gin (lower(first_name || ' ' || last_name) gin_trgm_ops);

CREATE TABLE accounts (
    pk                   BIGSERIAL PRIMARY KEY,
    id                   UUID NOT NULL UNIQUE,
    org_id               UUID NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
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
    created_on           TIMESTAMPTZ NOT NULL,
    created_by           UUID REFERENCES users(id) ON DELETE SET NULL,
    assigned_json        TEXT NOT NULL DEFAULT '[]',
    teams_json           TEXT NOT NULL DEFAULT '[]',
    contacts_json        TEXT NOT NULL DEFAULT '[]',
    tags_json            TEXT NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX accounts_org_name ON accounts(org_id, name_key);
CREATE INDEX accounts_list ON accounts(org_id, status, created_on);
CREATE INDEX accounts_creator ON accounts(created_by);
CREATE INDEX accounts_name_trgm ON accounts USING gin (name_key gin_trgm_ops);
CREATE INDEX accounts_city_trgm ON accounts USING gin (lower(billing_city) gin_trgm_ops);
CREATE INDEX accounts_industry_trgm ON accounts USING gin (lower(industry) gin_trgm_ops);

CREATE TABLE account_counts (
    org_id UUID NOT NULL,
    status TEXT NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (org_id, status)
);

CREATE FUNCTION accounts_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE account_counts SET n = n - 1 WHERE org_id = OLD.org_id AND status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO account_counts (org_id, status, n) VALUES (NEW.org_id, NEW.status, 1)
            ON CONFLICT (org_id, status) DO UPDATE SET n = account_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER accounts_count_ins AFTER INSERT OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION accounts_count();
CREATE TRIGGER accounts_count_upd AFTER UPDATE OF status ON accounts
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION accounts_count();

CREATE TABLE account_contacts (
    account_pk BIGINT NOT NULL REFERENCES accounts(pk) ON DELETE CASCADE,
    contact_id UUID NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    PRIMARY KEY (account_pk, contact_id)
);
CREATE INDEX account_contacts_contact ON account_contacts(contact_id);

CREATE TABLE account_assignees (
    account_pk BIGINT NOT NULL REFERENCES accounts(pk) ON DELETE CASCADE,
    user_id    UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (account_pk, user_id)
);
CREATE INDEX account_assignees_user ON account_assignees(user_id, account_pk);

CREATE TABLE account_teams (
    account_pk BIGINT NOT NULL REFERENCES accounts(pk) ON DELETE CASCADE,
    team_id    UUID NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    PRIMARY KEY (account_pk, team_id)
);
CREATE INDEX account_teams_team ON account_teams(team_id);

CREATE TABLE tags (
    id       BIGSERIAL PRIMARY KEY,
    org_id   UUID NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    name_key TEXT NOT NULL,
    UNIQUE (org_id, name_key)
);

CREATE TABLE account_tags (
    account_pk BIGINT NOT NULL REFERENCES accounts(pk) ON DELETE CASCADE,
    tag_id     BIGINT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (account_pk, tag_id)
);
CREATE INDEX account_tags_tag ON account_tags(tag_id, account_pk);

CREATE TABLE comments (
    seq          BIGSERIAL PRIMARY KEY,
    id           UUID NOT NULL UNIQUE,
    org_id       UUID NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    record_kind  TEXT NOT NULL,
    record_id    UUID NOT NULL,
    comment      TEXT NOT NULL,
    commented_on TIMESTAMPTZ NOT NULL,
    commented_by UUID REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX comments_record ON comments(record_kind, record_id, commented_on);

CREATE TABLE attachments (
    seq          BIGSERIAL PRIMARY KEY,
    id           UUID NOT NULL UNIQUE,
    org_id       UUID NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    record_kind  TEXT NOT NULL,
    record_id    UUID NOT NULL,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL DEFAULT 'application/octet-stream',
    size         BIGINT NOT NULL,
    created_on   TIMESTAMPTZ NOT NULL,
    created_by   UUID REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX attachments_record ON attachments(record_kind, record_id, created_on);

-- Attachment bodies live in the database, so that replicas need no shared disk.
CREATE TABLE attachment_blobs (
    id   UUID PRIMARY KEY REFERENCES attachments(id) ON DELETE CASCADE,
    data BYTEA NOT NULL
);

CREATE TABLE opportunities (
    id          UUID PRIMARY KEY,
    org_id      UUID NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    account_pk  BIGINT REFERENCES accounts(pk) ON DELETE SET NULL,
    name        TEXT NOT NULL,
    stage       TEXT NOT NULL DEFAULT '',
    amount      TEXT NOT NULL DEFAULT '0.00',
    currency    TEXT NOT NULL DEFAULT '',
    probability BIGINT NOT NULL DEFAULT 0,
    closed_on   DATE,
    created_on  TIMESTAMPTZ NOT NULL
);
CREATE INDEX opportunities_account ON opportunities(account_pk);

CREATE TABLE cases (
    id         UUID PRIMARY KEY,
    org_id     UUID NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    account_pk BIGINT REFERENCES accounts(pk) ON DELETE SET NULL,
    name       TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT '',
    priority   TEXT NOT NULL DEFAULT '',
    case_type  TEXT NOT NULL DEFAULT '',
    closed_on  DATE,
    created_on TIMESTAMPTZ NOT NULL
);
CREATE INDEX cases_account ON cases(account_pk);

CREATE TABLE tasks (
    id         UUID PRIMARY KEY,
    org_id     UUID NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    account_pk BIGINT REFERENCES accounts(pk) ON DELETE SET NULL,
    title      TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT '',
    priority   TEXT NOT NULL DEFAULT '',
    due_date   DATE,
    created_on TIMESTAMPTZ NOT NULL
);
CREATE INDEX tasks_account ON tasks(account_pk);

CREATE TABLE invoices (
    id             UUID PRIMARY KEY,
    org_id         UUID NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    account_pk     BIGINT REFERENCES accounts(pk) ON DELETE SET NULL,
    invoice_title  TEXT NOT NULL,
    invoice_number TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT '',
    total_amount   TEXT NOT NULL DEFAULT '0.00',
    currency       TEXT NOT NULL DEFAULT '',
    due_date       DATE,
    created_on     TIMESTAMPTZ NOT NULL
);
CREATE INDEX invoices_account ON invoices(account_pk);

CREATE TABLE emails (
    id           UUID PRIMARY KEY,
    org_id       UUID NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    account_pk   BIGINT REFERENCES accounts(pk) ON DELETE SET NULL,
    sender       TEXT NOT NULL,
    recipients   TEXT NOT NULL,
    subject      TEXT NOT NULL,
    html         TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'scheduled', 'sending', 'sent', 'failed')),
    scheduled_at TIMESTAMPTZ,
    sent_at      TIMESTAMPTZ,
    attempts     BIGINT NOT NULL DEFAULT 0,
    last_error   TEXT,
    created_on   TIMESTAMPTZ NOT NULL,
    created_by   UUID REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX emails_due ON emails(state, scheduled_at);
