//! The mail composer: the form, and the mail it describes.

use chrono::{DateTime, Utc};

use super::form::{Field, FieldKind, Form};
use crate::client::MailRecipients;
use crate::model::{Account, AccountDetail, MailInput};
use crate::tui::keymap::{Action, Keymap};
use crate::tui::sanitize;

/// The composer for `account`. A server that mails only the account's contacts (BottleCRM)
/// gets their addresses in "To" (from the loaded `detail`), and a note that says so.
pub fn form(
    account: &Account,
    detail: Option<&AccountDetail>,
    recipients: MailRecipients,
    keymap: &Keymap,
) -> Form {
    let contacts_only = recipients == MailRecipients::AccountContacts;
    let mut to: Vec<String> = Vec::new();
    if contacts_only {
        to.extend(
            detail
                .map(|d| d.contacts.as_slice())
                .unwrap_or_default()
                .iter()
                .filter(|c| !c.email.is_empty())
                .map(|c| sanitize::line(&c.email).into_owned()),
        );
    } else if !account.email.is_empty() {
        to.push(account.email.clone());
    }
    let name = sanitize::fit(&account.name, 40);
    Form::new(
        format!("Email about {name}"),
        vec![
            Field::new("recipients", "To", FieldKind::Line, &to.join(", ")),
            Field::new("subject", "Subject", FieldKind::Line, ""),
            Field::new("html", "Body", FieldKind::Multi, ""),
            Field::new("scheduled_date_time", "Send at", FieldKind::Line, ""),
        ],
    )
    .with_note(format!(
        "{}Send at: empty = now, or YYYY-MM-DD HH:MM (local time) · {} send",
        if contacts_only {
            "This server mails only this account's contacts · "
        } else {
            ""
        },
        keymap.hint(Action::Submit)
    ))
}

/// The mail the form describes, or the field that is wrong and why.
pub fn input(form: &Form) -> Result<MailInput, (&'static str, String)> {
    let recipients: Vec<String> = form
        .value("recipients")
        .split([',', ';', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if recipients.is_empty() {
        return Err(("recipients", "at least one address".into()));
    }
    let when = form.value("scheduled_date_time").trim().to_string();
    let scheduled = if when.is_empty() {
        None
    } else {
        Some(
            parse_local_time(&when)
                .ok_or(("scheduled_date_time", "use YYYY-MM-DD HH:MM".to_string()))?,
        )
    };
    // Typed as plain text but sent as HTML: escape it and keep the line breaks.
    let body = plain_to_html(&form.value("html"));
    Ok(MailInput {
        recipients,
        subject: form.value("subject").trim().to_string(),
        html: body,
        scheduled_later: scheduled.is_some(),
        scheduled_date_time: scheduled,
        from_account: None,
    })
}

/// Plain text as HTML: `<>&` escaped (quotes too, harmless), newlines as `<br>`.
pub fn plain_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.replace("\r\n", "\n").chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("<br>\n"),
            c => out.push(c),
        }
    }
    out
}

/// `YYYY-MM-DD HH:MM` in local time (or any RFC 3339 time).
fn parse_local_time(raw: &str) -> Option<DateTime<Utc>> {
    use chrono::{Local, NaiveDateTime, TimeZone};
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(raw, fmt) {
            return Local
                .from_local_datetime(&n)
                .earliest()
                .map(|t| t.with_timezone(&Utc));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail() -> AccountDetail {
        let org = uuid::Uuid::nil().to_string();
        let contact = |first: &str, email: &str| {
            serde_json::json!({"id": uuid::Uuid::new_v4().to_string(), "first_name": first,
                "email": email, "org": org, "created_on": "2026-01-01T00:00:00Z"})
        };
        serde_json::from_value(serde_json::json!({
            "account_obj": {"id": uuid::Uuid::from_u128(1).to_string(), "name": "Acme",
                "email": "office@acme.test", "created_on": "2026-01-01T00:00:00Z", "org": org},
            "contacts": [contact("Ana", "ana@acme.test"), contact("Raj", ""),
                         contact("Mei", "mei@acme.test")]
        }))
        .expect("detail")
    }

    #[test]
    fn a_server_that_mails_only_contacts_gets_their_addresses() {
        let d = detail();
        let keymap = Keymap::default();
        let to_contacts = form(
            &d.account_obj,
            Some(&d),
            MailRecipients::AccountContacts,
            &keymap,
        );
        assert_eq!(
            to_contacts.value("recipients"),
            "ana@acme.test, mei@acme.test"
        );
        let to_anyone = form(&d.account_obj, Some(&d), MailRecipients::Addresses, &keymap);
        assert_eq!(to_anyone.value("recipients"), "office@acme.test");
    }
}
