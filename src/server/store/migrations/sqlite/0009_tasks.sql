-- Schema version 9: tasks with the contract's fields and one parent at most, replacing
-- version 1's table.
CREATE TABLE tasks_v9 (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    org_id         TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    title          TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'New',
    priority       TEXT NOT NULL DEFAULT 'Medium',
    due_date       TEXT,
    description    TEXT NOT NULL DEFAULT '',
    account_id     TEXT REFERENCES accounts(id) ON DELETE SET NULL,
    opportunity_id TEXT REFERENCES opportunities(id) ON DELETE SET NULL,
    case_id        TEXT REFERENCES cases(id) ON DELETE SET NULL,
    lead_id        TEXT REFERENCES leads(id) ON DELETE SET NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    created_by     TEXT REFERENCES users(id) ON DELETE SET NULL
);
INSERT INTO tasks_v9 (id, org_id, title, status, priority, due_date, account_id, created_at,
                      updated_at)
    SELECT t.id, t.org_id, t.title,
           CASE WHEN t.status IN ('New', 'In Progress', 'Completed') THEN t.status ELSE 'New' END,
           CASE t.priority WHEN 'Low' THEN 'Low' WHEN 'High' THEN 'High' WHEN 'Urgent' THEN 'High'
                ELSE 'Medium' END,
           t.due_date, a.id, t.created_on, t.created_on
    FROM tasks t LEFT JOIN accounts a ON a.pk = t.account_pk;
DROP TABLE tasks;
ALTER TABLE tasks_v9 RENAME TO tasks;
CREATE INDEX tasks_list ON tasks(org_id, created_at);
CREATE INDEX tasks_due ON tasks(org_id, due_date);
CREATE INDEX tasks_account ON tasks(account_id);
CREATE INDEX tasks_opportunity ON tasks(opportunity_id);
CREATE INDEX tasks_case ON tasks(case_id);
CREATE INDEX tasks_lead ON tasks(lead_id);
CREATE INDEX tasks_creator ON tasks(created_by);
