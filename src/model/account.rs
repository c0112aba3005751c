use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::common::{Patch, timestamp};
use super::{Contact, Team, User, UserRef};

/// `open` or `closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    #[default]
    Open,
    Closed,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Open => "open",
            AccountStatus::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "open" => Some(AccountStatus::Open),
            "closed" => Some(AccountStatus::Closed),
            _ => None,
        }
    }
}

/// The industries Django-CRM offers to pickers. `industry` itself is free text.
pub const INDUSTRIES: &[&str] = &[
    "ADVERTISING",
    "AGRICULTURE",
    "APPAREL & ACCESSORIES",
    "AUTOMOTIVE",
    "BANKING",
    "BIOTECHNOLOGY",
    "BUILDING MATERIALS & EQUIPMENT",
    "CHEMICAL",
    "COMPUTER",
    "EDUCATION",
    "ELECTRONICS",
    "ENERGY",
    "ENTERTAINMENT & LEISURE",
    "FINANCE",
    "FOOD & BEVERAGE",
    "GROCERY",
    "HEALTHCARE",
    "INSURANCE",
    "LEGAL",
    "MANUFACTURING",
    "PUBLISHING",
    "REAL ESTATE",
    "SERVICE",
    "SOFTWARE",
    "SPORTS",
    "TECHNOLOGY",
    "TELECOMMUNICATIONS",
    "TELEVISION",
    "TRANSPORTATION",
    "VENTURE CAPITAL",
];

/// An account with every field. List items, the create and update answers and the detail's
/// `account_obj` all use this shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Account {
    pub id: Uuid,
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub industry: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub website: String,
    #[serde(default)]
    pub status: AccountStatus,
    #[serde(default)]
    pub billing_address_line: String,
    #[serde(default)]
    pub billing_street: String,
    #[serde(default)]
    pub billing_city: String,
    #[serde(default)]
    pub billing_state: String,
    #[serde(default)]
    pub billing_postcode: String,
    #[serde(default)]
    pub billing_country: String,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_on: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub org: Uuid,
    #[serde(default)]
    pub contacts: Vec<Uuid>,
    #[serde(default)]
    pub assigned_to: Vec<Uuid>,
    #[serde(default)]
    pub teams: Vec<Uuid>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// `GET /api/accounts/` filters. Every filter is a case-insensitive substring, except `tags`
/// (any of the names) and `status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AccountFilter {
    pub name: Option<String>,
    pub city: Option<String>,
    pub industry: Option<String>,
    /// Tag names; the query string may carry them comma-separated or repeated.
    #[serde(default)]
    pub tags: Vec<String>,
    pub status: Option<AccountStatus>,
}

impl AccountFilter {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.city.is_none()
            && self.industry.is_none()
            && self.tags.is_empty()
            && self.status.is_none()
    }
}

/// `GET /api/accounts/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AccountList {
    pub open_accounts: Vec<Account>,
    pub closed_accounts: Vec<Account>,
    pub accounts_count: i64,
    pub open_accounts_count: i64,
    pub closed_accounts_count: i64,
    /// The contacts linked to the accounts of this page.
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// The members of the org.
    #[serde(default)]
    pub users: Vec<User>,
    /// The teams of the org.
    #[serde(default)]
    pub teams: Vec<Team>,
}

/// `GET /api/accounts/{id}/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AccountDetail {
    pub account_obj: Account,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// Rows of the records that name the account, as `GET /api/opportunities/` lists them.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub opportunities: Vec<super::record::Record>,
    /// Rows of the records that name the account, as `GET /api/cases/` lists them.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub cases: Vec<super::record::Record>,
    /// Rows of the records that name the account, as `GET /api/tasks/` lists them.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub tasks: Vec<super::record::Record>,
    /// Rows of the records that name the account, as `GET /api/invoices/` lists them.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub invoices: Vec<super::record::Record>,
    #[serde(default)]
    pub assigned_to: Vec<User>,
    #[serde(default)]
    pub teams: Vec<Team>,
    #[serde(default)]
    pub comments: Vec<Comment>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    #[serde(default)]
    pub users_mention: Vec<User>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Figures BottleCRM keeps on an account and the core does not; absent from the core's
    /// answers (and from its JSON, so older clients read it unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figures: Option<AccountFigures>,
}

/// `number_of_employees`, `annual_revenue` and `currency` of a BottleCRM account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AccountFigures {
    #[serde(default)]
    pub number_of_employees: Option<i64>,
    /// A decimal string, as Django serializes it (e.g. `"1250000.00"`).
    #[serde(default)]
    pub annual_revenue: Option<String>,
    /// ISO 4217 code of `annual_revenue`.
    #[serde(default)]
    pub currency: Option<String>,
}

impl AccountFigures {
    pub fn is_empty(&self) -> bool {
        self.number_of_employees.is_none()
            && self.annual_revenue.as_deref().is_none_or(str::is_empty)
    }

    /// Label and value of each figure that is set, for a detail view: `Employees 250`,
    /// `Revenue 1250000.00 EUR`.
    pub fn rows(&self) -> Vec<(&'static str, String)> {
        let mut rows = Vec::new();
        if let Some(n) = self.number_of_employees {
            rows.push(("Employees", n.to_string()));
        }
        if let Some(r) = self.annual_revenue.as_deref().filter(|r| !r.is_empty()) {
            let value = match self.currency.as_deref().filter(|c| !c.is_empty()) {
                Some(c) => format!("{r} {c}"),
                None => r.to_string(),
            };
            rows.push(("Revenue", value));
        }
        rows
    }
}

/// The body of `POST /api/accounts/` and of `PUT`/`PATCH /api/accounts/{id}/`.
///
/// Every key is optional so that one type serves create (where `name` is then required) and
/// partial update (where an absent key leaves the field alone and `null` clears it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AccountInput {
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[schema(value_type = Option<String>)]
    pub name: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[schema(value_type = Option<String>)]
    pub email: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[schema(value_type = Option<String>)]
    pub phone: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[schema(value_type = Option<String>)]
    pub industry: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[schema(value_type = Option<String>)]
    pub website: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[schema(value_type = Option<AccountStatus>)]
    pub status: Patch<AccountStatus>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[schema(value_type = Option<String>)]
    pub billing_address_line: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[schema(value_type = Option<String>)]
    pub billing_street: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[schema(value_type = Option<String>)]
    pub billing_city: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[schema(value_type = Option<String>)]
    pub billing_state: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[schema(value_type = Option<String>)]
    pub billing_postcode: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[schema(value_type = Option<String>)]
    pub billing_country: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[schema(value_type = Option<Vec<Uuid>>)]
    pub contacts: Patch<Vec<Uuid>>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[schema(value_type = Option<Vec<Uuid>>)]
    pub assigned_to: Patch<Vec<Uuid>>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[schema(value_type = Option<Vec<Uuid>>)]
    pub teams: Patch<Vec<Uuid>>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[schema(value_type = Option<Vec<String>>)]
    pub tags: Patch<Vec<String>>,
}

/// An account comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Comment {
    pub id: Uuid,
    pub comment: String,
    /// The account, for an account's comment; other records name theirs in `content_type`
    /// and `object_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<Uuid>,
    /// Cases only: a note for staff rather than a comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_internal: Option<bool>,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub commented_on: DateTime<Utc>,
    pub commented_by: Option<Uuid>,
    /// The author as `{id, email}`, beside the bare id Django-CRM sends.
    #[serde(default)]
    pub commented_by_user: Option<UserRef>,
}

/// An account attachment. `attachment` is a URL the same token can GET to download the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    pub id: Uuid,
    pub attachment: String,
    pub file_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<Uuid>,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_on: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    #[serde(default)]
    pub size: i64,
}

/// `POST /api/accounts/{id}/` with a JSON body (a file needs multipart).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CommentInput {
    pub comment: Option<String>,
    /// Cases only: keep the comment as an internal note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_internal: Option<bool>,
}

/// The answer to `POST /api/accounts/{id}/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CommentAdded {
    pub comment: Option<Comment>,
    pub attachment: Option<Attachment>,
    pub comments: Vec<Comment>,
    pub attachments: Vec<Attachment>,
}

/// `POST /api/accounts/{id}/create_mail/`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MailInput {
    #[serde(default)]
    pub recipients: Vec<String>,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub html: String,
    #[serde(default)]
    pub scheduled_later: bool,
    #[serde(default, with = "timestamp::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub scheduled_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub from_account: Option<String>,
}

/// The answer to `create_mail`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MailSent {
    pub status: String,
    pub message: String,
    pub email_id: Uuid,
}
