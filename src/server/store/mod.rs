//! Storage of the bundled core: SQLite behind a small reader/writer pool.
//!
//! SQLite allows one writer at a time, so the pool keeps exactly one write connection and several
//! read connections (WAL lets readers run beside the writer). All work runs on tokio's blocking
//! threads; handlers never see a connection, only the functions of the submodules.

pub mod accounts;
pub mod directory;
pub mod mail;
pub mod seed;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction};
use uuid::Uuid;

use super::error::ApiError;

/// Migrations, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[include_str!("schema.sql")];

#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    files_dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot use data dir {path}: {cause}")]
    DataDir {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("cannot open database {path}: {cause}")]
    Open {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    #[error("cannot migrate database {path}: {cause}")]
    Migrate {
        path: PathBuf,
        cause: rusqlite::Error,
    },
}

/// How much memory and concurrency the store may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    /// Read connections (SQLite allows one writer; WAL lets readers run beside it).
    pub readers: usize,
    /// Page cache of each connection, in KiB. The OS caches the file as well.
    pub cache_kib: u32,
}

impl Tuning {
    /// For `crmtui serve`: two readers per core and 4 MiB each.
    pub fn server() -> Tuning {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Tuning {
            readers: (cores * 2).clamp(2, 16),
            cache_kib: 4096,
        }
    }

    /// For the core inside the TUI, which shares one process and its memory budget with it.
    pub fn embedded() -> Tuning {
        Tuning {
            readers: 2,
            cache_kib: 1024,
        }
    }
}

impl Store {
    /// Opens (creating if needed) the workspace under `data_dir`: `crm.sqlite3` and `files/`.
    pub fn open(data_dir: &Path) -> Result<Store, OpenError> {
        Store::open_tuned(data_dir, Tuning::server())
    }

    /// [`Store::open`] with explicit memory and concurrency limits.
    pub fn open_tuned(data_dir: &Path, tuning: Tuning) -> Result<Store, OpenError> {
        create_private_dir(data_dir)?;
        let files_dir = data_dir.join("files");
        create_private_dir(&files_dir)?;
        let db_path = data_dir.join("crm.sqlite3");
        let open_err = |cause| OpenError::Open {
            path: db_path.clone(),
            cause,
        };

        let mut writer = open_connection(&db_path, true, tuning.cache_kib).map_err(open_err)?;
        migrate(&mut writer).map_err(|cause| OpenError::Migrate {
            path: db_path.clone(),
            cause,
        })?;
        let readers = (0..tuning.readers.max(1))
            .map(|_| open_connection(&db_path, false, tuning.cache_kib).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()
            .map_err(open_err)?;
        Ok(Store {
            inner: Arc::new(Inner {
                writer: Mutex::new(writer),
                readers,
                next_reader: AtomicUsize::new(0),
                files_dir,
            }),
        })
    }

    /// Where attachment bodies are kept, one file per attachment id.
    pub fn files_dir(&self) -> &Path {
        &self.inner.files_dir
    }

    /// Runs `f` on a read connection, off the async threads.
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let inner = self.inner.clone();
        run_blocking(move || {
            let n = inner.readers.len();
            let start = inner.next_reader.fetch_add(1, Ordering::Relaxed);
            // Take the first idle reader; if all are busy, wait on the one it started with.
            for i in 0..n {
                if let Ok(conn) = inner.readers[(start + i) % n].try_lock() {
                    return f(&conn);
                }
            }
            let conn = lock(&inner.readers[start % n])?;
            f(&conn)
        })
        .await
    }

    /// Runs a small, bounded read (a few primary-key lookups) on the calling thread when a read
    /// connection is idle, and like [`Store::read`] otherwise. Handing work to a blocking thread
    /// costs more than such a lookup.
    pub async fn read_small<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        match self.read_here(f) {
            Ok(done) => done,
            Err(f) => self.read(f).await,
        }
    }

    /// Runs `f` on an idle read connection on this thread, or gives `f` back if none is idle.
    fn read_here<T, F>(&self, f: F) -> Result<Result<T, ApiError>, F>
    where
        F: FnOnce(&Connection) -> Result<T, ApiError>,
    {
        match self.inner.readers.iter().find_map(|r| r.try_lock().ok()) {
            Some(conn) => Ok(f(&conn)),
            None => Err(f),
        }
    }

    /// Runs `f` in one transaction on the write connection: it commits only if `f` succeeds.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        let inner = self.inner.clone();
        run_blocking(move || {
            let mut conn = lock(&inner.writer)?;
            write_tx(&mut conn, f)
        })
        .await
    }

    /// The same as [`Store::write`] for callers that are not async (the admin commands).
    pub fn write_blocking<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut conn = lock(&self.inner.writer)?;
        write_tx(&mut conn, f)
    }
}

fn write_tx<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    // IMMEDIATE takes the write lock up front, so a transaction never fails halfway on a
    // lock upgrade.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}

fn lock(m: &Mutex<Connection>) -> Result<std::sync::MutexGuard<'_, Connection>, ApiError> {
    // A panic while holding a connection leaves it usable: SQLite rolls back on its own.
    Ok(m.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
}

async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("storage task failed: {e}")))?
}

fn open_connection(path: &Path, writer: bool, cache_kib: u32) -> rusqlite::Result<Connection> {
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
    conn.set_prepared_statement_cache_capacity(64);
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
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

fn create_private_dir(path: &Path) -> Result<(), OpenError> {
    let err = |cause| OpenError::DataDir {
        path: path.to_path_buf(),
        cause,
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(path).map_err(err)?;
        // An existing dir keeps its mode from `create`; make it private too.
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
    }
    #[cfg(not(unix))]
    builder.create(path).map_err(err)?;
    Ok(())
}

/// A setting, created with `make` on first use (e.g. the token signing key).
pub fn setting_or_init(
    tx: &Transaction<'_>,
    key: &str,
    make: impl FnOnce() -> Vec<u8>,
) -> Result<Vec<u8>, ApiError> {
    let existing: Option<Vec<u8>> = tx
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(v) = existing {
        return Ok(v);
    }
    let value = make();
    tx.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)",
        rusqlite::params![key, value],
    )?;
    Ok(value)
}

/// Timestamps are stored as the same RFC 3339 text they travel as; it sorts correctly.
pub fn ts(t: &DateTime<Utc>) -> String {
    crate::model::timestamp::format(t)
}

pub fn now() -> DateTime<Utc> {
    // Whole seconds, so that what is stored and what is sent are the same instant.
    let now = Utc::now();
    DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now)
}

/// Reads a timestamp column; a malformed one (never written by us) reads as the epoch.
pub fn parse_ts(raw: &str) -> DateTime<Utc> {
    crate::model::timestamp::parse(raw).unwrap_or_default()
}

/// Reads a UUID column; a malformed one (never written by us) reads as nil.
pub fn parse_id(raw: &str) -> Uuid {
    Uuid::parse_str(raw).unwrap_or_default()
}

/// The case-insensitive key used for unique names and tag matching.
pub fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}
