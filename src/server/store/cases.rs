//! Support cases: status, priority and type, closing, and internal notes beside comments.

use serde_json::{Map, Value, json};

use super::db::Db;
use super::now;
use super::records::list::{self, Query};
use super::records::{At, Draft, Resource, Val};
use super::tenancy::OrgCtx;
use crate::model::kinds::{self, CASE_OPEN, CASE_PRIORITY, CASE_STATUS, CASE_TYPES};
use crate::model::record::Kind;
use crate::server::error::ApiError;

pub struct Cases;

pub static CASES: Cases = Cases;

/// Priority by severity, for `ordering=priority`.
const SEVERITY: &str = "CASE r.priority WHEN 'Low' THEN 0 WHEN 'Normal' THEN 1
     WHEN 'High' THEN 2 ELSE 3 END";

impl Resource for Cases {
    fn kind(&self) -> &'static Kind {
        &kinds::CASE
    }

    fn open_sql(&self) -> &'static str {
        "r.status IN ('New', 'Assigned', 'Pending')"
    }

    fn order_sql(&self, db: &Db<'_>, ordering: &str) -> Result<Option<String>, ApiError> {
        let (desc, name) = match ordering.strip_prefix('-') {
            Some(rest) => ("DESC", rest),
            None => ("ASC", ordering),
        };
        match name {
            "priority" => Ok(Some(format!("{SEVERITY} {desc}"))),
            // Names sort as people read them, whatever their case, on both engines.
            "name" => Ok(Some(format!(
                "{} {desc}",
                db.pick("crm_fold(r.name)", "lower(r.name)")
            ))),
            "created_at" => Ok(Some(format!("r.created_at {desc}"))),
            _ => Err(ApiError::field(
                "ordering",
                "Order by created_at, name or priority (- first to descend).",
            )),
        }
    }

    fn rules(&self, at: &At<'_, '_>, draft: &mut Draft) -> Result<(), ApiError> {
        let old = at.old;
        let kind = self.kind();
        let status = match draft.get("status") {
            Some(v) => v.as_str().unwrap_or_default().to_string(),
            None => old
                .and_then(|o| o.str("status"))
                .unwrap_or_default()
                .to_string(),
        };
        let was_closed = old.and_then(|o| o.str("status")) == Some("Closed");
        if status == "Closed" {
            if !was_closed {
                draft.set(kind, "resolved_at", Val::Stamp(Some(now())))?;
            }
            let given = matches!(draft.get("closed_on"), Some(Val::Date(Some(_))));
            let stored = was_closed && old.and_then(|o| o.str("closed_on")).is_some();
            if !given && !stored {
                draft.set(kind, "closed_on", Val::Date(Some(now().date_naive())))?;
            }
        } else {
            // Only a closed case keeps a closing date.
            draft.set(kind, "closed_on", Val::Date(None))?;
            draft.set(kind, "resolved_at", Val::Stamp(None))?;
        }
        Ok(())
    }

    fn detail_extras(
        &self,
        _at: &At<'_, '_>,
        out: &mut Map<String, Value>,
    ) -> Result<(), ApiError> {
        let all = out.remove("comments").unwrap_or(Value::Array(Vec::new()));
        let (notes, comments): (Vec<Value>, Vec<Value>) = all
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .partition(|c| c.get("is_internal") == Some(&Value::Bool(true)));
        out.insert("comments".into(), Value::Array(comments));
        out.insert("internal_notes".into(), Value::Array(notes));
        Ok(())
    }
}

/// `GET /api/cases/`: the page, and how many of the matches are open and urgent (kept counts
/// for an admin's list filtered by status and priority alone, else one pass over the matches).
pub fn list(db: &Db<'_>, ctx: &OrgCtx, q: &Query) -> Result<Value, ApiError> {
    let w = list::filters(db, &CASES, ctx, q)?;
    let (count, open_count, urgent_count) =
        if let Some(wanted) = list::kept(&CASES, ctx, q, &["status", "priority"]) {
            let rows = db.rows(
                "SELECT status, priority, n FROM case_counts WHERE org_id = $1",
                &[&ctx.org_id],
                |r| Ok((r.text(0)?, r.text(1)?, r.i64(2)?)),
            )?;
            let mut totals = (0, 0, 0);
            for (status, priority, n) in rows {
                if !wanted.has("status", &status) || !wanted.has("priority", &priority) {
                    continue;
                }
                let open = CASE_OPEN.contains(&status.as_str());
                totals.0 += n;
                totals.1 += n * i64::from(open);
                totals.2 += n * i64::from(open && priority == "Urgent");
            }
            totals
        } else {
            let open = CASE_OPEN
                .iter()
                .map(|s| format!("'{s}'"))
                .collect::<Vec<_>>()
                .join(", ");
            db.one(
            &format!(
                "SELECT count(*), {}, {} FROM cases r WHERE {}",
                list::sum_sql(
                    db,
                    &format!("CASE WHEN r.status IN ({open}) THEN 1 ELSE 0 END")
                ),
                list::sum_sql(
                    db,
                    &format!(
                        "CASE WHEN r.status IN ({open}) AND r.priority = 'Urgent' THEN 1 ELSE 0 END"
                    )
                ),
                w.sql()
            ),
            &w.refs(),
            |r| Ok((r.i64(0)?, r.i64(1)?, r.i64(2)?)),
        )?
        };
    let page = list::page_of(
        db,
        &CASES,
        ctx,
        &list::page_filters(db, &CASES, ctx, q, count)?,
        q,
        count,
    )?;
    Ok(json!({
        "cases_count": page.count,
        "offset": page.next,
        "cases": page.rows,
        "open_count": open_count,
        "urgent_count": urgent_count,
        "status": CASE_STATUS,
        "priority": CASE_PRIORITY,
        "type_of_case": CASE_TYPES,
    }))
}
