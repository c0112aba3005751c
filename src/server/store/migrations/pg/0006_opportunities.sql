-- Version 6: opportunities with the contract's fields, in place. Amounts are kept in cents.
ALTER TABLE opportunities ADD COLUMN account_id UUID REFERENCES accounts(id) ON DELETE CASCADE;
UPDATE opportunities o SET account_id = a.id FROM accounts a WHERE a.pk = o.account_pk;
ALTER TABLE opportunities DROP COLUMN account_pk;
UPDATE opportunities SET stage = 'PROSPECTING'
    WHERE stage NOT IN ('PROSPECTING', 'QUALIFICATION', 'PROPOSAL', 'NEGOTIATION', 'CLOSED_WON',
                        'CLOSED_LOST');
UPDATE opportunities SET currency = 'USD' WHERE currency = '';
ALTER TABLE opportunities
    ALTER COLUMN stage SET DEFAULT 'PROSPECTING',
    ALTER COLUMN currency SET DEFAULT 'USD',
    ALTER COLUMN amount DROP DEFAULT,
    ALTER COLUMN amount DROP NOT NULL,
    ALTER COLUMN amount TYPE BIGINT USING round(amount::numeric * 100)::bigint,
    ADD COLUMN seq BIGSERIAL UNIQUE,
    ADD COLUMN opportunity_type TEXT,
    ADD COLUMN lead_source TEXT,
    ADD COLUMN description TEXT NOT NULL DEFAULT '',
    ADD COLUMN is_active BOOLEAN NOT NULL DEFAULT TRUE,
    ADD COLUMN closed_by UUID REFERENCES users(id) ON DELETE SET NULL,
    ADD COLUMN stage_changed_at TIMESTAMPTZ,
    ADD COLUMN updated_at TIMESTAMPTZ,
    ADD COLUMN created_by UUID REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE opportunities RENAME COLUMN created_on TO created_at;
UPDATE opportunities SET updated_at = created_at;
ALTER TABLE opportunities ALTER COLUMN updated_at SET NOT NULL;
CREATE INDEX opportunities_list ON opportunities(org_id, created_at);
CREATE INDEX opportunities_account_id ON opportunities(account_id);
CREATE INDEX opportunities_creator ON opportunities(created_by);
CREATE INDEX opportunities_name ON opportunities(org_id, lower(name));
