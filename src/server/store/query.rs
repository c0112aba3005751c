//! Dynamic SQL: a WHERE clause built from filters, with numbered parameters, written once
//! for every list of the core.

use super::db::{Db, Param};
use super::fold;

/// A WHERE clause under construction, with numbered parameters.
#[derive(Default)]
pub struct Where {
    pub clauses: Vec<String>,
    params: Vec<Box<dyn Param>>,
    /// True when some clause yields a small set of keys: then SQLite is told to only check the
    /// org and status columns, so that it drives the query from that set rather than scan.
    pub keyed: bool,
}

impl Where {
    /// Adds a clause whose `$?` marks take `params` in order.
    pub fn push(&mut self, clause: &str, params: Vec<Box<dyn Param>>) {
        let mut out = String::with_capacity(clause.len() + 8);
        let mut n = self.params.len();
        let mut rest = clause;
        while let Some(i) = rest.find("$?") {
            n += 1;
            out.push_str(&rest[..i]);
            out.push_str(&format!("${n}"));
            rest = &rest[i + 2..];
        }
        out.push_str(rest);
        self.clauses.push(out);
        self.params.extend(params);
    }

    pub fn sql(&self) -> String {
        self.clauses.join(" AND ")
    }

    pub fn refs(&self) -> Vec<&dyn Param> {
        self.params.iter().map(|p| p.as_ref()).collect()
    }

    /// The next free parameter number.
    pub fn next(&self) -> usize {
        self.params.len() + 1
    }
}

pub fn boxed<T: Param + 'static>(v: T) -> Box<dyn Param> {
    Box::new(v)
}

/// `%value%` for LIKE, with LIKE's own characters escaped (PostgreSQL's default escape is `\`).
pub fn like_pattern(value: &str) -> String {
    let mut out = String::from("%");
    for ch in fold(value).chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

/// `IN (…)` over a [`super::List`] parameter, as each engine reads one.
pub fn in_list(db: &Db<'_>) -> &'static str {
    db.pick("IN (SELECT value FROM json_each($?))", "= ANY($?)")
}
