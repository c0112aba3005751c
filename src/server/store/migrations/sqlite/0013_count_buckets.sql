-- Schema version 13: the buckets the default tabs and the dashboard read, so that they too
-- cost the same at any size: deals' counts and sums per stage as well as per currency (open
-- deals, the pipeline), invoices' counts per stored status (unpaid ones), and an index for
-- the leads to follow up today.

DROP TRIGGER opportunities_count_ins;
DROP TRIGGER opportunities_count_del;
DROP TRIGGER opportunities_count_upd;
DROP TABLE opportunity_counts;
CREATE TABLE opportunity_counts (
    org_id      TEXT NOT NULL,
    currency    TEXT NOT NULL,
    stage       TEXT NOT NULL,
    n           INTEGER NOT NULL,
    amount_hi   INTEGER NOT NULL,
    amount_lo   INTEGER NOT NULL,
    weighted_hi INTEGER NOT NULL,
    weighted_lo INTEGER NOT NULL,
    PRIMARY KEY (org_id, currency, stage)
) WITHOUT ROWID;
INSERT INTO opportunity_counts
    SELECT org_id, currency, stage, count(*),
           coalesce(sum(amount / 1000000), 0), coalesce(sum(amount % 1000000), 0),
           coalesce(sum(amount * probability / 1000000), 0),
           coalesce(sum(amount * probability % 1000000), 0)
    FROM opportunities GROUP BY org_id, currency, stage;
CREATE TRIGGER opportunities_count_ins AFTER INSERT ON opportunities BEGIN
    INSERT INTO opportunity_counts VALUES (new.org_id, new.currency, new.stage, 1,
        coalesce(new.amount / 1000000, 0), coalesce(new.amount % 1000000, 0),
        coalesce(new.amount * new.probability / 1000000, 0),
        coalesce(new.amount * new.probability % 1000000, 0))
    ON CONFLICT (org_id, currency, stage) DO UPDATE SET n = n + 1,
        amount_hi = amount_hi + excluded.amount_hi, amount_lo = amount_lo + excluded.amount_lo,
        weighted_hi = weighted_hi + excluded.weighted_hi,
        weighted_lo = weighted_lo + excluded.weighted_lo;
END;
CREATE TRIGGER opportunities_count_del AFTER DELETE ON opportunities BEGIN
    UPDATE opportunity_counts SET n = n - 1,
        amount_hi = amount_hi - coalesce(old.amount / 1000000, 0),
        amount_lo = amount_lo - coalesce(old.amount % 1000000, 0),
        weighted_hi = weighted_hi - coalesce(old.amount * old.probability / 1000000, 0),
        weighted_lo = weighted_lo - coalesce(old.amount * old.probability % 1000000, 0)
    WHERE org_id = old.org_id AND currency = old.currency AND stage = old.stage;
END;
CREATE TRIGGER opportunities_count_upd AFTER UPDATE OF currency, stage, amount, probability
ON opportunities
WHEN old.currency IS NOT new.currency OR old.stage IS NOT new.stage
  OR old.amount IS NOT new.amount OR old.probability IS NOT new.probability BEGIN
    UPDATE opportunity_counts SET n = n - 1,
        amount_hi = amount_hi - coalesce(old.amount / 1000000, 0),
        amount_lo = amount_lo - coalesce(old.amount % 1000000, 0),
        weighted_hi = weighted_hi - coalesce(old.amount * old.probability / 1000000, 0),
        weighted_lo = weighted_lo - coalesce(old.amount * old.probability % 1000000, 0)
    WHERE org_id = old.org_id AND currency = old.currency AND stage = old.stage;
    INSERT INTO opportunity_counts VALUES (new.org_id, new.currency, new.stage, 1,
        coalesce(new.amount / 1000000, 0), coalesce(new.amount % 1000000, 0),
        coalesce(new.amount * new.probability / 1000000, 0),
        coalesce(new.amount * new.probability % 1000000, 0))
    ON CONFLICT (org_id, currency, stage) DO UPDATE SET n = n + 1,
        amount_hi = amount_hi + excluded.amount_hi, amount_lo = amount_lo + excluded.amount_lo,
        weighted_hi = weighted_hi + excluded.weighted_hi,
        weighted_lo = weighted_lo + excluded.weighted_lo;
END;

-- Invoices: per stored status (`Overdue` is derived from the date, so never a bucket).
DROP TRIGGER invoices_count_ins;
DROP TRIGGER invoices_count_del;
DROP TABLE invoice_counts;
CREATE TABLE invoice_counts (
    org_id TEXT NOT NULL,
    status TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (org_id, status)
) WITHOUT ROWID;
INSERT INTO invoice_counts (org_id, status, n)
    SELECT org_id, status, count(*) FROM invoices GROUP BY org_id, status;
CREATE TRIGGER invoices_count_ins AFTER INSERT ON invoices BEGIN
    INSERT INTO invoice_counts (org_id, status, n) VALUES (new.org_id, new.status, 1)
        ON CONFLICT (org_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER invoices_count_del AFTER DELETE ON invoices BEGIN
    UPDATE invoice_counts SET n = n - 1 WHERE org_id = old.org_id AND status = old.status;
END;
CREATE TRIGGER invoices_count_upd AFTER UPDATE OF status ON invoices
WHEN old.status IS NOT new.status BEGIN
    UPDATE invoice_counts SET n = n - 1 WHERE org_id = old.org_id AND status = old.status;
    INSERT INTO invoice_counts (org_id, status, n) VALUES (new.org_id, new.status, 1)
        ON CONFLICT (org_id, status) DO UPDATE SET n = n + 1;
END;

-- The dashboard's follow-ups of the day, and its hot leads: index ranges, not scans.
CREATE INDEX leads_follow_up ON leads(org_id, next_follow_up, status);
CREATE INDEX leads_rating ON leads(org_id, rating, status);
