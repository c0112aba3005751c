//! The SQLite engine: one write connection and several readers on a WAL database.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rusqlite::{Connection, OpenFlags};

use super::db::Db;
use super::generation;
use super::{OpenError, Tuning};
use crate::server::error::ApiError;

/// Migrations, applied in order; `PRAGMA user_version` records how many ran. Never edit one
/// that has shipped: add the next.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/sqlite/0001_base.sql"),
    include_str!("migrations/sqlite/0002_threads.sql"),
    include_str!("migrations/sqlite/0003_row_json.sql"),
    include_str!("migrations/sqlite/0004_records.sql"),
    include_str!("migrations/sqlite/0005_contacts.sql"),
    include_str!("migrations/sqlite/0006_leads.sql"),
    include_str!("migrations/sqlite/0007_opportunities.sql"),
    include_str!("migrations/sqlite/0008_cases.sql"),
    include_str!("migrations/sqlite/0009_tasks.sql"),
    include_str!("migrations/sqlite/0010_invoices.sql"),
    include_str!("migrations/sqlite/0011_sessions_mail.sql"),
    include_str!("migrations/sqlite/0012_list_counts.sql"),
    include_str!("migrations/sqlite/0013_count_buckets.sql"),
    include_str!("migrations/sqlite/0014_data_generation.sql"),
];

/// The size the WAL file is cut back to once checkpointed, in bytes.
const WAL_LIMIT: i64 = 64 << 20;

pub struct Pool {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

impl Pool {
    pub fn open(dir: &Path, tuning: Tuning) -> Result<Pool, OpenError> {
        let db_path = dir.join("crm.sqlite3");
        let open_err = |cause| OpenError::Open {
            path: db_path.clone(),
            cause,
        };
        let mut writer = open_connection(&db_path, true, tuning.cache_kib).map_err(open_err)?;
        migrate(&mut writer).map_err(|cause| OpenError::Migrate {
            path: db_path.clone(),
            cause: cause.to_string(),
        })?;
        let readers = (0..tuning.readers.max(1))
            .map(|_| open_connection(&db_path, false, tuning.cache_kib).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()
            .map_err(open_err)?;
        Ok(Pool {
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    pub fn read<T>(&self, f: impl FnOnce(&Db<'_>) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let n = self.readers.len();
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        // Take the first idle reader; if all are busy, wait on the one it started with.
        for i in 0..n {
            if let Ok(conn) = self.readers[(start + i) % n].try_lock() {
                return f(&Db::sqlite(&conn));
            }
        }
        let conn = lock(&self.readers[start % n]);
        f(&Db::sqlite(&conn))
    }

    /// Runs `f` on an idle read connection on this thread, or gives `f` back if none is idle.
    pub fn read_here<T, F>(&self, f: F) -> Result<Result<T, ApiError>, F>
    where
        F: FnOnce(&Db<'_>) -> Result<T, ApiError>,
    {
        match self.readers.iter().find_map(|r| r.try_lock().ok()) {
            Some(conn) => Ok(f(&Db::sqlite(&conn))),
            None => Err(f),
        }
    }

    pub fn write<T>(&self, f: impl FnOnce(&Db<'_>) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let mut conn = lock(&self.writer);
        // IMMEDIATE takes the write lock up front, so a transaction never fails halfway on a
        // lock upgrade.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let before = tx.total_changes();
        let db = Db::sqlite(&tx);
        let out = f(&db)?;
        if tx.total_changes() != before {
            generation::advance(&db)?;
        }
        tx.commit()?;
        Ok(out)
    }
}

fn lock(m: &Mutex<Connection>) -> std::sync::MutexGuard<'_, Connection> {
    // A panic while holding a connection leaves it usable: SQLite rolls back on its own.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn open_connection(path: &PathBuf, writer: bool, cache_kib: u32) -> rusqlite::Result<Connection> {
    let flags = if writer {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    if writer {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A large transaction (seed-demo, a migration) grows the WAL file to its size, and
        // SQLite keeps that size for good unless told otherwise: cut it back after checkpoints.
        conn.pragma_update(None, "journal_size_limit", WAL_LIMIT)?;
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Without this, binding a different value (e.g. the list's status) marks a cached
    // statement stale and SQLite parses it again on every call.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    // A negative cache_size is in KiB.
    conn.pragma_update(None, "cache_size", -i64::from(cache_kib))?;
    conn.set_prepared_statement_cache_capacity(128);
    // SQLite's LIKE, lower() and upper() fold ASCII only: `crm_fold` folds as `fold` does.
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "crm_fold",
        1,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|s| s.to_lowercase())),
    )?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let done: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done.max(0) as usize) {
        // Table rebuilds need the foreign keys off for the length of the migration.
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grown_wal_is_cut_back_after_a_checkpoint() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("crm.sqlite3");
        let conn = open_connection(&path, true, 1024).expect("open");
        let limit: i64 = conn
            .pragma_query_value(None, "journal_size_limit", |r| r.get(0))
            .expect("pragma");
        assert_eq!(limit, WAL_LIMIT);
        // Grow the WAL past the limit in one transaction, as a large seed does.
        conn.execute_batch(
            "CREATE TABLE t (b BLOB);
             BEGIN;
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
             INSERT INTO t SELECT zeroblob(4000) FROM n;
             COMMIT;",
        )
        .expect("fill");
        let wal = dir.path().join("crm.sqlite3-wal");
        let size = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        assert!(size() > WAL_LIMIT as u64, "the WAL grew: {}", size());
        // Checkpointed, the next write starts the WAL over and cuts the file back.
        conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE); INSERT INTO t VALUES (x'00');")
            .expect("write");
        assert!(size() <= WAL_LIMIT as u64, "cut back: {}", size());
    }
}
