//! Keys: normal-mode actions (from the keymap or the command line), and keys while an overlay
//! is open.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, FILTER_DEBOUNCE, REFRESHING};
use crate::model::{AccountFilter, AccountInput, AccountStatus};
use crate::tui::keymap::{Action, Context};
use crate::tui::msg::Cmd;
use crate::tui::overlay::command::{self, Command, ListArg};
use crate::tui::overlay::confirm::{self, Answer};
use crate::tui::overlay::form::{self as form_keys, FormKey};
use crate::tui::overlay::{self, Confirm, Form, FormKind, LineKey, Overlay};
use crate::tui::panes::{Pane, ThreadItem, ThreadPane};
use crate::tui::records::account;
use crate::tui::requests::Purpose;
use crate::tui::sanitize;

impl App {
    pub fn on_key(&mut self, ev: KeyEvent, now: Instant) {
        self.now = now;
        self.dirty = true;
        // Ctrl-C always quits, before the keymap: a config that rebinds quit must not leave the
        // user without a way out (and in editors ctrl-c is no edit key).
        if ev.code == KeyCode::Char('c') && ev.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return;
        }
        if self.overlay.is_some() {
            self.overlay_key(ev);
            return;
        }
        if let Some(action) = self.keymap.action(Context::Normal, &ev) {
            self.act(action);
        }
    }

    /// Runs a normal-mode action (from a key or the command line).
    pub fn act(&mut self, action: Action) {
        if self.browse_only() && action.writes() {
            let what = match action {
                Action::CloseReopen => "closing and reopening".to_string(),
                Action::Triage => "the record's actions".to_string(),
                other => other.name().replace('_', " "),
            };
            if self.read_only {
                self.warn(format!("read-only: {what} is off (started read-only)"));
            } else {
                self.warn(format!("offline: {what} is off until the server answers"));
            }
            return;
        }
        if self.view_act(action) {
            return;
        }
        let page = self.list.height.max(1) as isize;
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::Command => self.overlay = Some(Overlay::Command(overlay::one_line_input(""))),
            Action::Filter => self.open_name_filter(),
            Action::FilterForm => self.open_filter_form(),
            Action::ClearFilter => self.clear_filter(),
            Action::Refresh => self.refresh(),
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-page),
            Action::PageDown => self.move_by(page),
            Action::Top => self.top(),
            Action::Bottom => self.bottom(),
            Action::NextPane => {
                self.pane = self.pane.next();
                self.pane_changed();
            }
            Action::PrevPane => {
                self.pane = self.pane.prev();
                self.pane_changed();
            }
            Action::Open => self.open(),
            Action::Back => self.back(),
            Action::NextTab => self.next_tab(),
            Action::New => self.open_account_form(false),
            Action::Edit => self.edit(),
            Action::Delete => self.delete(),
            Action::CloseReopen => self.close_reopen(),
            Action::Triage => self.warn("accounts: x closes or reopens"),
            Action::Comment => self.open_comment_form(),
            Action::Mail => self.open_mail_form(),
            Action::Attach => self.open_attach_form(),
            Action::Download => self.open_download(),
            Action::SignIn => self.open_sign_in(),
            Action::Copy => self.copy(),
            Action::OpenLink => self.open_link(),
            // Form-only actions do nothing here.
            Action::Submit
            | Action::Cancel
            | Action::NextField
            | Action::PrevField
            | Action::Confirm
            | Action::ExternalEditor => {}
        }
    }

    // --- normal-mode actions -------------------------------------------------------------------

    fn open_name_filter(&mut self) {
        let before = match self.view_text_filter() {
            Some(text) => text,
            None => self.list.filter.name.clone(),
        };
        self.pane = Pane::List;
        self.overlay = Some(Overlay::FilterName {
            input: overlay::one_line_input(before.as_deref().unwrap_or("")),
            before,
        });
    }

    fn clear_filter(&mut self) {
        self.list.filter = AccountFilter::default();
        self.info("filters cleared");
        self.reload_from_top();
    }

    fn refresh(&mut self) {
        self.detail.clear();
        self.requests.stop_awaiting_details();
        self.reload();
        self.info(REFRESHING);
    }

    fn move_by(&mut self, delta: isize) {
        match self.pane {
            Pane::List => {
                let (list, mut io) = self.list_io();
                let changed = list.move_by(delta, &mut io);
                self.after_move(changed);
            }
            Pane::Detail => {
                // Single steps move among the links; pages scroll.
                if delta.abs() != 1 || !self.move_link(delta) {
                    self.detail.scroll_by(delta);
                }
            }
            Pane::Thread => {
                let len = self.thread_len();
                self.thread.move_by(delta, len);
            }
        }
    }

    fn top(&mut self) {
        match self.pane {
            Pane::List => self.set_cursor(0),
            Pane::Detail => self.detail.top(),
            Pane::Thread => self.thread.reset(),
        }
    }

    fn bottom(&mut self) {
        match self.pane {
            Pane::List => self.set_cursor(self.total().saturating_sub(1)),
            Pane::Detail => self.detail.bottom(),
            Pane::Thread => {
                let len = self.thread_len();
                self.thread.bottom(len);
            }
        }
    }

    /// `Enter`: from the list, the detail; in the detail, the selected link; on an
    /// attachment, the save dialog.
    fn open(&mut self) {
        if self.pane == Pane::List && self.list.selected().is_some() {
            // From the list, its row: not a record opened from a link before.
            self.detail.focus = None;
            self.pane = Pane::Detail;
            self.load_selected_detail();
        } else if self.pane == Pane::Detail {
            self.open_selected_link();
        } else if self.pane == Pane::Thread
            && let Some(ThreadItem::Attachment(_)) = self.thread_item()
        {
            self.open_download();
        }
    }

    /// `Esc`: back along the trail (to the record a link was opened from); else back to the
    /// list; on the list, clear the filter.
    fn back(&mut self) {
        if self.cancel_export() || self.cancel_transfer() || self.trail_back() {
            return;
        }
        if self.pane != Pane::List {
            self.pane = Pane::List;
            return;
        }
        match self.view() {
            Some(crate::tui::records::ViewId::Accounts) if !self.list.filter.is_empty() => {
                self.clear_filter()
            }
            Some(crate::tui::records::ViewId::Accounts) | None => {}
            Some(_) => self.act(Action::ClearFilter),
        }
    }

    fn next_tab(&mut self) {
        let tab = self.list.next_tab();
        self.show_tab(tab);
    }

    fn show_tab(&mut self, tab: AccountStatus) {
        if self.list.tab != tab {
            let (list, mut io) = self.list_io();
            list.show_tab(tab, &mut io);
            self.selection_changed();
        }
    }

    fn edit(&mut self) {
        if self.pane == Pane::Thread {
            self.edit_comment();
        } else if self.selected().is_some() {
            self.open_account_form(true);
        }
    }

    fn delete(&mut self) {
        if self.pane == Pane::Thread {
            self.delete_thread_item();
        } else if let Some(a) = self.selected() {
            let text = format!(
                "Delete the account {:?} with its comments and attachments?",
                sanitize::fit(&a.name, 60)
            );
            let what = Confirm::DeleteAccount(a.id);
            self.overlay = Some(Overlay::Confirm { text, what });
        }
    }

    /// `x`: close an open account, reopen a closed one.
    fn close_reopen(&mut self) {
        let Some(a) = self.selected() else { return };
        let to = match a.status {
            AccountStatus::Open => AccountStatus::Closed,
            AccountStatus::Closed => AccountStatus::Open,
        };
        let input = AccountInput {
            status: to.into(),
            ..Default::default()
        };
        let label = match to {
            AccountStatus::Closed => "closing",
            AccountStatus::Open => "reopening",
        };
        let cmd = Cmd::Update(a.id, Box::new(input));
        self.requests.send(cmd, label, Purpose::Toggle(to));
    }

    fn open_comment_form(&mut self) {
        if let Some((owner, name)) = self.shown_owner() {
            let form = ThreadPane::comment_form(owner, &name, &self.keymap);
            self.pane = Pane::Thread;
            self.overlay = Some(form);
        }
    }

    fn open_attach_form(&mut self) {
        if let Some((owner, name)) = self.shown_owner() {
            let form = ThreadPane::attach_form(owner, &name, &self.keymap);
            self.overlay = Some(form);
        }
    }

    fn open_download(&mut self) {
        match ThreadPane::download_form(self.thread_item(), &self.keymap) {
            Ok(form) => {
                self.thread.forget_overwrite();
                self.overlay = Some(form);
            }
            Err(why) => self.warn(why),
        }
    }

    fn edit_comment(&mut self) {
        let (Some((owner, _)), Some(thread)) = (self.shown_owner(), self.selected_thread()) else {
            return;
        };
        match self
            .thread
            .edit_form(thread, owner, self.me(), self.is_admin(), &self.keymap)
        {
            Ok(Some(form)) => self.overlay = Some(form),
            Ok(None) => self.warn("no comment or file is selected"),
            Err(why) => self.warn(why),
        }
    }

    fn delete_thread_item(&mut self) {
        let (Some((owner, _)), Some(thread)) = (self.shown_owner(), self.selected_thread()) else {
            return;
        };
        match self
            .thread
            .delete_confirm(thread, owner, self.me(), self.is_admin())
        {
            Ok(Some(confirm)) => self.overlay = Some(confirm),
            Ok(None) => self.warn("no comment or file is selected"),
            Err(why) => self.warn(why),
        }
    }

    // --- keys in overlays ----------------------------------------------------------------------

    fn overlay_key(&mut self, ev: KeyEvent) {
        // A quit key with ctrl quits from anywhere, even from an editor.
        if ev.modifiers.contains(KeyModifiers::CONTROL)
            && self.keymap.action(Context::Normal, &ev) == Some(Action::Quit)
        {
            self.quit = true;
            return;
        }
        let action = self.keymap.action(Context::Form, &ev);
        let Some(open) = self.overlay.take() else {
            return;
        };
        match open {
            Overlay::Help { scroll } => {
                let normal = self.keymap.action(Context::Normal, &ev);
                self.overlay =
                    overlay::help_key(scroll, normal).map(|scroll| Overlay::Help { scroll });
            }
            Overlay::Confirm { text, what } => match confirm::answer(action, &ev) {
                Answer::Yes => self.confirmed(what),
                Answer::No => {
                    if let Confirm::Discard { kind, form } = what {
                        self.overlay = Some(Overlay::Form(kind, form));
                    }
                }
                Answer::Undecided => self.overlay = Some(Overlay::Confirm { text, what }),
            },
            Overlay::Command(mut input) => match overlay::line_key(&mut input, action, ev, &[]) {
                LineKey::Cancel | LineKey::Emptied => {}
                LineKey::Done => self.run_command(overlay::line_text(&input).trim()),
                LineKey::Edited(_) => self.overlay = Some(Overlay::Command(input)),
            },
            Overlay::FilterName { input, before } => {
                self.name_filter_key(input, before, action, ev)
            }
            Overlay::Form(kind, form) => self.form_key(kind, form, action, ev),
            Overlay::Pick(pick) => {
                if action == Some(Action::Cancel) {
                    return;
                }
                match pick.choose(&ev).cloned() {
                    Some(choice) => self.picked(pick.verb, choice),
                    None => self.overlay = Some(Overlay::Pick(pick)),
                }
            }
        }
    }

    /// A key in the `/` filter line: typing filters as you go, `Enter` or an arrow keeps the
    /// filter, `Esc` puts back the one from before.
    fn name_filter_key(
        &mut self,
        mut input: ratatui_textarea::TextArea<'static>,
        before: Option<String>,
        action: Option<Action>,
        ev: KeyEvent,
    ) {
        let done_keys = [KeyCode::Down, KeyCode::Up];
        match overlay::line_key(&mut input, action, ev, &done_keys) {
            LineKey::Cancel => {
                self.filter_due = None;
                if self.view_text_filter().is_some() {
                    self.set_view_text_filter(before);
                } else if self.list.filter.name != before {
                    self.list.filter.name = before;
                    self.reload_from_top();
                }
            }
            LineKey::Done => {
                self.overlay = Some(Overlay::FilterName { input, before });
                self.apply_name_filter();
                self.overlay = None;
                self.filter_due = None;
                if ev.code == KeyCode::Down {
                    self.move_by(1);
                }
            }
            LineKey::Edited(changed) => {
                if changed {
                    self.filter_due = Some(self.now + FILTER_DEBOUNCE);
                }
                self.overlay = Some(Overlay::FilterName { input, before });
            }
            LineKey::Emptied => self.overlay = Some(Overlay::FilterName { input, before }),
        }
    }

    fn form_key(
        &mut self,
        kind: FormKind,
        mut form: Box<Form>,
        action: Option<Action>,
        ev: KeyEvent,
    ) {
        if form.busy {
            // Waiting for the server: only cancel works (the answer is then ignored; a
            // transfer stops).
            if action == Some(Action::Cancel) {
                self.overlay = Some(Overlay::Form(kind, form));
                if self.cancel_transfer() {
                    return;
                }
                self.overlay = None;
                self.form_closed();
            } else {
                self.overlay = Some(Overlay::Form(kind, form));
            }
            return;
        }
        if action == Some(Action::ExternalEditor) && kind.has_long_text() {
            self.external_editor(kind, form);
            return;
        }
        match form_keys::key(&mut form, action, ev) {
            FormKey::Stay => self.overlay = Some(Overlay::Form(kind, form)),
            FormKey::Search => {
                self.overlay = Some(Overlay::Form(kind, form));
                self.link_search_due = Some(self.now + FILTER_DEBOUNCE);
            }
            FormKey::Submit => self.submit(kind, form),
            FormKey::Cancel => self.form_cancelled(kind, form),
        }
    }

    /// `Esc` in a form: a draft with changes asks first; the start-up sign-in quits.
    fn form_cancelled(&mut self, kind: FormKind, form: Box<Form>) {
        if matches!(kind, FormKind::SignIn) && self.ready.as_ref().is_some_and(|r| r.needs_sign_in)
        {
            self.quit = true;
        }
        if kind.keeps_drafts() && form.fields.iter().any(overlay::form::Field::changed) {
            self.overlay = Some(Overlay::Confirm {
                text: "Discard your changes?".into(),
                what: Confirm::Discard { kind, form },
            });
            return;
        }
        self.form_closed();
    }

    /// A form was cancelled: its error (if any) no longer belongs in the status line.
    pub(super) fn form_closed(&mut self) {
        if self
            .status
            .as_ref()
            .is_some_and(|s| s.level == super::Level::Error)
        {
            self.status = None;
        }
    }

    fn confirmed(&mut self, what: Confirm) {
        let (cmd, label) = match what {
            Confirm::Discard { .. } => {
                self.form_closed();
                return;
            }
            Confirm::ReplaceExport(path) => {
                self.export_to(path, true);
                return;
            }
            Confirm::DeleteAccount(id) => (Cmd::Delete(id), "deleting"),
            Confirm::Send(cmd, label) => (*cmd, label),
            Confirm::DeleteComment { owner, comment } => {
                (Cmd::DeleteComment { owner, comment }, "deleting comment")
            }
            Confirm::DeleteAttachment { owner, attachment } => (
                Cmd::DeleteAttachment { owner, attachment },
                "deleting attachment",
            ),
        };
        self.requests.send(cmd, label, Purpose::Other);
    }

    // --- the command line ----------------------------------------------------------------------

    /// `:` commands.
    pub fn run_command(&mut self, line: &str) {
        match command::parse(line) {
            Command::Nothing => {}
            Command::Quit => self.quit = true,
            Command::Accounts(arg) => {
                if self.view() != Some(crate::tui::records::ViewId::Accounts) {
                    self.show_view(crate::tui::records::ViewId::Accounts);
                }
                self.pane = Pane::List;
                match arg {
                    ListArg::Tab(tab) => self.show_tab(tab),
                    ListArg::Filter(expr) => self.apply_filter_expr(&expr),
                    ListArg::Unknown(other) => self.error(format!(
                        ":accounts {}: unknown view (open or closed)",
                        sanitize::fit(&other, 20)
                    )),
                }
            }
            Command::View(view, expr) => {
                self.show_view(view);
                if !expr.is_empty() {
                    self.apply_view_filter_expr(view, &expr);
                }
            }
            Command::Dashboard => self.show_dashboard(),
            Command::Ctx(None) => {
                let now = self.profile.as_deref().unwrap_or("");
                let list: Vec<String> = self
                    .profiles
                    .iter()
                    .map(|p| if p == now { format!("*{p}") } else { p.clone() })
                    .collect();
                self.info(format!(
                    "profiles: {} (:ctx NAME switches; add [profiles.NAME] to the config)",
                    list.join(", ")
                ));
            }
            Command::Ctx(Some(name)) => {
                if self.profiles.contains(&name) {
                    self.switch_to = Some(name);
                    self.quit = true;
                } else {
                    self.error(format!(
                        ":ctx {}: no such profile ({})",
                        sanitize::fit(&name, 20),
                        self.profiles.join(", ")
                    ));
                }
            }
            Command::Tab(tab) => self.show_tab(tab),
            Command::Filter(None) => self.act(Action::FilterForm),
            Command::Filter(Some(expr)) => match self.view() {
                Some(crate::tui::records::ViewId::Accounts) => self.apply_filter_expr(&expr),
                Some(v) => self.apply_view_filter_expr(v, &expr),
                None => self.warn(":filter works on a list (:cases, :tasks …)"),
            },
            Command::Act(action) => self.act(action),
            Command::Export(path) => self.export(&path),
            Command::Unknown(other) => self.error(format!(
                ":{other}: unknown command (try :accounts, :cases, :tasks, :dashboard, :filter, :help, :q)"
            )),
        }
    }

    /// `city=paris industry=tech tags=a,b name=acme status=closed`, or a bare word for the name
    /// (see [`account::parse_filter`]).
    pub fn apply_filter_expr(&mut self, expr: &str) {
        match account::parse_filter(expr) {
            Ok((filter, tab)) => {
                if let Some(t) = tab {
                    self.show_tab(t);
                }
                self.list.filter = filter;
                self.reload_from_top();
            }
            Err(e) => self.error(e),
        }
    }
}
