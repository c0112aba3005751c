//! Lists: the query string read against the kind's filters, then a counted page.

use chrono::{NaiveDate, NaiveTime};
use uuid::Uuid;

use super::{Resource, column, push_scope, read};
use crate::model::record::{COMMON_FILTERS, Filter, Record, Rel, Ty, money, parse_date};
use crate::model::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::server::error::ApiError;
use crate::server::store::db::{Db, Engine, List};
use crate::server::store::fold;
use crate::server::store::query::{Where, boxed, in_list, like_pattern};
use crate::server::store::tenancy::OrgCtx;
use crate::server::validate::Errors;

/// A list query, parsed: each parameter with its values (repeated or comma-separated).
#[derive(Debug, Default, Clone)]
pub struct Query {
    pub params: Vec<(String, Vec<String>)>,
    pub limit: i64,
    pub offset: i64,
}

impl Query {
    /// Reads a raw query string: paging is checked here, filters when they are applied.
    pub fn parse(raw: Option<&str>) -> Result<Query, ApiError> {
        let mut q = Query {
            limit: DEFAULT_LIMIT,
            ..Query::default()
        };
        let mut errors = Errors::default();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let value = value.trim().to_string();
            if value.chars().any(char::is_control) {
                errors.add(&key, "Must not contain control characters.");
                continue;
            }
            match key.as_ref() {
                "limit" | "offset" | "page_size" => match value.parse::<i64>() {
                    Ok(n) if n >= 0 => {
                        if key == "offset" {
                            q.offset = n;
                        } else {
                            q.limit = n.min(MAX_LIMIT);
                        }
                    }
                    _ => errors.add(&key, "Must be a whole number of 0 or more."),
                },
                _ if value.is_empty() => {}
                _ => match q.params.iter_mut().find(|(k, _)| k == key.as_ref()) {
                    Some((_, values)) => values.push(value),
                    None => q.params.push((key.to_string(), vec![value])),
                },
            }
        }
        errors.finish()?;
        Ok(q)
    }

    /// The values of a parameter, comma-separated ones split.
    pub fn values(&self, key: &str) -> Vec<String> {
        self.params
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.iter())
            .flat_map(|v| v.split(','))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// The raw value of a parameter (the first, unsplit).
    pub fn one(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.first())
            .map(String::as_str)
    }
}

/// A counted page of records.
#[derive(Debug)]
pub struct Page {
    pub count: i64,
    pub rows: Vec<Record>,
    /// The next page's offset, `None` after the last.
    pub next: Option<i64>,
}

/// The WHERE clause of a list: the caller's scope, the kind's standing condition, and every
/// filter the query names. A text filter's index search drives the query (SQLite is kept off
/// the org's indexes): right for counting the matches.
pub fn filters(
    db: &Db<'_>,
    res: &dyn Resource,
    ctx: &OrgCtx,
    q: &Query,
) -> Result<Where, ApiError> {
    filters_driven(db, res, ctx, q, true)
}

/// Above this many matches, a page is found sooner by walking the org's rows newest first
/// (one row in `org rows / matches` is a match) than by sorting every match.
const MANY_MATCHES: i64 = 1000;

/// [`filters`] for reading a page of `count` matches.
pub fn page_filters(
    db: &Db<'_>,
    res: &dyn Resource,
    ctx: &OrgCtx,
    q: &Query,
    count: i64,
) -> Result<Where, ApiError> {
    filters_driven(db, res, ctx, q, count <= MANY_MATCHES)
}

/// `by_search`: whether a text filter's index search drives the query.
fn filters_driven(
    db: &Db<'_>,
    res: &dyn Resource,
    ctx: &OrgCtx,
    q: &Query,
    by_search: bool,
) -> Result<Where, ApiError> {
    let kind = res.kind();
    let mut w = Where::default();
    if let Some(listed) = res.listed_sql() {
        w.push(listed, vec![]);
    }
    // A page of many matches is found sooner by walking the org's rows newest first than
    // through a filter's index and a sort of every match: `+` keeps SQLite off that index
    // (unless the page is ordered by something else, which an index may serve).
    let by_created = q.one("ordering").or_else(|| q.one("sort")).is_none();
    let plain = if !by_search && by_created && matches!(db.engine(), Engine::Sqlite) {
        "+"
    } else {
        ""
    };
    let mut errors = Errors::default();
    for filter in kind.filters.iter().chain(COMMON_FILTERS) {
        for param in filter.params() {
            let values = q.values(&param);
            if values.is_empty() {
                continue;
            }
            if res.filter(db, &mut w, &param, &values)? {
                continue;
            }
            if let Err(message) = apply(db, res, &mut w, filter, &param, q, &values, plain) {
                errors.add(&param, message);
            }
        }
    }
    errors.finish()?;
    // Last, so that a text filter's index search can keep SQLite off the org's indexes.
    let hint = if w.keyed && by_search {
        db.pick("+", "")
    } else {
        ""
    };
    push_scope(&mut w, res, ctx, hint);
    Ok(w)
}

/// Whether the list of `q` is the whole org's: `ctx` sees every record and `q` names none of
/// the kind's filters. Its totals are then the counts the triggers keep (migrations: the
/// `*_counts` tables).
pub fn whole_org(res: &dyn Resource, ctx: &OrgCtx, q: &Query) -> bool {
    kept(res, ctx, q, &[]).is_some()
}

/// Whether the totals of `q` can be read from the kept counts: `ctx` sees every record and `q`
/// names no filter of the kind but the `buckets` the counts are kept by (the default tabs:
/// open cases, tasks to do, unpaid invoices, open deals). The answer tells, per bucket, which
/// of its values `q` wants; the caller sums the counts whose keys are wanted.
pub fn kept<'q>(
    res: &dyn Resource,
    ctx: &OrgCtx,
    q: &'q Query,
    buckets: &[&str],
) -> Option<Wanted<'q>> {
    let other = res
        .kind()
        .filters
        .iter()
        .chain(COMMON_FILTERS)
        .flat_map(Filter::params)
        .filter(|p| !buckets.contains(&p.as_str()))
        .any(|p| !q.values(&p).is_empty());
    (ctx.is_admin() && !other).then_some(Wanted(q))
}

/// The values a kept-count bucket is filtered by (see [`kept`]).
pub struct Wanted<'q>(&'q Query);

impl Wanted<'_> {
    /// Whether `value` of the bucket `param` is among the query's (any value when it names none).
    pub fn has(&self, param: &str, value: &str) -> bool {
        let values = self.0.values(param);
        values.is_empty() || values.iter().any(|v| v == value)
    }

    /// The day `param` names, if it names a valid one (the filter refuses any other).
    pub fn day(&self, param: &str) -> Option<NaiveDate> {
        self.0.one(param).and_then(parse_date)
    }

    /// Whether the query names `param` at all.
    pub fn names(&self, param: &str) -> bool {
        !self.0.values(param).is_empty()
    }

    /// Whether the query asks for true in the boolean `param` (`open=true`, as the filter reads
    /// it: the first value).
    pub fn yes(&self, param: &str) -> bool {
        self.0
            .values(param)
            .first()
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
    }
}

/// `coalesce(sum(expr), 0)` as a 64-bit integer on both engines (PostgreSQL sums bigints as
/// numeric).
pub fn sum_sql(db: &Db<'_>, expr: &str) -> String {
    format!("coalesce(sum({expr}), 0){}", db.pick("", "::bigint"))
}

/// A text filter: any of `cols` contains the needle, whatever its case. SQLite searches the
/// kind's trigram index (`<table>_fts`, one column per filtered column, `full_name` for the
/// name expression) when the needle has the three characters a trigram needs, else scans;
/// PostgreSQL's `LIKE` on the folded columns has trigram indexes.
fn text_filter(db: &Db<'_>, res: &dyn Resource, w: &mut Where, cols: &[&str], raw: &str) {
    let needle = fold(raw);
    // An expression column is "first last", which contains both names: searching it alone
    // finds the same rows as searching all three.
    let full = cols.iter().any(|c| c.contains("||"));
    let cols: Vec<&str> = cols
        .iter()
        .copied()
        .filter(|c| !(full && matches!(*c, "first_name" | "last_name")))
        .collect();
    match db.engine() {
        Engine::Sqlite if needle.chars().count() >= 3 => {
            let names: Vec<&str> = cols
                .iter()
                .map(|c| if c.contains("||") { "full_name" } else { c })
                .collect();
            let table = res.table();
            w.push(
                &format!("r.rowid IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH $?)"),
                vec![boxed(format!(
                    "{{{}}} : \"{}\"",
                    names.join(" "),
                    needle.replace('"', "\"\"")
                ))],
            );
            w.keyed = true;
        }
        Engine::Sqlite => {
            let any: Vec<String> = cols
                .iter()
                .map(|c| format!("instr(crm_fold(r.{c}), $?) > 0"))
                .collect();
            w.push(
                &format!("({})", any.join(" OR ")),
                cols.iter().map(|_| boxed(needle.clone())).collect(),
            );
        }
        Engine::Postgres => {
            let any: Vec<String> = cols
                .iter()
                .map(|c| format!("lower(r.{c}) LIKE $?"))
                .collect();
            w.push(
                &format!("({})", any.join(" OR ")),
                cols.iter().map(|_| boxed(like_pattern(raw))).collect(),
            );
        }
    }
}

/// `plain`: `+` to keep SQLite off the filtered column's index (see [`filters_driven`]).
#[allow(clippy::too_many_arguments)]
fn apply(
    db: &Db<'_>,
    res: &dyn Resource,
    w: &mut Where,
    filter: &Filter,
    param: &str,
    q: &Query,
    values: &[String],
    plain: &str,
) -> Result<(), String> {
    let kind = res.kind();
    match *filter {
        Filter::Text(_, cols) => {
            // The unsplit value: a search may contain commas.
            text_filter(db, res, w, cols, q.one(param).unwrap_or_default());
        }
        Filter::Exact("assigned_to") => {
            let ids = uuids(values)?;
            w.push(
                &format!(
                    "EXISTS (SELECT 1 FROM record_links l WHERE l.record_kind = '{}'
                     AND l.record_id = r.id AND l.rel = 'assigned_to' AND l.target {})",
                    kind.name,
                    in_list(db)
                ),
                vec![boxed(List(ids))],
            );
        }
        Filter::Exact("tags") => {
            if !kind.has(Rel::Tags) {
                w.push("1 = 0", vec![]);
                return Ok(());
            }
            let names: Vec<String> = values.iter().map(|v| fold(v)).collect();
            w.push(
                &format!(
                    "EXISTS (SELECT 1 FROM record_tags rt JOIN tags t ON t.id = rt.tag_id
                     WHERE rt.record_kind = '{}' AND rt.record_id = r.id AND t.name_key {})",
                    kind.name,
                    in_list(db)
                ),
                vec![boxed(List(names))],
            );
        }
        Filter::Exact(name) | Filter::Day(name) => {
            let field = kind.field(name).ok_or("Unknown filter.")?;
            let col = column(field);
            match field.ty {
                Ty::Choice(choices) => {
                    for v in values {
                        if !choices.iter().any(|(c, _)| c == v) {
                            let all: Vec<&str> = choices.iter().map(|(c, _)| *c).collect();
                            return Err(format!(
                                "'{v}' is not a valid choice. Choose from: {}.",
                                all.join(", ")
                            ));
                        }
                    }
                    w.push(
                        &format!("{plain}r.{col} {}", in_list(db)),
                        vec![boxed(List(values.to_vec()))],
                    );
                }
                Ty::Ref(_) | Ty::RefId(_) => {
                    w.push(
                        &format!("{plain}r.{col} {}", in_list(db)),
                        vec![boxed(List(uuids(values)?))],
                    );
                }
                Ty::Bool(_) => {
                    let b = match values[0].to_ascii_lowercase().as_str() {
                        "true" | "1" | "yes" => true,
                        "false" | "0" | "no" => false,
                        _ => return Err("Must be true or false.".into()),
                    };
                    w.push(&format!("{plain}r.{col} = $?"), vec![boxed(b)]);
                }
                Ty::Date => {
                    w.push(
                        &format!("{plain}r.{col} = $?"),
                        vec![boxed(date(&values[0])?)],
                    );
                }
                _ => return Err("Unknown filter.".into()),
            }
        }
        Filter::Range(name) | Filter::RangeOne(name) => {
            let op = if param.ends_with("gte") { ">=" } else { "<=" };
            let raw = values[0].as_str();
            if name == "created_at" {
                let day = date(raw)?;
                let at = if op == ">=" {
                    day.and_time(NaiveTime::MIN)
                } else {
                    day.and_hms_opt(23, 59, 59)
                        .unwrap_or(day.and_time(NaiveTime::MIN))
                };
                let col = res.created_column();
                w.push(&format!("r.{col} {op} $?"), vec![boxed(at.and_utc())]);
                return Ok(());
            }
            let field = kind.field(name).ok_or("Unknown filter.")?;
            let col = column(field);
            match field.ty {
                Ty::Money => {
                    let cents = money::parse(raw).ok_or("Enter an amount such as 1200.50.")?;
                    w.push(&format!("{plain}r.{col} {op} $?"), vec![boxed(cents)]);
                }
                _ => w.push(&format!("{plain}r.{col} {op} $?"), vec![boxed(date(raw)?)]),
            }
        }
        Filter::Open => match values[0].to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => w.push(res.open_sql(), vec![]),
            "false" | "0" | "no" => {}
            _ => return Err("Must be true or false.".into()),
        },
    }
    Ok(())
}

fn uuids(values: &[String]) -> Result<Vec<Uuid>, String> {
    values
        .iter()
        .map(|v| Uuid::parse_str(v).map_err(|_| format!("'{v}' is not a valid UUID.")))
        .collect()
}

fn date(raw: &str) -> Result<NaiveDate, String> {
    parse_date(raw).ok_or_else(|| format!("'{raw}' is not a date (YYYY-MM-DD)."))
}

/// A page of `count` matches of `res` for `ctx` under `w`, ordered by the query's `ordering`
/// or `sort`.
pub fn page_of(
    db: &Db<'_>,
    res: &dyn Resource,
    ctx: &OrgCtx,
    w: &Where,
    q: &Query,
    count: i64,
) -> Result<Page, ApiError> {
    let order = match q.one("ordering").or_else(|| q.one("sort")) {
        Some(raw) => res.order_sql(db, raw)?.unwrap_or_default(),
        None => String::new(),
    };
    // Past the last match there is nothing to read; looking would walk every row of the org
    // (a page is read newest first, and none of them is a match).
    if q.offset >= count {
        return Ok(Page {
            count,
            next: None,
            rows: Vec::new(),
        });
    }
    let mut rows = read::select(db, res, w, &order, q.limit, q.offset)?;
    read::hydrate(db, res, ctx.org_id, &mut rows)?;
    let next = q.offset + rows.len() as i64;
    Ok(Page {
        count,
        next: (next < count && !rows.is_empty()).then_some(next),
        rows,
    })
}

pub fn count(db: &Db<'_>, res: &dyn Resource, w: &Where) -> Result<i64, ApiError> {
    db.one(
        &format!("SELECT count(*) FROM {} r WHERE {}", res.table(), w.sql()),
        &w.refs(),
        |r| r.i64(0),
    )
}

/// `ordering` over plain columns: `name`, `-created_at`; `None` if the column is not allowed.
pub fn simple_order(raw: &str, allowed: &[&str], created: &str) -> Option<String> {
    let (desc, name) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    if !allowed.contains(&name) {
        return None;
    }
    let col = if name == "created_at" { created } else { name };
    Some(format!("r.{col} {}", if desc { "DESC" } else { "ASC" }))
}

/// SQL for the sum of a non-negative integer expression that cannot overflow 64 bits on either
/// engine: two columns, the sum of the millions and the sum of the rest, which [`join_wide`]
/// puts together.
pub fn wide_sum(db: &Db<'_>, expr: &str) -> String {
    // PostgreSQL sums bigints as numeric.
    let cast = db.pick("", "::bigint");
    format!(
        "coalesce(sum(({expr}) / 1000000), 0){cast}, coalesce(sum(({expr}) % 1000000), 0){cast}"
    )
}

/// The sum [`wide_sum`]'s two columns make.
pub fn join_wide(millions: i64, rest: i64) -> i128 {
    i128::from(millions) * 1_000_000 + i128::from(rest)
}
