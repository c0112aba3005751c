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
/// completed tasks out). An admin's list, unfiltered or filtered by open or completed status,
/// sums the counts the triggers keep per due date; otherwise one pass over the matches counts
/// them and the page.
pub fn list(db: &Db<'_>, ctx: &OrgCtx, q: &Query) -> Result<Value, ApiError> {
    let w = list::filters(db, &TASKS, ctx, q)?;
    let today = now().date_naive();
    let week = today + Duration::days(6);
    // The counts keep open tasks apart from completed ones, not New from In Progress, and the
    // due dates of open tasks only: they answer a status filter that takes both open statuses
    // or neither, and a due-date range over open tasks (the dashboard's overdue and due today).
    let (gte, lte) = ("due_date__gte", "due_date__lte");
    let kept = list::kept(&TASKS, ctx, q, &["status", gte, lte]).filter(|w| {
        w.has("status", "New") == w.has("status", "In Progress")
            && (!(w.names(gte) || w.names(lte))
                || (w.names("status") && !w.has("status", "Completed")))
    });
    let totals = if let Some(wanted) = kept {
        let (from, to) = (
            wanted.day(gte).map(|d| d.to_string()),
            wanted.day(lte).map(|d| d.to_string()),
        );
        let rows = db.rows(
            "SELECT is_open, due_date, unassigned, n FROM task_counts WHERE org_id = $1",
            &[&ctx.org_id],
            |r| Ok((r.bool(0)?, r.text(1)?, r.bool(2)?, r.i64(3)?)),
        )?;
        // Dates are kept as YYYY-MM-DD, which sorts as the dates do.
        let (today, week) = (today.to_string(), week.to_string());
        let mut t = Totals::default();
        for (open, due, unassigned, n) in rows {
            if !wanted.has("status", if open { "New" } else { "Completed" }) {
                continue;
            }
            let dated = !due.is_empty();
            if from.as_ref().is_some_and(|f| !dated || due < *f)
                || to.as_ref().is_some_and(|t| !dated || due > *t)
            {
                continue;
            }
            t.count += n;
            if !open {
                continue;
            }
            t.open += n;
            t.overdue += n * i64::from(dated && due < today);
            t.due_today += n * i64::from(due == today);
            t.due_this_week += n * i64::from(dated && due >= today && due <= week);
            t.no_due_date += n * i64::from(!dated);
            t.unassigned += n * i64::from(unassigned);
        }
        t
    } else {
        let n = w.next();
        let mut refs = w.refs();
        refs.push(&today);
        refs.push(&week);
        let open = "r.status <> 'Completed'";
        let sum = |cond: &str| {
            list::sum_sql(
                db,
                &format!("CASE WHEN {open} AND {cond} THEN 1 ELSE 0 END"),
            )
        };
        db.one(
            &format!(
                "SELECT count(*), {}, {}, {}, {}, {}, {} FROM tasks r WHERE {}",
                sum("1 = 1"),
                sum(&format!("r.due_date < ${n}")),
                sum(&format!("r.due_date = ${n}")),
                sum(&format!("r.due_date >= ${n} AND r.due_date <= ${}", n + 1)),
                sum("r.due_date IS NULL"),
                // Kept from `record_links` by triggers: no lookup per task.
                sum("r.assignees = 0"),
                w.sql()
            ),
            &refs,
            |r| {
                Ok(Totals {
                    count: r.i64(0)?,
                    open: r.i64(1)?,
                    overdue: r.i64(2)?,
                    due_today: r.i64(3)?,
                    due_this_week: r.i64(4)?,
                    no_due_date: r.i64(5)?,
                    unassigned: r.i64(6)?,
                })
            },
        )?
    };
    let page = list::page_of(
        db,
        &TASKS,
        ctx,
        &list::page_filters(db, &TASKS, ctx, q, totals.count)?,
        q,
        totals.count,
    )?;
    Ok(json!({
        "tasks_count": page.count,
        "offset": page.next,
        "tasks": page.rows,
        "totals": totals,
        "status": TASK_STATUS,
        "priority": TASK_PRIORITY,
    }))
}

/// The `totals` of a task list.
#[derive(Debug, Default, serde::Serialize)]
struct Totals {
    count: i64,
    open: i64,
    overdue: i64,
    due_today: i64,
    due_this_week: i64,
    no_due_date: i64,
    unassigned: i64,
}
