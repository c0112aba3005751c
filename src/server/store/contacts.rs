//! Contacts: the record kind, and the copies of their JSON that pages of accounts carry.

use uuid::Uuid;

use serde_json::{Map, Value, json};

use super::db::{Db, List, Row};
use super::now;
use super::query::boxed;
use super::records::list::{self, Query};
use super::records::{self, At, Draft, Resource, Val};
use super::tenancy::OrgCtx;
use crate::model::kinds;
use crate::model::record::{Kind, Record};
use crate::model::{Contact, ContactInput, Patch};
use crate::server::error::ApiError;

pub const CONTACT_COLUMNS: &str = "c.id, c.first_name, c.last_name, c.email, c.phone, c.title,
     c.description, c.org_id, c.created_on, c.created_by";

pub fn contact_from_row(r: &Row<'_>) -> Result<Contact, ApiError> {
    Ok(Contact {
        id: r.uuid(0)?,
        first_name: r.text(1)?,
        last_name: r.text(2)?,
        email: r.text(3)?,
        phone: r.text(4)?,
        title: r.text(5)?,
        description: r.text(6)?,
        org: r.uuid(7)?,
        created_on: r.ts(8)?,
        created_by: r.opt_uuid(9)?,
    })
}

/// The wire JSON of the contacts of `org` among `ids`, by name: what a page of accounts
/// carries, copied as stored rather than parsed and serialized again.
pub fn json_by_ids(db: &Db<'_>, org: Uuid, ids: &[Uuid]) -> Result<Vec<String>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // `+` keeps SQLite on the id index rather than scanning the org's contacts.
    let sql = db.pick(
        "SELECT c.first_name, c.last_name, c.row_json, c.id FROM contacts c
         WHERE +c.org_id = $1 AND c.id IN (SELECT value FROM json_each($2))",
        "SELECT c.first_name, c.last_name, c.row_json, c.id FROM contacts c
         WHERE c.org_id = $1 AND c.id = ANY($2)",
    );
    let mut rows = db.rows(sql, &[&org, &List(ids.to_vec())], |r| {
        Ok((r.text(0)?, r.text(1)?, r.opt_text(2)?, r.uuid(3)?))
    })?;
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    rows.into_iter()
        .map(|(_, _, json, id)| match json {
            Some(json) => Ok(json),
            // Not filled yet (the start-up backfill runs before serving; this is a safety net).
            // Made here rather than stored: this runs on a read-only connection.
            None => to_json(&db.one(
                &format!("SELECT {CONTACT_COLUMNS} FROM contacts c WHERE c.id = $1"),
                &[&id],
                contact_from_row,
            )?),
        })
        .collect()
}

/// The contacts of `org` among `ids`, by name.
pub fn by_ids(db: &Db<'_>, org: Uuid, ids: &[Uuid]) -> Result<Vec<Contact>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // `+` keeps SQLite on the id index rather than scanning the org's contacts.
    let sql = db.pick(
        "SELECT c.id, c.first_name, c.last_name, c.email, c.phone, c.title,
                c.description, c.org_id, c.created_on, c.created_by FROM contacts c
         WHERE +c.org_id = $1 AND c.id IN (SELECT value FROM json_each($2))",
        "SELECT c.id, c.first_name, c.last_name, c.email, c.phone, c.title,
                c.description, c.org_id, c.created_on, c.created_by FROM contacts c
         WHERE c.org_id = $1 AND c.id = ANY($2)",
    );
    let mut contacts = db.rows(sql, &[&org, &List(ids.to_vec())], contact_from_row)?;
    contacts.sort_by(|a, b| (&a.first_name, &a.last_name).cmp(&(&b.first_name, &b.last_name)));
    Ok(contacts)
}

/// The contacts among `ids` that `ctx` may open, by name: an account detail's `contacts` as
/// the role rules allow (two queries, whatever the number of contacts).
pub fn visible_by_ids(db: &Db<'_>, ctx: &OrgCtx, ids: &[Uuid]) -> Result<Vec<Contact>, ApiError> {
    if ctx.is_admin() || ids.is_empty() {
        return by_ids(db, ctx.org_id, ids);
    }
    let mut w = records::keyed_scope(db, &CONTACTS, ctx);
    w.push(
        &format!("r.id {}", super::query::in_list(db)),
        vec![boxed(List(ids.to_vec()))],
    );
    let seen = db.rows(
        &format!("SELECT r.id FROM contacts r WHERE {}", w.sql()),
        &w.refs(),
        |r| r.uuid(0),
    )?;
    by_ids(db, ctx.org_id, &seen)
}

pub fn check_ids(db: &Db<'_>, org: Uuid, ids: &[Uuid], field: &str) -> Result<(), ApiError> {
    super::directory::check_ids(
        db,
        "SELECT 1 FROM contacts WHERE org_id = $1 AND id = $2",
        org,
        ids,
        field,
    )
}

/// Validated contact fields, ready to store.
pub struct ContactFields {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub title: String,
    pub description: String,
}

impl ContactFields {
    /// Applies a partial input over `base` (or over empty fields for a create).
    pub fn merge(base: Option<&Contact>, input: ContactInput) -> Result<ContactFields, ApiError> {
        let text = |new: Patch<String>, old: Option<&String>| new.over(old).trim().to_string();
        let fields = ContactFields {
            first_name: text(input.first_name, base.map(|b| &b.first_name)),
            last_name: text(input.last_name, base.map(|b| &b.last_name)),
            email: text(input.email, base.map(|b| &b.email)),
            phone: text(input.phone, base.map(|b| &b.phone)),
            title: text(input.title, base.map(|b| &b.title)),
            description: text(input.description, base.map(|b| &b.description)),
        };
        let mut errors = crate::server::validate::Errors::default();
        errors.required("first_name", &fields.first_name);
        errors.max_len("first_name", &fields.first_name, 255);
        errors.max_len("last_name", &fields.last_name, 255);
        errors.email("email", &fields.email);
        errors.max_len("phone", &fields.phone, 64);
        errors.max_len("title", &fields.title, 255);
        errors.max_len("description", &fields.description, 10_000);
        errors.finish()?;
        Ok(fields)
    }
}

pub fn insert(
    db: &Db<'_>,
    org: Uuid,
    by: Option<Uuid>,
    f: &ContactFields,
) -> Result<Uuid, ApiError> {
    let contact = Contact {
        id: Uuid::new_v4(),
        first_name: f.first_name.clone(),
        last_name: f.last_name.clone(),
        email: f.email.clone(),
        phone: f.phone.clone(),
        title: f.title.clone(),
        description: f.description.clone(),
        org,
        created_on: now(),
        created_by: by,
    };
    db.exec(
        "INSERT INTO contacts (id, org_id, first_name, last_name, email, phone, title, description,
                               created_on, created_by, row_json)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            &contact.id,
            &org,
            &f.first_name,
            &f.last_name,
            &f.email,
            &f.phone,
            &f.title,
            &f.description,
            &contact.created_on,
            &by,
            &to_json(&contact)?,
        ],
    )?;
    Ok(contact.id)
}

/// The contact's wire JSON, as `row_json` keeps it.
fn to_json(contact: &Contact) -> Result<String, ApiError> {
    serde_json::to_string(contact).map_err(|e| ApiError::internal(format!("contact JSON: {e}")))
}

/// Rewrites the contact's `row_json` from its columns. Every change of a contact row ends with
/// this (or writes the JSON itself, as `insert` does).
pub fn refresh_json(db: &Db<'_>, id: Uuid) -> Result<(), ApiError> {
    let contact = db.opt(
        &format!("SELECT {CONTACT_COLUMNS} FROM contacts c WHERE c.id = $1"),
        &[&id],
        contact_from_row,
    )?;
    if let Some(contact) = contact {
        db.exec(
            "UPDATE contacts SET row_json = $2 WHERE id = $1",
            &[&id, &to_json(&contact)?],
        )?;
    }
    Ok(())
}

/// Fills `row_json` of contacts stored before it existed.
pub fn backfill_json(db: &Db<'_>) -> Result<usize, ApiError> {
    let ids = db.rows("SELECT id FROM contacts WHERE row_json IS NULL", &[], |r| {
        r.uuid(0)
    })?;
    for id in &ids {
        refresh_json(db, *id)?;
    }
    Ok(ids.len())
}

/// Contacts as a record kind.
pub struct Contacts;

pub static CONTACTS: Contacts = Contacts;

impl Resource for Contacts {
    fn kind(&self) -> &'static Kind {
        &kinds::CONTACT
    }

    fn created_column(&self) -> &'static str {
        "created_on"
    }

    fn name_sql(&self) -> &'static str {
        "trim(r.first_name || ' ' || r.last_name)"
    }

    fn also_visible(&self) -> Option<&'static str> {
        Some(
            "EXISTS (SELECT 1 FROM account_contacts ac
                     JOIN account_assignees aa ON aa.account_pk = ac.account_pk
                     WHERE ac.contact_id = r.id AND aa.user_id = $?)",
        )
    }

    fn after_write(
        &self,
        db: &Db<'_>,
        _ctx: &OrgCtx,
        id: Uuid,
        draft: &Draft,
    ) -> Result<(), ApiError> {
        // The primary account lists the contact too.
        if let Some(Val::Id(Some(account))) = draft.get("account") {
            let pk = db.opt("SELECT pk FROM accounts WHERE id = $1", &[account], |r| {
                r.i64(0)
            })?;
            if let Some(pk) = pk {
                db.exec(
                    "INSERT INTO account_contacts (account_pk, contact_id) VALUES ($1, $2)
                     ON CONFLICT DO NOTHING",
                    &[&pk, &id],
                )?;
                super::links::refresh_link_copies(db, pk)?;
            }
        }
        refresh_json(db, id)
    }

    fn on_remove(&self, db: &Db<'_>, id: Uuid) -> Result<(), ApiError> {
        let linked = super::links::accounts_of_contact(db, id)?;
        db.exec("DELETE FROM account_contacts WHERE contact_id = $1", &[&id])?;
        for pk in linked {
            super::links::refresh_link_copies(db, pk)?;
        }
        Ok(())
    }

    fn decorate(&self, db: &Db<'_>, rows: &mut [Record]) -> Result<(), ApiError> {
        let ids: Vec<Uuid> = rows.iter().filter_map(Record::id).collect();
        let primary: Vec<Uuid> = rows
            .iter()
            .filter_map(|r| r.str("account").and_then(|s| Uuid::parse_str(s).ok()))
            .collect();
        let names = records::read::names_of(db, "account", &primary)?;
        let sql = format!(
            "SELECT ac.contact_id, a.id, a.name FROM account_contacts ac
             JOIN accounts a ON a.pk = ac.account_pk
             WHERE ac.contact_id {} ORDER BY a.name_key",
            db.pick("IN (SELECT value FROM json_each($1))", "= ANY($1)")
        );
        let linked = db.rows(&sql, &[&List(ids.clone())], |r| {
            Ok((r.uuid(0)?, json!({"id": r.uuid(1)?, "name": r.text(2)?})))
        })?;
        // Today's clients read a contact's `org`, as the first contacts API sent it.
        let orgs: std::collections::HashMap<Uuid, Uuid> = db
            .rows(
                &format!(
                    "SELECT c.id, c.org_id FROM contacts c WHERE c.id {}",
                    db.pick("IN (SELECT value FROM json_each($1))", "= ANY($1)")
                ),
                &[&List(ids)],
                |r| Ok((r.uuid(0)?, r.uuid(1)?)),
            )?
            .into_iter()
            .collect();
        for row in rows.iter_mut() {
            let id = row.id().unwrap_or_default();
            let detail = row
                .str("account")
                .and_then(|s| Uuid::parse_str(s).ok())
                .map(|a| json!({"id": a, "name": names.get(&a).cloned().unwrap_or_default()}));
            row.0
                .insert("account_detail".into(), detail.unwrap_or(Value::Null));
            let mine: Vec<Value> = linked
                .iter()
                .filter(|(c, _)| *c == id)
                .map(|(_, v)| v.clone())
                .collect();
            row.0.insert("linked_accounts".into(), Value::Array(mine));
            // Today's clients read the accounts' names of these two.
            let created = row.get("created_at").cloned().unwrap_or(Value::Null);
            row.0.insert("created_on".into(), created);
            row.0.insert("org".into(), json!(orgs.get(&id)));
        }
        Ok(())
    }

    fn detail_extras(&self, at: &At<'_, '_>, out: &mut Map<String, Value>) -> Result<(), ApiError> {
        let (db, ctx) = (at.db, at.ctx);
        let id = at.old.and_then(Record::id).unwrap_or_default();
        for (key, res) in [
            ("opportunities", records::resource("opportunity")),
            ("cases", records::resource("case")),
            ("tasks", records::resource("task")),
        ] {
            let Some(res) = res else { continue };
            // Driven by the links' index on (rel, target): a correlated EXISTS would make
            // SQLite walk every record of the kind to probe it.
            let clause = format!(
                "r.id IN (SELECT l.record_id FROM record_links l WHERE l.rel = 'contacts'
                 AND l.target = $? AND l.record_kind = '{}')",
                res.kind().name
            );
            out.insert(
                key.into(),
                json!(records::related(db, res, ctx, &clause, id)?),
            );
        }
        Ok(())
    }
}

/// `GET /api/contacts/`: the page, with the active and inactive counts of the same filters
/// but `is_active` (kept counts for an admin's unfiltered list, else one pass over the matches).
pub fn list(db: &Db<'_>, ctx: &OrgCtx, q: &Query) -> Result<Value, ApiError> {
    let w = list::filters(db, &CONTACTS, ctx, q)?;
    let kept = list::kept(&CONTACTS, ctx, q, &["is_active"]).is_some();
    let (total, active) = if kept {
        let rows = db.rows(
            "SELECT is_active, n FROM contact_counts WHERE org_id = $1",
            &[&ctx.org_id],
            |r| Ok((r.bool(0)?, r.i64(1)?)),
        )?;
        let sum = |active_only: bool| {
            rows.iter()
                .filter(|(a, _)| *a || !active_only)
                .map(|(_, n)| n)
                .sum::<i64>()
        };
        (sum(false), sum(true))
    } else {
        let mut all = q.clone();
        all.params.retain(|(k, _)| k != "is_active");
        let all_w = list::filters(db, &CONTACTS, ctx, &all)?;
        db.one(
            &format!(
                "SELECT count(*), {} FROM contacts r WHERE {}",
                list::sum_sql(db, "CASE WHEN r.is_active THEN 1 ELSE 0 END"),
                all_w.sql()
            ),
            &all_w.refs(),
            |r| Ok((r.i64(0)?, r.i64(1)?)),
        )?
    };
    // An admin's active or inactive tab is a bucket of the kept counts too (the filter reads
    // the first value, as `list::filters` does).
    let count = match q
        .values("is_active")
        .first()
        .map(|v| v.to_ascii_lowercase())
    {
        None => total,
        Some(v) if kept && matches!(v.as_str(), "true" | "1" | "yes") => active,
        Some(v) if kept && matches!(v.as_str(), "false" | "0" | "no") => total - active,
        Some(_) => list::count(db, &CONTACTS, &w)?,
    };
    let page = list::page_of(
        db,
        &CONTACTS,
        ctx,
        &list::page_filters(db, &CONTACTS, ctx, q, count)?,
        q,
        count,
    )?;
    Ok(json!({
        "contacts_count": page.count,
        "offset": page.next,
        "contact_obj_list": page.rows,
        "active_count": active,
        "inactive_count": total - active,
    }))
}
