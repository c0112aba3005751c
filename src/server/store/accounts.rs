//! Accounts and their links. Comments and attachments are in `threads`.

use uuid::Uuid;

use super::account_row::{self, COLUMNS, Keyed, account_from_row};
use super::contacts;
use super::db::{Db, Engine, List, Param};
use super::directory;
pub use super::links::{AccountLinks, set_links};
use super::query::{Where, boxed, like_pattern};
use super::threads::{self, RecordKind};
use super::{fold, now};
use crate::model::{
    Account, AccountDetail, AccountFilter, AccountInput, AccountStatus, Patch, Team, User,
};
use crate::server::error::ApiError;
use crate::server::store::tenancy::OrgCtx;
use crate::server::validate::Errors;

/// The conditions every account query of `ctx` shares: its org, the filters, and for a `USER`
/// only the accounts they created or are assigned to.
fn scope(db: &Db<'_>, ctx: &OrgCtx, filter: &AccountFilter) -> Result<Where, ApiError> {
    let mut w = Where::default();
    let mut fts = Vec::new();
    for (column, value) in [
        ("name", filter.name.as_deref()),
        ("billing_city", filter.city.as_deref()),
        ("industry", filter.industry.as_deref()),
    ] {
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            continue;
        };
        match db.engine() {
            Engine::Postgres => {
                // A pg_trgm index serves LIKE on the folded column.
                let folded = if column == "name" {
                    "a.name_key".to_string()
                } else {
                    format!("lower(a.{column})")
                };
                w.push(
                    &format!("{folded} LIKE $?"),
                    vec![boxed(like_pattern(value))],
                );
            }
            Engine::Sqlite if value.chars().count() >= 3 => {
                // A trigram index finds any substring of three characters or more.
                fts.push(format!("{column} : \"{}\"", value.replace('"', "\"\"")));
            }
            Engine::Sqlite => {
                // Too short for the trigram index: a scan, folding case as `fold` does (LIKE
                // folds ASCII only).
                w.push(
                    &format!("instr(crm_fold(a.{column}), $?) > 0"),
                    vec![boxed(fold(value))],
                );
            }
        }
    }
    if !fts.is_empty() {
        // Run the index search once; the count and both pages reuse its keys.
        let keys = db.rows(
            "SELECT rowid FROM accounts_fts WHERE accounts_fts MATCH $1",
            &[&fts.join(" AND ")],
            |r| r.i64(0),
        )?;
        w.push(
            "a.pk IN (SELECT value FROM json_each($?))",
            vec![boxed(List(keys))],
        );
        w.keyed = true;
    }
    if !filter.tags.is_empty() {
        let names: Vec<String> = filter.tags.iter().map(|t| fold(t)).collect();
        let in_list = db.pick("IN (SELECT value FROM json_each($?))", "= ANY($?)");
        w.push(
            &format!(
                "a.pk IN (SELECT at.account_pk FROM account_tags at JOIN tags t ON t.id = at.tag_id
                          WHERE t.org_id = $? AND t.name_key {in_list})"
            ),
            vec![boxed(ctx.org_id), boxed(List(names))],
        );
    }
    if !ctx.is_admin() {
        w.push(
            "a.pk IN (SELECT account_pk FROM account_assignees WHERE user_id = $?
                      UNION ALL SELECT pk FROM accounts WHERE created_by = $?)",
            vec![boxed(ctx.user_id), boxed(ctx.user_id)],
        );
        w.keyed = true;
    }
    let plus = hint(db, w.keyed);
    w.push(&format!("{plus}a.org_id = $?"), vec![boxed(ctx.org_id)]);
    Ok(w)
}

/// SQLite's unary `+` keeps a column out of index choice; PostgreSQL plans on its own.
fn hint(db: &Db<'_>, keyed: bool) -> &'static str {
    if keyed && db.engine() == Engine::Sqlite {
        "+"
    } else {
        ""
    }
}

/// `GET /api/accounts/`: both pages, the totals, and what the page links to. Accounts and
/// contacts come as the wire JSON their rows keep (see [`AccountPage::to_json`]).
pub fn list(
    db: &Db<'_>,
    ctx: &OrgCtx,
    filter: &AccountFilter,
    limit: i64,
    offset: i64,
) -> Result<AccountPage, ApiError> {
    let w = scope(db, ctx, filter)?;
    let plus = hint(db, w.keyed);
    let wants = |s: AccountStatus| filter.status.is_none_or(|f| f == s);

    let unfiltered = ctx.is_admin()
        && filter.name.is_none()
        && filter.city.is_none()
        && filter.industry.is_none()
        && filter.tags.is_empty();
    let counts = if unfiltered {
        db.rows(
            "SELECT status, n FROM account_counts WHERE org_id = $1",
            &[&ctx.org_id],
            |r| Ok((r.text(0)?, r.i64(1)?)),
        )?
    } else {
        db.rows(
            &format!(
                "SELECT a.status, count(*) FROM accounts a WHERE {} GROUP BY a.status",
                w.sql()
            ),
            &w.refs(),
            |r| Ok((r.text(0)?, r.i64(1)?)),
        )?
    };
    let count_of = |s: AccountStatus| {
        counts
            .iter()
            .find(|(status, _)| status == s.as_str())
            .map_or(0, |(_, n)| *n)
            * i64::from(wants(s))
    };
    let open_count = count_of(AccountStatus::Open);
    let closed_count = count_of(AccountStatus::Closed);

    let n = w.next();
    let page_sql = format!(
        "SELECT a.pk, a.row_json, a.contacts_json FROM accounts a
         WHERE {} AND {plus}a.status = ${n}
         ORDER BY a.created_on DESC, a.pk DESC LIMIT ${} OFFSET ${}",
        w.sql(),
        n + 1,
        n + 2
    );
    let mut contact_ids: Vec<Uuid> = Vec::new();
    let mut page = |status: AccountStatus, total: i64| -> Result<Vec<String>, ApiError> {
        if !wants(status) || offset >= total || limit == 0 {
            return Ok(Vec::new());
        }
        let status = status.as_str();
        let mut params = w.refs();
        params.extend([&status as &dyn Param, &limit, &offset]);
        let rows = db.rows(&page_sql, &params, |r| {
            contact_ids.extend(r.json_list::<Uuid>(2)?);
            Ok((r.i64(0)?, r.opt_text(1)?))
        })?;
        rows.into_iter()
            .map(|(pk, json)| account_row::stored_or_built(db, pk, json))
            .collect()
    };
    let open = page(AccountStatus::Open, open_count)?;
    let closed = page(AccountStatus::Closed, closed_count)?;

    contact_ids.sort();
    contact_ids.dedup();
    Ok(AccountPage {
        open_accounts: open,
        closed_accounts: closed,
        accounts_count: open_count + closed_count,
        open_accounts_count: open_count,
        closed_accounts_count: closed_count,
        contacts: contacts::json_by_ids(db, ctx.org_id, &contact_ids)?,
        users: directory::org_users(db, ctx.org_id)?,
        teams: directory::org_teams(db, ctx.org_id)?,
    })
}

/// [`crate::model::AccountList`] with its accounts and contacts as the JSON text their rows keep.
#[derive(Debug)]
pub struct AccountPage {
    pub open_accounts: Vec<String>,
    pub closed_accounts: Vec<String>,
    pub accounts_count: i64,
    pub open_accounts_count: i64,
    pub closed_accounts_count: i64,
    pub contacts: Vec<String>,
    pub users: Vec<User>,
    pub teams: Vec<Team>,
}

impl AccountPage {
    /// The body of `GET /api/accounts/`: [`crate::model::AccountList`]'s JSON, with the stored rows copied in
    /// as they are. The test below holds it to what serde makes of the same list.
    pub fn to_json(&self) -> Result<Vec<u8>, ApiError> {
        fn items(out: &mut Vec<u8>, key: &str, rows: &[String]) {
            out.extend_from_slice(b"\"");
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":[");
            for (i, row) in rows.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(row.as_bytes());
            }
            out.push(b']');
        }
        let rows: usize = self
            .open_accounts
            .iter()
            .chain(&self.closed_accounts)
            .chain(&self.contacts)
            .map(|r| r.len() + 1)
            .sum();
        let mut out = Vec::with_capacity(rows + 512 * (self.users.len() + self.teams.len() + 1));
        out.push(b'{');
        items(&mut out, "open_accounts", &self.open_accounts);
        out.push(b',');
        items(&mut out, "closed_accounts", &self.closed_accounts);
        for (key, n) in [
            ("accounts_count", self.accounts_count),
            ("open_accounts_count", self.open_accounts_count),
            ("closed_accounts_count", self.closed_accounts_count),
        ] {
            out.extend_from_slice(format!(",\"{key}\":{n}").as_bytes());
        }
        out.push(b',');
        items(&mut out, "contacts", &self.contacts);
        let json_err = |e: serde_json::Error| ApiError::internal(format!("list JSON: {e}"));
        out.extend_from_slice(b",\"users\":");
        serde_json::to_writer(&mut out, &self.users).map_err(json_err)?;
        out.extend_from_slice(b",\"teams\":");
        serde_json::to_writer(&mut out, &self.teams).map_err(json_err)?;
        out.push(b'}');
        Ok(out)
    }
}

/// The account with `id` if `ctx` may see it, else 404.
fn find(db: &Db<'_>, ctx: &OrgCtx, id: Uuid) -> Result<Keyed, ApiError> {
    let mut w = scope(db, ctx, &AccountFilter::default())?;
    w.push("a.id = $?", vec![boxed(id)]);
    db.opt(
        &format!("SELECT {COLUMNS} FROM accounts a WHERE {}", w.sql()),
        &w.refs(),
        account_from_row,
    )?
    .ok_or(ApiError::NotFound)
}

pub fn get(db: &Db<'_>, ctx: &OrgCtx, id: Uuid) -> Result<Account, ApiError> {
    find(db, ctx, id).map(|r| r.account)
}

/// `GET /api/accounts/{id}/`.
pub fn detail(db: &Db<'_>, ctx: &OrgCtx, id: Uuid) -> Result<AccountDetail, ApiError> {
    let row = find(db, ctx, id)?;
    let account = row.account;
    let users = directory::org_users(db, ctx.org_id)?;
    let teams = directory::org_teams(db, ctx.org_id)?;
    let assigned_to: Vec<User> = users
        .iter()
        .filter(|u| account.assigned_to.contains(&u.id))
        .cloned()
        .collect();
    let account_teams: Vec<Team> = teams
        .into_iter()
        .filter(|t| account.teams.contains(&t.id))
        .collect();
    let related = |res: &dyn super::records::Resource| {
        super::records::related(db, res, ctx, "r.account_id = $?", account.id)
    };
    Ok(AccountDetail {
        contacts: contacts::visible_by_ids(db, ctx, &account.contacts)?,
        opportunities: related(&super::opportunities::OPPORTUNITIES)?,
        cases: related(&super::cases::CASES)?,
        tasks: related(&super::tasks::TASKS)?,
        invoices: related(&super::invoices::INVOICES)?,
        assigned_to,
        teams: account_teams,
        comments: threads::comments_of(db, RecordKind::Account, account.id)?,
        attachments: threads::attachments_of(db, RecordKind::Account, account.id)?,
        users_mention: users,
        tags: account.tags.clone(),
        account_obj: account,
        figures: None,
    })
}

impl AccountFields {
    /// The stored columns from `name` to `billing_country`, in the order of the table (and of
    /// the insert's and the update's placeholders); `name_key` is the folded name.
    fn values<'a>(&'a self, name_key: &'a String) -> [&'a dyn Param; 14] {
        let status: &'static &'static str = match self.status {
            AccountStatus::Open => &"open",
            AccountStatus::Closed => &"closed",
        };
        [
            &self.name,
            name_key,
            &self.email,
            &self.phone,
            &self.industry,
            &self.description,
            &self.website,
            status,
            &self.billing_address_line,
            &self.billing_street,
            &self.billing_city,
            &self.billing_state,
            &self.billing_postcode,
            &self.billing_country,
        ]
    }
}

/// Every account field, validated, ready to store.
pub struct AccountFields {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub industry: String,
    pub description: String,
    pub website: String,
    pub status: AccountStatus,
    pub billing_address_line: String,
    pub billing_street: String,
    pub billing_city: String,
    pub billing_state: String,
    pub billing_postcode: String,
    pub billing_country: String,
}

/// Applies `input` over `base` (a create has none) and checks every field.
pub fn merge(
    base: Option<&Account>,
    input: AccountInput,
) -> Result<(AccountFields, AccountLinks), ApiError> {
    // Stored text is trimmed; so is every new value.
    let text = |new: Patch<String>, old: Option<&String>| new.over(old).trim().to_string();
    let fields = AccountFields {
        name: text(input.name, base.map(|b| &b.name)),
        email: text(input.email, base.map(|b| &b.email)),
        phone: text(input.phone, base.map(|b| &b.phone)),
        industry: text(input.industry, base.map(|b| &b.industry)),
        description: text(input.description, base.map(|b| &b.description)),
        website: text(input.website, base.map(|b| &b.website)),
        status: input.status.over(base.map(|b| &b.status)),
        billing_address_line: text(
            input.billing_address_line,
            base.map(|b| &b.billing_address_line),
        ),
        billing_street: text(input.billing_street, base.map(|b| &b.billing_street)),
        billing_city: text(input.billing_city, base.map(|b| &b.billing_city)),
        billing_state: text(input.billing_state, base.map(|b| &b.billing_state)),
        billing_postcode: text(input.billing_postcode, base.map(|b| &b.billing_postcode)),
        billing_country: text(input.billing_country, base.map(|b| &b.billing_country)),
    };
    let mut e = Errors::default();
    e.required("name", &fields.name);
    e.max_len("name", &fields.name, 255);
    e.email("email", &fields.email);
    e.max_len("phone", &fields.phone, 64);
    e.max_len("industry", &fields.industry, 255);
    e.max_len("description", &fields.description, 10_000);
    e.url("website", &fields.website);
    e.max_len("website", &fields.website, 2048);
    for (field, value) in [
        ("billing_address_line", &fields.billing_address_line),
        ("billing_street", &fields.billing_street),
        ("billing_city", &fields.billing_city),
        ("billing_state", &fields.billing_state),
        ("billing_postcode", &fields.billing_postcode),
        ("billing_country", &fields.billing_country),
    ] {
        e.max_len(field, value, 255);
    }
    let tags = input
        .tags
        .is_given()
        .then(|| clean_tags(input.tags.over(None), &mut e));
    // A list that is named (even as null) replaces the stored one.
    let mut list = |field: &str, p: Patch<Vec<Uuid>>| {
        if p.value().is_some_and(|ids| ids.len() > MAX_LINKS) {
            e.add(field, format!("At most {MAX_LINKS} ids."));
        }
        p.is_given().then(|| dedup(p.over(None)))
    };
    let links = AccountLinks {
        contacts: list("contacts", input.contacts),
        assigned_to: list("assigned_to", input.assigned_to),
        teams: list("teams", input.teams),
        tags,
    };
    e.finish()?;
    Ok((fields, links))
}

fn dedup(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(*id));
    ids
}

/// The most tags one account may carry (and one request may send).
pub const MAX_TAGS: usize = 50;
/// The most ids one link list (contacts, assigned_to, teams) may hold.
pub const MAX_LINKS: usize = 1000;

fn clean_tags(tags: Vec<String>, e: &mut Errors) -> Vec<String> {
    // Checked before any work: a huge list must not hold the writer.
    if tags.len() > MAX_TAGS {
        e.add("tags", format!("At most {MAX_TAGS} tags."));
        return Vec::new();
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for tag in tags {
        let tag = tag.trim().to_string();
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > 50 || tag.chars().any(char::is_control) {
            e.add(
                "tags",
                format!(
                    "'{}' is not a valid tag (at most 50 characters).",
                    tag.chars().take(50).collect::<String>()
                ),
            );
            continue;
        }
        if seen.insert(fold(&tag)) {
            out.push(tag);
        }
    }
    out
}

fn check_name_free(
    db: &Db<'_>,
    org: Uuid,
    name: &str,
    except: Option<i64>,
) -> Result<(), ApiError> {
    let taken = db.opt(
        "SELECT pk FROM accounts WHERE org_id = $1 AND name_key = $2",
        &[&org, &fold(name)],
        |r| r.i64(0),
    )?;
    match taken {
        Some(pk) if Some(pk) != except => Err(ApiError::field(
            "name",
            "An account with this name already exists.",
        )),
        _ => Ok(()),
    }
}

fn check_links(db: &Db<'_>, org: Uuid, links: &AccountLinks) -> Result<(), ApiError> {
    if let Some(ids) = &links.contacts {
        contacts::check_ids(db, org, ids, "contacts")?;
    }
    if let Some(ids) = &links.assigned_to {
        directory::check_members(db, org, ids, "assigned_to")?;
    }
    if let Some(ids) = &links.teams {
        directory::check_teams(db, org, ids, "teams")?;
    }
    Ok(())
}

/// `POST /api/accounts/`.
pub fn create(
    db: &Db<'_>,
    ctx: &OrgCtx,
    fields: &AccountFields,
    links: &AccountLinks,
) -> Result<Account, ApiError> {
    check_name_free(db, ctx.org_id, &fields.name, None)?;
    check_links(db, ctx.org_id, links)?;
    let id = Uuid::new_v4();
    let pk = insert_row(db, ctx.org_id, id, Some(ctx.user_id), fields, &now())?;
    set_links(db, ctx.org_id, pk, links)?;
    Ok(find(db, ctx, id)?.account)
}

/// Inserts the account row only (links are separate); used by create and the demo seeder.
/// Returns the row's integer key.
pub fn insert_row(
    db: &Db<'_>,
    org: Uuid,
    id: Uuid,
    by: Option<Uuid>,
    f: &AccountFields,
    created: &chrono::DateTime<chrono::Utc>,
) -> Result<i64, ApiError> {
    db.one(
        "INSERT INTO accounts (id, org_id, name, name_key, email, phone, industry, description,
            website, status, billing_address_line, billing_street, billing_city, billing_state,
            billing_postcode, billing_country, created_on, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
         RETURNING pk",
        &[&id as &dyn Param, &org]
            .into_iter()
            .chain(f.values(&fold(&f.name)))
            .chain([created as &dyn Param, &by])
            .collect::<Vec<_>>(),
        |r| r.i64(0),
    )
}

/// `PUT`/`PATCH /api/accounts/{id}/`.
pub fn update(
    db: &Db<'_>,
    ctx: &OrgCtx,
    id: Uuid,
    input: AccountInput,
) -> Result<Account, ApiError> {
    let row = find(db, ctx, id)?;
    let (f, links) = merge(Some(&row.account), input)?;
    check_name_free(db, ctx.org_id, &f.name, Some(row.pk))?;
    check_links(db, ctx.org_id, &links)?;
    db.exec(
        "UPDATE accounts SET name = $2, name_key = $3, email = $4, phone = $5, industry = $6,
            description = $7, website = $8, status = $9, billing_address_line = $10,
            billing_street = $11, billing_city = $12, billing_state = $13, billing_postcode = $14,
            billing_country = $15
         WHERE pk = $1",
        &std::iter::once(&row.pk as &dyn Param)
            .chain(f.values(&fold(&f.name)))
            .collect::<Vec<_>>(),
    )?;
    set_links(db, ctx.org_id, row.pk, &links)?;
    // Read back by key, not through the caller's scope: a USER who took themself off
    // `assigned_to` may no longer see the account, but the change they made stands.
    by_pk(db, row.pk)
}

/// The account stored under `pk`, whoever may see it.
fn by_pk(db: &Db<'_>, pk: i64) -> Result<Account, ApiError> {
    db.opt(
        &format!("SELECT {COLUMNS} FROM accounts a WHERE a.pk = $1"),
        &[&pk],
        account_from_row,
    )?
    .map(|r| r.account)
    .ok_or(ApiError::NotFound)
}

/// `DELETE /api/accounts/{id}/`: only an admin or the creator. Returns the ids of the
/// attachments whose files the caller must remove once the transaction commits.
pub fn delete(db: &Db<'_>, ctx: &OrgCtx, id: Uuid) -> Result<Vec<Uuid>, ApiError> {
    let row = find(db, ctx, id)?;
    if !ctx.is_admin() && row.account.created_by != Some(ctx.user_id) {
        return Err(ApiError::Forbidden(
            "Only an admin or the account's creator may delete it.".into(),
        ));
    }
    let invoices = db.one(
        "SELECT count(*) FROM invoices WHERE account_id = $1",
        &[&id],
        |r| r.i64(0),
    )?;
    if invoices > 0 {
        return Err(ApiError::Conflict(format!(
            "The account has {invoices} invoice(s); it cannot be deleted while they name it."
        )));
    }
    let mut files = threads::delete_all(db, RecordKind::Account, id)?;
    // Its deals and cases go with it (with their own links and threads); contacts and tasks
    // lose the link by the foreign keys.
    for res in [
        &super::opportunities::OPPORTUNITIES as &dyn super::records::Resource,
        &super::cases::CASES,
    ] {
        for record in super::records::ids_of_account(db, res, id)? {
            files.extend(super::records::remove(db, res, record)?);
        }
    }
    db.exec("DELETE FROM accounts WHERE pk = $1", &[&row.pk])?;
    Ok(files)
}

/// The integer key of a visible account (for the mail outbox).
pub fn visible_pk(db: &Db<'_>, ctx: &OrgCtx, id: Uuid) -> Result<i64, ApiError> {
    find(db, ctx, id).map(|r| r.pk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AccountList, Contact, Role};

    /// The spliced page means what serde makes of the same list, key for key.
    #[test]
    fn page_json_is_the_account_list() {
        let org = Uuid::new_v4();
        let when = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let account = |name: &str, status| Account {
            id: Uuid::new_v4(),
            name: name.into(),
            email: "a@b.example".into(),
            phone: String::new(),
            industry: "SOFTWARE".into(),
            description: "line\n\"quoted\" \u{1}".into(),
            website: String::new(),
            status,
            billing_address_line: String::new(),
            billing_street: String::new(),
            billing_city: "München".into(),
            billing_state: String::new(),
            billing_postcode: String::new(),
            billing_country: String::new(),
            created_on: when,
            created_by: None,
            org,
            contacts: vec![Uuid::new_v4()],
            assigned_to: vec![Uuid::new_v4(), Uuid::new_v4()],
            teams: vec![],
            tags: vec!["vip".into()],
        };
        let contact = Contact {
            id: Uuid::new_v4(),
            first_name: "Ana".into(),
            last_name: "Silva".into(),
            email: String::new(),
            phone: String::new(),
            title: String::new(),
            description: String::new(),
            org,
            created_on: when,
            created_by: Some(Uuid::new_v4()),
        };
        let list = AccountList {
            open_accounts: vec![
                account("A", AccountStatus::Open),
                account("B", AccountStatus::Open),
            ],
            closed_accounts: vec![account("C", AccountStatus::Closed)],
            accounts_count: 3,
            open_accounts_count: 2,
            closed_accounts_count: 1,
            contacts: vec![contact.clone(), contact],
            users: vec![User {
                id: Uuid::new_v4(),
                email: "u@x.example".into(),
                role: Role::Admin,
                is_active: true,
            }],
            teams: vec![Team {
                id: Uuid::new_v4(),
                name: "Sales".into(),
                description: String::new(),
                users: vec![Uuid::new_v4()],
                created_on: when,
            }],
        };
        let rows = |v: &[Account]| -> Vec<String> {
            v.iter()
                .map(|a| account_row::to_json(a).unwrap_or_default())
                .collect()
        };
        let page = AccountPage {
            open_accounts: rows(&list.open_accounts),
            closed_accounts: rows(&list.closed_accounts),
            accounts_count: list.accounts_count,
            open_accounts_count: list.open_accounts_count,
            closed_accounts_count: list.closed_accounts_count,
            contacts: list
                .contacts
                .iter()
                .map(|c| serde_json::to_string(c).unwrap_or_default())
                .collect(),
            users: list.users.clone(),
            teams: list.teams.clone(),
        };
        let spliced: serde_json::Value =
            serde_json::from_slice(&page.to_json().unwrap_or_default()).unwrap_or_default();
        assert_eq!(spliced, serde_json::to_value(&list).unwrap_or_default());
        let empty = AccountPage {
            open_accounts: vec![],
            closed_accounts: vec![],
            accounts_count: 0,
            open_accounts_count: 0,
            closed_accounts_count: 0,
            contacts: vec![],
            users: vec![],
            teams: vec![],
        };
        let parsed: AccountList =
            serde_json::from_slice(&empty.to_json().unwrap_or_default()).expect("valid JSON");
        assert!(parsed.open_accounts.is_empty() && parsed.users.is_empty());
    }
}
