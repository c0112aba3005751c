-- Schema version 5: contacts get the contract's fields. Existing rows keep their values.
ALTER TABLE contacts ADD COLUMN organization TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN department TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN do_not_call INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN linkedin_url TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN address_line TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN city TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN state TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN postcode TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN country TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN source TEXT;
ALTER TABLE contacts ADD COLUMN is_active INTEGER NOT NULL DEFAULT 1;
ALTER TABLE contacts ADD COLUMN account_id TEXT REFERENCES accounts(id) ON DELETE SET NULL;
ALTER TABLE contacts ADD COLUMN updated_at TEXT;
UPDATE contacts SET updated_at = created_on;
CREATE INDEX contacts_creator ON contacts(created_by);
CREATE INDEX contacts_account ON contacts(account_id);
CREATE INDEX contacts_email ON contacts(org_id, email);
