//! Record kinds as data. Contacts, leads, opportunities, cases, tasks and invoices are each
//! described once here (their fields, types, enums, links and filters); the core stores, checks
//! and serves them from these descriptions, and the client and the TUI read records through
//! them. A record on the wire is a JSON object, [`Record`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

/// An enum's `[value, label]` pairs, as lists send them along.
pub type Choices = &'static [(&'static str, &'static str)];

/// What a field holds and how it travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// Text of at most this many characters; empty when not given.
    Text(usize),
    Email,
    /// An http(s) URL.
    Url,
    /// One of the choices, or `null` unless the field is required.
    Choice(Choices),
    /// `YYYY-MM-DD` or `null`.
    Date,
    /// A decimal string with two places (`"1200.50"`), at least 0, or `null`.
    Money,
    /// A whole number from 0 to 100.
    Percent,
    /// `true`/`false`, with this default.
    Bool(bool),
    /// ISO 3166 alpha-2, upper case, or empty.
    Country,
    /// ISO 4217, upper case; `USD` when not given.
    Currency,
    /// Another record by uuid, read back as `{id, name}`; the kind's name.
    Ref(&'static str),
    /// Another record by uuid, read back as the bare uuid.
    RefId(&'static str),
    /// A user's uuid (read-only fields such as `closed_by`).
    User,
    /// An RFC 3339 timestamp (read-only fields such as `resolved_at`).
    Stamp,
}

/// Who may write a field through the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Write,
    /// Only when the record is created.
    CreateOnly,
    /// Computed or set by the core's rules.
    ReadOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    pub access: Access,
}

const fn field(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: false,
        access: Access::Write,
    }
}

impl Field {
    pub const fn new(name: &'static str, ty: Ty) -> Field {
        field(name, ty)
    }

    pub const fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub const fn read_only(mut self) -> Field {
        self.access = Access::ReadOnly;
        self
    }

    pub const fn create_only(mut self) -> Field {
        self.access = Access::CreateOnly;
        self
    }

    pub fn writable(&self, creating: bool) -> bool {
        match self.access {
            Access::Write => true,
            Access::CreateOnly => creating,
            Access::ReadOnly => false,
        }
    }
}

/// The many-valued links a record may carry. Each is written as an array of uuids (tags: of
/// names) and read back as [`Rel::read_shape`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rel {
    AssignedTo,
    Teams,
    Contacts,
    Tags,
}

impl Rel {
    pub const fn name(self) -> &'static str {
        match self {
            Rel::AssignedTo => "assigned_to",
            Rel::Teams => "teams",
            Rel::Contacts => "contacts",
            Rel::Tags => "tags",
        }
    }
}

/// A list filter as a query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// Case-insensitive substring over these columns (any matches); each is read as `r.<column>`,
    /// so an expression names its later columns as `r.x` itself.
    Text(&'static str, &'static [&'static str]),
    /// The field equals the value (enums, refs, booleans). Enums may repeat or comma-separate.
    Exact(&'static str),
    /// `<field>__gte` / `<field>__lte` on a date or an amount.
    Range(&'static str),
    /// `<field>_gte` / `<field>_lte` (1.x's invoice spelling).
    RangeOne(&'static str),
    /// The date field equals one day.
    Day(&'static str),
    /// `open=true`: records the kind counts as open.
    Open,
}

impl Filter {
    /// The query parameters this filter reads.
    pub fn params(&self) -> Vec<String> {
        match *self {
            Filter::Text(p, _) | Filter::Exact(p) | Filter::Day(p) => vec![p.to_string()],
            Filter::Range(f) => vec![format!("{f}__gte"), format!("{f}__lte")],
            Filter::RangeOne(f) => vec![format!("{f}_gte"), format!("{f}_lte")],
            Filter::Open => vec!["open".to_string()],
        }
    }
}

/// The filters every list takes besides its own.
pub const COMMON_FILTERS: &[Filter] = &[
    Filter::Exact("assigned_to"),
    Filter::Exact("tags"),
    Filter::Range("created_at"),
];

/// One kind of record.
#[derive(Debug)]
pub struct Kind {
    /// The `content_type` of its comments and attachments: `lead`.
    pub name: &'static str,
    /// The path segment: `/api/leads/`.
    pub path: &'static str,
    /// The key of the detail's record: `lead_obj`.
    pub detail_key: &'static str,
    pub fields: &'static [Field],
    pub rels: &'static [Rel],
    /// Its own filters; [`COMMON_FILTERS`] come on top.
    pub filters: &'static [Filter],
    /// The enums the list sends along, under these keys.
    pub list_choices: &'static [(&'static str, Choices)],
    /// A field no two of its records share (any case).
    pub unique: Option<Unique>,
}

/// Where a [`Kind::unique`] field must not repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unique {
    /// In the whole org.
    InOrg(&'static str),
    /// Among the records the caller sees (cases, as Django-CRM 1.x checks it).
    AmongVisible(&'static str),
}

impl Unique {
    pub fn field(self) -> &'static str {
        match self {
            Unique::InOrg(f) | Unique::AmongVisible(f) => f,
        }
    }
}

impl Kind {
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn has(&self, rel: Rel) -> bool {
        self.rels.contains(&rel)
    }

    /// Every query parameter of its list, paging included.
    pub fn list_params(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .filters
            .iter()
            .chain(COMMON_FILTERS)
            .flat_map(Filter::params)
            .collect();
        out.extend(["limit".to_string(), "offset".to_string()]);
        out
    }
}

/// A record as it travels: a JSON object whose keys its [`Kind`] names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Record(pub Map<String, Value>);

impl Record {
    pub fn id(&self) -> Option<Uuid> {
        self.str("id").and_then(|s| Uuid::parse_str(s).ok())
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// A field as one line of text: names of linked records, `-` for nothing.
    pub fn text(&self, key: &str) -> String {
        fn one(v: &Value) -> String {
            match v {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                Value::Object(o) => {
                    // A linked record by its name; a person by first and last name.
                    let person = ["first_name", "last_name"]
                        .iter()
                        .filter_map(|k| o.get(*k).and_then(Value::as_str))
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ");
                    match o.get("name") {
                        Some(n) => one(n),
                        None if !person.is_empty() => person,
                        None => o.get("email").map(one).unwrap_or_default(),
                    }
                }
                Value::Array(items) => items.iter().map(one).collect::<Vec<_>>().join(", "),
                other => other.to_string(),
            }
        }
        self.0.get(key).map(one).unwrap_or_default()
    }
}

/// A record's detail as the client reads any kind's `GET /api/<r>/{id}/`. (Serde: the TUI
/// keeps it in its offline cache as it is.)
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordDetail {
    pub record: Record,
    /// Oldest first. Cases keep internal notes apart, in `internal_notes`.
    pub comments: Vec<super::Comment>,
    pub internal_notes: Vec<super::Comment>,
    pub attachments: Vec<super::Attachment>,
    /// Whether the caller may delete the record.
    pub can_delete: bool,
    /// Other records the detail lists (a contact's `opportunities`, `cases`, `tasks`), by key.
    pub lists: Vec<(String, Vec<Record>)>,
}

/// One page of any kind's list, as the client reads it (kept in the offline cache too).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordPage {
    pub rows: Vec<Record>,
    /// Every match, not just this page.
    pub count: i64,
    /// The other counts the answer carries (`open_count`, `urgent_count`, `active_count`…).
    pub counts: Vec<(String, i64)>,
    /// Rows in a shape we could not read, left out.
    pub skipped: usize,
}

/// Money travels as a decimal string and is kept in cents.
pub mod money {
    /// `123456` → `"1234.56"`.
    pub fn format(cents: i64) -> String {
        format_wide(i128::from(cents))
    }

    /// [`format`] for sums, which may pass what one amount can hold.
    pub fn format_wide(cents: i128) -> String {
        let sign = if cents < 0 { "-" } else { "" };
        let abs = cents.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// The largest amount kept: ten trillion, well inside `i64` cents.
    pub const MAX_CENTS: i64 = 1_000_000_000_000_000;

    /// `"1234.5"`, `1234.5` or `1234` → cents. At most two decimals; no sign but `-`.
    pub fn parse(raw: &str) -> Option<i64> {
        let raw = raw.trim();
        let (neg, digits) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && frac.is_empty()
            || frac.len() > 2
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || whole.len() > 16
        {
            return None;
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let frac: i64 = format!("{frac:0<2}").parse().ok()?;
        let cents = whole.checked_mul(100)?.checked_add(frac)?;
        if cents > MAX_CENTS {
            return None;
        }
        Some(if neg { -cents } else { cents })
    }
}

/// Dates travel as `YYYY-MM-DD`, exactly: four-digit years only (a signed or longer year would
/// sort wrongly where dates are kept as text).
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    let b = raw.as_bytes();
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_round_trips_in_cents() {
        assert_eq!(money::parse("1234.5"), Some(123_450));
        assert_eq!(money::parse("0.07"), Some(7));
        assert_eq!(money::parse("12"), Some(1200));
        assert_eq!(money::parse("-3.10"), Some(-310));
        for bad in [
            "",
            ".",
            "1.234",
            "1e3",
            "12,00",
            "+1",
            "abc",
            "99999999999999999",
        ] {
            assert_eq!(money::parse(bad), None, "{bad}");
        }
        assert_eq!(money::format(123_450), "1234.50");
        assert_eq!(money::format(7), "0.07");
        assert_eq!(money::format(-310), "-3.10");
        assert_eq!(
            money::format_wide(i128::from(i64::MAX) * 10),
            "922337203685477580.70"
        );
    }

    #[test]
    fn dates_are_exactly_yyyy_mm_dd() {
        assert!(super::parse_date(" 2024-02-29 ").is_some());
        for bad in [
            "2023-02-29",
            "2024-1-05",
            "+20000-01-01",
            "-001-01-01",
            "20240101",
            "2024/01/01",
            "2024-01-01T00:00",
            "２０２４-01-01",
        ] {
            assert_eq!(super::parse_date(bad), None, "{bad}");
        }
    }
}
