//! The mail outbox: what `create_mail` queued, and what the sender has done with it.
//!
//! Replicas share the outbox. A sender claims one due mail at a time by pushing its due time a
//! lease ahead in the same statement that picks it (`SKIP LOCKED` on PostgreSQL), so no two
//! senders take the same mail, and a sender that dies mid-send leaves the mail due again once
//! the lease runs out.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::db::{Db, Engine};
use super::now;
use crate::server::error::ApiError;

/// How long a claimed mail is left to its sender before another may try it.
pub const LEASE: Duration = Duration::minutes(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailState {
    Queued,
    Scheduled,
    Sent,
    Failed,
}

impl MailState {
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Queued => "queued",
            MailState::Scheduled => "scheduled",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
        }
    }
}

pub struct NewMail<'a> {
    pub org: Uuid,
    pub account_pk: i64,
    /// The configured address: mail never goes out under a name the caller chose.
    pub sender: &'a str,
    /// Where replies go: what the caller gave as `from_account`, else their own address.
    pub reply_to: &'a str,
    pub recipients: &'a [String],
    pub subject: &'a str,
    pub html: &'a str,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub created_by: Uuid,
}

pub fn insert(db: &Db<'_>, m: &NewMail<'_>) -> Result<Uuid, ApiError> {
    let id = Uuid::new_v4();
    let state = if m.scheduled_at.is_some() {
        MailState::Scheduled
    } else {
        MailState::Queued
    };
    let recipients = serde_json::to_string(m.recipients)
        .map_err(|e| ApiError::internal(format!("cannot encode recipients: {e}")))?;
    db.exec(
        "INSERT INTO emails (id, org_id, account_pk, sender, recipients, subject, html, state,
                             scheduled_at, created_on, created_by, reply_to, recipient_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        &[
            &id,
            &m.org,
            &m.account_pk,
            &m.sender,
            &recipients,
            &m.subject,
            &m.html,
            &state.as_str(),
            &m.scheduled_at,
            &now(),
            &m.created_by,
            &m.reply_to,
            &(m.recipients.len() as i64),
        ],
    )?;
    Ok(id)
}

/// Recipients `user` has mailed since the start of the day (UTC), for the daily quota.
pub fn recipients_today(db: &Db<'_>, user: Uuid) -> Result<i64, ApiError> {
    let midnight = now()
        .date_naive()
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    let cast = db.pick("", "::bigint");
    db.one(
        &format!(
            "SELECT coalesce(sum(recipient_count), 0){cast} FROM emails
             WHERE created_by = $1 AND created_on >= $2"
        ),
        &[&user, &midnight],
        |r| r.i64(0),
    )
}

#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: Uuid,
    pub sender: String,
    pub reply_to: Option<String>,
    pub recipients: Vec<String>,
    pub subject: String,
    pub html: String,
    /// Tries before this one.
    pub attempts: i64,
}

/// Claims the oldest due mail for this sender (see the module's note), or none.
pub fn claim(db: &Db<'_>) -> Result<Option<Outgoing>, ApiError> {
    let now = now();
    let lease_end = now + LEASE;
    let lock = match db.engine() {
        Engine::Postgres => "FOR UPDATE SKIP LOCKED",
        // SQLite has one writer: the claim cannot race.
        Engine::Sqlite => "",
    };
    db.opt(
        &format!(
            "UPDATE emails SET state = 'scheduled', scheduled_at = $2, attempts = attempts + 1
             WHERE id = (SELECT id FROM emails
                         WHERE state = 'queued' OR (state = 'scheduled' AND scheduled_at <= $1)
                         ORDER BY created_on LIMIT 1 {lock})
             RETURNING id, sender, recipients, subject, html, attempts, reply_to"
        ),
        &[&now, &lease_end],
        |r| {
            let recipients = r.text(2)?;
            Ok(Outgoing {
                id: r.uuid(0)?,
                sender: r.text(1)?,
                recipients: serde_json::from_str(&recipients).unwrap_or_default(),
                subject: r.text(3)?,
                html: r.text(4)?,
                attempts: r.i64(5)? - 1,
                reply_to: r.opt_text(6)?,
            })
        },
    )
}

/// Records how a claimed mail's try ended. A mail to try again is due at once.
pub fn finish(
    db: &Db<'_>,
    id: Uuid,
    state: MailState,
    error: Option<&str>,
) -> Result<(), ApiError> {
    let at = now();
    let sent_at = (state == MailState::Sent).then_some(at);
    db.exec(
        "UPDATE emails SET state = $2, sent_at = coalesce($3, sent_at), last_error = $4,
                scheduled_at = CASE WHEN $2 = 'queued' THEN NULL ELSE scheduled_at END
         WHERE id = $1",
        &[&id, &state.as_str(), &sent_at, &error],
    )?;
    Ok(())
}

pub fn state(db: &Db<'_>, id: Uuid) -> Result<Option<String>, ApiError> {
    db.opt("SELECT state FROM emails WHERE id = $1", &[&id], |r| {
        r.text(0)
    })
}

/// Without a way to send, due scheduled mail joins the queue and waits there.
pub fn release_due(db: &Db<'_>) -> Result<u64, ApiError> {
    db.exec(
        "UPDATE emails SET state = 'queued' WHERE state = 'scheduled' AND scheduled_at <= $1",
        &[&now()],
    )
}
