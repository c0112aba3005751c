//! Field checks that collect every problem before answering, so a form can mark all its fields.

use std::collections::BTreeMap;

use super::error::ApiError;

#[derive(Debug, Default)]
pub struct Errors(BTreeMap<String, Vec<String>>);

impl Errors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_string())
            .or_default()
            .push(message.into());
    }

    pub fn required(&mut self, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.add(field, "This field is required.");
        }
    }

    pub fn max_len(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.add(
                field,
                format!("Ensure this field has no more than {max} characters."),
            );
        }
    }

    /// Empty is allowed; anything else must look like an address.
    pub fn email(&mut self, field: &str, value: &str) {
        if !value.is_empty() && !is_email(value) {
            self.add(field, "Enter a valid email address.");
        }
    }

    /// Empty is allowed; anything else must be an http(s) URL with a host.
    pub fn url(&mut self, field: &str, value: &str) {
        if value.is_empty() {
            return;
        }
        let ok = url::Url::parse(value)
            .map(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host_str().is_some_and(|h| !h.is_empty())
            })
            .unwrap_or(false);
        if !ok {
            self.add(field, "Enter a valid URL (http:// or https://).");
        }
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(self.0))
        }
    }
}

/// A pragmatic address check: one `@`, a non-empty local part, a dotted domain, no spaces or
/// control characters. Deliverability is the mail server's business.
pub fn is_email(value: &str) -> bool {
    if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(is_email("a@b.co"));
        assert!(is_email("first.last+tag@sub.example.com"));
        for bad in [
            "", "a", "a@b", "@b.co", "a@.co", "a@b.", "a b@c.de", "a@b..c", "a@b@c.de",
        ] {
            assert!(!is_email(bad), "{bad} should be rejected");
        }
    }

    #[test]
    fn urls() {
        let mut e = Errors::default();
        e.url("website", "https://acme.com");
        e.url("website", "http://localhost:8000/x");
        e.url("website", "");
        assert!(e.finish().is_ok());
        for bad in [
            "acme.com",
            "ftp://acme.com",
            "javascript:alert(1)",
            "https://",
        ] {
            let mut e = Errors::default();
            e.url("website", bad);
            assert!(e.finish().is_err(), "{bad} should be rejected");
        }
    }
}
