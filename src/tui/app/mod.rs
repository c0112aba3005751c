//! The application state and the only ways it changes: [`App::on_key`], [`App::on_paste`],
//! [`App::on_msg`], [`App::on_tick`] (and [`App::on_layout`], the sizes of the frame just
//! drawn). Nothing here does I/O (not even a file check): work for the network or the disk is
//! queued in the [`Requests`] table (taken by the runtime with [`App::take_cmds`]) and comes back
//! as [`Msg`](super::msg::Msg)s. That is what makes the whole app testable without a terminal or a server.
//!
//! Each pane keeps its own state and handlers ([`super::panes`]), and so does each overlay
//! ([`super::overlay`]); this module holds what they share and decides what one's change
//! means for the others. Keys are handled in `keys.rs`, answers in `replies.rs`, forms in
//! `forms.rs`.

mod effects;
mod export;
mod forms;
mod keys;
mod mouse;
mod replies;
pub mod views;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::keymap::{Action, Keymap};
use super::msg::{Effect, Ready, Request};
use super::overlay::{self, Overlay};
use super::panes::{DetailPane, Io, ListPane, Pane, ThreadItem, ThreadPane};
use super::records::{Accounts, DrawCtx, Thread, Users, ViewId};
use super::requests::Requests;
use super::theme::Theme;
use super::ui::ScreenLayout;
use super::window::PageWindow;
use crate::client::ClientError;
use crate::model::{Account, AccountDetail, AccountFilter, AccountStatus};

const FILTER_DEBOUNCE: Duration = Duration::from_millis(200);
const RETRY_EVERY: Duration = Duration::from_secs(3);
const REFRESHING: &str = "refreshing…";

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

/// Browsing the offline cache: the server did not answer at start-up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stale {
    /// When the oldest cached answer shown since then was kept: what is on screen is at most
    /// this old.
    pub since: Option<DateTime<Utc>>,
}

pub struct App {
    pub keymap: Keymap,
    pub theme: Theme,
    pub ready: Option<Ready>,
    pub link: Link,
    /// The focused pane.
    pub pane: Pane,
    /// What fills the screen: a view's list, or the dashboard.
    pub screen: views::Screen,
    pub list: ListPane<Accounts>,
    pub detail: DetailPane<Accounts>,
    /// The panes of the other views, made as each is first shown.
    records: views::ViewPanes,
    /// Where `Esc` goes back to, newest last (records opened from others' links).
    pub trail: Vec<views::Crumb>,
    pub dashboard: views::DashboardPane,
    /// A screen change waiting for its data, timed.
    timed: Option<views::Timed>,
    /// When the transfer in flight sent its first bytes (for its rate).
    transfer_started: Option<Instant>,
    /// The download whose file is opened once it is in (`o` on an attachment).
    open_after: Option<crate::tui::msg::ReqId>,
    /// The config's profiles (`:ctx`), and the one in use.
    pub profiles: Vec<String>,
    pub profile: Option<String>,
    /// `:ctx NAME`: the profile to start once this run ends.
    pub switch_to: Option<String>,
    /// Problems found while starting (the config's), shown once the session is up.
    pub boot_notes: Vec<String>,
    /// The saved screen to open once the session is up.
    restore: Option<crate::tui::ui_state::UiState>,
    pub thread: ThreadPane,
    /// User names by id, from the lists the server sent.
    pub users: Users,
    pub overlay: Option<Overlay>,
    pub status: Option<Status>,
    /// Browse only: write keys are hidden and refused (`--read-only`, `[ui] read_only`).
    pub read_only: bool,
    /// On the offline cache: everything shown is stale and writes are refused, until the
    /// server answers.
    pub offline: Option<Stale>,
    /// The answer being handled came from the offline cache.
    cached_reply: bool,
    /// A live answer came while on the cache: go live once it is handled.
    came_back: bool,
    /// The question in flight that tells whether the server is back.
    checking: Option<crate::tui::msg::ReqId>,
    /// `y` copies with OSC 52 (`[ui] clipboard = "osc52"`).
    pub clipboard: bool,
    /// A local display the desktop opener can use (not over SSH): `o` opens rather than copies.
    pub desktop: bool,
    /// Mouse events are taken (`[ui] mouse = true`).
    pub mouse: bool,
    /// The layout of the last frame drawn: where the mouse points.
    layout: ScreenLayout,
    /// Work on the terminal for the runtime (copy, the external editor, the opener).
    effects: Vec<Effect>,
    /// Every request in flight, with what its answer must be matched with.
    requests: Requests,
    /// When to apply the `/` filter being typed.
    filter_due: Option<Instant>,
    /// When to search for what a form's link field holds.
    link_search_due: Option<Instant>,
    /// When to ask again for what failed while the server was unreachable.
    retry_due: Option<Instant>,
    pub spinner: usize,
    pub quit: bool,
    pub dirty: bool,
    now: Instant,
    /// Fixed wall clock for tests (relative times in snapshots).
    pub clock: Option<DateTime<Utc>>,
}

impl App {
    pub fn new(keymap: Keymap, theme: Theme, page_size: usize) -> App {
        App {
            keymap,
            theme,
            ready: None,
            link: Link::Starting,
            pane: Pane::List,
            screen: views::Screen::List(ViewId::Accounts),
            list: ListPane::new(Accounts, page_size),
            detail: DetailPane::new(Accounts),
            records: Default::default(),
            trail: Vec::new(),
            dashboard: Default::default(),
            timed: None,
            restore: None,
            profiles: Vec::new(),
            profile: None,
            switch_to: None,
            boot_notes: Vec::new(),
            open_after: None,
            transfer_started: None,
            thread: ThreadPane::default(),
            users: Users::default(),
            overlay: None,
            status: None,
            read_only: false,
            offline: None,
            cached_reply: false,
            came_back: false,
            checking: None,
            clipboard: true,
            desktop: false,
            mouse: false,
            layout: ScreenLayout::default(),
            effects: Vec::new(),
            requests: Requests::default(),
            filter_due: None,
            link_search_due: None,
            retry_due: None,
            spinner: 0,
            quit: false,
            dirty: true,
            now: Instant::now(),
            clock: None,
        }
    }

    // --- queries used by the renderer and tests ------------------------------------------------

    pub fn window(&self) -> &PageWindow<Account> {
        self.list.window()
    }

    pub fn cursor(&self) -> usize {
        self.list.cursor()
    }

    pub fn total(&self) -> usize {
        self.list.total()
    }

    /// The account the detail pane shows, and that account actions act on: the one opened
    /// from another record's link, else the list's selection.
    pub fn selected(&self) -> Option<&Account> {
        views::shown_row(&self.list, &self.detail)
    }

    pub fn selected_detail(&self) -> Option<&AccountDetail> {
        self.selected().and_then(|a| self.detail.get(&a.id))
    }

    /// The list's filter.
    pub fn filter(&self) -> &AccountFilter {
        &self.list.filter
    }

    /// Which tab of the list is shown (open or closed accounts).
    pub fn tab(&self) -> AccountStatus {
        self.list.tab
    }

    /// The list's generation: answers for an older one are dropped.
    pub fn epoch(&self) -> u64 {
        self.list.epoch
    }

    /// Open and closed accounts, as the server last counted them.
    pub fn counts(&self) -> Option<(i64, i64)> {
        let totals = self.list.totals.as_ref()?;
        let of = |tab| {
            totals
                .iter()
                .find(|(t, _)| *t == tab)
                .map_or(0, |(_, n)| *n)
        };
        Some((of(AccountStatus::Open), of(AccountStatus::Closed)))
    }

    /// The requests in flight.
    pub fn requests(&self) -> &Requests {
        &self.requests
    }

    pub fn now_utc(&self) -> DateTime<Utc> {
        self.clock.unwrap_or_else(Utc::now)
    }

    /// What drawing a record needs from the app.
    pub fn draw_ctx(&self) -> DrawCtx<'_> {
        DrawCtx {
            theme: &self.theme,
            users: &self.users,
            now: self.now_utc(),
            utc: self.clock.is_some(),
        }
    }

    pub fn user_name(&self, id: &Uuid) -> String {
        self.users.name(id)
    }

    /// The signed-in user.
    pub fn me(&self) -> Option<Uuid> {
        self.ready.as_ref()?.user.as_ref().map(|(id, _)| *id)
    }

    pub fn is_me(&self, id: Option<Uuid>) -> bool {
        self.me().is_some() && self.me() == id
    }

    fn is_admin(&self) -> bool {
        self.ready.as_ref().is_some_and(|r| r.admin)
    }

    /// The shown record's comments and attachments: the rows of the thread pane.
    pub fn selected_thread(&self) -> Option<Thread<'_>> {
        self.shown_thread()
    }

    pub fn thread_len(&self) -> usize {
        self.selected_thread().map_or(0, |t| t.len())
    }

    pub fn thread_item(&self) -> Option<ThreadItem<'_>> {
        self.thread.item(self.selected_thread()?)
    }

    /// Selects the `i`th row of the thread (comments, then attachments).
    pub fn select_thread_item(&mut self, i: usize) {
        let len = self.thread_len();
        self.thread.select(i, len);
    }

    pub fn busy_label(&self) -> Option<&'static str> {
        self.requests.label()
    }

    pub fn take_cmds(&mut self) -> Vec<Request> {
        self.requests.take_outbox()
    }

    /// The work on the terminal queued since the last call, for the runtime.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    // --- the status line -----------------------------------------------------------------------

    pub fn info(&mut self, text: impl Into<String>) {
        self.set_status(text.into(), Level::Info, 4);
    }

    pub fn warn(&mut self, text: impl Into<String>) {
        self.set_status(text.into(), Level::Warn, 8);
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.set_status(text.into(), Level::Error, 15);
    }

    /// A status that stays until replaced (progress).
    pub fn progress(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            level: Level::Info,
            until: None,
        });
    }

    fn set_status(&mut self, text: String, level: Level, secs: u64) {
        self.status = Some(Status {
            text,
            level,
            until: Some(self.now + Duration::from_secs(secs)),
        });
    }

    // --- shared helpers ------------------------------------------------------------------------

    /// Whether lists and details may be loaded: started and signed in.
    fn live(&self) -> bool {
        self.ready.as_ref().is_some_and(|r| !r.needs_sign_in) && self.link != Link::SignedOut
    }

    /// The list pane with what its handlers need.
    fn list_io(&mut self) -> (&mut ListPane<Accounts>, Io<'_>) {
        let live = self.live();
        let io = Io {
            requests: &mut self.requests,
            live,
        };
        (&mut self.list, io)
    }

    /// Asks for the pages the list needs around the cursor.
    fn ensure_rows(&mut self) {
        let (list, mut io) = self.list_io();
        list.ensure_rows(&mut io);
    }

    /// Starts over with the current filter: a new generation, fetch page 0 (and the detail).
    pub fn reload(&mut self) {
        let (list, mut io) = self.list_io();
        list.reload(&mut io);
        self.detail.due = Some(self.now);
    }

    /// Starts over from the first row.
    fn reload_from_top(&mut self) {
        let (list, mut io) = self.list_io();
        list.reload_from_top(&mut io);
        self.detail.due = Some(self.now);
    }

    /// The list's selection moved to another record.
    fn selection_changed(&mut self) {
        self.detail.selection_changed(self.now);
        self.thread.reset();
    }

    fn after_move(&mut self, changed: bool) {
        if changed {
            self.selection_changed();
        }
    }

    fn set_cursor(&mut self, row: usize) {
        let (list, mut io) = self.list_io();
        let changed = list.set_cursor(row, &mut io);
        self.after_move(changed);
    }

    fn load_detail(&mut self, id: Uuid) {
        self.detail.load(id, &mut self.requests);
    }

    /// Asks for the selected record's detail unless it is cached.
    fn load_selected_detail(&mut self) {
        if let Some(id) = views::shown_id(&self.list, &self.detail)
            && !self.detail.contains(&id)
        {
            self.load_detail(id);
        }
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

    /// Whether write keys are hidden and refused: read-only mode, or the offline cache.
    pub fn browse_only(&self) -> bool {
        self.read_only || self.offline.is_some()
    }

    /// An answer from the offline cache, kept at `at`. One that comes while the app is live
    /// means the server stopped answering: from then on the app is on the cache, and asks the
    /// server every few seconds whether it is back.
    fn on_cached(&mut self, at: DateTime<Utc>, msg: super::msg::Msg) {
        if self.offline.is_none() {
            self.offline = Some(Stale::default());
            if !matches!(self.link, Link::Down(_)) {
                self.link = Link::Down("the server does not answer".into());
            }
            self.retry_due = Some(self.now + RETRY_EVERY);
            self.warn("offline: showing cached data, writes off until the server answers");
        }
        if let Some(stale) = &mut self.offline {
            stale.since = Some(stale.since.map_or(at, |s| s.min(at)));
        }
        self.cached_reply = true;
        self.on_msg(msg);
        self.cached_reply = false;
    }

    /// A live answer came while on the cache: the server is back, and everything shown is
    /// asked for again (after the answer is handled: [`App::on_msg`]).
    fn back_online(&mut self) {
        self.link = Link::Up;
        self.retry_due = None;
        self.refresh_everything();
        self.reload();
        self.info("online again: the server answers, everything is fresh");
    }

    fn link_ok(&mut self) {
        if self.cached_reply {
            // An answer from the cache says nothing about the server.
            return;
        }
        if self.offline.take().is_some() {
            self.came_back = true;
            return;
        }
        if matches!(self.link, Link::Down(_)) {
            self.info("connected again");
        }
        if self.link != Link::Up {
            self.link = Link::Up;
        }
        self.retry_due = None;
    }

    // --- time, size and paste ------------------------------------------------------------------

    pub fn on_tick(&mut self, now: Instant) {
        self.now = now;
        if !self.requests.is_empty() {
            self.spinner = self.spinner.wrapping_add(1);
            self.dirty = true;
        }
        if self.link_search_due.is_some_and(|t| now >= t) {
            self.link_search_due = None;
            self.search_links();
        }
        if self.filter_due.is_some_and(|t| now >= t) {
            self.filter_due = None;
            self.apply_name_filter();
        }
        if self.detail.due.is_some_and(|t| now >= t) {
            self.detail.due = None;
            if self.ready.is_some()
                && self.link != Link::SignedOut
                && self.screen == views::Screen::List(ViewId::Accounts)
            {
                self.load_selected_detail();
            }
        }
        if let Some(v) = self.view().filter(|v| *v != ViewId::Accounts)
            && let Some(p) = self.records.get_mut(&v)
            && p.detail.due.is_some_and(|t| now >= t)
        {
            p.detail.due = None;
            if self.ready.is_some() && self.link != Link::SignedOut {
                self.load_view_detail();
            }
        }
        if self.retry_due.is_some_and(|t| now >= t) {
            // Ask again for what failed; what is on screen stays until fresh rows arrive.
            self.retry_due = Some(now + RETRY_EVERY);
            let asking = self.checking.is_some_and(|r| self.requests.contains(r));
            if self.offline.is_some() && !asking {
                // Everything shown comes from the cache: only a live answer says the server
                // is back. (One question at a time, however long the server takes.)
                self.checking = Some(self.requests.send(
                    super::msg::Cmd::Profile,
                    "checking the server",
                    super::requests::Purpose::Other,
                ));
            }
            self.ensure_rows();
            if self.requests.awaited_detail().is_none() {
                self.load_selected_detail();
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

    /// A frame was drawn with `layout`: the state follows the sizes it used (called by the
    /// runtime after each draw; drawing itself changes nothing).
    pub fn on_layout(&mut self, layout: &ScreenLayout) {
        self.layout = layout.clone();
        let live = self.live();
        match self.view() {
            Some(ViewId::Accounts) => {
                if let Some(rows) = layout.list_rows {
                    let (list, mut io) = self.list_io();
                    list.follow_layout(rows, &mut io);
                }
                if let Some(max) = layout.detail_max_scroll {
                    self.detail.follow_layout(max);
                }
                if let Some(scroll) = layout.detail_scroll {
                    self.detail.scroll = scroll;
                }
            }
            Some(v) => {
                if let Some(p) = self.records.get_mut(&v) {
                    let mut io = Io {
                        requests: &mut self.requests,
                        live,
                    };
                    if let Some(rows) = layout.list_rows {
                        p.list.follow_layout(rows, &mut io);
                    }
                    if let Some(max) = layout.detail_max_scroll {
                        p.detail.follow_layout(max);
                    }
                    if let Some(scroll) = layout.detail_scroll {
                        p.detail.scroll = scroll;
                    }
                }
            }
            None => {}
        }
        if let (Some(max), Some(Overlay::Help { scroll })) =
            (layout.help_max_scroll, &mut self.overlay)
        {
            *scroll = (*scroll).min(max);
        }
    }

    pub fn on_paste(&mut self, text: &str) {
        self.dirty = true;
        match &mut self.overlay {
            Some(Overlay::Form(_, form)) => form.paste(text),
            Some(Overlay::Command(input)) => overlay::paste_line(input, text),
            Some(Overlay::FilterName { input, .. }) => {
                overlay::paste_line(input, text);
                self.filter_due = Some(self.now + FILTER_DEBOUNCE);
            }
            // A paste outside an editor is never taken as keys.
            _ => {}
        }
    }

    /// Applies the name typed in the `/` filter line (as you type, debounced).
    fn apply_name_filter(&mut self) {
        let name = match &self.overlay {
            Some(Overlay::FilterName { input, .. }) => overlay::line_text(input),
            _ => return,
        };
        let name = name.trim().to_string();
        let name = (!name.is_empty()).then_some(name);
        if self.view_text_filter().is_some() {
            self.set_view_text_filter(name);
            return;
        }
        if name != self.list.filter.name {
            self.list.filter.name = name;
            self.reload_from_top();
        }
    }
}
