-- Schema version 11: sessions that can be revoked, and mail that says who to reply to.
-- A user's `token_version` is in every token issued to them; bumping it (a password change, a
-- reused refresh token) ends every session at once. Refresh tokens are single-use: each is
-- recorded here when issued and marked when used.
ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
CREATE TABLE refresh_tokens (
    jti        TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);

-- Mail goes out from the configured address; what the caller gave as `from_account` is only
-- the Reply-To. The recipient count feeds each user's daily quota.
ALTER TABLE emails ADD COLUMN reply_to TEXT;
ALTER TABLE emails ADD COLUMN recipient_count INTEGER NOT NULL DEFAULT 1;
UPDATE emails SET recipient_count = json_array_length(recipients);
CREATE INDEX emails_creator_day ON emails(created_by, created_on);
