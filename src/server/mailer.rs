//! Sends queued and due scheduled mails over SMTP. Without `[smtp]` they stay in the outbox.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::AppState;
use super::store::mail::{self, MailState, Outgoing};
use crate::config::SmtpConfig;

/// A mail that failed this many times is marked `failed` and left alone.
const MAX_ATTEMPTS: i64 = 3;

pub async fn run(state: AppState) {
    let transport = match state.settings.smtp.as_ref().map(transport).transpose() {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "SMTP is misconfigured; mail stays in the outbox");
            None
        }
    };
    loop {
        if let Err(e) = tick(&state, transport.as_ref()).await {
            tracing::warn!(error = %e, "mail round failed");
        }
        // Due times are checked every few seconds; a new mail wakes the loop at once.
        let _ = tokio::time::timeout(Duration::from_secs(5), state.mail_wake.notified()).await;
    }
}

async fn tick(
    state: &AppState,
    transport: Option<&AsyncSmtpTransport<Tokio1Executor>>,
) -> Result<(), super::error::ApiError> {
    let Some(transport) = transport else {
        state.store.write(mail::release_due).await?;
        return Ok(());
    };
    // One mail per claim, so that a replica holds no more than it is sending.
    for _ in 0..50 {
        let Some(m) = state.store.write(mail::claim).await? else {
            break;
        };
        let id = m.id;
        let outcome = send(transport, &m).await;
        let (next, error) = match &outcome {
            Ok(()) => (MailState::Sent, None),
            Err(e) if m.attempts + 1 >= MAX_ATTEMPTS => (MailState::Failed, Some(e.clone())),
            Err(e) => (MailState::Queued, Some(e.clone())),
        };
        if let Some(e) = &error {
            tracing::warn!(email = %id, error = %e, "sending mail failed");
        }
        state
            .store
            .write(move |db| mail::finish(db, id, next, error.as_deref()))
            .await?;
        if outcome.is_err() {
            // The server may be down: try again next round rather than at once.
            break;
        }
    }
    Ok(())
}

async fn send(transport: &AsyncSmtpTransport<Tokio1Executor>, m: &Outgoing) -> Result<(), String> {
    let from: Mailbox = m.sender.parse().map_err(|e| format!("bad sender: {e}"))?;
    let mut builder = Message::builder().from(from);
    if let Some(reply_to) = &m.reply_to {
        builder = builder.reply_to(
            reply_to
                .parse()
                .map_err(|e| format!("bad reply-to {reply_to}: {e}"))?,
        );
    }
    let mut builder = builder
        .subject(m.subject.clone())
        .header(ContentType::TEXT_HTML);
    for r in &m.recipients {
        builder = builder.to(r.parse().map_err(|e| format!("bad recipient {r}: {e}"))?);
    }
    let message = builder.body(m.html.clone()).map_err(|e| e.to_string())?;
    transport
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn transport(cfg: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let mut builder = match cfg.tls.as_deref().unwrap_or("starttls") {
        "tls" => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host).map_err(|e| e.to_string())?
        }
        "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)
            .map_err(|e| e.to_string())?,
        "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host),
        other => {
            return Err(format!(
                "unknown smtp.tls '{other}' (use starttls, tls or none)"
            ));
        }
    };
    if let Some(port) = cfg.port {
        builder = builder.port(port);
    }
    if let Some(user) = &cfg.username {
        let password = match &cfg.password_env {
            Some(var) => {
                std::env::var(var).map_err(|_| format!("environment variable {var} is not set"))?
            }
            None => String::new(),
        };
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    Ok(builder.timeout(Some(Duration::from_secs(20))).build())
}
