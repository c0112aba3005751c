-- Version 11: what makes every list cost about the same at any size (SQLite's version 12).
-- 1. Counts (and deal sums) kept by triggers per org and bucket, as `account_counts` is: an
--    admin's unfiltered list reads its totals from them instead of counting every row. Each
--    trigger applies its change as one upsert of the old bucket's -1 and the new bucket's +1,
--    in key order, so concurrent writers lock counter rows in the same order (no deadlock
--    between two updates moving records in opposite directions).
-- 2. Trigram indexes on the folded columns the text filters search (`lower(col) LIKE`).

-- Contacts: active or not.
CREATE TABLE contact_counts (
    org_id    UUID NOT NULL,
    is_active BOOLEAN NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (org_id, is_active)
);
INSERT INTO contact_counts SELECT org_id, is_active, count(*) FROM contacts GROUP BY 1, 2;
CREATE FUNCTION contacts_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO contact_counts AS c (org_id, is_active, n)
        SELECT d.org_id, d.is_active, sum(d.n) FROM (
            SELECT OLD.org_id, OLD.is_active, -1 WHERE TG_OP <> 'INSERT'
            UNION ALL SELECT NEW.org_id, NEW.is_active, 1 WHERE TG_OP <> 'DELETE'
        ) d (org_id, is_active, n)
        GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (org_id, is_active) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;
CREATE TRIGGER contacts_count AFTER INSERT OR DELETE ON contacts
    FOR EACH ROW EXECUTE FUNCTION contacts_count();
CREATE TRIGGER contacts_count_upd AFTER UPDATE OF is_active ON contacts
    FOR EACH ROW WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active)
    EXECUTE FUNCTION contacts_count();

-- Leads: per status ('' for none; converted leads are counted too, and never listed).
CREATE TABLE lead_counts (
    org_id UUID NOT NULL,
    status TEXT NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (org_id, status)
);
INSERT INTO lead_counts SELECT org_id, coalesce(status, ''), count(*) FROM leads GROUP BY 1, 2;
CREATE FUNCTION leads_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO lead_counts AS c (org_id, status, n)
        SELECT d.org_id, d.status, sum(d.n) FROM (
            SELECT OLD.org_id, coalesce(OLD.status, ''), -1 WHERE TG_OP <> 'INSERT'
            UNION ALL SELECT NEW.org_id, coalesce(NEW.status, ''), 1 WHERE TG_OP <> 'DELETE'
        ) d (org_id, status, n)
        GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (org_id, status) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;
CREATE TRIGGER leads_count AFTER INSERT OR DELETE ON leads
    FOR EACH ROW EXECUTE FUNCTION leads_count();
CREATE TRIGGER leads_count_upd AFTER UPDATE OF status ON leads
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION leads_count();

-- Opportunities: per currency, the count and the two sums of the list's totals, each kept in
-- two parts (millions and the rest) as the list sums them.
CREATE TABLE opportunity_counts (
    org_id      UUID NOT NULL,
    currency    TEXT NOT NULL,
    n           BIGINT NOT NULL,
    amount_hi   BIGINT NOT NULL,
    amount_lo   BIGINT NOT NULL,
    weighted_hi BIGINT NOT NULL,
    weighted_lo BIGINT NOT NULL,
    PRIMARY KEY (org_id, currency)
);
INSERT INTO opportunity_counts
    SELECT org_id, currency, count(*),
           coalesce(sum(amount / 1000000), 0), coalesce(sum(amount % 1000000), 0),
           coalesce(sum(amount * probability / 1000000), 0),
           coalesce(sum(amount * probability % 1000000), 0)
    FROM opportunities GROUP BY 1, 2;
CREATE FUNCTION opportunities_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO opportunity_counts AS c
        SELECT d.org_id, d.currency, sum(d.n), sum(d.s * coalesce(d.a / 1000000, 0)),
               sum(d.s * coalesce(d.a % 1000000, 0)),
               sum(d.s * coalesce(d.a * d.p / 1000000, 0)),
               sum(d.s * coalesce(d.a * d.p % 1000000, 0))
        FROM (
            SELECT OLD.org_id, OLD.currency, -1, -1, OLD.amount, OLD.probability
                WHERE TG_OP <> 'INSERT'
            UNION ALL SELECT NEW.org_id, NEW.currency, 1, 1, NEW.amount, NEW.probability
                WHERE TG_OP <> 'DELETE'
        ) d (org_id, currency, n, s, a, p)
        GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (org_id, currency) DO UPDATE SET n = c.n + excluded.n,
        amount_hi = c.amount_hi + excluded.amount_hi,
        amount_lo = c.amount_lo + excluded.amount_lo,
        weighted_hi = c.weighted_hi + excluded.weighted_hi,
        weighted_lo = c.weighted_lo + excluded.weighted_lo;
    RETURN NULL;
END $$;
CREATE TRIGGER opportunities_count AFTER INSERT OR DELETE ON opportunities
    FOR EACH ROW EXECUTE FUNCTION opportunities_count();
CREATE TRIGGER opportunities_count_upd AFTER UPDATE OF currency, amount, probability
    ON opportunities FOR EACH ROW
    WHEN (OLD.currency IS DISTINCT FROM NEW.currency OR OLD.amount IS DISTINCT FROM NEW.amount
          OR OLD.probability IS DISTINCT FROM NEW.probability)
    EXECUTE FUNCTION opportunities_count();

-- Cases: per status and priority.
CREATE TABLE case_counts (
    org_id   UUID NOT NULL,
    status   TEXT NOT NULL,
    priority TEXT NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (org_id, status, priority)
);
INSERT INTO case_counts SELECT org_id, status, priority, count(*) FROM cases GROUP BY 1, 2, 3;
CREATE FUNCTION cases_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_counts AS c (org_id, status, priority, n)
        SELECT d.org_id, d.status, d.priority, sum(d.n) FROM (
            SELECT OLD.org_id, OLD.status, OLD.priority, -1 WHERE TG_OP <> 'INSERT'
            UNION ALL SELECT NEW.org_id, NEW.status, NEW.priority, 1 WHERE TG_OP <> 'DELETE'
        ) d (org_id, status, priority, n)
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (org_id, status, priority) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;
CREATE TRIGGER cases_count AFTER INSERT OR DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION cases_count();
CREATE TRIGGER cases_count_upd AFTER UPDATE OF status, priority ON cases
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                       OR OLD.priority IS DISTINCT FROM NEW.priority)
    EXECUTE FUNCTION cases_count();

-- Tasks: how many users each is assigned to, kept from `record_links`, for `unassigned`.
ALTER TABLE tasks ADD COLUMN assignees BIGINT NOT NULL DEFAULT 0;
UPDATE tasks t SET assignees = l.n
    FROM (SELECT record_id, count(*) AS n FROM record_links
          WHERE record_kind = 'task' AND rel = 'assigned_to' GROUP BY record_id) l
    WHERE l.record_id = t.id;
CREATE FUNCTION task_assignees() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE tasks SET assignees = assignees + 1 WHERE id = NEW.record_id;
    ELSE
        UPDATE tasks SET assignees = assignees - 1 WHERE id = OLD.record_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER task_assignees_ins AFTER INSERT ON record_links FOR EACH ROW
    WHEN (NEW.record_kind = 'task' AND NEW.rel = 'assigned_to')
    EXECUTE FUNCTION task_assignees();
CREATE TRIGGER task_assignees_del AFTER DELETE ON record_links FOR EACH ROW
    WHEN (OLD.record_kind = 'task' AND OLD.rel = 'assigned_to')
    EXECUTE FUNCTION task_assignees();

-- Tasks: open tasks per due date ('' for none, else YYYY-MM-DD) and whether anyone is
-- assigned; completed tasks in one bucket per org (is_open false, due_date '', unassigned
-- false). The due-date totals are sums over these rows, whatever today is.
CREATE TABLE task_counts (
    org_id     UUID NOT NULL,
    is_open    BOOLEAN NOT NULL,
    due_date   TEXT NOT NULL,
    unassigned BOOLEAN NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (org_id, is_open, due_date, unassigned)
);
CREATE FUNCTION task_bucket_due(status TEXT, due DATE) RETURNS TEXT
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN status <> 'Completed' THEN coalesce(to_char(due, 'YYYY-MM-DD'), '')
                ELSE '' END
$$;
INSERT INTO task_counts
    SELECT org_id, status <> 'Completed', task_bucket_due(status, due_date),
           status <> 'Completed' AND assignees = 0, count(*)
    FROM tasks GROUP BY 1, 2, 3, 4;
CREATE FUNCTION tasks_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_counts AS c (org_id, is_open, due_date, unassigned, n)
        SELECT d.org_id, d.is_open, d.due_date, d.unassigned, sum(d.n) FROM (
            SELECT OLD.org_id, OLD.status <> 'Completed',
                   task_bucket_due(OLD.status, OLD.due_date),
                   OLD.status <> 'Completed' AND OLD.assignees = 0, -1
                WHERE TG_OP <> 'INSERT'
            UNION ALL SELECT NEW.org_id, NEW.status <> 'Completed',
                   task_bucket_due(NEW.status, NEW.due_date),
                   NEW.status <> 'Completed' AND NEW.assignees = 0, 1
                WHERE TG_OP <> 'DELETE'
        ) d (org_id, is_open, due_date, unassigned, n)
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (org_id, is_open, due_date, unassigned) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;
CREATE TRIGGER tasks_count AFTER INSERT OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_count();
CREATE TRIGGER tasks_count_upd AFTER UPDATE OF status, due_date, assignees ON tasks
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                       OR OLD.due_date IS DISTINCT FROM NEW.due_date
                       OR OLD.assignees IS DISTINCT FROM NEW.assignees)
    EXECUTE FUNCTION tasks_count();

-- Invoices: how many.
CREATE TABLE invoice_counts (
    org_id UUID PRIMARY KEY,
    n      BIGINT NOT NULL
);
INSERT INTO invoice_counts SELECT org_id, count(*) FROM invoices GROUP BY org_id;
CREATE FUNCTION invoices_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO invoice_counts AS c (org_id, n) VALUES (NEW.org_id, 1)
            ON CONFLICT (org_id) DO UPDATE SET n = c.n + 1;
    ELSE
        UPDATE invoice_counts SET n = n - 1 WHERE org_id = OLD.org_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER invoices_count AFTER INSERT OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_count();

-- Trigram indexes for the text filters (contacts' full name has one since version 1).
CREATE INDEX contacts_email_trgm ON contacts USING gin (lower(email) gin_trgm_ops);
CREATE INDEX contacts_phone_trgm ON contacts USING gin (lower(phone) gin_trgm_ops);
CREATE INDEX contacts_city_trgm ON contacts USING gin (lower(city) gin_trgm_ops);
CREATE INDEX leads_name_trgm ON leads
    USING gin (lower(first_name || ' ' || last_name) gin_trgm_ops);
CREATE INDEX leads_company_trgm ON leads USING gin (lower(company_name) gin_trgm_ops);
CREATE INDEX leads_email_trgm ON leads USING gin (lower(email) gin_trgm_ops);
CREATE INDEX leads_city_trgm ON leads USING gin (lower(city) gin_trgm_ops);
CREATE INDEX opportunities_name_trgm ON opportunities USING gin (lower(name) gin_trgm_ops);
CREATE INDEX cases_name_trgm ON cases USING gin (lower(name) gin_trgm_ops);
CREATE INDEX cases_description_trgm ON cases USING gin (lower(description) gin_trgm_ops);
CREATE INDEX tasks_title_trgm ON tasks USING gin (lower(title) gin_trgm_ops);
CREATE INDEX invoices_title_trgm ON invoices USING gin (lower(invoice_title) gin_trgm_ops);
CREATE INDEX invoices_number_trgm ON invoices USING gin (lower(invoice_number) gin_trgm_ops);
CREATE INDEX invoices_client_trgm ON invoices USING gin (lower(client_name) gin_trgm_ops);
