-- Version 5: leads.
CREATE TABLE leads (
    seq                BIGSERIAL UNIQUE,
    id                 UUID PRIMARY KEY,
    org_id             UUID NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    title              TEXT NOT NULL DEFAULT '',
    salutation         TEXT NOT NULL DEFAULT '',
    first_name         TEXT NOT NULL DEFAULT '',
    last_name          TEXT NOT NULL DEFAULT '',
    email              TEXT NOT NULL DEFAULT '',
    phone              TEXT NOT NULL DEFAULT '',
    job_title          TEXT NOT NULL DEFAULT '',
    company_name       TEXT NOT NULL DEFAULT '',
    website            TEXT NOT NULL DEFAULT '',
    linkedin_url       TEXT NOT NULL DEFAULT '',
    status             TEXT,
    source             TEXT,
    industry           TEXT NOT NULL DEFAULT '',
    rating             TEXT,
    opportunity_amount BIGINT,
    currency           TEXT NOT NULL DEFAULT 'USD',
    probability        BIGINT NOT NULL DEFAULT 0,
    close_date         DATE,
    last_contacted     DATE,
    next_follow_up     DATE,
    address_line       TEXT NOT NULL DEFAULT '',
    city               TEXT NOT NULL DEFAULT '',
    state              TEXT NOT NULL DEFAULT '',
    postcode           TEXT NOT NULL DEFAULT '',
    country            TEXT NOT NULL DEFAULT '',
    description        TEXT NOT NULL DEFAULT '',
    is_active          BOOLEAN NOT NULL DEFAULT TRUE,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    created_by         UUID REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX leads_list ON leads(org_id, created_at);
CREATE INDEX leads_creator ON leads(created_by);
CREATE INDEX leads_email ON leads(org_id, lower(email));
