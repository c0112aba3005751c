//! Orgs, users, memberships, teams and contacts.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use uuid::Uuid;

use super::{fold, now, parse_id, parse_ts, ts};
use crate::model::{Contact, ContactInput, OrgMembership, Role, Team, User, UserRef};
use crate::server::auth::OrgCtx;
use crate::server::error::ApiError;

/// Checks the caller's membership in `org` (or picks their only org) and returns the context
/// every org-scoped handler works in.
pub fn resolve_org(c: &Connection, user: Uuid, org: Option<Uuid>) -> Result<OrgCtx, ApiError> {
    let active: Option<bool> = c
        .prepare_cached("SELECT is_active FROM users WHERE id = ?1")?
        .query_row([user.to_string()], |r| r.get(0))
        .optional()?;
    if active != Some(true) {
        return Err(ApiError::Unauthorized(
            "User is inactive or does not exist.".into(),
        ));
    }
    let org_id = match org {
        Some(org) => org,
        None => {
            let orgs = memberships(c, user)?;
            match orgs.as_slice() {
                [only] => only.id,
                [] => {
                    return Err(ApiError::Forbidden(
                        "You are not a member of any organization.".into(),
                    ));
                }
                _ => {
                    return Err(ApiError::field(
                        "organization-id",
                        "You belong to several organizations: send the organization-id header.",
                    ));
                }
            }
        }
    };
    let role: Option<(String, bool)> = c
        .prepare_cached(
            "SELECT role, is_active FROM memberships WHERE user_id = ?1 AND org_id = ?2",
        )?
        .query_row([user.to_string(), org_id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    match role {
        Some((role, true)) => Ok(OrgCtx {
            user_id: user,
            org_id,
            role: Role::parse(&role).unwrap_or(Role::User),
        }),
        _ => Err(ApiError::Forbidden(
            "You are not an active member of this organization.".into(),
        )),
    }
}

/// The active orgs of a user, by name.
pub fn memberships(c: &Connection, user: Uuid) -> Result<Vec<OrgMembership>, ApiError> {
    let mut stmt = c.prepare_cached(
        "SELECT o.id, o.name, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id
         WHERE m.user_id = ?1 AND m.is_active = 1 ORDER BY o.name_key",
    )?;
    let rows = stmt.query_map([user.to_string()], |r| {
        Ok(OrgMembership {
            id: parse_id(&r.get::<_, String>(0)?),
            name: r.get(1)?,
            role: Role::parse(&r.get::<_, String>(2)?).unwrap_or(Role::User),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// `(user id, password hash)` of an active user by email.
pub fn credentials(c: &Connection, email: &str) -> Result<Option<(Uuid, String)>, ApiError> {
    Ok(c.prepare_cached(
        "SELECT id, password_hash FROM users WHERE email_key = ?1 AND is_active = 1",
    )?
    .query_row([fold(email)], |r| {
        Ok((parse_id(&r.get::<_, String>(0)?), r.get(1)?))
    })
    .optional()?)
}

pub fn user_ref(c: &Connection, user: Uuid) -> Result<UserRef, ApiError> {
    c.prepare_cached("SELECT email FROM users WHERE id = ?1")?
        .query_row([user.to_string()], |r| {
            Ok(UserRef {
                id: user,
                email: r.get(0)?,
            })
        })
        .optional()?
        .ok_or(ApiError::NotFound)
}

/// Finds an org by name, creating it if missing.
pub fn ensure_org(tx: &Transaction<'_>, name: &str) -> Result<Uuid, ApiError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::field("org", "Org name cannot be empty."));
    }
    let existing: Option<String> = tx
        .query_row(
            "SELECT id FROM orgs WHERE name_key = ?1",
            [fold(name)],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Ok(parse_id(&id));
    }
    let id = Uuid::new_v4();
    tx.execute(
        "INSERT INTO orgs (id, name, name_key, created_on) VALUES (?1, ?2, ?3, ?4)",
        params![id.to_string(), name, fold(name), ts(&now())],
    )?;
    Ok(id)
}

/// Creates the user (or, if the email exists, keeps them and their password) and makes them a
/// member of `org` with `role`. Returns the user id.
pub fn ensure_member(
    tx: &Transaction<'_>,
    org: Uuid,
    email: &str,
    password_hash: &str,
    role: Role,
) -> Result<Uuid, ApiError> {
    let existing: Option<String> = tx
        .query_row(
            "SELECT id FROM users WHERE email_key = ?1",
            [fold(email)],
            |r| r.get(0),
        )
        .optional()?;
    let user = match existing {
        Some(id) => parse_id(&id),
        None => {
            let id = Uuid::new_v4();
            tx.execute(
                "INSERT INTO users (id, email, email_key, password_hash, created_on)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    id.to_string(),
                    email.trim(),
                    fold(email),
                    password_hash,
                    ts(&now())
                ],
            )?;
            id
        }
    };
    tx.execute(
        "INSERT INTO memberships (user_id, org_id, role) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_id, org_id) DO UPDATE SET role = excluded.role, is_active = 1",
        params![user.to_string(), org.to_string(), role.as_str()],
    )?;
    Ok(user)
}

pub fn user_exists(tx: &Transaction<'_>, email: &str) -> Result<bool, ApiError> {
    Ok(tx
        .query_row(
            "SELECT 1 FROM users WHERE email_key = ?1",
            [fold(email)],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn user_from_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: parse_id(&r.get::<_, String>(0)?),
        email: r.get(1)?,
        role: Role::parse(&r.get::<_, String>(2)?).unwrap_or(Role::User),
        is_active: r.get(3)?,
    })
}

/// The members of an org, by email.
pub fn org_users(c: &Connection, org: Uuid) -> Result<Vec<User>, ApiError> {
    let mut stmt = c.prepare_cached(
        "SELECT u.id, u.email, m.role, m.is_active AND u.is_active FROM memberships m
         JOIN users u ON u.id = m.user_id WHERE m.org_id = ?1 ORDER BY u.email_key",
    )?;
    let rows = stmt.query_map([org.to_string()], user_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The teams of an org with their members, by name.
pub fn org_teams(c: &Connection, org: Uuid) -> Result<Vec<Team>, ApiError> {
    let mut stmt = c.prepare_cached(
        "SELECT t.id, t.name, t.description, t.created_on,
                (SELECT group_concat(user_id) FROM team_members WHERE team_id = t.id)
         FROM teams t WHERE t.org_id = ?1 ORDER BY t.name_key",
    )?;
    let rows = stmt.query_map([org.to_string()], team_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn team_from_row(r: &Row<'_>) -> rusqlite::Result<Team> {
    let members: Option<String> = r.get(4)?;
    Ok(Team {
        id: parse_id(&r.get::<_, String>(0)?),
        name: r.get(1)?,
        description: r.get(2)?,
        created_on: parse_ts(&r.get::<_, String>(3)?),
        users: members
            .map(|m| m.split(',').map(parse_id).collect())
            .unwrap_or_default(),
    })
}

pub fn create_team(
    tx: &Transaction<'_>,
    org: Uuid,
    name: &str,
    description: &str,
    users: &[Uuid],
) -> Result<Team, ApiError> {
    let taken = tx
        .query_row(
            "SELECT 1 FROM teams WHERE org_id = ?1 AND name_key = ?2",
            [org.to_string(), fold(name)],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if taken {
        return Err(ApiError::field(
            "name",
            "A team with this name already exists.",
        ));
    }
    check_members(tx, org, users, "users")?;
    let id = Uuid::new_v4();
    let created = now();
    tx.execute(
        "INSERT INTO teams (id, org_id, name, name_key, description, created_on)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id.to_string(),
            org.to_string(),
            name.trim(),
            fold(name),
            description,
            ts(&created)
        ],
    )?;
    for user in users {
        tx.execute(
            "INSERT OR IGNORE INTO team_members (team_id, user_id) VALUES (?1, ?2)",
            [id.to_string(), user.to_string()],
        )?;
    }
    Ok(Team {
        id,
        name: name.trim().to_string(),
        description: description.to_string(),
        users: users.to_vec(),
        created_on: created,
    })
}

/// Fails with a 400 naming `field` unless every id is of a user who is a member of `org`.
pub fn check_members(
    c: &Connection,
    org: Uuid,
    users: &[Uuid],
    field: &str,
) -> Result<(), ApiError> {
    check_ids(
        c,
        "SELECT 1 FROM memberships WHERE org_id = ?1 AND user_id = ?2",
        org,
        users,
        field,
    )
}

pub fn check_teams(c: &Connection, org: Uuid, teams: &[Uuid], field: &str) -> Result<(), ApiError> {
    check_ids(
        c,
        "SELECT 1 FROM teams WHERE org_id = ?1 AND id = ?2",
        org,
        teams,
        field,
    )
}

pub fn check_contacts(
    c: &Connection,
    org: Uuid,
    ids: &[Uuid],
    field: &str,
) -> Result<(), ApiError> {
    check_ids(
        c,
        "SELECT 1 FROM contacts WHERE org_id = ?1 AND id = ?2",
        org,
        ids,
        field,
    )
}

fn check_ids(
    c: &Connection,
    sql: &str,
    org: Uuid,
    ids: &[Uuid],
    field: &str,
) -> Result<(), ApiError> {
    let mut stmt = c.prepare_cached(sql)?;
    for id in ids {
        let found = stmt
            .query_row([org.to_string(), id.to_string()], |_| Ok(()))
            .optional()?;
        if found.is_none() {
            return Err(ApiError::field(
                field,
                format!("{id} is not in this organization."),
            ));
        }
    }
    Ok(())
}

pub const CONTACT_COLUMNS: &str = "c.id, c.first_name, c.last_name, c.email, c.phone, c.title,
     c.description, c.org_id, c.created_on, c.created_by";

pub fn contact_from_row(r: &Row<'_>) -> rusqlite::Result<Contact> {
    Ok(Contact {
        id: parse_id(&r.get::<_, String>(0)?),
        first_name: r.get(1)?,
        last_name: r.get(2)?,
        email: r.get(3)?,
        phone: r.get(4)?,
        title: r.get(5)?,
        description: r.get(6)?,
        org: parse_id(&r.get::<_, String>(7)?),
        created_on: parse_ts(&r.get::<_, String>(8)?),
        created_by: r.get::<_, Option<String>>(9)?.map(|s| parse_id(&s)),
    })
}

pub fn list_contacts(
    c: &Connection,
    org: Uuid,
    name: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<Contact>), ApiError> {
    let pattern = name.map(fold);
    let filter = "c.org_id = ?1 AND (?2 IS NULL OR instr(crm_fold(c.first_name || ' ' || c.last_name), ?2) > 0)";
    let count: i64 = c
        .prepare_cached(&format!("SELECT count(*) FROM contacts c WHERE {filter}"))?
        .query_row(params![org.to_string(), pattern], |r| r.get(0))?;
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {CONTACT_COLUMNS} FROM contacts c WHERE {filter}
         ORDER BY c.created_on DESC, c.rowid DESC LIMIT ?3 OFFSET ?4"
    ))?;
    let rows = stmt.query_map(
        params![org.to_string(), pattern, limit, offset],
        contact_from_row,
    )?;
    Ok((count, rows.collect::<Result<_, _>>()?))
}

pub fn get_contact(c: &Connection, org: Uuid, id: Uuid) -> Result<Contact, ApiError> {
    c.prepare_cached(&format!(
        "SELECT {CONTACT_COLUMNS} FROM contacts c WHERE c.org_id = ?1 AND c.id = ?2"
    ))?
    .query_row([org.to_string(), id.to_string()], contact_from_row)
    .optional()?
    .ok_or(ApiError::NotFound)
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
        let pick = |new: Option<Option<String>>, old: Option<&String>| -> String {
            match new {
                Some(v) => v.unwrap_or_default().trim().to_string(),
                None => old.cloned().unwrap_or_default(),
            }
        };
        let fields = ContactFields {
            first_name: pick(input.first_name, base.map(|b| &b.first_name)),
            last_name: pick(input.last_name, base.map(|b| &b.last_name)),
            email: pick(input.email, base.map(|b| &b.email)),
            phone: pick(input.phone, base.map(|b| &b.phone)),
            title: pick(input.title, base.map(|b| &b.title)),
            description: pick(input.description, base.map(|b| &b.description)),
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

pub fn insert_contact(
    tx: &Transaction<'_>,
    org: Uuid,
    by: Option<Uuid>,
    f: &ContactFields,
) -> Result<Uuid, ApiError> {
    let id = Uuid::new_v4();
    tx.prepare_cached(
        "INSERT INTO contacts (id, org_id, first_name, last_name, email, phone, title, description,
                               created_on, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        id.to_string(),
        org.to_string(),
        f.first_name,
        f.last_name,
        f.email,
        f.phone,
        f.title,
        f.description,
        ts(&now()),
        by.map(|u| u.to_string()),
    ])?;
    Ok(id)
}

pub fn update_contact(
    tx: &Transaction<'_>,
    org: Uuid,
    id: Uuid,
    f: &ContactFields,
) -> Result<(), ApiError> {
    tx.execute(
        "UPDATE contacts SET first_name = ?3, last_name = ?4, email = ?5, phone = ?6, title = ?7,
                description = ?8
         WHERE org_id = ?1 AND id = ?2",
        params![
            org.to_string(),
            id.to_string(),
            f.first_name,
            f.last_name,
            f.email,
            f.phone,
            f.title,
            f.description
        ],
    )?;
    Ok(())
}

pub fn delete_contact(tx: &Transaction<'_>, org: Uuid, id: Uuid) -> Result<(), ApiError> {
    // The link rows go by cascade; the accounts' copies of their links must follow.
    let linked: Vec<i64> = tx
        .prepare("SELECT account_pk FROM account_contacts WHERE contact_id = ?1")?
        .query_map([id.to_string()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let n = tx.execute(
        "DELETE FROM contacts WHERE org_id = ?1 AND id = ?2",
        [org.to_string(), id.to_string()],
    )?;
    if n == 0 {
        return Err(ApiError::NotFound);
    }
    for pk in linked {
        super::accounts::refresh_link_copies(tx, pk)?;
    }
    Ok(())
}
