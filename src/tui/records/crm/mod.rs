//! Contacts, leads, opportunities, cases, tasks and invoices: one [`RecordKind`] for all of
//! them, [`Records`], read from each kind's [`View`] table (its tabs, columns, detail fields and
//! triage actions). The records themselves are the model's [`Record`]s, described by the
//! model's [`Kind`]s, so a field exists once, in `model/kinds.rs`.
//!
//! Adding a kind: a file here with its `VIEW` table, a [`ViewId`] variant, and its line in
//! [`view`].

mod case;
mod contact;
mod invoice;
mod lead;
mod opportunity;
mod task;
pub mod triage;

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use uuid::Uuid;

use super::{Column, DrawCtx, Link, PageParts, PageQuery, RecordKind, Row, Thread, ViewId};
use crate::client::records::Half;
use crate::model::kinds;
use crate::model::record::{Kind, Record, RecordDetail, RecordPage, Ty};
use crate::tui::msg::Cmd;
use crate::tui::sanitize;
use crate::tui::theme::Theme;

/// How the TUI shows one kind of record.
pub struct View {
    pub id: ViewId,
    pub kind: &'static Kind,
    /// "case", "a case", "cases".
    pub noun: &'static str,
    pub a_noun: &'static str,
    pub plural: &'static str,
    /// The list's name in headings: "Cases".
    pub title: &'static str,
    pub tabs: &'static [Tab],
    pub columns: &'static [Column<Record>],
    /// The record's name (the detail's title, the trail).
    pub name: fn(&Record) -> String,
    /// The field the badge shows (a status), if any.
    pub status: Option<&'static str>,
    /// The fields a row of another record's links shows.
    pub summary: &'static [&'static str],
    /// The query parameter the `/` filter types into.
    pub text_filter: &'static str,
    /// The fields of the detail, in order (the rest of the kind's fields are not shown).
    pub detail: &'static [&'static str],
    /// The fields of the create and edit form, in order.
    pub form: &'static [&'static str],
    /// Statuses that count as done (drawn dim in the badge).
    pub done: &'static [&'static str],
    /// Form fields of which one at most may be set (a task hangs off one record).
    pub one_of: &'static [&'static str],
}

/// A tab of a list: what it asks the server for, and which half of the answer it reads.
pub struct Tab {
    pub name: &'static str,
    pub title: &'static str,
    pub params: &'static [(&'static str, &'static str)],
    pub half: Half,
}

/// The case statuses that end a case.
const CASE_DONE: &[&str] = &["Closed", "Rejected", "Duplicate"];

impl Records {
    /// What the list of `tab` under `filter` asks for: its parameters (the filter's, then the
    /// tab's where the filter names none) and which half of the answer it reads.
    pub fn list_query(&self, filter: &RecordFilter, tab: usize) -> (Vec<(String, String)>, Half) {
        let mut params = filter.query(self.0);
        if let Some(tab) = self.0.tabs.get(tab) {
            for (k, v) in tab.params {
                if !params.iter().any(|(p, _)| p == k) {
                    params.push((k.to_string(), v.to_string()));
                }
            }
        }
        let half = self.0.tabs.get(tab).map_or(Half::Open, |t| t.half);
        (params, half)
    }
}

/// The view of each kind (accounts have their own module).
pub fn view(id: ViewId) -> Option<&'static View> {
    view_of(id)
}

fn view_of(id: ViewId) -> Option<&'static View> {
    Some(match id {
        ViewId::Accounts => return None,
        ViewId::Contacts => &contact::VIEW,
        ViewId::Leads => &lead::VIEW,
        ViewId::Opportunities => &opportunity::VIEW,
        ViewId::Cases => &case::VIEW,
        ViewId::Tasks => &task::VIEW,
        ViewId::Invoices => &invoice::VIEW,
    })
}

/// The filter of a record list: the `/` text, and `key=value` pairs from `:filter`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFilter {
    pub text: Option<String>,
    pub params: Vec<(String, String)>,
}

impl RecordFilter {
    pub fn is_empty(&self) -> bool {
        self.text.is_none() && self.params.is_empty()
    }

    /// `status=Closed priority=Urgent`, or a bare word for the text filter. Only the kind's
    /// own parameters are taken, so that a typo says so rather than matching everything.
    pub fn parse(view: &View, expr: &str) -> Result<RecordFilter, String> {
        let allowed = view.kind.list_params();
        let mut out = RecordFilter::default();
        let mut words = Vec::new();
        for part in shell_words::split(expr).map_err(|e| format!(":filter: {e}"))? {
            match part.split_once('=') {
                Some((k, v)) if allowed.iter().any(|a| a == k) => {
                    if !v.is_empty() {
                        let v = choice_values(view, k, v)?;
                        out.params.push((k.to_string(), v));
                    }
                }
                Some((k, _)) => {
                    return Err(format!(
                        ":filter: {} takes no {k:?} (try {})",
                        view.plural,
                        allowed
                            .iter()
                            .filter(|a| !matches!(a.as_str(), "limit" | "offset"))
                            .take(6)
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                None => words.push(part),
            }
        }
        if !words.is_empty() {
            out.text = Some(words.join(" "));
        }
        Ok(out)
    }

    /// The query parameters, the text under the view's text filter.
    pub fn query(&self, view: &View) -> Vec<(String, String)> {
        let mut q = self.params.clone();
        if let Some(t) = &self.text {
            q.push((view.text_filter.to_string(), t.clone()));
        }
        q
    }
}

/// An enum filter's values as the API takes them: each (comma-separated) may be given as its
/// value or its label, in any case (`priority=urgent`, `status="partially paid"`); one that is
/// neither says which there are.
fn choice_values(view: &View, key: &str, raw: &str) -> Result<String, String> {
    let Some(Ty::Choice(choices)) = view.kind.field(key).map(|f| f.ty) else {
        return Ok(raw.to_string());
    };
    let mut out = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let found = choices
            .iter()
            .find(|(v, l)| v.eq_ignore_ascii_case(part) || l.eq_ignore_ascii_case(part));
        match found {
            Some((v, _)) => out.push(*v),
            None => {
                let labels: Vec<&str> = choices.iter().map(|(_, l)| *l).collect();
                return Err(format!(
                    ":filter: {key} is one of {} (quote a label with spaces)",
                    labels.join(", ")
                ));
            }
        }
    }
    Ok(out.join(","))
}

/// The record kinds beyond accounts, each a [`View`].
#[derive(Clone, Copy)]
pub struct Records(pub &'static View);

impl Row for Record {
    fn id(&self) -> Uuid {
        Record::id(self).unwrap_or_default()
    }
}

impl RecordKind for Records {
    type Row = Record;
    type Detail = RecordDetail;
    /// An index into the view's tabs.
    type Tab = usize;
    type Filter = RecordFilter;
    type Page = RecordPage;

    fn view(&self) -> ViewId {
        self.0.id
    }

    fn noun(&self) -> &'static str {
        self.0.noun
    }

    fn a_noun(&self) -> &'static str {
        self.0.a_noun
    }

    fn loading_list(&self) -> &'static str {
        "loading the list"
    }

    fn loading_detail(&self) -> &'static str {
        "loading the record"
    }

    fn tabs(&self) -> &'static [usize] {
        const INDEXES: [usize; 4] = [0, 1, 2, 3];
        &INDEXES[..self.0.tabs.len().clamp(1, 4)]
    }

    fn tab_name(&self, tab: usize) -> &'static str {
        self.0.tabs.get(tab).map_or("all", |t| t.name)
    }

    fn list_title(&self, tab: usize) -> &'static str {
        self.0.tabs.get(tab).map_or(" Records ", |t| t.title)
    }

    fn columns(&self) -> &'static [Column<Record>] {
        self.0.columns
    }

    fn title(&self, row: &Record) -> String {
        (self.0.name)(row)
    }

    fn badge(&self, row: &Record, theme: &Theme) -> Option<Span<'static>> {
        let key = self.0.status?;
        let value = row.text(key);
        if value.is_empty() {
            return None;
        }
        let style = if self.0.done.contains(&value.as_str()) {
            theme.closed()
        } else {
            theme.open()
        };
        Some(Span::styled(
            format!(" {} ", sanitize::fit(&label(self.0.kind, key, &value), 20)),
            style,
        ))
    }

    fn filter_is_empty(&self, filter: &RecordFilter) -> bool {
        filter.is_empty()
    }

    fn load_page(&self, q: PageQuery<Self>) -> Cmd {
        let (params, half) = self.list_query(&q.filter, q.tab);
        Cmd::LoadRecords {
            view: self.0.id,
            epoch: q.epoch,
            tab: q.tab,
            page: q.page,
            half,
            query: crate::client::records::RecordQuery {
                params,
                limit: q.limit,
                offset: q.offset,
            },
        }
    }

    fn load_detail(&self, id: Uuid) -> Cmd {
        Cmd::LoadRecord {
            view: self.0.id,
            id,
        }
    }

    fn split_page(&self, page: RecordPage, tab: usize) -> PageParts<Self> {
        PageParts {
            rows: page.rows,
            totals: vec![(tab, page.count)],
            users: Vec::new(),
        }
    }

    fn detail_row<'a>(&self, detail: &'a RecordDetail) -> &'a Record {
        &detail.record
    }

    fn thread<'a>(&self, detail: &'a RecordDetail) -> Thread<'a> {
        Thread {
            comments: &detail.comments,
            attachments: &detail.attachments,
        }
    }

    fn detail_lines(
        &self,
        ctx: &DrawCtx<'_>,
        row: &Record,
        detail: Option<&RecordDetail>,
        width: usize,
    ) -> Vec<Line<'static>> {
        let record = detail.map_or(row, |d| &d.record);
        detail_lines(self.0, ctx, record, width)
    }

    fn links(&self, d: &RecordDetail) -> Vec<Link> {
        links(self.0, d)
    }
}

/// A field's label: its name in words ("case_type" → "Case type").
pub fn field_label(name: &str) -> String {
    sanitize::capitalized(&name.replace('_', " "))
}

/// A field's value in words: an enum's label, money with its currency, a percent.
pub fn value_text(kind: &Kind, r: &Record, key: &str) -> String {
    let raw = r.text(key);
    if raw.is_empty() {
        return raw;
    }
    match kind.field(key).map(|f| f.ty) {
        Some(Ty::Choice(choices)) => kinds::label(choices, &raw).to_string(),
        Some(Ty::Money) => {
            let cur = r.text("currency");
            format!("{} {cur}", grouped(&raw)).trim().to_string()
        }
        Some(Ty::Percent) => format!("{raw}%"),
        Some(Ty::Bool(_)) => if raw == "true" { "yes" } else { "no" }.to_string(),
        // A timestamp to the minute, in UTC (the detail is no place for seconds and zones).
        Some(Ty::Stamp) => chrono::DateTime::parse_from_rfc3339(&raw)
            .map(|t| {
                t.with_timezone(&chrono::Utc)
                    .format("%Y-%m-%d %H:%M UTC")
                    .to_string()
            })
            .unwrap_or(raw),
        None if key == "amount_due" => {
            let cur = r.text("currency");
            format!("{} {cur}", grouped(&raw)).trim().to_string()
        }
        _ => raw,
    }
}

/// A decimal amount with its thousands grouped: `1234567.50` → `1,234,567.50`. Anything that
/// is not a plain decimal is left as it came.
pub fn grouped(raw: &str) -> String {
    let (sign, rest) = match raw.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", raw),
    };
    let (whole, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(w, f)| (w, Some(f)));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

fn label(kind: &Kind, key: &str, value: &str) -> String {
    match kind.field(key).map(|f| f.ty) {
        Some(Ty::Choice(choices)) => kinds::label(choices, value).to_string(),
        _ => value.to_string(),
    }
}

/// Non-empty parts, cleaned for the screen, joined with ` · `.
pub fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| sanitize::line(p).into_owned())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A record as one row of another one's links: its name and a few fields.
pub fn summary(view: &View, r: &Record) -> String {
    let mut parts = vec![(view.name)(r)];
    parts.extend(view.summary.iter().map(|k| value_text(view.kind, r, k)));
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    join(&refs)
}

/// Records of `view` as links, under its plural.
pub fn links_of(id: ViewId, rows: &[Record]) -> Vec<Link> {
    let Some(view) = view(id) else {
        return Vec::new();
    };
    rows.iter()
        .filter_map(|r| {
            Some(Link {
                section: view.title,
                view: id,
                id: r.id()?,
                text: summary(view, r),
            })
        })
        .collect()
}

/// A linked record named in a field: `{id, name}` or a bare uuid.
pub fn linked(v: &serde_json::Value) -> Option<(Uuid, String)> {
    match v {
        serde_json::Value::String(s) => Uuid::parse_str(s).ok().map(|id| (id, String::new())),
        serde_json::Value::Object(o) => {
            let id = o
                .get("id")?
                .as_str()
                .and_then(|s| Uuid::parse_str(s).ok())?;
            // A record's name; a person's first and last name; else the email (as the model
            // reads a linked object).
            let one = Record([("v".to_string(), v.clone())].into_iter().collect());
            Some((id, one.text("v")))
        }
        _ => None,
    }
}

/// What a record links to: the records its fields name (a task's case, a case's account), its
/// contacts, and the lists its detail carries (a contact's deals, cases and tasks).
fn links(view: &View, d: &RecordDetail) -> Vec<Link> {
    let r = &d.record;
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for f in view.kind.fields {
        let target = match f.ty {
            Ty::Ref(k) | Ty::RefId(k) => k,
            _ => continue,
        };
        let Some(to) = ViewId::of_kind(target) else {
            continue;
        };
        // A contact's primary account comes back named under `account_detail`.
        let value = r
            .get(&format!("{}_detail", f.name))
            .filter(|v| v.is_object())
            .or_else(|| r.get(f.name));
        if let Some((id, name)) = value.and_then(linked)
            && seen.insert(id)
        {
            // A bare uuid may come with its name beside it (an invoice's `account_name`).
            let name = if name.is_empty() {
                r.text(&format!("{}_name", f.name))
            } else {
                name
            };
            let text = if name.is_empty() {
                format!("{} {}", field_label(f.name), short(id))
            } else {
                sanitize::line(&name).into_owned()
            };
            out.push(Link {
                section: "Linked to",
                view: to,
                id,
                text: format!("{}: {text}", field_label(f.name)),
            });
        }
    }
    for (key, to) in [
        ("linked_accounts", ViewId::Accounts),
        ("contacts", ViewId::Contacts),
    ] {
        let Some(items) = r.get(key).and_then(|v| v.as_array()) else {
            continue;
        };
        for item in items {
            if let Some((id, name)) = linked(item)
                && seen.insert(id)
            {
                let section = if to == ViewId::Accounts {
                    "Accounts"
                } else {
                    "Contacts"
                };
                out.push(Link {
                    section,
                    view: to,
                    id,
                    text: sanitize::line(&name).into_owned(),
                });
            }
        }
    }
    // A converted lead names what it became.
    for (key, to) in [
        ("account_id", ViewId::Accounts),
        ("contact_id", ViewId::Contacts),
        ("opportunity_id", ViewId::Opportunities),
    ] {
        if let Some(id) = r.str(key).and_then(|s| Uuid::parse_str(s).ok())
            && seen.insert(id)
        {
            let noun = view_of(to).map_or("account", |v| v.noun);
            out.push(Link {
                section: "Converted into",
                view: to,
                id,
                text: format!("the new {noun} ({})", short(id)),
            });
        }
    }
    for (key, rows) in &d.lists {
        let to = match key.as_str() {
            "opportunities" => ViewId::Opportunities,
            "cases" => ViewId::Cases,
            "tasks" => ViewId::Tasks,
            "invoices" => ViewId::Invoices,
            "contacts" => ViewId::Contacts,
            _ => continue,
        };
        out.extend(links_of(to, rows).into_iter().filter(|l| seen.insert(l.id)));
    }
    out
}

fn short(id: Uuid) -> String {
    id.to_string().chars().take(8).collect()
}

/// The detail layout of every kind: its detail fields as `Label  value` lines, the long text
/// wrapped below them.
fn detail_lines(view: &View, ctx: &DrawCtx<'_>, r: &Record, width: usize) -> Vec<Line<'static>> {
    let label_w = 14usize;
    let w = width.saturating_sub(label_w).max(1);
    let mut lines = Vec::new();
    let mut long = Vec::new();
    for key in view.detail {
        let value = value_text(view.kind, r, key);
        if value.is_empty() {
            continue;
        }
        if matches!(view.kind.field(key).map(|f| f.ty), Some(Ty::Text(n)) if n > 1000) {
            long.push(value);
            continue;
        }
        let style = match (*key, value.as_str()) {
            ("priority", "Urgent" | "High") | ("rating", "Hot") => ctx.theme.warn(),
            _ => Style::default(),
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "{:<label_w$}",
                    sanitize::fit(&field_label(key), label_w - 1)
                ),
                ctx.theme.dim(),
            ),
            Span::styled(sanitize::fit(&value, w), style),
        ]));
    }
    let tags = r.text("tags");
    if !tags.is_empty() {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<label_w$}", "Tags"), ctx.theme.dim()),
            Span::raw(sanitize::fit(&tags, w)),
        ]));
    }
    let assigned: Vec<String> = r
        .get("assigned_to")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|u| u.as_str().and_then(|s| Uuid::parse_str(s).ok()))
                .map(|u| ctx.users.name(&u))
                .collect()
        })
        .unwrap_or_default();
    if !assigned.is_empty() {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<label_w$}", "Assigned"), ctx.theme.dim()),
            Span::raw(sanitize::fit(&assigned.join(", "), w)),
        ]));
    }
    for text in long {
        lines.push(Line::raw(""));
        for para in sanitize::lines(&text) {
            for l in sanitize::wrap(&para, width.max(1)) {
                lines.push(Line::raw(l));
            }
        }
    }
    lines
}

/// A column of a text field, as the cell shows it.
macro_rules! col {
    ($title:expr, $width:expr, $min:expr, $cell:expr) => {
        $crate::tui::records::Column {
            title: $title,
            width: $width,
            min_list_width: $min,
            cell: $cell,
            style: None,
        }
    };
    ($title:expr, $width:expr, $min:expr, $cell:expr, $style:expr) => {
        $crate::tui::records::Column {
            title: $title,
            width: $width,
            min_list_width: $min,
            cell: $cell,
            style: Some($style),
        }
    };
}
pub(crate) use col;

/// A person's name from `first_name` and `last_name`, else the other keys in turn.
pub fn person(r: &Record, rest: &[&str]) -> String {
    let name = format!("{} {}", r.text("first_name"), r.text("last_name"));
    let name = name.trim();
    if !name.is_empty() {
        return sanitize::line(name).into_owned();
    }
    rest.iter()
        .map(|k| r.text(k))
        .find(|v| !v.is_empty())
        .map(|v| sanitize::line(&v).into_owned())
        .unwrap_or_else(|| "(no name)".into())
}

/// The record's text for `key`, cleaned for one line.
pub fn cell(r: &Record, key: &str) -> String {
    sanitize::line(&r.text(key)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_group_their_thousands() {
        assert_eq!(grouped("1234567.50"), "1,234,567.50");
        assert_eq!(grouped("-1000"), "-1,000");
        assert_eq!(grouped("999.99"), "999.99");
        assert_eq!(grouped("12a.00"), "12a.00");
        assert_eq!(grouped(""), "");
    }

    #[test]
    fn enum_filters_take_labels_in_any_case_and_say_what_is_valid() {
        let f = RecordFilter::parse(&invoice::VIEW, "status=\"partially paid\",draft")
            .unwrap_or_default();
        assert_eq!(f.params, [("status".into(), "Partially_Paid,Draft".into())]);
        let e = RecordFilter::parse(&case::VIEW, "priority=soon").unwrap_err();
        assert!(e.contains("Low, Normal, High, Urgent"), "{e}");
        let f = RecordFilter::parse(&case::VIEW, "printer priority=URGENT").unwrap_or_default();
        assert_eq!(f.text.as_deref(), Some("printer"));
        assert_eq!(f.params, [("priority".into(), "Urgent".into())]);
    }
}
