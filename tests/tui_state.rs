//! The app's state machine without a terminal or a server: keys in, commands out, answers in.

mod tui_common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crmtui::client::ClientError;
use crmtui::model::AccountStatus;
use crmtui::tui::app::Link;
use crmtui::tui::keymap::Keymap;
use crmtui::tui::msg::{Cmd, Msg};
use crmtui::tui::overlay::{FormKind, Overlay};
use crmtui::tui::panes::Pane;
use crossterm::event::KeyCode;
use tui_common::*;

fn later(ms: u64) -> Instant {
    Instant::now() + Duration::from_millis(ms)
}

#[test]
fn ready_loads_the_first_page_and_the_selected_detail() {
    let mut app = new_app();
    app.on_msg(Msg::Ready(Box::new(ready())));
    let reqs = app.take_cmds();
    assert!(
        matches!(reqs.as_slice(), [r] if matches!(r.cmd, Cmd::LoadPage { page: 0, offset: 0, limit: 50, .. }))
    );
    app.on_msg(Msg::Page {
        req: reqs[0].id,
        epoch: app.epoch(),
        tab: AccountStatus::Open,
        page: 0,
        result: Ok(page(0, 50, 120, 3)),
    });
    assert_eq!(app.counts(), Some((120, 3)));
    assert_eq!(app.total(), 120);
    assert_eq!(
        app.selected().map(|a| a.name.as_str()),
        Some("Account 00000")
    );
    // The next page is prefetched ahead of the cursor.
    let reqs = app.take_cmds();
    assert!(reqs.iter().any(|r| matches!(
        r.cmd,
        Cmd::LoadPage {
            page: 1,
            offset: 50,
            ..
        }
    )));
    // The detail is asked for once the selection settles.
    app.on_tick(later(500));
    let reqs = app.take_cmds();
    assert!(
        reqs.iter()
            .any(|r| matches!(r.cmd, Cmd::LoadDetail { id } if id == account_id(0)))
    );
}

#[test]
fn scrolling_a_huge_org_keeps_a_bounded_window() {
    let mut app = loaded_app(100_000);
    for _ in 0..400 {
        press(&mut app, code(KeyCode::PageDown));
        serve(&mut app, 100_000);
    }
    assert!(app.cursor() > 5_000, "cursor at {}", app.cursor());
    assert!(
        app.window().loaded_pages() <= 6,
        "{} pages kept",
        app.window().loaded_pages()
    );
    assert!(app.selected().is_some());
    press(&mut app, key('G'));
    serve(&mut app, 100_000);
    assert_eq!(app.cursor(), 99_999);
    assert_eq!(
        app.selected().map(|a| a.name.as_str()),
        Some("Account 99999")
    );
    press(&mut app, key('g'));
    assert_eq!(app.cursor(), 0);
}

#[test]
fn filter_as_you_type_is_debounced_and_latest_wins() {
    let mut app = loaded_app(500);
    let epoch0 = app.epoch();
    press(&mut app, key('/'));
    type_str(&mut app, "acm");
    assert!(app.take_cmds().is_empty(), "nothing is sent while typing");
    // A page of the old generation arriving now is ignored.
    app.on_tick(later(300));
    let reqs = app.take_cmds();
    // Page 0 of the new filter (and the page after it, prefetched while the old total stands).
    let Some(r) = reqs
        .iter()
        .find(|r| matches!(r.cmd, Cmd::LoadPage { page: 0, .. }))
    else {
        panic!("page 0 requested, got {reqs:?}")
    };
    assert!(reqs.iter().all(
        |r| matches!(&r.cmd, Cmd::LoadPage { filter, .. } if filter.name.as_deref() == Some("acm"))
    ));
    let Cmd::LoadPage {
        epoch,
        filter,
        offset: 0,
        ..
    } = &r.cmd
    else {
        panic!("{r:?}")
    };
    assert_eq!(filter.name.as_deref(), Some("acm"));
    assert!(*epoch > epoch0);
    app.on_msg(Msg::Page {
        req: 999,
        epoch: epoch0,
        tab: AccountStatus::Open,
        page: 0,
        result: Ok(page(0, 50, 9999, 0)),
    });
    assert_ne!(
        app.counts().map(|c| c.0),
        Some(9999),
        "a stale answer is dropped"
    );
    app.on_msg(Msg::Page {
        req: r.id,
        epoch: *epoch,
        tab: AccountStatus::Open,
        page: 0,
        result: Ok(page(0, 3, 3, 0)),
    });
    assert_eq!(app.total(), 3);
    // Esc restores the filter from before.
    press(&mut app, key('x'));
    press(&mut app, code(KeyCode::Esc));
    assert_eq!(app.filter().name, None);
    assert!(app.overlay.is_none());
}

#[test]
fn validation_errors_show_next_to_the_field_and_keep_the_input() {
    let mut app = loaded_app(10);
    press(&mut app, key('n'));
    type_str(&mut app, "Dup");
    press(&mut app, ctrl('s'));
    let reqs = app.take_cmds();
    let r = reqs
        .iter()
        .find(|r| matches!(r.cmd, Cmd::Create(_)))
        .expect("create sent");
    let mut fields = BTreeMap::new();
    fields.insert(
        "name".to_string(),
        "an account with this name exists".to_string(),
    );
    let err = ClientError::Api {
        status: 400,
        message: "name: an account with this name exists".into(),
        fields,
    };
    app.on_msg(Msg::Saved {
        req: r.id,
        created: true,
        result: Err(err),
    });
    let Some(Overlay::Form(FormKind::NewAccount, form)) = &app.overlay else {
        panic!("the form stays open")
    };
    assert_eq!(
        form.errors.get("name").map(String::as_str),
        Some("an account with this name exists")
    );
    assert_eq!(form.value("name"), "Dup");
    assert!(!form.busy);
}

#[test]
fn an_empty_name_is_caught_before_sending() {
    let mut app = loaded_app(10);
    press(&mut app, key('n'));
    press(&mut app, ctrl('s'));
    assert!(
        !app.take_cmds()
            .iter()
            .any(|r| matches!(r.cmd, Cmd::Create(_)))
    );
    let Some(Overlay::Form(_, form)) = &app.overlay else {
        panic!("form")
    };
    assert!(form.errors.contains_key("name"));
}

#[test]
fn a_dead_session_asks_to_sign_in_and_keeps_the_screen() {
    let mut app = loaded_app(300);
    for _ in 0..5 {
        press(&mut app, key('j'));
    }
    press(&mut app, code(KeyCode::Tab));
    let r = app.take_cmds();
    let id = 500;
    let _ = r;
    app.on_msg(Msg::Detail {
        req: id,
        id: account_id(5),
        result: Err(ClientError::SessionExpired("token expired".into())),
    });
    assert_eq!(app.link, Link::SignedOut);
    assert!(matches!(
        app.overlay,
        Some(Overlay::Form(FormKind::SignIn, _))
    ));
    assert_eq!(app.cursor(), 5);
    assert_eq!(app.pane, Pane::Detail);
    // Typing the password and signing in keeps the cursor and reloads.
    type_str(&mut app, "secret");
    press(&mut app, code(KeyCode::Enter));
    let reqs = app.take_cmds();
    let r = reqs
        .iter()
        .find(|r| matches!(r.cmd, Cmd::SignIn { .. }))
        .expect("sign in sent");
    let Cmd::SignIn { email, password } = &r.cmd else {
        unreachable!()
    };
    assert_eq!(
        (email.as_str(), password.as_str()),
        ("you@localhost", "secret")
    );
    app.on_msg(Msg::SignedIn {
        req: r.id,
        result: Ok(crmtui::tui::msg::SignedIn {
            user: ME,
            email: "you@localhost".into(),
            org_name: None,
            admin: true,
        }),
    });
    assert_eq!(app.link, Link::Up);
    assert!(app.overlay.is_none());
    assert_eq!(app.cursor(), 5);
    assert!(
        app.take_cmds()
            .iter()
            .any(|r| matches!(r.cmd, Cmd::LoadPage { .. }))
    );
}

#[test]
fn an_unreachable_server_is_shown_and_retried() {
    let mut app = loaded_app(100);
    press(&mut app, key('r'));
    let reqs = app.take_cmds();
    let r = reqs
        .iter()
        .find(|r| matches!(r.cmd, Cmd::LoadPage { .. }))
        .expect("reload");
    let Cmd::LoadPage { epoch, page, .. } = r.cmd.clone() else {
        unreachable!()
    };
    app.on_msg(Msg::Page {
        req: r.id,
        epoch,
        tab: AccountStatus::Open,
        page,
        result: Err(ClientError::Unreachable("connection refused".into())),
    });
    assert!(matches!(app.link, Link::Down(_)));
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("connection refused"))
    );
    app.on_tick(later(3_500));
    let reqs = app.take_cmds();
    assert!(
        reqs.iter().any(|r| matches!(r.cmd, Cmd::LoadPage { .. })),
        "retried: {reqs:?}"
    );
    serve_reqs(&mut app, reqs, 100);
    assert_eq!(app.link, Link::Up);
}

fn serve_reqs(app: &mut crmtui::tui::app::App, reqs: Vec<crmtui::tui::msg::Request>, total: usize) {
    for r in reqs {
        if let Cmd::LoadPage {
            epoch,
            tab,
            page: p,
            limit,
            offset,
            ..
        } = r.cmd
        {
            let n = limit.min(total.saturating_sub(offset));
            app.on_msg(Msg::Page {
                req: r.id,
                epoch,
                tab,
                page: p,
                result: Ok(page(offset, n, total as i64, 0)),
            });
        }
    }
}

#[test]
fn commands_and_filter_expressions() {
    let mut app = loaded_app(100);
    press(&mut app, key(':'));
    type_str(&mut app, "filter city=New+York tags=a,b acme");
    press(&mut app, code(KeyCode::Enter));
    assert_eq!(app.filter().city.as_deref(), Some("New York"));
    assert_eq!(app.filter().tags, vec!["a".to_string(), "b".to_string()]);
    assert_eq!(app.filter().name.as_deref(), Some("acme"));
    press(&mut app, key(':'));
    type_str(&mut app, "accounts closed");
    press(&mut app, code(KeyCode::Enter));
    assert_eq!(app.tab(), AccountStatus::Closed);
    press(&mut app, key(':'));
    type_str(&mut app, "bogus");
    press(&mut app, code(KeyCode::Enter));
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("unknown command"))
    );
    press(&mut app, key(':'));
    type_str(&mut app, "q");
    press(&mut app, code(KeyCode::Enter));
    assert!(app.quit);
}

#[test]
fn keys_typed_in_a_form_never_fire_shortcuts_and_paste_is_text() {
    let mut app = loaded_app(10);
    press(&mut app, key('c'));
    type_str(&mut app, "q d n");
    app.on_paste("line one\nline two");
    assert!(!app.quit);
    let Some(Overlay::Form(FormKind::Comment { .. }, form)) = &app.overlay else {
        panic!("editor open")
    };
    assert_eq!(form.value("comment"), "q d nline one\nline two");
    // Outside an editor a paste does nothing.
    press(&mut app, code(KeyCode::Esc));
    app.on_paste("qqq");
    assert!(!app.quit);
}

#[test]
fn deleting_needs_confirmation() {
    let mut app = loaded_app(10);
    press(&mut app, key('d'));
    assert!(matches!(app.overlay, Some(Overlay::Confirm { .. })));
    press(&mut app, key('n'));
    assert!(app.overlay.is_none());
    assert!(
        !app.take_cmds()
            .iter()
            .any(|r| matches!(r.cmd, Cmd::Delete(_)))
    );
    press(&mut app, key('d'));
    press(&mut app, key('y'));
    assert!(
        app.take_cmds()
            .iter()
            .any(|r| matches!(r.cmd, Cmd::Delete(id) if id == account_id(0)))
    );
}

#[test]
fn a_deleted_account_is_not_asked_for_again_while_the_list_reloads() {
    let mut app = loaded_app(10);
    press(&mut app, key('d'));
    press(&mut app, key('y'));
    let req = app
        .take_cmds()
        .into_iter()
        .find(|r| matches!(r.cmd, Cmd::Delete(_)))
        .expect("delete sent")
        .id;
    app.on_msg(Msg::Deleted {
        req,
        id: account_id(0),
        result: Ok(()),
    });
    // The old page still shows the account until page 0 comes back; the detail's debounce
    // must not fetch it (the server would answer 404, shown as an error).
    app.on_tick(later(3_000));
    let cmds = app.take_cmds();
    assert!(
        !cmds
            .iter()
            .any(|r| matches!(r.cmd, Cmd::LoadDetail { id } if id == account_id(0))),
        "{:?}",
        cmds.iter().map(|r| &r.cmd).collect::<Vec<_>>()
    );
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("deleted"))
    );
}

#[test]
fn own_comments_can_be_edited_others_not() {
    let mut app = loaded_app(10);
    press(&mut app, code(KeyCode::Tab));
    press(&mut app, code(KeyCode::Tab));
    assert_eq!(app.pane, Pane::Thread);
    // The first comment is ana's; we are admin, so it may be edited; as a plain user, not.
    if let Some(r) = app.ready.as_mut() {
        r.admin = false;
    }
    press(&mut app, key('e'));
    assert!(app.overlay.is_none());
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("only your own"))
    );
    press(&mut app, key('j'));
    press(&mut app, key('e'));
    let Some(Overlay::Form(
        FormKind::Comment {
            editing: Some(_), ..
        },
        form,
    )) = &app.overlay
    else {
        panic!("editor")
    };
    assert_eq!(
        form.value("comment"),
        "Contract renewal due in March.\nCall Jane first."
    );
}

#[test]
fn remapped_keys_work_and_the_old_ones_do_not() {
    let mut overrides = BTreeMap::new();
    overrides.insert("quit".to_string(), vec!["Q".to_string()]);
    overrides.insert("down".to_string(), vec!["ctrl-n".to_string()]);
    let (keymap, problems) = Keymap::with_overrides(&overrides);
    assert!(problems.is_empty());
    let mut app = loaded_app(100);
    app.keymap = keymap;
    press(&mut app, key('j'));
    assert_eq!(app.cursor(), 0);
    press(&mut app, ctrl('n'));
    assert_eq!(app.cursor(), 1);
    press(&mut app, key('q'));
    assert!(!app.quit);
    press(&mut app, key('Q'));
    assert!(app.quit);
}

#[test]
fn creating_an_account_reloads_and_selects_it() {
    let mut app = loaded_app(0);
    press(&mut app, key('n'));
    type_str(&mut app, "Foo");
    press(&mut app, ctrl('s'));
    let reqs = app.take_cmds();
    let r = reqs
        .iter()
        .find(|r| matches!(r.cmd, Cmd::Create(_)))
        .expect("create sent");
    let account: crmtui::model::Account =
        serde_json::from_value(account_json(0, false)).expect("account");
    app.on_msg(Msg::Saved {
        req: r.id,
        created: true,
        result: Ok(Box::new(account)),
    });
    assert!(app.overlay.is_none());
    let reqs = app.take_cmds();
    assert!(
        reqs.iter()
            .any(|r| matches!(r.cmd, Cmd::LoadPage { page: 0, .. })),
        "{reqs:?}"
    );
    serve_reqs(&mut app, reqs, 1);
    assert_eq!(app.total(), 1);
    assert_eq!(app.selected().map(|a| a.id), Some(account_id(0)));
}

#[test]
fn a_late_answer_never_closes_or_fills_a_newer_form() {
    let mut app = loaded_app(10);
    press(&mut app, key('n'));
    type_str(&mut app, "First");
    press(&mut app, ctrl('s'));
    let first = app
        .take_cmds()
        .into_iter()
        .find(|r| matches!(r.cmd, Cmd::Create(_)))
        .expect("create sent");
    // Cancel while it is in flight, open a new form of the same kind.
    press(&mut app, code(KeyCode::Esc));
    assert!(app.overlay.is_none());
    press(&mut app, key('n'));
    type_str(&mut app, "Second");
    let err = ClientError::Api {
        status: 400,
        message: "name: taken".into(),
        fields: BTreeMap::from([("name".to_string(), "taken".to_string())]),
    };
    app.on_msg(Msg::Saved {
        req: first.id,
        created: true,
        result: Err(err),
    });
    let Some(Overlay::Form(FormKind::NewAccount, form)) = &app.overlay else {
        panic!("the new form stays open")
    };
    assert!(form.errors.is_empty(), "{:?}", form.errors);
    app.on_msg(Msg::Saved {
        req: first.id,
        created: true,
        result: Ok(Box::new(detail(1).account_obj)),
    });
    let Some(Overlay::Form(FormKind::NewAccount, form)) = &app.overlay else {
        panic!("the new form is not closed by the old answer")
    };
    assert_eq!(form.value("name"), "Second");
}

#[test]
fn a_crashed_request_clears_busy_and_frees_the_form() {
    let mut app = loaded_app(10);
    press(&mut app, key('n'));
    type_str(&mut app, "Crash");
    press(&mut app, ctrl('s'));
    let r = app
        .take_cmds()
        .into_iter()
        .find(|r| matches!(r.cmd, Cmd::Create(_)))
        .expect("create sent");
    assert!(app.requests().contains(r.id));
    app.on_msg(Msg::Crashed { req: r.id });
    assert!(!app.requests().contains(r.id));
    let Some(Overlay::Form(_, form)) = &app.overlay else {
        panic!("the form stays open")
    };
    assert!(!form.busy);
    assert!(form.errors.contains_key(""));
}

#[test]
fn ctrl_c_quits_even_when_quit_is_rebound() {
    let mut overrides = BTreeMap::new();
    overrides.insert("quit".to_string(), vec!["Q".to_string()]);
    let (keymap, _) = Keymap::with_overrides(&overrides);
    let mut app = loaded_app(10);
    app.keymap = keymap.clone();
    press(&mut app, ctrl('c'));
    assert!(app.quit, "normal mode");
    let mut app = loaded_app(10);
    app.keymap = keymap;
    press(&mut app, key('n'));
    assert!(app.overlay.is_some());
    press(&mut app, ctrl('c'));
    assert!(app.quit, "in a form");
}

#[test]
fn passwords_never_show_in_debug_output() {
    let mut app = new_app();
    app.open_sign_in();
    type_str(&mut app, "me@x");
    press(&mut app, code(KeyCode::Tab));
    type_str(&mut app, "hunter2");
    let shown = format!("{:?}", app.overlay);
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("me@x"), "{shown}");
    press(&mut app, code(KeyCode::Enter));
    let reqs = app.take_cmds();
    let r = reqs
        .iter()
        .find(|r| matches!(r.cmd, Cmd::SignIn { .. }))
        .expect("sign in sent");
    let Cmd::SignIn { password, .. } = &r.cmd else {
        unreachable!()
    };
    assert_eq!(password.as_str(), "hunter2");
    let shown = format!("{r:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn a_warning_from_the_runtime_reaches_the_status_line() {
    let mut app = loaded_app(10);
    app.on_msg(Msg::Warn("the new session could not be stored".into()));
    let status = app.status.as_ref().expect("status");
    assert!(status.text.contains("could not be stored"));
}

#[test]
fn filter_status_is_case_insensitive_and_unknown_ones_are_errors() {
    let mut app = loaded_app(10);
    app.apply_filter_expr("status=Closed");
    assert_eq!(app.tab(), AccountStatus::Closed);
    app.apply_filter_expr("status=OPEN");
    assert_eq!(app.tab(), AccountStatus::Open);
    app.apply_filter_expr("status=shut");
    assert_eq!(app.tab(), AccountStatus::Open);
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("open or closed"))
    );
}

#[test]
fn mail_bodies_are_escaped_html() {
    assert_eq!(
        crmtui::tui::overlay::mail::plain_to_html("a<b> & c\nd"),
        "a&lt;b&gt; &amp; c<br>\nd"
    );
}

#[test]
fn a_failed_start_does_not_claim_to_retry() {
    let mut app = new_app();
    app.on_msg(Msg::BootFailed("cannot open the workspace".into()));
    assert!(matches!(app.link, Link::Failed(_)));
    let screen = render(&mut app, 100, 20);
    assert!(screen.contains("cannot open the workspace"), "{screen}");
    assert!(!screen.contains("retrying"), "{screen}");
}

#[test]
fn user_names_from_the_server_are_cleaned() {
    let mut app = new_app();
    app.on_msg(Msg::Ready(Box::new(ready())));
    let reqs = app.take_cmds();
    let mut list = page(0, 5, 5, 0);
    list.users[1].email = "\u{1b}[2Jevil\u{7}@example.com".into();
    app.on_msg(Msg::Page {
        req: reqs[0].id,
        epoch: app.epoch(),
        tab: AccountStatus::Open,
        page: 0,
        result: Ok(list),
    });
    let name = app.user_name(&ANA);
    assert!(!name.chars().any(char::is_control), "{name:?}");
    assert!(name.contains("evil"), "{name:?}");
}

#[test]
fn esc_asks_before_throwing_away_a_draft() {
    let mut app = loaded_app(10);
    // Unchanged: closes at once.
    press(&mut app, key('n'));
    press(&mut app, code(KeyCode::Esc));
    assert!(app.overlay.is_none());
    // Changed: asks; `n` goes back to the draft, `y` throws it away.
    for open in ['n', 'c', 'm', 'e'] {
        press(&mut app, key(open));
        type_str(&mut app, "draft");
        press(&mut app, code(KeyCode::Esc));
        assert!(
            matches!(app.overlay, Some(Overlay::Confirm { ref text, .. }) if text.contains("Discard")),
            "{open}: {:?}",
            app.overlay.is_some()
        );
        press(&mut app, key('n'));
        let Some(Overlay::Form(_, form)) = &app.overlay else {
            panic!("{open}: back to the form")
        };
        assert!(form.fields.iter().any(|f| f.value().contains("draft")));
        press(&mut app, code(KeyCode::Esc));
        press(&mut app, key('y'));
        assert!(app.overlay.is_none(), "{open}");
        app.pane = Pane::List;
    }
}

#[test]
fn saving_over_an_existing_file_needs_a_second_submit() {
    use crmtui::tui::msg::FieldError;
    let mut app = loaded_app(10);
    app.on_msg(Msg::Detail {
        req: 999,
        id: account_id(0),
        result: Ok(detail(0)),
    });
    app.pane = Pane::Thread;
    let comments = app.selected_detail().map(|d| d.comments.len()).unwrap_or(0);
    assert!(app.thread_len() > comments, "the fixture has an attachment");
    app.select_thread_item(comments);
    app.take_cmds();
    press(&mut app, key('s'));
    press(&mut app, ctrl('s'));
    let reqs = app.take_cmds();
    let Some((id, path)) = reqs.iter().find_map(|r| match &r.cmd {
        Cmd::Download {
            path, overwrite, ..
        } => {
            assert!(!overwrite, "the first submit never overwrites");
            Some((r.id, path.clone()))
        }
        _ => None,
    }) else {
        panic!("download sent")
    };
    app.on_msg(Msg::Downloaded {
        req: id,
        path,
        result: Err(FieldError::exists("path").into()),
    });
    let Some(Overlay::Form(_, form)) = &app.overlay else {
        panic!("the form stays open")
    };
    let err = form.errors.get("path").cloned().unwrap_or_default();
    assert!(err.contains("again to overwrite"), "{err}");
    press(&mut app, ctrl('s'));
    assert!(app.take_cmds().iter().any(|r| matches!(
        r.cmd,
        Cmd::Download {
            overwrite: true,
            ..
        }
    )));
}

#[test]
fn an_offline_start_says_so_and_then_connects() {
    let mut app = new_app();
    app.on_msg(Msg::Offline("127.0.0.1:1: server unreachable".into()));
    assert!(matches!(app.link, Link::Down(_)));
    assert!(app.overlay.is_none(), "no sign-in while offline");
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("offline"), "{screen}");
    app.on_msg(Msg::Ready(Box::new(ready())));
    assert_eq!(app.link, Link::Up);
}

#[test]
fn a_bad_key_name_keeps_the_default_and_a_bad_page_size_is_clamped() {
    let mut overrides = BTreeMap::new();
    overrides.insert("quit".to_string(), vec!["notakey-zz".to_string()]);
    let (keymap, problems) = Keymap::with_overrides(&overrides);
    assert!(
        problems.iter().any(|p| p.contains("keeping the default")),
        "{problems:?}"
    );
    let mut app = loaded_app(10);
    app.keymap = keymap;
    press(&mut app, key('q'));
    assert!(app.quit, "q still quits");

    let mut notes = Vec::new();
    assert_eq!(crmtui::tui::page_size(Some(5), &mut notes), 10);
    assert_eq!(crmtui::tui::page_size(Some(5000), &mut notes), 1000);
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(crmtui::tui::page_size(Some(200), &mut notes), 200);
    assert_eq!(crmtui::tui::page_size(None, &mut notes), 100);
    assert_eq!(notes.len(), 2);
}

#[test]
fn the_start_up_sign_in_says_esc_quits_and_path_dialogs_have_hints() {
    let mut app = new_app();
    let mut r = ready();
    r.needs_sign_in = true;
    app.on_msg(Msg::Ready(Box::new(r)));
    let Some(Overlay::Form(FormKind::SignIn, form)) = &app.overlay else {
        panic!("sign-in")
    };
    assert!(
        form.note
            .as_deref()
            .is_some_and(|n| n.contains("esc quits")),
        "{:?}",
        form.note
    );
    let mut app = loaded_app(10);
    press(&mut app, key('a'));
    let Some(Overlay::Form(FormKind::AttachPath(_), form)) = &app.overlay else {
        panic!("attach")
    };
    assert!(form.note.is_some());
}

fn status_text(app: &crmtui::tui::app::App) -> String {
    app.status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

#[test]
fn status_messages_say_what_happened() {
    use crmtui::model::{AccountStatus, MailSent};
    let mut app = loaded_app(10);
    // x closes: "closed NAME", not "saved NAME".
    press(&mut app, key('x'));
    let reqs = app.take_cmds();
    let r = reqs
        .iter()
        .find(|r| matches!(r.cmd, Cmd::Update(..)))
        .expect("update");
    let mut account = app.selected().cloned().expect("selected");
    account.status = AccountStatus::Closed;
    app.on_msg(Msg::Saved {
        req: r.id,
        created: false,
        result: Ok(Box::new(account)),
    });
    assert!(
        status_text(&app).starts_with("closed "),
        "{}",
        status_text(&app)
    );
    // A failed upload is a failure, not "file attached: …".
    app.on_msg(Msg::Thread {
        req: 777,
        owner: crmtui::tui::msg::Owner::Account(account_id(0)),
        change: crmtui::tui::msg::ThreadChange::FileAttached,
        result: Err(ClientError::Api {
            status: 413,
            message: "Request body is too large.".into(),
            fields: BTreeMap::new(),
        }
        .into()),
    });
    assert!(
        status_text(&app).starts_with("attaching the file: "),
        "{}",
        status_text(&app)
    );
    // Mail: accepted, not "sent successfully".
    press(&mut app, key('m'));
    type_str(&mut app, "a@b.test");
    press(&mut app, ctrl('s'));
    let reqs = app.take_cmds();
    let r = reqs
        .iter()
        .find(|r| matches!(r.cmd, Cmd::Mail { .. }))
        .expect("mail");
    app.on_msg(Msg::MailSent {
        req: r.id,
        result: Ok(MailSent {
            status: "success".into(),
            message: "Email sent successfully".into(),
            email_id: uuid::Uuid::nil(),
        }),
    });
    assert_eq!(status_text(&app), "email accepted by the server");
    // "refreshing…" goes once the list is back.
    press(&mut app, key('r'));
    assert!(status_text(&app).starts_with("refreshing"));
    serve(&mut app, 10);
    assert!(
        !status_text(&app).starts_with("refreshing"),
        "{}",
        status_text(&app)
    );
    // A form's error goes with the form.
    press(&mut app, key('n'));
    type_str(&mut app, "Dup");
    press(&mut app, ctrl('s'));
    let reqs = app.take_cmds();
    let r = reqs
        .iter()
        .find(|r| matches!(r.cmd, Cmd::Create(_)))
        .expect("create");
    app.on_msg(Msg::Saved {
        req: r.id,
        created: true,
        result: Err(ClientError::Api {
            status: 400,
            message: "bad".into(),
            fields: BTreeMap::new(),
        }),
    });
    assert!(status_text(&app).contains("bad"));
    press(&mut app, code(KeyCode::Esc));
    press(&mut app, key('y'));
    assert!(app.overlay.is_none());
    assert!(app.status.is_none(), "{}", status_text(&app));
}

#[test]
fn a_long_status_error_keeps_its_hint_at_80_columns() {
    let mut app = loaded_app(10);
    app.on_msg(Msg::Page {
        req: 4242,
        epoch: app.epoch(),
        tab: AccountStatus::Open,
        page: 0,
        result: Err(ClientError::SessionExpired(
            "Given token not valid for any token type; the refresh token was refused too".into(),
        )),
    });
    app.overlay = None;
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("to sign in again"), "{screen}");
}

#[test]
fn the_filter_bar_keeps_the_name_label_when_filtered() {
    let mut app = loaded_app(10);
    app.run_command("filter name=acme");
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("name:acme"), "{screen}");
}

#[test]
fn filter_values_can_be_quoted_and_unknown_keys_and_views_are_errors() {
    let mut app = loaded_app(10);
    app.run_command(r#"filter city="san francisco" industry='big tech' acme"#);
    assert_eq!(app.filter().city.as_deref(), Some("san francisco"));
    assert_eq!(app.filter().industry.as_deref(), Some("big tech"));
    assert_eq!(app.filter().name.as_deref(), Some("acme"));
    app.run_command("filter bogus=1");
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("unknown filter")),
        "{:?}",
        app.status
    );
    assert_eq!(
        app.filter().city.as_deref(),
        Some("san francisco"),
        "unchanged"
    );
    app.run_command("accounts bogus");
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("unknown view"))
    );
    assert_eq!(
        app.filter().name.as_deref(),
        Some("acme"),
        "not a name filter"
    );
    app.run_command(r#"filter city="unclosed"#);
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("quote"))
    );
}

#[test]
fn a_refused_list_is_an_error_not_loading_forever() {
    let mut app = new_app();
    app.on_msg(Msg::Ready(Box::new(ready())));
    let reqs = app.take_cmds();
    app.on_msg(Msg::Page {
        req: reqs[0].id,
        epoch: app.epoch(),
        tab: AccountStatus::Open,
        page: 0,
        result: Err(ClientError::Api {
            status: 403,
            message: "You are not an active member of this organization.".into(),
            fields: BTreeMap::new(),
        }),
    });
    app.status = None;
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("not an active member"), "{screen}");
    assert!(!screen.contains("loading…"), "{screen}");
}

#[test]
fn every_start_up_note_reaches_the_status_line() {
    let mut app = new_app();
    let mut r = ready();
    r.notes = vec!["[keys] quit: bad".into(), "page_size 5 is outside".into()];
    app.on_msg(Msg::Ready(Box::new(r)));
    let text = app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(
        text.contains("[keys] quit") && text.contains("page_size"),
        "{text}"
    );
}

#[test]
fn paging_follows_the_list_height_of_the_last_frame() {
    let mut app = loaded_app(500);
    // 24 rows: header, filter bar and two status rows leave 20; borders and the table header 17.
    render(&mut app, 80, 24);
    press(&mut app, code(KeyCode::PageDown));
    assert_eq!(app.cursor(), 17);
    // A smaller window pages by what it shows (7 rows at 14 high).
    render(&mut app, 80, 14);
    press(&mut app, code(KeyCode::PageDown));
    assert_eq!(app.cursor(), 24);
}

// --- copy (`y`), open (`o`), the external editor, read-only -----------------------------------

use crmtui::tui::msg::Effect;

#[test]
fn y_offers_the_records_values_and_copies_the_chosen_one() {
    let mut app = loaded_app(10);
    press(&mut app, key('y'));
    let Some(Overlay::Pick(pick)) = &app.overlay else {
        panic!("no copy choice: {:?}", app.overlay);
    };
    let keys: String = pick.choices.iter().map(|c| c.key).collect();
    assert_eq!(keys, "ynepwa");
    press(&mut app, key('e'));
    assert!(app.overlay.is_none());
    assert_eq!(
        app.take_effects(),
        vec![Effect::Copy("contact0@example.com".into())]
    );
    assert_eq!(status_text(&app), "copied the email: contact0@example.com");

    // `yy`: the id.
    press(&mut app, key('y'));
    press(&mut app, key('y'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Copy(account_id(0).to_string())]
    );
    // Esc copies nothing.
    press(&mut app, key('y'));
    press(&mut app, code(KeyCode::Esc));
    assert!(app.overlay.is_none() && app.take_effects().is_empty());
}

#[test]
fn y_in_the_thread_copies_the_selected_comment() {
    let mut app = loaded_app(10);
    press(&mut app, code(KeyCode::Tab));
    press(&mut app, code(KeyCode::Tab));
    press(&mut app, key('j'));
    press(&mut app, key('y'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Copy(
            "Contract renewal due in March.\nCall Jane first.".into()
        )]
    );
    assert_eq!(
        status_text(&app),
        "copied the comment: Contract renewal due in March."
    );
}

#[test]
fn with_the_clipboard_off_nothing_is_copied_and_the_user_is_told() {
    let mut app = loaded_app(10);
    app.clipboard = false;
    press(&mut app, key('y'));
    press(&mut app, key('n'));
    assert!(app.take_effects().is_empty());
    assert!(
        status_text(&app).contains("clipboard is off"),
        "{}",
        status_text(&app)
    );
}

#[test]
fn o_opens_with_a_display_and_copies_over_ssh() {
    let mut app = loaded_app(10);
    app.desktop = true;
    press(&mut app, key('o'));
    // Website and email: a choice.
    assert!(matches!(&app.overlay, Some(Overlay::Pick(_))));
    press(&mut app, key('w'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Open("https://example.com/".into())]
    );
    press(&mut app, key('o'));
    press(&mut app, key('e'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Open("mailto:contact0@example.com".into())]
    );

    // No local display (SSH): the URL is copied instead, and the status line says so.
    app.desktop = false;
    press(&mut app, key('o'));
    press(&mut app, key('w'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Copy("https://example.com/".into())]
    );
    assert_eq!(
        status_text(&app),
        "no local display: copied the website instead: https://example.com/"
    );
    // Neither a display nor a clipboard: only the status line.
    app.clipboard = false;
    press(&mut app, key('o'));
    press(&mut app, key('w'));
    assert!(app.take_effects().is_empty());
    assert!(status_text(&app).contains("https://example.com/"));
}

#[test]
fn o_never_hands_another_scheme_to_the_opener() {
    // A website the server sent as `javascript:` or `file:` is not offered; only the email is.
    let mut page = page(0, 1, 1, 0);
    page.open_accounts[0].website = "file:///etc/passwd".into();
    let mut fresh = new_app();
    fresh.desktop = true;
    fresh.on_msg(Msg::Ready(Box::new(ready())));
    let reqs = fresh.take_cmds();
    let (req, epoch) = match &reqs[0].cmd {
        Cmd::LoadPage { epoch, .. } => (reqs[0].id, *epoch),
        other => panic!("{other:?}"),
    };
    fresh.on_msg(Msg::Page {
        req,
        epoch,
        tab: AccountStatus::Open,
        page: 0,
        result: Ok(page),
    });
    press(&mut fresh, key('o'));
    assert!(fresh.overlay.is_none(), "one choice is taken at once");
    assert_eq!(
        fresh.take_effects(),
        vec![Effect::Open("mailto:contact0@example.com".into())]
    );
}

#[test]
fn ctrl_e_hands_the_comment_to_the_editor_and_takes_the_text_back() {
    let mut app = loaded_app(10);
    press(&mut app, key('c'));
    type_str(&mut app, "draft");
    press(&mut app, ctrl('e'));
    assert_eq!(app.take_effects(), vec![Effect::Edit("draft".into())]);
    app.on_msg(Msg::Edited(Ok("line one\nline two".into())));
    let Some(Overlay::Form(FormKind::Comment { .. }, form)) = &app.overlay else {
        panic!("the comment editor closed: {:?}", app.overlay);
    };
    assert_eq!(form.value("comment"), "line one\nline two");

    // A failing editor keeps the draft and says so.
    app.on_msg(Msg::Edited(Err(
        "the editor \"false\" failed (exit status: 1)".into(),
    )));
    let Some(Overlay::Form(_, form)) = &app.overlay else {
        panic!("closed");
    };
    assert_eq!(form.value("comment"), "line one\nline two");
    assert!(
        status_text(&app).contains("draft is unchanged"),
        "{}",
        status_text(&app)
    );
}

#[test]
fn ctrl_e_in_the_mail_edits_the_body_whatever_field_has_the_focus() {
    let mut app = loaded_app(10);
    press(&mut app, key('m'));
    type_str(&mut app, "x"); // in "To"
    press(&mut app, ctrl('e'));
    assert_eq!(app.take_effects(), vec![Effect::Edit(String::new())]);
    app.on_msg(Msg::Edited(Ok("Hello,\n\nsee you.".into())));
    let Some(Overlay::Form(FormKind::Mail(_), form)) = &app.overlay else {
        panic!("closed");
    };
    assert_eq!(form.value("html"), "Hello,\n\nsee you.");
    assert_eq!(form.value("recipients"), "contact0@example.comx");
    // Other forms have no long text: ctrl-e is an edit key there, nothing leaves.
    press(&mut app, code(KeyCode::Esc));
    press(&mut app, key('y'));
    assert!(app.overlay.is_none());
    press(&mut app, key('n'));
    assert!(matches!(
        app.overlay,
        Some(Overlay::Form(FormKind::NewAccount, _))
    ));
    press(&mut app, ctrl('e'));
    assert!(app.take_effects().is_empty());
}

#[test]
fn read_only_refuses_every_write_key_and_sends_nothing() {
    use crmtui::tui::keymap::Action;
    let mut app = loaded_app(10);
    app.read_only = true;
    for pane in [0, 1, 2] {
        for _ in 0..pane {
            press(&mut app, code(KeyCode::Tab));
        }
        for &action in Action::ALL.iter().filter(|a| a.writes()) {
            app.act(action);
            assert!(app.overlay.is_none(), "{action:?} opened {:?}", app.overlay);
            assert!(
                status_text(&app).starts_with("read-only:"),
                "{action:?}: {}",
                status_text(&app)
            );
        }
        press(&mut app, code(KeyCode::Esc));
    }
    // From the command line too.
    app.run_command("delete");
    assert!(app.overlay.is_none());
    assert!(app.take_cmds().iter().all(|r| !r.cmd.writes()));
    // Reads and local actions still work.
    press(&mut app, key('y'));
    assert!(matches!(app.overlay, Some(Overlay::Pick(_))));
}

#[test]
fn the_worker_refuses_writes_in_read_only_mode() {
    use crmtui::tui::worker::refused;
    let msg = refused(7, Cmd::Delete(account_id(1)));
    assert!(
        matches!(&msg, Msg::Deleted { req: 7, result: Err(ClientError::Local(m)), .. } if m.starts_with("read-only")),
        "{msg:?}"
    );
    assert!(Cmd::Delete(account_id(1)).writes());
    assert!(!Cmd::LoadDetail { id: account_id(1) }.writes());
}

// --- :export ----------------------------------------------------------------------------------

fn export_job(reqs: &[crmtui::tui::msg::Request]) -> (u64, crmtui::tui::msg::ExportJob) {
    reqs.iter()
        .find_map(|r| match &r.cmd {
            Cmd::Export(job) => Some((r.id, (**job).clone())),
            _ => None,
        })
        .expect("an export request")
}

#[test]
fn export_sends_the_filtered_list_and_shows_progress() {
    use crmtui::tui::msg::ExportFormat;
    let mut app = loaded_app(1204);
    app.run_command("filter city=Austin");
    serve(&mut app, 1204);
    app.run_command("export /tmp/out.CSV");
    let (req, job) = export_job(&app.take_cmds());
    assert_eq!(job.format, ExportFormat::Csv);
    let crmtui::tui::msg::ExportSource::Accounts { filter, tab } = &job.source else {
        panic!("not the accounts: {job:?}");
    };
    assert_eq!(filter.city.as_deref(), Some("Austin"));
    assert_eq!(*tab, AccountStatus::Open);
    assert!(!job.overwrite);
    assert_eq!(app.busy_label(), Some("exporting"));
    app.on_msg(Msg::ExportProgress {
        req,
        done: 500,
        total: 1204,
    });
    assert_eq!(status_text(&app), "exporting: 500/1204 rows · esc cancels");
    // Only one at a time.
    app.run_command("export /tmp/other.json");
    assert!(app.take_cmds().is_empty());
    app.on_msg(Msg::Exported {
        req,
        path: job.path.clone(),
        result: Ok(1204),
    });
    assert_eq!(status_text(&app), "exported 1204 rows to /tmp/out.CSV");
    assert!(app.busy_label().is_none());
}

#[test]
fn export_needs_a_known_extension() {
    let mut app = loaded_app(10);
    app.run_command("export /tmp/out.xlsx");
    assert!(app.take_cmds().is_empty());
    assert!(status_text(&app).contains("must end in .csv or .json"));
    app.run_command("export");
    assert!(app.take_cmds().is_empty());
}

#[test]
fn export_over_an_existing_file_asks_first() {
    use crmtui::tui::msg::{FieldError, TaskError};
    let mut app = loaded_app(10);
    app.run_command("export /tmp/out.json");
    let (req, job) = export_job(&app.take_cmds());
    app.on_msg(Msg::Exported {
        req,
        path: job.path.clone(),
        result: Err(TaskError::Field(FieldError::exists("path"))),
    });
    let Some(Overlay::Confirm { text, .. }) = &app.overlay else {
        panic!("no confirmation: {:?}", app.overlay);
    };
    assert_eq!(text, "/tmp/out.json exists. Replace it?");
    press(&mut app, key('y'));
    let (_, again) = export_job(&app.take_cmds());
    assert!(again.overwrite);
    assert_eq!(again.path, job.path);
    // `n` keeps the file and sends nothing.
    let mut app = loaded_app(10);
    app.run_command("export /tmp/out.json");
    let (req, job) = export_job(&app.take_cmds());
    app.on_msg(Msg::Exported {
        req,
        path: job.path,
        result: Err(TaskError::Field(FieldError::exists("path"))),
    });
    press(&mut app, key('n'));
    assert!(app.overlay.is_none() && app.take_cmds().is_empty());
}

#[test]
fn esc_cancels_the_export_and_its_late_answer_is_ignored() {
    let mut app = loaded_app(10);
    press(&mut app, code(KeyCode::Enter)); // the detail: Esc would go back to the list
    app.run_command("export /tmp/out.csv");
    let (req, job) = export_job(&app.take_cmds());
    press(&mut app, code(KeyCode::Esc));
    let reqs = app.take_cmds();
    assert!(
        reqs.iter()
            .any(|r| matches!(r.cmd, Cmd::Cancel { req: c } if c == req)),
        "{reqs:?}"
    );
    assert_eq!(app.pane, Pane::Detail, "Esc cancelled, it did not go back");
    assert_eq!(status_text(&app), "export cancelled; nothing was written");
    assert!(app.busy_label().is_none());
    app.on_msg(Msg::ExportProgress {
        req,
        done: 5,
        total: 10,
    });
    app.on_msg(Msg::Exported {
        req,
        path: job.path,
        result: Ok(10),
    });
    assert_eq!(status_text(&app), "export cancelled; nothing was written");
}

// --- the mouse ----------------------------------------------------------------------------------

fn mouse(
    kind: crossterm::event::MouseEventKind,
    column: u16,
    row: u16,
) -> crossterm::event::MouseEvent {
    crossterm::event::MouseEvent {
        kind,
        column,
        row,
        modifiers: crossterm::event::KeyModifiers::NONE,
    }
}

#[test]
fn the_mouse_scrolls_the_pane_under_it_and_a_click_selects() {
    use crossterm::event::{MouseButton, MouseEventKind as M};
    let mut app = loaded_app(1204);
    app.mouse = true;
    // At 80x24 the list's first row is screen row 4 (header, filter bar, border, column titles).
    render(&mut app, 80, 24);
    app.on_mouse(mouse(M::Down(MouseButton::Left), 5, 7));
    assert_eq!(app.cursor(), 3);
    assert_eq!(app.pane, Pane::List);
    // The wheel over the list moves it; over the detail it scrolls the detail, focus unchanged.
    app.on_mouse(mouse(M::ScrollDown, 5, 10));
    assert_eq!(app.cursor(), 6);
    let before = app.detail.scroll;
    app.on_mouse(mouse(M::ScrollDown, 60, 6));
    assert_eq!(app.detail.scroll, before + 3);
    assert_eq!(app.pane, Pane::List);
    assert_eq!(app.cursor(), 6);
    // A click in the thread focuses it; clicks on borders and the header select nothing.
    render(&mut app, 80, 24);
    app.on_mouse(mouse(M::Down(MouseButton::Left), 60, 18));
    assert_eq!(app.pane, Pane::Thread);
    app.on_mouse(mouse(M::Down(MouseButton::Left), 5, 0));
    assert_eq!(app.pane, Pane::Thread);
    app.on_mouse(mouse(M::Down(MouseButton::Left), 0, 7));
    assert_eq!(app.pane, Pane::List);
    assert_eq!(app.cursor(), 6, "the border is no row");
    // After scrolling far, a click maps through the list's scroll.
    app.on_mouse(mouse(M::ScrollDown, 5, 10));
    for _ in 0..20 {
        app.on_mouse(mouse(M::ScrollDown, 5, 10));
    }
    render(&mut app, 80, 24);
    let scroll = app.list.scroll;
    assert!(scroll > 0);
    app.on_mouse(mouse(M::Down(MouseButton::Left), 5, 4));
    assert_eq!(app.cursor(), scroll);
}

#[test]
fn the_mouse_is_off_by_default_and_never_acts_behind_an_overlay() {
    use crossterm::event::{MouseButton, MouseEventKind as M};
    let mut app = loaded_app(1204);
    render(&mut app, 80, 24);
    app.on_mouse(mouse(M::Down(MouseButton::Left), 5, 7));
    app.on_mouse(mouse(M::ScrollDown, 5, 7));
    assert_eq!(app.cursor(), 0);
    app.mouse = true;
    press(&mut app, key('?'));
    app.on_mouse(mouse(M::Down(MouseButton::Left), 5, 7));
    assert_eq!(app.cursor(), 0);
    // On a narrow screen only the focused pane is drawn: the click goes to it.
    press(&mut app, code(KeyCode::Esc));
    render(&mut app, 50, 20);
    app.on_mouse(mouse(M::Down(MouseButton::Left), 5, 5));
    assert_eq!(app.cursor(), 1);
    app.on_mouse(mouse(M::Down(MouseButton::Left), 45, 19));
    assert_eq!(app.pane, Pane::List);
}

#[test]
fn a_click_in_the_thread_selects_the_comment_or_file_under_it() {
    use crossterm::event::{MouseButton, MouseEventKind as M};
    let mut app = loaded_app(10);
    app.mouse = true;
    // At 80x24 the thread's box starts on row 13: ana's comment on 14-15, yours on 16-18, the
    // "Attachments" heading on 19 and the file on 20.
    render(&mut app, 80, 24);
    app.on_mouse(mouse(M::Down(MouseButton::Left), 60, 20));
    assert_eq!(app.pane, Pane::Thread);
    assert_eq!(app.thread.cursor, 2);
    render(&mut app, 80, 24);
    app.on_mouse(mouse(M::Down(MouseButton::Left), 60, 19));
    assert_eq!(app.thread.cursor, 2, "the heading is no item");
    app.on_mouse(mouse(M::Down(MouseButton::Left), 60, 17));
    assert_eq!(app.thread.cursor, 1);
    app.on_mouse(mouse(M::Down(MouseButton::Left), 60, 14));
    assert_eq!(app.thread.cursor, 0);
}

// --- offline reading ----------------------------------------------------------------------------

#[test]
fn offline_the_cache_is_shown_stale_writes_are_refused_and_the_server_brings_it_back() {
    use crmtui::tui::keymap::Action;
    use crmtui::tui::offline::OfflineCache;
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = OfflineCache::new(dir.path(), "work http://crm.test/ org", 1 << 20);
    let at = clock() - chrono::Duration::hours(3);
    fill_cache(&cache, 30, at);
    let mut app = offline_app(&cache);
    assert_eq!(app.total(), 30, "the kept page is shown");
    assert!(app.selected_detail().is_some(), "and the kept detail");
    assert_eq!(app.offline.as_ref().and_then(|o| o.since), Some(at));
    // Every write is refused in the app, with the reason, and nothing leaves.
    for &action in Action::ALL.iter().filter(|a| a.writes()) {
        app.act(action);
        assert!(app.overlay.is_none(), "{action:?} opened {:?}", app.overlay);
        let status = status_text(&app);
        assert!(
            status.starts_with("offline:") && status.contains("until the server answers"),
            "{action:?}: {status}"
        );
    }
    press(&mut app, key('n'));
    assert_eq!(
        status_text(&app),
        "offline: new is off until the server answers"
    );
    assert!(app.take_cmds().iter().all(|r| !r.cmd.writes()));
    // The probe's next failure does not hide that message.
    app.on_msg(Msg::Offline("crm.test: connection refused".into()));
    assert!(status_text(&app).starts_with("offline: new is off"));
    // A record never seen says so.
    press(&mut app, key('j'));
    app.on_tick(Instant::now() + std::time::Duration::from_secs(2));
    serve_from_cache(&mut app, &cache);
    assert!(
        status_text(&app).contains("not in the offline cache"),
        "{}",
        status_text(&app)
    );
    // The server answers: live again by itself, and everything is asked for afresh.
    app.on_msg(Msg::Ready(Box::new(ready())));
    assert!(app.offline.is_none());
    assert_eq!(app.link, crmtui::tui::app::Link::Up);
    assert!(status_text(&app).starts_with("online again"));
    let reqs = app.take_cmds();
    assert!(
        reqs.iter().any(|r| matches!(r.cmd, Cmd::LoadPage { .. })),
        "{reqs:?}"
    );
    press(&mut app, key('n'));
    assert!(app.overlay.is_some(), "writes are back");
}

#[test]
fn a_server_lost_mid_session_puts_the_app_on_the_cache_until_it_answers_again() {
    use crmtui::model::Profile;
    let mut app = loaded_app(30);
    assert!(app.offline.is_none());
    // The worker could not reach the server and answered from the cache.
    press(&mut app, code(KeyCode::Tab));
    press(&mut app, key('r'));
    let reqs = app.take_cmds();
    let Some(r) = reqs.iter().find(|r| matches!(r.cmd, Cmd::LoadPage { .. })) else {
        panic!("no page asked for: {reqs:?}");
    };
    let Cmd::LoadPage {
        epoch,
        tab,
        page: p,
        ..
    } = r.cmd.clone()
    else {
        unreachable!()
    };
    let at = clock() - chrono::Duration::minutes(20);
    app.on_msg(Msg::Cached {
        at,
        msg: Box::new(Msg::Page {
            req: r.id,
            epoch,
            tab,
            page: p,
            result: Ok(page(0, 30, 30, 0)),
        }),
    });
    assert_eq!(app.offline.as_ref().and_then(|o| o.since), Some(at));
    assert!(matches!(app.link, Link::Down(_)));
    assert_eq!(app.total(), 30, "the cached rows are shown");
    press(&mut app, key('n'));
    assert_eq!(
        status_text(&app),
        "offline: new is off until the server answers"
    );
    // Every few seconds it asks whether the server is back, one question at a time.
    let later = Instant::now() + Duration::from_secs(4);
    app.on_tick(later);
    let probes: Vec<_> = app
        .take_cmds()
        .into_iter()
        .filter(|r| matches!(r.cmd, Cmd::Profile))
        .collect();
    assert_eq!(probes.len(), 1, "{probes:?}");
    app.on_tick(later + Duration::from_secs(4));
    assert!(
        app.take_cmds()
            .iter()
            .all(|r| !matches!(r.cmd, Cmd::Profile)),
        "a second question while the first waits"
    );
    // Still down: the failure leaves the app on the cache.
    app.on_msg(Msg::Profile {
        req: probes[0].id,
        result: Err(ClientError::Unreachable("connection refused".into())),
    });
    assert!(app.offline.is_some());
    app.on_tick(later + Duration::from_secs(8));
    let probe = app
        .take_cmds()
        .into_iter()
        .find(|r| matches!(r.cmd, Cmd::Profile))
        .expect("asked again");
    // A live answer: the app goes live and asks for everything again.
    let profile: Profile = serde_json::from_value(serde_json::json!({
        "user": {"id": ME.to_string(), "email": "you@localhost"},
        "org": {"id": ORG.to_string(), "name": "Org A", "role": "ADMIN"},
    }))
    .expect("profile");
    app.on_msg(Msg::Profile {
        req: probe.id,
        result: Ok(profile),
    });
    assert!(app.offline.is_none());
    assert_eq!(app.link, Link::Up);
    assert!(status_text(&app).starts_with("online again"));
    let reqs = app.take_cmds();
    assert!(
        reqs.iter().any(|r| matches!(r.cmd, Cmd::LoadPage { .. })),
        "{reqs:?}"
    );
    press(&mut app, key('n'));
    assert!(app.overlay.is_some(), "writes are back");
}
