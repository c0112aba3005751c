//! `GET /api/dashboard/`: the counts a support desk opens the day with, under the role rules.

use serde_json::{Map, Value, json};

use super::db::Db;
use super::now;
use super::query::{Where, boxed};
use super::records::{self, Resource, list};
use super::tenancy::OrgCtx;
use super::{cases, contacts, leads, opportunities, tasks};
use crate::model::kinds::{self, STAGES};
use crate::server::error::ApiError;

fn count(
    db: &Db<'_>,
    res: &dyn Resource,
    ctx: &OrgCtx,
    clause: &str,
    params: Vec<Box<dyn super::Param>>,
) -> Result<i64, ApiError> {
    let mut w: Where = records::scope(res, ctx);
    if !clause.is_empty() {
        w.push(clause, params);
    }
    list::count(db, res, &w)
}

pub fn dashboard(db: &Db<'_>, ctx: &OrgCtx) -> Result<Value, ApiError> {
    let today = now().date_naive();
    let accounts = db.one(
        "SELECT count(*) FROM accounts a WHERE a.org_id = $1 AND a.status = 'open'
         AND ($2 OR a.created_by = $3
              OR a.pk IN (SELECT account_pk FROM account_assignees WHERE user_id = $3))",
        &[&ctx.org_id, &ctx.is_admin(), &ctx.user_id],
        |r| r.i64(0),
    )?;
    let live = "(r.status IS NULL OR r.status NOT IN ('converted', 'closed'))";
    let open_task = "r.status <> 'Completed'";
    let mut pipeline = Map::new();
    let mut w = records::scope(&opportunities::OPPORTUNITIES, ctx);
    w.push("1 = 1", vec![]);
    let sums = db.rows(
        &format!(
            "SELECT r.stage, count(*), {}
             FROM opportunities r WHERE {} GROUP BY r.stage",
            list::wide_sum(db, "CASE WHEN r.currency = 'USD' THEN r.amount ELSE 0 END"),
            w.sql()
        ),
        &w.refs(),
        |r| Ok((r.text(0)?, r.i64(1)?, list::join_wide(r.i64(2)?, r.i64(3)?))),
    )?;
    for (order, (stage, label)) in STAGES.iter().enumerate() {
        let (n, value) = sums
            .iter()
            .find(|(s, _, _)| s == stage)
            .map(|(_, n, v)| (*n, *v))
            .unwrap_or((0, 0));
        pipeline.insert(
            stage.to_string(),
            json!({"count": n, "value": crate::model::record::money::format_wide(value),
                   "label": label, "kind": opportunities::stage_kind(stage), "order": order}),
        );
    }
    Ok(json!({
        "accounts_count": accounts,
        "contacts_count": count(db, &contacts::CONTACTS, ctx, "", vec![])?,
        "leads_count": count(db, &leads::LEADS, ctx, live, vec![])?,
        "opportunities_count": count(db, &opportunities::OPPORTUNITIES, ctx, "", vec![])?,
        "cases_open_count": count(db, &cases::CASES, ctx, cases::CASES.open_sql(), vec![])?,
        "urgent_counts": {
            "overdue_tasks": count(db, &tasks::TASKS, ctx,
                &format!("{open_task} AND r.due_date < $?"), vec![boxed(today)])?,
            "tasks_due_today": count(db, &tasks::TASKS, ctx,
                &format!("{open_task} AND r.due_date = $?"), vec![boxed(today)])?,
            "followups_today": count(db, &leads::LEADS, ctx,
                &format!("{live} AND r.next_follow_up = $?"), vec![boxed(today)])?,
            "hot_leads": count(db, &leads::LEADS, ctx,
                "r.rating = 'HOT' AND r.status IN ('assigned', 'in process')", vec![])?,
        },
        "pipeline_by_stage": pipeline,
        "currency": "USD",
        "kinds": kinds::KINDS.iter().map(|k| k.path).collect::<Vec<_>>(),
    }))
}
