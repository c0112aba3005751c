//! Accounts, their links, comments, attachments and the records that hang off them.

use std::rc::Rc;

use rusqlite::{Connection, OptionalExtension, Row, ToSql, Transaction, params, params_from_iter};
use uuid::Uuid;

use super::directory::{self, CONTACT_COLUMNS, contact_from_row};
use super::{fold, now, parse_id, parse_ts, ts};
use crate::model::{
    Account, AccountDetail, AccountFilter, AccountInput, AccountList, AccountStatus, Attachment,
    Case, Comment, Contact, Invoice, Opportunity, Task, Team, User, UserRef,
};
use crate::server::auth::OrgCtx;
use crate::server::error::ApiError;
use crate::server::validate::Errors;

const COLUMNS: &str = "a.pk, a.id, a.name, a.email, a.phone, a.industry, a.description, a.website,
    a.status, a.billing_address_line, a.billing_street, a.billing_city, a.billing_state,
    a.billing_postcode, a.billing_country, a.created_on, a.created_by, a.org_id,
    a.assigned_json, a.teams_json, a.contacts_json, a.tags_json";

/// An account row with its integer key, which the link tables use.
struct Row2 {
    pk: i64,
    account: Account,
}

fn account_from_row(r: &Row<'_>) -> rusqlite::Result<Row2> {
    Ok(Row2 {
        pk: r.get(0)?,
        account: Account {
            id: parse_id(&r.get::<_, String>(1)?),
            name: r.get(2)?,
            email: r.get(3)?,
            phone: r.get(4)?,
            industry: r.get(5)?,
            description: r.get(6)?,
            website: r.get(7)?,
            status: AccountStatus::parse(&r.get::<_, String>(8)?).unwrap_or_default(),
            billing_address_line: r.get(9)?,
            billing_street: r.get(10)?,
            billing_city: r.get(11)?,
            billing_state: r.get(12)?,
            billing_postcode: r.get(13)?,
            billing_country: r.get(14)?,
            created_on: parse_ts(&r.get::<_, String>(15)?),
            created_by: r.get::<_, Option<String>>(16)?.map(|s| parse_id(&s)),
            org: parse_id(&r.get::<_, String>(17)?),
            assigned_to: json_list(r, 18)?,
            teams: json_list(r, 19)?,
            contacts: json_list(r, 20)?,
            tags: json_list(r, 21)?,
        },
    })
}

/// A JSON array column; one we did not write (malformed) reads as empty.
fn json_list<T: serde::de::DeserializeOwned>(r: &Row<'_>, i: usize) -> rusqlite::Result<Vec<T>> {
    let raw = r.get_ref(i)?.as_str()?;
    Ok(serde_json::from_str(raw).unwrap_or_default())
}

/// A WHERE clause under construction, with positional parameters.
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    params: Vec<Param>,
    /// True when some clause yields a small set of keys: then the org and status columns are
    /// only checked, so that SQLite drives the query from that set rather than scan the org.
    keyed: bool,
}

impl Where {
    fn push(&mut self, clause: &str, params: impl IntoIterator<Item = Param>) {
        self.clauses.push(clause.to_string());
        self.params.extend(params);
    }

    fn sql(&self) -> String {
        self.clauses.join(" AND ")
    }
}

/// One SQL parameter: text or a number.
type Param = Rc<dyn ToSql>;

fn text(s: impl Into<String>) -> Param {
    Rc::new(s.into())
}

/// A list as one JSON text parameter, for `IN (SELECT value FROM json_each(?))`: SQLite's
/// JSON functions handle a list parameter more cheaply than the `rarray` table.
fn json_param<T: serde::Serialize>(items: &[T]) -> Result<Param, ApiError> {
    let text = serde_json::to_string(items)
        .map_err(|e| ApiError::internal(format!("encode list: {e}")))?;
    Ok(Rc::new(text))
}

/// The conditions every account query of `ctx` shares: its org, and for a `USER` only the
/// accounts they created or are assigned to.
fn scope(c: &Connection, ctx: &OrgCtx, filter: &AccountFilter) -> Result<Where, ApiError> {
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
        if value.chars().count() >= 3 {
            // A trigram index finds any substring of three characters or more.
            fts.push(format!("{column} : \"{}\"", value.replace('"', "\"\"")));
        } else {
            // Too short for the trigram index: a scan, folding case as `fold` does (LIKE
            // folds ASCII only).
            w.push(
                &format!("instr(crm_fold(a.{column}), ?) > 0"),
                [text(fold(value))],
            );
        }
    }
    if !fts.is_empty() {
        // Run the index search once; the count and both pages reuse its keys.
        let keys: Vec<i64> = c
            .prepare_cached("SELECT rowid FROM accounts_fts WHERE accounts_fts MATCH ?1")?
            .query_map([fts.join(" AND ")], |r| r.get::<_, i64>(0))?
            .collect::<Result<_, _>>()?;
        w.push(
            "a.pk IN (SELECT value FROM json_each(?))",
            [json_param(&keys)?],
        );
        w.keyed = true;
    }
    if !filter.tags.is_empty() {
        let names: Vec<String> = filter.tags.iter().map(|t| fold(t)).collect();
        w.push(
            "a.pk IN (SELECT at.account_pk FROM account_tags at JOIN tags t ON t.id = at.tag_id
                      WHERE t.org_id = ? AND t.name_key IN (SELECT value FROM json_each(?)))",
            [text(ctx.org_id.to_string()), json_param(&names)?],
        );
    }
    if !ctx.is_admin() {
        let me = ctx.user_id.to_string();
        w.push(
            "a.pk IN (SELECT account_pk FROM account_assignees WHERE user_id = ?
                      UNION ALL SELECT pk FROM accounts WHERE created_by = ?)",
            [text(me.clone()), text(me)],
        );
        w.keyed = true;
    }
    let plus = if w.keyed { "+" } else { "" };
    w.push(
        &format!("{plus}a.org_id = ?"),
        [text(ctx.org_id.to_string())],
    );
    Ok(w)
}

/// `GET /api/accounts/`: both pages, the totals, and what the page links to.
pub fn list(
    c: &Connection,
    ctx: &OrgCtx,
    filter: &AccountFilter,
    limit: i64,
    offset: i64,
) -> Result<AccountList, ApiError> {
    let w = scope(c, ctx, filter)?;
    let plus = if w.keyed { "+" } else { "" };
    let wants = |s: AccountStatus| filter.status.is_none_or(|f| f == s);

    let (mut open_count, mut closed_count) = (0, 0);
    let unfiltered = ctx.is_admin()
        && filter.name.is_none()
        && filter.city.is_none()
        && filter.industry.is_none()
        && filter.tags.is_empty();
    if unfiltered {
        let mut stmt =
            c.prepare_cached("SELECT status, n FROM account_counts WHERE org_id = ?1")?;
        let rows = stmt.query_map([ctx.org_id.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (status, n) = row?;
            match status.as_str() {
                "open" => open_count = n,
                "closed" => closed_count = n,
                _ => {}
            }
        }
    } else {
        let sql = format!(
            "SELECT a.status, count(*) FROM accounts a WHERE {} GROUP BY a.status",
            w.sql()
        );
        let mut stmt = c.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(&w.params), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (status, n) = row?;
            match status.as_str() {
                "open" => open_count = n,
                "closed" => closed_count = n,
                _ => {}
            }
        }
    }
    if !wants(AccountStatus::Open) {
        open_count = 0;
    }
    if !wants(AccountStatus::Closed) {
        closed_count = 0;
    }

    let page_sql = format!(
        "SELECT {COLUMNS} FROM accounts a WHERE {} AND {plus}a.status = ?
         ORDER BY a.created_on DESC, a.pk DESC LIMIT ? OFFSET ?",
        w.sql()
    );
    let page = |status: AccountStatus, total: i64| -> Result<Vec<Row2>, ApiError> {
        if !wants(status) || offset >= total || limit == 0 {
            return Ok(Vec::new());
        }
        let mut params = w.params.clone();
        params.extend([
            text(status.as_str()),
            Rc::new(limit) as Param,
            Rc::new(offset) as Param,
        ]);
        let mut stmt = c.prepare_cached(&page_sql)?;
        let rows = stmt.query_map(params_from_iter(&params), account_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    let open = page(AccountStatus::Open, open_count)?;
    let closed = page(AccountStatus::Closed, closed_count)?;

    let mut contact_ids: Vec<Uuid> = open
        .iter()
        .chain(closed.iter())
        .flat_map(|r| r.account.contacts.iter().copied())
        .collect();
    contact_ids.sort();
    contact_ids.dedup();
    let contacts = contacts_by_id(c, ctx.org_id, &contact_ids)?;
    Ok(AccountList {
        open_accounts: open.into_iter().map(|r| r.account).collect(),
        closed_accounts: closed.into_iter().map(|r| r.account).collect(),
        accounts_count: open_count + closed_count,
        open_accounts_count: open_count,
        closed_accounts_count: closed_count,
        contacts,
        users: directory::org_users(c, ctx.org_id)?,
        teams: directory::org_teams(c, ctx.org_id)?,
    })
}

fn contacts_by_id(c: &Connection, org: Uuid, ids: &[Uuid]) -> Result<Vec<Contact>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let keys = json_param(ids)?;
    // `+` keeps SQLite on the id index rather than scanning the org's contacts.
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {CONTACT_COLUMNS} FROM contacts c
         WHERE +c.org_id = ?1 AND c.id IN (SELECT value FROM json_each(?2))"
    ))?;
    let rows = stmt.query_map(params![org.to_string(), keys], contact_from_row)?;
    let mut contacts: Vec<Contact> = rows.collect::<Result<_, _>>()?;
    contacts.sort_by(|a, b| (&a.first_name, &a.last_name).cmp(&(&b.first_name, &b.last_name)));
    Ok(contacts)
}

/// The account with `id` if `ctx` may see it, else 404.
fn find(c: &Connection, ctx: &OrgCtx, id: Uuid) -> Result<Row2, ApiError> {
    let w = scope(c, ctx, &AccountFilter::default())?;
    let sql = format!(
        "SELECT {COLUMNS} FROM accounts a WHERE a.id = ? AND {}",
        w.sql()
    );
    let mut params = vec![text(id.to_string())];
    params.extend(w.params);
    c.prepare_cached(&sql)?
        .query_row(params_from_iter(&params), account_from_row)
        .optional()?
        .ok_or(ApiError::NotFound)
}

pub fn get(c: &Connection, ctx: &OrgCtx, id: Uuid) -> Result<Account, ApiError> {
    find(c, ctx, id).map(|r| r.account)
}

/// `GET /api/accounts/{id}/`.
pub fn detail(c: &Connection, ctx: &OrgCtx, id: Uuid) -> Result<AccountDetail, ApiError> {
    let row = find(c, ctx, id)?;
    let pk = row.pk;
    let account = row.account;
    let users = directory::org_users(c, ctx.org_id)?;
    let teams = directory::org_teams(c, ctx.org_id)?;
    let assigned_to: Vec<User> = users
        .iter()
        .filter(|u| account.assigned_to.contains(&u.id))
        .cloned()
        .collect();
    let account_teams: Vec<Team> = teams
        .into_iter()
        .filter(|t| account.teams.contains(&t.id))
        .collect();
    Ok(AccountDetail {
        contacts: contacts_by_id(c, ctx.org_id, &account.contacts)?,
        opportunities: related(
            c,
            pk,
            "SELECT id, name, stage, amount, currency, probability, closed_on, created_on FROM opportunities WHERE account_pk = ?1 ORDER BY created_on DESC",
            |r| {
                Ok(Opportunity {
                    id: parse_id(&r.get::<_, String>(0)?),
                    name: r.get(1)?,
                    account: account.id,
                    stage: r.get(2)?,
                    amount: r.get(3)?,
                    currency: r.get(4)?,
                    probability: r.get(5)?,
                    closed_on: date(r.get(6)?),
                    created_on: parse_ts(&r.get::<_, String>(7)?),
                })
            },
        )?,
        cases: related(
            c,
            pk,
            "SELECT id, name, status, priority, case_type, closed_on, created_on FROM cases WHERE account_pk = ?1 ORDER BY created_on DESC",
            |r| {
                Ok(Case {
                    id: parse_id(&r.get::<_, String>(0)?),
                    name: r.get(1)?,
                    account: account.id,
                    status: r.get(2)?,
                    priority: r.get(3)?,
                    case_type: r.get(4)?,
                    closed_on: date(r.get(5)?),
                    created_on: parse_ts(&r.get::<_, String>(6)?),
                })
            },
        )?,
        tasks: related(
            c,
            pk,
            "SELECT id, title, status, priority, due_date, created_on FROM tasks WHERE account_pk = ?1 ORDER BY created_on DESC",
            |r| {
                Ok(Task {
                    id: parse_id(&r.get::<_, String>(0)?),
                    title: r.get(1)?,
                    account: account.id,
                    status: r.get(2)?,
                    priority: r.get(3)?,
                    due_date: date(r.get(4)?),
                    created_on: parse_ts(&r.get::<_, String>(5)?),
                })
            },
        )?,
        invoices: related(
            c,
            pk,
            "SELECT id, invoice_title, invoice_number, status, total_amount, currency, due_date, created_on FROM invoices WHERE account_pk = ?1 ORDER BY created_on DESC",
            |r| {
                Ok(Invoice {
                    id: parse_id(&r.get::<_, String>(0)?),
                    invoice_title: r.get(1)?,
                    invoice_number: r.get(2)?,
                    account: account.id,
                    status: r.get(3)?,
                    total_amount: r.get(4)?,
                    currency: r.get(5)?,
                    due_date: date(r.get(6)?),
                    created_on: parse_ts(&r.get::<_, String>(7)?),
                })
            },
        )?,
        assigned_to,
        teams: account_teams,
        comments: comments_of(c, pk, account.id)?,
        attachments: attachments_of(c, pk, account.id)?,
        users_mention: users,
        tags: account.tags.clone(),
        account_obj: account,
        figures: None,
    })
}

fn date(raw: Option<String>) -> Option<chrono::NaiveDate> {
    raw.and_then(|s| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

fn related<T>(
    c: &Connection,
    pk: i64,
    sql: &str,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, ApiError> {
    let mut stmt = c.prepare_cached(sql)?;
    let rows = stmt.query_map([pk], map)?;
    Ok(rows.collect::<Result<_, _>>()?)
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

/// Link lists to set; `None` leaves a list as it is.
#[derive(Default)]
pub struct AccountLinks {
    pub contacts: Option<Vec<Uuid>>,
    pub assigned_to: Option<Vec<Uuid>>,
    pub teams: Option<Vec<Uuid>>,
    pub tags: Option<Vec<String>>,
}

/// Applies `input` over `base` (a create has none) and checks every field.
pub fn merge(
    base: Option<&Account>,
    input: AccountInput,
) -> Result<(AccountFields, AccountLinks), ApiError> {
    fn pick(new: Option<Option<String>>, old: Option<&String>) -> String {
        match new {
            Some(v) => v.unwrap_or_default().trim().to_string(),
            None => old.cloned().unwrap_or_default(),
        }
    }
    let fields = AccountFields {
        name: pick(input.name, base.map(|b| &b.name)),
        email: pick(input.email, base.map(|b| &b.email)),
        phone: pick(input.phone, base.map(|b| &b.phone)),
        industry: pick(input.industry, base.map(|b| &b.industry)),
        description: pick(input.description, base.map(|b| &b.description)),
        website: pick(input.website, base.map(|b| &b.website)),
        status: match input.status {
            Some(s) => s.unwrap_or_default(),
            None => base.map(|b| b.status).unwrap_or_default(),
        },
        billing_address_line: pick(
            input.billing_address_line,
            base.map(|b| &b.billing_address_line),
        ),
        billing_street: pick(input.billing_street, base.map(|b| &b.billing_street)),
        billing_city: pick(input.billing_city, base.map(|b| &b.billing_city)),
        billing_state: pick(input.billing_state, base.map(|b| &b.billing_state)),
        billing_postcode: pick(input.billing_postcode, base.map(|b| &b.billing_postcode)),
        billing_country: pick(input.billing_country, base.map(|b| &b.billing_country)),
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
        .map(|t| clean_tags(t.unwrap_or_default(), &mut e));
    e.finish()?;
    let links = AccountLinks {
        contacts: input.contacts.map(|v| dedup(v.unwrap_or_default())),
        assigned_to: input.assigned_to.map(|v| dedup(v.unwrap_or_default())),
        teams: input.teams.map(|v| dedup(v.unwrap_or_default())),
        tags,
    };
    Ok((fields, links))
}

fn dedup(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(*id));
    ids
}

fn clean_tags(tags: Vec<String>, e: &mut Errors) -> Vec<String> {
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
    c: &Connection,
    org: Uuid,
    name: &str,
    except: Option<i64>,
) -> Result<(), ApiError> {
    let taken: Option<i64> = c
        .prepare_cached("SELECT pk FROM accounts WHERE org_id = ?1 AND name_key = ?2")?
        .query_row([org.to_string(), fold(name)], |r| r.get(0))
        .optional()?;
    match taken {
        Some(pk) if Some(pk) != except => Err(ApiError::field(
            "name",
            "An account with this name already exists.",
        )),
        _ => Ok(()),
    }
}

fn check_links(c: &Connection, org: Uuid, links: &AccountLinks) -> Result<(), ApiError> {
    if let Some(ids) = &links.contacts {
        directory::check_contacts(c, org, ids, "contacts")?;
    }
    if let Some(ids) = &links.assigned_to {
        directory::check_members(c, org, ids, "assigned_to")?;
    }
    if let Some(ids) = &links.teams {
        directory::check_teams(c, org, ids, "teams")?;
    }
    Ok(())
}

/// `POST /api/accounts/`: returns the new account's key and record.
pub fn create(
    tx: &Transaction<'_>,
    ctx: &OrgCtx,
    fields: &AccountFields,
    links: &AccountLinks,
) -> Result<(i64, Account), ApiError> {
    check_name_free(tx, ctx.org_id, &fields.name, None)?;
    check_links(tx, ctx.org_id, links)?;
    let id = Uuid::new_v4();
    insert_row(tx, ctx.org_id, id, Some(ctx.user_id), fields, &now())?;
    let pk = tx.last_insert_rowid();
    set_links(tx, ctx.org_id, pk, links)?;
    let row = find(tx, ctx, id)?;
    Ok((pk, row.account))
}

/// Inserts the account row only (links are separate); used by create and the demo seeder.
pub fn insert_row(
    tx: &Transaction<'_>,
    org: Uuid,
    id: Uuid,
    by: Option<Uuid>,
    f: &AccountFields,
    created: &chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    tx.prepare_cached(
        "INSERT INTO accounts (id, org_id, name, name_key, email, phone, industry, description,
            website, status, billing_address_line, billing_street, billing_city, billing_state,
            billing_postcode, billing_country, created_on, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?
    .execute(params![
        id.to_string(),
        org.to_string(),
        f.name,
        fold(&f.name),
        f.email,
        f.phone,
        f.industry,
        f.description,
        f.website,
        f.status.as_str(),
        f.billing_address_line,
        f.billing_street,
        f.billing_city,
        f.billing_state,
        f.billing_postcode,
        f.billing_country,
        ts(created),
        by.map(|u| u.to_string()),
    ])?;
    Ok(())
}

/// Replaces each link list that `links` names.
pub fn set_links(
    tx: &Transaction<'_>,
    org: Uuid,
    pk: i64,
    links: &AccountLinks,
) -> Result<(), ApiError> {
    let lists = [
        ("account_contacts", "contact_id", &links.contacts),
        ("account_assignees", "user_id", &links.assigned_to),
        ("account_teams", "team_id", &links.teams),
    ];
    for (table, column, ids) in lists {
        let Some(ids) = ids else { continue };
        tx.prepare_cached(&format!("DELETE FROM {table} WHERE account_pk = ?1"))?
            .execute([pk])?;
        let mut insert = tx.prepare_cached(&format!(
            "INSERT OR IGNORE INTO {table} (account_pk, {column}) VALUES (?1, ?2)"
        ))?;
        for id in ids {
            insert.execute(params![pk, id.to_string()])?;
        }
    }
    if let Some(tags) = &links.tags {
        tx.prepare_cached("DELETE FROM account_tags WHERE account_pk = ?1")?
            .execute([pk])?;
        for tag in tags {
            let tag_id = ensure_tag(tx, org, tag)?;
            tx.prepare_cached(
                "INSERT OR IGNORE INTO account_tags (account_pk, tag_id) VALUES (?1, ?2)",
            )?
            .execute([pk, tag_id])?;
        }
    }
    refresh_link_copies(tx, pk)
}

/// Rewrites the account's JSON copies of its link tables. Every change to a link table must
/// end with this.
pub fn refresh_link_copies(tx: &Transaction<'_>, pk: i64) -> Result<(), ApiError> {
    tx.prepare_cached(
        "UPDATE accounts SET
            assigned_json = (SELECT json_group_array(user_id) FROM
                (SELECT user_id FROM account_assignees WHERE account_pk = ?1 ORDER BY user_id)),
            teams_json = (SELECT json_group_array(team_id) FROM
                (SELECT team_id FROM account_teams WHERE account_pk = ?1 ORDER BY team_id)),
            contacts_json = (SELECT json_group_array(contact_id) FROM
                (SELECT contact_id FROM account_contacts WHERE account_pk = ?1 ORDER BY contact_id)),
            tags_json = (SELECT json_group_array(name) FROM
                (SELECT t.name FROM account_tags at JOIN tags t ON t.id = at.tag_id
                 WHERE at.account_pk = ?1 ORDER BY t.name_key))
         WHERE pk = ?1",
    )?
    .execute([pk])?;
    Ok(())
}

/// The tag's id, creating it on first use.
pub fn ensure_tag(tx: &Transaction<'_>, org: Uuid, name: &str) -> Result<i64, ApiError> {
    tx.prepare_cached(
        "INSERT INTO tags (org_id, name, name_key) VALUES (?1, ?2, ?3)
         ON CONFLICT (org_id, name_key) DO NOTHING",
    )?
    .execute(params![org.to_string(), name, fold(name)])?;
    Ok(tx
        .prepare_cached("SELECT id FROM tags WHERE org_id = ?1 AND name_key = ?2")?
        .query_row(params![org.to_string(), fold(name)], |r| r.get(0))?)
}

/// `PUT`/`PATCH /api/accounts/{id}/`.
pub fn update(
    tx: &Transaction<'_>,
    ctx: &OrgCtx,
    id: Uuid,
    input: AccountInput,
) -> Result<Account, ApiError> {
    let row = find(tx, ctx, id)?;
    let (f, links) = merge(Some(&row.account), input)?;
    check_name_free(tx, ctx.org_id, &f.name, Some(row.pk))?;
    check_links(tx, ctx.org_id, &links)?;
    tx.prepare_cached(
        "UPDATE accounts SET name = ?2, name_key = ?3, email = ?4, phone = ?5, industry = ?6,
            description = ?7, website = ?8, status = ?9, billing_address_line = ?10,
            billing_street = ?11, billing_city = ?12, billing_state = ?13, billing_postcode = ?14,
            billing_country = ?15
         WHERE pk = ?1",
    )?
    .execute(params![
        row.pk,
        f.name,
        fold(&f.name),
        f.email,
        f.phone,
        f.industry,
        f.description,
        f.website,
        f.status.as_str(),
        f.billing_address_line,
        f.billing_street,
        f.billing_city,
        f.billing_state,
        f.billing_postcode,
        f.billing_country,
    ])?;
    set_links(tx, ctx.org_id, row.pk, &links)?;
    Ok(find(tx, ctx, id)?.account)
}

/// `DELETE /api/accounts/{id}/`: only an admin or the creator. Returns the ids of the
/// attachments whose files the caller must remove once the transaction commits.
pub fn delete(tx: &Transaction<'_>, ctx: &OrgCtx, id: Uuid) -> Result<Vec<Uuid>, ApiError> {
    let row = find(tx, ctx, id)?;
    if !ctx.is_admin() && row.account.created_by != Some(ctx.user_id) {
        return Err(ApiError::Forbidden(
            "Only an admin or the account's creator may delete it.".into(),
        ));
    }
    let files = attachments_of(tx, row.pk, id)?
        .into_iter()
        .map(|a| a.id)
        .collect();
    tx.prepare_cached("DELETE FROM accounts WHERE pk = ?1")?
        .execute([row.pk])?;
    Ok(files)
}

const COMMENT_COLUMNS: &str = "m.id, m.comment, m.commented_on, m.commented_by, u.email";

fn comment_from_row(account: Uuid) -> impl FnMut(&Row<'_>) -> rusqlite::Result<Comment> {
    move |r| {
        let by = r.get::<_, Option<String>>(3)?.map(|s| parse_id(&s));
        let email: Option<String> = r.get(4)?;
        Ok(Comment {
            id: parse_id(&r.get::<_, String>(0)?),
            comment: r.get(1)?,
            account,
            commented_on: parse_ts(&r.get::<_, String>(2)?),
            commented_by: by,
            commented_by_user: by.zip(email).map(|(id, email)| UserRef { id, email }),
        })
    }
}

fn comments_of(c: &Connection, pk: i64, account: Uuid) -> Result<Vec<Comment>, ApiError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COMMENT_COLUMNS} FROM comments m LEFT JOIN users u ON u.id = m.commented_by
         WHERE m.account_pk = ?1 ORDER BY m.commented_on, m.rowid"
    ))?;
    let rows = stmt.query_map([pk], comment_from_row(account))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The download path of an attachment; the same token can GET it.
pub fn attachment_url(id: Uuid) -> String {
    format!("/api/accounts/attachment/{id}/")
}

fn attachment_from_row(account: Uuid) -> impl FnMut(&Row<'_>) -> rusqlite::Result<Attachment> {
    move |r| {
        let id = parse_id(&r.get::<_, String>(0)?);
        Ok(Attachment {
            id,
            attachment: attachment_url(id),
            file_name: r.get(1)?,
            account,
            created_on: parse_ts(&r.get::<_, String>(2)?),
            created_by: r.get::<_, Option<String>>(3)?.map(|s| parse_id(&s)),
            size: r.get(4)?,
        })
    }
}

fn attachments_of(c: &Connection, pk: i64, account: Uuid) -> Result<Vec<Attachment>, ApiError> {
    let mut stmt = c.prepare_cached(
        "SELECT id, file_name, created_on, created_by, size FROM attachments
         WHERE account_pk = ?1 ORDER BY created_on, rowid",
    )?;
    let rows = stmt.query_map([pk], attachment_from_row(account))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A file to attach; its bytes are already on disk under the attachment id.
pub struct NewAttachment {
    pub id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
}

/// `POST /api/accounts/{id}/`: adds a comment and/or an attachment to a visible account.
pub fn add_comment(
    tx: &Transaction<'_>,
    ctx: &OrgCtx,
    id: Uuid,
    comment: Option<&str>,
    file: Option<&NewAttachment>,
) -> Result<crate::model::CommentAdded, ApiError> {
    let row = find(tx, ctx, id)?;
    add_to_row(tx, ctx, row.pk, id, comment, file)
}

fn add_to_row(
    tx: &Transaction<'_>,
    ctx: &OrgCtx,
    pk: i64,
    account: Uuid,
    comment: Option<&str>,
    file: Option<&NewAttachment>,
) -> Result<crate::model::CommentAdded, ApiError> {
    let created = ts(&now());
    let mut new_comment = None;
    if let Some(text) = comment {
        let cid = Uuid::new_v4();
        tx.prepare_cached(
            "INSERT INTO comments (id, org_id, account_pk, comment, commented_on, commented_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            cid.to_string(),
            ctx.org_id.to_string(),
            pk,
            text,
            created,
            ctx.user_id.to_string()
        ])?;
        new_comment = Some(cid);
    }
    if let Some(f) = file {
        tx.prepare_cached(
            "INSERT INTO attachments (id, org_id, account_pk, file_name, content_type, size,
                                      created_on, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            f.id.to_string(),
            ctx.org_id.to_string(),
            pk,
            f.file_name,
            f.content_type,
            f.size,
            created,
            ctx.user_id.to_string()
        ])?;
    }
    let comments = comments_of(tx, pk, account)?;
    let attachments = attachments_of(tx, pk, account)?;
    Ok(crate::model::CommentAdded {
        comment: new_comment.and_then(|cid| comments.iter().find(|c| c.id == cid).cloned()),
        attachment: file.and_then(|f| attachments.iter().find(|a| a.id == f.id).cloned()),
        comments,
        attachments,
    })
}

/// Attaches a file to an account created in the same transaction (multipart create).
pub fn attach_on_create(
    tx: &Transaction<'_>,
    ctx: &OrgCtx,
    pk: i64,
    account: Uuid,
    file: &NewAttachment,
) -> Result<(), ApiError> {
    add_to_row(tx, ctx, pk, account, None, Some(file)).map(|_| ())
}

/// What a comment or attachment edit needs to know about the record and its account.
pub struct Owned {
    pub org: Uuid,
    pub account: Uuid,
    pub owner: Option<Uuid>,
}

fn owned(c: &Connection, sql: &str, id: Uuid) -> Result<Owned, ApiError> {
    c.prepare_cached(sql)?
        .query_row([id.to_string()], |r| {
            Ok(Owned {
                org: parse_id(&r.get::<_, String>(0)?),
                account: parse_id(&r.get::<_, String>(1)?),
                owner: r.get::<_, Option<String>>(2)?.map(|s| parse_id(&s)),
            })
        })
        .optional()?
        .ok_or(ApiError::NotFound)
}

/// The org, account and author of a comment.
pub fn comment_owner(c: &Connection, id: Uuid) -> Result<Owned, ApiError> {
    owned(
        c,
        "SELECT m.org_id, a.id, m.commented_by FROM comments m JOIN accounts a ON a.pk = m.account_pk
         WHERE m.id = ?1",
        id,
    )
}

/// The org, account and uploader of an attachment.
pub fn attachment_owner(c: &Connection, id: Uuid) -> Result<Owned, ApiError> {
    owned(
        c,
        "SELECT f.org_id, a.id, f.created_by FROM attachments f JOIN accounts a ON a.pk = f.account_pk
         WHERE f.id = ?1",
        id,
    )
}

/// Admins and the owner may change a record; others who can see the account get 403, and
/// those who cannot get 404.
pub fn check_owner(
    c: &Connection,
    ctx: &OrgCtx,
    owned: &Owned,
    what: &str,
) -> Result<(), ApiError> {
    if ctx.is_admin() || owned.owner == Some(ctx.user_id) {
        return Ok(());
    }
    find(c, ctx, owned.account)?;
    Err(ApiError::Forbidden(format!(
        "Only an admin or the {what}'s author may change it."
    )))
}

pub fn update_comment(tx: &Transaction<'_>, id: Uuid, text: &str) -> Result<Comment, ApiError> {
    tx.prepare_cached("UPDATE comments SET comment = ?2 WHERE id = ?1")?
        .execute(params![id.to_string(), text])?;
    let account = comment_owner(tx, id)?.account;
    tx.prepare_cached(&format!(
        "SELECT {COMMENT_COLUMNS} FROM comments m LEFT JOIN users u ON u.id = m.commented_by WHERE m.id = ?1"
    ))?
    .query_row([id.to_string()], comment_from_row(account))
    .optional()?
    .ok_or(ApiError::NotFound)
}

pub fn delete_comment(tx: &Transaction<'_>, id: Uuid) -> Result<(), ApiError> {
    tx.prepare_cached("DELETE FROM comments WHERE id = ?1")?
        .execute([id.to_string()])?;
    Ok(())
}

pub fn delete_attachment(tx: &Transaction<'_>, id: Uuid) -> Result<(), ApiError> {
    tx.prepare_cached("DELETE FROM attachments WHERE id = ?1")?
        .execute([id.to_string()])?;
    Ok(())
}

/// `(file name, content type)` of an attachment on an account `ctx` can see.
pub fn attachment_file(
    c: &Connection,
    ctx: &OrgCtx,
    id: Uuid,
) -> Result<(String, String), ApiError> {
    let owned = attachment_owner(c, id)?;
    if owned.org != ctx.org_id {
        return Err(ApiError::NotFound);
    }
    find(c, ctx, owned.account)?;
    Ok(
        c.prepare_cached("SELECT file_name, content_type FROM attachments WHERE id = ?1")?
            .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?,
    )
}

/// The integer key of a visible account (for the mail outbox).
pub fn visible_pk(c: &Connection, ctx: &OrgCtx, id: Uuid) -> Result<i64, ApiError> {
    find(c, ctx, id).map(|r| r.pk)
}
