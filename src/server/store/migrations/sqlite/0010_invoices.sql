-- Schema version 10: invoices with the contract's fields and their payments, replacing
-- version 1's table. Amounts are kept in cents; `Overdue` is never stored (it is derived).
CREATE TABLE invoices_v10 (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    org_id         TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    invoice_number TEXT NOT NULL,
    invoice_title  TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'Draft',
    account_id     TEXT REFERENCES accounts(id),
    contact_id     TEXT REFERENCES contacts(id) ON DELETE SET NULL,
    opportunity_id TEXT REFERENCES opportunities(id) ON DELETE SET NULL,
    client_name    TEXT NOT NULL DEFAULT '',
    issue_date     TEXT,
    due_date       TEXT,
    payment_terms  TEXT,
    currency       TEXT NOT NULL DEFAULT 'USD',
    total_amount   INTEGER NOT NULL DEFAULT 0,
    amount_paid    INTEGER NOT NULL DEFAULT 0,
    sent_at        TEXT,
    paid_at        TEXT,
    cancelled_at   TEXT,
    line_items     TEXT NOT NULL DEFAULT '[]',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    created_by     TEXT REFERENCES users(id) ON DELETE SET NULL
);
INSERT INTO invoices_v10 (id, org_id, invoice_number, invoice_title, status, account_id,
                          due_date, currency, total_amount, amount_paid, created_at, updated_at)
    SELECT i.id, i.org_id, i.invoice_number, i.invoice_title,
           CASE WHEN i.status IN ('Draft', 'Sent', 'Viewed', 'Paid', 'Partially_Paid', 'Pending',
                                  'Cancelled') THEN i.status ELSE 'Sent' END,
           a.id, i.due_date, CASE WHEN i.currency = '' THEN 'USD' ELSE i.currency END,
           CAST(round(CAST(i.total_amount AS REAL) * 100) AS INTEGER),
           CASE WHEN i.status = 'Paid' THEN CAST(round(CAST(i.total_amount AS REAL) * 100) AS INTEGER)
                ELSE 0 END,
           i.created_on, i.created_on
    FROM invoices i LEFT JOIN accounts a ON a.pk = i.account_pk;
DROP TABLE invoices;
ALTER TABLE invoices_v10 RENAME TO invoices;
CREATE INDEX invoices_list ON invoices(org_id, created_at);
CREATE INDEX invoices_account ON invoices(account_id);
CREATE INDEX invoices_creator ON invoices(created_by);

CREATE TABLE invoice_payments (
    seq              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    invoice_id       TEXT NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
    amount           INTEGER NOT NULL,
    payment_method   TEXT NOT NULL,
    payment_date     TEXT NOT NULL,
    reference_number TEXT NOT NULL DEFAULT '',
    notes            TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    created_by       TEXT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX invoice_payments_invoice ON invoice_payments(invoice_id);
