//! Rows to records: the columns by their field types, then the links of a whole page in one
//! query per kind of link.

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{Resource, column};
use crate::model::record::{Record, Rel, Ty, money};
use crate::server::error::ApiError;
use crate::server::store::db::{Db, List, Row};
use crate::server::store::query::{Where, in_list};

/// The columns every select reads before the kind's own fields.
const FIXED: usize = 4;

/// A page of rows of `res` matching `w`, ordered by `order` (newest first when empty).
pub fn select(
    db: &Db<'_>,
    res: &dyn Resource,
    w: &Where,
    order: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<Record>, ApiError> {
    let kind = res.kind();
    let created = res.created_column();
    let mut cols = format!("r.id, r.created_by, r.{created}, r.updated_at");
    for field in kind.fields {
        cols.push_str(", r.");
        cols.push_str(&column(field));
    }
    let tiebreak = db.pick("r.rowid", "r.seq");
    // Times are kept to the second: ties fall back to the insertion order, in the direction
    // asked for (`ordering=created_at` is oldest first to the last row).
    let order = if order.is_empty() {
        format!("r.{created} DESC, {tiebreak} DESC")
    } else if order.ends_with("DESC") {
        format!("{order}, {tiebreak} DESC")
    } else {
        format!("{order}, {tiebreak} ASC")
    };
    let n = w.next();
    let mut refs = w.refs();
    refs.push(&limit);
    refs.push(&offset);
    db.rows(
        &format!(
            "SELECT {cols} FROM {} r WHERE {} ORDER BY {order} LIMIT ${n} OFFSET ${}",
            res.table(),
            w.sql(),
            n + 1
        ),
        &refs,
        |r| from_row(res, r),
    )
}

fn from_row(res: &dyn Resource, r: &Row<'_>) -> Result<Record, ApiError> {
    let mut m = Map::new();
    m.insert("id".into(), json!(r.uuid(0)?));
    m.insert("created_by".into(), json!(r.opt_uuid(1)?));
    let created = crate::model::timestamp::format(&r.ts(2)?);
    let updated = r.opt_ts(3)?.map(|t| crate::model::timestamp::format(&t));
    m.insert("created_at".into(), json!(created));
    m.insert("updated_at".into(), json!(updated.unwrap_or(created)));
    for (i, field) in res.kind().fields.iter().enumerate() {
        let i = i + FIXED;
        let v = match field.ty {
            Ty::Text(_) | Ty::Email | Ty::Url | Ty::Country | Ty::Currency => json!(r.text(i)?),
            Ty::Choice(_) => json!(r.opt_text(i)?),
            Ty::Date => json!(r.date(i)?.map(|d| d.format("%Y-%m-%d").to_string())),
            Ty::Money => json!(r.opt_i64(i)?.map(money::format)),
            Ty::Percent => json!(r.i64(i)?),
            Ty::Bool(_) => json!(r.bool(i)?),
            Ty::Ref(_) | Ty::RefId(_) | Ty::User => json!(r.opt_uuid(i)?),
            Ty::Stamp => json!(r.opt_ts(i)?.map(|t| crate::model::timestamp::format(&t))),
        };
        m.insert(field.name.into(), v);
    }
    Ok(Record(m))
}

/// Fills the links of a page: `{id, name}` for one-record links, the many-valued lists, then
/// whatever the kind adds.
pub fn hydrate(
    db: &Db<'_>,
    res: &dyn Resource,
    org: Uuid,
    rows: &mut [Record],
) -> Result<(), ApiError> {
    if rows.is_empty() {
        return Ok(());
    }
    let kind = res.kind();
    let ids: Vec<Uuid> = rows.iter().filter_map(Record::id).collect();
    for field in kind.fields {
        let Ty::Ref(target) = field.ty else { continue };
        let wanted: Vec<Uuid> = rows
            .iter()
            .filter_map(|r| r.str(field.name).and_then(|s| Uuid::parse_str(s).ok()))
            .collect();
        let names = names_of(db, target, &wanted)?;
        for row in rows.iter_mut() {
            let link = row
                .str(field.name)
                .and_then(|s| Uuid::parse_str(s).ok())
                .map(|id| json!({"id": id, "name": names.get(&id).cloned().unwrap_or_default()}));
            row.0.insert(field.name.into(), link.unwrap_or(Value::Null));
        }
    }
    let mut lists: HashMap<(Uuid, &'static str), Vec<Value>> = HashMap::new();
    if kind.rels.iter().any(|r| *r != Rel::Tags) {
        let mut w = Where::default();
        w.push("l.record_kind = $?", vec![Box::new(kind.name)]);
        w.push(
            &format!("l.record_id {}", in_list(db)),
            vec![Box::new(List(ids.clone()))],
        );
        let found = db.rows(
            &format!(
                "SELECT l.record_id, l.rel, l.target FROM record_links l WHERE {}
                 ORDER BY l.record_id, l.rel, l.target",
                w.sql()
            ),
            &w.refs(),
            |r| Ok((r.uuid(0)?, r.text(1)?, r.uuid(2)?)),
        )?;
        let contact_ids: Vec<Uuid> = found
            .iter()
            .filter(|(_, rel, _)| rel == "contacts")
            .map(|(_, _, t)| *t)
            .collect();
        let contacts = contact_objects(db, org, &contact_ids)?;
        for (record, rel, target) in found {
            let (key, value) = match rel.as_str() {
                "assigned_to" => ("assigned_to", json!(target)),
                "teams" => ("teams", json!(target)),
                _ => match contacts.get(&target) {
                    Some(c) => ("contacts", c.clone()),
                    None => continue,
                },
            };
            lists.entry((record, key)).or_default().push(value);
        }
    }
    if kind.has(Rel::Tags) {
        let mut w = Where::default();
        w.push("rt.record_kind = $?", vec![Box::new(kind.name)]);
        w.push(
            &format!("rt.record_id {}", in_list(db)),
            vec![Box::new(List(ids.clone()))],
        );
        let found = db.rows(
            &format!(
                "SELECT rt.record_id, t.name FROM record_tags rt JOIN tags t ON t.id = rt.tag_id
                 WHERE {} ORDER BY t.name_key",
                w.sql()
            ),
            &w.refs(),
            |r| Ok((r.uuid(0)?, r.text(1)?)),
        )?;
        for (record, name) in found {
            lists.entry((record, "tags")).or_default().push(json!(name));
        }
    }
    for row in rows.iter_mut() {
        let Some(id) = row.id() else { continue };
        for rel in kind.rels {
            let items = lists.remove(&(id, rel.name())).unwrap_or_default();
            row.0.insert(rel.name().into(), Value::Array(items));
        }
    }
    res.decorate(db, rows)
}

/// The names of records of kind `target` among `ids`, for `{id, name}` links.
pub fn names_of(
    db: &Db<'_>,
    target: &str,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, String>, ApiError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let (table, name) = match target {
        "account" => ("accounts", "r.name"),
        other => {
            let res = super::resource(other)
                .ok_or_else(|| ApiError::internal(format!("no kind {other}")))?;
            (res.table(), res.name_sql())
        }
    };
    let mut w = Where::default();
    w.push(
        &format!("r.id {}", in_list(db)),
        vec![Box::new(List(ids.to_vec()))],
    );
    let pairs = db.rows(
        &format!("SELECT r.id, {name} FROM {table} r WHERE {}", w.sql()),
        &w.refs(),
        |r| Ok((r.uuid(0)?, r.text(1)?)),
    )?;
    Ok(pairs.into_iter().collect())
}

/// `{id, first_name, last_name, email}` of the contacts of `org` among `ids`.
pub fn contact_objects(
    db: &Db<'_>,
    org: Uuid,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Value>, ApiError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut w = Where::default();
    // `+` keeps SQLite on the id index rather than on the org's.
    w.push(
        db.pick("+c.org_id = $?", "c.org_id = $?"),
        vec![Box::new(org)],
    );
    w.push(
        &format!("c.id {}", in_list(db)),
        vec![Box::new(List(ids.to_vec()))],
    );
    let found = db.rows(
        &format!(
            "SELECT c.id, c.first_name, c.last_name, c.email FROM contacts c WHERE {}",
            w.sql()
        ),
        &w.refs(),
        |r| {
            let id = r.uuid(0)?;
            Ok((
                id,
                json!({"id": id, "first_name": r.text(1)?, "last_name": r.text(2)?,
                       "email": r.text(3)?}),
            ))
        },
    )?;
    Ok(found.into_iter().collect())
}
