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

/// One field of a partial update: left out (keep the stored value), `null` (clear it) or a
/// new value. The one type every `PUT`/`PATCH` body uses, on both sides of the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<T> Patch<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Patch::Absent)
    }

    /// The field's new value: the stored `base` when absent (the default when there is none,
    /// as on a create), the default when `null`.
    pub fn over(self, base: Option<&T>) -> T
    where
        T: Clone + Default,
    {
        match self {
            Patch::Absent => base.cloned().unwrap_or_default(),
            Patch::Null => T::default(),
            Patch::Value(v) => v,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(v) => Patch::Value(f(v)),
        }
    }

    /// Whether the update names this field at all (a value or `null`).
    pub fn is_given(&self) -> bool {
        !self.is_absent()
    }

    /// The value, if one was sent.
    pub fn value(&self) -> Option<&T> {
        match self {
            Patch::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl<T> From<T> for Patch<T> {
    fn from(v: T) -> Patch<T> {
        Patch::Value(v)
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            // An absent field is skipped by `skip_serializing_if`; if not, it reads as null.
            Patch::Absent | Patch::Null => s.serialize_none(),
            Patch::Value(v) => v.serialize(s),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    // Only called for a key that is present (absent keys take `#[serde(default)]`).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Patch<T>, D::Error> {
        Ok(Option::<T>::deserialize(d)?.map_or(Patch::Null, Patch::Value))
    }
}

/// A minimal user reference: `{"id", "email"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserRef {
    pub id: uuid::Uuid,
    pub email: String,
}
