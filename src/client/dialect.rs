//! Reading the shapes real Django-CRM servers send into the seed's wire types.
//!
//! The bundled core answers in the seed's shape; BottleCRM 1.x nests the account lists and names
//! fields differently (`django-crm-dialects.md`). Everything here works on `serde_json::Value`
//! first, so an unexpected record is skipped (and counted) rather than failing the whole page.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::model::{
    Account, AccountDetail, AccountFigures, AccountInput, AccountList, AccountStatus, MailInput,
    MailSent, OrgMembership, Profile, Role, UserRef,
};

/// Which API a server speaks. Reads are told apart by their shape and need no dialect; writes
/// (field names, tag ids, mail recipients) and sign-in do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// The bundled core (`crmtui serve`): the seed's shape.
    Core,
    /// BottleCRM 1.x (`django-crm` on PyPI).
    BottleCrm,
}

/// How a server signs a user in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInMethod {
    /// Email and password (the core).
    Password,
    /// A 6-digit code sent by email, then exchanged for tokens (BottleCRM).
    EmailCode,
}

/// Whom the mail composer may address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MailRecipients {
    /// Any email addresses (the core).
    #[default]
    Addresses,
    /// Only contacts of the account (BottleCRM takes contact ids). The client maps the contacts'
    /// addresses to their ids, so the composer offers those addresses.
    AccountContacts,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Core => "crmtui core",
            Dialect::BottleCrm => "BottleCRM",
        }
    }

    pub fn sign_in(self) -> SignInMethod {
        match self {
            Dialect::Core => SignInMethod::Password,
            Dialect::BottleCrm => SignInMethod::EmailCode,
        }
    }

    pub fn mail_recipients(self) -> MailRecipients {
        match self {
            Dialect::Core => MailRecipients::Addresses,
            Dialect::BottleCrm => MailRecipients::AccountContacts,
        }
    }
}

/// What a legacy Django-CRM 0.9 server is told, in one line.
pub const LEGACY_REFUSAL: &str = "this server runs the legacy Django-CRM 0.9 (integer ids, `JWT` tokens), which crmtui does not support; use BottleCRM 1.x or `crmtui serve`";

/// Reads `GET /api/accounts/` in either the seed's or BottleCRM's shape.
pub fn account_list(body: &[u8]) -> Result<AccountList, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(mut obj) = value else {
        return Err("the account list is not a JSON object".into());
    };
    let (open, open_count) = section(
        &mut obj,
        "open_accounts",
        "active_accounts",
        &["open_accounts"],
        &["open_accounts_count", "accounts_count"],
    );
    let (closed, closed_count) = section(
        &mut obj,
        "closed_accounts",
        "closed_accounts",
        &["close_accounts", "closed_accounts"],
        &[
            "close_accounts_count",
            "closed_accounts_count",
            "accounts_count",
        ],
    );
    let (Some(open), Some(closed)) = (open, closed) else {
        return Err("no open_accounts/closed_accounts in the account list".into());
    };
    let open_accounts: Vec<Account> = accounts(open);
    let closed_accounts: Vec<Account> = accounts(closed);
    let count = |key: &str, fallback: Option<i64>, len: usize| {
        obj.get(key)
            .and_then(Value::as_i64)
            .or(fallback)
            .unwrap_or(len as i64)
    };
    let open_accounts_count = count("open_accounts_count", open_count, open_accounts.len());
    let closed_accounts_count = count("closed_accounts_count", closed_count, closed_accounts.len());
    Ok(AccountList {
        // Saturating: the counts are the server's word, and may be anything.
        accounts_count: obj
            .get("accounts_count")
            .and_then(Value::as_i64)
            .unwrap_or(open_accounts_count.saturating_add(closed_accounts_count)),
        open_accounts_count,
        closed_accounts_count,
        open_accounts,
        closed_accounts,
        contacts: lenient_vec(obj.remove("contacts")),
        users: lenient_vec(obj.remove("users")),
        teams: lenient_vec(obj.remove("teams")),
    })
}

/// One of the two lists: either a top-level array (seed) or an object holding the array and its
/// count (BottleCRM, legacy).
fn section(
    obj: &mut Map<String, Value>,
    flat_key: &str,
    nested_key: &str,
    inner_keys: &[&str],
    count_keys: &[&str],
) -> (Option<Vec<Value>>, Option<i64>) {
    if let Some(Value::Array(items)) = obj.get(flat_key) {
        return (Some(items.clone()), None);
    }
    if let Some(Value::Object(inner)) = obj.get(nested_key) {
        let items = inner_keys.iter().find_map(|k| match inner.get(*k) {
            Some(Value::Array(a)) => Some(a.clone()),
            _ => None,
        });
        let count = count_keys
            .iter()
            .find_map(|k| inner.get(*k).and_then(Value::as_i64));
        return (items, count);
    }
    (None, None)
}

fn accounts(items: Vec<Value>) -> Vec<Account> {
    let total = items.len();
    let out: Vec<Account> = items
        .into_iter()
        .filter_map(|mut v| {
            normalize_account(&mut v);
            serde_json::from_value(v).ok()
        })
        .collect();
    if out.len() < total {
        tracing::warn!(
            skipped = total - out.len(),
            "account records in an unknown shape were skipped"
        );
    }
    out
}

/// Reads `GET /api/accounts/{id}/`, tolerating related records in other shapes.
///
/// BottleCRM nests the account's teams and assignees (as objects) in `account_obj` and lists
/// the whole org's beside it, calls the deals `opportunity_list`, and links related records to
/// the account by `object_id` or an `{id, name}` object: all of it is brought to the seed's shape.
pub fn account_detail(body: &[u8]) -> Result<AccountDetail, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(mut obj) = value else {
        return Err("the account is not a JSON object".into());
    };
    let mut account = obj
        .remove("account_obj")
        .ok_or("no account_obj in the answer")?;
    let bottle = account.get("is_active").is_some() || obj.contains_key("opportunity_list");
    let figures = figures_of(&account);
    // The account's own assignees and teams as objects, before they are flattened to ids.
    let nested = |key: &str| match account.get(key) {
        Some(Value::Array(items)) if bottle => Some(Value::Array(items.clone())),
        _ => None,
    };
    let (own_users, own_teams) = (nested("assigned_to"), nested("teams"));
    normalize_account(&mut account);
    let account_obj: Account =
        serde_json::from_value(account).map_err(|e| format!("account_obj: {e}"))?;
    let id = account_obj.id;
    let tags = match obj.remove("tags") {
        Some(Value::Array(items)) => items.iter().filter_map(tag_name).collect(),
        _ => account_obj.tags.clone(),
    };
    let mut take = |keys: &[&str]| keys.iter().find_map(|k| obj.remove(*k));
    let (assigned_to, teams) = if bottle {
        (own_users, own_teams)
    } else {
        (take(&["assigned_to"]), take(&["teams"]))
    };
    Ok(AccountDetail {
        contacts: related(take(&["contacts"]), id),
        opportunities: related(take(&["opportunities", "opportunity_list"]), id),
        cases: related(take(&["cases"]), id),
        tasks: related(take(&["tasks"]), id),
        invoices: related(take(&["invoices"]), id),
        assigned_to: related(assigned_to, id),
        teams: related(teams, id),
        comments: related(take(&["comments"]), id),
        attachments: related(take(&["attachments"]), id),
        users_mention: related(take(&["users_mention"]), id),
        tags,
        account_obj,
        figures,
    })
}

/// BottleCRM's `number_of_employees`, `annual_revenue` and `currency`; `None` when the answer
/// has none of the keys (the core).
fn figures_of(account: &Value) -> Option<AccountFigures> {
    let o = account.as_object()?;
    if !["number_of_employees", "annual_revenue", "currency"]
        .iter()
        .any(|k| o.contains_key(*k))
    {
        return None;
    }
    let text = |k: &str| match o.get(k) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    Some(AccountFigures {
        number_of_employees: o.get("number_of_employees").and_then(Value::as_i64),
        annual_revenue: text("annual_revenue"),
        currency: text("currency"),
    })
}

/// Records hanging off account `account`, each brought to the seed's shape and read as `T`;
/// those that still do not read are dropped.
fn related<T: DeserializeOwned>(value: Option<Value>, account: Uuid) -> Vec<T> {
    match value {
        Some(Value::Array(mut items)) => {
            for item in &mut items {
                normalize_related(item, account);
            }
            lenient_vec(Some(Value::Array(items)))
        }
        _ => Vec::new(),
    }
}

/// One related record (contact, deal, case, task, invoice, comment, attachment, member, team)
/// from BottleCRM's shape to the seed's. Records already in the seed's shape pass unchanged.
pub fn normalize_related(v: &mut Value, account: Uuid) {
    let Value::Object(o) = v else { return };
    // `null` where the seed has a default: drop it, so the default applies.
    o.retain(|_, x| !x.is_null());
    rename(o, "created_at", "created_on");
    rename(o, "object_id", "account");
    rename(o, "primary_email", "email");
    // A member (profile): its email lives in `user_details`.
    if !o.contains_key("email")
        && let Some(email) = o
            .get("user_details")
            .and_then(|u| u.get("email"))
            .and_then(Value::as_str)
    {
        o.insert("email".into(), Value::String(email.to_string()));
    }
    if let Some(by) = o.get("commented_by")
        && !o.contains_key("commented_by_user")
        && let Some(user) = user_ref(by)
    {
        o.insert("commented_by_user".into(), json!(user));
    }
    for key in ["account", "org", "created_by", "commented_by"] {
        if let Some(x) = o.get(key) {
            match id_of(x) {
                Some(id) => o.insert(key.to_string(), id),
                None => o.remove(key),
            };
        }
    }
    if let Some(Value::Array(items)) = o.get("users") {
        let ids: Vec<Value> = items.iter().filter_map(id_of).collect();
        o.insert("users".into(), Value::Array(ids));
    }
    if !o.contains_key("account") {
        o.insert("account".into(), Value::String(account.to_string()));
    }
    if !o.contains_key("org") {
        o.insert("org".into(), Value::String(Uuid::nil().to_string()));
    }
    // An attachment: BottleCRM serves the file at its own download route, not at `file_path`.
    if o.contains_key("file_name")
        && !o.contains_key("attachment")
        && let Some(id) = o.get("id").and_then(Value::as_str)
    {
        o.insert(
            "attachment".into(),
            Value::String(format!("api/attachments/{id}/download/")),
        );
    }
    for key in ["amount", "total_amount", "probability"] {
        if let Some(Value::Number(n)) = o.get(key)
            && key != "probability"
        {
            let text = n.to_string();
            o.insert(key.into(), Value::String(text));
        }
    }
}

fn rename(o: &mut Map<String, Value>, theirs: &str, ours: &str) {
    if !o.contains_key(ours)
        && let Some(x) = o.remove(theirs)
    {
        o.insert(ours.to_string(), x);
    }
}

/// `{id, email}` of a user or a profile (`{id, user_details: {email}}`).
fn user_ref(v: &Value) -> Option<UserRef> {
    let id = v
        .get("id")?
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())?;
    let email = v
        .get("email")
        .or_else(|| v.get("user_details").and_then(|u| u.get("email")))
        .and_then(Value::as_str)?;
    Some(UserRef {
        id,
        email: email.to_string(),
    })
}

/// Every element of a JSON array that reads as `T`; the rest are dropped.
pub fn lenient_vec<T: DeserializeOwned>(value: Option<Value>) -> Vec<T> {
    match value {
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect(),
        _ => Vec::new(),
    }
}

fn tag_name(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

fn id_of(v: &Value) -> Option<Value> {
    match v {
        Value::String(_) => Some(v.clone()),
        Value::Object(o) => o.get("id").filter(|id| id.is_string()).cloned(),
        _ => None,
    }
}

const STRING_FIELDS: &[&str] = &[
    "name",
    "email",
    "phone",
    "industry",
    "description",
    "website",
    "billing_address_line",
    "billing_street",
    "billing_city",
    "billing_state",
    "billing_postcode",
    "billing_country",
];

/// Renames BottleCRM's fields to the seed's and flattens related objects to ids/names.
pub fn normalize_account(v: &mut Value) {
    let Value::Object(o) = v else { return };
    for (theirs, ours) in [
        ("address_line", "billing_address_line"),
        ("street", "billing_street"),
        ("city", "billing_city"),
        ("state", "billing_state"),
        ("postcode", "billing_postcode"),
        ("country", "billing_country"),
        ("created_at", "created_on"),
    ] {
        if !o.contains_key(ours)
            && let Some(x) = o.remove(theirs)
        {
            o.insert(ours.to_string(), x);
        }
    }
    if !o.contains_key("status")
        && let Some(active) = o.get("is_active").and_then(Value::as_bool)
    {
        o.insert(
            "status".into(),
            Value::String(if active { "open" } else { "closed" }.into()),
        );
    }
    if let Some(Value::String(s)) = o.get_mut("status")
        && s == "close"
    {
        *s = "closed".into();
    }
    for key in STRING_FIELDS {
        match o.get(*key) {
            Some(Value::String(_)) | None => {}
            Some(Value::Null) => {
                o.insert((*key).to_string(), Value::String(String::new()));
            }
            Some(other) => {
                let text = other.to_string();
                o.insert((*key).to_string(), Value::String(text));
            }
        }
    }
    for key in ["created_by", "org"] {
        if let Some(x) = o.get(key) {
            let id = id_of(x).unwrap_or(Value::Null);
            o.insert(key.to_string(), id);
        }
    }
    if matches!(o.get("org"), None | Some(Value::Null)) {
        o.insert("org".into(), Value::String(uuid::Uuid::nil().to_string()));
    }
    for key in ["contacts", "assigned_to", "teams"] {
        if let Some(Value::Array(items)) = o.get(key) {
            let ids: Vec<Value> = items.iter().filter_map(id_of).collect();
            o.insert(key.to_string(), Value::Array(ids));
        } else if o.get(key).is_some() {
            o.insert(key.to_string(), Value::Array(Vec::new()));
        }
    }
    if let Some(Value::Array(items)) = o.get("tags") {
        let names: Vec<Value> = items
            .iter()
            .filter_map(tag_name)
            .map(Value::String)
            .collect();
        o.insert("tags".into(), Value::Array(names));
    } else if o.get("tags").is_some() {
        o.insert("tags".into(), Value::Array(Vec::new()));
    }
}

// --- writing to BottleCRM ------------------------------------------------------------------

/// Our field names and BottleCRM's, for the account fields they share under other names.
const BOTTLE_FIELDS: &[(&str, &str)] = &[
    ("billing_address_line", "address_line"),
    ("billing_city", "city"),
    ("billing_state", "state"),
    ("billing_postcode", "postcode"),
    ("billing_country", "country"),
];

/// Fields of [`AccountInput`] BottleCRM has no place for: never sent to it.
const NOT_IN_BOTTLE: &[&str] = &["billing_street"];

/// The body of a BottleCRM account create or PATCH: its field names, `is_active` for the
/// status, tag ids for tag names (`tag_ids`, already looked up, in `input.tags`' order), and
/// none of the fields it lacks.
pub fn bottle_account_body(input: &AccountInput, tag_ids: Option<Vec<Uuid>>) -> Value {
    let mut body = match serde_json::to_value(input) {
        Ok(Value::Object(o)) => o,
        _ => Map::new(),
    };
    for key in NOT_IN_BOTTLE {
        body.remove(*key);
    }
    for (ours, theirs) in BOTTLE_FIELDS {
        if let Some(v) = body.remove(*ours) {
            body.insert((*theirs).to_string(), v);
        }
    }
    if let Some(status) = body.remove("status") {
        let active = !matches!(status.as_str(), Some("closed"));
        body.insert("is_active".into(), Value::Bool(active));
    }
    body.remove("tags");
    if let Some(ids) = tag_ids {
        body.insert(
            "tags".into(),
            Value::Array(ids.iter().map(|id| Value::String(id.to_string())).collect()),
        );
    }
    Value::Object(body)
}

/// BottleCRM's name of a field in an error, as ours: `city` is `billing_city` to the forms.
pub fn our_field_name(theirs: &str) -> &str {
    if theirs == "is_active" {
        return "status";
    }
    BOTTLE_FIELDS
        .iter()
        .find(|(_, t)| *t == theirs)
        .map_or(theirs, |(ours, _)| ours)
}

/// The `create_mail` body BottleCRM takes: contact ids, `message_subject`, `message_body`.
pub fn bottle_mail_body(mail: &MailInput, recipients: &[Uuid]) -> Value {
    json!({
        "recipients": recipients.iter().map(Uuid::to_string).collect::<Vec<_>>(),
        "message_subject": mail.subject,
        "message_body": mail.html,
        // The time below is sent in UTC, so that is its zone.
        "timezone": "UTC",
        "scheduled_later": mail.scheduled_later,
        "scheduled_date_time": mail
            .scheduled_date_time
            .map(|t| crate::model::timestamp::format(&t)),
    })
}

/// Which contact ids the composer's recipients name: each is a contact's address (any case)
/// or already a contact id. The ones that are neither come back as the error.
pub fn recipient_ids(
    recipients: &[String],
    contacts: &[crate::model::Contact],
) -> Result<Vec<Uuid>, Vec<String>> {
    let mut ids = Vec::new();
    let mut unknown = Vec::new();
    for r in recipients {
        let r = r.trim();
        if r.is_empty() {
            continue;
        }
        let found = match Uuid::parse_str(r) {
            Ok(id) => contacts.iter().find(|c| c.id == id),
            Err(_) => contacts
                .iter()
                .find(|c| !c.email.is_empty() && c.email.eq_ignore_ascii_case(r)),
        };
        match found {
            Some(c) if !ids.contains(&c.id) => ids.push(c.id),
            Some(_) => {}
            None => unknown.push(r.to_string()),
        }
    }
    if unknown.is_empty() {
        Ok(ids)
    } else {
        Err(unknown)
    }
}

/// The answer to posting a comment or a file on `account`. The core sends the new record;
/// BottleCRM sends all of the account's comments and attachments, in no useful order: the new
/// one is the latest with the posted `text` (or `file_name`).
pub fn comment_added(
    body: &[u8],
    account: Uuid,
    text: Option<&str>,
    file_name: Option<&str>,
) -> Result<crate::model::CommentAdded, String> {
    use crate::model::{Attachment, Comment, CommentAdded};
    let mut value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    if let Ok(added) = serde_json::from_value::<CommentAdded>(value.clone()) {
        return Ok(added);
    }
    let Some(obj) = value.as_object_mut() else {
        return Err("the answer is not a JSON object".into());
    };
    if !obj.contains_key("comments") && !obj.contains_key("attachments") {
        return Err("no comments or attachments in the answer".into());
    }
    let comments: Vec<Comment> = related(obj.remove("comments"), account);
    let attachments: Vec<Attachment> = related(obj.remove("attachments"), account);
    let comment = text.and_then(|t| {
        comments
            .iter()
            .filter(|c| c.comment == t)
            .max_by_key(|c| c.commented_on)
            .cloned()
    });
    let attachment = file_name.and_then(|n| {
        attachments
            .iter()
            .filter(|a| a.file_name == n)
            .max_by_key(|a| a.created_on)
            .cloned()
    });
    Ok(CommentAdded {
        comment,
        attachment,
        comments,
        attachments,
    })
}

/// BottleCRM's `{"error": false, "message", "id"}` answer to `create_mail`, as ours.
pub fn bottle_mail_sent(body: &[u8]) -> Result<MailSent, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    if let Ok(sent) = serde_json::from_value::<MailSent>(value.clone()) {
        return Ok(sent);
    }
    let id = value
        .get("id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or("the answer names no email")?;
    Ok(MailSent {
        status: "success".into(),
        message: value
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("Email accepted")
            .to_string(),
        email_id: id,
    })
}

/// The caller in the token's org, from BottleCRM's `GET /api/profile/` (`{"user_obj": …}`) and
/// `GET /api/org/settings/` (the org's id and name). The user id is the member (profile) id:
/// BottleCRM's comments and assignees name members, not users.
pub fn bottle_profile(profile: &[u8], org: &[u8]) -> Result<Profile, String> {
    let p: Value = serde_json::from_slice(profile).map_err(|e| format!("not JSON: {e}"))?;
    let o: Value = serde_json::from_slice(org).map_err(|e| format!("not JSON: {e}"))?;
    let user = p.get("user_obj").ok_or("no user_obj in the profile")?;
    let user = user_ref(user).ok_or("the profile names no user")?;
    let role = p
        .get("user_obj")
        .and_then(|u| u.get("role"))
        .and_then(Value::as_str)
        .and_then(Role::parse)
        .unwrap_or(Role::User);
    let id = o
        .get("id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or("the org settings name no org")?;
    let name = o
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    Ok(Profile {
        user,
        org: OrgMembership { id, name, role },
    })
}

/// The answer to BottleCRM's `verify-code` or `switch-org`: the tokens and the orgs.
#[derive(Clone)]
pub struct CodeSignIn {
    pub access: String,
    pub refresh: String,
    pub user: Option<UserRef>,
    /// Every org the user is a member of (empty in a `switch-org` answer).
    pub organizations: Vec<OrgMembership>,
    /// The org the tokens are bound to, if any (BottleCRM binds one only when there is one).
    pub current_org: Option<Uuid>,
}

impl std::fmt::Debug for CodeSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeSignIn")
            .field("user", &self.user)
            .field("organizations", &self.organizations)
            .field("current_org", &self.current_org)
            .finish_non_exhaustive()
    }
}

pub fn code_sign_in(body: &[u8]) -> Result<CodeSignIn, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let access = text("access_token").ok_or("no access_token in the answer")?;
    let refresh = text("refresh_token").ok_or("no refresh_token in the answer")?;
    let organizations = match v.get("organizations") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|o| {
                Some(OrgMembership {
                    id: Uuid::parse_str(o.get("id")?.as_str()?).ok()?,
                    name: o.get("name")?.as_str()?.to_string(),
                    role: o
                        .get("role")
                        .and_then(Value::as_str)
                        .and_then(Role::parse)
                        .unwrap_or(Role::User),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let current_org = v
        .get("current_org")
        .and_then(|o| o.get("id"))
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok());
    Ok(CodeSignIn {
        access,
        refresh,
        user: v.get("user").and_then(user_ref),
        organizations,
        current_org,
    })
}

/// Tag name (lower case) to id, from BottleCRM's `GET /api/tags/` (`{"tags": [{id, name}]}`).
pub fn tag_ids(body: &[u8]) -> Result<Vec<(String, Uuid)>, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let Some(Value::Array(items)) = v.get("tags") else {
        return Err("no tags in the answer".into());
    };
    Ok(items
        .iter()
        .filter_map(|t| {
            let id = Uuid::parse_str(t.get("id")?.as_str()?).ok()?;
            Some((t.get("name")?.as_str()?.to_lowercase(), id))
        })
        .collect())
}

/// The status a list asks BottleCRM for: `is_active=true|false`.
pub fn bottle_status_param(status: AccountStatus) -> &'static str {
    match status {
        AccountStatus::Open => "true",
        AccountStatus::Closed => "false",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Patch;

    #[test]
    fn bottlecrm_list_shape_is_read() {
        let body = serde_json::json!({
            "active_accounts": {"offset": 0, "open_accounts_count": 41, "open_accounts": [{
                "id": "6f1c1f66-5a57-4c1c-9a53-0b1b6c1b8a01", "name": "Acme", "city": "Paris", "country": "FR",
                "is_active": true, "created_at": "2025-01-02T03:04:05.123456Z", "industry": null,
                "created_by": {"id": "6f1c1f66-5a57-4c1c-9a53-0b1b6c1b8a02", "email": "a@b.c", "name": "A"},
                "assigned_to": [{"id": "6f1c1f66-5a57-4c1c-9a53-0b1b6c1b8a03", "user_details": {"email": "x@y.z"}}],
                "tags": [{"id": "t", "name": "vip", "slug": "vip", "color": "red"}],
                "org": {"id": "6f1c1f66-5a57-4c1c-9a53-0b1b6c1b8a04"}
            }, {"id": 7, "name": "legacy"}]},
            "closed_accounts": {"offset": 0, "close_accounts_count": 2, "close_accounts": []},
        });
        let list = account_list(body.to_string().as_bytes()).expect("reads");
        assert_eq!(list.open_accounts_count, 41);
        assert_eq!(list.closed_accounts_count, 2);
        assert_eq!(
            list.open_accounts.len(),
            1,
            "the integer-id record is skipped"
        );
        let a = &list.open_accounts[0];
        assert_eq!(
            (a.billing_city.as_str(), a.tags.clone(), a.assigned_to.len()),
            ("Paris", vec!["vip".to_string()], 1)
        );
    }

    #[test]
    fn bottlecrm_bodies_use_its_names_and_never_our_street() {
        let tag = Uuid::new_v4();
        let input = AccountInput {
            billing_street: Patch::Value("1 Main St".into()),
            billing_address_line: Patch::Null,
            status: Patch::Value(AccountStatus::Open),
            tags: Patch::Value(vec!["vip".into()]),
            ..Default::default()
        };
        assert_eq!(
            bottle_account_body(&input, Some(vec![tag])),
            json!({"address_line": null, "is_active": true, "tags": [tag.to_string()]})
        );
        assert_eq!(our_field_name("city"), "billing_city");
        assert_eq!(our_field_name("is_active"), "status");
        assert_eq!(our_field_name("name"), "name");
    }

    #[test]
    fn recipients_are_the_accounts_contacts_by_address_or_id() {
        let contact = |email: &str| crate::model::Contact {
            id: Uuid::new_v4(),
            first_name: "A".into(),
            last_name: String::new(),
            email: email.into(),
            phone: String::new(),
            title: String::new(),
            description: String::new(),
            org: Uuid::nil(),
            created_on: chrono::Utc::now(),
            created_by: None,
        };
        let (a, b) = (contact("a@x.example"), contact(""));
        let both = [a.clone(), b.clone()];
        let wanted = [
            "A@X.example".to_string(),
            b.id.to_string(),
            a.id.to_string(),
        ];
        assert_eq!(recipient_ids(&wanted, &both), Ok(vec![a.id, b.id]));
        assert_eq!(
            recipient_ids(&["".to_string(), "z@x.example".to_string()], &both),
            Err(vec!["z@x.example".to_string()])
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(account_list(b"<html>oops</html>").is_err());
        assert!(account_list(b"[1,2]").is_err());
        assert!(account_list(b"{}").is_err());
        assert!(account_detail(b"{\"account_obj\": 3}").is_err());
    }
}
