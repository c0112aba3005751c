//! Every pane on a `TestBackend`, at 80x24 and at a large size, as insta snapshots; and no size
//! or hostile text can make drawing panic.

mod tui_common;

use std::collections::BTreeMap;

use crmtui::client::ClientError;
use crmtui::model::AccountStatus;
use crmtui::tui::msg::{Cmd, Msg};
use crossterm::event::KeyCode;
use tui_common::*;

#[test]
fn list_80x24() {
    let mut app = loaded_app(1204);
    insta::assert_snapshot!(render(&mut app, 80, 24));
}

#[test]
fn list_160x48() {
    let mut app = loaded_app(1204);
    insta::assert_snapshot!(render(&mut app, 160, 48));
}

#[test]
fn detail_focused_80x24() {
    let mut app = loaded_app(1204);
    press(&mut app, code(KeyCode::Enter));
    insta::assert_snapshot!(render(&mut app, 80, 24));
}

#[test]
fn comments_focused_80x24_and_large() {
    let mut app = loaded_app(1204);
    press(&mut app, code(KeyCode::Tab));
    press(&mut app, code(KeyCode::Tab));
    press(&mut app, key('j'));
    insta::assert_snapshot!("comments_80x24", render(&mut app, 80, 24));
    insta::assert_snapshot!("comments_140x40", render(&mut app, 140, 40));
}

#[test]
fn narrow_terminal_shows_the_focused_pane() {
    let mut app = loaded_app(1204);
    insta::assert_snapshot!("narrow_list_60x20", render(&mut app, 60, 20));
    press(&mut app, code(KeyCode::Tab));
    insta::assert_snapshot!("narrow_detail_60x20", render(&mut app, 60, 20));
}

#[test]
fn empty_workspace_hints_how_to_start() {
    let mut app = loaded_app(0);
    insta::assert_snapshot!(render(&mut app, 80, 24));
}

#[test]
fn help_is_built_from_the_keymap() {
    let mut app = loaded_app(10);
    press(&mut app, key('?'));
    insta::assert_snapshot!(render(&mut app, 100, 50));
}

#[test]
fn account_form_with_field_errors() {
    let mut app = loaded_app(10);
    press(&mut app, key('n'));
    type_str(&mut app, "ACME");
    press(&mut app, code(KeyCode::Tab));
    type_str(&mut app, "not-an-email");
    press(&mut app, ctrl('s'));
    let r = app
        .take_cmds()
        .into_iter()
        .find(|r| matches!(r.cmd, Cmd::Create(_)))
        .expect("create");
    let mut fields = BTreeMap::new();
    fields.insert(
        "email".to_string(),
        "Enter a valid email address.".to_string(),
    );
    fields.insert(
        "name".to_string(),
        "an account named ACME exists".to_string(),
    );
    app.on_msg(Msg::Saved {
        req: r.id,
        created: true,
        result: Err(ClientError::Api {
            status: 400,
            message: "…".into(),
            fields,
        }),
    });
    insta::assert_snapshot!("form_errors_80x24", render(&mut app, 80, 24));
}

#[test]
fn mail_and_confirm_and_command_line() {
    let mut app = loaded_app(10);
    press(&mut app, key('m'));
    insta::assert_snapshot!("mail_80x24", render(&mut app, 80, 24));
    press(&mut app, code(KeyCode::Esc));
    press(&mut app, key('d'));
    insta::assert_snapshot!("confirm_80x24", render(&mut app, 80, 24));
    press(&mut app, key('n'));
    press(&mut app, key(':'));
    type_str(&mut app, "filter city=Austin");
    insta::assert_snapshot!("command_80x24", render(&mut app, 80, 24));
}

#[test]
fn error_bodies_reach_the_status_line_readably() {
    let mut app = loaded_app(10);
    let html = crmtui::client::error::from_response(
        502,
        "text/html",
        b"<html><head><title>502 Bad Gateway</title></head></html>",
    );
    press(&mut app, key('r'));
    let r = app
        .take_cmds()
        .into_iter()
        .find(|r| matches!(r.cmd, Cmd::LoadPage { .. }))
        .expect("reload");
    let Cmd::LoadPage { epoch, page, .. } = r.cmd else {
        unreachable!()
    };
    app.on_msg(Msg::Page {
        req: r.id,
        epoch,
        tab: AccountStatus::Open,
        page,
        result: Err(html),
    });
    let screen = render(&mut app, 80, 24);
    assert!(
        screen.contains("loading accounts: 502 Bad Gateway"),
        "{screen}"
    );
    // A message longer than its line takes the hints' line too, and reads whole.
    app.on_msg(Msg::Warn(
        "the new session could not be stored (no keyring answers on this machine: Secret \
         Service is not running); sign in again after a restart"
            .into(),
    ));
    let screen = render(&mut app, 80, 24);
    let bottom: Vec<&str> = screen.lines().rev().take(2).collect();
    assert!(bottom[1].contains("the new session could not"), "{screen}");
    assert!(
        bottom[0].contains("sign in again after a restart"),
        "{screen}"
    );
    insta::assert_snapshot!("long_status_80x24", screen);
}

#[test]
fn hostile_text_cannot_break_the_layout() {
    let mut app = new_app();
    app.on_msg(Msg::Ready(Box::new(ready())));
    let reqs = app.take_cmds();
    let mut evil = account_json(0, false);
    evil["name"] = serde_json::json!(
        "\x1b[2J\x1b[31mEVIL\ttab\r\nnew\u{202E}line 東京東京東京東京東京東京東京東京東京東京東京"
    );
    evil["billing_city"] = serde_json::json!("\x1b]0;pwned\x07City\x07");
    let list = serde_json::json!({"open_accounts": [evil], "closed_accounts": [], "accounts_count": 1,
                                  "open_accounts_count": 1, "closed_accounts_count": 0});
    let list = serde_json::from_value(list).expect("list");
    app.on_msg(Msg::Page {
        req: reqs[0].id,
        epoch: app.epoch(),
        tab: AccountStatus::Open,
        page: 0,
        result: Ok(Box::new(list)),
    });
    let screen = render(&mut app, 80, 24);
    assert!(!screen.contains('\x1b'));
    assert!(!screen.contains('\u{202E}'));
    assert!(screen.contains("EVIL tab newline"), "{screen}");
    insta::assert_snapshot!("hostile_80x24", screen);
}

#[test]
fn every_size_draws_without_panicking() {
    let mut app = loaded_app(1204);
    for pane_presses in 0..3 {
        for w in (1..=130).step_by(7) {
            for h in 1..=40 {
                let _ = render(&mut app, w, h);
            }
        }
        press(&mut app, code(KeyCode::Tab));
        let _ = pane_presses;
    }
    press(&mut app, key('n'));
    for w in 1..=90 {
        for h in (1..=30).step_by(3) {
            let _ = render(&mut app, w, h);
        }
    }
}

#[test]
fn no_color_theme_has_no_colours() {
    let mut app = loaded_app(10);
    app.theme = crmtui::tui::theme::Theme::pick(None, true);
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::style::Color;
    let mut term = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    term.draw(|f| {
        crmtui::tui::ui::draw(f, &app);
    })
    .expect("draw");
    let buf = term.backend().buffer();
    for cell in buf.content() {
        assert_eq!(cell.fg, Color::Reset);
        assert_eq!(cell.bg, Color::Reset);
    }
}

#[test]
fn copy_choice_80x24() {
    let mut app = loaded_app(1204);
    press(&mut app, code(KeyCode::Enter));
    press(&mut app, key('y'));
    insta::assert_snapshot!(render(&mut app, 80, 24));
}

#[test]
fn read_only_hides_the_write_keys_80x24() {
    let mut app = loaded_app(1204);
    app.read_only = true;
    let list = render(&mut app, 80, 24);
    assert!(list.contains("read-only"), "{list}");
    insta::assert_snapshot!("read_only_list_80x24", list);
    press(&mut app, code(KeyCode::Enter));
    let detail = render(&mut app, 80, 24);
    for hidden in [
        " new",
        "edit",
        "delete",
        "close/reopen",
        "comment ·",
        "mail",
        "attach",
    ] {
        let footer = detail.lines().last().unwrap_or_default();
        assert!(!footer.contains(hidden), "{hidden:?} in {footer:?}");
    }
    insta::assert_snapshot!("read_only_detail_80x24", detail);
    press(&mut app, key('?'));
    let help = render(&mut app, 100, 80);
    assert!(
        !help.contains("(delete)") && !help.contains("(new)"),
        "{help}"
    );
    assert!(help.contains("(copy)") && help.contains("(quit)"), "{help}");
    insta::assert_snapshot!("read_only_help_80x24", render(&mut app, 80, 24));
}

#[test]
fn the_copy_choice_fits_every_size() {
    let mut app = loaded_app(20);
    press(&mut app, key('y'));
    for w in 1..=90 {
        for h in [1, 2, 5, 8, 24] {
            render(&mut app, w, h);
        }
    }
    assert!(matches!(
        app.overlay,
        Some(crmtui::tui::overlay::Overlay::Pick(_))
    ));
}

#[test]
fn export_progress_80x24() {
    let mut app = loaded_app(1204);
    app.run_command("export ~/accounts.csv");
    let req = app
        .take_cmds()
        .iter()
        .find(|r| matches!(r.cmd, Cmd::Export(_)))
        .map(|r| r.id)
        .expect("export");
    app.on_msg(Msg::ExportProgress {
        req,
        done: 500,
        total: 1204,
    });
    insta::assert_snapshot!(render(&mut app, 80, 24));
}

/// Compares `text` with the file at `rel` (from the crate root); `CRMTUI_UPDATE_ASSETS=1`
/// rewrites it instead.
fn check_asset(rel: &str, text: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    if std::env::var_os("CRMTUI_UPDATE_ASSETS").is_some() {
        std::fs::write(&path, text).expect("write the asset");
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == text,
        "{rel} drifted from the screen; run `CRMTUI_UPDATE_ASSETS=1 cargo test --test tui_snapshots`\n{text}"
    );
}

/// The README's screenshots are these screens at 80x24, so they never drift from the code.
#[test]
fn readme_screenshots_are_the_80x24_screens() {
    let mut app = loaded_app(1204);
    let list = render(&mut app, 80, 24);
    let mut shots = vec![("list", list.clone())];
    press(&mut app, code(KeyCode::Enter));
    shots.push(("detail", render(&mut app, 80, 24)));
    press(&mut app, code(KeyCode::Tab));
    press(&mut app, key('j'));
    shots.push(("comments", render(&mut app, 80, 24)));
    press(&mut app, key('y'));
    shots.push(("copy", render(&mut app, 80, 24)));
    press(&mut app, code(KeyCode::Esc));
    press(&mut app, key('c'));
    type_str(&mut app, "Called Jane: renewal in March.");
    shots.push(("comment_editor", render(&mut app, 80, 24)));
    press(&mut app, code(KeyCode::Esc));
    press(&mut app, key('y'));
    press(&mut app, key('?'));
    shots.push(("help", render(&mut app, 80, 24)));
    for (name, text) in &shots {
        check_asset(&format!("assets/screenshots/{name}_80x24.txt"), text);
    }
    // The one shown inline in the README, between its markers.
    let readme_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&readme_path).expect("README.md");
    let (start, end) = (
        "<!-- screenshot: list_80x24 -->\n```\n",
        "```\n<!-- /screenshot -->",
    );
    let (Some(a), Some(b)) = (readme.find(start), readme.find(end)) else {
        panic!("README.md has no list screenshot markers");
    };
    let inline = &readme[a + start.len()..b];
    if inline != list {
        if std::env::var_os("CRMTUI_UPDATE_ASSETS").is_some() {
            let new = format!("{}{list}{}", &readme[..a + start.len()], &readme[b..]);
            std::fs::write(&readme_path, new).expect("write README.md");
        } else {
            panic!("the README's screenshot drifted; run with CRMTUI_UPDATE_ASSETS=1");
        }
    }
}

#[test]
fn offline_stale_header_80x24() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = crmtui::tui::offline::OfflineCache::new(dir.path(), "work", 1 << 20);
    fill_cache(&cache, 1204, clock() - chrono::Duration::hours(3));
    let mut app = offline_app(&cache);
    let screen = render(&mut app, 80, 24);
    let header = screen.lines().next().unwrap_or_default();
    assert!(header.contains("offline · cached 3h ago"), "{header}");
    // No write key is offered while offline.
    let footer = screen.lines().last().unwrap_or_default();
    assert!(!footer.contains(" new"), "{footer}");
    insta::assert_snapshot!("offline_stale_list_80x24", screen);
    // A crowded header: the counts stay whole, the help hint gives way.
    app.profile = Some("acme-prod".into());
    let screen = render(&mut app, 80, 24);
    let header = screen.lines().next().unwrap_or_default();
    assert!(
        header.contains("closed 0 ") && header.contains("offline · cached 3h ago"),
        "{header}"
    );
    assert!(!header.contains("help"), "{header}");
}
