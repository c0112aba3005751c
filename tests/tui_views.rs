//! Every list beyond accounts, through the reducer and on a `TestBackend`: switching lists, the
//! trail from an account to what hangs off it and back, triage actions, record forms, stale
//! answers after a switch, the dashboard; and snapshots of each kind's screens.

mod tui_common;

use std::time::{Duration, Instant};

use crmtui::tui::app::views::Screen;
use crmtui::tui::msg::{Cmd, Msg};
use crmtui::tui::overlay::{FormKind, Overlay};
use crmtui::tui::panes::Pane;
use crmtui::tui::records::ViewId;
use crmtui::tui::records::crm::triage::Change;
use crossterm::event::KeyCode;
use serde_json::json;
use tui_common::*;

const VIEWS: [(&str, ViewId); 6] = [
    ("contacts", ViewId::Contacts),
    ("leads", ViewId::Leads),
    ("opps", ViewId::Opportunities),
    ("cases", ViewId::Cases),
    ("tasks", ViewId::Tasks),
    ("invoices", ViewId::Invoices),
];

/// The request queued since the last look that `is` picks (it must be there).
fn sent(
    app: &mut crmtui::tui::app::App,
    is: impl Fn(&crmtui::tui::msg::Request) -> bool,
    what: &str,
) -> crmtui::tui::msg::Request {
    app.take_cmds()
        .into_iter()
        .find(|r| is(r))
        .unwrap_or_else(|| panic!("no {what} was sent"))
}

/// The status line's text.
fn status_of(app: &crmtui::tui::app::App) -> String {
    app.status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn command(app: &mut crmtui::tui::app::App, line: &str) {
    press(app, key(':'));
    type_str(app, line);
    press(app, code(KeyCode::Enter));
}

/// Lets the detail debounce pass, and answers what it asked for.
fn settle(app: &mut crmtui::tui::app::App, total: usize) {
    serve(app, total);
    app.on_tick(Instant::now() + Duration::from_secs(1));
    serve(app, total);
}

/// The app on `:name`, its first page and first detail in.
fn on_view(name: &str) -> crmtui::tui::app::App {
    let mut app = loaded_app(1204);
    command(&mut app, name);
    settle(&mut app, 1204);
    app
}

#[test]
fn each_command_shows_its_list_with_counts() {
    for (name, view) in VIEWS {
        let mut app = on_view(name);
        assert_eq!(app.screen, Screen::List(view), ":{name}");
        assert_eq!(app.position(), (0, 1204), ":{name}");
        assert_eq!(app.shown(), Some((view, crm_id(view, 0))), ":{name}");
        // The detail came in: its thread is the pane's.
        assert!(
            app.selected_thread().is_some_and(|t| !t.is_empty()),
            ":{name}"
        );
        // `j` moves in this list, not the accounts'.
        press(&mut app, key('j'));
        assert_eq!(app.position().0, 1, ":{name}");
        assert_eq!(app.cursor(), 0, "the account list stays where it was");
    }
}

#[test]
fn the_trail_goes_from_an_account_to_its_case_and_back() {
    let mut app = loaded_app(1204);
    press(&mut app, code(KeyCode::Down));
    press(&mut app, code(KeyCode::Down));
    settle(&mut app, 1204);
    assert_eq!(app.cursor(), 2);
    press(&mut app, code(KeyCode::Enter));
    assert_eq!(app.pane, Pane::Detail);
    // Links: the contact, the deal, the case (the fixture's order).
    let links = app.shown_links();
    assert_eq!(links.len(), 3, "{links:?}");
    for _ in 0..3 {
        press(&mut app, key('j'));
    }
    assert_eq!(app.link_cursor(), 2);
    press(&mut app, code(KeyCode::Enter));
    assert_eq!(app.screen, Screen::List(ViewId::Cases));
    assert_eq!(app.shown(), Some((ViewId::Cases, crm_id(ViewId::Cases, 3))));
    serve(&mut app, 1204);
    assert_eq!(
        app.position().0,
        3,
        "the cases list's cursor on the case opened"
    );
    assert_eq!(
        app.trail_labels(),
        ["Account 00002", "Case: Login fails"],
        "the header's trail"
    );
    let screen = render(&mut app, 80, 24);
    assert!(
        screen.contains("Account 00002 › Case: Login fails"),
        "{screen}"
    );
    // From the case to its account, then all the way back.
    press(&mut app, key('j'));
    press(&mut app, code(KeyCode::Enter));
    assert_eq!(app.shown(), Some((ViewId::Accounts, account_id(0))));
    assert_eq!(app.trail.len(), 2);
    press(&mut app, code(KeyCode::Esc));
    assert_eq!(app.shown(), Some((ViewId::Cases, crm_id(ViewId::Cases, 3))));
    press(&mut app, code(KeyCode::Esc));
    assert_eq!(app.screen, Screen::List(ViewId::Accounts));
    assert_eq!(app.pane, Pane::Detail);
    assert_eq!(app.cursor(), 2, "the list's cursor where it was");
    assert_eq!(app.link_cursor(), 2, "the link's cursor where it was");
    assert_eq!(app.shown(), Some((ViewId::Accounts, account_id(2))));
    assert!(app.trail.is_empty());
}

/// The triage request the key sends for the shown record (after `y` when it asks first).
fn triage(app: &mut crmtui::tui::app::App, keys: &str) -> (Change, Option<String>) {
    let _ = app.take_cmds();
    type_str(app, keys);
    let question = match &app.overlay {
        Some(Overlay::Confirm { text, .. }) => Some(text.clone()),
        _ => None,
    };
    if question.is_some() {
        press(app, key('y'));
    }
    let cmds = app.take_cmds();
    let change = cmds
        .iter()
        .find_map(|r| match &r.cmd {
            Cmd::Triage { change, .. } => Some((**change).clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no triage sent for {keys:?}: {cmds:?}"));
    (change, question)
}

fn patch(key: &str, value: &str) -> Change {
    match json!({ key: value }) {
        serde_json::Value::Object(m) => Change::Patch(m),
        _ => unreachable!(),
    }
}

#[test]
fn each_kind_has_its_triage_actions() {
    let mut cases = on_view("cases");
    assert_eq!(triage(&mut cases, "x"), (patch("status", "Closed"), None));

    let mut tasks = on_view("tasks");
    assert_eq!(
        triage(&mut tasks, "x"),
        (patch("status", "Completed"), None)
    );

    let mut deals = on_view("opps");
    // Deal 0 is prospecting: x moves it on; X w closes it won.
    assert_eq!(
        triage(&mut deals, "x"),
        (patch("stage", "QUALIFICATION"), None)
    );
    assert_eq!(
        triage(&mut deals, "Xw"),
        (patch("stage", "CLOSED_WON"), None)
    );
    assert_eq!(
        triage(&mut deals, "Xl"),
        (patch("stage", "CLOSED_LOST"), None)
    );

    let mut leads = on_view("leads");
    let (change, asked) = triage(&mut leads, "x");
    assert_eq!(change, patch("status", "converted"));
    assert!(asked.is_some_and(|q| q.contains("cannot be undone")));

    let mut invoices = on_view("invoices");
    // INV-0000 is a draft: sending asks first; the sent one below is paid with X p.
    let (change, asked) = triage(&mut invoices, "x");
    assert!(matches!(change, Change::Action("send", _)), "{change:?}");
    assert!(asked.is_some());
    press(&mut invoices, key('j'));
    settle(&mut invoices, 1204);
    let (change, asked) = triage(&mut invoices, "Xp");
    assert!(
        matches!(change, Change::Action("mark-paid", _)),
        "{change:?}"
    );
    assert!(asked.is_some());
}

#[test]
fn a_declined_question_sends_nothing() {
    let mut leads = on_view("leads");
    let _ = leads.take_cmds();
    press(&mut leads, key('x'));
    assert!(matches!(leads.overlay, Some(Overlay::Confirm { .. })));
    press(&mut leads, key('n'));
    assert!(leads.overlay.is_none());
    assert!(
        !leads
            .take_cmds()
            .iter()
            .any(|r| matches!(r.cmd, Cmd::Triage { .. }))
    );
}

#[test]
fn a_triage_answer_updates_the_list_and_says_so() {
    let mut cases = on_view("cases");
    // The all tab shown once: the header counts it from then on.
    press(&mut cases, key('v'));
    settle(&mut cases, 1204);
    press(&mut cases, key('v'));
    settle(&mut cases, 1204);
    let _ = cases.take_cmds();
    press(&mut cases, key('x'));
    let req = sent(
        &mut cases,
        |r| matches!(r.cmd, Cmd::Triage { .. }),
        "triage",
    );
    let mut closed = crm_json(ViewId::Cases, crm_id(ViewId::Cases, 0));
    closed["status"] = json!("Closed");
    cases.on_msg(Msg::RecordSaved {
        req: req.id,
        view: ViewId::Cases,
        created: false,
        done: Some("closed"),
        result: Ok(Box::new(serde_json::from_value(closed).expect("record"))),
    });
    let status = status_of(&cases);
    assert_eq!(status, "closed Case 0000");
    // The list reloads (the case leaves the open tab) and the detail is asked again; so is
    // the other tab's first page, whose count the header shows (the write changed it too).
    let cmds = cases.take_cmds();
    let tabs: Vec<usize> = cmds
        .iter()
        .filter_map(|r| match r.cmd {
            Cmd::LoadRecords { tab, .. } => Some(tab),
            _ => None,
        })
        .collect();
    assert!(tabs.contains(&0) && tabs.contains(&1), "{tabs:?}");
    assert!(cmds.iter().any(|r| matches!(r.cmd, Cmd::LoadRecord { .. })));
}

#[test]
fn stale_pages_after_switching_lists_are_dropped() {
    let mut app = loaded_app(1204);
    command(&mut app, "cases");
    let first = app.take_cmds();
    let (req, epoch) = first
        .iter()
        .find_map(|r| match &r.cmd {
            Cmd::LoadRecords { epoch, .. } => Some((r.id, *epoch)),
            _ => None,
        })
        .expect("a cases page");
    // Another list, then back: the first cases page is of an older generation.
    command(&mut app, "tasks");
    command(&mut app, "cases");
    app.on_msg(Msg::RecordPage {
        req,
        view: ViewId::Cases,
        epoch,
        tab: 0,
        page: 0,
        result: Ok(crm_page(ViewId::Cases, 0, 50, 99)),
    });
    assert_eq!(app.position(), (0, 0), "the stale page is not shown");
    // An answer for the tasks list, while cases show, fills the tasks list only.
    settle(&mut app, 1204);
    assert_eq!(app.position(), (0, 1204));
    assert_eq!(app.screen, Screen::List(ViewId::Cases));
    assert_eq!(app.cursor(), 0);
}

#[test]
fn a_record_form_sends_typed_values_and_checks_dates() {
    let mut tasks = on_view("tasks");
    press(&mut tasks, key('n'));
    let Some(Overlay::Form(FormKind::Record { view, id: None }, form)) = &tasks.overlay else {
        panic!("no form: {:?}", tasks.overlay);
    };
    assert_eq!(*view, ViewId::Tasks);
    let keys: Vec<_> = form.fields.iter().map(|f| f.key).collect();
    assert_eq!(
        keys,
        [
            "title",
            "status",
            "priority",
            "due_date",
            "account",
            "case",
            "description"
        ]
    );
    type_str(&mut tasks, "Call Jane");
    press(&mut tasks, code(KeyCode::Tab));
    // A picker: the right arrow moves on from New.
    press(&mut tasks, code(KeyCode::Right));
    press(&mut tasks, code(KeyCode::Tab));
    press(&mut tasks, key('h'));
    press(&mut tasks, code(KeyCode::Tab));
    type_str(&mut tasks, "2026-02-30");
    let _ = tasks.take_cmds();
    press(&mut tasks, ctrl('s'));
    let Some(Overlay::Form(_, form)) = &tasks.overlay else {
        panic!("the form closed on a bad date");
    };
    assert_eq!(
        form.errors.get("due_date").map(String::as_str),
        Some("2026-02-30: no such day")
    );
    assert!(tasks.take_cmds().is_empty());
    for _ in 0..2 {
        press(&mut tasks, code(KeyCode::Backspace));
    }
    type_str(&mut tasks, "28");
    press(&mut tasks, ctrl('s'));
    let body = tasks
        .take_cmds()
        .into_iter()
        .find_map(|r| match r.cmd {
            Cmd::SaveRecord { body, id: None, .. } => Some(*body),
            _ => None,
        })
        .expect("a create");
    assert_eq!(
        serde_json::Value::Object(body),
        json!({"title": "Call Jane", "status": "In Progress", "priority": "High",
               "due_date": "2026-02-28", "account": null, "case": null, "description": ""})
    );
}

#[test]
fn an_edit_sends_only_what_changed_and_shows_field_errors() {
    let mut cases = on_view("cases");
    press(&mut cases, key('e'));
    assert!(matches!(
        cases.overlay,
        Some(Overlay::Form(FormKind::Record { id: Some(_), .. }, _))
    ));
    press(&mut cases, code(KeyCode::Tab));
    press(&mut cases, code(KeyCode::Tab));
    // Priority: Urgent → Low by the letter.
    press(&mut cases, key('l'));
    let _ = cases.take_cmds();
    press(&mut cases, ctrl('s'));
    let req = sent(
        &mut cases,
        |r| matches!(r.cmd, Cmd::SaveRecord { .. }),
        "a save",
    );
    let Cmd::SaveRecord { body, .. } = &req.cmd else {
        unreachable!()
    };
    assert_eq!(
        serde_json::Value::Object((**body).clone()),
        json!({"priority": "Low"})
    );
    cases.on_msg(Msg::RecordSaved {
        req: req.id,
        view: ViewId::Cases,
        created: false,
        done: None,
        result: Err(crmtui::client::ClientError::Api {
            status: 400,
            message: "invalid".into(),
            fields: [
                ("priority".to_string(), "not allowed".to_string()),
                (
                    "name".to_string(),
                    "A case of this name is already open under this account: pick another \
                     name, or reopen that case instead."
                        .to_string(),
                ),
            ]
            .into(),
        }),
    });
    let Some(Overlay::Form(_, form)) = &cases.overlay else {
        panic!("the form closed on an error");
    };
    assert_eq!(
        form.errors.get("priority").map(String::as_str),
        Some("not allowed")
    );
    // A long message wraps under its field, whole, at 80 columns.
    let screen = render(&mut cases, 80, 24);
    assert!(screen.contains("or reopen that case instead."), "{screen}");
    insta::assert_snapshot!("cases_edit_errors_80x24", screen);
}

#[test]
fn the_dashboard_opens_its_urgent_rows() {
    let mut app = loaded_app(1204);
    command(&mut app, "dashboard");
    serve(&mut app, 1204);
    assert_eq!(app.screen, Screen::Dashboard);
    let links = app.shown_links();
    assert_eq!(links.len(), 5);
    assert_eq!(links[4].view, ViewId::Cases);
    press(&mut app, key('G'));
    press(&mut app, code(KeyCode::Enter));
    serve(&mut app, 1204);
    assert_eq!(app.shown(), Some((ViewId::Cases, crm_id(ViewId::Cases, 0))));
    assert_eq!(app.trail_labels(), ["Dashboard", "Case: Case 0000"]);
    press(&mut app, code(KeyCode::Esc));
    assert_eq!(app.screen, Screen::Dashboard);
    assert_eq!(app.link_cursor(), 4);
}

#[test]
fn a_case_comment_and_an_internal_note_show_apart() {
    let mut cases = on_view("cases");
    let screen = render(&mut cases, 120, 40);
    assert!(screen.contains("Customer called twice."), "{screen}");
    assert!(screen.contains("Internal notes"), "{screen}");
    let note = screen.find("Escalate").unwrap_or(0);
    let comment = screen.find("Customer called").unwrap_or(usize::MAX);
    assert!(comment < note, "notes come after the comments");
    // A comment on a case goes to the case.
    press(&mut cases, key('c'));
    type_str(&mut cases, "on it");
    let _ = cases.take_cmds();
    press(&mut cases, ctrl('s'));
    let sent = cases.take_cmds();
    assert!(
        sent.iter().any(|r| matches!(
            &r.cmd,
            Cmd::AddComment { owner: crmtui::tui::msg::Owner::Record(ViewId::Cases, id), .. }
                if *id == crm_id(ViewId::Cases, 0)
        )),
        "{sent:?}"
    );
}

#[test]
fn a_bad_filter_says_which_keys_the_list_takes() {
    let mut cases = on_view("cases");
    command(&mut cases, "filter colour=red");
    let status = status_of(&cases);
    assert!(status.contains("takes no \"colour\""), "{status}");
    command(&mut cases, "filter priority=Urgent login");
    let sent = cases.take_cmds();
    let params = sent
        .iter()
        .find_map(|r| match &r.cmd {
            Cmd::LoadRecords { query, .. } => Some(query.params.clone()),
            _ => None,
        })
        .expect("a reload");
    assert!(
        params.contains(&("priority".into(), "Urgent".into())),
        "{params:?}"
    );
    assert!(
        params.contains(&("search".into(), "login".into())),
        "{params:?}"
    );
}

// --- snapshots ----------------------------------------------------------------------------------

#[test]
fn each_list_and_detail_80x24_and_large() {
    for (name, _) in VIEWS {
        let mut app = on_view(name);
        insta::assert_snapshot!(format!("{name}_list_80x24"), render(&mut app, 80, 24));
        insta::assert_snapshot!(format!("{name}_list_160x48"), render(&mut app, 160, 48));
        press(&mut app, code(KeyCode::Enter));
        settle(&mut app, 1204);
        insta::assert_snapshot!(format!("{name}_detail_80x24"), render(&mut app, 80, 24));
        insta::assert_snapshot!(format!("{name}_detail_140x40"), render(&mut app, 140, 40));
    }
}

#[test]
fn each_form_80x24_and_large() {
    for (name, _) in VIEWS.iter().filter(|(n, _)| *n != "invoices") {
        let mut app = on_view(name);
        press(&mut app, key('n'));
        insta::assert_snapshot!(format!("{name}_new_80x24"), render(&mut app, 80, 24));
        press(&mut app, code(KeyCode::Esc));
        press(&mut app, key('e'));
        insta::assert_snapshot!(format!("{name}_edit_120x40"), render(&mut app, 120, 40));
    }
}

#[test]
fn dashboard_and_trail_screens() {
    let mut app = loaded_app(1204);
    command(&mut app, "dashboard");
    serve(&mut app, 1204);
    insta::assert_snapshot!("dashboard_80x24", render(&mut app, 80, 24));
    insta::assert_snapshot!("dashboard_140x40", render(&mut app, 140, 40));
    command(&mut app, "accounts");
    settle(&mut app, 1204);
    press(&mut app, code(KeyCode::Enter));
    for _ in 0..3 {
        press(&mut app, key('j'));
    }
    insta::assert_snapshot!("account_links_80x24", render(&mut app, 80, 24));
    press(&mut app, code(KeyCode::Enter));
    serve(&mut app, 1204);
    insta::assert_snapshot!("trail_case_80x24", render(&mut app, 80, 24));
    press(&mut app, key('X'));
    insta::assert_snapshot!("case_actions_80x24", render(&mut app, 80, 24));
}

#[test]
fn every_view_draws_at_every_size() {
    for (name, _) in VIEWS.iter().chain(&[("dashboard", ViewId::Accounts)]) {
        let mut app = on_view(name);
        for w in 1..=130u16 {
            for h in [1u16, 2, 5, 6, 12, 24, 40] {
                let _ = render(&mut app, w, h);
            }
        }
        press(&mut app, key('n'));
        for w in (1..=130u16).step_by(7) {
            let _ = render(&mut app, w, 24);
        }
    }
}

#[test]
fn a_link_field_searches_the_other_kind_as_you_type() {
    let mut cases = on_view("cases");
    press(&mut cases, key('n'));
    type_str(&mut cases, "Printer jam");
    press(&mut cases, code(KeyCode::Tab));
    type_str(&mut cases, "acc");
    let _ = cases.take_cmds();
    // Nothing is asked while typing; once it rests, one search of the accounts.
    cases.on_tick(Instant::now() + Duration::from_secs(1));
    let search = sent(
        &mut cases,
        |r| matches!(&r.cmd, Cmd::SearchLinks { view: ViewId::Accounts, text } if text == "acc"),
        "a search of the accounts",
    );
    let screen = render(&mut cases, 80, 24);
    assert!(screen.contains("searching…"), "{screen}");
    cases.on_msg(Msg::LinkOptions {
        req: search.id,
        result: Ok(vec![
            (account_id(1), "Account 00001".into()),
            (account_id(2), "Account 00002".into()),
        ]),
    });
    insta::assert_snapshot!("case_form_link_matches_80x24", render(&mut cases, 80, 24));
    // Saving before a pick names the field.
    press(&mut cases, ctrl('s'));
    let Some(Overlay::Form(_, form)) = &cases.overlay else {
        panic!("the form closed");
    };
    assert!(form.errors.contains_key("account"), "{:?}", form.errors);
    // Typing again searches again; ↓ ↓ Enter picks the second match.
    press(&mut cases, code(KeyCode::Backspace));
    type_str(&mut cases, "c");
    cases.on_tick(Instant::now() + Duration::from_secs(2));
    let search = sent(
        &mut cases,
        |r| matches!(r.cmd, Cmd::SearchLinks { .. }),
        "a second search",
    );
    cases.on_msg(Msg::LinkOptions {
        req: search.id,
        result: Ok(vec![
            (account_id(1), "Account 00001".into()),
            (account_id(2), "Account 00002".into()),
        ]),
    });
    // Nothing is highlighted until ↓: the first ↓ is the first match, the second the second.
    press(&mut cases, code(KeyCode::Down));
    press(&mut cases, code(KeyCode::Down));
    press(&mut cases, code(KeyCode::Enter));
    press(&mut cases, ctrl('s'));
    let body = cases
        .take_cmds()
        .into_iter()
        .find_map(|r| match r.cmd {
            Cmd::SaveRecord { body, .. } => Some(*body),
            _ => None,
        })
        .expect("a create");
    assert_eq!(body.get("account"), Some(&json!(account_id(2).to_string())));
    assert_eq!(body.get("name"), Some(&json!("Printer jam")));
}

#[test]
fn help_and_hints_follow_the_kind_and_the_pane() {
    let mut deals = on_view("opps");
    let list = render(&mut deals, 80, 24);
    assert!(list.contains("x next stage"), "{list}");
    press(&mut deals, key('?'));
    let help = render(&mut deals, 100, 40);
    assert!(help.contains("Here: deals"), "{help}");
    assert!(help.contains("n next stage, w won, l lost"), "{help}");
    press(&mut deals, code(KeyCode::Esc));
    press(&mut deals, code(KeyCode::Tab));
    let detail = render(&mut deals, 80, 24);
    let hints = detail.lines().last().unwrap_or_default();
    assert!(hints.contains("enter related"), "{detail}");
    assert!(!hints.contains("/ search"), "{detail}");
}

#[test]
fn the_screen_is_kept_for_the_next_start() {
    let mut cases = on_view("cases");
    command(&mut cases, "filter priority=Urgent");
    press(&mut cases, key('v'));
    settle(&mut cases, 1204);
    press(&mut cases, key('j'));
    settle(&mut cases, 1204);
    press(&mut cases, code(KeyCode::Enter));
    let shown = cases.shown();
    let state = cases.ui_state();
    assert_eq!(state.view, "cases");
    assert_eq!(state.pane, "detail");
    // Through the file, as a restart does.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = crmtui::tui::ui_state::path_in(dir.path(), "local");
    crmtui::tui::ui_state::save(&path, &state).expect("save");
    let back = crmtui::tui::ui_state::load(&path)
        .expect("load")
        .expect("a state");

    let mut app = new_app();
    app.restore_later(back);
    app.on_msg(Msg::Ready(Box::new(ready())));
    settle(&mut app, 1204);
    assert_eq!(app.screen, Screen::List(ViewId::Cases));
    assert_eq!(app.pane, Pane::Detail);
    assert_eq!(app.shown(), shown);
    let p = app.record_panes(ViewId::Cases).expect("cases");
    assert_eq!(p.list.tab, 1, "the all-cases tab");
    assert_eq!(
        p.list.filter.params,
        [("priority".to_string(), "Urgent".to_string())]
    );
}

#[test]
fn o_on_an_attachment_opens_it_or_copies_its_link_over_ssh() {
    use crmtui::tui::msg::Effect;
    let mut app = loaded_app(1204);
    press(&mut app, code(KeyCode::Tab));
    press(&mut app, code(KeyCode::Tab));
    press(&mut app, key('G'));
    // Over SSH (no local display): the link, made absolute, goes to the clipboard.
    app.desktop = false;
    press(&mut app, key('o'));
    assert_eq!(
        app.take_effects(),
        [Effect::Copy(
            "http://127.0.0.1:9/api/accounts/attachment/12/".into()
        )]
    );
    // With a display: downloaded to a private temp dir, then opened.
    app.desktop = true;
    let _ = app.take_cmds();
    press(&mut app, key('o'));
    let req = sent(
        &mut app,
        |r| matches!(&r.cmd, Cmd::OpenAttachment { file_name, .. } if file_name == "contract.pdf"),
        "a download to open",
    );
    assert!(
        app.take_effects().is_empty(),
        "nothing opens before the file is in"
    );
    app.on_msg(Msg::Downloaded {
        req: req.id,
        path: "/tmp/crmtui-open-x/contract.pdf".into(),
        result: Ok(20_480),
    });
    assert_eq!(
        app.take_effects(),
        [Effect::Open("/tmp/crmtui-open-x/contract.pdf".into())]
    );
}

#[test]
fn a_download_shows_its_progress_and_esc_cancels_it() {
    let mut app = loaded_app(1204);
    press(&mut app, code(KeyCode::Tab));
    press(&mut app, code(KeyCode::Tab));
    press(&mut app, key('G'));
    press(&mut app, key('s'));
    let _ = app.take_cmds();
    press(&mut app, ctrl('s'));
    let req = sent(
        &mut app,
        |r| matches!(r.cmd, Cmd::Download { .. }),
        "a download",
    );
    app.on_msg(Msg::Transfer {
        req: req.id,
        done: 1024,
        total: Some(4096),
    });
    let status = status_of(&app);
    assert!(status.contains("1.0 kB of 4.0 kB"), "{status}");
    assert!(status.contains("esc cancels"), "{status}");
    // Esc in the waiting form stops the transfer (the worker drops it and its file).
    press(&mut app, code(KeyCode::Esc));
    assert!(app.overlay.is_none());
    assert!(
        app.take_cmds()
            .iter()
            .any(|r| matches!(r.cmd, Cmd::Cancel { req: c } if c == req.id))
    );
    let status = status_of(&app);
    assert_eq!(status, "transfer cancelled; nothing was kept");
    // Its late answer is no news.
    app.on_msg(Msg::Downloaded {
        req: req.id,
        path: "contract.pdf".into(),
        result: Ok(4096),
    });
    let status = status_of(&app);
    assert_eq!(status, "transfer cancelled; nothing was kept");
}

#[test]
fn ctx_lists_the_profiles_and_switches_to_a_known_one() {
    let mut app = loaded_app(10);
    app.profiles = vec!["local".into(), "acme".into()];
    app.profile = Some("local".into());
    command(&mut app, "ctx");
    let status = status_of(&app);
    assert!(status.contains("*local, acme"), "{status}");
    command(&mut app, "ctx nope");
    let status = status_of(&app);
    assert!(status.contains("no such profile"), "{status}");
    assert!(!app.quit);
    let screen = render(&mut app, 80, 24);
    assert!(screen.starts_with(" crmtui [local]"), "{screen}");
    command(&mut app, "ctx acme");
    assert_eq!(app.switch_to.as_deref(), Some("acme"));
    assert!(app.quit, "this run ends; the boot loop starts the profile");
}

#[test]
fn a_converted_lead_stays_shown_with_what_it_became() {
    let mut leads = on_view("leads");
    let _ = leads.take_cmds();
    press(&mut leads, key('x'));
    press(&mut leads, key('y'));
    let req = sent(
        &mut leads,
        |r| matches!(r.cmd, Cmd::Triage { .. }),
        "the conversion",
    );
    let mut lead = crm_json(ViewId::Leads, crm_id(ViewId::Leads, 0));
    lead["status"] = json!("converted");
    lead["account_id"] = json!(account_id(7).to_string());
    lead["contact_id"] = json!(crm_id(ViewId::Contacts, 7).to_string());
    lead["opportunity_id"] = json!(crm_id(ViewId::Opportunities, 7).to_string());
    leads.on_msg(Msg::RecordSaved {
        req: req.id,
        view: ViewId::Leads,
        created: false,
        done: Some("converted"),
        result: Ok(Box::new(serde_json::from_value(lead).expect("record"))),
    });
    serve(&mut leads, 1204);
    assert_eq!(
        leads.shown(),
        Some((ViewId::Leads, crm_id(ViewId::Leads, 0)))
    );
    let links = leads.shown_links();
    let became: Vec<_> = links
        .iter()
        .filter(|l| l.section == "Converted into")
        .map(|l| l.view)
        .collect();
    assert_eq!(
        became,
        [ViewId::Accounts, ViewId::Contacts, ViewId::Opportunities],
        "{links:?}"
    );
}

#[test]
fn export_writes_the_list_on_screen() {
    let mut cases = on_view("cases");
    let _ = cases.take_cmds();
    command(&mut cases, "export /tmp/crmtui-never-written.csv");
    let job = cases
        .take_cmds()
        .into_iter()
        .find_map(|r| match r.cmd {
            Cmd::Export(job) => Some(job),
            _ => None,
        })
        .expect("an export");
    let crmtui::tui::msg::ExportSource::Records { view, params, .. } = &job.source else {
        panic!("not the cases: {job:?}");
    };
    assert_eq!(*view, ViewId::Cases);
    assert!(
        params.contains(&("status".to_string(), "New,Assigned,Pending".to_string())),
        "the open tab's filter: {params:?}"
    );
    // The dashboard is no list.
    command(&mut cases, "dashboard");
    let _ = cases.take_cmds();
    command(&mut cases, "export /tmp/crmtui-never-written.csv");
    assert!(
        !cases
            .take_cmds()
            .iter()
            .any(|r| matches!(r.cmd, Cmd::Export(_))),
        "the dashboard exported"
    );
}

#[test]
fn a_task_hangs_off_one_record_said_before_sending() {
    use crmtui::tui::app::views::record_body;
    use crmtui::tui::overlay::form::{Field, FieldKind, Form};
    let view = crmtui::tui::records::crm::view(ViewId::Tasks).expect("tasks");
    let form = |account: &str, case: &str| {
        Form::new(
            "New task",
            vec![
                Field::new("title", "Title", FieldKind::Line, "Call Jane"),
                Field::new("account", "Account", FieldKind::Line, account),
                Field::new("case", "Case", FieldKind::Line, case),
            ],
        )
    };
    let Err(problems) = record_body(view, &form("Acme", "Login broken"), true) else {
        panic!("two parents were accepted");
    };
    let Some((_, message)) = problems.iter().find(|p| p.0 == "case") else {
        panic!("{problems:?}");
    };
    assert_eq!(
        problems.iter().filter(|p| p.0 == "case").count(),
        1,
        "{problems:?}"
    );
    assert!(
        message.contains("Account") && message.contains("Case"),
        "{message}"
    );
    // One parent is the server's to check (a link picked, not typed).
    let one = record_body(view, &form("", ""), true);
    assert!(one.is_ok(), "{one:?}");
    // Every wrong field at once, not one per ctrl-s.
    let bad = Form::new(
        "New task",
        vec![
            Field::new("title", "Title", FieldKind::Line, ""),
            Field::new("due_date", "Due date", FieldKind::Line, "2026-02-30"),
        ],
    );
    let Err(problems) = record_body(view, &bad, true) else {
        panic!("a task without a title was accepted");
    };
    let keys: Vec<&str> = problems.iter().map(|p| p.0).collect();
    assert_eq!(keys, ["title", "due_date"], "{problems:?}");
}

#[test]
fn f_opens_the_filter_ready_for_a_key() {
    let mut invoices = on_view("invoices");
    let _ = invoices.take_cmds();
    press(&mut invoices, key('f'));
    type_str(&mut invoices, "status=Draft");
    press(&mut invoices, code(KeyCode::Enter));
    let params = invoices
        .take_cmds()
        .into_iter()
        .find_map(|r| match r.cmd {
            Cmd::LoadRecords { query, .. } => Some(query.params),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no reload; status: {:?}", invoices.status));
    assert!(
        params.contains(&("status".to_string(), "Draft".to_string())),
        "{params:?}"
    );
}

#[test]
fn an_account_saved_makes_other_details_ask_again() {
    let mut app = on_view("tasks");
    let task = crm_id(ViewId::Tasks, 0);
    let cached = |app: &crmtui::tui::app::App| {
        app.record_panes(ViewId::Tasks)
            .is_some_and(|p| p.detail.contains(&task))
    };
    assert!(cached(&app), "the first task's detail was loaded");
    command(&mut app, "accounts");
    let _ = app.take_cmds();
    // A rename: the task's detail names its account, so it is asked again when next shown.
    let mut renamed = account_json(0, false);
    renamed["name"] = json!("Renamed Co");
    app.on_msg(Msg::Saved {
        req: 999,
        created: false,
        result: Ok(Box::new(serde_json::from_value(renamed).expect("account"))),
    });
    assert!(
        !cached(&app),
        "the task's detail outlived its account's rename"
    );
}

#[test]
fn the_trail_takes_the_header_room_left() {
    use crmtui::tui::app::views::Crumb;
    let mut app = on_view("cases");
    for label in ["Contact: Lorenzo", "Black Mesa 1042"] {
        app.trail.push(Crumb {
            screen: Screen::List(ViewId::Accounts),
            pane: Pane::Detail,
            focus: None,
            link: 0,
            cursor: 0,
            label: label.into(),
        });
    }
    let screen = render(&mut app, 80, 24);
    let header = screen.lines().next().unwrap_or_default();
    assert!(
        header.contains("Contact: Lorenzo › Black Mesa 1042 › "),
        "{header}"
    );
}

#[test]
fn a_deal_moved_on_says_to_which_stage() {
    let mut deals = on_view("opps");
    let _ = deals.take_cmds();
    let mut moved = crm_json(ViewId::Opportunities, crm_id(ViewId::Opportunities, 0));
    moved["stage"] = json!("PROPOSAL");
    moved["stage_label"] = json!("Proposal");
    let name = moved["name"].as_str().unwrap_or_default().to_string();
    deals.on_msg(Msg::RecordSaved {
        req: 999,
        view: ViewId::Opportunities,
        created: false,
        done: Some("moved on"),
        result: Ok(Box::new(serde_json::from_value(moved).expect("record"))),
    });
    assert_eq!(status_of(&deals), format!("moved {name} to Proposal"));
}

#[test]
fn a_long_description_wraps_in_its_editor() {
    use crmtui::tui::overlay::form::{Field, FieldKind};
    let mut cases = on_view("cases");
    press(&mut cases, key('e'));
    let long = "Report shows wrong currency after the switch to euros. Reported by Noah at \
                Wonka Logistics, who needs it fixed before the quarter closes.";
    let Some(Overlay::Form(_, form)) = &mut cases.overlay else {
        panic!("no form");
    };
    let i = form
        .fields
        .iter()
        .position(|f| f.key == "description")
        .expect("a description field");
    form.fields[i] = Field::new("description", "Description", FieldKind::Multi, long);
    let screen = render(&mut cases, 80, 24);
    // Its start and its end both show: the line wraps instead of scrolling sideways.
    assert!(screen.contains("Report shows wrong currency"), "{screen}");
    assert!(screen.contains("quarter closes."), "{screen}");
}

#[test]
fn enter_in_the_accounts_filter_form_applies_it() {
    let mut app = loaded_app(1204);
    let _ = app.take_cmds();
    press(&mut app, key('f'));
    assert!(
        matches!(app.overlay, Some(Overlay::Form(FormKind::Filter, _))),
        "{:?}",
        app.overlay
    );
    type_str(&mut app, "acme");
    press(&mut app, code(KeyCode::Enter));
    assert!(app.overlay.is_none(), "the form stayed: {:?}", app.overlay);
    let filtered = app.take_cmds().into_iter().any(|r| {
        matches!(&r.cmd, Cmd::LoadPage { filter, .. } if filter.name.as_deref() == Some("acme"))
    });
    assert!(filtered, "no page asked for with the filter");
}
