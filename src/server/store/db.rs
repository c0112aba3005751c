//! One handle over both engines: the store's functions take a [`Db`] and never know which
//! engine they run on, except where the SQL itself differs ([`Db::pick`]).
//!
//! SQL is written once in PostgreSQL's `$1` style; for SQLite the placeholders become `?1`.
//! Values cross through [`Param`] (how each engine stores a UUID, a time, a list) and come back
//! through [`Row`]'s typed getters, so a row mapper is written once for both engines.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use postgres::types::ToSql as PgToSql;
use rusqlite::types::{ToSqlOutput, Value as SqlValue};
use uuid::Uuid;

use crate::server::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A PostgreSQL connection with its prepared statements (the sync client caches none).
pub struct PgConn {
    pub client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl PgConn {
    pub fn new(client: postgres::Client) -> PgConn {
        PgConn {
            client,
            statements: HashMap::new(),
        }
    }

    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        // Dynamic SQL (filters) makes a bounded set of shapes; a cap keeps a bug from leaking.
        if self.statements.len() > 512 {
            self.statements.clear();
        }
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

/// A connection (or an open transaction) of either engine.
pub struct Db<'c> {
    inner: Inner<'c>,
}

enum Inner<'c> {
    Sqlite(&'c rusqlite::Connection),
    Pg(RefCell<&'c mut PgConn>),
}

/// A value bound to a placeholder.
pub trait Param {
    fn sqlite(&self) -> ToSqlOutput<'_>;
    fn pg(&self) -> &(dyn PgToSql + Sync);
}

/// A row being read; getters take the column's position.
pub enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Pg(&'r postgres::Row),
}

impl<'c> Db<'c> {
    pub fn sqlite(conn: &'c rusqlite::Connection) -> Db<'c> {
        Db {
            inner: Inner::Sqlite(conn),
        }
    }

    pub fn pg(conn: &'c mut PgConn) -> Db<'c> {
        Db {
            inner: Inner::Pg(RefCell::new(conn)),
        }
    }

    pub fn engine(&self) -> Engine {
        match self.inner {
            Inner::Sqlite(_) => Engine::Sqlite,
            Inner::Pg(_) => Engine::Postgres,
        }
    }

    /// The SQL for this engine, where the two differ.
    pub fn pick<'s>(&self, sqlite: &'s str, pg: &'s str) -> &'s str {
        match self.engine() {
            Engine::Sqlite => sqlite,
            Engine::Postgres => pg,
        }
    }

    /// Every row of the query, each through `map`.
    pub fn rows<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        mut map: impl FnMut(&Row<'_>) -> Result<T, ApiError>,
    ) -> Result<Vec<T>, ApiError> {
        match &self.inner {
            Inner::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&sqlite_sql(sql))?;
                let mut rows = stmt.query(rusqlite::params_from_iter(params.iter().map(Bind)))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(map(&Row::Sqlite(r))?);
                }
                Ok(out)
            }
            Inner::Pg(cell) => {
                let mut conn = cell.borrow_mut();
                let stmt = conn.statement(sql).map_err(pg_error)?;
                let values: Vec<&(dyn PgToSql + Sync)> = params.iter().map(|p| p.pg()).collect();
                let rows = conn.client.query(&stmt, &values).map_err(pg_error)?;
                rows.iter().map(|r| map(&Row::Pg(r))).collect()
            }
        }
    }

    /// The first row, if any.
    pub fn opt<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        map: impl FnMut(&Row<'_>) -> Result<T, ApiError>,
    ) -> Result<Option<T>, ApiError> {
        Ok(self.rows(sql, params, map)?.into_iter().next())
    }

    /// The first row; a query that must answer (a count) and did not is an internal error.
    pub fn one<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        map: impl FnMut(&Row<'_>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        self.opt(sql, params, map)?
            .ok_or_else(|| ApiError::internal(format!("query returned no row: {sql}")))
    }

    /// Runs a statement; returns the rows it changed.
    pub fn exec(&self, sql: &str, params: &[&dyn Param]) -> Result<u64, ApiError> {
        match &self.inner {
            Inner::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&sqlite_sql(sql))?;
                Ok(stmt.execute(rusqlite::params_from_iter(params.iter().map(Bind)))? as u64)
            }
            Inner::Pg(cell) => {
                let mut conn = cell.borrow_mut();
                let stmt = conn.statement(sql).map_err(pg_error)?;
                let values: Vec<&(dyn PgToSql + Sync)> = params.iter().map(|p| p.pg()).collect();
                conn.client.execute(&stmt, &values).map_err(pg_error)
            }
        }
    }

    /// Runs several statements without parameters (migrations).
    pub fn batch(&self, sql: &str) -> Result<(), ApiError> {
        match &self.inner {
            Inner::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Inner::Pg(cell) => cell
                .borrow_mut()
                .client
                .batch_execute(sql)
                .map_err(pg_error),
        }
    }
}

/// `$1` placeholders as SQLite's `?1` (outside string literals).
fn sqlite_sql(sql: &str) -> Cow<'_, str> {
    if !sql.contains('$') {
        return Cow::Borrowed(sql);
    }
    // Runs for every statement: copy the runs between marks, not char by char. Both marks are
    // ASCII, so every cut is on a char boundary.
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    let mut run = 0;
    for (i, b) in sql.bytes().enumerate() {
        match b {
            b'\'' => quoted = !quoted,
            b'$' if !quoted => {
                out.push_str(&sql[run..i]);
                out.push('?');
                run = i + 1;
            }
            _ => {}
        }
    }
    out.push_str(&sql[run..]);
    Cow::Owned(out)
}

/// Unique constraints a request can run into when it races another one past the store's own
/// check (SQLite has one writer, so only PostgreSQL gets here): the field and message it gets.
const UNIQUE_FIELDS: &[(&str, &str, &str)] = &[
    (
        "accounts_org_name",
        "name",
        "An account with this name already exists.",
    ),
    (
        "teams_org_id_name_key_key",
        "name",
        "A team with this name already exists.",
    ),
];

/// A PostgreSQL failure: a lost or refused connection is the database being away (503); a
/// race on a unique name is the field error the store's own check gives; the rest are
/// internal errors.
pub fn pg_error(e: postgres::Error) -> ApiError {
    if e.is_closed() || is_io(&e) || ended_by_server(&e) {
        return ApiError::Unavailable(format!("database: {e}"));
    }
    if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) {
        let constraint = e.as_db_error().and_then(|d| d.constraint());
        if let Some((_, field, message)) = UNIQUE_FIELDS
            .iter()
            .find(|(name, _, _)| Some(*name) == constraint)
        {
            return ApiError::field(field, *message);
        }
        return ApiError::Conflict(format!("database: {e}"));
    }
    // `Display` of a server-side error is only "db error": log what the server said.
    match e.as_db_error() {
        Some(db) => ApiError::internal(format!("database: {}: {}", db.code().code(), db.message())),
        None => ApiError::internal(format!("database: {e}")),
    }
}

/// The server ending or refusing the session: shutting down or restarting (SQLSTATE class
/// 57, e.g. 57P01 when an operator or a restart terminates it) or a connection exception
/// (class 08). The same as a lost connection to the caller.
fn ended_by_server(e: &postgres::Error) -> bool {
    e.code()
        .is_some_and(|c| c.code().starts_with("57") || c.code().starts_with("08"))
}

/// A failure to reach the server (refused, reset, timed out), as opposed to one it answered
/// or a value that did not convert.
fn is_io(e: &postgres::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if s.is::<std::io::Error>() {
            return true;
        }
        source = s.source();
    }
    false
}

struct Bind<'a>(&'a &'a dyn Param);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(self.0.sqlite())
    }
}

impl Row<'_> {
    fn sqlite_err(e: rusqlite::Error) -> ApiError {
        ApiError::from(e)
    }

    pub fn text(&self, i: usize) -> Result<String, ApiError> {
        match self {
            Row::Sqlite(r) => r.get(i).map_err(Row::sqlite_err),
            Row::Pg(r) => r.try_get(i).map_err(pg_error),
        }
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>, ApiError> {
        match self {
            Row::Sqlite(r) => r.get(i).map_err(Row::sqlite_err),
            Row::Pg(r) => r.try_get(i).map_err(pg_error),
        }
    }

    pub fn i64(&self, i: usize) -> Result<i64, ApiError> {
        match self {
            Row::Sqlite(r) => r.get(i).map_err(Row::sqlite_err),
            Row::Pg(r) => r.try_get(i).map_err(pg_error),
        }
    }

    pub fn opt_i64(&self, i: usize) -> Result<Option<i64>, ApiError> {
        match self {
            Row::Sqlite(r) => r.get(i).map_err(Row::sqlite_err),
            Row::Pg(r) => r.try_get(i).map_err(pg_error),
        }
    }

    pub fn bool(&self, i: usize) -> Result<bool, ApiError> {
        match self {
            Row::Sqlite(r) => r.get(i).map_err(Row::sqlite_err),
            Row::Pg(r) => r.try_get(i).map_err(pg_error),
        }
    }

    pub fn bytes(&self, i: usize) -> Result<Vec<u8>, ApiError> {
        match self {
            Row::Sqlite(r) => r.get(i).map_err(Row::sqlite_err),
            Row::Pg(r) => r.try_get(i).map_err(pg_error),
        }
    }

    /// A UUID; a malformed SQLite text (never written by us) reads as nil.
    pub fn uuid(&self, i: usize) -> Result<Uuid, ApiError> {
        match self {
            Row::Sqlite(r) => Ok(super::parse_id(
                r.get_ref(i)
                    .and_then(|v| Ok(v.as_str()?))
                    .map_err(Row::sqlite_err)?,
            )),
            Row::Pg(r) => r.try_get(i).map_err(pg_error),
        }
    }

    pub fn opt_uuid(&self, i: usize) -> Result<Option<Uuid>, ApiError> {
        match self {
            Row::Sqlite(r) => Ok(r
                .get_ref(i)
                .and_then(|v| Ok(v.as_str_or_null()?))
                .map_err(Row::sqlite_err)?
                .map(super::parse_id)),
            Row::Pg(r) => r.try_get(i).map_err(pg_error),
        }
    }

    /// A timestamp; SQLite keeps RFC 3339 text.
    pub fn ts(&self, i: usize) -> Result<DateTime<Utc>, ApiError> {
        match self {
            Row::Sqlite(r) => Ok(super::parse_ts(
                r.get_ref(i)
                    .and_then(|v| Ok(v.as_str()?))
                    .map_err(Row::sqlite_err)?,
            )),
            Row::Pg(r) => r.try_get(i).map_err(pg_error),
        }
    }

    pub fn opt_ts(&self, i: usize) -> Result<Option<DateTime<Utc>>, ApiError> {
        match self {
            Row::Sqlite(r) => Ok(r
                .get_ref(i)
                .and_then(|v| Ok(v.as_str_or_null()?))
                .map_err(Row::sqlite_err)?
                .map(super::parse_ts)),
            Row::Pg(r) => r.try_get(i).map_err(pg_error),
        }
    }

    /// A calendar date; SQLite keeps `YYYY-MM-DD` text, and a malformed one reads as none.
    pub fn date(&self, i: usize) -> Result<Option<NaiveDate>, ApiError> {
        match self {
            Row::Sqlite(r) => Ok(r
                .get_ref(i)
                .and_then(|v| Ok(v.as_str_or_null()?))
                .map_err(Row::sqlite_err)?
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())),
            Row::Pg(r) => r.try_get(i).map_err(pg_error),
        }
    }

    /// A JSON array kept as text; one we did not write (malformed) reads as empty.
    pub fn json_list<T: serde::de::DeserializeOwned>(&self, i: usize) -> Result<Vec<T>, ApiError> {
        match self {
            Row::Sqlite(r) => {
                let raw = r
                    .get_ref(i)
                    .and_then(|v| Ok(v.as_str()?))
                    .map_err(Row::sqlite_err)?;
                Ok(serde_json::from_str(raw).unwrap_or_default())
            }
            Row::Pg(r) => {
                let raw: &str = r.try_get(i).map_err(pg_error)?;
                Ok(serde_json::from_str(raw).unwrap_or_default())
            }
        }
    }
}

macro_rules! native_param {
    ($($t:ty),*) => {$(
        impl Param for $t {
            fn sqlite(&self) -> ToSqlOutput<'_> {
                rusqlite::ToSql::to_sql(self).unwrap_or(ToSqlOutput::Owned(SqlValue::Null))
            }
            fn pg(&self) -> &(dyn PgToSql + Sync) {
                self
            }
        }
    )*};
}

native_param!(String, &str, i64, bool, Vec<u8>);

impl Param for Uuid {
    fn sqlite(&self) -> ToSqlOutput<'_> {
        ToSqlOutput::Owned(SqlValue::Text(self.to_string()))
    }
    fn pg(&self) -> &(dyn PgToSql + Sync) {
        self
    }
}

impl Param for DateTime<Utc> {
    fn sqlite(&self) -> ToSqlOutput<'_> {
        ToSqlOutput::Owned(SqlValue::Text(super::ts(self)))
    }
    fn pg(&self) -> &(dyn PgToSql + Sync) {
        self
    }
}

impl Param for NaiveDate {
    fn sqlite(&self) -> ToSqlOutput<'_> {
        ToSqlOutput::Owned(SqlValue::Text(self.format("%Y-%m-%d").to_string()))
    }
    fn pg(&self) -> &(dyn PgToSql + Sync) {
        self
    }
}

impl<T: Param + PgToSql + Sync> Param for Option<T> {
    fn sqlite(&self) -> ToSqlOutput<'_> {
        match self {
            Some(v) => v.sqlite(),
            None => ToSqlOutput::Owned(SqlValue::Null),
        }
    }
    fn pg(&self) -> &(dyn PgToSql + Sync) {
        self
    }
}

/// A list bound as one parameter: SQLite reads it as JSON (`json_each`), PostgreSQL as an array
/// (`= ANY($n)`).
pub struct List<T>(pub Vec<T>);

impl<T: serde::Serialize + PgToSql + Sync> Param for List<T> {
    fn sqlite(&self) -> ToSqlOutput<'_> {
        ToSqlOutput::Owned(SqlValue::Text(
            serde_json::to_string(&self.0).unwrap_or_else(|_| "[]".into()),
        ))
    }
    fn pg(&self) -> &(dyn PgToSql + Sync) {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::sqlite_sql;

    #[test]
    fn placeholders_become_sqlite_style_outside_literals() {
        assert_eq!(
            sqlite_sql("SELECT '$1', a FROM t WHERE b = $1 AND c = $12"),
            "SELECT '$1', a FROM t WHERE b = ?1 AND c = ?12"
        );
        assert!(matches!(
            sqlite_sql("SELECT 1"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
