-- Version 8: tasks with the contract's fields and one parent at most, in place.
ALTER TABLE tasks ADD COLUMN account_id UUID REFERENCES accounts(id) ON DELETE SET NULL;
UPDATE tasks t SET account_id = a.id FROM accounts a WHERE a.pk = t.account_pk;
ALTER TABLE tasks DROP COLUMN account_pk;
UPDATE tasks SET status = 'New' WHERE status NOT IN ('New', 'In Progress', 'Completed');
UPDATE tasks SET priority = CASE priority WHEN 'Low' THEN 'Low' WHEN 'High' THEN 'High'
                                          WHEN 'Urgent' THEN 'High' ELSE 'Medium' END;
ALTER TABLE tasks
    ALTER COLUMN status SET DEFAULT 'New',
    ALTER COLUMN priority SET DEFAULT 'Medium',
    ADD COLUMN seq BIGSERIAL UNIQUE,
    ADD COLUMN description TEXT NOT NULL DEFAULT '',
    ADD COLUMN opportunity_id UUID REFERENCES opportunities(id) ON DELETE SET NULL,
    ADD COLUMN case_id UUID REFERENCES cases(id) ON DELETE SET NULL,
    ADD COLUMN lead_id UUID REFERENCES leads(id) ON DELETE SET NULL,
    ADD COLUMN updated_at TIMESTAMPTZ,
    ADD COLUMN created_by UUID REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE tasks RENAME COLUMN created_on TO created_at;
UPDATE tasks SET updated_at = created_at;
ALTER TABLE tasks ALTER COLUMN updated_at SET NOT NULL;
CREATE INDEX tasks_list ON tasks(org_id, created_at);
CREATE INDEX tasks_due ON tasks(org_id, due_date);
CREATE INDEX tasks_account_id ON tasks(account_id);
CREATE INDEX tasks_opportunity ON tasks(opportunity_id);
CREATE INDEX tasks_case ON tasks(case_id);
CREATE INDEX tasks_lead ON tasks(lead_id);
CREATE INDEX tasks_creator ON tasks(created_by);
