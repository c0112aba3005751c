//! The data generation: one number that every write transaction which changed something moves
//! on, in that same transaction. Whatever a process keeps from the database (the answers in
//! `server::answers`) is good only while the generation is still the one it was made at; every
//! request reads it with the caller's membership ([`super::tenancy::resolve_session`]), so a
//! change made through any replica, or by `crmtui admin` beside a server, is seen at once.
//!
//! The store's pools call this at the end of every write, so no write function has to
//! remember. One number for all orgs: a write in one org also retires the others' answers,
//! which costs a recomputation, never a stale answer.

use super::db::Db;
use crate::server::error::ApiError;

/// The current generation.
pub fn current(db: &Db<'_>) -> Result<i64, ApiError> {
    db.one("SELECT n FROM data_generation WHERE id = 1", &[], |r| {
        r.i64(0)
    })
}

/// Moves the generation on; for a SQLite transaction that changed rows (the pool counts them).
pub fn advance(db: &Db<'_>) -> Result<(), ApiError> {
    db.exec("UPDATE data_generation SET n = n + 1 WHERE id = 1", &[])?;
    Ok(())
}

/// Moves the generation on if this PostgreSQL transaction wrote anything: it has a transaction
/// id only then. Run last, so that concurrent writers wait on its row only for their commit.
pub fn advance_if_written(db: &Db<'_>) -> Result<(), ApiError> {
    db.exec(
        "UPDATE data_generation SET n = n + 1
         WHERE id = 1 AND pg_current_xact_id_if_assigned() IS NOT NULL",
        &[],
    )?;
    Ok(())
}
