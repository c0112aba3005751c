//! Tasks: one parent at most, completion, and the due-date totals.

use chrono::Duration;
use serde_json::{Value, json};

use super::db::Db;
use super::now;
use super::records::list::{self, Query};
use super::records::{At, Draft, Resource};
use super::tenancy::OrgCtx;
use crate::model::kinds::{self, TASK_PRIORITY, TASK_STATUS};
use crate::model::record::Kind;
use crate::server::error::ApiError;

pub struct Tasks;

pub static TASKS: Tasks = Tasks;

/// The fields of which a task names one at most.
const PARENTS: &[&str] = &["account", "opportunity", "case", "lead"];

impl Resource for Tasks {
    fn kind(&self) -> &'static Kind {
        &kinds::TASK
    }

    fn name_sql(&self) -> &'static str {
        "r.title"
    }

    fn open_sql(&self) -> &'static str {
        "r.status <> 'Completed'"
    }

    fn rules(&self, at: &At<'_, '_>, draft: &mut Draft) -> Result<(), ApiError> {
        let old = at.old;
        let parents = PARENTS
            .iter()
            .filter(|p| match draft.get(p) {
                Some(v) => !v.is_empty(),
                None => old.is_some_and(|o| !o.get(p).is_none_or(Value::is_null)),
            })
            .count();
        if parents > 1 {
            return Err(ApiError::field(
                "account",
                "A task has one parent at most: an account, an opportunity, a case or a lead.",
            ));
        }
        Ok(())
    }
}

/// `GET /api/tasks/`: the page and the due-date totals of the matches (all but `count` leave
/// completed tasks out).
pub fn list(db: &Db<'_>, ctx: &OrgCtx, q: &Query) -> Result<Value, ApiError> {
    let w = list::filters(db, &TASKS, ctx, q)?;
    let page = list::page(db, &TASKS, ctx, &w, q)?;
    let today = now().date_naive();
    let week = today + Duration::days(6);
    let n = w.next();
    let mut refs = w.refs();
    refs.push(&today);
    refs.push(&week);
    let open = "r.status <> 'Completed'";
    let sum =
        |cond: &str| format!("coalesce(sum(CASE WHEN {open} AND {cond} THEN 1 ELSE 0 END), 0)");
    let unassigned = "NOT EXISTS (SELECT 1 FROM record_links l WHERE l.record_kind = 'task'
                      AND l.record_id = r.id AND l.rel = 'assigned_to')";
    let row = db.one(
        &format!(
            "SELECT count(*), {}, {}, {}, {}, {}, {} FROM tasks r WHERE {}",
            sum("1 = 1"),
            sum(&format!("r.due_date < ${n}")),
            sum(&format!("r.due_date = ${n}")),
            sum(&format!("r.due_date >= ${n} AND r.due_date <= ${}", n + 1)),
            sum("r.due_date IS NULL"),
            sum(unassigned),
            w.sql()
        ),
        &refs,
        |r| {
            Ok(json!({
                "count": r.i64(0)?, "open": r.i64(1)?, "overdue": r.i64(2)?,
                "due_today": r.i64(3)?, "due_this_week": r.i64(4)?,
                "no_due_date": r.i64(5)?, "unassigned": r.i64(6)?,
            }))
        },
    )?;
    Ok(json!({
        "tasks_count": page.count,
        "offset": page.next,
        "tasks": page.rows,
        "totals": row,
        "status": TASK_STATUS,
        "priority": TASK_PRIORITY,
    }))
}
