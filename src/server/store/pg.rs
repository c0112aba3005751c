//! The PostgreSQL engine: a fixed set of connections, each made (again) when first needed, so
//! that a database that went away answers 503 meanwhile and serves again once it is back.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::OpenError;
use super::db::{Db, PgConn, pg_error};
use super::generation;
use crate::server::error::ApiError;

/// Migrations, applied in order under an advisory lock, so that replicas starting together on a
/// fresh database migrate it once. Never edit one that has shipped: add the next.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/pg/0001_base.sql"),
    include_str!("migrations/pg/0002_row_json.sql"),
    include_str!("migrations/pg/0003_records.sql"),
    include_str!("migrations/pg/0004_contacts.sql"),
    include_str!("migrations/pg/0005_leads.sql"),
    include_str!("migrations/pg/0006_opportunities.sql"),
    include_str!("migrations/pg/0007_cases.sql"),
    include_str!("migrations/pg/0008_tasks.sql"),
    include_str!("migrations/pg/0009_invoices.sql"),
    include_str!("migrations/pg/0010_sessions_mail.sql"),
    include_str!("migrations/pg/0011_list_counts.sql"),
    include_str!("migrations/pg/0012_count_buckets.sql"),
    include_str!("migrations/pg/0013_data_generation.sql"),
];

/// Any constant shared by every replica: the key of the migration lock.
const MIGRATION_LOCK: i64 = 0x6372_6d74_7569;

pub struct Pool {
    config: postgres::Config,
    conns: Vec<Mutex<Option<PgConn>>>,
    next: AtomicUsize,
}

impl Pool {
    pub fn open(url: &str, size: usize) -> Result<Pool, OpenError> {
        let redacted = super::redact_url(url);
        let mut config: postgres::Config = url.parse().map_err(|e| OpenError::Connect {
            url: redacted.clone(),
            cause: format!("{e}"),
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        config.application_name("crmtui");
        let pool = Pool {
            config,
            conns: (0..size).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
        };
        let mut first = pool.connect().map_err(|e| OpenError::Connect {
            url: redacted.clone(),
            cause: cause_of(&e),
        })?;
        migrate(&mut first).map_err(|e| OpenError::Migrate {
            path: redacted.clone().into(),
            cause: e,
        })?;
        *lock(&pool.conns[0]) = Some(first);
        Ok(pool)
    }

    fn connect(&self) -> Result<PgConn, postgres::Error> {
        let client = self.config.connect(postgres::NoTls)?;
        Ok(PgConn::new(client))
    }

    /// Runs `f` with a live connection; a connection that broke is dropped so the next call
    /// makes a new one.
    fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut PgConn) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let n = self.conns.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let slot = (0..n)
            .find_map(|i| self.conns[(start + i) % n].try_lock().ok())
            .unwrap_or_else(|| lock(&self.conns[start % n]));
        let mut slot = slot;
        if slot.as_ref().is_none_or(|c| c.client.is_closed()) {
            *slot = None;
            let conn = self.connect().map_err(|e| {
                ApiError::Unavailable(format!("cannot connect to the database: {}", cause_of(&e)))
            })?;
            *slot = Some(conn);
        }
        let Some(conn) = slot.as_mut() else {
            return Err(ApiError::Unavailable("no database connection".into()));
        };
        let out = f(conn);
        if matches!(out, Err(ApiError::Unavailable(_))) || conn.client.is_closed() {
            // The server went away: its other connections are as dead as this one, so drop the
            // idle ones too, and the first request after its return starts afresh.
            *slot = None;
            drop(slot);
            for other in &self.conns {
                if let Ok(mut idle) = other.try_lock() {
                    *idle = None;
                }
            }
        }
        out
    }

    pub fn read<T>(&self, f: impl FnOnce(&Db<'_>) -> Result<T, ApiError>) -> Result<T, ApiError> {
        self.with_conn(|conn| f(&Db::pg(conn)))
    }

    pub fn write<T>(&self, f: impl FnOnce(&Db<'_>) -> Result<T, ApiError>) -> Result<T, ApiError> {
        self.with_conn(|conn| {
            conn.client.batch_execute("BEGIN").map_err(pg_error)?;
            let out = {
                let db = Db::pg(conn);
                f(&db).and_then(|v| generation::advance_if_written(&db).map(|()| v))
            };
            match out {
                Ok(v) => {
                    conn.client.batch_execute("COMMIT").map_err(pg_error)?;
                    Ok(v)
                }
                Err(e) => {
                    // A failed rollback means a dead connection, which `with_conn` drops.
                    let _ = conn.client.batch_execute("ROLLBACK");
                    Err(e)
                }
            }
        })
    }
}

impl Drop for Pool {
    // A synchronous client closes by blocking on its own runtime, which panics on a thread
    // that drives async tasks (a store dropped by an async caller): close them on a thread of
    // their own.
    fn drop(&mut self) {
        let conns: Vec<PgConn> = self
            .conns
            .iter()
            .filter_map(|slot| lock(slot).take())
            .collect();
        if !conns.is_empty() {
            let _ = std::thread::Builder::new()
                .name("crmtui-pg-close".into())
                .spawn(move || drop(conns));
        }
    }
}

fn lock(m: &Mutex<Option<PgConn>>) -> std::sync::MutexGuard<'_, Option<PgConn>> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The innermost cause, which says what went wrong ("password authentication failed...").
fn cause_of(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text = s.to_string();
                source = s.source();
            }
            text
        }
    }
}

fn migrate(conn: &mut PgConn) -> Result<(), String> {
    let client = &mut conn.client;
    let mut tx = client.transaction().map_err(|e| cause_of(&e))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(|e| cause_of(&e))?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS crmtui_migrations (
             version BIGINT PRIMARY KEY,
             applied_on TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )
    .map_err(|e| cause_of(&e))?;
    let done: i64 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM crmtui_migrations",
            &[],
        )
        .and_then(|r| r.try_get(0))
        .map_err(|e| cause_of(&e))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done.max(0) as usize) {
        let version = i as i64 + 1;
        tx.batch_execute(sql)
            .map_err(|e| format!("migration {version}: {}", cause_of(&e)))?;
        tx.execute(
            "INSERT INTO crmtui_migrations (version) VALUES ($1)",
            &[&version],
        )
        .map_err(|e| cause_of(&e))?;
    }
    tx.commit().map_err(|e| cause_of(&e))
}
