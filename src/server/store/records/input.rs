//! A create or update body, checked field by field against its [`Kind`]: every problem is
//! collected, so a form can mark all its fields at once.

use chrono::{DateTime, NaiveDate, Utc};
use postgres::types::ToSql as PgToSql;
use rusqlite::types::ToSqlOutput;
use serde_json::Value;
use uuid::Uuid;

use crate::model::record::{Field, Kind, Rel, Ty, money, parse_date};
use crate::server::error::ApiError;
use crate::server::store::Param;
use crate::server::validate::Errors;

/// A stored value of one column.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
    Date(Option<NaiveDate>),
    Id(Option<Uuid>),
    Stamp(Option<DateTime<Utc>>),
}

impl Val {
    /// The value as the wire would show it, for rules that compare with a stored record.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Text(s) => Some(s),
            Val::OptText(s) => s.as_deref(),
            _ => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Val::Text(s) => s.is_empty(),
            Val::OptText(None) | Val::OptInt(None) | Val::Date(None) | Val::Id(None) => true,
            Val::Stamp(None) => true,
            _ => false,
        }
    }
}

impl Param for Val {
    fn sqlite(&self) -> ToSqlOutput<'_> {
        match self {
            Val::Text(v) => v.sqlite(),
            Val::OptText(v) => v.sqlite(),
            Val::Int(v) => v.sqlite(),
            Val::OptInt(v) => v.sqlite(),
            Val::Bool(v) => v.sqlite(),
            Val::Date(v) => v.sqlite(),
            Val::Id(v) => v.sqlite(),
            Val::Stamp(v) => v.sqlite(),
        }
    }
    fn pg(&self) -> &(dyn PgToSql + Sync) {
        match self {
            Val::Text(v) => v,
            Val::OptText(v) => v,
            Val::Int(v) => v,
            Val::OptInt(v) => v,
            Val::Bool(v) => v,
            Val::Date(v) => v,
            Val::Id(v) => v,
            Val::Stamp(v) => v,
        }
    }
}

/// What a write will store: the columns it sets and the link lists it replaces.
#[derive(Debug, Default)]
pub struct Draft {
    pub cols: Vec<(&'static Field, Val)>,
    pub rels: Vec<(Rel, Vec<Uuid>)>,
    /// Tag names, when the body names `tags`.
    pub tags: Option<Vec<String>>,
}

impl Draft {
    pub fn get(&self, name: &str) -> Option<&Val> {
        self.cols
            .iter()
            .find(|(f, _)| f.name == name)
            .map(|(_, v)| v)
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets (or replaces) a column; rules use it for the fields they derive.
    pub fn set(&mut self, kind: &Kind, name: &str, value: Val) -> Result<(), ApiError> {
        let field = kind
            .field(name)
            .ok_or_else(|| ApiError::internal(format!("{} has no field {name}", kind.name)))?;
        self.cols.retain(|(f, _)| f.name != name);
        self.cols.push((field, value));
        Ok(())
    }

    pub fn remove(&mut self, name: &str) {
        self.cols.retain(|(f, _)| f.name != name);
    }

    pub fn rel(&self, rel: Rel) -> Option<&[Uuid]> {
        self.rels
            .iter()
            .find(|(r, _)| *r == rel)
            .map(|(_, v)| v.as_slice())
    }
}

/// Most links a list may hold, as for accounts.
const MAX_LINKS: usize = 1000;
const MAX_TAGS: usize = 50;

/// Reads `body` for a create (`creating`) or an update of `kind`.
pub fn parse(kind: &'static Kind, body: &Value, creating: bool) -> Result<Draft, ApiError> {
    let Some(obj) = body.as_object() else {
        return Err(ApiError::field(
            "body",
            "Send the fields as a JSON object or a form.",
        ));
    };
    let mut errors = Errors::default();
    let mut draft = Draft::default();
    // Fields set only at creation are read on updates too, so that a change can be refused.
    let readable = |f: &&Field| f.writable(true);
    for field in kind.fields.iter().filter(readable) {
        let raw = obj.get(field.name);
        if raw.is_none() && !(creating && field.required) {
            continue;
        }
        if !field.writable(creating) && raw.is_none() {
            continue;
        }
        match value(field, raw.unwrap_or(&Value::Null)) {
            Ok(v) => {
                if field.required && v.is_empty() {
                    errors.add(field.name, "This field is required.");
                } else {
                    draft.cols.push((field, v));
                }
            }
            Err(message) => errors.add(field.name, message),
        }
    }
    for &rel in kind.rels {
        let Some(raw) = obj.get(rel.name()) else {
            continue;
        };
        match rel {
            Rel::Tags => match names(raw) {
                Ok(tags) if tags.len() > MAX_TAGS => {
                    errors.add("tags", format!("At most {MAX_TAGS} tags."))
                }
                Ok(tags) => draft.tags = Some(tags),
                Err(m) => errors.add("tags", m),
            },
            _ => match ids(raw) {
                Ok(list) if list.len() > MAX_LINKS => {
                    errors.add(rel.name(), format!("At most {MAX_LINKS} entries."))
                }
                Ok(list) => draft.rels.push((rel, list)),
                Err(m) => errors.add(rel.name(), m),
            },
        }
    }
    errors.finish()?;
    Ok(draft)
}

/// One field's value from JSON, or the message naming what is wrong.
pub fn value(field: &Field, raw: &Value) -> Result<Val, String> {
    let text = || -> Result<String, String> {
        match raw {
            Value::Null => Ok(String::new()),
            Value::String(s) => Ok(s.trim().to_string()),
            _ => Err("Must be a string.".into()),
        }
    };
    // Forms send every value as text, and `null` or "" clears a field that may be empty.
    let scalar = || -> Option<String> {
        match raw {
            Value::Null => None,
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => Some(raw.to_string()),
        }
    };
    Ok(match field.ty {
        Ty::Text(max) => {
            let s = text()?;
            if s.chars().count() > max {
                return Err(format!(
                    "Ensure this field has no more than {max} characters."
                ));
            }
            Val::Text(s)
        }
        Ty::Email => {
            let s = text()?;
            if !s.is_empty() && !crate::server::validate::is_email(&s) {
                return Err("Enter a valid email address.".into());
            }
            Val::Text(s)
        }
        Ty::Url => {
            let s = text()?;
            let mut e = Errors::default();
            e.url(field.name, &s);
            if e.finish().is_err() {
                return Err("Enter a valid URL (http:// or https://).".into());
            }
            Val::Text(s)
        }
        Ty::Choice(choices) => match raw {
            Value::Null => Val::OptText(None),
            Value::String(s) if s.trim().is_empty() => Val::OptText(None),
            Value::String(s) => {
                let s = s.trim();
                if !choices.iter().any(|(v, _)| *v == s) {
                    return Err(format!(
                        "'{s}' is not a valid choice. {}",
                        choice_list(choices)
                    ));
                }
                Val::OptText(Some(s.to_string()))
            }
            _ => return Err(format!("Must be a string. {}", choice_list(choices))),
        },
        Ty::Date => match scalar() {
            None => Val::Date(None),
            Some(s) => Val::Date(Some(parse_date(&s).ok_or("Enter a date as YYYY-MM-DD.")?)),
        },
        Ty::Money => match scalar() {
            None => Val::OptInt(None),
            Some(s) if matches!(raw, Value::Bool(_)) => {
                return Err(format!("'{s}' is not an amount."));
            }
            Some(s) => {
                let cents = money::parse(&s).ok_or("Enter an amount such as 1200.50.")?;
                if cents < 0 {
                    return Err("Must be 0 or more.".into());
                }
                Val::OptInt(Some(cents))
            }
        },
        Ty::Percent => match scalar() {
            None => Val::Int(0),
            Some(s) => match s.parse::<i64>() {
                Ok(n) if (0..=100).contains(&n) && !matches!(raw, Value::Bool(_)) => Val::Int(n),
                _ => return Err("Must be a whole number from 0 to 100.".into()),
            },
        },
        Ty::Bool(default) => match raw {
            Value::Null => Val::Bool(default),
            Value::Bool(b) => Val::Bool(*b),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "on" | "yes" => Val::Bool(true),
                "false" | "0" | "off" | "no" | "" => Val::Bool(false),
                _ => return Err("Must be true or false.".into()),
            },
            _ => return Err("Must be true or false.".into()),
        },
        Ty::Country => {
            let s = text()?.to_ascii_uppercase();
            if !s.is_empty() && (s.len() != 2 || !s.bytes().all(|b| b.is_ascii_uppercase())) {
                return Err("Enter a two-letter ISO 3166 country code, e.g. DE.".into());
            }
            Val::Text(s)
        }
        Ty::Currency => {
            let s = text()?.to_ascii_uppercase();
            if s.is_empty() {
                Val::Text("USD".into())
            } else if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) {
                Val::Text(s)
            } else {
                return Err("Enter a three-letter ISO 4217 currency code, e.g. EUR.".into());
            }
        }
        Ty::Ref(_) | Ty::RefId(_) | Ty::User => match raw {
            Value::Null => Val::Id(None),
            Value::String(s) if s.trim().is_empty() => Val::Id(None),
            Value::String(s) => Val::Id(Some(
                Uuid::parse_str(s.trim()).map_err(|_| format!("'{s}' is not a valid UUID."))?,
            )),
            // Some clients send the linked object back as they read it.
            Value::Object(o) => match o.get("id").and_then(Value::as_str) {
                Some(s) => Val::Id(Some(
                    Uuid::parse_str(s).map_err(|_| format!("'{s}' is not a valid UUID."))?,
                )),
                None => return Err("Must be a UUID.".into()),
            },
            _ => return Err("Must be a UUID.".into()),
        },
        Ty::Stamp => match scalar() {
            None => Val::Stamp(None),
            Some(s) => Val::Stamp(Some(
                crate::model::timestamp::parse(&s).ok_or("Enter an RFC 3339 date-time.")?,
            )),
        },
    })
}

fn choice_list(choices: &[(&str, &str)]) -> String {
    let values: Vec<&str> = choices.iter().map(|(v, _)| *v).collect();
    format!("Choose one of: {}.", values.join(", "))
}

/// A list of uuids: a JSON array, one uuid, or a comma-separated string (forms). Linked objects
/// sent back as read (`{id, ...}`) count as their id.
pub fn ids(raw: &Value) -> Result<Vec<Uuid>, String> {
    let items: Vec<Value> = match raw {
        Value::Null => Vec::new(),
        Value::Array(items) => items.clone(),
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_string()))
            .collect(),
        _ => return Err("Must be a list of UUIDs.".into()),
    };
    // A set, not `Vec::contains`: a body may carry hundreds of thousands of entries before the
    // caps refuse it, and a quadratic scan would hold the server for minutes.
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for item in &items {
        let s = match item {
            Value::String(s) => s.as_str(),
            Value::Object(o) => o.get("id").and_then(Value::as_str).unwrap_or(""),
            _ => return Err("Must be a list of UUIDs.".into()),
        };
        let id = Uuid::parse_str(s.trim()).map_err(|_| format!("'{s}' is not a valid UUID."))?;
        if seen.insert(id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// Tag names: an array of strings or a comma-separated string; blanks dropped, case-folded
/// duplicates dropped.
pub fn names(raw: &Value) -> Result<Vec<String>, String> {
    let items: Vec<String> = match raw {
        Value::Null => Vec::new(),
        Value::Array(items) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.trim().to_string()),
                Value::Object(o) => Ok(o
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .trim()
                    .to_string()),
                _ => Err("Must be a list of tag names.".to_string()),
            })
            .collect::<Result<_, _>>()?,
        Value::String(s) => s.split(',').map(|t| t.trim().to_string()).collect(),
        _ => return Err("Must be a list of tag names.".into()),
    };
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<String> = Vec::new();
    for name in items.into_iter().filter(|t| !t.is_empty()) {
        if name.chars().count() > 100 {
            return Err("A tag has at most 100 characters.".into());
        }
        if seen.insert(crate::server::store::fold(&name)) {
            out.push(name);
        }
    }
    Ok(out)
}
