//! Forms: opening them, submitting them, and showing what went wrong in them.

use super::{App, Link};
use crate::client::ClientError;
use crate::model::AccountInput;
use crate::tui::keymap::Action;
use crate::tui::msg::{Cmd, Password, TaskError};
use crate::tui::overlay::{Form, FormKind, Overlay, mail, sign_in};
use crate::tui::panes::ThreadPane;
use crate::tui::panes::thread::FieldProblem;
use crate::tui::records::account;
use crate::tui::requests::Purpose;
use crate::tui::sanitize;

/// What submitting a form leads to.
enum Submitted {
    /// A command to send; the form waits for its answer.
    Send(Cmd, &'static str, Purpose),
    /// Done without the network (the filter form).
    Done,
    /// Fields are wrong; the form stays open with their messages (the first gets the focus).
    Invalid(Vec<FieldProblem>),
    /// A form-wide problem; the form stays open with the message.
    Incomplete(String),
    /// Nothing to send (an edit that changed nothing).
    Unchanged,
}

impl App {
    pub(super) fn open_filter_form(&mut self) {
        let mut form = account::filter_form(&self.list.filter);
        form.enter_submits = true;
        form.note = Some(format!(
            "{} or enter applies · {} next · {} cancel",
            self.keymap.hint(Action::Submit),
            self.keymap.hint(Action::NextField),
            self.keymap.hint(Action::Cancel)
        ));
        self.overlay = Some(Overlay::Form(FormKind::Filter, Box::new(form)));
    }

    /// The account form: empty for a new account, or filled from the selected one.
    pub(super) fn open_account_form(&mut self, editing: bool) {
        let (kind, form) = match self.selected().filter(|_| editing) {
            Some(a) => {
                // The list row may lack the long text: the detail has it.
                let mut row = a.clone();
                if let Some(d) = self.detail.get(&a.id) {
                    row.description = d.account_obj.description.clone();
                }
                let title = format!("Edit {}", sanitize::fit(&a.name, 40));
                let form = Form::from_table(title, account::FIELDS, Some(&row));
                (FormKind::EditAccount(a.id), form)
            }
            None if editing => return,
            None => {
                let form = Form::from_table("New account", account::FIELDS, None);
                (FormKind::NewAccount, form)
            }
        };
        let note = format!(
            "{} save · {} next · {} cancel · {}",
            self.keymap.hint(Action::Submit),
            self.keymap.hint(Action::NextField),
            self.keymap.hint(Action::Cancel),
            account::FORM_HINT
        );
        self.overlay = Some(Overlay::Form(kind, Box::new(form.with_note(note))));
    }

    pub(super) fn open_mail_form(&mut self) {
        let Some(a) = self.selected() else { return };
        let recipients = self
            .ready
            .as_ref()
            .map(|r| r.mail_recipients)
            .unwrap_or_default();
        let form = mail::form(a, self.detail.get(&a.id), recipients, &self.keymap);
        self.overlay = Some(Overlay::Form(FormKind::Mail(a.id), Box::new(form)));
    }

    pub fn open_sign_in(&mut self) {
        let form = sign_in::form(self.ready.as_ref(), &self.keymap);
        self.overlay = Some(Overlay::Form(FormKind::SignIn, Box::new(form)));
    }

    pub(super) fn submit(&mut self, kind: FormKind, mut form: Box<Form>) {
        form.errors.clear();
        match self.submitted(&kind, &form) {
            Submitted::Send(cmd, label, purpose) => {
                form.busy = true;
                form.pending = Some(self.requests.send(cmd, label, purpose));
                self.overlay = Some(Overlay::Form(kind, form));
            }
            Submitted::Done => {}
            Submitted::Invalid(problems) => {
                let field = problems.first().map_or("", |p| p.0);
                for (key, message) in problems {
                    form.errors.insert(key.to_string(), message);
                }
                // The form-wide checks of these forms have one field: it has the focus.
                if matches!(
                    kind,
                    FormKind::NewAccount
                        | FormKind::EditAccount(_)
                        | FormKind::Mail(_)
                        | FormKind::Record { .. }
                ) {
                    form.focus_key(field);
                }
                self.overlay = Some(Overlay::Form(kind, form));
            }
            Submitted::Incomplete(message) => {
                form.errors.insert(String::new(), message);
                self.overlay = Some(Overlay::Form(kind, form));
            }
            Submitted::Unchanged => self.info("nothing changed"),
        }
    }

    /// What the form asks for.
    fn submitted(&mut self, kind: &FormKind, form: &Form) -> Submitted {
        let send = |r: Result<(Cmd, &'static str), FieldProblem>| match r {
            Ok((cmd, label)) => {
                let purpose = if matches!(cmd, Cmd::Download { .. } | Cmd::Attach { .. }) {
                    Purpose::Transfer
                } else {
                    Purpose::Other
                };
                Submitted::Send(cmd, label, purpose)
            }
            Err(problem) => Submitted::Invalid(vec![problem]),
        };
        match kind {
            FormKind::Filter => {
                self.list.filter = account::filter_from_form(form);
                self.reload_from_top();
                Submitted::Done
            }
            FormKind::NewAccount => match account::input(form, false) {
                Err(problem) => Submitted::Invalid(vec![problem]),
                Ok(input) => {
                    Submitted::Send(Cmd::Create(Box::new(input)), "creating", Purpose::Other)
                }
            },
            FormKind::EditAccount(id) => match account::input(form, true) {
                Err(problem) => Submitted::Invalid(vec![problem]),
                Ok(input) if input == AccountInput::default() => Submitted::Unchanged,
                Ok(input) => {
                    Submitted::Send(Cmd::Update(*id, Box::new(input)), "saving", Purpose::Other)
                }
            },
            FormKind::Mail(account) => match mail::input(form) {
                Err(problem) => Submitted::Invalid(vec![problem]),
                Ok(mail) => {
                    let when = mail.scheduled_date_time;
                    let cmd = Cmd::Mail {
                        account: *account,
                        mail: Box::new(mail),
                    };
                    Submitted::Send(cmd, "sending", Purpose::Mail(when))
                }
            },
            FormKind::Comment { owner, editing } => {
                send(ThreadPane::comment_cmd(form, *owner, *editing))
            }
            FormKind::AttachPath(owner) => send(ThreadPane::attach_cmd(form, *owner)),
            FormKind::Record { view, id } => {
                let Some(v) = crate::tui::records::crm::view(*view) else {
                    return Submitted::Unchanged;
                };
                match super::views::record_body(v, form, id.is_none()) {
                    Err(problems) => Submitted::Invalid(problems),
                    Ok(body) if body.is_empty() => Submitted::Unchanged,
                    Ok(body) => {
                        let label = if id.is_some() { "saving" } else { "creating" };
                        let cmd = Cmd::SaveRecord {
                            view: *view,
                            id: *id,
                            body: Box::new(body),
                        };
                        Submitted::Send(cmd, label, Purpose::Other)
                    }
                }
            }
            FormKind::DownloadPath(link) => send(self.thread.download_cmd(form, link.clone())),
            FormKind::SignIn => {
                let email = form.value("email").trim().to_string();
                let password = form.value("password");
                if email.is_empty() || password.is_empty() {
                    return Submitted::Incomplete("email and password, please".into());
                }
                let password = Password(password);
                Submitted::Send(
                    Cmd::SignIn { email, password },
                    "signing in",
                    Purpose::Other,
                )
            }
        }
    }

    /// The form that sent `req`, if it is still open. Matched on the request, not the form kind:
    /// an answer to a cancelled form must not close or fill a newer one of the same kind.
    pub(super) fn form_mut(&mut self, req: u64) -> Option<&mut Form> {
        match &mut self.overlay {
            Some(Overlay::Form(_, form)) if form.pending == Some(req) => Some(form),
            _ => None,
        }
    }

    /// The form that sent `req` got its answer: it closes.
    pub(super) fn close_form(&mut self, req: u64) {
        if self.form_mut(req).is_some() {
            self.overlay = None;
        }
    }

    /// A form request failed: show field errors in the form, or the message in it.
    pub(super) fn form_failed(&mut self, req: u64, what: &str, e: &TaskError) {
        let summary = e.to_string();
        let fields = e.field_errors().cloned().unwrap_or_default();
        let client = match e {
            TaskError::Client(c) => Some(c),
            TaskError::Field(_) => None,
        };
        let expired = matches!(client, Some(ClientError::SessionExpired(_)));
        let unreachable = client.is_some_and(ClientError::is_unreachable) || expired;
        if let Some(form) = self.form_mut(req) {
            form.busy = false;
            form.pending = None;
            form.set_errors(&fields, &summary);
            if !unreachable {
                self.error(format!("{what}: {summary}"));
                return;
            }
        }
        // Keep the form (and what was typed) under the sign-in form when the session died.
        if expired {
            self.link = Link::SignedOut;
            self.error(format!("{what}: {summary} — sign in, then save again"));
            return;
        }
        match client {
            Some(c) => self.failed(what, c),
            None => self.error(format!("{what}: {summary}")),
        }
    }
}
