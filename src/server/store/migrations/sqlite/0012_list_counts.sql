-- Schema version 12: what makes every list cost about the same at any size.
-- 1. Counts (and deal sums) kept by triggers per org and bucket, as `account_counts` is: an
--    admin's unfiltered list reads its totals from them instead of counting every row.
-- 2. A trigram index per kind over the columns its text filters search, so that a substring
--    of three characters or more is an index lookup rather than a scan.
-- Rows with n = 0 stay (their buckets are few) except tasks', whose buckets include a date.

-- Contacts: active or not.
CREATE TABLE contact_counts (
    org_id    TEXT NOT NULL,
    is_active INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (org_id, is_active)
) WITHOUT ROWID;
INSERT INTO contact_counts (org_id, is_active, n)
    SELECT org_id, is_active, count(*) FROM contacts GROUP BY org_id, is_active;
CREATE TRIGGER contacts_count_ins AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_counts (org_id, is_active, n) VALUES (new.org_id, new.is_active, 1)
        ON CONFLICT (org_id, is_active) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER contacts_count_del AFTER DELETE ON contacts BEGIN
    UPDATE contact_counts SET n = n - 1 WHERE org_id = old.org_id AND is_active = old.is_active;
END;
CREATE TRIGGER contacts_count_upd AFTER UPDATE OF is_active ON contacts
WHEN old.is_active IS NOT new.is_active BEGIN
    UPDATE contact_counts SET n = n - 1 WHERE org_id = old.org_id AND is_active = old.is_active;
    INSERT INTO contact_counts (org_id, is_active, n) VALUES (new.org_id, new.is_active, 1)
        ON CONFLICT (org_id, is_active) DO UPDATE SET n = n + 1;
END;

-- Leads: per status ('' for none; converted leads are counted too, and never listed).
CREATE TABLE lead_counts (
    org_id TEXT NOT NULL,
    status TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (org_id, status)
) WITHOUT ROWID;
INSERT INTO lead_counts (org_id, status, n)
    SELECT org_id, coalesce(status, ''), count(*) FROM leads GROUP BY 1, 2;
CREATE TRIGGER leads_count_ins AFTER INSERT ON leads BEGIN
    INSERT INTO lead_counts (org_id, status, n) VALUES (new.org_id, coalesce(new.status, ''), 1)
        ON CONFLICT (org_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER leads_count_del AFTER DELETE ON leads BEGIN
    UPDATE lead_counts SET n = n - 1
        WHERE org_id = old.org_id AND status = coalesce(old.status, '');
END;
CREATE TRIGGER leads_count_upd AFTER UPDATE OF status ON leads
WHEN old.status IS NOT new.status BEGIN
    UPDATE lead_counts SET n = n - 1
        WHERE org_id = old.org_id AND status = coalesce(old.status, '');
    INSERT INTO lead_counts (org_id, status, n) VALUES (new.org_id, coalesce(new.status, ''), 1)
        ON CONFLICT (org_id, status) DO UPDATE SET n = n + 1;
END;

-- Opportunities: per currency, the count and the two sums of the list's totals, each kept in
-- two parts (millions and the rest) as the list sums them, so that no sum overflows.
CREATE TABLE opportunity_counts (
    org_id      TEXT NOT NULL,
    currency    TEXT NOT NULL,
    n           INTEGER NOT NULL,
    amount_hi   INTEGER NOT NULL,
    amount_lo   INTEGER NOT NULL,
    weighted_hi INTEGER NOT NULL,
    weighted_lo INTEGER NOT NULL,
    PRIMARY KEY (org_id, currency)
) WITHOUT ROWID;
INSERT INTO opportunity_counts
    SELECT org_id, currency, count(*),
           coalesce(sum(amount / 1000000), 0), coalesce(sum(amount % 1000000), 0),
           coalesce(sum(amount * probability / 1000000), 0),
           coalesce(sum(amount * probability % 1000000), 0)
    FROM opportunities GROUP BY org_id, currency;
CREATE TRIGGER opportunities_count_ins AFTER INSERT ON opportunities BEGIN
    INSERT INTO opportunity_counts VALUES (new.org_id, new.currency, 1,
        coalesce(new.amount / 1000000, 0), coalesce(new.amount % 1000000, 0),
        coalesce(new.amount * new.probability / 1000000, 0),
        coalesce(new.amount * new.probability % 1000000, 0))
    ON CONFLICT (org_id, currency) DO UPDATE SET n = n + 1,
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
    WHERE org_id = old.org_id AND currency = old.currency;
END;
CREATE TRIGGER opportunities_count_upd AFTER UPDATE OF currency, amount, probability
ON opportunities
WHEN old.currency IS NOT new.currency OR old.amount IS NOT new.amount
  OR old.probability IS NOT new.probability BEGIN
    UPDATE opportunity_counts SET n = n - 1,
        amount_hi = amount_hi - coalesce(old.amount / 1000000, 0),
        amount_lo = amount_lo - coalesce(old.amount % 1000000, 0),
        weighted_hi = weighted_hi - coalesce(old.amount * old.probability / 1000000, 0),
        weighted_lo = weighted_lo - coalesce(old.amount * old.probability % 1000000, 0)
    WHERE org_id = old.org_id AND currency = old.currency;
    INSERT INTO opportunity_counts VALUES (new.org_id, new.currency, 1,
        coalesce(new.amount / 1000000, 0), coalesce(new.amount % 1000000, 0),
        coalesce(new.amount * new.probability / 1000000, 0),
        coalesce(new.amount * new.probability % 1000000, 0))
    ON CONFLICT (org_id, currency) DO UPDATE SET n = n + 1,
        amount_hi = amount_hi + excluded.amount_hi, amount_lo = amount_lo + excluded.amount_lo,
        weighted_hi = weighted_hi + excluded.weighted_hi,
        weighted_lo = weighted_lo + excluded.weighted_lo;
END;

-- Cases: per status and priority.
CREATE TABLE case_counts (
    org_id   TEXT NOT NULL,
    status   TEXT NOT NULL,
    priority TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (org_id, status, priority)
) WITHOUT ROWID;
INSERT INTO case_counts (org_id, status, priority, n)
    SELECT org_id, status, priority, count(*) FROM cases GROUP BY 1, 2, 3;
CREATE TRIGGER cases_count_ins AFTER INSERT ON cases BEGIN
    INSERT INTO case_counts (org_id, status, priority, n)
        VALUES (new.org_id, new.status, new.priority, 1)
        ON CONFLICT (org_id, status, priority) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER cases_count_del AFTER DELETE ON cases BEGIN
    UPDATE case_counts SET n = n - 1
        WHERE org_id = old.org_id AND status = old.status AND priority = old.priority;
END;
CREATE TRIGGER cases_count_upd AFTER UPDATE OF status, priority ON cases
WHEN old.status IS NOT new.status OR old.priority IS NOT new.priority BEGIN
    UPDATE case_counts SET n = n - 1
        WHERE org_id = old.org_id AND status = old.status AND priority = old.priority;
    INSERT INTO case_counts (org_id, status, priority, n)
        VALUES (new.org_id, new.status, new.priority, 1)
        ON CONFLICT (org_id, status, priority) DO UPDATE SET n = n + 1;
END;

-- Tasks: how many users each is assigned to, kept from `record_links`, for `unassigned`.
ALTER TABLE tasks ADD COLUMN assignees INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET assignees = (SELECT count(*) FROM record_links l
    WHERE l.record_kind = 'task' AND l.record_id = tasks.id AND l.rel = 'assigned_to');
CREATE TRIGGER task_assignees_ins AFTER INSERT ON record_links
WHEN new.record_kind = 'task' AND new.rel = 'assigned_to' BEGIN
    UPDATE tasks SET assignees = assignees + 1 WHERE id = new.record_id;
END;
CREATE TRIGGER task_assignees_del AFTER DELETE ON record_links
WHEN old.record_kind = 'task' AND old.rel = 'assigned_to' BEGIN
    UPDATE tasks SET assignees = assignees - 1 WHERE id = old.record_id;
END;

-- Tasks: open tasks per due date ('' for none) and whether anyone is assigned; completed
-- tasks in one bucket per org (is_open = 0, due_date = '', unassigned = 0). The due-date totals
-- are sums over these rows, whatever today is.
CREATE TABLE task_counts (
    org_id     TEXT NOT NULL,
    is_open    INTEGER NOT NULL,
    due_date   TEXT NOT NULL,
    unassigned INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (org_id, is_open, due_date, unassigned)
) WITHOUT ROWID;
INSERT INTO task_counts (org_id, is_open, due_date, unassigned, n)
    SELECT org_id, status <> 'Completed',
           CASE WHEN status <> 'Completed' THEN coalesce(due_date, '') ELSE '' END,
           status <> 'Completed' AND assignees = 0, count(*)
    FROM tasks GROUP BY 1, 2, 3, 4;
CREATE TRIGGER tasks_count_ins AFTER INSERT ON tasks BEGIN
    INSERT INTO task_counts (org_id, is_open, due_date, unassigned, n)
        VALUES (new.org_id, new.status <> 'Completed',
                CASE WHEN new.status <> 'Completed' THEN coalesce(new.due_date, '') ELSE '' END,
                new.status <> 'Completed' AND new.assignees = 0, 1)
        ON CONFLICT (org_id, is_open, due_date, unassigned) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER tasks_count_del AFTER DELETE ON tasks BEGIN
    UPDATE task_counts SET n = n - 1
        WHERE org_id = old.org_id AND is_open = (old.status <> 'Completed')
          AND due_date = CASE WHEN old.status <> 'Completed' THEN coalesce(old.due_date, '')
                              ELSE '' END
          AND unassigned = (old.status <> 'Completed' AND old.assignees = 0);
    DELETE FROM task_counts WHERE org_id = old.org_id AND n = 0;
END;
CREATE TRIGGER tasks_count_upd AFTER UPDATE OF status, due_date, assignees ON tasks
WHEN old.status IS NOT new.status OR old.due_date IS NOT new.due_date
  OR old.assignees IS NOT new.assignees BEGIN
    UPDATE task_counts SET n = n - 1
        WHERE org_id = old.org_id AND is_open = (old.status <> 'Completed')
          AND due_date = CASE WHEN old.status <> 'Completed' THEN coalesce(old.due_date, '')
                              ELSE '' END
          AND unassigned = (old.status <> 'Completed' AND old.assignees = 0);
    INSERT INTO task_counts (org_id, is_open, due_date, unassigned, n)
        VALUES (new.org_id, new.status <> 'Completed',
                CASE WHEN new.status <> 'Completed' THEN coalesce(new.due_date, '') ELSE '' END,
                new.status <> 'Completed' AND new.assignees = 0, 1)
        ON CONFLICT (org_id, is_open, due_date, unassigned) DO UPDATE SET n = n + 1;
    DELETE FROM task_counts WHERE org_id = old.org_id AND n = 0;
END;

-- Invoices: how many.
CREATE TABLE invoice_counts (
    org_id TEXT PRIMARY KEY,
    n      INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO invoice_counts (org_id, n) SELECT org_id, count(*) FROM invoices GROUP BY org_id;
CREATE TRIGGER invoices_count_ins AFTER INSERT ON invoices BEGIN
    INSERT INTO invoice_counts (org_id, n) VALUES (new.org_id, 1)
        ON CONFLICT (org_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER invoices_count_del AFTER DELETE ON invoices BEGIN
    UPDATE invoice_counts SET n = n - 1 WHERE org_id = old.org_id;
END;

-- Trigram indexes of the text filters' columns, keyed by each table's rowid (contacts have no
-- integer key of their own; VACUUM keeps their rowids). They hold no copy of the text
-- (contentless), so an update is a delete and an insert. `full_name` is "first last": it
-- contains both names, so a name filter searches it alone.
CREATE VIRTUAL TABLE contacts_fts USING fts5(
    full_name, email, phone, city,
    content = '', contentless_delete = 1, tokenize = 'trigram'
);
INSERT INTO contacts_fts (rowid, full_name, email, phone, city)
    SELECT rowid, first_name || ' ' || last_name, email, phone, city FROM contacts;
CREATE TRIGGER contacts_fts_ins AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts (rowid, full_name, email, phone, city)
        VALUES (new.rowid, new.first_name || ' ' || new.last_name, new.email, new.phone, new.city);
END;
CREATE TRIGGER contacts_fts_del AFTER DELETE ON contacts BEGIN
    DELETE FROM contacts_fts WHERE rowid = old.rowid;
END;
CREATE TRIGGER contacts_fts_upd AFTER UPDATE OF first_name, last_name, email, phone, city
ON contacts BEGIN
    DELETE FROM contacts_fts WHERE rowid = old.rowid;
    INSERT INTO contacts_fts (rowid, full_name, email, phone, city)
        VALUES (new.rowid, new.first_name || ' ' || new.last_name, new.email, new.phone, new.city);
END;

CREATE VIRTUAL TABLE leads_fts USING fts5(
    full_name, company_name, email, city,
    content = '', contentless_delete = 1, tokenize = 'trigram'
);
INSERT INTO leads_fts (rowid, full_name, company_name, email, city)
    SELECT seq, first_name || ' ' || last_name, company_name, email, city FROM leads;
CREATE TRIGGER leads_fts_ins AFTER INSERT ON leads BEGIN
    INSERT INTO leads_fts (rowid, full_name, company_name, email, city)
        VALUES (new.seq, new.first_name || ' ' || new.last_name, new.company_name, new.email,
                new.city);
END;
CREATE TRIGGER leads_fts_del AFTER DELETE ON leads BEGIN
    DELETE FROM leads_fts WHERE rowid = old.seq;
END;
CREATE TRIGGER leads_fts_upd AFTER UPDATE OF first_name, last_name, company_name, email, city
ON leads BEGIN
    DELETE FROM leads_fts WHERE rowid = old.seq;
    INSERT INTO leads_fts (rowid, full_name, company_name, email, city)
        VALUES (new.seq, new.first_name || ' ' || new.last_name, new.company_name, new.email,
                new.city);
END;

CREATE VIRTUAL TABLE opportunities_fts USING fts5(
    name, content = '', contentless_delete = 1, tokenize = 'trigram'
);
INSERT INTO opportunities_fts (rowid, name) SELECT seq, name FROM opportunities;
CREATE TRIGGER opportunities_fts_ins AFTER INSERT ON opportunities BEGIN
    INSERT INTO opportunities_fts (rowid, name) VALUES (new.seq, new.name);
END;
CREATE TRIGGER opportunities_fts_del AFTER DELETE ON opportunities BEGIN
    DELETE FROM opportunities_fts WHERE rowid = old.seq;
END;
CREATE TRIGGER opportunities_fts_upd AFTER UPDATE OF name ON opportunities BEGIN
    DELETE FROM opportunities_fts WHERE rowid = old.seq;
    INSERT INTO opportunities_fts (rowid, name) VALUES (new.seq, new.name);
END;

CREATE VIRTUAL TABLE cases_fts USING fts5(
    name, description, content = '', contentless_delete = 1, tokenize = 'trigram'
);
INSERT INTO cases_fts (rowid, name, description) SELECT seq, name, description FROM cases;
CREATE TRIGGER cases_fts_ins AFTER INSERT ON cases BEGIN
    INSERT INTO cases_fts (rowid, name, description) VALUES (new.seq, new.name, new.description);
END;
CREATE TRIGGER cases_fts_del AFTER DELETE ON cases BEGIN
    DELETE FROM cases_fts WHERE rowid = old.seq;
END;
CREATE TRIGGER cases_fts_upd AFTER UPDATE OF name, description ON cases BEGIN
    DELETE FROM cases_fts WHERE rowid = old.seq;
    INSERT INTO cases_fts (rowid, name, description) VALUES (new.seq, new.name, new.description);
END;

CREATE VIRTUAL TABLE tasks_fts USING fts5(
    title, content = '', contentless_delete = 1, tokenize = 'trigram'
);
INSERT INTO tasks_fts (rowid, title) SELECT seq, title FROM tasks;
CREATE TRIGGER tasks_fts_ins AFTER INSERT ON tasks BEGIN
    INSERT INTO tasks_fts (rowid, title) VALUES (new.seq, new.title);
END;
CREATE TRIGGER tasks_fts_del AFTER DELETE ON tasks BEGIN
    DELETE FROM tasks_fts WHERE rowid = old.seq;
END;
CREATE TRIGGER tasks_fts_upd AFTER UPDATE OF title ON tasks BEGIN
    DELETE FROM tasks_fts WHERE rowid = old.seq;
    INSERT INTO tasks_fts (rowid, title) VALUES (new.seq, new.title);
END;

CREATE VIRTUAL TABLE invoices_fts USING fts5(
    invoice_title, invoice_number, client_name,
    content = '', contentless_delete = 1, tokenize = 'trigram'
);
INSERT INTO invoices_fts (rowid, invoice_title, invoice_number, client_name)
    SELECT seq, invoice_title, invoice_number, client_name FROM invoices;
CREATE TRIGGER invoices_fts_ins AFTER INSERT ON invoices BEGIN
    INSERT INTO invoices_fts (rowid, invoice_title, invoice_number, client_name)
        VALUES (new.seq, new.invoice_title, new.invoice_number, new.client_name);
END;
CREATE TRIGGER invoices_fts_del AFTER DELETE ON invoices BEGIN
    DELETE FROM invoices_fts WHERE rowid = old.seq;
END;
CREATE TRIGGER invoices_fts_upd AFTER UPDATE OF invoice_title, invoice_number, client_name
ON invoices BEGIN
    DELETE FROM invoices_fts WHERE rowid = old.seq;
    INSERT INTO invoices_fts (rowid, invoice_title, invoice_number, client_name)
        VALUES (new.seq, new.invoice_title, new.invoice_number, new.client_name);
END;
