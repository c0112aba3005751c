//! Leads, and their conversion into an account, a contact and a deal.

use serde_json::{Value, json};
use uuid::Uuid;

use super::accounts::{self, AccountFields};
use super::db::Db;
use super::query::boxed;
use super::records::list::{self, Query};
use super::records::{self, At, Draft, Resource, Val, input};
use super::tenancy::OrgCtx;
use super::{fold, links, now};
use crate::model::AccountStatus;
use crate::model::kinds::{self, LEAD_SOURCES, LEAD_STATUS};
use crate::model::record::{Kind, money};
use crate::server::error::ApiError;

pub struct Leads;

pub static LEADS: Leads = Leads;

/// "First Last", else the email: how a lead is named in links.
const NAME_SQL: &str = "CASE WHEN trim(r.first_name || ' ' || r.last_name) <> ''
     THEN trim(r.first_name || ' ' || r.last_name) ELSE r.email END";

impl Resource for Leads {
    fn kind(&self) -> &'static Kind {
        &kinds::LEAD
    }

    fn name_sql(&self) -> &'static str {
        NAME_SQL
    }

    fn open_sql(&self) -> &'static str {
        "(r.status IS NULL OR r.status <> 'closed')"
    }

    fn listed_sql(&self) -> Option<&'static str> {
        Some("(r.status IS NULL OR r.status <> 'converted')")
    }

    fn rules(&self, at: &At<'_, '_>, draft: &mut Draft) -> Result<(), ApiError> {
        let old = at.old;
        let value = |name: &str| -> String {
            match draft.get(name) {
                Some(v) => v.as_str().unwrap_or_default().to_string(),
                None => old
                    .and_then(|o| o.str(name))
                    .unwrap_or_default()
                    .to_string(),
            }
        };
        let named = ["title", "first_name", "last_name", "company_name", "email"]
            .iter()
            .any(|f| !value(f).is_empty());
        if !named {
            return Err(ApiError::field(
                "title",
                "Give the lead a title, a name, a company or an email.",
            ));
        }
        if old.and_then(|o| o.str("status")) == Some("converted") && draft.has("status") {
            return Err(ApiError::field("status", "This lead is already converted."));
        }
        Ok(())
    }
}

/// `GET /api/leads/`: open and closed halves, each counted and paged alone. The counts are
/// kept ones for an admin's list, unfiltered or filtered by status alone, else one pass over
/// the matches.
pub fn list(db: &Db<'_>, ctx: &OrgCtx, q: &Query) -> Result<Value, ApiError> {
    let w = list::filters(db, &LEADS, ctx, q)?;
    let (open, closed) = if let Some(wanted) = list::kept(&LEADS, ctx, q, &["status"]) {
        let rows = db.rows(
            "SELECT status, n FROM lead_counts WHERE org_id = $1",
            &[&ctx.org_id],
            |r| Ok((r.text(0)?, r.i64(1)?)),
        )?;
        // '' is a lead without a status, which no status filter takes.
        let sum = |half: &dyn Fn(&str) -> bool| -> i64 {
            rows.iter()
                .filter(|(s, _)| half(s) && wanted.has("status", s))
                .map(|(_, n)| n)
                .sum()
        };
        (
            sum(&|s| s != "closed" && s != "converted"),
            sum(&|s| s == "closed"),
        )
    } else {
        db.one(
            &format!(
                "SELECT {}, {} FROM leads r WHERE {}",
                list::sum_sql(
                    db,
                    &format!("CASE WHEN {} THEN 1 ELSE 0 END", LEADS.open_sql())
                ),
                list::sum_sql(db, "CASE WHEN r.status = 'closed' THEN 1 ELSE 0 END"),
                w.sql()
            ),
            &w.refs(),
            |r| Ok((r.i64(0)?, r.i64(1)?)),
        )?
    };
    let mut halves = Vec::new();
    for (is_closed, count) in [(false, open), (true, closed)] {
        let mut w = list::page_filters(db, &LEADS, ctx, q, count)?;
        if is_closed {
            w.push("r.status = $?", vec![boxed("closed")]);
        } else {
            w.push(LEADS.open_sql(), vec![]);
        }
        halves.push(list::page_of(db, &LEADS, ctx, &w, q, count)?);
    }
    let closed = halves.pop();
    let open = halves.pop();
    let half = |key: &str, page: Option<list::Page>| {
        let page = page.unwrap_or(list::Page {
            count: 0,
            rows: Vec::new(),
            next: None,
        });
        json!({"leads_count": page.count, key: page.rows, "offset": page.next})
    };
    Ok(json!({
        "open_leads": half("open_leads", open),
        "close_leads": half("close_leads", closed),
        "status": LEAD_STATUS,
        "source": LEAD_SOURCES,
    }))
}

/// What a conversion made or found.
pub struct Converted {
    pub account: Uuid,
    pub contact: Option<Uuid>,
    pub opportunity: Option<Uuid>,
}

/// Creates (`id` none) or updates a lead; a body that converts it saves its other keys, then
/// converts, all in the caller's transaction.
pub fn write(
    db: &Db<'_>,
    ctx: &OrgCtx,
    id: Option<Uuid>,
    body: &Value,
) -> Result<(Uuid, Option<Converted>), ApiError> {
    let mut draft = input::parse(&kinds::LEAD, body, id.is_none())?;
    let converting = draft.get("status").and_then(Val::as_str) == Some("converted")
        || body.get("is_converted") == Some(&Value::Bool(true));
    if converting {
        if let Some(old) = id.map(|id| records::get(db, &LEADS, ctx, id)).transpose()?
            && old.str("status") == Some("converted")
        {
            return Err(ApiError::field("status", "This lead is already converted."));
        }
        draft.remove("status");
    }
    let id = match id {
        Some(id) => {
            records::update(db, &LEADS, ctx, id, draft)?;
            id
        }
        None => records::create(db, &LEADS, ctx, draft)?,
    };
    let converted = if converting {
        Some(convert(db, ctx, id)?)
    } else {
        None
    };
    Ok((id, converted))
}

/// The contract's five steps, in order; any failure leaves the transaction to roll back.
fn convert(db: &Db<'_>, ctx: &OrgCtx, id: Uuid) -> Result<Converted, ApiError> {
    let lead = records::get(db, &LEADS, ctx, id)?;
    let text = |k: &str| lead.str(k).unwrap_or_default().to_string();
    let email = text("email");
    if email.is_empty() {
        return Err(ApiError::field(
            "email",
            "A lead needs an email to be converted.",
        ));
    }
    let person = format!("{} {}", text("first_name"), text("last_name"))
        .trim()
        .to_string();
    let company = text("company_name");
    let ids = |k: &str| -> Vec<Uuid> {
        lead.get(k)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().or_else(|| v.get("id").and_then(Value::as_str)))
                    .filter_map(|s| Uuid::parse_str(s).ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    let tags: Vec<String> = lead
        .get("tags")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();

    // 1. The account named by the company (or the person), else a new one from the lead.
    let account_name = [company.as_str(), person.as_str(), email.as_str()]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or_default()
        .to_string();
    let found = db.opt(
        "SELECT id, pk FROM accounts WHERE org_id = $1 AND name_key = $2",
        &[&ctx.org_id, &fold(&account_name)],
        |r| Ok((r.uuid(0)?, r.i64(1)?)),
    )?;
    let (account, pk) = match found {
        Some((account, pk)) => {
            if !records::can_open(db, ctx, "account", account)? {
                return Err(ApiError::field(
                    "status",
                    format!("The account '{account_name}' exists and you cannot open it."),
                ));
            }
            (account, pk)
        }
        None => {
            let fields = AccountFields {
                name: account_name.clone(),
                email: email.clone(),
                phone: text("phone"),
                industry: text("industry"),
                description: text("description"),
                website: text("website"),
                status: AccountStatus::Open,
                billing_address_line: text("address_line"),
                billing_street: String::new(),
                billing_city: text("city"),
                billing_state: text("state"),
                billing_postcode: text("postcode"),
                billing_country: text("country"),
            };
            let account = Uuid::new_v4();
            let pk =
                accounts::insert_row(db, ctx.org_id, account, Some(ctx.user_id), &fields, &now())?;
            (account, pk)
        }
    };

    // 2. The account gains the lead's people, teams, tags, visible contacts and thread.
    let mut contacts = Vec::new();
    for c in ids("contacts") {
        if records::can_open(db, ctx, "contact", c)? {
            contacts.push(c);
        }
    }
    for (table, column, list) in [
        ("account_assignees", "user_id", ids("assigned_to")),
        ("account_teams", "team_id", ids("teams")),
        ("account_contacts", "contact_id", contacts.clone()),
    ] {
        for target in list {
            db.exec(
                &format!(
                    "INSERT INTO {table} (account_pk, {column}) VALUES ($1, $2)
                     ON CONFLICT DO NOTHING"
                ),
                &[&pk, &target],
            )?;
        }
    }
    for tag in &tags {
        let tag = links::ensure_tag(db, ctx.org_id, tag)?;
        db.exec(
            "INSERT INTO account_tags (account_pk, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&pk, &tag],
        )?;
    }
    for table in ["comments", "attachments"] {
        db.exec(
            &format!(
                "UPDATE {table} SET record_kind = 'account', record_id = $2
                 WHERE record_kind = 'lead' AND record_id = $1"
            ),
            &[&id, &account],
        )?;
    }

    // 3. The contact with the lead's email if the caller may open it, else a new one.
    let existing = db.opt(
        db.pick(
            "SELECT id, account_id FROM contacts WHERE org_id = $1 AND crm_fold(email) = $2",
            "SELECT id, account_id FROM contacts WHERE org_id = $1 AND lower(email) = $2",
        ),
        &[&ctx.org_id, &fold(&email)],
        |r| Ok((r.uuid(0)?, r.opt_uuid(1)?)),
    )?;
    let contact = match existing {
        Some((c, primary)) if records::can_open(db, ctx, "contact", c)? => {
            if primary.is_none() {
                db.exec(
                    "UPDATE contacts SET account_id = $2 WHERE id = $1",
                    &[&c, &account],
                )?;
                super::contacts::refresh_json(db, c)?;
            }
            db.exec(
                "INSERT INTO account_contacts (account_pk, contact_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
                &[&pk, &c],
            )?;
            c
        }
        _ => {
            let local = email.split('@').next().unwrap_or_default().to_string();
            let body = json!({
                "first_name": if text("first_name").is_empty() { local } else { text("first_name") },
                "last_name": if text("last_name").is_empty() { "-".to_string() } else { text("last_name") },
                "email": if existing.is_some() { String::new() } else { email.clone() },
                "phone": text("phone"),
                "organization": company,
                "title": text("job_title"),
                "address_line": text("address_line"),
                "city": text("city"),
                "state": text("state"),
                "postcode": text("postcode"),
                "country": text("country"),
                "source": lead.get("source"),
                "account": account,
                "assigned_to": ids("assigned_to"),
            });
            let draft = input::parse(&kinds::CONTACT, &body, true)?;
            records::create(db, &super::contacts::CONTACTS, ctx, draft)?
        }
    };
    links::refresh_link_copies(db, pk)?;

    // 4. A deal, when the lead has an amount, a first name or a company.
    let amount = lead.str("opportunity_amount").and_then(money::parse);
    let opportunity = if amount.is_some() || !text("first_name").is_empty() || !company.is_empty() {
        let base = match (company.is_empty(), person.is_empty()) {
            (false, false) => format!("{company} - {person}"),
            (false, true) => company.clone(),
            _ => person.clone(),
        };
        let name = free_deal_name(db, ctx.org_id, &base)?;
        let probability = match lead.get("probability").and_then(Value::as_i64) {
            Some(p) if p > 0 => p,
            _ => 25,
        };
        let mut deal_contacts = contacts.clone();
        if !deal_contacts.contains(&contact) {
            deal_contacts.push(contact);
        }
        let body = json!({
            "name": name,
            "account": account,
            "stage": "QUALIFICATION",
            "amount": lead.get("opportunity_amount"),
            "currency": lead.get("currency"),
            "probability": probability,
            "closed_on": lead.get("close_date"),
            "lead_source": lead.get("source"),
            "assigned_to": ids("assigned_to"),
            "teams": ids("teams"),
            "tags": tags,
            "contacts": deal_contacts,
        });
        let draft = input::parse(&kinds::OPPORTUNITY, &body, true)?;
        Some(records::create(
            db,
            &super::opportunities::OPPORTUNITIES,
            ctx,
            draft,
        )?)
    } else {
        None
    };

    // 5. The lead is converted.
    db.exec(
        "UPDATE leads SET status = 'converted', updated_at = $2 WHERE id = $1",
        &[&id, &now()],
    )?;
    Ok(Converted {
        account,
        contact: Some(contact),
        opportunity,
    })
}

/// `base`, or `base (2)`, `base (3)`… whichever no deal of the org has (any case).
fn free_deal_name(db: &Db<'_>, org: Uuid, base: &str) -> Result<String, ApiError> {
    let taken = |name: &str| -> Result<bool, ApiError> {
        Ok(db
            .opt(
                db.pick(
                    "SELECT 1 FROM opportunities WHERE org_id = $1 AND crm_fold(name) = $2",
                    "SELECT 1 FROM opportunities WHERE org_id = $1 AND lower(name) = $2",
                ),
                &[&org, &fold(name)],
                |_| Ok(()),
            )?
            .is_some())
    };
    if !taken(base)? {
        return Ok(base.to_string());
    }
    for n in 2..1000 {
        let name = format!("{base} ({n})");
        if !taken(&name)? {
            return Ok(name);
        }
    }
    Ok(format!("{base} ({})", Uuid::new_v4()))
}

/// The answer to a write: the lead, plus what a conversion made.
pub fn answer(
    db: &Db<'_>,
    ctx: &OrgCtx,
    id: Uuid,
    converted: Option<Converted>,
) -> Result<Value, ApiError> {
    // Read without the caller's scope: a USER who took themself off may no longer see it.
    let admin = OrgCtx {
        role: crate::model::Role::Admin,
        ..*ctx
    };
    let mut lead = records::get(db, &LEADS, &admin, id)?;
    if let Some(c) = converted {
        lead.0.insert("account_id".into(), json!(c.account));
        lead.0.insert("contact_id".into(), json!(c.contact));
        lead.0.insert("opportunity_id".into(), json!(c.opportunity));
    }
    Ok(Value::Object(lead.0))
}
