-- Schema version 3: each account and contact row keeps its whole wire JSON, so that a page of
-- them is string copies rather than parsing and serializing every field. The store writes it
-- after every change of the row or its links; rows from before (NULL) are filled at start-up.
ALTER TABLE accounts ADD COLUMN row_json TEXT;
ALTER TABLE contacts ADD COLUMN row_json TEXT;
