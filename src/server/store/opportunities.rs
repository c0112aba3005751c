//! Opportunities (deals): stages with their probabilities, closing won or lost, totals.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::db::Db;
use super::now;
use super::records::list::{self, Query};
use super::records::{At, Draft, Resource, Val};
use super::tenancy::OrgCtx;
use crate::model::kinds::{self, LEAD_SOURCES, STAGE_PROBABILITY, STAGES};
use crate::model::record::{Kind, Record, money};
use crate::server::error::ApiError;

pub struct Opportunities;

pub static OPPORTUNITIES: Opportunities = Opportunities;

/// `open`, `won` or `lost`.
pub fn stage_kind(stage: &str) -> &'static str {
    match stage {
        "CLOSED_WON" => "won",
        "CLOSED_LOST" => "lost",
        _ => "open",
    }
}

impl Resource for Opportunities {
    fn kind(&self) -> &'static Kind {
        &kinds::OPPORTUNITY
    }

    fn open_sql(&self) -> &'static str {
        "r.stage NOT IN ('CLOSED_WON', 'CLOSED_LOST')"
    }

    fn rules(&self, at: &At<'_, '_>, draft: &mut Draft) -> Result<(), ApiError> {
        let (ctx, old) = (at.ctx, at.old);
        let kind = self.kind();
        let old_stage = old.and_then(|o| o.str("stage"));
        // A create without a stage starts at the first one.
        let stage = match draft.get("stage") {
            Some(Val::OptText(Some(s))) => s.clone(),
            Some(_) => "PROSPECTING".to_string(),
            None => old_stage.unwrap_or("PROSPECTING").to_string(),
        };
        draft.set(kind, "stage", Val::OptText(Some(stage.clone())))?;
        if old_stage == Some(stage.as_str()) {
            return Ok(());
        }
        draft.set(kind, "stage_changed_at", Val::Stamp(Some(now())))?;
        if !draft.has("probability") {
            let i = STAGES.iter().position(|(s, _)| *s == stage).unwrap_or(0);
            draft.set(kind, "probability", Val::Int(STAGE_PROBABILITY[i]))?;
        }
        if stage_kind(&stage) == "open" {
            if old_stage.is_some_and(|s| stage_kind(s) != "open") {
                draft.set(kind, "closed_by", Val::Id(None))?;
            }
            return Ok(());
        }
        draft.set(kind, "closed_by", Val::Id(Some(ctx.user_id)))?;
        let closed_on_given = matches!(draft.get("closed_on"), Some(Val::Date(Some(_))));
        let closed_on_stored = old.and_then(|o| o.str("closed_on")).is_some();
        if !closed_on_given && !closed_on_stored {
            draft.set(kind, "closed_on", Val::Date(Some(now().date_naive())))?;
        }
        if stage == "CLOSED_WON" {
            let amount = match draft.get("amount") {
                Some(v) => !v.is_empty(),
                None => old.and_then(|o| o.str("amount")).is_some(),
            };
            if !amount {
                return Err(ApiError::field(
                    "amount",
                    "A won opportunity needs an amount.",
                ));
            }
        }
        Ok(())
    }

    fn decorate(&self, _db: &Db<'_>, rows: &mut [Record]) -> Result<(), ApiError> {
        for row in rows {
            let stage = row.str("stage").unwrap_or_default().to_string();
            row.0
                .insert("stage_label".into(), json!(kinds::label(STAGES, &stage)));
            row.0.insert("stage_kind".into(), json!(stage_kind(&stage)));
        }
        Ok(())
    }
}

/// `GET /api/opportunities/`: the page and the totals of every match, per currency.
pub fn list(db: &Db<'_>, ctx: &OrgCtx, q: &Query) -> Result<Value, ApiError> {
    let w = list::filters(db, &OPPORTUNITIES, ctx, q)?;
    let read = |r: &super::db::Row<'_>| {
        Ok((
            r.text(0)?,
            r.i64(1)?,
            list::join_wide(r.i64(2)?, r.i64(3)?),
            list::join_wide(r.i64(4)?, r.i64(5)?),
        ))
    };
    // Sums of many large amounts pass 64 bits: summed in two parts, joined here. An admin's
    // list, unfiltered or filtered by stage or open deals alone, reads the sums the triggers
    // keep per currency and stage.
    let sums = if let Some(wanted) = list::kept(&OPPORTUNITIES, ctx, q, &["stage", "open"]) {
        let only_open = wanted.yes("open");
        let rows = db.rows(
            "SELECT currency, n, amount_hi, amount_lo, weighted_hi, weighted_lo, stage
             FROM opportunity_counts WHERE org_id = $1 AND n > 0 ORDER BY currency",
            &[&ctx.org_id],
            |r| Ok((read(r)?, r.text(6)?)),
        )?;
        let mut sums: Vec<(String, i64, i128, i128)> = Vec::new();
        for ((currency, n, amount, weighted), stage) in rows {
            if !wanted.has("stage", &stage) || (only_open && stage_kind(&stage) != "open") {
                continue;
            }
            match sums.last_mut() {
                Some(last) if last.0 == currency => {
                    last.1 += n;
                    last.2 += amount;
                    last.3 += weighted;
                }
                _ => sums.push((currency, n, amount, weighted)),
            }
        }
        sums
    } else {
        db.rows(
            &format!(
                "SELECT r.currency, count(*), {}, {}
                 FROM opportunities r WHERE {} GROUP BY r.currency ORDER BY r.currency",
                list::wide_sum(db, "r.amount"),
                list::wide_sum(db, "r.amount * r.probability"),
                w.sql()
            ),
            &w.refs(),
            read,
        )?
    };
    let count = sums.iter().map(|s| s.1).sum();
    let page = list::page_of(
        db,
        &OPPORTUNITIES,
        ctx,
        &list::page_filters(db, &OPPORTUNITIES, ctx, q, count)?,
        q,
        count,
    )?;
    Ok(json!({
        "opportunities_count": page.count,
        "offset": page.next,
        "opportunities": page.rows,
        "totals": totals(&sums),
        "stage": STAGES,
        "lead_source": LEAD_SOURCES,
    }))
}

/// `{count, amount_sum, weighted_sum, by_currency}`; the top sums are null when currencies mix.
fn totals(sums: &[(String, i64, i128, i128)]) -> Value {
    let mut by = BTreeMap::new();
    for (currency, _, amount, weighted) in sums {
        by.insert(
            currency.clone(),
            json!({"amount_sum": money::format_wide(*amount),
                   "weighted_sum": money::format_wide(weighted / 100)}),
        );
    }
    let count: i64 = sums.iter().map(|s| s.1).sum();
    let (amount, weighted) = match sums {
        [] => (json!("0.00"), json!("0.00")),
        [(_, _, a, w)] => (
            json!(money::format_wide(*a)),
            json!(money::format_wide(w / 100)),
        ),
        _ => (Value::Null, Value::Null),
    };
    json!({"count": count, "amount_sum": amount, "weighted_sum": weighted, "by_currency": by})
}
