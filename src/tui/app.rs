//! The application state and the only ways it changes: [`App::on_key`], [`App::on_paste`],
//! [`App::on_msg`] and [`App::on_tick`]. Nothing here does I/O (not even a file check): work for the
//! network or the disk is queued as [`Cmd`]s (taken by the runtime with [`App::take_cmds`]) and comes back as [`Msg`]s. That is
//! what makes the whole app testable without a terminal or a server.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;
use uuid::Uuid;

use super::form::{Field, FieldKind, Form};
use super::keymap::{Action, Context, Keymap};
use super::theme::Theme;
use super::window::PageWindow;
use crate::client::ClientError;
use crate::model::{
    Account, AccountDetail, AccountFilter, AccountInput, AccountList, AccountStatus, Attachment,
    Comment, MailInput, MailSent, Patch, Profile, Role, User,
};

const FILTER_DEBOUNCE: Duration = Duration::from_millis(200);
const DETAIL_DEBOUNCE: Duration = Duration::from_millis(80);
const RETRY_EVERY: Duration = Duration::from_secs(3);
const DETAIL_CACHE: usize = 32;
/// The worker's field error for a download path that is already a file.
pub const EXISTS: &str = "exists";
const REFRESHING: &str = "refreshing…";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    Open,
    Closed,
}

impl View {
    pub fn status(self) -> AccountStatus {
        match self {
            View::Open => AccountStatus::Open,
            View::Closed => AccountStatus::Closed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    List,
    Detail,
    Comments,
}

/// Work for the network, run by the worker; each answer comes back as a [`Msg`] with `req`.
#[derive(Debug, Clone)]
pub enum Cmd {
    LoadPage {
        epoch: u64,
        view: View,
        page: usize,
        filter: AccountFilter,
        limit: usize,
        offset: usize,
    },
    LoadDetail {
        id: Uuid,
    },
    Profile,
    Create(Box<AccountInput>),
    Update(Uuid, Box<AccountInput>),
    Delete(Uuid),
    AddComment {
        account: Uuid,
        text: String,
    },
    EditComment {
        account: Uuid,
        comment: Uuid,
        text: String,
    },
    DeleteComment {
        account: Uuid,
        comment: Uuid,
    },
    Attach {
        account: Uuid,
        path: PathBuf,
    },
    Download {
        link: String,
        path: PathBuf,
        /// Replace an existing file (the user submitted the same path twice).
        overwrite: bool,
    },
    DeleteAttachment {
        account: Uuid,
        attachment: Uuid,
    },
    Mail {
        account: Uuid,
        mail: Box<MailInput>,
    },
    SignIn {
        email: String,
        password: Password,
    },
}

/// A typed password. Its `Debug` is written by hand so that `{:?}` of a [`Cmd`] or [`Request`]
/// (logs, test failures) never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(pub String);

impl Password {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub id: u64,
    pub cmd: Cmd,
}

/// Who we are and where, once the session is up.
#[derive(Debug, Clone, Default)]
pub struct Ready {
    /// `local`, `demo`, or the server's host.
    pub server: String,
    pub org_name: Option<String>,
    pub user: Option<(Uuid, String)>,
    pub admin: bool,
    /// No usable session: ask for a password first.
    pub needs_sign_in: bool,
    /// Messages to show once (config problems, where the session came from).
    pub notes: Vec<String>,
}

#[derive(Debug)]
pub enum Msg {
    Ready(Box<Ready>),
    BootFailed(String),
    /// The server does not answer yet at start-up; the start is retried.
    Offline(String),
    Page {
        req: u64,
        epoch: u64,
        view: View,
        page: usize,
        result: Result<Box<AccountList>, ClientError>,
    },
    Detail {
        req: u64,
        id: Uuid,
        result: Result<Box<AccountDetail>, ClientError>,
    },
    Profile {
        req: u64,
        result: Result<Profile, ClientError>,
    },
    Saved {
        req: u64,
        created: bool,
        result: Result<Box<Account>, ClientError>,
    },
    Deleted {
        req: u64,
        id: Uuid,
        result: Result<(), ClientError>,
    },
    /// A comment or attachment changed (`what` says which, for the status line).
    Thread {
        req: u64,
        account: Uuid,
        what: &'static str,
        result: Result<(), ClientError>,
    },
    Downloaded {
        req: u64,
        path: PathBuf,
        result: Result<u64, ClientError>,
    },
    MailSent {
        req: u64,
        result: Result<MailSent, ClientError>,
    },
    SignedIn {
        req: u64,
        result: Result<(Uuid, String, Option<String>, bool), ClientError>,
    },
    /// Something for the status line from outside a request (e.g. the keyring failed).
    Warn(String),
    /// The task serving `req` panicked: no answer will come.
    Crashed {
        req: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone)]
pub struct Status {
    pub text: String,
    pub level: Level,
    pub until: Option<Instant>,
}

#[derive(Debug, Clone)]
pub enum FormKind {
    NewAccount,
    EditAccount(Uuid),
    Filter,
    Mail(Uuid),
    Comment {
        account: Uuid,
        editing: Option<Uuid>,
    },
    AttachPath(Uuid),
    DownloadPath(String),
    SignIn,
}

#[derive(Debug, Clone)]
pub enum Confirm {
    DeleteAccount(Uuid),
    DeleteComment {
        account: Uuid,
        comment: Uuid,
    },
    DeleteAttachment {
        account: Uuid,
        attachment: Uuid,
    },
    /// `Esc` in a form with typed changes: `y` throws them away, `n` goes back to the form.
    Discard {
        kind: FormKind,
        form: Box<Form>,
    },
}

#[derive(Debug)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    Command(TextArea<'static>),
    /// `/`: the name filter as you type; remembers the value to restore on `Esc`.
    FilterName {
        input: TextArea<'static>,
        before: Option<String>,
    },
    Form(FormKind, Box<Form>),
    Confirm {
        text: String,
        what: Confirm,
    },
}

/// Connection state, shown in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    Starting,
    Up,
    /// The server does not answer; retried every few seconds.
    Down(String),
    /// The session is dead: sign in again.
    SignedOut,
    /// The session could not be started at all; nothing is retried.
    Failed(String),
}

pub struct App {
    pub keymap: Keymap,
    pub theme: Theme,
    pub ready: Option<Ready>,
    pub link: Link,
    pub pane: Pane,
    pub view: View,
    pub filter: AccountFilter,
    /// Bumped on every new filter or refresh; answers for older generations are dropped.
    pub epoch: u64,
    pub windows: HashMap<View, PageWindow>,
    cursors: HashMap<View, usize>,
    /// The first visible row of the list (kept by the renderer, used for paging).
    pub scroll: usize,
    /// Rows the list shows at once (set by the renderer).
    pub list_height: usize,
    pub counts: Option<(i64, i64)>,
    pub users: HashMap<Uuid, String>,
    pub details: HashMap<Uuid, AccountDetail>,
    detail_order: VecDeque<Uuid>,
    detail_due: Option<Instant>,
    detail_req: Option<(Uuid, u64)>,
    pub detail_error: Option<(Uuid, String)>,
    /// The server refused the list (e.g. not a member of the org): shown instead of "loading…".
    pub list_error: Option<String>,
    pub detail_scroll: u16,
    pub thread_cursor: usize,
    /// After posting, select the new comment or file once the thread reloads.
    focus_new: Option<NewItem>,
    pub overlay: Option<Overlay>,
    pub status: Option<Status>,
    /// Requests in flight with a label for the spinner.
    pub busy: BTreeMap<u64, &'static str>,
    page_reqs: HashMap<u64, (u64, View, usize)>,
    next_req: u64,
    cmds: Vec<Request>,
    filter_due: Option<Instant>,
    retry_due: Option<Instant>,
    /// The path the worker said exists: submitting it again overwrites it.
    overwrite: Option<PathBuf>,
    /// Saves sent by close/reopen (`x`), for the status line.
    toggles: HashMap<u64, AccountStatus>,
    /// Mails in flight with their scheduled time, for the status line.
    mails: HashMap<u64, Option<DateTime<Utc>>>,
    pub spinner: usize,
    pub quit: bool,
    pub dirty: bool,
    now: Instant,
    /// Fixed wall clock for tests (relative times in snapshots).
    pub clock: Option<DateTime<Utc>>,
}

impl App {
    pub fn new(keymap: Keymap, theme: Theme, page_size: usize) -> App {
        let page_size = page_size.clamp(10, 1000);
        let mut windows = HashMap::new();
        windows.insert(View::Open, PageWindow::new(page_size, 6));
        windows.insert(View::Closed, PageWindow::new(page_size, 6));
        App {
            keymap,
            theme,
            ready: None,
            link: Link::Starting,
            pane: Pane::List,
            view: View::Open,
            filter: AccountFilter::default(),
            epoch: 0,
            windows,
            cursors: HashMap::new(),
            scroll: 0,
            list_height: 20,
            counts: None,
            users: HashMap::new(),
            details: HashMap::new(),
            detail_order: VecDeque::new(),
            detail_due: None,
            detail_req: None,
            detail_error: None,
            list_error: None,
            detail_scroll: 0,
            thread_cursor: 0,
            focus_new: None,
            overlay: None,
            status: None,
            busy: BTreeMap::new(),
            page_reqs: HashMap::new(),
            next_req: 1,
            cmds: Vec::new(),
            filter_due: None,
            retry_due: None,
            overwrite: None,
            toggles: HashMap::new(),
            mails: HashMap::new(),
            spinner: 0,
            quit: false,
            dirty: true,
            now: Instant::now(),
            clock: None,
        }
    }

    // --- queries used by the renderer and tests ------------------------------------------------

    pub fn window(&self) -> &PageWindow {
        &self.windows[&self.view]
    }

    fn window_mut(&mut self) -> &mut PageWindow {
        self.windows
            .entry(self.view)
            .or_insert_with(|| PageWindow::new(50, 6))
    }

    pub fn cursor(&self) -> usize {
        self.cursors.get(&self.view).copied().unwrap_or(0)
    }

    pub fn total(&self) -> usize {
        self.window().total().unwrap_or(0)
    }

    pub fn selected(&self) -> Option<&Account> {
        self.window().get(self.cursor())
    }

    pub fn selected_detail(&self) -> Option<&AccountDetail> {
        self.selected().and_then(|a| self.details.get(&a.id))
    }

    pub fn now_utc(&self) -> DateTime<Utc> {
        self.clock.unwrap_or_else(Utc::now)
    }

    pub fn user_name(&self, id: &Uuid) -> String {
        self.users
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string().chars().take(8).collect())
    }

    pub fn is_me(&self, id: Option<Uuid>) -> bool {
        matches!((&self.ready, id), (Some(Ready { user: Some((me, _)), .. }), Some(id)) if *me == id)
    }

    /// Comments then attachments of the selected account: the rows of the thread pane.
    pub fn thread_len(&self) -> usize {
        self.selected_detail()
            .map(|d| d.comments.len() + d.attachments.len())
            .unwrap_or(0)
    }

    pub fn thread_item(&self) -> Option<ThreadItem<'_>> {
        let d = self.selected_detail()?;
        let i = self.thread_cursor;
        if i < d.comments.len() {
            d.comments.get(i).map(ThreadItem::Comment)
        } else {
            d.attachments
                .get(i - d.comments.len())
                .map(ThreadItem::Attachment)
        }
    }

    pub fn busy_label(&self) -> Option<&'static str> {
        self.busy.values().next_back().copied()
    }

    pub fn take_cmds(&mut self) -> Vec<Request> {
        std::mem::take(&mut self.cmds)
    }

    // --- helpers -------------------------------------------------------------------------------

    fn send(&mut self, cmd: Cmd, label: &'static str) -> u64 {
        let id = self.next_req;
        self.next_req += 1;
        self.busy.insert(id, label);
        self.cmds.push(Request { id, cmd });
        id
    }

    fn done(&mut self, req: u64) {
        self.busy.remove(&req);
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            level: Level::Info,
            until: Some(self.now + Duration::from_secs(4)),
        });
    }

    pub fn warn(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            level: Level::Warn,
            until: Some(self.now + Duration::from_secs(8)),
        });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            level: Level::Error,
            until: Some(self.now + Duration::from_secs(15)),
        });
    }

    /// Every failed request comes through here: the message goes to the status line, and the
    /// connection state follows what the failure says.
    fn failed(&mut self, what: &str, e: &ClientError) {
        match e {
            ClientError::Unreachable(_) | ClientError::Timeout => {
                if !matches!(self.link, Link::Down(_)) {
                    tracing::warn!(error = %e, "server unreachable");
                }
                self.link = Link::Down(e.to_string());
                self.retry_due = Some(self.now + RETRY_EVERY);
                self.error(format!("{what}: {e} — retrying"));
            }
            ClientError::SessionExpired(_) => {
                self.link = Link::SignedOut;
                let key = self.keymap.hint(Action::SignIn);
                self.error(format!("{what}: {e} — press {key} to sign in again"));
                if self.overlay.is_none() {
                    self.open_sign_in();
                }
            }
            _ => self.error(format!("{what}: {e}")),
        }
    }

    fn link_ok(&mut self) {
        if matches!(self.link, Link::Down(_)) {
            self.info("connected again");
        }
        if self.link != Link::Up {
            self.link = Link::Up;
        }
        self.retry_due = None;
    }

    /// Starts over with the current filter: a new generation, empty windows, fetch page 0.
    pub fn reload(&mut self) {
        self.epoch += 1;
        self.list_error = None;
        for req in self.page_reqs.keys().copied().collect::<Vec<_>>() {
            self.busy.remove(&req);
        }
        self.page_reqs.clear();
        for w in self.windows.values_mut() {
            w.clear();
        }
        self.ensure_rows();
        self.detail_due = Some(self.now);
    }

    /// Asks for the pages the list needs around the cursor.
    fn ensure_rows(&mut self) {
        if self.ready.is_none()
            || matches!(self.link, Link::SignedOut)
            || self.ready.as_ref().is_some_and(|r| r.needs_sign_in)
        {
            return;
        }
        let height = self.list_height.max(1);
        let first = self.scroll.min(self.cursor());
        let last = (first + height).max(self.cursor());
        let view = self.view;
        let epoch = self.epoch;
        let wanted = self.window_mut().wanted(first, last);
        let limit = self.window().page_size();
        for page in wanted {
            let cmd = Cmd::LoadPage {
                epoch,
                view,
                page,
                filter: self.filter.clone(),
                limit,
                offset: page * limit,
            };
            let req = self.send(cmd, "loading accounts");
            self.page_reqs.insert(req, (epoch, view, page));
        }
    }

    fn set_cursor(&mut self, row: usize) {
        let total = self.total();
        let row = if total == 0 { 0 } else { row.min(total - 1) };
        let before = self.selected().map(|a| a.id);
        self.cursors.insert(self.view, row);
        let h = self.list_height.max(1);
        if row < self.scroll {
            self.scroll = row;
        } else if row >= self.scroll + h {
            self.scroll = row + 1 - h;
        }
        self.ensure_rows();
        if self.selected().map(|a| a.id) != before || before.is_none() {
            self.selection_changed();
        }
    }

    fn selection_changed(&mut self) {
        self.detail_scroll = 0;
        self.thread_cursor = 0;
        self.detail_due = Some(self.now + DETAIL_DEBOUNCE);
    }

    fn move_by(&mut self, delta: isize) {
        match self.pane {
            Pane::List => {
                let row = self.cursor().saturating_add_signed(delta);
                self.set_cursor(row);
            }
            Pane::Detail => {
                self.detail_scroll = self
                    .detail_scroll
                    .saturating_add_signed(delta.clamp(-500, 500) as i16);
            }
            Pane::Comments => {
                let len = self.thread_len();
                if len > 0 {
                    self.thread_cursor =
                        self.thread_cursor.saturating_add_signed(delta).min(len - 1);
                }
            }
        }
    }

    fn remember_detail(&mut self, d: AccountDetail) {
        let id = d.account_obj.id;
        self.windows.values_mut().for_each(|w| {
            w.replace(&d.account_obj);
        });
        self.details.insert(id, d);
        self.detail_order.retain(|x| *x != id);
        self.detail_order.push_back(id);
        while self.detail_order.len() > DETAIL_CACHE {
            if let Some(old) = self.detail_order.pop_front() {
                self.details.remove(&old);
            }
        }
        let len = self.thread_len();
        let comments = self
            .selected_detail()
            .map(|d| d.comments.len())
            .unwrap_or(0);
        match self.focus_new.take() {
            Some(NewItem::Comment) => self.thread_cursor = comments.saturating_sub(1),
            Some(NewItem::Attachment) => self.thread_cursor = len.saturating_sub(1),
            None => {}
        }
        self.thread_cursor = self.thread_cursor.min(len.saturating_sub(1));
    }

    fn load_detail(&mut self, id: Uuid) {
        if self.detail_req.is_some_and(|(pending, _)| pending == id) {
            return;
        }
        let req = self.send(Cmd::LoadDetail { id }, "loading account");
        self.detail_req = Some((id, req));
    }

    // --- events --------------------------------------------------------------------------------

    pub fn on_tick(&mut self, now: Instant) {
        self.now = now;
        if !self.busy.is_empty() {
            self.spinner = self.spinner.wrapping_add(1);
            self.dirty = true;
        }
        if self.filter_due.is_some_and(|t| now >= t) {
            self.filter_due = None;
            self.apply_filter();
        }
        if self.detail_due.is_some_and(|t| now >= t) {
            self.detail_due = None;
            if let Some(id) = self.selected().map(|a| a.id)
                && !self.details.contains_key(&id)
                && self.ready.is_some()
                && self.link != Link::SignedOut
            {
                self.load_detail(id);
            }
        }
        if self.retry_due.is_some_and(|t| now >= t) {
            // Ask again for what failed; what is on screen stays until fresh rows arrive.
            self.retry_due = Some(now + RETRY_EVERY);
            self.ensure_rows();
            if self.detail_req.is_none()
                && let Some(id) = self.selected().map(|a| a.id)
                && !self.details.contains_key(&id)
            {
                self.load_detail(id);
            }
        }
        if self
            .status
            .as_ref()
            .is_some_and(|s| s.until.is_some_and(|u| now >= u))
        {
            self.status = None;
            self.dirty = true;
        }
    }

    pub fn on_resize(&mut self) {
        self.dirty = true;
    }

    /// The list area's height changed (from the renderer): fetch what is now visible.
    pub fn set_list_height(&mut self, h: usize) {
        if h != self.list_height {
            self.list_height = h.max(1);
            let cur = self.cursor();
            if cur >= self.scroll + self.list_height {
                self.scroll = cur + 1 - self.list_height;
            }
            self.ensure_rows();
        }
    }

    pub fn on_paste(&mut self, text: &str) {
        self.dirty = true;
        match &mut self.overlay {
            Some(Overlay::Form(_, form)) => form.paste(text),
            Some(Overlay::Command(input)) | Some(Overlay::FilterName { input, .. }) => {
                let clean: String = text
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect();
                input.insert_str(clean);
                if matches!(self.overlay, Some(Overlay::FilterName { .. })) {
                    self.filter_due = Some(self.now + FILTER_DEBOUNCE);
                }
            }
            // A paste outside an editor is never taken as keys.
            _ => {}
        }
    }

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
        let page = self.list_height.max(1) as isize;
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::Command => self.overlay = Some(Overlay::Command(one_line_input(""))),
            Action::Filter => {
                let before = self.filter.name.clone();
                self.pane = Pane::List;
                self.overlay = Some(Overlay::FilterName {
                    input: one_line_input(before.as_deref().unwrap_or("")),
                    before,
                });
            }
            Action::FilterForm => self.open_filter_form(),
            Action::ClearFilter => {
                self.filter = AccountFilter::default();
                self.info("filters cleared");
                self.reload_from_top();
            }
            Action::Refresh => {
                self.details.clear();
                self.detail_order.clear();
                self.detail_req = None;
                self.reload();
                self.info(REFRESHING);
            }
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-page),
            Action::PageDown => self.move_by(page),
            Action::Top => match self.pane {
                Pane::List => self.set_cursor(0),
                Pane::Detail => self.detail_scroll = 0,
                Pane::Comments => self.thread_cursor = 0,
            },
            Action::Bottom => match self.pane {
                Pane::List => self.set_cursor(self.total().saturating_sub(1)),
                Pane::Detail => self.detail_scroll = u16::MAX / 2,
                Pane::Comments => self.thread_cursor = self.thread_len().saturating_sub(1),
            },
            Action::NextPane => {
                self.pane = match self.pane {
                    Pane::List => Pane::Detail,
                    Pane::Detail => Pane::Comments,
                    Pane::Comments => Pane::List,
                }
            }
            Action::PrevPane => {
                self.pane = match self.pane {
                    Pane::List => Pane::Comments,
                    Pane::Detail => Pane::List,
                    Pane::Comments => Pane::Detail,
                }
            }
            Action::Open => {
                if self.pane == Pane::List && self.selected().is_some() {
                    self.pane = Pane::Detail;
                    if let Some(id) = self.selected().map(|a| a.id)
                        && !self.details.contains_key(&id)
                    {
                        self.load_detail(id);
                    }
                } else if self.pane == Pane::Comments
                    && let Some(ThreadItem::Attachment(_)) = self.thread_item()
                {
                    self.open_download();
                }
            }
            Action::Back => {
                if self.pane != Pane::List {
                    self.pane = Pane::List;
                } else if !self.filter.is_empty() {
                    self.filter = AccountFilter::default();
                    self.info("filters cleared");
                    self.reload_from_top();
                }
            }
            Action::ToggleView => {
                self.view = match self.view {
                    View::Open => View::Closed,
                    View::Closed => View::Open,
                };
                let cur = self.cursor();
                self.scroll = cur.saturating_sub(self.list_height / 2);
                self.ensure_rows();
                self.selection_changed();
            }
            Action::New => self.open_account_form(None),
            Action::Edit => {
                if self.pane == Pane::Comments {
                    self.edit_comment();
                } else if let Some(a) = self.selected().cloned() {
                    self.open_account_form(Some(&a));
                }
            }
            Action::Delete => {
                if self.pane == Pane::Comments {
                    self.delete_thread_item();
                } else if let Some(a) = self.selected() {
                    let text = format!(
                        "Delete the account {:?} with its comments and attachments?",
                        super::sanitize::fit(&a.name, 60)
                    );
                    let id = a.id;
                    self.overlay = Some(Overlay::Confirm {
                        text,
                        what: Confirm::DeleteAccount(id),
                    });
                }
            }
            Action::CloseReopen => {
                if let Some(a) = self.selected() {
                    let to = match a.status {
                        AccountStatus::Open => AccountStatus::Closed,
                        AccountStatus::Closed => AccountStatus::Open,
                    };
                    let input = AccountInput {
                        status: to.into(),
                        ..Default::default()
                    };
                    let id = a.id;
                    let req = self.send(
                        Cmd::Update(id, Box::new(input)),
                        match to {
                            AccountStatus::Closed => "closing",
                            AccountStatus::Open => "reopening",
                        },
                    );
                    self.toggles.insert(req, to);
                }
            }
            Action::Comment => {
                if let Some(a) = self.selected() {
                    let form = Form::new(
                        format!("Comment on {}", super::sanitize::fit(&a.name, 40)),
                        vec![Field::new("comment", "Comment", FieldKind::Multi, "")],
                    )
                    .with_note(format!(
                        "{} to post · enter for a new line · {} to cancel",
                        self.keymap.hint(Action::Submit),
                        self.keymap.hint(Action::Cancel)
                    ));
                    let account = a.id;
                    self.pane = Pane::Comments;
                    self.overlay = Some(Overlay::Form(
                        FormKind::Comment {
                            account,
                            editing: None,
                        },
                        Box::new(form),
                    ));
                }
            }
            Action::Mail => self.open_mail_form(),
            Action::Attach => {
                if let Some(a) = self.selected() {
                    let form = Form::new(
                        format!("Attach a file to {}", super::sanitize::fit(&a.name, 40)),
                        vec![Field::new("attachment", "Path", FieldKind::Line, "")],
                    )
                    .with_note(format!(
                        "a file to upload (~/ works) · {} attach · {} cancel",
                        self.keymap.hint(Action::Submit),
                        self.keymap.hint(Action::Cancel)
                    ));
                    let id = a.id;
                    self.overlay = Some(Overlay::Form(FormKind::AttachPath(id), Box::new(form)));
                }
            }
            Action::Download => self.open_download(),
            Action::SignIn => self.open_sign_in(),
            // Form-only actions do nothing here.
            Action::Submit
            | Action::Cancel
            | Action::NextField
            | Action::PrevField
            | Action::Confirm => {}
        }
    }

    fn reload_from_top(&mut self) {
        for w in self.windows.values_mut() {
            w.clear();
        }
        self.cursors.clear();
        self.scroll = 0;
        self.reload();
    }

    fn apply_filter(&mut self) {
        let name = match &self.overlay {
            Some(Overlay::FilterName { input, .. }) => input.lines().join(" "),
            _ => return,
        };
        let name = name.trim().to_string();
        let name = (!name.is_empty()).then_some(name);
        if name != self.filter.name {
            self.filter.name = name;
            self.reload_from_top();
        }
    }

    fn overlay_key(&mut self, ev: KeyEvent) {
        // A quit key with ctrl quits from anywhere, even from an editor.
        if ev.modifiers.contains(KeyModifiers::CONTROL)
            && self.keymap.action(Context::Normal, &ev) == Some(Action::Quit)
        {
            self.quit = true;
            return;
        }
        let action = self.keymap.action(Context::Form, &ev);
        let Some(overlay) = self.overlay.take() else {
            return;
        };
        match overlay {
            Overlay::Help { scroll } => {
                let normal = self.keymap.action(Context::Normal, &ev);
                self.overlay = match (action, normal) {
                    (_, Some(Action::Down)) => Some(Overlay::Help {
                        scroll: scroll.saturating_add(1),
                    }),
                    (_, Some(Action::Up)) => Some(Overlay::Help {
                        scroll: scroll.saturating_sub(1),
                    }),
                    (_, Some(Action::PageDown)) => Some(Overlay::Help {
                        scroll: scroll.saturating_add(10),
                    }),
                    (_, Some(Action::PageUp)) => Some(Overlay::Help {
                        scroll: scroll.saturating_sub(10),
                    }),
                    _ => None,
                };
            }
            Overlay::Confirm { text, what } => {
                let yes = action == Some(Action::Confirm)
                    || matches!(ev.code, KeyCode::Char('y') | KeyCode::Char('Y'));
                let no = action == Some(Action::Cancel)
                    || matches!(ev.code, KeyCode::Char('n') | KeyCode::Char('N'));
                if yes {
                    self.confirmed(what);
                } else if no {
                    if let Confirm::Discard { kind, form } = what {
                        self.overlay = Some(Overlay::Form(kind, form));
                    }
                } else {
                    self.overlay = Some(Overlay::Confirm { text, what });
                }
            }
            Overlay::Command(mut input) => match (action, ev.code) {
                (Some(Action::Cancel), _) => {}
                (_, KeyCode::Enter) => {
                    let line = input.lines().join(" ");
                    self.run_command(line.trim());
                }
                (_, KeyCode::Backspace) if input.is_empty() => {}
                _ => {
                    edit(&mut input, ev);
                    self.overlay = Some(Overlay::Command(input));
                }
            },
            Overlay::FilterName { mut input, before } => match (action, ev.code) {
                (Some(Action::Cancel), _) => {
                    self.filter_due = None;
                    if self.filter.name != before {
                        self.filter.name = before;
                        self.reload_from_top();
                    }
                }
                (_, KeyCode::Enter) | (_, KeyCode::Down) | (_, KeyCode::Up) => {
                    self.overlay = Some(Overlay::FilterName { input, before });
                    self.apply_filter();
                    self.overlay = None;
                    self.filter_due = None;
                    if ev.code == KeyCode::Down {
                        self.move_by(1);
                    }
                }
                _ => {
                    if edit(&mut input, ev) {
                        self.filter_due = Some(self.now + FILTER_DEBOUNCE);
                    }
                    self.overlay = Some(Overlay::FilterName { input, before });
                }
            },
            Overlay::Form(kind, mut form) => {
                if form.busy {
                    // Waiting for the server: only cancel works (the answer is then ignored).
                    if action != Some(Action::Cancel) {
                        self.overlay = Some(Overlay::Form(kind, form));
                    } else {
                        self.form_closed();
                    }
                    return;
                }
                let multi = form.focused_kind() == FieldKind::Multi;
                match action {
                    Some(Action::Cancel) => {
                        if matches!(kind, FormKind::SignIn)
                            && self.ready.as_ref().is_some_and(|r| r.needs_sign_in)
                        {
                            self.quit = true;
                        }
                        let drafts = matches!(
                            kind,
                            FormKind::NewAccount
                                | FormKind::EditAccount(_)
                                | FormKind::Mail(_)
                                | FormKind::Comment { .. }
                        );
                        if drafts && form.fields.iter().any(Field::changed) {
                            self.overlay = Some(Overlay::Confirm {
                                text: "Discard your changes?".into(),
                                what: Confirm::Discard { kind, form },
                            });
                            return;
                        }
                        self.form_closed();
                        return;
                    }
                    Some(Action::Submit) => {
                        self.submit(kind, form);
                        return;
                    }
                    Some(Action::NextField) if !(multi && ev.code == KeyCode::Down) => form.next(),
                    Some(Action::PrevField) if !(multi && ev.code == KeyCode::Up) => form.prev(),
                    _ if ev.code == KeyCode::Enter && !multi && ev.modifiers.is_empty() => {
                        if form.is_last() {
                            self.submit(kind, form);
                            return;
                        }
                        form.next();
                    }
                    _ => {
                        if let Some(f) = form.focused() {
                            edit(&mut f.input, ev);
                        }
                    }
                }
                self.overlay = Some(Overlay::Form(kind, form));
            }
        }
    }

    /// `:` commands.
    pub fn run_command(&mut self, line: &str) {
        let mut parts = line.splitn(2, char::is_whitespace);
        let cmd = parts.next().unwrap_or("");
        let rest = parts.next().unwrap_or("").trim();
        match cmd {
            "" => {}
            "q" | "q!" | "quit" | "exit" => self.quit = true,
            "accounts" | "account" | "a" => {
                self.pane = Pane::List;
                match rest {
                    "closed" => self.set_view(View::Closed),
                    "open" | "" => self.set_view(View::Open),
                    other if other.contains('=') => self.apply_filter_expr(other),
                    other => self.error(format!(
                        ":accounts {}: unknown view (open or closed)",
                        super::sanitize::fit(other, 20)
                    )),
                }
            }
            "open" => self.set_view(View::Open),
            "closed" => self.set_view(View::Closed),
            "filter" | "f" => {
                if rest.is_empty() {
                    self.open_filter_form();
                } else {
                    self.apply_filter_expr(rest);
                }
            }
            "clear" | "nofilter" => self.act(Action::ClearFilter),
            "help" | "h" => self.act(Action::Help),
            "refresh" | "r" | "reload" => self.act(Action::Refresh),
            "new" => self.act(Action::New),
            "edit" => self.act(Action::Edit),
            "comment" => self.act(Action::Comment),
            "mail" => self.act(Action::Mail),
            "delete" => self.act(Action::Delete),
            "signin" | "login" => self.act(Action::SignIn),
            other => self.error(format!(
                ":{other}: unknown command (try :accounts, :filter, :clear, :help, :q)"
            )),
        }
    }

    fn set_view(&mut self, view: View) {
        if self.view != view {
            self.act(Action::ToggleView);
        }
    }

    /// `city=paris industry=tech tags=a,b name=acme status=closed`, or a bare word for the name.
    /// Values may be quoted (`city="san francisco"`) or use `+` for spaces; an unknown key is an
    /// error, not a name.
    pub fn apply_filter_expr(&mut self, expr: &str) {
        let parts = match split_words(expr) {
            Ok(p) => p,
            Err(e) => {
                self.error(format!(":filter: {e}"));
                return;
            }
        };
        let mut f = AccountFilter::default();
        let mut words = Vec::new();
        let mut view = None;
        for part in &parts {
            let pair = part.split_once('=').or_else(|| {
                part.split_once(':')
                    .filter(|(k, _)| FILTER_KEYS.contains(&k.to_ascii_lowercase().as_str()))
            });
            let Some((k, v)) = pair else {
                words.push(part.clone());
                continue;
            };
            match k.to_ascii_lowercase().as_str() {
                "city" => f.city = Some(v.to_string()),
                "industry" => f.industry = Some(v.to_string()),
                "name" => f.name = Some(v.to_string()),
                "tags" | "tag" => f.tags = split_tags(v),
                "status" => match AccountStatus::parse(&v.to_ascii_lowercase()) {
                    Some(s) => {
                        view = Some(if s == AccountStatus::Open {
                            View::Open
                        } else {
                            View::Closed
                        })
                    }
                    // Silently ignoring it would show the wrong list as if filtered.
                    None => {
                        self.error(format!(
                            "status={}: use open or closed",
                            super::sanitize::fit(v, 20)
                        ));
                        return;
                    }
                },
                _ => {
                    self.error(format!(
                        ":filter {}=…: unknown filter (name=, city=, industry=, tags=, status=)",
                        super::sanitize::fit(k, 20)
                    ));
                    return;
                }
            }
        }
        if !words.is_empty() {
            f.name = Some(words.join(" "));
        }
        if let Some(v) = view {
            self.set_view(v);
        }
        self.filter = f;
        self.reload_from_top();
    }

    /// A form was cancelled: its error (if any) no longer belongs in the status line.
    fn form_closed(&mut self) {
        if self
            .status
            .as_ref()
            .is_some_and(|s| s.level == Level::Error)
        {
            self.status = None;
        }
    }

    fn confirmed(&mut self, what: Confirm) {
        match what {
            Confirm::Discard { .. } => self.form_closed(),
            Confirm::DeleteAccount(id) => {
                self.send(Cmd::Delete(id), "deleting");
            }
            Confirm::DeleteComment { account, comment } => {
                self.send(Cmd::DeleteComment { account, comment }, "deleting comment");
            }
            Confirm::DeleteAttachment {
                account,
                attachment,
            } => {
                self.send(
                    Cmd::DeleteAttachment {
                        account,
                        attachment,
                    },
                    "deleting attachment",
                );
            }
        }
    }

    // --- forms ---------------------------------------------------------------------------------

    fn open_filter_form(&mut self) {
        let f = &self.filter;
        let form = Form::new(
            "Filter accounts",
            vec![
                Field::new(
                    "name",
                    "Name",
                    FieldKind::Line,
                    f.name.as_deref().unwrap_or(""),
                ),
                Field::new(
                    "city",
                    "City",
                    FieldKind::Line,
                    f.city.as_deref().unwrap_or(""),
                ),
                Field::new(
                    "industry",
                    "Industry",
                    FieldKind::Line,
                    f.industry.as_deref().unwrap_or(""),
                ),
                Field::new("tags", "Tags", FieldKind::Line, &f.tags.join(", ")),
            ],
        )
        .with_note("substrings, any case · tags: any of a, b · empty = any");
        self.overlay = Some(Overlay::Form(FormKind::Filter, Box::new(form)));
    }

    fn open_account_form(&mut self, account: Option<&Account>) {
        let v = |f: fn(&Account) -> &str| account.map(f).unwrap_or("").to_string();
        let tags = account.map(|a| a.tags.join(", ")).unwrap_or_default();
        let status = account.map(|a| a.status.as_str()).unwrap_or("open");
        let description = account
            .and_then(|a| self.details.get(&a.id))
            .map(|d| d.account_obj.description.clone())
            .unwrap_or_else(|| v(|a| &a.description));
        let fields = vec![
            Field::new("name", "Name", FieldKind::Line, &v(|a| &a.name)),
            Field::new("email", "Email", FieldKind::Line, &v(|a| &a.email)),
            Field::new("phone", "Phone", FieldKind::Line, &v(|a| &a.phone)),
            Field::new("industry", "Industry", FieldKind::Line, &v(|a| &a.industry)),
            Field::new("website", "Website", FieldKind::Line, &v(|a| &a.website)),
            Field::new("status", "Status", FieldKind::Line, status),
            Field::new(
                "billing_address_line",
                "Address",
                FieldKind::Line,
                &v(|a| &a.billing_address_line),
            ),
            Field::new(
                "billing_street",
                "Street",
                FieldKind::Line,
                &v(|a| &a.billing_street),
            ),
            Field::new(
                "billing_city",
                "City",
                FieldKind::Line,
                &v(|a| &a.billing_city),
            ),
            Field::new(
                "billing_state",
                "State",
                FieldKind::Line,
                &v(|a| &a.billing_state),
            ),
            Field::new(
                "billing_postcode",
                "Postcode",
                FieldKind::Line,
                &v(|a| &a.billing_postcode),
            ),
            Field::new(
                "billing_country",
                "Country",
                FieldKind::Line,
                &v(|a| &a.billing_country),
            ),
            Field::new("tags", "Tags", FieldKind::Line, &tags),
            Field::new("description", "Description", FieldKind::Multi, &description),
        ];
        let (title, kind) = match account {
            Some(a) => (
                format!("Edit {}", super::sanitize::fit(&a.name, 40)),
                FormKind::EditAccount(a.id),
            ),
            None => ("New account".to_string(), FormKind::NewAccount),
        };
        let note = format!(
            "{} save · {} next · {} cancel · status: open/closed · tags: a, b",
            self.keymap.hint(Action::Submit),
            self.keymap.hint(Action::NextField),
            self.keymap.hint(Action::Cancel)
        );
        self.overlay = Some(Overlay::Form(
            kind,
            Box::new(Form::new(title, fields).with_note(note)),
        ));
    }

    fn open_mail_form(&mut self) {
        let Some(a) = self.selected() else { return };
        let id = a.id;
        let mut to: Vec<String> = Vec::new();
        if !a.email.is_empty() {
            to.push(a.email.clone());
        }
        let name = super::sanitize::fit(&a.name, 40);
        let form = Form::new(
            format!("Email about {name}"),
            vec![
                Field::new("recipients", "To", FieldKind::Line, &to.join(", ")),
                Field::new("subject", "Subject", FieldKind::Line, ""),
                Field::new("html", "Body", FieldKind::Multi, ""),
                Field::new("scheduled_date_time", "Send at", FieldKind::Line, ""),
            ],
        )
        .with_note(format!(
            "Send at: empty = now, or YYYY-MM-DD HH:MM (local time) · {} send",
            self.keymap.hint(Action::Submit)
        ));
        self.overlay = Some(Overlay::Form(FormKind::Mail(id), Box::new(form)));
    }

    fn open_download(&mut self) {
        let Some(ThreadItem::Attachment(att)) = self.thread_item() else {
            self.warn("select an attachment in the comments pane first");
            return;
        };
        let file_name = safe_file_name(&att.file_name);
        // A relative path: saved in the current directory, without asking the OS for it here.
        let default = PathBuf::from(file_name);
        let link = if att.attachment.is_empty() {
            format!("api/accounts/attachment/{}/", att.id)
        } else {
            att.attachment.clone()
        };
        self.overwrite = None;
        let form = Form::new(
            "Save attachment to",
            vec![Field::new(
                "path",
                "Path",
                FieldKind::Line,
                &default.to_string_lossy(),
            )],
        )
        .with_note(format!(
            "where to save (~/ works) · {} save · {} cancel",
            self.keymap.hint(Action::Submit),
            self.keymap.hint(Action::Cancel)
        ));
        self.overlay = Some(Overlay::Form(FormKind::DownloadPath(link), Box::new(form)));
    }

    pub fn open_sign_in(&mut self) {
        let email = self
            .ready
            .as_ref()
            .and_then(|r| r.user.as_ref().map(|u| u.1.clone()))
            .unwrap_or_default();
        let mut form = Form::new(
            format!(
                "Sign in to {}",
                self.ready
                    .as_ref()
                    .map(|r| r.server.as_str())
                    .unwrap_or("the server")
            ),
            vec![
                Field::new("email", "Email", FieldKind::Line, &email),
                Field::new("password", "Password", FieldKind::Secret, ""),
            ],
        )
        .with_note(if self.ready.as_ref().is_some_and(|r| r.needs_sign_in) {
            format!(
                "{} sign in · {} quits",
                self.keymap.hint(Action::Submit),
                self.keymap.hint(Action::Cancel)
            )
        } else {
            "the screen stays as it is; you continue where you were".to_string()
        });
        if !email.is_empty() {
            form.focus_key("password");
        }
        self.overlay = Some(Overlay::Form(FormKind::SignIn, Box::new(form)));
    }

    fn edit_comment(&mut self) {
        let Some(item) = self.thread_item() else {
            return;
        };
        let ThreadItem::Comment(c) = item else {
            self.warn("attachments cannot be edited; d deletes, s saves");
            return;
        };
        let (account, comment, text) = (c.account, c.id, c.comment.clone());
        if !self.is_me(c.commented_by) && !self.ready.as_ref().is_some_and(|r| r.admin) {
            self.warn("you can edit only your own comments");
            return;
        }
        let form = Form::new(
            "Edit comment",
            vec![Field::new("comment", "Comment", FieldKind::Multi, &text)],
        )
        .with_note(format!(
            "{} to save · {} to cancel",
            self.keymap.hint(Action::Submit),
            self.keymap.hint(Action::Cancel)
        ));
        self.overlay = Some(Overlay::Form(
            FormKind::Comment {
                account,
                editing: Some(comment),
            },
            Box::new(form),
        ));
    }

    fn delete_thread_item(&mut self) {
        let Some(item) = self.thread_item() else {
            return;
        };
        let admin = self.ready.as_ref().is_some_and(|r| r.admin);
        let (text, what, owner) = match item {
            ThreadItem::Comment(c) => (
                format!(
                    "Delete this comment? “{}”",
                    super::sanitize::fit(&c.comment, 50)
                ),
                Confirm::DeleteComment {
                    account: c.account,
                    comment: c.id,
                },
                c.commented_by,
            ),
            ThreadItem::Attachment(a) => (
                format!(
                    "Delete the attachment {}?",
                    super::sanitize::fit(&a.file_name, 50)
                ),
                Confirm::DeleteAttachment {
                    account: a.account,
                    attachment: a.id,
                },
                a.created_by,
            ),
        };
        if !admin && !self.is_me(owner) {
            self.warn("you can delete only your own comments and attachments");
            return;
        }
        self.overlay = Some(Overlay::Confirm { text, what });
    }

    fn submit(&mut self, kind: FormKind, mut form: Box<Form>) {
        form.errors.clear();
        let cmd = match kind.clone() {
            FormKind::Filter => {
                let opt =
                    |k: &str| Some(form.value(k).trim().to_string()).filter(|v| !v.is_empty());
                self.filter = AccountFilter {
                    name: opt("name"),
                    city: opt("city"),
                    industry: opt("industry"),
                    tags: split_tags(&form.value("tags")),
                    status: None,
                };
                self.reload_from_top();
                return;
            }
            FormKind::NewAccount | FormKind::EditAccount(_) => {
                let editing = matches!(kind, FormKind::EditAccount(_));
                match account_input(&form, editing) {
                    Err((field, msg)) => {
                        form.errors.insert(field.to_string(), msg);
                        form.focus_key(field);
                        self.overlay = Some(Overlay::Form(kind, form));
                        return;
                    }
                    Ok(input) if editing && input == AccountInput::default() => {
                        self.info("nothing changed");
                        return;
                    }
                    Ok(input) => match kind {
                        FormKind::EditAccount(id) => (Cmd::Update(id, Box::new(input)), "saving"),
                        _ => (Cmd::Create(Box::new(input)), "creating"),
                    },
                }
            }
            FormKind::Mail(account) => match mail_input(&form) {
                Err((field, msg)) => {
                    form.errors.insert(field.to_string(), msg);
                    form.focus_key(field);
                    self.overlay = Some(Overlay::Form(kind, form));
                    return;
                }
                Ok(mail) => {
                    let when = mail.scheduled_date_time;
                    form.busy = true;
                    let req = self.send(
                        Cmd::Mail {
                            account,
                            mail: Box::new(mail),
                        },
                        "sending",
                    );
                    form.pending = Some(req);
                    self.mails.insert(req, when);
                    self.overlay = Some(Overlay::Form(kind, form));
                    return;
                }
            },
            FormKind::Comment { account, editing } => {
                let text = form.value("comment").trim_end().to_string();
                if text.trim().is_empty() {
                    form.errors
                        .insert("comment".into(), "write something first".into());
                    self.overlay = Some(Overlay::Form(kind, form));
                    return;
                }
                match editing {
                    Some(comment) => (
                        Cmd::EditComment {
                            account,
                            comment,
                            text,
                        },
                        "saving comment",
                    ),
                    None => (Cmd::AddComment { account, text }, "posting comment"),
                }
            }
            FormKind::AttachPath(account) => {
                let path = expand_home(form.value("attachment").trim());
                // Whether it is a file is checked by the worker: no disk I/O on the UI thread.
                if path.as_os_str().is_empty() {
                    form.errors
                        .insert("attachment".into(), "give a file path".into());
                    self.overlay = Some(Overlay::Form(kind, form));
                    return;
                }
                (Cmd::Attach { account, path }, "uploading")
            }
            FormKind::DownloadPath(link) => {
                let path = expand_home(form.value("path").trim());
                // A directory is refused by the worker (disk I/O stays off the UI thread).
                if path.as_os_str().is_empty() {
                    form.errors.insert("path".into(), "give a file path".into());
                    self.overlay = Some(Overlay::Form(kind, form));
                    return;
                }
                let overwrite = self.overwrite.as_ref() == Some(&path);
                (
                    Cmd::Download {
                        link,
                        path,
                        overwrite,
                    },
                    "downloading",
                )
            }
            FormKind::SignIn => {
                let email = form.value("email").trim().to_string();
                let password = form.value("password");
                if email.is_empty() || password.is_empty() {
                    form.errors
                        .insert(String::new(), "email and password, please".into());
                    self.overlay = Some(Overlay::Form(kind, form));
                    return;
                }
                (
                    Cmd::SignIn {
                        email,
                        password: Password(password),
                    },
                    "signing in",
                )
            }
        };
        form.busy = true;
        form.pending = Some(self.send(cmd.0, cmd.1));
        self.overlay = Some(Overlay::Form(kind, form));
    }

    /// The form that sent `req`, if it is still open. Matched on the request, not the form kind:
    /// an answer to a cancelled form must not close or fill a newer one of the same kind.
    fn form_mut(&mut self, req: u64) -> Option<&mut Form> {
        match &mut self.overlay {
            Some(Overlay::Form(_, form)) if form.pending == Some(req) => Some(form),
            _ => None,
        }
    }

    /// A form request failed: show field errors in the form, or the message in it.
    fn form_failed(&mut self, req: u64, what: &str, e: &ClientError) {
        let summary = e.to_string();
        let fields = e.field_errors().cloned().unwrap_or_default();
        let unreachable = e.is_unreachable() || matches!(e, ClientError::SessionExpired(_));
        if let Some(form) = self.form_mut(req) {
            form.busy = false;
            form.pending = None;
            form.set_errors(&fields, &summary);
            if !unreachable {
                self.error(format!("{what}: {summary}"));
                return;
            }
        }
        if unreachable {
            // Keep the form (and what was typed) under the sign-in form when the session died.
            if matches!(e, ClientError::SessionExpired(_)) {
                self.link = Link::SignedOut;
                self.error(format!("{what}: {summary} — sign in, then save again"));
                return;
            }
        }
        self.failed(what, e);
    }

    pub fn on_msg(&mut self, msg: Msg) {
        self.dirty = true;
        match msg {
            Msg::Ready(ready) => {
                let ready = *ready;
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
                    self.reload();
                    if self.ready.as_ref().is_some_and(|r| r.org_name.is_none()) {
                        self.send(Cmd::Profile, "loading profile");
                    }
                }
            }
            Msg::Offline(e) => {
                self.link = Link::Down(e.clone());
                self.error(format!("{e} — retrying"));
            }
            Msg::BootFailed(e) => {
                self.link = Link::Failed(e.clone());
                self.error(e);
            }
            Msg::Page {
                req,
                epoch,
                view,
                page,
                result,
            } => {
                self.done(req);
                self.page_reqs.remove(&req);
                if epoch != self.epoch {
                    return;
                }
                match result {
                    Ok(list) => {
                        self.link_ok();
                        self.list_error = None;
                        let list = *list;
                        self.counts = Some((list.open_accounts_count, list.closed_accounts_count));
                        for u in &list.users {
                            self.users.insert(u.id, short_user(u));
                        }
                        let before = self.selected().map(|a| a.id);
                        let open_total = list.open_accounts_count.max(0) as usize;
                        let closed_total = list.closed_accounts_count.max(0) as usize;
                        if let Some(w) = self.windows.get_mut(&View::Open) {
                            w.set_total(open_total);
                        }
                        if let Some(w) = self.windows.get_mut(&View::Closed) {
                            w.set_total(closed_total);
                        }
                        let rows = match view {
                            View::Open => list.open_accounts,
                            View::Closed => list.closed_accounts,
                        };
                        if let Some(w) = self.windows.get_mut(&view) {
                            w.insert(page, rows);
                        }
                        // Keep the cursor inside the (possibly shrunk) list.
                        let cur = self.cursor();
                        let total = self.total();
                        if cur >= total && total > 0 {
                            self.set_cursor(total - 1);
                        }
                        self.ensure_rows();
                        if self.selected().map(|a| a.id) != before {
                            self.selection_changed();
                        }
                        if self.page_reqs.is_empty()
                            && self.status.as_ref().is_some_and(|s| s.text == REFRESHING)
                        {
                            self.info("refreshed");
                        }
                    }
                    Err(e) => {
                        if let Some(w) = self.windows.get_mut(&view) {
                            w.failed(page);
                        }
                        if let ClientError::Api { status, .. } = &e
                            && *status != 0
                        {
                            self.list_error = Some(e.to_string());
                        }
                        self.failed("loading accounts", &e);
                    }
                }
            }
            Msg::Detail { req, id, result } => {
                self.done(req);
                if self.detail_req.is_some_and(|(_, r)| r == req) {
                    self.detail_req = None;
                }
                match result {
                    Ok(d) => {
                        self.link_ok();
                        self.detail_error = None;
                        self.remember_detail(*d);
                    }
                    Err(e) => {
                        if let ClientError::Api { status: 404, .. } = e {
                            self.detail_error = Some((
                                id,
                                "this account no longer exists (press r to refresh)".into(),
                            ));
                        } else {
                            self.detail_error = Some((id, e.to_string()));
                        }
                        self.failed("loading the account", &e);
                    }
                }
            }
            Msg::Profile { req, result } => {
                self.done(req);
                match result {
                    Ok(p) => {
                        if let Some(r) = &mut self.ready {
                            r.org_name = Some(p.org.name.clone());
                            r.user = Some((p.user.id, p.user.email.clone()));
                            r.admin = p.org.role == Role::Admin;
                        }
                    }
                    Err(e) => tracing::info!(error = %e, "no profile"),
                }
            }
            Msg::Saved {
                req,
                created,
                result,
            } => {
                self.done(req);
                match result {
                    Ok(account) => {
                        self.link_ok();
                        if self.form_mut(req).is_some() {
                            self.overlay = None;
                        }
                        let name = super::sanitize::fit(&account.name, 40);
                        self.details.remove(&account.id);
                        if created {
                            self.info(format!("created {name}"));
                            // New accounts come first (newest first): show it selected.
                            self.view = if account.status == AccountStatus::Closed {
                                View::Closed
                            } else {
                                View::Open
                            };
                            self.cursors.insert(self.view, 0);
                            self.scroll = 0;
                            self.reload();
                        } else {
                            match self.toggles.remove(&req) {
                                Some(AccountStatus::Closed) => self.info(format!("closed {name}")),
                                Some(AccountStatus::Open) => self.info(format!("reopened {name}")),
                                None => self.info(format!("saved {name}")),
                            }
                            let moved = self
                                .selected()
                                .is_some_and(|a| a.id == account.id && a.status != account.status);
                            self.windows.values_mut().for_each(|w| {
                                w.replace(&account);
                            });
                            if moved {
                                self.reload();
                            } else {
                                self.load_detail(account.id);
                            }
                        }
                    }
                    Err(e) => {
                        let what = match self.toggles.remove(&req) {
                            Some(AccountStatus::Closed) => "closing the account",
                            Some(AccountStatus::Open) => "reopening the account",
                            None if created => "creating the account",
                            None => "saving the account",
                        };
                        self.form_failed(req, what, &e)
                    }
                }
            }
            Msg::Deleted { req, id, result } => {
                self.done(req);
                match result {
                    Ok(()) => {
                        self.details.remove(&id);
                        self.info("account deleted");
                        self.reload();
                    }
                    Err(e) => self.failed("deleting the account", &e),
                }
            }
            Msg::Thread {
                req,
                account,
                what,
                result,
            } => {
                self.done(req);
                match result {
                    Ok(()) => {
                        self.link_ok();
                        if self.form_mut(req).is_some() {
                            self.overlay = None;
                        }
                        self.info(what);
                        self.detail_req = None;
                        self.load_detail(account);
                        // Show the new item: comments come oldest first, files after them.
                        self.focus_new = match what {
                            "comment posted" => Some(NewItem::Comment),
                            "file attached" => Some(NewItem::Attachment),
                            _ => None,
                        };
                    }
                    Err(e) => {
                        let failed = match what {
                            "comment posted" => "posting the comment",
                            "comment saved" => "saving the comment",
                            "comment deleted" => "deleting the comment",
                            "file attached" => "attaching the file",
                            "attachment deleted" => "deleting the attachment",
                            other => other,
                        };
                        self.form_failed(req, failed, &e)
                    }
                }
            }
            Msg::Downloaded { req, path, result } => {
                self.done(req);
                match result {
                    Ok(n) => {
                        if self.form_mut(req).is_some() {
                            self.overlay = None;
                        }
                        self.info(format!("saved {} ({})", path.display(), human_bytes(n)));
                    }
                    Err(e) => {
                        // The worker found the file there: say how to replace it.
                        let exists = e
                            .field_errors()
                            .is_some_and(|f| f.get("path").is_some_and(|m| m == EXISTS));
                        if exists {
                            let message = format!(
                                "exists — press {} again to overwrite",
                                self.keymap.hint(Action::Submit)
                            );
                            self.overwrite = Some(path);
                            let e = ClientError::Api {
                                status: 0,
                                message: message.clone(),
                                fields: [("path".to_string(), message)].into(),
                            };
                            if let Some(form) = self.form_mut(req) {
                                form.busy = false;
                                form.pending = None;
                                form.set_errors(e.field_errors().unwrap_or(&BTreeMap::new()), "");
                            }
                        } else {
                            self.form_failed(req, "downloading", &e)
                        }
                    }
                }
            }
            Msg::MailSent { req, result } => {
                self.done(req);
                match result {
                    Ok(sent) => {
                        if self.form_mut(req).is_some() {
                            self.overlay = None;
                        }
                        tracing::info!(status = %sent.status, id = %sent.email_id, "mail accepted");
                        // Without SMTP the server only queues it: claim no more than that.
                        match self.mails.remove(&req).flatten() {
                            Some(at) => self.info(format!(
                                "email scheduled for {}",
                                at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M")
                            )),
                            None => self.info("email accepted by the server"),
                        }
                    }
                    Err(e) => {
                        self.mails.remove(&req);
                        self.form_failed(req, "sending the email", &e)
                    }
                }
            }
            Msg::SignedIn { req, result } => {
                self.done(req);
                match result {
                    Ok((id, email, org_name, admin)) => {
                        if self.form_mut(req).is_some() {
                            self.overlay = None;
                        }
                        if let Some(r) = &mut self.ready {
                            r.user = Some((id, email.clone()));
                            r.admin = admin;
                            r.needs_sign_in = false;
                            if org_name.is_some() {
                                r.org_name = org_name;
                            }
                        }
                        self.link = Link::Up;
                        self.info(format!("signed in as {email}"));
                        self.detail_req = None;
                        self.reload();
                    }
                    Err(e) => {
                        let e = match e {
                            ClientError::SessionExpired(m) => ClientError::Api {
                                status: 401,
                                message: m,
                                fields: BTreeMap::new(),
                            },
                            other => other,
                        };
                        self.form_failed(req, "signing in", &e)
                    }
                }
            }
            Msg::Warn(text) => self.warn(text),
            Msg::Crashed { req } => {
                self.done(req);
                self.toggles.remove(&req);
                self.mails.remove(&req);
                if let Some((epoch, view, page)) = self.page_reqs.remove(&req)
                    && epoch == self.epoch
                    && let Some(w) = self.windows.get_mut(&view)
                {
                    w.failed(page);
                }
                if self.detail_req.is_some_and(|(_, r)| r == req) {
                    self.detail_req = None;
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
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NewItem {
    Comment,
    Attachment,
}

pub enum ThreadItem<'a> {
    Comment(&'a Comment),
    Attachment(&'a Attachment),
}

/// Typing into an editor: ratatui-textarea's emacs-like keys, except ctrl-u, which deletes to
/// the start of the line as in a shell (the editor's own binding for it is undo; ctrl-z undoes).
fn edit(input: &mut TextArea<'static>, ev: KeyEvent) -> bool {
    match (ev.code, ev.modifiers) {
        (KeyCode::Char('u'), KeyModifiers::CONTROL) => input.delete_line_by_head(),
        (KeyCode::Char('z'), KeyModifiers::CONTROL) => input.undo(),
        _ => input.input(ev),
    }
}

fn one_line_input(value: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![value.to_string()]);
    t.set_cursor_line_style(ratatui::style::Style::new());
    t.move_cursor(ratatui_textarea::CursorMove::End);
    t
}

/// The local part of a server-given email, cleaned: it is drawn in the list and the thread.
fn short_user(u: &User) -> String {
    let local = u.email.split('@').next().unwrap_or(&u.email);
    super::sanitize::fit(local, 40)
}

const FILTER_KEYS: [&str; 6] = ["name", "city", "industry", "tags", "tag", "status"];

/// Words of a filter expression: whitespace separates them except inside `"…"` or `'…'`;
/// outside quotes a `+` is a space.
fn split_words(expr: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in expr.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, '+') => {
                cur.push(' ');
                in_word = true;
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("a quote is not closed".into());
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

pub fn split_tags(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn expand_home(raw: &str) -> PathBuf {
    if let Some(rest) = raw.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    PathBuf::from(raw)
}

/// A server-given file name reduced to one safe path component.
fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim_start_matches('.').trim().to_string();
    if clean.is_empty() {
        "attachment".into()
    } else {
        clean
    }
}

pub fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / (1 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} kB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// The account form as an API body: for an edit only the fields that changed.
fn account_input(form: &Form, editing: bool) -> Result<AccountInput, (&'static str, String)> {
    let mut input = AccountInput::default();
    let text = |key: &str| -> Patch<String> {
        let Some(f) = form.get(key) else {
            return Patch::Absent;
        };
        if editing && !f.changed() {
            return Patch::Absent;
        }
        let v = f.value().trim().to_string();
        if v.is_empty() && editing {
            Patch::Null
        } else {
            Patch::Value(v)
        }
    };
    input.name = text("name");
    if !editing && form.value("name").trim().is_empty() {
        return Err(("name", "a name is required".into()));
    }
    input.email = text("email");
    input.phone = text("phone");
    input.industry = text("industry");
    input.website = text("website");
    input.billing_address_line = text("billing_address_line");
    input.billing_street = text("billing_street");
    input.billing_city = text("billing_city");
    input.billing_state = text("billing_state");
    input.billing_postcode = text("billing_postcode");
    input.billing_country = text("billing_country");
    input.description = form
        .get("description")
        .filter(|f| !editing || f.changed())
        .map_or(Patch::Absent, |f| {
            Patch::Value(f.value().trim_end().to_string())
        });
    if let Some(f) = form.get("status").filter(|f| !editing || f.changed()) {
        let raw = f.value().trim().to_ascii_lowercase();
        let status = match raw.as_str() {
            "" | "open" | "o" => AccountStatus::Open,
            "closed" | "close" | "c" => AccountStatus::Closed,
            _ => return Err(("status", "open or closed".into())),
        };
        input.status = status.into();
    }
    if let Some(f) = form.get("tags").filter(|f| !editing || f.changed()) {
        input.tags = split_tags(&f.value()).into();
    }
    // Creating: leave empty optional fields out instead of sending "".
    if !editing {
        for field in [
            &mut input.email,
            &mut input.phone,
            &mut input.industry,
            &mut input.website,
            &mut input.billing_address_line,
            &mut input.billing_street,
            &mut input.billing_city,
            &mut input.billing_state,
            &mut input.billing_postcode,
            &mut input.billing_country,
            &mut input.description,
        ] {
            if field.value().is_none_or(String::is_empty) {
                *field = Patch::Absent;
            }
        }
    }
    Ok(input)
}

fn mail_input(form: &Form) -> Result<MailInput, (&'static str, String)> {
    let recipients: Vec<String> = form
        .value("recipients")
        .split([',', ';', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if recipients.is_empty() {
        return Err(("recipients", "at least one address".into()));
    }
    let when = form.value("scheduled_date_time").trim().to_string();
    let scheduled = if when.is_empty() {
        None
    } else {
        Some(
            parse_local_time(&when)
                .ok_or(("scheduled_date_time", "use YYYY-MM-DD HH:MM".to_string()))?,
        )
    };
    // Typed as plain text but sent as HTML: escape it and keep the line breaks.
    let body = plain_to_html(&form.value("html"));
    Ok(MailInput {
        recipients,
        subject: form.value("subject").trim().to_string(),
        html: body,
        scheduled_later: scheduled.is_some(),
        scheduled_date_time: scheduled,
        from_account: None,
    })
}

/// `YYYY-MM-DD HH:MM` in local time (or any RFC 3339 time).
/// Plain text as HTML: `<>&` escaped (quotes too, harmless), newlines as `<br>`.
pub fn plain_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.replace("\r\n", "\n").chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("<br>\n"),
            c => out.push(c),
        }
    }
    out
}

fn parse_local_time(raw: &str) -> Option<DateTime<Utc>> {
    use chrono::{Local, NaiveDateTime, TimeZone};
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(raw, fmt) {
            return Local
                .from_local_datetime(&n)
                .earliest()
                .map(|t| t.with_timezone(&Utc));
        }
    }
    None
}
