//! Accounts as a record kind: the list's columns, the form's field table, the detail layout,
//! and the filter (its form, its bar and its `:filter` grammar).

use ratatui::text::{Line, Span};
use uuid::Uuid;

use super::{Column, DrawCtx, FieldSpec, PageParts, PageQuery, RecordKind, Row, Thread};
use crate::model::{
    Account, AccountDetail, AccountFilter, AccountInput, AccountList, AccountStatus,
};
use crate::tui::msg::Cmd;
use crate::tui::overlay::form::{Field, FieldKind, Form};
use crate::tui::sanitize;
use crate::tui::theme::Theme;
use crate::tui::ui::{ago, when};

/// The account kind (see [`RecordKind`]).
pub struct Accounts;

impl Row for Account {
    fn id(&self) -> Uuid {
        self.id
    }
}

impl RecordKind for Accounts {
    type Row = Account;
    type Detail = AccountDetail;
    type Tab = AccountStatus;
    type Filter = AccountFilter;
    type Page = AccountList;

    const NOUN: &'static str = "account";
    const A_NOUN: &'static str = "an account";
    const LOADING_LIST: &'static str = "loading accounts";
    const LOADING_DETAIL: &'static str = "loading account";
    const TABS: &'static [AccountStatus] = &[AccountStatus::Open, AccountStatus::Closed];

    fn tab_name(tab: AccountStatus) -> &'static str {
        tab.as_str()
    }

    fn list_title(tab: AccountStatus) -> &'static str {
        match tab {
            AccountStatus::Open => " Open accounts ",
            AccountStatus::Closed => " Closed accounts ",
        }
    }

    fn columns() -> &'static [Column<Account>] {
        COLUMNS
    }

    fn title(row: &Account) -> String {
        row.name.clone()
    }

    fn badge(row: &Account, theme: &Theme) -> Option<Span<'static>> {
        Some(match row.status {
            AccountStatus::Open => Span::styled(" open ", theme.open()),
            AccountStatus::Closed => Span::styled(" closed ", theme.closed()),
        })
    }

    fn filter_is_empty(filter: &AccountFilter) -> bool {
        filter.is_empty()
    }

    fn load_page(q: PageQuery<Self>) -> Cmd {
        Cmd::LoadPage {
            epoch: q.epoch,
            tab: q.tab,
            page: q.page,
            filter: q.filter,
            limit: q.limit,
            offset: q.offset,
        }
    }

    fn load_detail(id: Uuid) -> Cmd {
        Cmd::LoadDetail { id }
    }

    fn split_page(list: AccountList, tab: AccountStatus) -> PageParts<Self> {
        let totals = vec![
            (AccountStatus::Open, list.open_accounts_count),
            (AccountStatus::Closed, list.closed_accounts_count),
        ];
        let rows = match tab {
            AccountStatus::Open => list.open_accounts,
            AccountStatus::Closed => list.closed_accounts,
        };
        PageParts {
            rows,
            totals,
            users: list.users,
        }
    }

    fn detail_row(detail: &AccountDetail) -> &Account {
        &detail.account_obj
    }

    fn thread(detail: &AccountDetail) -> Thread<'_> {
        Thread {
            comments: &detail.comments,
            attachments: &detail.attachments,
        }
    }

    fn detail_lines(
        ctx: &DrawCtx<'_>,
        row: &Account,
        detail: Option<&AccountDetail>,
        width: usize,
    ) -> Vec<Line<'static>> {
        let mut lines = summary_lines(ctx, row, detail, width);
        if let Some(d) = detail {
            related_lines(ctx, d, width, &mut lines);
        }
        lines
    }
}

// --- the list ------------------------------------------------------------------------------------

const COLUMNS: &[Column<Account>] = &[
    Column {
        title: "Name",
        width: 0,
        min_list_width: 0,
        cell: |_, a| sanitize::line(&a.name).into_owned(),
        style: None,
    },
    Column {
        title: "City",
        width: 11,
        min_list_width: 30,
        cell: |_, a| sanitize::line(&a.billing_city).into_owned(),
        style: None,
    },
    Column {
        title: "Industry",
        width: 11,
        min_list_width: 46,
        cell: |_, a| sanitize::line(&a.industry).into_owned(),
        style: None,
    },
    Column {
        title: "Status",
        width: 6,
        min_list_width: 64,
        cell: |_, a| a.status.as_str().into(),
        style: Some(|t: &Theme, a: &Account| match a.status {
            AccountStatus::Open => t.open(),
            AccountStatus::Closed => t.closed(),
        }),
    },
    Column {
        title: "Tags",
        width: 16,
        min_list_width: 80,
        cell: |_, a| sanitize::line(&a.tags.join(", ")).into_owned(),
        style: None,
    },
    Column {
        title: "Assigned",
        width: 12,
        min_list_width: 84,
        cell: |users, a| {
            a.assigned_to
                .iter()
                .map(|u| users.name(u))
                .collect::<Vec<_>>()
                .join(", ")
        },
        style: None,
    },
];

// --- the form ------------------------------------------------------------------------------------

/// The account form's fields, in order.
pub const FIELDS: &[FieldSpec<Account>] = &[
    text("name", "Name", |a| a.name.clone()),
    text("email", "Email", |a| a.email.clone()),
    text("phone", "Phone", |a| a.phone.clone()),
    text("industry", "Industry", |a| a.industry.clone()),
    text("website", "Website", |a| a.website.clone()),
    FieldSpec {
        key: "status",
        label: "Status",
        kind: FieldKind::Line,
        value: |a| a.status.as_str().to_string(),
        new: "open",
    },
    text("billing_address_line", "Address", |a| {
        a.billing_address_line.clone()
    }),
    text("billing_street", "Street", |a| a.billing_street.clone()),
    text("billing_city", "City", |a| a.billing_city.clone()),
    text("billing_state", "State", |a| a.billing_state.clone()),
    text("billing_postcode", "Postcode", |a| {
        a.billing_postcode.clone()
    }),
    text("billing_country", "Country", |a| a.billing_country.clone()),
    text("tags", "Tags", |a| a.tags.join(", ")),
    FieldSpec {
        key: "description",
        label: "Description",
        kind: FieldKind::Multi,
        value: |a| a.description.clone(),
        new: "",
    },
];

const fn text(
    key: &'static str,
    label: &'static str,
    value: fn(&Account) -> String,
) -> FieldSpec<Account> {
    FieldSpec {
        key,
        label,
        kind: FieldKind::Line,
        value,
        new: "",
    }
}

/// Hints under the account form.
pub const FORM_HINT: &str = "status: open/closed · tags: a, b";

/// Where a text field goes in the body.
type Slot = fn(&mut AccountInput) -> &mut Option<Option<String>>;

/// Optional text fields (a new account leaves them out when they are empty).
const OPTIONAL_TEXT: [(&str, Slot); 10] = [
    ("email", |i| &mut i.email),
    ("phone", |i| &mut i.phone),
    ("industry", |i| &mut i.industry),
    ("website", |i| &mut i.website),
    ("billing_address_line", |i| &mut i.billing_address_line),
    ("billing_street", |i| &mut i.billing_street),
    ("billing_city", |i| &mut i.billing_city),
    ("billing_state", |i| &mut i.billing_state),
    ("billing_postcode", |i| &mut i.billing_postcode),
    ("billing_country", |i| &mut i.billing_country),
];

/// The account form as an API body: for an edit only the fields that changed.
pub fn input(form: &Form, editing: bool) -> Result<AccountInput, (&'static str, String)> {
    let mut input = AccountInput::default();
    if !editing && form.value("name").trim().is_empty() {
        return Err(("name", "a name is required".into()));
    }
    input.name = text_value(form, "name", editing);
    for (key, slot) in OPTIONAL_TEXT {
        *slot(&mut input) = text_value(form, key, editing)
            // Creating: leave empty optional fields out instead of sending "".
            .filter(|v| editing || v.as_deref().is_some_and(|v| !v.is_empty()));
    }
    input.description = form
        .get("description")
        .filter(|f| !editing || f.changed())
        .map(|f| f.value().trim_end().to_string())
        .filter(|v| editing || !v.is_empty())
        .map(Some);
    if let Some(f) = form.get("status").filter(|f| !editing || f.changed()) {
        let raw = f.value().trim().to_ascii_lowercase();
        let status = match raw.as_str() {
            "" | "open" | "o" => AccountStatus::Open,
            "closed" | "close" | "c" => AccountStatus::Closed,
            _ => return Err(("status", "open or closed".into())),
        };
        input.status = Some(Some(status));
    }
    if let Some(f) = form.get("tags").filter(|f| !editing || f.changed()) {
        input.tags = Some(Some(split_tags(&f.value())));
    }
    Ok(input)
}

/// A text field's value for the body: `None` when an edit left it alone, `Some(None)` when an
/// edit emptied it.
fn text_value(form: &Form, key: &str, editing: bool) -> Option<Option<String>> {
    let f = form.get(key)?;
    if editing && !f.changed() {
        return None;
    }
    let v = f.value().trim().to_string();
    Some(if v.is_empty() && editing {
        None
    } else {
        Some(v)
    })
}

pub fn split_tags(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

// --- the filter ----------------------------------------------------------------------------------

/// The filter form (`f`), opened with the current filter.
pub fn filter_form(f: &AccountFilter) -> Form {
    let v = |s: &Option<String>| s.clone().unwrap_or_default();
    Form::new(
        "Filter accounts",
        vec![
            Field::new("name", "Name", FieldKind::Line, &v(&f.name)),
            Field::new("city", "City", FieldKind::Line, &v(&f.city)),
            Field::new("industry", "Industry", FieldKind::Line, &v(&f.industry)),
            Field::new("tags", "Tags", FieldKind::Line, &f.tags.join(", ")),
        ],
    )
    .with_note("substrings, any case · tags: any of a, b · empty = any")
}

/// The filter the filter form describes.
pub fn filter_from_form(form: &Form) -> AccountFilter {
    let opt = |k: &str| Some(form.value(k).trim().to_string()).filter(|v| !v.is_empty());
    AccountFilter {
        name: opt("name"),
        city: opt("city"),
        industry: opt("industry"),
        tags: split_tags(&form.value("tags")),
        status: None,
    }
}

const FILTER_KEYS: [&str; 6] = ["name", "city", "industry", "tags", "tag", "status"];

/// `city=paris industry=tech tags=a,b name=acme status=closed`, or a bare word for the name:
/// the filter and the tab it asks for. Values may be quoted (`city="san francisco"`) or use
/// `+` for spaces; an unknown key is an error, not a name.
pub fn parse_filter(expr: &str) -> Result<(AccountFilter, Option<AccountStatus>), String> {
    let parts = split_words(expr).map_err(|e| format!(":filter: {e}"))?;
    let mut f = AccountFilter::default();
    let mut words = Vec::new();
    let mut tab = None;
    for part in &parts {
        let pair = part.split_once('=').or_else(|| {
            part.split_once(':')
                .filter(|(k, _)| FILTER_KEYS.contains(&k.to_ascii_lowercase().as_str()))
        });
        let Some((k, v)) = pair else {
            words.push(part.clone());
            continue;
        };
        match k.to_ascii_lowercase().as_str() {
            "city" => f.city = Some(v.to_string()),
            "industry" => f.industry = Some(v.to_string()),
            "name" => f.name = Some(v.to_string()),
            "tags" | "tag" => f.tags = split_tags(v),
            "status" => match AccountStatus::parse(&v.to_ascii_lowercase()) {
                Some(s) => tab = Some(s),
                // Silently ignoring it would show the wrong list as if filtered.
                None => {
                    return Err(format!(
                        "status={}: use open or closed",
                        sanitize::fit(v, 20)
                    ));
                }
            },
            _ => {
                return Err(format!(
                    ":filter {}=…: unknown filter (name=, city=, industry=, tags=, status=)",
                    sanitize::fit(k, 20)
                ));
            }
        }
    }
    if !words.is_empty() {
        f.name = Some(words.join(" "));
    }
    Ok((f, tab))
}

/// Words of a filter expression: whitespace separates them except inside `"…"` or `'…'`;
/// outside quotes a `+` is a space.
fn split_words(expr: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in expr.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, '+') => {
                cur.push(' ');
                in_word = true;
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("a quote is not closed".into());
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

/// The filter bar under the header: the `/` key, then every filter with `any` for unset ones.
pub fn filter_bar(theme: &Theme, filter_key: String, f: &AccountFilter) -> Line<'static> {
    let t = theme;
    let any = |v: &Option<String>| {
        v.as_deref()
            .map(|s| sanitize::fit(s, 20))
            .unwrap_or_else(|| "any".into())
    };
    let tags = if f.tags.is_empty() {
        "any".to_string()
    } else {
        sanitize::fit(&f.tags.join(","), 24)
    };
    let value = |v: String| {
        if v == "any" {
            Span::styled(v, t.dim())
        } else {
            Span::styled(v, t.accent())
        }
    };
    let name = f
        .name
        .as_deref()
        .map(|s| sanitize::fit(s, 30))
        .unwrap_or_default();
    Line::from(vec![
        Span::styled(format!(" {filter_key} "), t.key()),
        if name.is_empty() {
            Span::styled("name", t.dim())
        } else {
            Span::styled(format!("name:{name}"), t.accent())
        },
        Span::raw("  city:"),
        value(any(&f.city)),
        Span::raw("  industry:"),
        value(any(&f.industry)),
        Span::raw("  tags:"),
        value(tags),
    ])
}

// --- the detail layout ---------------------------------------------------------------------------

/// `label value` with the label dimmed; empty values are left out by the caller.
fn kv(ctx: &DrawCtx<'_>, label: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<9}"), ctx.theme.dim()),
        Span::raw(value),
    ])
}

fn joined(parts: &[&String]) -> String {
    parts
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| sanitize::line(s).into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

fn summary_lines(
    ctx: &DrawCtx<'_>,
    a: &Account,
    detail: Option<&AccountDetail>,
    width: usize,
) -> Vec<Line<'static>> {
    let w = width.saturating_sub(9);
    let mut lines = Vec::new();
    if let Some(first) = industry_and_tags(ctx, a, width) {
        lines.push(first);
    }
    for (label, value) in [
        ("Email", &a.email),
        ("Phone", &a.phone),
        ("Website", &a.website),
    ] {
        if !value.is_empty() {
            lines.push(kv(ctx, label, sanitize::fit(value, w)));
        }
    }
    address_lines(ctx, a, w, &mut lines);
    let assigned: Vec<String> = match detail {
        Some(d) => d
            .assigned_to
            .iter()
            .map(|u| sanitize::line(&u.email).into_owned())
            .collect(),
        None => a.assigned_to.iter().map(|u| ctx.users.name(u)).collect(),
    };
    if !assigned.is_empty() {
        lines.push(kv(
            ctx,
            "Assigned",
            sanitize::truncate(&assigned.join(", "), w).into_owned(),
        ));
    }
    if let Some(d) = detail {
        counts_lines(ctx, d, width, w, &mut lines);
    }
    lines.push(created_line(ctx, a, w));
    if let Some(d) = detail
        && !d.account_obj.description.is_empty()
    {
        lines.push(Line::raw(""));
        for para in sanitize::lines(&d.account_obj.description) {
            for l in sanitize::wrap(&para, width.max(1)) {
                lines.push(Line::raw(l));
            }
        }
    }
    lines
}

/// The industry and the tags, on the first line.
fn industry_and_tags(ctx: &DrawCtx<'_>, a: &Account, width: usize) -> Option<Line<'static>> {
    let mut first = Vec::new();
    if !a.industry.is_empty() {
        first.push(sanitize::line(&a.industry).into_owned());
    }
    if !a.tags.is_empty() {
        first.push(
            a.tags
                .iter()
                .map(|t| sanitize::line(t).into_owned())
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    (!first.is_empty()).then(|| {
        Line::styled(
            sanitize::truncate(&first.join(" · "), width).into_owned(),
            ctx.theme.accent(),
        )
    })
}

/// When the account was created, and by whom.
fn created_line(ctx: &DrawCtx<'_>, a: &Account, w: usize) -> Line<'static> {
    let by = a
        .created_by
        .map(|u| format!(" by {}", ctx.users.name(&u)))
        .unwrap_or_default();
    let text = format!(
        "{} ({}){by}",
        when(ctx.utc, a.created_on),
        ago(ctx.now, a.created_on)
    );
    kv(ctx, "Created", sanitize::truncate(&text, w).into_owned())
}

/// The billing address on one or two lines.
fn address_lines(ctx: &DrawCtx<'_>, a: &Account, w: usize, lines: &mut Vec<Line<'static>>) {
    let street = joined(&[&a.billing_address_line, &a.billing_street]);
    let city = [
        &a.billing_postcode,
        &a.billing_city,
        &a.billing_state,
        &a.billing_country,
    ]
    .iter()
    .filter(|s| !s.is_empty())
    .map(|s| sanitize::line(s).into_owned())
    .collect::<Vec<_>>()
    .join(" ");
    if !street.is_empty() {
        lines.push(kv(
            ctx,
            "Address",
            sanitize::truncate(&street, w).into_owned(),
        ));
    }
    if !city.is_empty() {
        lines.push(kv(
            ctx,
            if street.is_empty() { "Address" } else { "" },
            sanitize::truncate(&city, w).into_owned(),
        ));
    }
}

/// The teams, and how many records of each kind hang off the account.
fn counts_lines(
    ctx: &DrawCtx<'_>,
    d: &AccountDetail,
    width: usize,
    w: usize,
    lines: &mut Vec<Line<'static>>,
) {
    if !d.teams.is_empty() {
        let teams = d
            .teams
            .iter()
            .map(|t| sanitize::line(&t.name).into_owned())
            .collect::<Vec<_>>()
            .join(", ");
        lines.push(kv(ctx, "Teams", sanitize::truncate(&teams, w).into_owned()));
    }
    let counts = format!(
        "Contacts {} · Deals {} · Cases {} · Tasks {} · Invoices {}",
        d.contacts.len(),
        d.opportunities.len(),
        d.cases.len(),
        d.tasks.len(),
        d.invoices.len()
    );
    lines.push(Line::styled(
        sanitize::truncate(&counts, width).into_owned(),
        ctx.theme.dim(),
    ));
}

fn section(
    ctx: &DrawCtx<'_>,
    lines: &mut Vec<Line<'static>>,
    title: &str,
    items: Vec<String>,
    width: usize,
) {
    if items.is_empty() {
        return;
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!("{title} ({})", items.len()),
        ctx.theme.title(),
    ));
    for item in items {
        lines.push(Line::raw(
            sanitize::truncate(&format!("  {item}"), width).into_owned(),
        ));
    }
}

fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| sanitize::line(p).into_owned())
        .collect::<Vec<_>>()
        .join(" · ")
}

fn related_lines(
    ctx: &DrawCtx<'_>,
    d: &AccountDetail,
    width: usize,
    lines: &mut Vec<Line<'static>>,
) {
    let contacts = d
        .contacts
        .iter()
        .map(|c| join(&[&c.full_name(), &c.title, &c.email, &c.phone]))
        .collect();
    section(ctx, lines, "Contacts", contacts, width);
    let deals = d
        .opportunities
        .iter()
        .map(|o| {
            let amount = format!("{} {}", o.amount, o.currency);
            let prob = format!("{}%", o.probability);
            join(&[&o.name, &o.stage, amount.trim(), &prob])
        })
        .collect();
    section(ctx, lines, "Opportunities", deals, width);
    let cases = d
        .cases
        .iter()
        .map(|c| join(&[&c.name, &c.status, &c.priority, &c.case_type]))
        .collect();
    section(ctx, lines, "Cases", cases, width);
    let tasks = d
        .tasks
        .iter()
        .map(|x| {
            let due = x.due_date.map(|d| format!("due {d}")).unwrap_or_default();
            join(&[&x.title, &x.status, &x.priority, &due])
        })
        .collect();
    section(ctx, lines, "Tasks", tasks, width);
    let invoices = d
        .invoices
        .iter()
        .map(|i| {
            let total = format!("{} {}", i.total_amount, i.currency);
            join(&[&i.invoice_number, &i.invoice_title, &i.status, total.trim()])
        })
        .collect();
    section(ctx, lines, "Invoices", invoices, width);
    let users = d
        .assigned_to
        .iter()
        .map(|u| join(&[&u.email, u.role.as_str()]))
        .collect();
    section(ctx, lines, "Assigned users", users, width);
    let teams = d
        .teams
        .iter()
        .map(|t| join(&[&t.name, &t.description]))
        .collect();
    section(ctx, lines, "Teams", teams, width);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Account {
        serde_json::from_value(serde_json::json!({
            "id": Uuid::from_u128(1).to_string(), "name": "Acme", "email": "a@acme.test",
            "created_on": "2026-01-01T00:00:00Z", "org": Uuid::nil().to_string(),
            "created_by": null, "tags": ["a"]
        }))
        .expect("account")
    }

    fn set(form: &mut Form, key: &str, value: &str) {
        form.focus_key(key);
        if let Some(f) = form.focused() {
            f.input = ratatui_textarea::TextArea::new(vec![value.to_string()]);
        }
    }

    #[test]
    fn a_new_account_leaves_empty_fields_out_and_an_edit_sends_only_changes() {
        let mut form = Form::from_table("New", FIELDS, None);
        assert_eq!(
            input(&form, false),
            Err(("name", "a name is required".into()))
        );
        set(&mut form, "name", "Acme");
        let new = input(&form, false).expect("valid");
        assert_eq!(new.name, Some(Some("Acme".into())));
        assert_eq!(new.email, None, "empty optional fields are left out");
        assert_eq!(new.status, Some(Some(AccountStatus::Open)));

        let a = account();
        let mut form = Form::from_table("Edit", FIELDS, Some(&a));
        assert_eq!(input(&form, true), Ok(AccountInput::default()));
        set(&mut form, "email", "");
        set(&mut form, "tags", "x, y");
        let edit = input(&form, true).expect("valid");
        assert_eq!(edit.email, Some(None), "a cleared field is sent as null");
        assert_eq!(edit.tags, Some(Some(vec!["x".into(), "y".into()])));
        assert_eq!(edit.name, None, "unchanged fields are not sent");
        set(&mut form, "status", "shut");
        assert_eq!(input(&form, true), Err(("status", "open or closed".into())));
    }

    #[test]
    fn filter_expressions() {
        let (f, tab) = parse_filter(r#"city="san francisco" tags=a,b acme+corp status=Closed"#)
            .expect("valid");
        assert_eq!(f.city.as_deref(), Some("san francisco"));
        assert_eq!(f.tags, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(f.name.as_deref(), Some("acme corp"));
        assert_eq!(tab, Some(AccountStatus::Closed));
        assert!(parse_filter("bogus=1").is_err_and(|e| e.contains("unknown filter")));
        assert!(parse_filter("status=shut").is_err_and(|e| e.contains("open or closed")));
        assert!(parse_filter("city=\"open").is_err_and(|e| e.contains("quote")));
    }
}
