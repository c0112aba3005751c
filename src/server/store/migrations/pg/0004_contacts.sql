-- Version 4: contacts get the contract's fields. Existing rows keep their values.
ALTER TABLE contacts
    ADD COLUMN organization TEXT NOT NULL DEFAULT '',
    ADD COLUMN department TEXT NOT NULL DEFAULT '',
    ADD COLUMN do_not_call BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN linkedin_url TEXT NOT NULL DEFAULT '',
    ADD COLUMN address_line TEXT NOT NULL DEFAULT '',
    ADD COLUMN city TEXT NOT NULL DEFAULT '',
    ADD COLUMN state TEXT NOT NULL DEFAULT '',
    ADD COLUMN postcode TEXT NOT NULL DEFAULT '',
    ADD COLUMN country TEXT NOT NULL DEFAULT '',
    ADD COLUMN source TEXT,
    ADD COLUMN is_active BOOLEAN NOT NULL DEFAULT TRUE,
    ADD COLUMN account_id UUID REFERENCES accounts(id) ON DELETE SET NULL,
    ADD COLUMN updated_at TIMESTAMPTZ;
UPDATE contacts SET updated_at = created_on;
CREATE INDEX contacts_creator ON contacts(created_by);
CREATE INDEX contacts_account ON contacts(account_id);
CREATE INDEX contacts_email ON contacts(org_id, lower(email));
