//! `GET /api/dashboard/`: the counts a support desk opens the day with, under the role rules.

use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use super::db::Db;
use super::now;
use super::query::{Where, boxed};
use super::records::{self, Resource, list};
use super::tenancy::OrgCtx;
use super::{cases, contacts, leads, opportunities, tasks};
use crate::model::kinds::{self, CASE_OPEN, STAGES};
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

/// The figures the dashboard shows, whoever asks.
struct Figures {
    accounts: i64,
    contacts: i64,
    leads: i64,
    opportunities: i64,
    cases_open: i64,
    overdue_tasks: i64,
    tasks_due_today: i64,
    /// Per stage: how many deals, and the value of those in USD.
    pipeline: Vec<(String, i64, i128)>,
}

/// Leads still being worked.
const LIVE: &str = "(r.status IS NULL OR r.status NOT IN ('converted', 'closed'))";
const OPEN_TASK: &str = "r.status <> 'Completed'";

pub fn dashboard(db: &Db<'_>, ctx: &OrgCtx) -> Result<Value, ApiError> {
    let today = now().date_naive();
    // An admin sees the whole org, whose totals the triggers keep; anyone else's are counted
    // over the records they may see.
    let f = if ctx.is_admin() {
        kept(db, ctx, today)?
    } else {
        counted(db, ctx, today)?
    };
    let mut pipeline = Map::new();
    for (order, (stage, label)) in STAGES.iter().enumerate() {
        let (n, value) = f
            .pipeline
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
    // Index ranges on both engines (the leads' follow-up and rating indexes), whoever asks.
    let followups_today = count(
        db,
        &leads::LEADS,
        ctx,
        &format!("{LIVE} AND r.next_follow_up = $?"),
        vec![boxed(today)],
    )?;
    let hot_leads = count(
        db,
        &leads::LEADS,
        ctx,
        "r.rating = 'HOT' AND r.status IN ('assigned', 'in process')",
        vec![],
    )?;
    Ok(json!({
        "accounts_count": f.accounts,
        "contacts_count": f.contacts,
        "leads_count": f.leads,
        "opportunities_count": f.opportunities,
        "cases_open_count": f.cases_open,
        "urgent_counts": {
            "overdue_tasks": f.overdue_tasks,
            "tasks_due_today": f.tasks_due_today,
            "followups_today": followups_today,
            "hot_leads": hot_leads,
        },
        "pipeline_by_stage": pipeline,
        "currency": "USD",
        "kinds": kinds::KINDS.iter().map(|k| k.path).collect::<Vec<_>>(),
    }))
}

/// The whole org's figures from the counts the triggers keep (migrations: `*_counts`).
fn kept(db: &Db<'_>, ctx: &OrgCtx, today: NaiveDate) -> Result<Figures, ApiError> {
    let org = &ctx.org_id;
    let buckets = |table: &str, key: &str| {
        db.rows(
            &format!("SELECT {key}, n FROM {table} WHERE org_id = $1"),
            &[org],
            |r| Ok((r.text(0)?, r.i64(1)?)),
        )
    };
    let sum = |rows: &[(String, i64)], wanted: &dyn Fn(&str) -> bool| -> i64 {
        rows.iter().filter(|(k, _)| wanted(k)).map(|(_, n)| n).sum()
    };
    let accounts = buckets("account_counts", "status")?;
    let contacts = db.rows(
        "SELECT n FROM contact_counts WHERE org_id = $1",
        &[org],
        |r| r.i64(0),
    )?;
    let leads = buckets("lead_counts", "status")?;
    let cases = buckets("case_counts", "status")?;
    let (today, mut overdue, mut due_today) = (today.to_string(), 0, 0);
    // Dates are kept as YYYY-MM-DD ('' for none), which sorts as the dates do.
    for (due, n) in db.rows(
        "SELECT due_date, n FROM task_counts WHERE org_id = $1 AND is_open",
        &[org],
        |r| Ok((r.text(0)?, r.i64(1)?)),
    )? {
        overdue += n * i64::from(!due.is_empty() && due < today);
        due_today += n * i64::from(due == today);
    }
    let mut pipeline: Vec<(String, i64, i128)> = Vec::new();
    for (stage, currency, n, hi, lo) in db.rows(
        "SELECT stage, currency, n, amount_hi, amount_lo FROM opportunity_counts
         WHERE org_id = $1 ORDER BY stage",
        &[org],
        |r| Ok((r.text(0)?, r.text(1)?, r.i64(2)?, r.i64(3)?, r.i64(4)?)),
    )? {
        let value = if currency == "USD" {
            list::join_wide(hi, lo)
        } else {
            0
        };
        match pipeline.last_mut() {
            Some(last) if last.0 == stage => {
                last.1 += n;
                last.2 += value;
            }
            _ => pipeline.push((stage, n, value)),
        }
    }
    Ok(Figures {
        accounts: sum(&accounts, &|s| s == "open"),
        contacts: contacts.iter().sum(),
        // '' is a lead without a status, which is live.
        leads: sum(&leads, &|s| s != "converted" && s != "closed"),
        opportunities: pipeline.iter().map(|p| p.1).sum(),
        cases_open: sum(&cases, &|s| CASE_OPEN.contains(&s)),
        overdue_tasks: overdue,
        tasks_due_today: due_today,
        pipeline,
    })
}

/// The figures of the records `ctx` may see, counted.
fn counted(db: &Db<'_>, ctx: &OrgCtx, today: NaiveDate) -> Result<Figures, ApiError> {
    let accounts = db.one(
        "SELECT count(*) FROM accounts a WHERE a.org_id = $1 AND a.status = 'open'
         AND ($2 OR a.created_by = $3
              OR a.pk IN (SELECT account_pk FROM account_assignees WHERE user_id = $3))",
        &[&ctx.org_id, &ctx.is_admin(), &ctx.user_id],
        |r| r.i64(0),
    )?;
    let mut w = records::scope(&opportunities::OPPORTUNITIES, ctx);
    w.push("1 = 1", vec![]);
    let pipeline = db.rows(
        &format!(
            "SELECT r.stage, count(*), {}
             FROM opportunities r WHERE {} GROUP BY r.stage",
            list::wide_sum(db, "CASE WHEN r.currency = 'USD' THEN r.amount ELSE 0 END"),
            w.sql()
        ),
        &w.refs(),
        |r| Ok((r.text(0)?, r.i64(1)?, list::join_wide(r.i64(2)?, r.i64(3)?))),
    )?;
    Ok(Figures {
        accounts,
        contacts: count(db, &contacts::CONTACTS, ctx, "", vec![])?,
        leads: count(db, &leads::LEADS, ctx, LIVE, vec![])?,
        opportunities: pipeline.iter().map(|p| p.1).sum(),
        cases_open: count(db, &cases::CASES, ctx, cases::CASES.open_sql(), vec![])?,
        overdue_tasks: count(
            db,
            &tasks::TASKS,
            ctx,
            &format!("{OPEN_TASK} AND r.due_date < $?"),
            vec![boxed(today)],
        )?,
        tasks_due_today: count(
            db,
            &tasks::TASKS,
            ctx,
            &format!("{OPEN_TASK} AND r.due_date = $?"),
            vec![boxed(today)],
        )?,
        pipeline,
    })
}
