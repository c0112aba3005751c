//! Contacts.

use uuid::Uuid;

use super::db::{Db, List, Row};
use super::now;
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

pub fn list(
    db: &Db<'_>,
    org: Uuid,
    name: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<Contact>), ApiError> {
    let pattern = name.map(super::fold);
    let filter = db.pick(
        "c.org_id = $1 AND ($2 IS NULL OR instr(crm_fold(c.first_name || ' ' || c.last_name), $2) > 0)",
        "c.org_id = $1 AND ($2::text IS NULL OR strpos(lower(c.first_name || ' ' || c.last_name), $2) > 0)",
    );
    let count = db.one(
        &format!("SELECT count(*) FROM contacts c WHERE {filter}"),
        &[&org, &pattern],
        |r| r.i64(0),
    )?;
    let order = db.pick("c.rowid", "c.seq");
    let rows = db.rows(
        &format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts c WHERE {filter}
             ORDER BY c.created_on DESC, {order} DESC LIMIT $3 OFFSET $4"
        ),
        &[&org, &pattern, &limit, &offset],
        contact_from_row,
    )?;
    Ok((count, rows))
}

pub fn get(db: &Db<'_>, org: Uuid, id: Uuid) -> Result<Contact, ApiError> {
    db.opt(
        &format!("SELECT {CONTACT_COLUMNS} FROM contacts c WHERE c.org_id = $1 AND c.id = $2"),
        &[&org, &id],
        contact_from_row,
    )?
    .ok_or(ApiError::NotFound)
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
            None => to_json(&get(db, org, id)?),
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

pub fn update(db: &Db<'_>, org: Uuid, id: Uuid, f: &ContactFields) -> Result<(), ApiError> {
    db.exec(
        "UPDATE contacts SET first_name = $3, last_name = $4, email = $5, phone = $6, title = $7,
                description = $8
         WHERE org_id = $1 AND id = $2",
        &[
            &org,
            &id,
            &f.first_name,
            &f.last_name,
            &f.email,
            &f.phone,
            &f.title,
            &f.description,
        ],
    )?;
    refresh_json(db, id)
}

pub fn delete(db: &Db<'_>, org: Uuid, id: Uuid) -> Result<(), ApiError> {
    // The link rows go by cascade; the accounts' copies of their links must follow.
    let linked = super::links::accounts_of_contact(db, id)?;
    let n = db.exec(
        "DELETE FROM contacts WHERE org_id = $1 AND id = $2",
        &[&org, &id],
    )?;
    if n == 0 {
        return Err(ApiError::NotFound);
    }
    for pk in linked {
        super::links::refresh_link_copies(db, pk)?;
    }
    Ok(())
}
