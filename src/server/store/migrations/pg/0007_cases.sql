-- Version 7: cases with the contract's fields, in place.
ALTER TABLE cases ADD COLUMN account_id UUID REFERENCES accounts(id) ON DELETE CASCADE;
UPDATE cases c SET account_id = a.id FROM accounts a WHERE a.pk = c.account_pk;
ALTER TABLE cases DROP COLUMN account_pk;
UPDATE cases SET status = 'New'
    WHERE status NOT IN ('New', 'Assigned', 'Pending', 'Closed', 'Rejected', 'Duplicate');
UPDATE cases SET priority = 'Normal' WHERE priority NOT IN ('Low', 'Normal', 'High', 'Urgent');
UPDATE cases SET closed_on = NULL WHERE status <> 'Closed';
ALTER TABLE cases
    ALTER COLUMN status SET DEFAULT 'New',
    ALTER COLUMN priority SET DEFAULT 'Normal',
    ALTER COLUMN case_type DROP NOT NULL,
    ALTER COLUMN case_type DROP DEFAULT,
    ADD COLUMN seq BIGSERIAL UNIQUE,
    ADD COLUMN resolved_at TIMESTAMPTZ,
    ADD COLUMN description TEXT NOT NULL DEFAULT '',
    ADD COLUMN is_active BOOLEAN NOT NULL DEFAULT TRUE,
    ADD COLUMN updated_at TIMESTAMPTZ,
    ADD COLUMN created_by UUID REFERENCES users(id) ON DELETE SET NULL;
UPDATE cases SET case_type = NULL WHERE case_type NOT IN ('Question', 'Incident', 'Problem');
ALTER TABLE cases RENAME COLUMN created_on TO created_at;
UPDATE cases SET updated_at = created_at;
ALTER TABLE cases ALTER COLUMN updated_at SET NOT NULL;
CREATE INDEX cases_list ON cases(org_id, created_at);
CREATE INDEX cases_account_id ON cases(account_id);
CREATE INDEX cases_creator ON cases(created_by);
