//! Fixtures shared by the TUI tests: an app with data, without a terminal or a server.
#![allow(dead_code)]

use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use crmtui::model::{AccountDetail, AccountList};
use crmtui::tui::app::App;
use crmtui::tui::keymap::Keymap;
use crmtui::tui::msg::{Cmd, Msg, Ready, Request};
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
        "contacts": [{"id": Uuid::from_u128(1).to_string(), "first_name": "Jane", "last_name": "Roe", "email": "jane@acme.com",
                      "phone": "+1 555 1", "title": "CTO", "org": ORG.to_string(), "created_on": "2026-01-01T00:00:00Z", "created_by": null}],
        "opportunities": [{"id": Uuid::from_u128(2).to_string(), "name": "Renewal 2026", "account": account_id(i).to_string(),
                           "stage": "PROPOSAL", "amount": "12000.00", "currency": "USD", "probability": 60, "created_on": "2026-01-01T00:00:00Z"}],
        "cases": [{"id": Uuid::from_u128(3).to_string(), "name": "Login fails", "account": account_id(i).to_string(),
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
