//! Fixtures shared by the TUI tests: an app with data, without a terminal or a server.
#![allow(dead_code)]

use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use crmtui::model::record::{Record, RecordDetail, RecordPage};
use crmtui::model::{AccountDetail, AccountList, Dashboard};
use crmtui::tui::app::App;
use crmtui::tui::keymap::Keymap;
use crmtui::tui::msg::{Cmd, Msg, Ready, Request};
use crmtui::tui::msg::{DashboardData, UrgentList};
use crmtui::tui::records::ViewId;
use crmtui::tui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;
use uuid::Uuid;

pub const ORG: Uuid = Uuid::from_u128(0xAAAA);
pub const ME: Uuid = Uuid::from_u128(0xBBBB);
pub const ANA: Uuid = Uuid::from_u128(0xCCCC);

pub fn clock() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0)
        .single()
        .expect("time")
}

pub fn account_id(i: usize) -> Uuid {
    Uuid::from_u128(0x1000_0000 + i as u128)
}

const CITIES: &[&str] = &["New York", "Chicago", "Austin", "東京", "Zürich"];
const INDUSTRIES: &[&str] = &["TECHNOLOGY", "MANUFACTURING", "FOOD & BEVERAGE", "BANKING"];

pub fn account_json(i: usize, closed: bool) -> serde_json::Value {
    json!({
        "id": account_id(i).to_string(),
        "name": format!("Account {i:05}"),
        "email": format!("contact{i}@example.com"),
        "phone": "+1 555 0100",
        "industry": INDUSTRIES[i % INDUSTRIES.len()],
        "website": "https://example.com",
        "status": if closed { "closed" } else { "open" },
        "billing_address_line": "123 Business St",
        "billing_city": CITIES[i % CITIES.len()],
        "billing_state": "NY",
        "billing_postcode": "10001",
        "billing_country": "USA",
        "created_on": "2026-01-15T10:30:00Z",
        "created_by": ME.to_string(),
        "org": ORG.to_string(),
        "assigned_to": [ANA.to_string()],
        "tags": ["enterprise", "technology"],
    })
}

/// A page of `n` rows from `offset`, with the given totals.
pub fn page(offset: usize, n: usize, open_total: i64, closed_total: i64) -> Box<AccountList> {
    let rows: Vec<_> = (offset..offset + n)
        .map(|i| account_json(i, false))
        .collect();
    let v = json!({
        "open_accounts": rows,
        "closed_accounts": [],
        "accounts_count": open_total + closed_total,
        "open_accounts_count": open_total,
        "closed_accounts_count": closed_total,
        "users": [
            {"id": ME.to_string(), "email": "you@localhost", "role": "ADMIN"},
            {"id": ANA.to_string(), "email": "ana@example.com", "role": "USER"}
        ],
    });
    Box::new(serde_json::from_value(v).expect("list"))
}

pub fn detail(i: usize) -> Box<AccountDetail> {
    let mut obj = account_json(i, false);
    obj["description"] = json!("Leading technology company.\nSecond line\twith a tab.");
    let v = json!({
        "account_obj": obj,
        "contacts": [{"id": crm_id(ViewId::Contacts, 1).to_string(), "first_name": "Jane", "last_name": "Roe", "email": "jane@acme.com",
                      "phone": "+1 555 1", "title": "CTO", "org": ORG.to_string(), "created_on": "2026-01-01T00:00:00Z", "created_by": null}],
        "opportunities": [{"id": crm_id(ViewId::Opportunities, 2).to_string(), "name": "Renewal 2026", "account": account_id(i).to_string(),
                           "stage": "PROPOSAL", "amount": "12000.00", "currency": "USD", "probability": 60, "created_on": "2026-01-01T00:00:00Z"}],
        "cases": [{"id": crm_id(ViewId::Cases, 3).to_string(), "name": "Login fails", "account": account_id(i).to_string(),
                   "status": "New", "priority": "High", "case_type": "Problem", "created_on": "2026-01-01T00:00:00Z"}],
        "tasks": [], "invoices": [],
        "assigned_to": [{"id": ANA.to_string(), "email": "ana@example.com", "role": "USER"}],
        "teams": [{"id": Uuid::from_u128(4).to_string(), "name": "Support", "created_on": "2026-01-01T00:00:00Z"}],
        "comments": [
            {"id": Uuid::from_u128(10).to_string(), "comment": "Follow-up meeting next week", "account": account_id(i).to_string(),
             "commented_on": "2026-03-10T10:00:00Z", "commented_by": ANA.to_string(),
             "commented_by_user": {"id": ANA.to_string(), "email": "ana@example.com"}},
            {"id": Uuid::from_u128(11).to_string(), "comment": "Contract renewal due in March.\nCall Jane first.", "account": account_id(i).to_string(),
             "commented_on": "2026-03-09T09:00:00Z", "commented_by": ME.to_string(),
             "commented_by_user": {"id": ME.to_string(), "email": "you@localhost"}}
        ],
        "attachments": [{"id": Uuid::from_u128(12).to_string(), "attachment": "/api/accounts/attachment/12/", "file_name": "contract.pdf",
                         "account": account_id(i).to_string(), "created_on": "2026-03-08T09:00:00Z", "created_by": ME.to_string(), "size": 20480}],
        "tags": ["enterprise", "technology"],
    });
    Box::new(serde_json::from_value(v).expect("detail"))
}

pub fn ready() -> Ready {
    Ready {
        server: "local workspace".into(),
        org_name: Some("Org A".into()),
        user: Some((ME, "you@localhost".into())),
        admin: true,
        needs_sign_in: false,
        notes: vec![],
        mail_recipients: Default::default(),
        base_url: "http://127.0.0.1:9/".into(),
        offline: false,
    }
}

pub fn new_app() -> App {
    let mut app = App::new(Keymap::default(), Theme::default(), 50);
    app.clock = Some(clock());
    app
}

/// Answers every queued page request from a fake org of `total` open accounts, and every detail
/// request with [`detail`].
pub fn serve(app: &mut App, total: usize) -> Vec<Request> {
    let mut all = Vec::new();
    for _ in 0..10 {
        let reqs = app.take_cmds();
        if reqs.is_empty() {
            break;
        }
        for r in reqs {
            match &r.cmd {
                Cmd::LoadPage {
                    epoch,
                    tab,
                    page: p,
                    limit,
                    offset,
                    ..
                } => {
                    let n = (*limit).min(total.saturating_sub(*offset));
                    app.on_msg(Msg::Page {
                        req: r.id,
                        epoch: *epoch,
                        tab: *tab,
                        page: *p,
                        result: Ok(page(*offset, n, total as i64, 7)),
                    });
                }
                Cmd::LoadRecords {
                    view,
                    epoch,
                    tab,
                    page: p,
                    query,
                    ..
                } => {
                    app.on_msg(Msg::RecordPage {
                        req: r.id,
                        view: *view,
                        epoch: *epoch,
                        tab: *tab,
                        page: *p,
                        result: Ok(crm_page(*view, query.offset, query.limit, total)),
                    });
                }
                Cmd::LoadRecord { view, id } => {
                    app.on_msg(Msg::RecordDetail {
                        req: r.id,
                        view: *view,
                        id: *id,
                        result: Ok(crm_detail(*view, *id)),
                    });
                }
                Cmd::Dashboard => {
                    app.on_msg(Msg::Dashboard {
                        req: r.id,
                        result: Ok(dashboard()),
                    });
                }
                Cmd::LoadDetail { id } => {
                    let i = (id.as_u128() - 0x1000_0000) as usize;
                    app.on_msg(Msg::Detail {
                        req: r.id,
                        id: *id,
                        result: Ok(detail(i)),
                    });
                }
                _ => {}
            }
            all.push(r);
        }
    }
    all
}

/// An app that is up, with the first page of an org of `total` accounts and the first detail.
pub fn loaded_app(total: usize) -> App {
    let mut app = new_app();
    app.on_msg(Msg::Ready(Box::new(ready())));
    serve(&mut app, total);
    let later = Instant::now() + std::time::Duration::from_secs(1);
    app.on_tick(later);
    serve(&mut app, total);
    app
}

pub fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

pub fn code(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

pub fn press(app: &mut App, ev: KeyEvent) {
    app.on_key(ev, Instant::now());
}

pub fn type_str(app: &mut App, s: &str) {
    for c in s.chars() {
        press(app, key(c));
    }
}

/// The screen as text, one line per row.
pub fn render(app: &mut App, w: u16, h: u16) -> String {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    // As the runtime does: draw, then feed the layout the frame used back into the state.
    let mut layout = crmtui::tui::ui::ScreenLayout::default();
    term.draw(|f| layout = crmtui::tui::ui::draw(f, app))
        .expect("draw");
    app.on_layout(&layout);
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..w {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

// --- the other kinds of record ---------------------------------------------------------------------

/// The id of the `i`th record of `view` in the fake org (the account fixture's linked deal,
/// case and contact are 2, 3 and 1).
pub fn crm_id(view: ViewId, i: usize) -> Uuid {
    Uuid::from_u128(0x2000_0000 + (view as u128) * 0x10_0000 + i as u128)
}

fn index_of(id: Uuid) -> usize {
    (id.as_u128() & 0xF_FFFF) as usize
}

/// A record of `view` as the core lists it.
pub fn crm_json(view: ViewId, id: Uuid) -> serde_json::Value {
    let i = index_of(id);
    let acme = json!({"id": account_id(0).to_string(), "name": "Account 00000"});
    let mut v = match view {
        ViewId::Contacts => json!({
            "first_name": (["Jane", "Omar", "Li"][i % 3]), "last_name": format!("Roe{i}"),
            "email": format!("person{i}@example.com"), "phone": "+1 555 0101", "title": "CTO",
            "organization": "Acme", "city": "Austin", "account": account_id(0).to_string(),
            "account_detail": acme, "linked_accounts": [acme], "is_active": true,
        }),
        ViewId::Leads => json!({
            "first_name": "Lee", "last_name": format!("Lead{i}"), "company_name": "Globex",
            "email": format!("lead{i}@globex.example"), "status": (["assigned", "in process"][i % 2]),
            "rating": (["HOT", "WARM", "COLD"][i % 3]), "source": "web form",
            "next_follow_up": "2026-03-12", "opportunity_amount": "5000.00", "currency": "USD",
        }),
        ViewId::Opportunities => json!({
            "name": if i == 2 { "Renewal 2026".to_string() } else { format!("Deal {i:04}") },
            "account": acme, "stage": (["PROSPECTING", "PROPOSAL", "NEGOTIATION"][i % 3]),
            "amount": "12000.00", "currency": "USD", "probability": 60, "closed_on": "2026-06-30",
        }),
        ViewId::Cases => json!({
            "name": if i == 3 { "Login fails".to_string() } else { format!("Case {i:04}") },
            "account": acme, "status": (["New", "Assigned", "Pending"][i % 3]),
            "priority": (["Urgent", "High", "Normal", "Low"][i % 4]), "case_type": "Problem",
            "description": "The login page loops back to itself.",
        }),
        ViewId::Tasks => json!({
            "title": format!("Call back {i}"), "status": "New", "priority": "High",
            "due_date": "2026-03-09", "case": {"id": crm_id(ViewId::Cases, 3).to_string(), "name": "Login fails"},
        }),
        ViewId::Invoices => json!({
            "invoice_number": format!("INV-{i:04}"), "invoice_title": "Support plan",
            "status": (["Draft", "Sent"][i % 2]), "account": account_id(0).to_string(),
            "client_name": "Acme", "issue_date": "2026-03-01", "due_date": "2026-03-31",
            "total_amount": "1500.00", "amount_paid": "0.00", "currency": "USD",
        }),
        ViewId::Accounts => json!({}),
    };
    v["id"] = json!(id.to_string());
    v["assigned_to"] = json!([ANA.to_string()]);
    v["tags"] = json!(["vip"]);
    v["created_at"] = json!("2026-01-15T10:30:00Z");
    v
}

fn record(v: serde_json::Value) -> Record {
    serde_json::from_value(v).expect("record")
}

/// A page of `view`'s list: `limit` rows from `offset` of `total`.
pub fn crm_page(view: ViewId, offset: usize, limit: usize, total: usize) -> Box<RecordPage> {
    let n = limit.min(total.saturating_sub(offset));
    Box::new(RecordPage {
        rows: (offset..offset + n)
            .map(|i| record(crm_json(view, crm_id(view, i))))
            .collect(),
        count: total as i64,
        counts: vec![],
        skipped: 0,
    })
}

/// A record's detail: a comment, a case's internal note, and what it links to.
pub fn crm_detail(view: ViewId, id: Uuid) -> Box<RecordDetail> {
    let comment = |n: u128, text: &str, internal: bool| {
        serde_json::from_value(json!({
            "id": Uuid::from_u128(0x9000 + n).to_string(), "comment": text,
            "content_type": view.kind_name(), "object_id": id.to_string(),
            "is_internal": internal, "commented_on": "2026-03-10T09:00:00Z",
            "commented_by": ANA.to_string(),
            "commented_by_user": {"id": ANA.to_string(), "email": "ana@example.com"}
        }))
        .expect("comment")
    };
    let lists = match view {
        ViewId::Contacts => vec![(
            "cases".to_string(),
            vec![record(crm_json(ViewId::Cases, crm_id(ViewId::Cases, 3)))],
        )],
        _ => vec![],
    };
    Box::new(RecordDetail {
        record: record(crm_json(view, id)),
        comments: vec![comment(1, "Customer called twice.", false)],
        internal_notes: if view == ViewId::Cases {
            vec![comment(2, "Escalate to tier 2 if it happens again.", true)]
        } else {
            vec![]
        },
        attachments: vec![],
        can_delete: true,
        lists,
    })
}

fn urgent(view: ViewId, heading: &'static str, rows: Vec<Record>, total: i64) -> UrgentList {
    UrgentList {
        view,
        heading,
        rows,
        total,
    }
}

pub fn dashboard() -> Box<DashboardData> {
    let counts: Dashboard = serde_json::from_value(json!({
        "accounts_count": 1204, "contacts_count": 2408, "leads_count": 310,
        "opportunities_count": 1385, "cases_open_count": 640,
        "urgent_counts": {"overdue_tasks": 12, "tasks_due_today": 3, "followups_today": 4, "hot_leads": 9},
        "pipeline_by_stage": {
            "PROSPECTING": {"count": 300, "value": "1200000.00", "label": "Prospecting", "kind": "open", "order": 0},
            "QUALIFICATION": {"count": 250, "value": "900000.00", "label": "Qualification", "kind": "open", "order": 1},
            "PROPOSAL": {"count": 200, "value": "800000.00", "label": "Proposal", "kind": "open", "order": 2},
            "NEGOTIATION": {"count": 150, "value": "700000.00", "label": "Negotiation", "kind": "open", "order": 3},
            "CLOSED_WON": {"count": 320, "value": "2500000.00", "label": "Closed Won", "kind": "won", "order": 4},
            "CLOSED_LOST": {"count": 165, "value": "400000.00", "label": "Closed Lost", "kind": "lost", "order": 5}
        },
        "currency": "USD"
    }))
    .expect("dashboard");
    let rows = |view: ViewId, n: usize| -> Vec<Record> {
        (0..n)
            .map(|i| record(crm_json(view, crm_id(view, i))))
            .collect()
    };
    Box::new(DashboardData {
        counts,
        // The first rows of each list; 12 tasks are overdue, as the counts say.
        urgent: vec![
            urgent(ViewId::Tasks, "Overdue tasks", rows(ViewId::Tasks, 2), 12),
            urgent(ViewId::Tasks, "Tasks due today", rows(ViewId::Tasks, 1), 1),
            urgent(ViewId::Leads, "Hot leads", rows(ViewId::Leads, 1), 1),
            urgent(ViewId::Cases, "Urgent cases", rows(ViewId::Cases, 1), 1),
        ],
    })
}

// --- offline reading ------------------------------------------------------------------------

/// Answers every queued request from the offline `cache`, as the worker does while the server
/// does not answer.
pub fn serve_from_cache(app: &mut App, cache: &crmtui::tui::offline::OfflineCache) {
    for _ in 0..10 {
        let reqs = app.take_cmds();
        if reqs.is_empty() {
            break;
        }
        for r in reqs {
            app.on_msg(crmtui::tui::offline::answer(cache, r.id, r.cmd));
        }
    }
}

/// Keeps in `cache`, as kept `at`, what a live run shows first: the first page of `total`
/// open accounts and the first account's detail.
pub fn fill_cache(cache: &crmtui::tui::offline::OfflineCache, total: usize, at: DateTime<Utc>) {
    use crmtui::tui::offline::{keep_blocking, key};
    let mut live = new_app();
    live.on_msg(Msg::Ready(Box::new(ready())));
    for r in live.take_cmds() {
        if let Cmd::LoadPage {
            epoch,
            tab,
            page: p,
            limit,
            offset,
            ..
        } = &r.cmd
        {
            // The first pages, as a live run fetches them around the cursor.
            for (i, offset) in (*offset..total.max(1)).step_by(*limit).take(3).enumerate() {
                let n = (*limit).min(total.saturating_sub(offset));
                let msg = Msg::Page {
                    req: r.id,
                    epoch: *epoch,
                    tab: *tab,
                    page: *p + i,
                    result: Ok(page(offset, n, total as i64, 0)),
                };
                let mut cmd = r.cmd.clone();
                if let Cmd::LoadPage { offset: o, .. } = &mut cmd {
                    *o = offset;
                }
                keep_blocking(cache, &key(&cmd).expect("key"), &msg, at).expect("keep");
            }
        }
    }
    let cmd = Cmd::LoadDetail { id: account_id(0) };
    let msg = Msg::Detail {
        req: 0,
        id: account_id(0),
        result: Ok(detail(0)),
    };
    keep_blocking(cache, &key(&cmd).expect("key"), &msg, at).expect("keep");
}

/// An app started while the server does not answer, on `cache`.
pub fn offline_app(cache: &crmtui::tui::offline::OfflineCache) -> App {
    let mut app = new_app();
    app.on_msg(Msg::Offline("crm.test: connection refused".into()));
    app.on_msg(Msg::Ready(Box::new(Ready {
        offline: true,
        ..ready()
    })));
    serve_from_cache(&mut app, cache);
    app.on_tick(Instant::now() + std::time::Duration::from_secs(1));
    serve_from_cache(&mut app, cache);
    app
}
