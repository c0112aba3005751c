//! Accounts as a record kind: the list's columns and the form's field table here, the detail
//! layout in `detail.rs`, the filter (its form, its bar and its `:filter` grammar) in [`filter`].

mod detail;
pub mod filter;

pub use filter::{filter_bar, filter_form, filter_from_form, parse_filter};

use ratatui::text::{Line, Span};
use uuid::Uuid;

use super::{
    Column, DrawCtx, FieldSpec, Link, PageParts, PageQuery, RecordKind, Row, Thread, ViewId,
};
use crate::model::{
    Account, AccountDetail, AccountFilter, AccountInput, AccountList, AccountStatus, Patch,
};
use crate::tui::msg::Cmd;
use crate::tui::overlay::form::{FieldKind, Form};
use crate::tui::overlay::pick::Choice;
use crate::tui::sanitize;
use crate::tui::theme::Theme;

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

    fn view(&self) -> ViewId {
        ViewId::Accounts
    }

    fn noun(&self) -> &'static str {
        "account"
    }

    fn a_noun(&self) -> &'static str {
        "an account"
    }

    fn loading_list(&self) -> &'static str {
        "loading accounts"
    }

    fn loading_detail(&self) -> &'static str {
        "loading account"
    }

    fn tabs(&self) -> &'static [AccountStatus] {
        &[AccountStatus::Open, AccountStatus::Closed]
    }

    fn counts_every_tab(&self) -> bool {
        // `open_accounts_count` and `closed_accounts_count` come with every page.
        true
    }

    fn tab_name(&self, tab: AccountStatus) -> &'static str {
        tab.as_str()
    }

    fn list_title(&self, tab: AccountStatus) -> &'static str {
        match tab {
            AccountStatus::Open => " Open accounts ",
            AccountStatus::Closed => " Closed accounts ",
        }
    }

    fn columns(&self) -> &'static [Column<Account>] {
        COLUMNS
    }

    fn title(&self, row: &Account) -> String {
        row.name.clone()
    }

    fn badge(&self, row: &Account, theme: &Theme) -> Option<Span<'static>> {
        Some(match row.status {
            AccountStatus::Open => Span::styled(" open ", theme.open()),
            AccountStatus::Closed => Span::styled(" closed ", theme.closed()),
        })
    }

    fn filter_is_empty(&self, filter: &AccountFilter) -> bool {
        filter.is_empty()
    }

    fn load_page(&self, q: PageQuery<Self>) -> Cmd {
        Cmd::LoadPage {
            epoch: q.epoch,
            tab: q.tab,
            page: q.page,
            filter: q.filter,
            limit: q.limit,
            offset: q.offset,
        }
    }

    fn load_detail(&self, id: Uuid) -> Cmd {
        Cmd::LoadDetail { id }
    }

    fn split_page(&self, list: AccountList, tab: AccountStatus) -> PageParts<Self> {
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

    fn detail_row<'a>(&self, detail: &'a AccountDetail) -> &'a Account {
        &detail.account_obj
    }

    fn thread<'a>(&self, detail: &'a AccountDetail) -> Thread<'a> {
        Thread {
            comments: &detail.comments,
            attachments: &detail.attachments,
        }
    }

    fn detail_lines(
        &self,
        ctx: &DrawCtx<'_>,
        row: &Account,
        detail: Option<&AccountDetail>,
        width: usize,
    ) -> Vec<Line<'static>> {
        detail::lines(ctx, row, detail, width)
    }

    fn links(&self, d: &AccountDetail) -> Vec<Link> {
        let mut out: Vec<Link> = d
            .contacts
            .iter()
            .map(|c| Link {
                section: "Contacts",
                view: ViewId::Contacts,
                id: c.id,
                text: super::crm::join(&[&c.full_name(), &c.title, &c.email, &c.phone]),
            })
            .collect();
        for (view, rows) in [
            (ViewId::Opportunities, &d.opportunities),
            (ViewId::Cases, &d.cases),
            (ViewId::Tasks, &d.tasks),
            (ViewId::Invoices, &d.invoices),
        ] {
            out.extend(super::crm::links_of(view, rows));
        }
        out
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
type Slot = fn(&mut AccountInput) -> &mut Patch<String>;

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
        let value = text_value(form, key, editing);
        // Creating: leave empty optional fields out instead of sending "".
        *slot(&mut input) = if editing || value.value().is_some_and(|v| !v.is_empty()) {
            value
        } else {
            Patch::Absent
        };
    }
    input.description = form
        .get("description")
        .filter(|f| !editing || f.changed())
        .map(|f| f.value().trim_end().to_string())
        .filter(|v| editing || !v.is_empty())
        .map_or(Patch::Absent, Patch::Value);
    if let Some(f) = form.get("status").filter(|f| !editing || f.changed()) {
        let raw = f.value().trim().to_ascii_lowercase();
        let status = match raw.as_str() {
            "" | "open" | "o" => AccountStatus::Open,
            "closed" | "close" | "c" => AccountStatus::Closed,
            _ => return Err(("status", "open or closed".into())),
        };
        input.status = status.into();
    }
    if let Some(f) = form.get("tags").filter(|f| !editing || f.changed()) {
        input.tags = split_tags(&f.value()).into();
    }
    Ok(input)
}

/// A text field's value for the body: absent when an edit left it alone, null when an edit
/// emptied it.
fn text_value(form: &Form, key: &str, editing: bool) -> Patch<String> {
    let Some(f) = form.get(key) else {
        return Patch::Absent;
    };
    if editing && !f.changed() {
        return Patch::Absent;
    }
    let v = f.value().trim().to_string();
    if v.is_empty() && editing {
        Patch::Null
    } else {
        Patch::Value(v)
    }
}

pub fn split_tags(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// What `y` can copy from an account, each with its letter (the empty ones left out).
pub fn copy_choices(a: &Account) -> Vec<Choice> {
    let address = [
        &a.billing_address_line,
        &a.billing_street,
        &a.billing_city,
        &a.billing_state,
        &a.billing_postcode,
        &a.billing_country,
    ]
    .into_iter()
    .map(|s| s.trim())
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    [
        ('y', "the id", a.id.to_string()),
        ('n', "the name", a.name.clone()),
        ('e', "the email", a.email.clone()),
        ('p', "the phone", a.phone.clone()),
        ('w', "the website", a.website.clone()),
        ('a', "the address", address),
    ]
    .into_iter()
    .filter(|(_, _, v)| !v.trim().is_empty())
    .map(|(key, label, value)| Choice {
        key,
        label,
        value: value.trim().to_string(),
    })
    .collect()
}

/// What `o` can open for an account: the website (http or https only: the server's text never
/// names another scheme for the opener) and the email as `mailto:`.
pub fn open_choices(a: &Account) -> Vec<Choice> {
    let mut out = Vec::new();
    if let Some(url) = web_url(&a.website) {
        out.push(Choice {
            key: 'w',
            label: "the website",
            value: url,
        });
    }
    let email = a.email.trim();
    if !email.is_empty() && email.contains('@') && !email.contains(char::is_whitespace) {
        let mut url = url::Url::parse("mailto:").ok();
        if let Some(u) = url.as_mut() {
            u.set_path(email);
        }
        if let Some(u) = url {
            out.push(Choice {
                key: 'e',
                label: "the email",
                value: u.to_string(),
            });
        }
    }
    out
}

/// A website as an http(s) URL (`example.com` gets `https://`), or `None`.
fn web_url(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.contains(char::is_whitespace) {
        return None;
    }
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let url = url::Url::parse(&with_scheme).ok()?;
    matches!(url.scheme(), "http" | "https")
        .then(|| url.host_str().is_some())
        .filter(|h| *h)
        .map(|_| url.to_string())
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
        assert_eq!(new.name, Patch::Value("Acme".into()));
        assert_eq!(
            new.email,
            Patch::Absent,
            "empty optional fields are left out"
        );
        assert_eq!(new.status, Patch::Value(AccountStatus::Open));

        let a = account();
        let mut form = Form::from_table("Edit", FIELDS, Some(&a));
        assert_eq!(input(&form, true), Ok(AccountInput::default()));
        set(&mut form, "email", "");
        set(&mut form, "tags", "x, y");
        let edit = input(&form, true).expect("valid");
        assert_eq!(edit.email, Patch::Null, "a cleared field is sent as null");
        assert_eq!(edit.tags, Patch::Value(vec!["x".into(), "y".into()]));
        assert_eq!(edit.name, Patch::Absent, "unchanged fields are not sent");
        set(&mut form, "status", "shut");
        assert_eq!(input(&form, true), Err(("status", "open or closed".into())));
    }
}
