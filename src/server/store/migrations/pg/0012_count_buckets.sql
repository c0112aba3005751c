-- Version 12 (SQLite's 13): the buckets the default tabs and the dashboard read, so that they
-- too cost the same at any size: deals' counts and sums per stage as well as per currency
-- (open deals, the pipeline), invoices' counts per stored status (unpaid ones), and indexes
-- for the dashboard's leads to follow up today and hot leads.

DROP TRIGGER opportunities_count_ins ON opportunities;
DROP TRIGGER opportunities_count_del ON opportunities;
DROP TRIGGER opportunities_count_upd ON opportunities;
DROP TABLE opportunity_counts;
CREATE TABLE opportunity_counts (
    org_id      UUID NOT NULL,
    currency    TEXT NOT NULL,
    stage       TEXT NOT NULL,
    n           BIGINT NOT NULL,
    amount_hi   BIGINT NOT NULL,
    amount_lo   BIGINT NOT NULL,
    weighted_hi BIGINT NOT NULL,
    weighted_lo BIGINT NOT NULL,
    PRIMARY KEY (org_id, currency, stage)
);
INSERT INTO opportunity_counts
    SELECT org_id, currency, stage, count(*),
           coalesce(sum(amount / 1000000), 0), coalesce(sum(amount % 1000000), 0),
           coalesce(sum(amount * probability / 1000000), 0),
           coalesce(sum(amount * probability % 1000000), 0)
    FROM opportunities GROUP BY 1, 2, 3;
CREATE TRIGGER opportunities_count_ins AFTER INSERT ON opportunities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('opportunity_counts', 'org_id, currency, stage',
        'org_id, currency, stage',
        'n, amount_hi, amount_lo, weighted_hi, weighted_lo',
        '1, coalesce(amount / 1000000, 0), coalesce(amount % 1000000, 0),
         coalesce(amount * probability / 1000000, 0),
         coalesce(amount * probability % 1000000, 0)');
CREATE TRIGGER opportunities_count_del AFTER DELETE ON opportunities
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('opportunity_counts', 'org_id, currency, stage',
        'org_id, currency, stage',
        'n, amount_hi, amount_lo, weighted_hi, weighted_lo',
        '1, coalesce(amount / 1000000, 0), coalesce(amount % 1000000, 0),
         coalesce(amount * probability / 1000000, 0),
         coalesce(amount * probability % 1000000, 0)');
CREATE TRIGGER opportunities_count_upd AFTER UPDATE ON opportunities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('opportunity_counts', 'org_id, currency, stage',
        'org_id, currency, stage',
        'n, amount_hi, amount_lo, weighted_hi, weighted_lo',
        '1, coalesce(amount / 1000000, 0), coalesce(amount % 1000000, 0),
         coalesce(amount * probability / 1000000, 0),
         coalesce(amount * probability % 1000000, 0)');

-- Invoices: per stored status (`Overdue` is derived from the date, so never a bucket).
DROP TRIGGER invoices_count_ins ON invoices;
DROP TRIGGER invoices_count_del ON invoices;
DROP TABLE invoice_counts;
CREATE TABLE invoice_counts (
    org_id UUID NOT NULL,
    status TEXT NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (org_id, status)
);
INSERT INTO invoice_counts SELECT org_id, status, count(*) FROM invoices GROUP BY 1, 2;
CREATE TRIGGER invoices_count_ins AFTER INSERT ON invoices
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('invoice_counts', 'org_id, status', 'org_id, status', 'n', '1');
CREATE TRIGGER invoices_count_del AFTER DELETE ON invoices
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('invoice_counts', 'org_id, status', 'org_id, status', 'n', '1');
CREATE TRIGGER invoices_count_upd AFTER UPDATE ON invoices
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('invoice_counts', 'org_id, status', 'org_id, status', 'n', '1');

CREATE INDEX leads_follow_up ON leads(org_id, next_follow_up, status);
CREATE INDEX leads_rating ON leads(org_id, rating, status);
