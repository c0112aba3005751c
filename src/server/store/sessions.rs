//! Sessions: every token carries its user's `token_version`, so bumping it ends every session
//! of that user at once; refresh tokens are single-use, recorded when issued and marked when
//! used, and a used one coming back (a stolen copy) ends every session too.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::db::Db;
use super::now;
use crate::server::error::ApiError;

/// How long after its use a refresh token coming back is taken for a race, not a theft.
const REUSE_GRACE_SECS: i64 = 30;

fn invalid() -> ApiError {
    ApiError::Unauthorized("Invalid token.".into())
}

/// The user's current token version, if the user exists and is active.
pub fn version(db: &Db<'_>, user: Uuid) -> Result<Option<i64>, ApiError> {
    Ok(db
        .opt(
            "SELECT is_active, token_version FROM users WHERE id = $1",
            &[&user],
            |r| Ok((r.bool(0)?, r.i64(1)?)),
        )?
        .and_then(|(active, v)| active.then_some(v)))
}

/// Whether a token of version `ver` (none: issued before versions existed, which counts as 0)
/// still speaks for `user`.
pub fn current(db: &Db<'_>, user: Uuid, ver: Option<i64>) -> Result<bool, ApiError> {
    Ok(version(db, user)? == Some(ver.unwrap_or(0)))
}

/// Records a refresh token as issued; forgets the user's expired ones on the way.
pub fn issued(db: &Db<'_>, user: Uuid, jti: Uuid, expires: DateTime<Utc>) -> Result<(), ApiError> {
    db.exec(
        "DELETE FROM refresh_tokens WHERE user_id = $1 AND expires_at < $2",
        &[&user, &now()],
    )?;
    db.exec(
        "INSERT INTO refresh_tokens (jti, user_id, expires_at) VALUES ($1, $2, $3)",
        &[&jti, &user, &expires],
    )?;
    Ok(())
}

/// What spending a refresh token found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spent {
    /// Unused until now: issue the next pair.
    Fresh,
    /// Used long ago: every session of the user was ended. The caller commits that, then
    /// answers 401.
    Reused,
}

/// Spends a refresh token. A token used before ends every session of its user.
pub fn spend(db: &Db<'_>, user: Uuid, jti: Uuid, ver: Option<i64>) -> Result<Spent, ApiError> {
    let Some(current) = version(db, user)? else {
        return Err(invalid());
    };
    if ver.unwrap_or(0) != current {
        return Err(invalid());
    }
    let spent = db.exec(
        "UPDATE refresh_tokens SET used_at = $3 WHERE jti = $1 AND user_id = $2 AND used_at IS NULL",
        &[&jti, &user, &now()],
    )?;
    if spent == 1 {
        return Ok(Spent::Fresh);
    }
    let used = db.opt(
        "SELECT used_at FROM refresh_tokens WHERE jti = $1",
        &[&jti],
        |r| r.opt_ts(0),
    )?;
    if let Some(used) = used {
        // Two refreshes racing from one client are not a theft: only a late reuse ends
        // every session.
        if used.is_some_and(|t| now() - t < chrono::Duration::seconds(REUSE_GRACE_SECS)) {
            return Err(ApiError::Unauthorized(
                "This refresh token was just used; use the newer one.".into(),
            ));
        }
        revoke_all(db, user)?;
        return Ok(Spent::Reused);
    }
    // Issued before tokens were recorded (an upgrade in place): good once.
    if ver.is_none() {
        return Ok(Spent::Fresh);
    }
    Err(invalid())
}

/// Ends every session of `user` (a password change, a reused refresh token).
pub fn revoke_all(db: &Db<'_>, user: Uuid) -> Result<(), ApiError> {
    db.exec(
        "UPDATE users SET token_version = token_version + 1 WHERE id = $1",
        &[&user],
    )?;
    db.exec("DELETE FROM refresh_tokens WHERE user_id = $1", &[&user])?;
    Ok(())
}
