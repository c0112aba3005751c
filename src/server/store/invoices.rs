//! Invoices: read, and moved through their states by `send/`, `mark-paid/` and `cancel/`.
//! The API neither creates nor edits them (seed-demo makes them).

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::db::Db;
use super::now;
use super::query::{Where, boxed, in_list};
use super::records::list::{self, Query};
use super::records::{self, Resource, read};
use super::tenancy::OrgCtx;
use crate::model::kinds::{self, INVOICE_STATUS, PAYMENT_METHODS};
use crate::model::record::{Kind, Record, money, parse_date};
use crate::server::error::ApiError;
use crate::server::validate::Errors;

pub struct Invoices;

pub static INVOICES: Invoices = Invoices;

/// The states in which money is still owed; past its due date such an invoice reads `Overdue`.
const OWING: &str = "('Sent', 'Viewed', 'Partially_Paid', 'Pending')";
/// [`OWING`]'s statuses.
const OWING_STATUSES: [&str; 4] = ["Sent", "Viewed", "Partially_Paid", "Pending"];

impl Resource for Invoices {
    fn kind(&self) -> &'static Kind {
        &kinds::INVOICE
    }

    fn name_sql(&self) -> &'static str {
        "r.invoice_number"
    }

    fn deletable(&self) -> bool {
        false
    }

    fn filter(
        &self,
        db: &Db<'_>,
        w: &mut Where,
        param: &str,
        values: &[String],
    ) -> Result<bool, ApiError> {
        if param != "status" {
            return Ok(false);
        }
        for v in values {
            if !INVOICE_STATUS.iter().any(|(s, _)| s == v) {
                return Err(ApiError::field(
                    "status",
                    format!("'{v}' is not a valid choice."),
                ));
            }
        }
        // `Overdue` is derived, so the status shown is what the filter matches.
        w.push(
            &format!(
                "(CASE WHEN r.status IN {OWING} AND r.due_date < $? THEN 'Overdue'
                  ELSE r.status END) {}",
                in_list(db)
            ),
            vec![
                boxed(now().date_naive()),
                boxed(super::List(values.to_vec())),
            ],
        );
        Ok(true)
    }

    fn order_sql(&self, _db: &Db<'_>, ordering: &str) -> Result<Option<String>, ApiError> {
        list::simple_order(
            ordering,
            &["created_at", "due_date", "issue_date", "total_amount", "status"],
            "created_at",
        )
        .map(Some)
        .ok_or_else(|| {
            ApiError::field(
                "sort",
                "Sort by created_at, due_date, issue_date, total_amount or status (- first to descend).",
            )
        })
    }

    fn decorate(&self, db: &Db<'_>, rows: &mut [Record]) -> Result<(), ApiError> {
        let ids = |key: &str| -> Vec<Uuid> {
            rows.iter()
                .filter_map(|r| r.str(key).and_then(|s| Uuid::parse_str(s).ok()))
                .collect()
        };
        let accounts = read::names_of(db, "account", &ids("account"))?;
        let contacts = read::names_of(db, "contact", &ids("contact"))?;
        let today = now().date_naive();
        for row in rows.iter_mut() {
            let cents = |k: &str| row.str(k).and_then(money::parse).unwrap_or(0);
            let due = cents("total_amount") - cents("amount_paid");
            let owing = matches!(
                row.str("status"),
                Some("Sent" | "Viewed" | "Partially_Paid" | "Pending")
            );
            let late = row
                .str("due_date")
                .and_then(parse_date)
                .is_some_and(|d| d < today);
            let name = |map: &std::collections::HashMap<Uuid, String>, k: &str| {
                row.str(k)
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .and_then(|id| map.get(&id).cloned())
            };
            let account_name = name(&accounts, "account");
            let contact_name = name(&contacts, "contact");
            row.0.insert("amount_due".into(), json!(money::format(due)));
            row.0.insert("is_overdue".into(), json!(owing && late));
            if owing && late {
                row.0.insert("status".into(), json!("Overdue"));
            }
            row.0.insert("account_name".into(), json!(account_name));
            row.0.insert("contact_name".into(), json!(contact_name));
        }
        Ok(())
    }
}

/// `GET /api/invoices/`: 1.x's DRF page. `next`/`previous` are the neighbouring pages' query
/// strings on the same path.
pub fn list(db: &Db<'_>, ctx: &OrgCtx, q: &Query) -> Result<Value, ApiError> {
    let w = list::filters(db, &INVOICES, ctx, q)?;
    // An owing invoice past its due date shows (and filters) as `Overdue`, which its stored
    // status does not tell: the kept counts per stored status answer a status filter that
    // takes each owing status together with `Overdue`, or neither (the unpaid tab does).
    let kept = list::kept(&INVOICES, ctx, q, &["status"]).filter(|w| {
        OWING_STATUSES
            .iter()
            .all(|s| w.has("status", s) == w.has("status", "Overdue"))
    });
    let count = if let Some(wanted) = kept {
        db.rows(
            "SELECT status, n FROM invoice_counts WHERE org_id = $1",
            &[&ctx.org_id],
            |r| Ok((r.text(0)?, r.i64(1)?)),
        )?
        .into_iter()
        .filter(|(status, _)| wanted.has("status", status))
        .map(|(_, n)| n)
        .sum()
    } else {
        list::count(db, &INVOICES, &w)?
    };
    let w = list::page_filters(db, &INVOICES, ctx, q, count)?;
    let page = list::page_of(db, &INVOICES, ctx, &w, q, count)?;
    let link = |offset: i64| format!("/api/invoices/?limit={}&offset={offset}", q.limit);
    let previous = (q.offset > 0).then(|| link((q.offset - q.limit).max(0)));
    Ok(json!({
        "count": page.count,
        "next": page.next.map(link),
        "previous": previous,
        "results": page.rows,
    }))
}

/// `GET /api/invoices/{id}/`: `{invoice, comments, attachments}`, the invoice with its lines
/// and payments.
pub fn detail(db: &Db<'_>, ctx: &OrgCtx, id: Uuid) -> Result<Value, ApiError> {
    let mut out = records::detail(db, &INVOICES, ctx, id)?;
    if let Some(invoice) = out.get_mut("invoice").and_then(Value::as_object_mut) {
        add_lines(db, id, invoice)?;
    }
    Ok(out)
}

fn add_lines(db: &Db<'_>, id: Uuid, invoice: &mut Map<String, Value>) -> Result<(), ApiError> {
    let lines = db.one(
        "SELECT line_items FROM invoices WHERE id = $1",
        &[&id],
        |r| r.text(0),
    )?;
    invoice.insert(
        "line_items".into(),
        serde_json::from_str(&lines).unwrap_or(Value::Array(Vec::new())),
    );
    let payments = db.rows(
        "SELECT id, amount, payment_method, payment_date, reference_number, notes, created_at
         FROM invoice_payments WHERE invoice_id = $1 ORDER BY created_at, seq",
        &[&id],
        |r| {
            Ok(json!({
                "id": r.uuid(0)?, "amount": money::format(r.i64(1)?),
                "payment_method": r.text(2)?,
                "payment_date": r.date(3)?.map(|d| d.format("%Y-%m-%d").to_string()),
                "reference_number": r.text(4)?, "notes": r.text(5)?,
                "created_at": crate::model::timestamp::format(&r.ts(6)?),
            }))
        },
    )?;
    invoice.insert("payments".into(), Value::Array(payments));
    Ok(())
}

/// The stored state of a visible invoice: `(status, total, paid)`.
fn state(db: &Db<'_>, ctx: &OrgCtx, id: Uuid) -> Result<(String, i64, i64), ApiError> {
    records::get(db, &INVOICES, ctx, id)?;
    db.one(
        "SELECT status, total_amount, amount_paid FROM invoices WHERE id = $1",
        &[&id],
        |r| Ok((r.text(0)?, r.i64(1)?, r.i64(2)?)),
    )
}

fn refuse(status: &str, action: &str) -> ApiError {
    ApiError::field(
        "status",
        format!("A {} invoice cannot be {action}.", status.to_lowercase()),
    )
}

/// An action's answer: `{"invoice": …}`.
fn answer(db: &Db<'_>, ctx: &OrgCtx, id: Uuid) -> Result<Value, ApiError> {
    let mut invoice = records::get(db, &INVOICES, ctx, id)?;
    add_lines(db, id, &mut invoice.0)?;
    Ok(json!({"invoice": invoice.0}))
}

/// `send/`: a draft becomes `Sent`. Nothing is mailed.
pub fn send(db: &Db<'_>, ctx: &OrgCtx, id: Uuid) -> Result<Value, ApiError> {
    let (status, _, _) = state(db, ctx, id)?;
    if status != "Draft" {
        return Err(refuse(&status, "sent (only a draft can)"));
    }
    let at = now();
    db.exec(
        "UPDATE invoices SET status = 'Sent', sent_at = $2, updated_at = $2 WHERE id = $1",
        &[&id, &at],
    )?;
    answer(db, ctx, id)
}

/// `cancel/`.
pub fn cancel(db: &Db<'_>, ctx: &OrgCtx, id: Uuid) -> Result<Value, ApiError> {
    let (status, _, _) = state(db, ctx, id)?;
    if matches!(status.as_str(), "Paid" | "Cancelled") {
        return Err(refuse(&status, "cancelled"));
    }
    let at = now();
    db.exec(
        "UPDATE invoices SET status = 'Cancelled', cancelled_at = $2, updated_at = $2
         WHERE id = $1",
        &[&id, &at],
    )?;
    answer(db, ctx, id)
}

/// `mark-paid/`: records a payment; `Paid` once nothing is due, else `Partially_Paid`.
pub fn mark_paid(db: &Db<'_>, ctx: &OrgCtx, id: Uuid, body: &Value) -> Result<Value, ApiError> {
    let (status, total, paid) = state(db, ctx, id)?;
    if matches!(status.as_str(), "Paid" | "Cancelled") {
        return Err(refuse(&status, "paid"));
    }
    let due = total - paid;
    let mut errors = Errors::default();
    let field = |k: &str| body.get(k).filter(|v| !v.is_null());
    let amount = match field("amount") {
        None => due,
        Some(v) => {
            let raw = v
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| v.to_string());
            match money::parse(&raw) {
                Some(c) if c > 0 && c <= due => c,
                Some(_) => {
                    errors.add(
                        "amount",
                        format!("Must be more than 0 and at most {}.", money::format(due)),
                    );
                    0
                }
                None => {
                    errors.add("amount", "Enter an amount such as 1200.50.");
                    0
                }
            }
        }
    };
    if due <= 0 {
        errors.add("amount", "Nothing is due on this invoice.");
    }
    let method = match field("payment_method").map(|v| v.as_str()) {
        None => "OTHER".to_string(),
        Some(Some(m)) if PAYMENT_METHODS.iter().any(|(v, _)| *v == m) => m.to_string(),
        Some(_) => {
            let all: Vec<&str> = PAYMENT_METHODS.iter().map(|(v, _)| *v).collect();
            errors.add(
                "payment_method",
                format!("Choose one of: {}.", all.join(", ")),
            );
            String::new()
        }
    };
    let day = match field("payment_date").map(|v| v.as_str().and_then(parse_date)) {
        None => now().date_naive(),
        Some(Some(d)) => d,
        Some(None) => {
            errors.add("payment_date", "Enter a date as YYYY-MM-DD.");
            now().date_naive()
        }
    };
    let text = |k: &str, errors: &mut Errors| match field(k) {
        None => String::new(),
        Some(Value::String(s)) => {
            errors.max_len(k, s, 255);
            s.trim().to_string()
        }
        Some(_) => {
            errors.add(k, "Must be a string.");
            String::new()
        }
    };
    let reference = text("reference_number", &mut errors);
    let notes = text("notes", &mut errors);
    errors.finish()?;
    let at = now();
    db.exec(
        "INSERT INTO invoice_payments (id, invoice_id, amount, payment_method, payment_date,
                                       reference_number, notes, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &Uuid::new_v4(),
            &id,
            &amount,
            &method,
            &day,
            &reference,
            &notes,
            &at,
            &ctx.user_id,
        ],
    )?;
    let paid = paid + amount;
    let (status, paid_at) = if paid >= total {
        ("Paid", Some(at))
    } else {
        ("Partially_Paid", None)
    };
    db.exec(
        "UPDATE invoices SET amount_paid = $2, status = $3, paid_at = $4, updated_at = $5
         WHERE id = $1",
        &[&id, &paid, &status, &paid_at, &at],
    )?;
    answer(db, ctx, id)
}
