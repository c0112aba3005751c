//! Records of every kind but accounts, stored from their [`Kind`]: one table per kind whose
//! columns are the kind's fields (links to one record as `<field>_id`), links to many in
//! `record_links` and `record_tags`. Reading, listing, writing and deleting are written once
//! here; each kind's module implements [`Resource`] for its own rules.

pub mod input;
pub mod list;
pub mod read;

use serde_json::{Map, Value, json};
use uuid::Uuid;

pub use input::{Draft, Val};
pub use list::Page;

use super::db::Db;
use super::query::{Where, boxed};
use super::tenancy::OrgCtx;
use super::threads::{self, RecordKind};
use super::{directory, links, now};
use crate::model::record::{Kind, Record, Rel, Ty, Unique};
use crate::server::error::ApiError;

/// What a kind adds to the common behaviour. Every method but `kind` has a default.
pub trait Resource: Sync + Send + 'static {
    fn kind(&self) -> &'static Kind;

    /// Its table.
    fn table(&self) -> &'static str {
        self.kind().path
    }

    /// The column of its creation time (contacts keep the accounts' `created_on`).
    fn created_column(&self) -> &'static str {
        "created_at"
    }

    /// How links to it read (`{id, name}`), as SQL over the alias `r`.
    fn name_sql(&self) -> &'static str {
        "r.name"
    }

    /// Besides the records they created or are assigned to, what a `USER` sees: SQL over `r`
    /// with `$?` for the user's id.
    fn also_visible(&self) -> Option<&'static str> {
        None
    }

    /// `open=true`, as SQL over `r`.
    fn open_sql(&self) -> &'static str {
        "1 = 1"
    }

    /// A condition every list of it keeps (leads: converted ones are never listed).
    fn listed_sql(&self) -> Option<&'static str> {
        None
    }

    /// Whether the API deletes it (invoices: no).
    fn deletable(&self) -> bool {
        true
    }

    /// A list filter of its own making; `Ok(false)` leaves it to the common code.
    fn filter(
        &self,
        _db: &Db<'_>,
        _w: &mut Where,
        _param: &str,
        _values: &[String],
    ) -> Result<bool, ApiError> {
        Ok(false)
    }

    /// `ordering`/`sort`, as SQL over `r`; `None` for the default (newest first).
    fn order_sql(&self, _db: &Db<'_>, _ordering: &str) -> Result<Option<String>, ApiError> {
        Ok(None)
    }

    /// Its rules on a write, before anything is stored: derive fields, refuse what the
    /// contract refuses. `old` is the stored record on an update.
    fn rules(&self, _at: &At<'_, '_>, _draft: &mut Draft) -> Result<(), ApiError> {
        Ok(())
    }

    /// After the row and its links are written, in the same transaction.
    fn after_write(
        &self,
        _db: &Db<'_>,
        _ctx: &OrgCtx,
        _id: Uuid,
        _draft: &Draft,
    ) -> Result<(), ApiError> {
        Ok(())
    }

    /// Before the row goes, in the same transaction: links kept outside `record_links`.
    fn on_remove(&self, _db: &Db<'_>, _id: Uuid) -> Result<(), ApiError> {
        Ok(())
    }

    /// Read-only keys computed for a page of its records (one query per page, never per row).
    fn decorate(&self, _db: &Db<'_>, _rows: &mut [Record]) -> Result<(), ApiError> {
        Ok(())
    }

    /// Extra keys of its detail answer.
    /// `at.old` is the record shown.
    fn detail_extras(
        &self,
        _at: &At<'_, '_>,
        _out: &mut Map<String, Value>,
    ) -> Result<(), ApiError> {
        Ok(())
    }
}

/// Where a rule runs: the transaction, the caller, and the stored record (none on a create).
pub struct At<'a, 'c> {
    pub db: &'a Db<'c>,
    pub ctx: &'a OrgCtx,
    pub old: Option<&'a Record>,
}

/// Refuses a draft whose unique field repeats another record's (any case).
fn check_unique(
    db: &Db<'_>,
    res: &dyn Resource,
    ctx: &OrgCtx,
    me: Option<Uuid>,
    draft: &Draft,
) -> Result<(), ApiError> {
    let kind = res.kind();
    let Some(unique) = kind.unique else {
        return Ok(());
    };
    let field = unique.field();
    let Some(value) = draft
        .get(field)
        .and_then(Val::as_str)
        .filter(|v| !v.is_empty())
    else {
        return Ok(());
    };
    let mut w = match unique {
        Unique::AmongVisible(_) => scope(res, ctx),
        Unique::InOrg(_) => {
            let mut w = Where::default();
            w.push("r.org_id = $?", vec![boxed(ctx.org_id)]);
            w
        }
    };
    let folded = db
        .pick("crm_fold(r.{})", "lower(r.{})")
        .replace("{}", field);
    w.push(&format!("{folded} = $?"), vec![boxed(super::fold(value))]);
    w.push("r.id <> $?", vec![boxed(me.unwrap_or_default())]);
    let taken = db.opt(
        &format!("SELECT 1 FROM {} r WHERE {} LIMIT 1", res.table(), w.sql()),
        &w.refs(),
        |_| Ok(()),
    )?;
    match taken {
        Some(()) => {
            let article = if kind.name.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "An"
            } else {
                "A"
            };
            Err(ApiError::field(
                field,
                format!("{article} {} with this {field} already exists.", kind.name),
            ))
        }
        None => Ok(()),
    }
}

/// The resource of a kind name (`lead`), for links and threads.
pub fn resource(name: &str) -> Option<&'static dyn Resource> {
    Some(match name {
        "contact" => &super::contacts::CONTACTS,
        "lead" => &super::leads::LEADS,
        "opportunity" => &super::opportunities::OPPORTUNITIES,
        "case" => &super::cases::CASES,
        "task" => &super::tasks::TASKS,
        "invoice" => &super::invoices::INVOICES,
        _ => return None,
    })
}

/// The column a field is stored in.
pub fn column(field: &crate::model::record::Field) -> String {
    match field.ty {
        Ty::Ref(_) | Ty::RefId(_) => format!("{}_id", field.name),
        _ => field.name.to_string(),
    }
}

/// The conditions of every query of `res` for `ctx`: its org and, for a `USER`, what they see.
pub fn scope(res: &dyn Resource, ctx: &OrgCtx) -> Where {
    scope_from(res, ctx, "")
}

/// [`scope`] for a query whose other clauses name a few rows by an index of their own: keeps
/// SQLite off the org's indexes (it would otherwise walk every row of the org through one).
pub fn keyed_scope(db: &Db<'_>, res: &dyn Resource, ctx: &OrgCtx) -> Where {
    scope_from(res, ctx, db.pick("+", ""))
}

fn scope_from(res: &dyn Resource, ctx: &OrgCtx, hint: &str) -> Where {
    let mut w = Where::default();
    push_scope(&mut w, res, ctx, hint);
    w
}

/// Adds [`scope`]'s conditions to `w`; `hint` is `+` when `w` already names a few rows by an
/// index of its own (see [`keyed_scope`]).
pub fn push_scope(w: &mut Where, res: &dyn Resource, ctx: &OrgCtx, hint: &str) {
    w.push(&format!("{hint}r.org_id = $?"), vec![boxed(ctx.org_id)]);
    if !ctx.is_admin() {
        let kind = res.kind().name;
        let mut clause = format!(
            "(r.created_by = $? OR EXISTS (SELECT 1 FROM record_links l
              WHERE l.record_kind = '{kind}' AND l.record_id = r.id AND l.rel = 'assigned_to'
                AND l.target = $?)"
        );
        let mut params = vec![boxed(ctx.user_id), boxed(ctx.user_id)];
        if let Some(also) = res.also_visible() {
            clause.push_str(&format!(" OR {also}"));
            params.push(boxed(ctx.user_id));
        }
        clause.push(')');
        w.push(&clause, params);
    }
}

/// The record if `ctx` may see it, else 404.
pub fn get(db: &Db<'_>, res: &dyn Resource, ctx: &OrgCtx, id: Uuid) -> Result<Record, ApiError> {
    let mut w = scope(res, ctx);
    w.push("r.id = $?", vec![boxed(id)]);
    let mut rows = read::select(db, res, &w, "", 1, 0)?;
    read::hydrate(db, res, ctx.org_id, &mut rows)?;
    rows.pop().ok_or(ApiError::NotFound)
}

/// Whether `ctx` may open the record of kind `kind` (`account` included).
pub fn can_open(db: &Db<'_>, ctx: &OrgCtx, kind: &str, id: Uuid) -> Result<bool, ApiError> {
    let found = if kind == "account" {
        super::accounts::get(db, ctx, id).map(|_| ())
    } else {
        let res = resource(kind).ok_or_else(|| ApiError::internal(format!("no kind {kind}")))?;
        let mut w = scope(res, ctx);
        w.push("r.id = $?", vec![boxed(id)]);
        db.opt(
            &format!("SELECT 1 FROM {} r WHERE {}", res.table(), w.sql()),
            &w.refs(),
            |_| Ok(()),
        )
        .and_then(|r| r.ok_or(ApiError::NotFound))
    };
    match found {
        Ok(()) => Ok(true),
        Err(ApiError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Checks what a write links to: records the caller may open, members and teams of the org.
fn check_links(db: &Db<'_>, ctx: &OrgCtx, draft: &Draft) -> Result<(), ApiError> {
    for (field, val) in &draft.cols {
        if let (Ty::Ref(target) | Ty::RefId(target), Val::Id(Some(id))) = (field.ty, val)
            && !can_open(db, ctx, target, *id)?
        {
            return Err(ApiError::field(
                field.name,
                format!(
                    "{id} is not {} {target} you can open.",
                    if target.starts_with(['a', 'e', 'i', 'o', 'u']) {
                        "an"
                    } else {
                        "a"
                    }
                ),
            ));
        }
    }
    for (rel, ids) in &draft.rels {
        match rel {
            Rel::AssignedTo => directory::check_members(db, ctx.org_id, ids, rel.name())?,
            Rel::Teams => directory::check_teams(db, ctx.org_id, ids, rel.name())?,
            Rel::Contacts => {
                for id in ids {
                    if !can_open(db, ctx, "contact", *id)? {
                        return Err(ApiError::field(
                            "contacts",
                            format!("{id} is not a contact you can open."),
                        ));
                    }
                }
            }
            Rel::Tags => {}
        }
    }
    Ok(())
}

/// `POST /api/<r>/`: checks, applies the kind's rules, stores; returns the new id.
pub fn create(
    db: &Db<'_>,
    res: &dyn Resource,
    ctx: &OrgCtx,
    mut draft: Draft,
) -> Result<Uuid, ApiError> {
    check_links(db, ctx, &draft)?;
    check_unique(db, res, ctx, None, &draft)?;
    res.rules(&At { db, ctx, old: None }, &mut draft)?;
    let id = Uuid::new_v4();
    let at = now();
    let mut names = vec![
        "id".to_string(),
        "org_id".into(),
        "created_by".into(),
        res.created_column().into(),
        "updated_at".into(),
    ];
    let mut params = vec![
        boxed(id),
        boxed(ctx.org_id),
        boxed(Some(ctx.user_id)),
        boxed(at),
        boxed(at),
    ];
    for (field, val) in &draft.cols {
        names.push(column(field));
        params.push(boxed(val.clone()));
    }
    let marks: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
    let refs: Vec<&dyn super::Param> = params.iter().map(|p| p.as_ref()).collect();
    db.exec(
        &format!(
            "INSERT INTO {} ({}) VALUES ({})",
            res.table(),
            names.join(", "),
            marks.join(", ")
        ),
        &refs,
    )?;
    write_links(db, res, ctx, id, &draft)?;
    res.after_write(db, ctx, id, &draft)?;
    Ok(id)
}

/// `PUT`/`PATCH /api/<r>/{id}/`: only what the body names changes.
pub fn update(
    db: &Db<'_>,
    res: &dyn Resource,
    ctx: &OrgCtx,
    id: Uuid,
    mut draft: Draft,
) -> Result<(), ApiError> {
    let old = get(db, res, ctx, id)?;
    // A field set only at creation may be sent back unchanged, never changed.
    for (field, val) in &draft.cols {
        if field.access == crate::model::record::Access::CreateOnly {
            let stored = old
                .get(field.name)
                .and_then(|v| v.get("id").or(Some(v)))
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok());
            if *val != Val::Id(stored) {
                return Err(ApiError::field(
                    field.name,
                    "This cannot be changed once the record exists.",
                ));
            }
        }
    }
    draft
        .cols
        .retain(|(f, _)| f.access != crate::model::record::Access::CreateOnly);
    check_links(db, ctx, &draft)?;
    check_unique(db, res, ctx, Some(id), &draft)?;
    res.rules(
        &At {
            db,
            ctx,
            old: Some(&old),
        },
        &mut draft,
    )?;
    let mut w = Where::default();
    w.push("updated_at = $?", vec![boxed(now())]);
    for (field, val) in &draft.cols {
        w.push(&format!("{} = $?", column(field)), vec![boxed(val.clone())]);
    }
    let sets = w.clauses.join(", ");
    let n = w.next();
    let mut refs = w.refs();
    refs.push(&id);
    db.exec(
        &format!("UPDATE {} SET {sets} WHERE id = ${n}", res.table()),
        &refs,
    )?;
    write_links(db, res, ctx, id, &draft)?;
    res.after_write(db, ctx, id, &draft)
}

/// Replaces the link lists the draft names. Links to contacts the caller cannot open stay.
fn write_links(
    db: &Db<'_>,
    res: &dyn Resource,
    ctx: &OrgCtx,
    id: Uuid,
    draft: &Draft,
) -> Result<(), ApiError> {
    let kind = res.kind().name;
    for (rel, ids) in &draft.rels {
        let mut keep = Vec::new();
        if *rel == Rel::Contacts && !ctx.is_admin() {
            let old = db.rows(
                "SELECT target FROM record_links
                 WHERE record_kind = $1 AND record_id = $2 AND rel = 'contacts'",
                &[&kind, &id],
                |r| r.uuid(0),
            )?;
            for c in old {
                if !ids.contains(&c) && !can_open(db, ctx, "contact", c)? {
                    keep.push(c);
                }
            }
        }
        db.exec(
            "DELETE FROM record_links WHERE record_kind = $1 AND record_id = $2 AND rel = $3",
            &[&kind, &id, &rel.name()],
        )?;
        for target in ids.iter().chain(&keep) {
            db.exec(
                "INSERT INTO record_links (org_id, record_kind, record_id, rel, target)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                &[&ctx.org_id, &kind, &id, &rel.name(), target],
            )?;
        }
    }
    if let Some(tags) = &draft.tags {
        db.exec(
            "DELETE FROM record_tags WHERE record_kind = $1 AND record_id = $2",
            &[&kind, &id],
        )?;
        for name in tags {
            let tag = links::ensure_tag(db, ctx.org_id, name)?;
            db.exec(
                "INSERT INTO record_tags (record_kind, record_id, tag_id) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&kind, &id, &tag],
            )?;
        }
    }
    Ok(())
}

/// Whether `ctx` may delete `record`: an admin or its creator.
pub fn can_delete(res: &dyn Resource, ctx: &OrgCtx, record: &Record) -> bool {
    res.deletable()
        && (ctx.is_admin() || record.str("created_by") == Some(&ctx.user_id.to_string()))
}

/// `DELETE /api/<r>/{id}/`: 404 unseen, 403 seen but not the caller's to delete. Returns the
/// attachment ids whose files go once the transaction commits.
pub fn delete(
    db: &Db<'_>,
    res: &dyn Resource,
    ctx: &OrgCtx,
    id: Uuid,
) -> Result<Vec<Uuid>, ApiError> {
    let record = get(db, res, ctx, id)?;
    if !can_delete(res, ctx, &record) {
        return Err(ApiError::Forbidden(format!(
            "Only an admin or the {}'s creator may delete it.",
            res.kind().name
        )));
    }
    remove(db, res, id)
}

/// Deletes a record with its links, tags and thread, whoever asks (account deletion takes its
/// deals and cases this way). Returns the attachment ids whose files must go.
pub fn remove(db: &Db<'_>, res: &dyn Resource, id: Uuid) -> Result<Vec<Uuid>, ApiError> {
    let kind = res.kind().name;
    let thread_kind = RecordKind::parse(kind)
        .ok_or_else(|| ApiError::internal(format!("no thread kind {kind}")))?;
    let files = threads::delete_all(db, thread_kind, id)?;
    db.exec(
        "DELETE FROM record_links WHERE record_kind = $1 AND record_id = $2",
        &[&kind, &id],
    )?;
    db.exec(
        "DELETE FROM record_tags WHERE record_kind = $1 AND record_id = $2",
        &[&kind, &id],
    )?;
    res.on_remove(db, id)?;
    if kind == "contact" {
        db.exec(
            "DELETE FROM record_links WHERE rel = 'contacts' AND target = $1",
            &[&id],
        )?;
    }
    db.exec(
        &format!("DELETE FROM {} WHERE id = $1", res.table()),
        &[&id],
    )?;
    Ok(files)
}

/// The ids of `res`'s records that name `account` (deletion takes or unlinks them).
pub fn ids_of_account(
    db: &Db<'_>,
    res: &dyn Resource,
    account: Uuid,
) -> Result<Vec<Uuid>, ApiError> {
    db.rows(
        &format!("SELECT id FROM {} WHERE account_id = $1", res.table()),
        &[&account],
        |r| r.uuid(0),
    )
}

/// `GET /api/<r>/{id}/`: the record under its kind's key, its thread and what the caller may do.
pub fn detail(db: &Db<'_>, res: &dyn Resource, ctx: &OrgCtx, id: Uuid) -> Result<Value, ApiError> {
    let record = get(db, res, ctx, id)?;
    let kind = res.kind();
    let thread_kind = RecordKind::parse(kind.name)
        .ok_or_else(|| ApiError::internal(format!("no thread kind {}", kind.name)))?;
    let mut out = Map::new();
    out.insert(
        "comments".into(),
        json!(threads::comments_of(db, thread_kind, id)?),
    );
    out.insert(
        "attachments".into(),
        json!(threads::attachments_of(db, thread_kind, id)?),
    );
    out.insert("can_delete".into(), json!(can_delete(res, ctx, &record)));
    res.detail_extras(
        &At {
            db,
            ctx,
            old: Some(&record),
        },
        &mut out,
    )?;
    out.insert(kind.detail_key.into(), Value::Object(record.0));
    Ok(Value::Object(out))
}

/// Rows of `res` that name one of `ids` through `column`, as the caller may see them, newest
/// first: the related lists of an account or a contact.
pub fn related(
    db: &Db<'_>,
    res: &dyn Resource,
    ctx: &OrgCtx,
    clause: &str,
    id: Uuid,
) -> Result<Vec<Record>, ApiError> {
    let mut w = keyed_scope(db, res, ctx);
    w.push(clause, vec![boxed(id)]);
    let order = format!("{}r.{} DESC", db.pick("+", ""), res.created_column());
    let mut rows = read::select(db, res, &w, &order, i64::MAX, 0)?;
    read::hydrate(db, res, ctx.org_id, &mut rows)?;
    Ok(rows)
}
