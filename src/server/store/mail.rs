//! The email outbox: every mail is stored with its state before anyone tries to send it.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::{now, parse_id, ts};
use crate::server::error::ApiError;

/// `queued`, `scheduled`, `sent` or `failed`.
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
    pub sender: &'a str,
    pub recipients: &'a [String],
    pub subject: &'a str,
    pub html: &'a str,
    pub scheduled_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_by: Uuid,
}

pub fn insert(tx: &Transaction<'_>, m: &NewMail<'_>) -> Result<Uuid, ApiError> {
    let id = Uuid::new_v4();
    let state = if m.scheduled_at.is_some() {
        MailState::Scheduled
    } else {
        MailState::Queued
    };
    let recipients = serde_json::to_string(m.recipients)
        .map_err(|e| ApiError::internal(format!("cannot encode recipients: {e}")))?;
    tx.execute(
        "INSERT INTO emails (id, org_id, account_pk, sender, recipients, subject, html, state,
                             scheduled_at, created_on, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            id.to_string(),
            m.org.to_string(),
            m.account_pk,
            m.sender,
            recipients,
            m.subject,
            m.html,
            state.as_str(),
            m.scheduled_at.as_ref().map(ts),
            ts(&now()),
            m.created_by.to_string(),
        ],
    )?;
    Ok(id)
}

/// A mail ready to go out.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: Uuid,
    pub sender: String,
    pub recipients: Vec<String>,
    pub subject: String,
    pub html: String,
    pub attempts: i64,
}

/// Mails due now: queued ones, and scheduled ones whose time has come.
pub fn due(c: &Connection, limit: i64) -> Result<Vec<Outgoing>, ApiError> {
    let mut stmt = c.prepare_cached(
        "SELECT id, sender, recipients, subject, html, attempts FROM emails
         WHERE state = 'queued' OR (state = 'scheduled' AND scheduled_at <= ?1)
         ORDER BY created_on LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![ts(&now()), limit], |r| {
        let recipients: String = r.get(2)?;
        Ok(Outgoing {
            id: parse_id(&r.get::<_, String>(0)?),
            sender: r.get(1)?,
            recipients: serde_json::from_str(&recipients).unwrap_or_default(),
            subject: r.get(3)?,
            html: r.get(4)?,
            attempts: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Scheduled mails whose time has come become queued (the outbox, when no SMTP is set).
pub fn release_due(tx: &Transaction<'_>) -> Result<usize, ApiError> {
    Ok(tx.execute(
        "UPDATE emails SET state = 'queued' WHERE state = 'scheduled' AND scheduled_at <= ?1",
        [ts(&now())],
    )?)
}

pub fn mark(
    tx: &Transaction<'_>,
    id: Uuid,
    state: MailState,
    error: Option<&str>,
) -> Result<(), ApiError> {
    let sent_at = (state == MailState::Sent).then(|| ts(&now()));
    tx.execute(
        "UPDATE emails SET state = ?2, sent_at = coalesce(?3, sent_at), last_error = ?4,
                attempts = attempts + 1
         WHERE id = ?1",
        params![id.to_string(), state.as_str(), sent_at, error],
    )?;
    Ok(())
}

/// The state of one mail (for tests and the admin).
pub fn state(c: &Connection, id: Uuid) -> Result<Option<String>, ApiError> {
    Ok(c.query_row(
        "SELECT state FROM emails WHERE id = ?1",
        [id.to_string()],
        |r| r.get(0),
    )
    .optional()?)
}
