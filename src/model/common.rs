use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;

/// The error envelope every failing call answers with: `{"error": true, "errors": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: bool,
    pub errors: ErrorDetail,
}

/// Either one message or a map of field name to messages (validation failures).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ErrorDetail {
    Message(String),
    Fields(BTreeMap<String, Vec<String>>),
}

impl ErrorDetail {
    /// One line for a status bar: the message, or `field: message; ...`.
    pub fn summary(&self) -> String {
        match self {
            ErrorDetail::Message(m) => m.clone(),
            ErrorDetail::Fields(map) => map
                .iter()
                .map(|(field, msgs)| format!("{field}: {}", msgs.join(" ")))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

/// Paging query parameters shared by every list endpoint.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
pub struct Paging {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Default page size when `limit` is absent.
pub const DEFAULT_LIMIT: i64 = 10;
/// `limit` is clamped to this, never rejected.
pub const MAX_LIMIT: i64 = 1000;

impl Paging {
    /// `(limit, offset)` with defaults applied and both clamped to sane ranges.
    pub fn resolve(self) -> (i64, i64) {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT).clamp(0, MAX_LIMIT);
        let offset = self.offset.unwrap_or(0).max(0);
        (limit, offset)
    }
}

/// Timestamps travel as RFC 3339 in UTC with a `Z` suffix and whole seconds,
/// e.g. `2023-01-15T10:30:00Z`.
pub mod timestamp {
    use super::*;

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let raw = String::deserialize(d)?;
        parse(&raw).ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 date-time"))
    }

    pub fn format(t: &DateTime<Utc>) -> String {
        t.to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    /// Accepts any RFC 3339 offset (converted to UTC) and, as Django does, a naive
    /// `YYYY-MM-DDTHH:MM[:SS]` taken as UTC.
    pub fn parse(raw: &str) -> Option<DateTime<Utc>> {
        if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
            return Some(t.with_timezone(&Utc));
        }
        for fmt in [
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
        ] {
            if let Ok(t) = chrono::NaiveDateTime::parse_from_str(raw, fmt) {
                return Some(t.and_utc());
            }
        }
        None
    }

    /// The same for `Option<DateTime<Utc>>`, with `null` for `None`.
    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(
            t: &Option<DateTime<Utc>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&format(t)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(raw) if raw.is_empty() => Ok(None),
                Some(raw) => parse(&raw)
                    .map(Some)
                    .ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 date-time")),
            }
        }
    }
}

/// For partial updates: tells an absent key (`None`) from an explicit `null` (`Some(None)`).
pub fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A minimal user reference: `{"id", "email"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserRef {
    pub id: uuid::Uuid,
    pub email: String,
}
