-- Version 11: what makes every list cost about the same at any size (SQLite's version 12).
-- 1. Counts (and deal sums) kept by triggers per org and bucket, as `account_counts` is: an
--    admin's unfiltered list reads its totals from them instead of counting every row. The
--    triggers run once per statement over its transition tables (a row-level upsert of one
--    counter per inserted row makes a bulk insert quadratic: each update of the same counter
--    in one transaction leaves a row version the next one walks past), and apply a
--    statement's changes as one upsert in key order, so that concurrent writers lock counter
--    rows in the same order.
-- 2. Trigram indexes on the folded columns the text filters search (`lower(col) LIKE`).

-- The trigger of every counter table. TG_ARGV: the table, its key columns, the expressions of
-- those keys over a record's row, its value columns, and their expressions. Each new record
-- adds its values to its bucket; a deleted one takes them away; an update does both.
CREATE FUNCTION kept_counts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    counts TEXT := TG_ARGV[0];
    keys TEXT := TG_ARGV[1];
    key_exprs TEXT := TG_ARGV[2];
    vals TEXT[] := string_to_array(TG_ARGV[3], ', ');
    val_exprs TEXT := TG_ARGV[4];
    changes TEXT;
BEGIN
    changes := concat_ws(' UNION ALL ',
        CASE WHEN TG_OP <> 'INSERT'
             THEN format('SELECT %s, -1, %s FROM old_rows', key_exprs, val_exprs) END,
        CASE WHEN TG_OP <> 'DELETE'
             THEN format('SELECT %s, 1, %s FROM new_rows', key_exprs, val_exprs) END);
    EXECUTE format(
        'INSERT INTO %I AS c (%s, %s) SELECT %s, %s FROM (%s) d (%s, s, %s) GROUP BY %s '
        'HAVING %s ORDER BY %s ON CONFLICT (%s) DO UPDATE SET %s',
        counts, keys, array_to_string(vals, ', '),
        keys, (SELECT string_agg(format('sum(d.s * d.%I)', v), ', ') FROM unnest(vals) v),
        changes, keys, array_to_string(vals, ', '), keys,
        (SELECT string_agg(format('sum(d.s * d.%I) <> 0', v), ' OR ') FROM unnest(vals) v),
        keys, keys,
        (SELECT string_agg(format('%I = c.%I + excluded.%I', v, v, v), ', ')
         FROM unnest(vals) v));
    RETURN NULL;
END $$;

-- Accounts: version 1's row-level trigger moves a status change as two upserts in the
-- order of the change, so two writers closing and reopening accounts at once could deadlock
-- (one holds `open` and waits for `closed`, the other the reverse); now as every other count.
DROP TRIGGER accounts_count_ins ON accounts;
DROP TRIGGER accounts_count_upd ON accounts;
DROP FUNCTION accounts_count();
CREATE TRIGGER accounts_count_ins AFTER INSERT ON accounts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('account_counts', 'org_id, status', 'org_id, status', 'n', '1');
CREATE TRIGGER accounts_count_del AFTER DELETE ON accounts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('account_counts', 'org_id, status', 'org_id, status', 'n', '1');
CREATE TRIGGER accounts_count_upd AFTER UPDATE ON accounts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('account_counts', 'org_id, status', 'org_id, status', 'n', '1');

-- Contacts: active or not.
CREATE TABLE contact_counts (
    org_id    UUID NOT NULL,
    is_active BOOLEAN NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (org_id, is_active)
);
INSERT INTO contact_counts SELECT org_id, is_active, count(*) FROM contacts GROUP BY 1, 2;
CREATE TRIGGER contacts_count_ins AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('contact_counts', 'org_id, is_active', 'org_id, is_active',
        'n', '1');
CREATE TRIGGER contacts_count_del AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('contact_counts', 'org_id, is_active', 'org_id, is_active',
        'n', '1');
CREATE TRIGGER contacts_count_upd AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('contact_counts', 'org_id, is_active', 'org_id, is_active',
        'n', '1');

-- Leads: per status ('' for none; converted leads are counted too, and never listed).
CREATE TABLE lead_counts (
    org_id UUID NOT NULL,
    status TEXT NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (org_id, status)
);
INSERT INTO lead_counts SELECT org_id, coalesce(status, ''), count(*) FROM leads GROUP BY 1, 2;
CREATE TRIGGER leads_count_ins AFTER INSERT ON leads
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('lead_counts', 'org_id, status',
        'org_id, coalesce(status, '''')', 'n', '1');
CREATE TRIGGER leads_count_del AFTER DELETE ON leads
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('lead_counts', 'org_id, status',
        'org_id, coalesce(status, '''')', 'n', '1');
CREATE TRIGGER leads_count_upd AFTER UPDATE ON leads
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('lead_counts', 'org_id, status',
        'org_id, coalesce(status, '''')', 'n', '1');

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
CREATE TRIGGER opportunities_count_ins AFTER INSERT ON opportunities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('opportunity_counts', 'org_id, currency', 'org_id, currency',
        'n, amount_hi, amount_lo, weighted_hi, weighted_lo',
        '1, coalesce(amount / 1000000, 0), coalesce(amount % 1000000, 0),
         coalesce(amount * probability / 1000000, 0),
         coalesce(amount * probability % 1000000, 0)');
CREATE TRIGGER opportunities_count_del AFTER DELETE ON opportunities
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('opportunity_counts', 'org_id, currency', 'org_id, currency',
        'n, amount_hi, amount_lo, weighted_hi, weighted_lo',
        '1, coalesce(amount / 1000000, 0), coalesce(amount % 1000000, 0),
         coalesce(amount * probability / 1000000, 0),
         coalesce(amount * probability % 1000000, 0)');
CREATE TRIGGER opportunities_count_upd AFTER UPDATE ON opportunities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('opportunity_counts', 'org_id, currency', 'org_id, currency',
        'n, amount_hi, amount_lo, weighted_hi, weighted_lo',
        '1, coalesce(amount / 1000000, 0), coalesce(amount % 1000000, 0),
         coalesce(amount * probability / 1000000, 0),
         coalesce(amount * probability % 1000000, 0)');

-- Cases: per status and priority.
CREATE TABLE case_counts (
    org_id   UUID NOT NULL,
    status   TEXT NOT NULL,
    priority TEXT NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (org_id, status, priority)
);
INSERT INTO case_counts SELECT org_id, status, priority, count(*) FROM cases GROUP BY 1, 2, 3;
CREATE TRIGGER cases_count_ins AFTER INSERT ON cases
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('case_counts', 'org_id, status, priority',
        'org_id, status, priority', 'n', '1');
CREATE TRIGGER cases_count_del AFTER DELETE ON cases
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('case_counts', 'org_id, status, priority',
        'org_id, status, priority', 'n', '1');
CREATE TRIGGER cases_count_upd AFTER UPDATE ON cases
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('case_counts', 'org_id, status, priority',
        'org_id, status, priority', 'n', '1');

-- Tasks: how many users each is assigned to, kept from `record_links`, for `unassigned`.
ALTER TABLE tasks ADD COLUMN assignees BIGINT NOT NULL DEFAULT 0;
UPDATE tasks t SET assignees = l.n
    FROM (SELECT record_id, count(*) AS n FROM record_links
          WHERE record_kind = 'task' AND rel = 'assigned_to' GROUP BY record_id) l
    WHERE l.record_id = t.id;
CREATE FUNCTION task_assignees() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE tasks t SET assignees = t.assignees + l.n
            FROM (SELECT record_id, count(*) AS n FROM new_rows
                  WHERE record_kind = 'task' AND rel = 'assigned_to' GROUP BY record_id) l
            WHERE t.id = l.record_id;
    ELSE
        UPDATE tasks t SET assignees = t.assignees - l.n
            FROM (SELECT record_id, count(*) AS n FROM old_rows
                  WHERE record_kind = 'task' AND rel = 'assigned_to' GROUP BY record_id) l
            WHERE t.id = l.record_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER task_assignees_ins AFTER INSERT ON record_links
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION task_assignees();
CREATE TRIGGER task_assignees_del AFTER DELETE ON record_links
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION task_assignees();

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
    LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN status <> 'Completed' THEN coalesce(to_char(due, 'YYYY-MM-DD'), '')
                ELSE '' END
$$;
INSERT INTO task_counts
    SELECT org_id, status <> 'Completed', task_bucket_due(status, due_date),
           status <> 'Completed' AND assignees = 0, count(*)
    FROM tasks GROUP BY 1, 2, 3, 4;
CREATE TRIGGER tasks_count_ins AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('task_counts', 'org_id, is_open, due_date, unassigned',
        'org_id, status <> ''Completed'', task_bucket_due(status, due_date),
         status <> ''Completed'' AND assignees = 0', 'n', '1');
CREATE TRIGGER tasks_count_del AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('task_counts', 'org_id, is_open, due_date, unassigned',
        'org_id, status <> ''Completed'', task_bucket_due(status, due_date),
         status <> ''Completed'' AND assignees = 0', 'n', '1');
CREATE TRIGGER tasks_count_upd AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('task_counts', 'org_id, is_open, due_date, unassigned',
        'org_id, status <> ''Completed'', task_bucket_due(status, due_date),
         status <> ''Completed'' AND assignees = 0', 'n', '1');

-- Invoices: how many.
CREATE TABLE invoice_counts (
    org_id UUID PRIMARY KEY,
    n      BIGINT NOT NULL
);
INSERT INTO invoice_counts SELECT org_id, count(*) FROM invoices GROUP BY org_id;
CREATE TRIGGER invoices_count_ins AFTER INSERT ON invoices
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('invoice_counts', 'org_id', 'org_id', 'n', '1');
CREATE TRIGGER invoices_count_del AFTER DELETE ON invoices
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION kept_counts('invoice_counts', 'org_id', 'org_id', 'n', '1');

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
