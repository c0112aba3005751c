//! Storage of the bundled core: SQLite (the embedded default) or PostgreSQL (for teams),
//! behind one [`Store`]. Handlers never see a connection, only the functions of the
//! submodules, which take a [`Db`] and run on either engine.
//!
//! Every call runs on tokio's blocking threads. SQLite allows one writer at a time, so its pool
//! keeps exactly one write connection and several read connections (WAL lets readers run beside
//! the writer). PostgreSQL gets a pool of connections that reconnect after the server went away.

pub mod account_row;
pub mod accounts;
pub mod cases;
pub mod contacts;
pub mod dashboard;
pub mod db;
pub mod directory;
pub mod generation;
pub mod invoices;
pub mod leads;
pub mod links;
pub mod mail;
pub mod opportunities;
mod pg;
pub mod query;
pub mod records;
pub mod seed;
pub mod sessions;
mod sqlite;
pub mod tasks;
pub mod tenancy;
pub mod threads;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

pub use db::{Db, Engine, List, Param, Row};

use super::error::ApiError;

/// Where the data lives: `sqlite:PATH`-style workspaces or a PostgreSQL URL.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A workspace dir holding `crm.sqlite3` and `files/`.
    Sqlite(PathBuf),
    /// `postgres://...`; attachments are kept in the database, so replicas share nothing else.
    Postgres(String),
}

impl std::fmt::Debug for Location {
    // A URL may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
            Location::Postgres(url) => write!(f, "{}", redact_url(url)),
        }
    }
}

impl Location {
    /// Reads `--database`: `postgres://` or `postgresql://` URLs, `sqlite:PATH` (a workspace dir).
    pub fn parse(raw: &str) -> Result<Location, String> {
        let raw = raw.trim();
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            raw.parse::<postgres::Config>()
                .map_err(|e| format!("'{}' is not a valid PostgreSQL URL: {e}", redact_url(raw)))?;
            return Ok(Location::Postgres(raw.to_string()));
        }
        if let Some(path) = raw.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err("'sqlite:' needs a path: sqlite:/srv/crmtui".into());
            }
            return Ok(Location::Sqlite(PathBuf::from(path)));
        }
        Err(format!(
            "unknown database '{}': use postgres://USER@HOST/DB or sqlite:PATH",
            redact_url(raw)
        ))
    }
}

/// The URL without its password, for messages and logs.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => raw.split('@').next_back().unwrap_or("").to_string(),
    }
}

#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Backend,
    /// Uploads are written here first; on SQLite it is also where they stay.
    files_dir: PathBuf,
    /// On PostgreSQL, `files_dir`: a private temporary directory, removed with the store.
    _spool: Option<tempfile::TempDir>,
}

enum Backend {
    Sqlite(sqlite::Pool),
    Pg(pg::Pool),
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
    Migrate { path: PathBuf, cause: String },
    #[error("cannot connect to {url}: {cause}")]
    Connect { url: String, cause: String },
}

/// How much memory and concurrency the store may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    /// Read connections (SQLite allows one writer; WAL lets readers run beside it). On
    /// PostgreSQL, the pool's size.
    pub readers: usize,
    /// Page cache of each SQLite connection, in KiB. The OS caches the file as well.
    pub cache_kib: u32,
}

impl Tuning {
    /// For `crmtui serve`: two connections per core and 4 MiB each.
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
    /// Opens (creating if needed) the SQLite workspace under `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Store, OpenError> {
        Store::open_at(&Location::Sqlite(data_dir.to_path_buf()), Tuning::server())
    }

    /// [`Store::open`] with explicit memory and concurrency limits.
    pub fn open_tuned(data_dir: &Path, tuning: Tuning) -> Result<Store, OpenError> {
        Store::open_at(&Location::Sqlite(data_dir.to_path_buf()), tuning)
    }

    /// Opens either engine and applies pending migrations. Blocking.
    pub fn open_at(location: &Location, tuning: Tuning) -> Result<Store, OpenError> {
        let (engine, files_dir, spool) = match location {
            Location::Sqlite(dir) => {
                create_private_dir(dir)?;
                let files_dir = dir.join("files");
                create_private_dir(&files_dir)?;
                (
                    Backend::Sqlite(sqlite::Pool::open(dir, tuning)?),
                    files_dir,
                    None,
                )
            }
            Location::Postgres(url) => {
                let pool = pg::Pool::open(url, tuning.readers.max(2))?;
                // Uploads wait here only until their transaction stores the bytes (0700).
                let spool = tempfile::Builder::new()
                    .prefix("crmtui-spool-")
                    .tempdir()
                    .map_err(|cause| OpenError::DataDir {
                        path: std::env::temp_dir(),
                        cause,
                    })?;
                (Backend::Pg(pool), spool.path().to_path_buf(), Some(spool))
            }
        };
        let store = Store {
            inner: Arc::new(Inner {
                engine,
                files_dir,
                _spool: spool,
            }),
        };
        // Rows stored before `row_json` existed get it now, before anything is served.
        store
            .write_blocking(|db| {
                account_row::backfill_json(db)?;
                contacts::backfill_json(db)?;
                Ok(())
            })
            .map_err(|e| OpenError::Migrate {
                path: match location {
                    Location::Sqlite(dir) => dir.clone(),
                    Location::Postgres(url) => redact_url(url).into(),
                },
                cause: e.to_string(),
            })?;
        Ok(store)
    }

    pub fn engine(&self) -> Engine {
        match self.inner.engine {
            Backend::Sqlite(_) => Engine::Sqlite,
            Backend::Pg(_) => Engine::Postgres,
        }
    }

    /// Where uploads are written as they arrive (and, on SQLite, kept).
    pub fn files_dir(&self) -> &Path {
        &self.inner.files_dir
    }

    /// Whether attachment bodies live in the database rather than in [`Store::files_dir`].
    pub fn files_in_db(&self) -> bool {
        self.engine() == Engine::Postgres
    }

    /// Runs `f` on a read connection, off the async threads.
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Db<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        let inner = self.inner.clone();
        run_blocking(move || match &inner.engine {
            Backend::Sqlite(p) => p.read(f),
            Backend::Pg(p) => p.read(f),
        })
        .await
    }

    /// Runs a small, bounded read (a few primary-key lookups) on the calling thread when an
    /// in-process read connection is idle, and like [`Store::read`] otherwise. Handing work to
    /// a blocking thread costs more than such a lookup.
    pub async fn read_small<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Db<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        let f = match &self.inner.engine {
            Backend::Sqlite(p) => match p.read_here(f) {
                Ok(done) => return done,
                Err(f) => f,
            },
            // A network round trip must never run on an async thread.
            Backend::Pg(_) => f,
        };
        self.read(f).await
    }

    /// Runs `f` in one transaction: it commits only if `f` succeeds.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Db<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        let inner = self.inner.clone();
        run_blocking(move || inner.write(f)).await
    }

    /// The same as [`Store::write`] for callers that are not async (the admin commands).
    pub fn write_blocking<T>(
        &self,
        f: impl FnOnce(&Db<'_>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        self.inner.write(f)
    }
}

impl Inner {
    fn write<T>(&self, f: impl FnOnce(&Db<'_>) -> Result<T, ApiError>) -> Result<T, ApiError> {
        match &self.engine {
            Backend::Sqlite(p) => p.write(f),
            Backend::Pg(p) => p.write(f),
        }
    }
}

async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("storage task failed: {e}")))?
}

/// Creates `path` (and its parents) with mode 0700. An existing dir is left as it is: it is
/// the user's, and its mode is theirs to choose.
fn create_private_dir(path: &Path) -> Result<(), OpenError> {
    let err = |cause| OpenError::DataDir {
        path: path.to_path_buf(),
        cause,
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path).map_err(err)
}

/// A setting, created with `make` on first use (e.g. the token signing key). Racing replicas
/// on a fresh database agree: the first insert wins and everyone reads it back.
pub fn setting_or_init(
    db: &Db<'_>,
    key: &str,
    make: impl FnOnce() -> Vec<u8>,
) -> Result<Vec<u8>, ApiError> {
    let value = make();
    db.exec(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        &[&key, &value],
    )?;
    db.one("SELECT value FROM settings WHERE key = $1", &[&key], |r| {
        r.bytes(0)
    })
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
