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

/// Moves the generation on; for a SQLite transaction that changed rows (the pool counts them).
/// An upsert, so that a row deleted by hand comes back rather than freezing the generation.
pub fn advance(db: &Db<'_>) -> Result<(), ApiError> {
    db.exec(
        "INSERT INTO data_generation (id, n) VALUES (1, 1)
         ON CONFLICT (id) DO UPDATE SET n = data_generation.n + 1",
        &[],
    )?;
    Ok(())
}

/// Moves the generation on if this PostgreSQL transaction wrote anything: it has a transaction
/// id only then. Run last, so that concurrent writers wait on its row only for their commit.
pub fn advance_if_written(db: &Db<'_>) -> Result<(), ApiError> {
    db.exec(
        "INSERT INTO data_generation (id, n)
         SELECT 1, 1 WHERE pg_current_xact_id_if_assigned() IS NOT NULL
         ON CONFLICT (id) DO UPDATE SET n = data_generation.n + 1",
        &[],
    )?;
    Ok(())
}
