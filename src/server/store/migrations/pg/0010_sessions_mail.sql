-- Version 10: sessions that can be revoked, and mail that says who to reply to (see SQLite's
-- version 11).
ALTER TABLE users ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0;
CREATE TABLE refresh_tokens (
    jti        UUID PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);

ALTER TABLE emails ADD COLUMN reply_to TEXT;
ALTER TABLE emails ADD COLUMN recipient_count BIGINT NOT NULL DEFAULT 1;
UPDATE emails SET recipient_count = json_array_length(recipients::json);
CREATE INDEX emails_creator_day ON emails(created_by, created_on);
