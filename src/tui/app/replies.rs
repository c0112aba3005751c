//! Answers: each [`Msg`] takes its request out of the table, and is dropped when it is stale
//! (an older list generation, a form that was cancelled).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{App, Link, REFRESHING};
use crate::client::ClientError;
use crate::model::{Account, AccountDetail, AccountList, AccountStatus, MailSent, Profile, Role};
use crate::tui::keymap::Action;
use crate::tui::msg::{FieldError, Msg, Owner, Ready, ReqId, SignedIn, TaskError, ThreadChange};
use crate::tui::panes::thread::human_bytes;
use crate::tui::records::{Accounts, RecordKind, ViewId};
use crate::tui::requests::Purpose;
use crate::tui::sanitize;

impl App {
    pub fn on_msg(&mut self, msg: Msg) {
        self.dirty = true;
        match msg {
            Msg::Ready(ready) => self.on_ready(*ready),
            Msg::Offline(e) => {
                // On the cache the header says it; the status line stays for the user's own
                // messages (a refused write).
                if self.offline.is_none() {
                    self.error(format!("{e} — retrying"));
                }
                self.link = Link::Down(e);
            }
            Msg::Cached { at, msg } => self.on_cached(at, *msg),
            Msg::BootFailed(e) => {
                self.link = Link::Failed(e.clone());
                self.error(e);
            }
            Msg::Page {
                req,
                epoch,
                tab,
                page,
                result,
            } => self.on_page(req, epoch, tab, page, result),
            Msg::Detail { req, id, result } => self.on_detail(req, id, result),
            Msg::RecordPage {
                req,
                view,
                epoch,
                tab,
                page,
                result,
            } => self.on_record_page(req, view, epoch, tab, page, result),
            Msg::RecordDetail {
                req,
                view,
                id,
                result,
            } => self.on_record_detail(req, view, id, result),
            Msg::RecordSaved {
                req,
                view,
                created,
                done,
                result,
            } => self.on_record_saved(req, view, created, done, result),
            Msg::RecordDeleted {
                req,
                view,
                id,
                result,
            } => self.on_record_deleted(req, view, id, result),
            Msg::Dashboard { req, result } => self.on_dashboard(req, result),
            Msg::LinkOptions { req, result } => self.on_link_options(req, result),
            Msg::Profile { req, result } => self.on_profile(req, result),
            Msg::Saved {
                req,
                created,
                result,
            } => self.on_saved(req, created, result),
            Msg::Deleted { req, id, result } => self.on_deleted(req, id, result),
            Msg::Thread {
                req,
                owner,
                change,
                result,
            } => self.on_thread(req, owner, change, result),
            Msg::Downloaded { req, path, result } => self.on_downloaded(req, path, result),
            Msg::MailSent { req, result } => self.on_mail_sent(req, result),
            Msg::SignedIn { req, result } => self.on_signed_in(req, result),
            Msg::Warn(text) => self.warn(text),
            Msg::Edited(result) => self.on_edited(result),
            Msg::ExportProgress { req, done, total } => self.on_export_progress(req, done, total),
            Msg::Transfer { req, done, total } => self.on_transfer(req, done, total),
            Msg::Exported { req, path, result } => self.on_exported(req, path, result),
            Msg::Crashed { req } => self.on_crashed(req),
        }
        if std::mem::take(&mut self.came_back) {
            self.back_online();
        }
    }

    fn on_ready(&mut self, ready: Ready) {
        if ready.offline {
            self.on_offline_ready(ready);
            return;
        }
        let was_offline = self.offline.take().is_some();
        if matches!(self.link, Link::Down(_)) {
            self.info("connected");
        }
        // All of them: one after the other, each would hide the one before.
        for note in &ready.notes {
            tracing::warn!(note = %note, "start-up note");
        }
        if !ready.notes.is_empty() {
            self.warn(ready.notes.join(" · "));
        }
        let needs = ready.needs_sign_in;
        self.ready = Some(ready);
        if needs {
            self.link = Link::SignedOut;
            self.open_sign_in();
        } else {
            self.link = Link::Up;
            if was_offline {
                self.refresh_everything();
                self.info("online again: the server answers, everything is fresh");
            }
            self.reload();
            self.apply_restore();
            if self.ready.as_ref().is_some_and(|r| r.org_name.is_none()) {
                self.requests.send(
                    crate::tui::msg::Cmd::Profile,
                    "loading profile",
                    Purpose::Other,
                );
            }
        }
    }

    /// The server does not answer but the offline cache holds this workspace: browse it.
    fn on_offline_ready(&mut self, ready: Ready) {
        if !ready.notes.is_empty() {
            self.warn(ready.notes.join(" · "));
        }
        self.ready = Some(ready);
        self.offline = Some(Default::default());
        // A form or a confirmation open from before would still send its write.
        self.overlay = None;
        if !matches!(self.link, Link::Down(_)) {
            self.link = Link::Down("offline".into());
        }
        self.warn("offline: showing cached data, writes off until the server answers");
        self.reload();
        self.apply_restore();
    }

    fn on_page(
        &mut self,
        req: ReqId,
        epoch: u64,
        tab: AccountStatus,
        page: usize,
        result: Result<Box<AccountList>, ClientError>,
    ) {
        self.requests.finish(req);
        if epoch != self.list.epoch {
            return;
        }
        match result {
            Ok(list) => {
                self.link_ok();
                let parts = Accounts.split_page(*list, tab);
                for u in &parts.users {
                    self.users.insert(u);
                }
                let (pane, mut io) = self.list_io();
                let changed = pane.on_rows(tab, page, parts, &mut io);
                // A record opened from a link stays shown whatever the list loads.
                if self.detail.focus.is_none() {
                    self.after_move(changed);
                }
                if !self.requests.has_pages()
                    && self.status.as_ref().is_some_and(|s| s.text == REFRESHING)
                {
                    self.info("refreshed");
                }
            }
            Err(e) => {
                self.list.on_failed(tab, page, &e);
                self.failed(&format!("loading {}s", Accounts.noun()), &e);
            }
        }
    }

    fn on_detail(&mut self, req: ReqId, id: Uuid, result: Result<Box<AccountDetail>, ClientError>) {
        self.requests.finish(req);
        match result {
            Ok(d) => {
                self.link_ok();
                self.list.replace(Accounts.detail_row(&d));
                self.detail.remember(*d);
                let (comments, len) = self
                    .selected_thread()
                    .map_or((0, 0), |t| (t.comments.len(), t.len()));
                self.thread.reloaded(comments, len);
            }
            Err(e) => {
                let noun = Accounts.noun();
                let why = if let ClientError::Api { status: 404, .. } = e {
                    format!("this {noun} no longer exists (press r to refresh)")
                } else {
                    e.to_string()
                };
                self.detail.error = Some((id, why));
                self.failed(&format!("loading the {noun}"), &e);
            }
        }
    }

    fn on_profile(&mut self, req: ReqId, result: Result<Profile, ClientError>) {
        self.requests.finish(req);
        match result {
            Ok(p) => {
                self.link_ok();
                if let Some(r) = &mut self.ready {
                    r.org_name = Some(p.org.name.clone());
                    r.user = Some((p.user.id, p.user.email.clone()));
                    r.admin = p.org.role == Role::Admin;
                }
            }
            Err(e) => tracing::info!(error = %e, "no profile"),
        }
    }

    fn on_saved(&mut self, req: ReqId, created: bool, result: Result<Box<Account>, ClientError>) {
        let toggle = match self.requests.finish(req).map(|r| r.purpose) {
            Some(Purpose::Toggle(to)) => Some(to),
            _ => None,
        };
        match result {
            Ok(account) if created => {
                self.link_ok();
                self.close_form(req);
                self.detail.forget(&account.id);
                self.info(format!("created {}", sanitize::fit(&account.name, 40)));
                // New accounts come first (newest first): show it selected.
                self.list.select_first(account.status);
                self.reload();
                self.details_changed(None);
            }
            Ok(account) => {
                self.link_ok();
                self.close_form(req);
                self.detail.forget(&account.id);
                let name = sanitize::fit(&account.name, 40);
                match toggle {
                    Some(AccountStatus::Closed) => self.info(format!("closed {name}")),
                    Some(AccountStatus::Open) => self.info(format!("reopened {name}")),
                    None => self.info(format!("saved {name}")),
                }
                let moved = self
                    .selected()
                    .is_some_and(|a| a.id == account.id && a.status != account.status);
                self.list.replace(&account);
                if moved {
                    self.reload();
                }
                // Its detail is asked again, and every other when next shown: they may show
                // its name (a task's account).
                self.details_changed(None);
            }
            Err(e) => {
                let what = match toggle {
                    Some(AccountStatus::Closed) => "closing the account",
                    Some(AccountStatus::Open) => "reopening the account",
                    None if created => "creating the account",
                    None => "saving the account",
                };
                self.form_failed(req, what, &e.into())
            }
        }
    }

    fn on_deleted(&mut self, req: ReqId, id: Uuid, result: Result<(), ClientError>) {
        self.requests.finish(req);
        match result {
            Ok(()) => {
                self.detail.gone(id);
                self.info("account deleted");
                self.reload();
                self.details_changed(None);
            }
            Err(e) => self.failed("deleting the account", &e),
        }
    }

    fn on_thread(
        &mut self,
        req: ReqId,
        owner: Owner,
        change: ThreadChange,
        result: Result<(), TaskError>,
    ) {
        self.requests.finish(req);
        if change == ThreadChange::FileAttached {
            self.transfer_started = None;
        }
        match result {
            Ok(()) => {
                self.link_ok();
                self.close_form(req);
                self.info(change.done());
                self.requests.stop_awaiting_details();
                match owner {
                    Owner::Account(id) => self.load_detail(id),
                    Owner::Record(view, id) => {
                        if let Some(p) = self.records.get_mut(&view) {
                            p.detail.forget(&id);
                            p.detail.load(id, &mut self.requests);
                        }
                    }
                }
                self.thread.changed(change);
            }
            Err(e) => self.form_failed(req, change.doing(), &e),
        }
    }

    fn on_downloaded(&mut self, req: ReqId, path: PathBuf, result: Result<u64, TaskError>) {
        // Cancelled: its answer is not news.
        if self.requests.finish(req).is_none() && self.form_mut(req).is_none() {
            return;
        }
        self.transfer_started = None;
        if self.open_after == Some(req) {
            self.open_after = None;
            match result {
                Ok(_) => {
                    self.info(format!(
                        "opening {}",
                        sanitize::fit(&path.display().to_string(), 48)
                    ));
                    self.effects
                        .push(crate::tui::msg::Effect::Open(path.display().to_string()));
                }
                Err(e) => self.error(format!("downloading to open: {e}")),
            }
            return;
        }
        match result {
            Ok(n) => {
                self.close_form(req);
                self.info(format!("saved {} ({})", path.display(), human_bytes(n)));
            }
            // The worker found the file there: say how to replace it.
            Err(TaskError::Field(e)) if e.is_exists() => {
                let message = format!(
                    "exists — press {} again to overwrite",
                    self.keymap.hint(Action::Submit)
                );
                self.thread.file_exists(path);
                let e = FieldError::new("path", &message);
                if let Some(form) = self.form_mut(req) {
                    form.busy = false;
                    form.pending = None;
                    form.set_errors(e.fields(), "");
                }
            }
            Err(e) => self.form_failed(req, "downloading", &e),
        }
    }

    fn on_mail_sent(&mut self, req: ReqId, result: Result<MailSent, ClientError>) {
        let scheduled: Option<DateTime<Utc>> = match self.requests.finish(req).map(|r| r.purpose) {
            Some(Purpose::Mail(at)) => at,
            _ => None,
        };
        match result {
            Ok(sent) => {
                self.close_form(req);
                tracing::info!(status = %sent.status, id = %sent.email_id, "mail accepted");
                // Without SMTP the server only queues it: claim no more than that.
                match scheduled {
                    Some(at) => self.info(format!(
                        "email scheduled for {}",
                        at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M")
                    )),
                    None => self.info("email accepted by the server"),
                }
            }
            Err(e) => self.form_failed(req, "sending the email", &e.into()),
        }
    }

    fn on_signed_in(&mut self, req: ReqId, result: Result<SignedIn, ClientError>) {
        self.requests.finish(req);
        match result {
            Ok(s) => {
                self.close_form(req);
                if let Some(r) = &mut self.ready {
                    r.user = Some((s.user, s.email.clone()));
                    r.admin = s.admin;
                    r.needs_sign_in = false;
                    if s.org_name.is_some() {
                        r.org_name = s.org_name;
                    }
                }
                self.link = Link::Up;
                self.info(format!("signed in as {}", s.email));
                self.requests.stop_awaiting_details();
                self.reload();
            }
            Err(e) => {
                // A refused password is the form's error, not a dead session.
                let e = match e {
                    ClientError::SessionExpired(m) => ClientError::Api {
                        status: 401,
                        message: m,
                        fields: BTreeMap::new(),
                    },
                    other => other,
                };
                self.form_failed(req, "signing in", &e.into())
            }
        }
    }

    /// The task serving `req` panicked: no answer will come, so nothing may wait for one.
    fn on_crashed(&mut self, req: ReqId) {
        if let Some(Purpose::Page {
            view,
            epoch,
            tab,
            page,
        }) = self.requests.finish(req).map(|r| r.purpose)
        {
            match view {
                ViewId::Accounts if epoch == self.list.epoch => self.list.page_lost(tab, page),
                ViewId::Accounts => {}
                v => {
                    if let Some(p) = self.records.get_mut(&v)
                        && epoch == p.list.epoch
                    {
                        p.list.page_lost(tab, page);
                    }
                }
            }
        }
        if let Some(form) = self.form_mut(req) {
            form.busy = false;
            form.pending = None;
            form.errors
                .insert(String::new(), "internal error; see the log".into());
        }
        self.error("internal error while handling a request; see the log");
    }
}
