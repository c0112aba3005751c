//! Turning any failure — transport, status, body — into one short readable message.
//!
//! Servers answer errors in three shapes (see `django-crm-dialects.md`): our envelope
//! `{"error": true, "errors": ...}`, Django REST framework's `{"detail": ...}`, and HTML pages.
//! Anything else (plain text, garbage, nothing) still becomes a message, never a panic.

use std::collections::BTreeMap;

use crate::model::{ErrorBody, ErrorDetail};

/// What went wrong with a request, in words a user can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached at all (refused, DNS, TLS, reset).
    #[error("server unreachable: {0}")]
    Unreachable(String),
    #[error("the server did not answer in time")]
    Timeout,
    /// The session is dead: the token was refused and could not be refreshed.
    #[error("session expired: {0}")]
    SessionExpired(String),
    /// The server answered with an error status.
    #[error("{message}")]
    Api {
        status: u16,
        message: String,
        /// Validation messages by field name (empty when the error names no field).
        fields: BTreeMap<String, String>,
    },
    /// A success status with a body we could not read.
    #[error("unexpected answer from the server: {0}")]
    Decode(String),
    /// A local file could not be read or written.
    #[error("{0}")]
    Local(String),
    /// A server crmtui cannot work with (legacy Django-CRM 0.9), or an action it does not offer.
    #[error("{0}")]
    Unsupported(String),
}

impl ClientError {
    pub fn is_unreachable(&self) -> bool {
        matches!(self, ClientError::Unreachable(_) | ClientError::Timeout)
    }

    pub fn field_errors(&self) -> Option<&BTreeMap<String, String>> {
        match self {
            ClientError::Api { fields, .. } if !fields.is_empty() => Some(fields),
            _ => None,
        }
    }

    pub(crate) fn from_reqwest(e: &reqwest::Error) -> ClientError {
        if e.is_timeout() {
            return ClientError::Timeout;
        }
        if e.is_connect() || e.is_request() {
            return ClientError::Unreachable(root_cause(e));
        }
        if e.is_decode() || e.is_body() {
            return ClientError::Decode(root_cause(e));
        }
        ClientError::Unreachable(root_cause(e))
    }
}

/// The innermost cause, which is the one that says "connection refused".
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    one_line(&cur.to_string(), 160)
}

/// Whether a 403's message says the session is gone rather than that access is denied
/// (BottleCRM: "Organization context is required. Please login again.").
pub fn means_signed_out(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("login again")
        || m.contains("log in again")
        || m.contains("credentials were not provided")
        || (m.contains("token")
            && (m.contains("expired") || m.contains("not valid") || m.contains("invalid")))
}

/// The error a failing answer means to the client: [`from_response`], except that a refused
/// token (401, or a 403 that says to sign in again) is a dead session.
pub fn from_failure(status: u16, content_type: &str, body: &[u8]) -> ClientError {
    let err = from_response(status, content_type, body);
    if status == 401 || (status == 403 && means_signed_out(&err.to_string())) {
        return ClientError::SessionExpired(err.to_string());
    }
    err
}

/// Builds the error for a failing status from its body, whatever the body is.
pub fn from_response(status: u16, content_type: &str, body: &[u8]) -> ClientError {
    let (message, fields) = describe_body(content_type, body);
    let reason = reason(status);
    let message = match message {
        Some(m) if !m.is_empty() => m,
        _ => format!("{reason} ({status})"),
    };
    ClientError::Api {
        status,
        message,
        fields,
    }
}

fn reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

/// The message and the field errors a body carries, if any.
fn describe_body(content_type: &str, body: &[u8]) -> (Option<String>, BTreeMap<String, String>) {
    let mut fields = BTreeMap::new();
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return (None, fields);
    }
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(trimmed) {
        if let Ok(envelope) = serde_json::from_value::<ErrorBody>(value.clone()) {
            return match envelope.errors {
                ErrorDetail::Message(m) => (Some(one_line(&m, 200)), fields),
                ErrorDetail::Fields(map) => {
                    for (k, v) in &map {
                        fields.insert(k.clone(), one_line(&v.join(" "), 120));
                    }
                    (
                        Some(one_line(&ErrorDetail::Fields(map).summary(), 200)),
                        fields,
                    )
                }
            };
        }
        return (json_message(&value, &mut fields), fields);
    }
    let looks_html = content_type.contains("html") || trimmed.starts_with('<');
    if looks_html {
        return (html_message(trimmed), fields);
    }
    (Some(one_line(trimmed, 200)), fields)
}

/// `{"detail": ...}`, `{"message": ...}`, `{"errors": ...}` or a DRF field map `{"name": ["..."]}`.
fn json_message(
    value: &serde_json::Value,
    fields: &mut BTreeMap<String, String>,
) -> Option<String> {
    use serde_json::Value;
    let obj = match value {
        Value::String(s) => return Some(one_line(s, 200)),
        Value::Array(items) => return Some(one_line(&flatten(&Value::Array(items.clone())), 200)),
        Value::Object(obj) => obj,
        _ => return None,
    };
    for key in ["detail", "message", "errors", "error"] {
        match obj.get(key) {
            Some(Value::Bool(_)) | None => continue,
            Some(Value::Object(map)) if key == "errors" => {
                for (k, v) in map {
                    fields.insert(k.clone(), one_line(&flatten(v), 120));
                }
                return Some(one_line(&flatten(&Value::Object(map.clone())), 200));
            }
            Some(v) => return Some(one_line(&flatten(v), 200)),
        }
    }
    // A DRF serializer error: every value a list of strings.
    if !obj.is_empty() && obj.values().all(|v| v.is_array()) {
        for (k, v) in obj {
            fields.insert(k.clone(), one_line(&flatten(v), 120));
        }
        return Some(one_line(&flatten(value), 200));
    }
    None
}

fn flatten(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(flatten).collect::<Vec<_>>().join(" "),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}: {}", flatten(v)))
            .collect::<Vec<_>>()
            .join("; "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The `<title>` of an HTML page, else its first heading, else its text.
fn html_message(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    for tag in ["title", "h1"] {
        let open = format!("<{tag}");
        let close = format!("</{tag}>");
        if let Some(start) = lower.find(&open) {
            let after = &lower[start..];
            if let (Some(gt), Some(end)) = (after.find('>'), after.find(&close))
                && gt < end
            {
                let inner = &html[start + gt + 1..start + end];
                let text = one_line(&strip_tags(inner), 200);
                if !text.is_empty() {
                    return Some(text);
                }
            }
        }
    }
    let text = one_line(&strip_tags(html), 200);
    (!text.is_empty()).then_some(text)
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
}

/// Collapses whitespace and control characters to single spaces and cuts at `max` characters.
pub fn one_line(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    if out.chars().count() > max {
        let cut: String = out.chars().take(max.saturating_sub(1)).collect();
        return format!("{cut}…");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(status: u16, ct: &str, body: &str) -> ClientError {
        from_response(status, ct, body.as_bytes())
    }

    #[test]
    fn envelope_message_and_fields() {
        assert_eq!(
            msg(
                401,
                "application/json",
                r#"{"error":true,"errors":"token expired"}"#
            )
            .to_string(),
            "token expired"
        );
        let e = msg(
            400,
            "application/json",
            r#"{"error":true,"errors":{"name":["required"],"website":["bad url"]}}"#,
        );
        let fields = e.field_errors().cloned().unwrap_or_default();
        assert_eq!(fields.get("name").map(String::as_str), Some("required"));
        assert_eq!(e.to_string(), "name: required; website: bad url");
    }

    #[test]
    fn signed_out_403_is_told_from_access_denied() {
        assert!(means_signed_out(
            "Organization context is required. Please login again."
        ));
        assert!(means_signed_out("Given token not valid for any token type"));
        assert!(!means_signed_out(
            "You do not have permission to perform this action."
        ));
    }

    #[test]
    fn detail_html_text_and_empty() {
        assert_eq!(
            msg(
                403,
                "application/json",
                r#"{"detail":"Organization context is required. Please login again."}"#
            )
            .to_string(),
            "Organization context is required. Please login again."
        );
        let html = "<!doctype html><html><head><title>Not Found</title></head><body><h1>Not Found</h1><p>The requested resource was not found on this server.</p></body></html>";
        assert_eq!(msg(404, "text/html", html).to_string(), "Not Found");
        assert_eq!(
            msg(502, "text/plain", "bad gateway\n\x1b[31mboom").to_string(),
            "bad gateway [31mboom"
        );
        assert_eq!(msg(500, "", "").to_string(), "Internal Server Error (500)");
        assert_eq!(
            msg(500, "application/json", "{\"error\": tru").to_string(),
            "{\"error\": tru"
        );
        let drf = msg(
            400,
            "application/json",
            r#"{"name":["This field is required."]}"#,
        );
        assert_eq!(
            drf.field_errors()
                .and_then(|f| f.get("name"))
                .map(String::as_str),
            Some("This field is required.")
        );
    }
}
