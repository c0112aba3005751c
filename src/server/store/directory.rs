//! Orgs, users, memberships and teams.

use uuid::Uuid;

use super::db::{Db, Row};
use super::{fold, now};
use crate::model::{Role, Team, User, UserRef};
use crate::server::error::ApiError;

/// `(user id, password hash)` of an active user by email.
pub fn credentials(db: &Db<'_>, email: &str) -> Result<Option<(Uuid, String)>, ApiError> {
    db.opt(
        "SELECT id, password_hash FROM users WHERE email_key = $1 AND is_active",
        &[&fold(email)],
        |r| Ok((r.uuid(0)?, r.text(1)?)),
    )
}

pub fn user_ref(db: &Db<'_>, user: Uuid) -> Result<UserRef, ApiError> {
    db.opt("SELECT email FROM users WHERE id = $1", &[&user], |r| {
        Ok(UserRef {
            id: user,
            email: r.text(0)?,
        })
    })?
    .ok_or(ApiError::NotFound)
}

/// Finds an org by name, creating it if missing.
pub fn ensure_org(db: &Db<'_>, name: &str) -> Result<Uuid, ApiError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::field("org", "Org name cannot be empty."));
    }
    db.exec(
        "INSERT INTO orgs (id, name, name_key, created_on) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name_key) DO NOTHING",
        &[&Uuid::new_v4(), &name, &fold(name), &now()],
    )?;
    db.one(
        "SELECT id FROM orgs WHERE name_key = $1",
        &[&fold(name)],
        |r| r.uuid(0),
    )
}

/// Creates the user (or, if the email exists, keeps them and their password) and makes them a
/// member of `org` with `role`. Returns the user id.
pub fn ensure_member(
    db: &Db<'_>,
    org: Uuid,
    email: &str,
    password_hash: &str,
    role: Role,
) -> Result<Uuid, ApiError> {
    db.exec(
        "INSERT INTO users (id, email, email_key, password_hash, created_on)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email_key) DO NOTHING",
        &[
            &Uuid::new_v4(),
            &email.trim(),
            &fold(email),
            &password_hash,
            &now(),
        ],
    )?;
    let user = db.one(
        "SELECT id FROM users WHERE email_key = $1",
        &[&fold(email)],
        |r| r.uuid(0),
    )?;
    db.exec(
        "INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, org_id) DO UPDATE SET role = excluded.role, is_active = TRUE",
        &[&user, &org, &role.as_str()],
    )?;
    Ok(user)
}

pub fn user_exists(db: &Db<'_>, email: &str) -> Result<bool, ApiError> {
    Ok(db
        .opt(
            "SELECT 1 FROM users WHERE email_key = $1",
            &[&fold(email)],
            |_| Ok(()),
        )?
        .is_some())
}

/// Sets a user's password; every session they had ends.
pub fn set_password(db: &Db<'_>, user: Uuid, password_hash: &str) -> Result<(), ApiError> {
    db.exec(
        "UPDATE users SET password_hash = $2 WHERE id = $1",
        &[&user, &password_hash],
    )?;
    super::sessions::revoke_all(db, user)
}

fn user_from_row(r: &Row<'_>) -> Result<User, ApiError> {
    Ok(User {
        id: r.uuid(0)?,
        email: r.text(1)?,
        role: Role::parse(&r.text(2)?).unwrap_or(Role::User),
        is_active: r.bool(3)?,
    })
}

/// The members of an org, by email.
pub fn org_users(db: &Db<'_>, org: Uuid) -> Result<Vec<User>, ApiError> {
    db.rows(
        "SELECT u.id, u.email, m.role, m.is_active AND u.is_active FROM memberships m
         JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY u.email_key",
        &[&org],
        user_from_row,
    )
}

/// The teams of an org with their members, by name.
pub fn org_teams(db: &Db<'_>, org: Uuid) -> Result<Vec<Team>, ApiError> {
    let sql = db.pick(
        "SELECT t.id, t.name, t.description, t.created_on,
                (SELECT json_group_array(user_id) FROM team_members WHERE team_id = t.id)
         FROM teams t WHERE t.org_id = $1 ORDER BY t.name_key",
        "SELECT t.id, t.name, t.description, t.created_on,
                (SELECT coalesce(json_agg(user_id), '[]')::text FROM team_members
                 WHERE team_id = t.id)
         FROM teams t WHERE t.org_id = $1 ORDER BY t.name_key",
    );
    db.rows(sql, &[&org], |r| {
        Ok(Team {
            id: r.uuid(0)?,
            name: r.text(1)?,
            description: r.text(2)?,
            created_on: r.ts(3)?,
            users: r.json_list(4)?,
        })
    })
}

pub fn create_team(
    db: &Db<'_>,
    org: Uuid,
    name: &str,
    description: &str,
    users: &[Uuid],
) -> Result<Team, ApiError> {
    let taken = db
        .opt(
            "SELECT 1 FROM teams WHERE org_id = $1 AND name_key = $2",
            &[&org, &fold(name)],
            |_| Ok(()),
        )?
        .is_some();
    if taken {
        return Err(ApiError::field(
            "name",
            "A team with this name already exists.",
        ));
    }
    check_members(db, org, users, "users")?;
    let id = Uuid::new_v4();
    let created = now();
    db.exec(
        "INSERT INTO teams (id, org_id, name, name_key, description, created_on)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[&id, &org, &name.trim(), &fold(name), &description, &created],
    )?;
    for user in users {
        db.exec(
            "INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&id, user],
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
pub fn check_members(db: &Db<'_>, org: Uuid, users: &[Uuid], field: &str) -> Result<(), ApiError> {
    check_ids(
        db,
        "SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2",
        org,
        users,
        field,
    )
}

pub fn check_teams(db: &Db<'_>, org: Uuid, teams: &[Uuid], field: &str) -> Result<(), ApiError> {
    check_ids(
        db,
        "SELECT 1 FROM teams WHERE org_id = $1 AND id = $2",
        org,
        teams,
        field,
    )
}

/// Fails with a 400 naming `field` unless `sql` finds each id in `org`.
pub fn check_ids(
    db: &Db<'_>,
    sql: &str,
    org: Uuid,
    ids: &[Uuid],
    field: &str,
) -> Result<(), ApiError> {
    for id in ids {
        if db.opt(sql, &[&org, id], |_| Ok(()))?.is_none() {
            return Err(ApiError::field(
                field,
                format!("{id} is not in this organization."),
            ));
        }
    }
    Ok(())
}
