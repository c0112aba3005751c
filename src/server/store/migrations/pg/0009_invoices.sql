-- Version 9: invoices with the contract's fields, in place, and their payments. Amounts are
-- kept in cents; `Overdue` is never stored (it is derived).
ALTER TABLE invoices ADD COLUMN account_id UUID REFERENCES accounts(id);
UPDATE invoices i SET account_id = a.id FROM accounts a WHERE a.pk = i.account_pk;
ALTER TABLE invoices DROP COLUMN account_pk;
UPDATE invoices SET status = 'Sent'
    WHERE status NOT IN ('Draft', 'Sent', 'Viewed', 'Paid', 'Partially_Paid', 'Pending',
                         'Cancelled');
UPDATE invoices SET currency = 'USD' WHERE currency = '';
ALTER TABLE invoices
    ALTER COLUMN status SET DEFAULT 'Draft',
    ALTER COLUMN currency SET DEFAULT 'USD',
    ALTER COLUMN invoice_title SET DEFAULT '',
    ALTER COLUMN total_amount DROP DEFAULT,
    ALTER COLUMN total_amount TYPE BIGINT USING round(total_amount::numeric * 100)::bigint,
    ALTER COLUMN total_amount SET DEFAULT 0,
    ADD COLUMN seq BIGSERIAL UNIQUE,
    ADD COLUMN contact_id UUID REFERENCES contacts(id) ON DELETE SET NULL,
    ADD COLUMN opportunity_id UUID REFERENCES opportunities(id) ON DELETE SET NULL,
    ADD COLUMN client_name TEXT NOT NULL DEFAULT '',
    ADD COLUMN issue_date DATE,
    ADD COLUMN payment_terms TEXT,
    ADD COLUMN amount_paid BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN sent_at TIMESTAMPTZ,
    ADD COLUMN paid_at TIMESTAMPTZ,
    ADD COLUMN cancelled_at TIMESTAMPTZ,
    ADD COLUMN line_items TEXT NOT NULL DEFAULT '[]',
    ADD COLUMN updated_at TIMESTAMPTZ,
    ADD COLUMN created_by UUID REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE invoices RENAME COLUMN created_on TO created_at;
UPDATE invoices SET updated_at = created_at;
UPDATE invoices SET amount_paid = total_amount WHERE status = 'Paid';
ALTER TABLE invoices ALTER COLUMN updated_at SET NOT NULL;
CREATE INDEX invoices_list ON invoices(org_id, created_at);
CREATE INDEX invoices_account_id ON invoices(account_id);
CREATE INDEX invoices_creator ON invoices(created_by);

CREATE TABLE invoice_payments (
    seq              BIGSERIAL UNIQUE,
    id               UUID PRIMARY KEY,
    invoice_id       UUID NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
    amount           BIGINT NOT NULL,
    payment_method   TEXT NOT NULL,
    payment_date     DATE NOT NULL,
    reference_number TEXT NOT NULL DEFAULT '',
    notes            TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL,
    created_by       UUID REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX invoice_payments_invoice ON invoice_payments(invoice_id);
