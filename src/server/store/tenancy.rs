//! Who may act in which org: the caller's active membership, resolved once per request. It
//! knows nothing of HTTP; the axum extractors in `server::auth` call it.

use uuid::Uuid;

use super::db::Db;
use crate::model::{OrgMembership, Role};
use crate::server::error::ApiError;

/// The caller as an active member of the request's org.
#[derive(Debug, Clone, Copy)]
pub struct OrgCtx {
    pub user_id: Uuid,
    pub org_id: Uuid,
    pub role: Role,
    /// The data generation when the request began (see [`super::generation`]): an answer
    /// kept from this generation still holds.
    pub generation: i64,
}

impl OrgCtx {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Whether the user exists and is active. Read on every request, never cached, so that a
/// deactivated user loses access at once on every replica.
pub fn user_is_active(db: &Db<'_>, user: Uuid) -> Result<bool, ApiError> {
    let active = db.opt("SELECT is_active FROM users WHERE id = $1", &[&user], |r| {
        r.bool(0)
    })?;
    Ok(active == Some(true))
}

/// Checks the caller's membership in `org` (or picks their only org) and returns the context
/// every org-scoped handler works in.
pub fn resolve_org(db: &Db<'_>, user: Uuid, org: Option<Uuid>) -> Result<OrgCtx, ApiError> {
    resolve_session(db, user, None, org)
}

/// [`resolve_org`] for a token of version `ver` (checked against the user's; `None` skips the
/// check, for callers that made it already).
pub fn resolve_session(
    db: &Db<'_>,
    user: Uuid,
    ver: Option<Option<i64>>,
    org: Option<Uuid>,
) -> Result<OrgCtx, ApiError> {
    let inactive = || ApiError::Unauthorized("User is inactive or does not exist.".into());
    let Some(org_id) = org else {
        if !user_is_active(db, user)? {
            return Err(inactive());
        }
        let org_id = match memberships(db, user)?.as_slice() {
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
        };
        return resolve_session(db, user, ver, Some(org_id));
    };
    // The user, the membership and the data generation in one statement: this runs on every
    // org-scoped request, and it is the only statement a kept answer costs.
    let row = db.opt(
        "SELECT u.is_active, m.role, coalesce(m.is_active, FALSE), u.token_version,
                coalesce((SELECT n FROM data_generation WHERE id = 1), 0)
         FROM users u
         LEFT JOIN memberships m ON m.user_id = u.id AND m.org_id = $2
         WHERE u.id = $1",
        &[&user, &org_id],
        |r| Ok((r.bool(0)?, r.opt_text(1)?, r.bool(2)?, r.i64(3)?, r.i64(4)?)),
    )?;
    // A token from before a password change (or a reused refresh token) ends there.
    let row = match row {
        Some((_, _, _, current, _)) if ver.is_some_and(|v| v.unwrap_or(0) != current) => None,
        other => other.map(|(a, role, m, _, generation)| (a, role, m, generation)),
    };
    match row {
        None | Some((false, _, _, _)) => Err(inactive()),
        Some((true, Some(role), true, generation)) => Ok(OrgCtx {
            user_id: user,
            org_id,
            role: Role::parse(&role).unwrap_or(Role::User),
            generation,
        }),
        Some((true, _, _, _)) => Err(ApiError::Forbidden(
            "You are not an active member of this organization.".into(),
        )),
    }
}

/// The active orgs of a user, by name.
pub fn memberships(db: &Db<'_>, user: Uuid) -> Result<Vec<OrgMembership>, ApiError> {
    db.rows(
        "SELECT o.id, o.name, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id
         WHERE m.user_id = $1 AND m.is_active ORDER BY o.name_key",
        &[&user],
        |r| {
            Ok(OrgMembership {
                id: r.uuid(0)?,
                name: r.text(1)?,
                role: Role::parse(&r.text(2)?).unwrap_or(Role::User),
            })
        },
    )
}
