//! Every list beyond accounts, the trail between records, and the dashboard. A view's list and
//! detail panes are the same generic panes the accounts use ([`ListPane`], [`DetailPane`]),
//! over [`Records`]; each view keeps its own, so switching back finds the cursor where it was.
//! The trail is how `Enter` on a record's link and `Esc` move between records of any kinds.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use uuid::Uuid;

use super::App;
use crate::client::ClientError;
use crate::model::record::{Record, RecordDetail, RecordPage, Ty, money, parse_date};
use crate::tui::keymap::Action;
use crate::tui::msg::{Cmd, DashboardData, Owner, ReqId};
use crate::tui::overlay::form::{Field, FieldKind, Form};
use crate::tui::overlay::pick::{Choice, Pick, Verb};
use crate::tui::overlay::{Confirm, FormKind, Overlay};
use crate::tui::panes::{DetailPane, Io, ListPane, Pane};
use crate::tui::records::crm::triage::{self, Triage};
use crate::tui::records::crm::{self, RecordFilter, Records, View, field_label};
use crate::tui::records::{Link, RecordKind, Row, Thread, ViewId};
use crate::tui::requests::Purpose;
use crate::tui::sanitize;
use crate::tui::ui_state::{SavedList, UiState};

/// Runs `$body` on the detail pane of `$view` as `$d`, with the request table as `$req`
/// (accounts and the other views keep detail panes of different types); `None` when the view
/// has no panes yet.
macro_rules! on_detail {
    ($app:ident, $view:expr, |$d:ident, $req:ident| $body:expr) => {{
        #[allow(unused_variables)]
        let $req = &mut $app.requests;
        match $view {
            ViewId::Accounts => {
                let $d = &mut $app.detail;
                Some($body)
            }
            v => match $app.records.get_mut(&v) {
                Some(p) => {
                    let $d = &mut p.detail;
                    Some($body)
                }
                None => None,
            },
        }
    }};
}

/// What fills the screen: a list with its detail and thread, or the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    List(ViewId),
    Dashboard,
}

/// A view's panes.
pub struct RecordPanes {
    pub list: ListPane<Records>,
    pub detail: DetailPane<Records>,
}

/// Where `Esc` goes back to: a screen, the record it showed and where the cursor was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crumb {
    pub screen: Screen,
    pub pane: Pane,
    /// The record the detail pane showed (focused, or the list's selection).
    pub focus: Option<Uuid>,
    /// The cursor among its links (or the dashboard's rows).
    pub link: usize,
    /// The list's cursor (opening a record moves the cursor of its own list onto it).
    pub cursor: usize,
    /// For the header: "Acme", "Case: Login broken".
    pub label: String,
}

/// A screen change waiting for its data (a list's first page, a record's detail): how long
/// it takes to reach the screen is logged (see [`App::take_timed_frame`]).
#[derive(Debug, Clone, Copy)]
pub struct Timed {
    pub what: &'static str,
    pub since: std::time::Instant,
}

/// The dashboard's state.
#[derive(Debug, Default)]
pub struct DashboardPane {
    pub data: Option<DashboardData>,
    pub error: Option<String>,
    /// The selected urgent row.
    pub cursor: usize,
    /// Something changed since it was counted: count again when shown.
    pub stale: bool,
}

impl DashboardPane {
    /// The urgent records as links, in the order drawn.
    pub fn links(&self) -> Vec<Link> {
        let Some(d) = &self.data else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for u in &d.urgent {
            for mut l in crm::links_of(u.view, &u.rows) {
                l.section = u.heading;
                out.push(l);
            }
        }
        out
    }

    /// Each urgent list's heading and how many records it has in all (more than it shows).
    pub fn totals(&self) -> Vec<(&'static str, i64)> {
        self.data.as_ref().map_or_else(Vec::new, |d| {
            d.urgent.iter().map(|u| (u.heading, u.total)).collect()
        })
    }
}

/// The record a detail pane shows: the focused one, else the list's selection.
pub fn shown_id<K: RecordKind>(list: &ListPane<K>, detail: &DetailPane<K>) -> Option<Uuid> {
    detail.focus.or_else(|| list.selected_id())
}

/// The shown record's row: from the detail when focused (it may be in no loaded page).
pub fn shown_row<'a, K: RecordKind>(
    list: &'a ListPane<K>,
    detail: &'a DetailPane<K>,
) -> Option<&'a K::Row> {
    match detail.focus {
        Some(id) => detail.get(&id).map(|d| detail.kind.detail_row(d)),
        None => list.selected(),
    }
}

pub fn shown_detail<'a, K: RecordKind>(
    list: &'a ListPane<K>,
    detail: &'a DetailPane<K>,
) -> Option<&'a K::Detail> {
    shown_id(list, detail).and_then(|id| detail.get(&id))
}

impl App {
    // --- queries -------------------------------------------------------------------------------

    /// The view whose list is on screen (`None`: the dashboard).
    pub fn view(&self) -> Option<ViewId> {
        match self.screen {
            Screen::List(v) => Some(v),
            Screen::Dashboard => None,
        }
    }

    /// The list's cursor and length, of the view on screen.
    pub fn position(&self) -> (usize, usize) {
        match self.view() {
            Some(ViewId::Accounts) => (self.list.cursor(), self.list.total()),
            Some(v) => self
                .records
                .get(&v)
                .map_or((0, 0), |p| (p.list.cursor(), p.list.total())),
            None => (self.dashboard.cursor, self.dashboard.links().len()),
        }
    }

    /// What `x` does to the shown record, for the hints.
    pub fn first_triage_label(&self) -> Option<&'static str> {
        let (view, r) = self.shown_record()?;
        triage::actions(view, &r).first().map(|t| t.label)
    }

    /// The panes of a view beyond accounts (made when first shown).
    pub fn record_panes(&self, view: ViewId) -> Option<&RecordPanes> {
        self.records.get(&view)
    }

    /// The panes of the view on screen, when it is not the accounts'.
    fn current_records(&self) -> Option<&RecordPanes> {
        self.view().and_then(|v| self.records.get(&v))
    }

    fn current_records_mut(&mut self) -> Option<(&mut RecordPanes, Io<'_>)> {
        let live = self.live();
        let v = self.view()?;
        let panes = self.records.get_mut(&v)?;
        Some((
            panes,
            Io {
                requests: &mut self.requests,
                live,
            },
        ))
    }

    /// The record shown in the detail pane, of whichever view.
    pub fn shown(&self) -> Option<(ViewId, Uuid)> {
        match self.screen {
            Screen::List(ViewId::Accounts) => {
                shown_id(&self.list, &self.detail).map(|id| (ViewId::Accounts, id))
            }
            Screen::List(v) => {
                let p = self.records.get(&v)?;
                shown_id(&p.list, &p.detail).map(|id| (v, id))
            }
            Screen::Dashboard => None,
        }
    }

    /// The shown record's name, for the trail and forms.
    pub fn shown_title(&self) -> Option<String> {
        match self.screen {
            Screen::List(ViewId::Accounts) => {
                shown_row(&self.list, &self.detail).map(|a| a.name.clone())
            }
            Screen::List(_) => {
                let p = self.current_records()?;
                shown_row(&p.list, &p.detail).map(|r| p.detail.kind.title(r))
            }
            Screen::Dashboard => None,
        }
    }

    /// The shown record's links (the dashboard: its urgent rows).
    pub fn shown_links(&self) -> Vec<Link> {
        match self.screen {
            Screen::List(ViewId::Accounts) => shown_detail(&self.list, &self.detail)
                .map(|d| self.detail.kind.links(d))
                .unwrap_or_default(),
            Screen::List(_) => self
                .current_records()
                .and_then(|p| shown_detail(&p.list, &p.detail).map(|d| p.detail.kind.links(d)))
                .unwrap_or_default(),
            Screen::Dashboard => self.dashboard.links(),
        }
    }

    /// The cursor among the shown links.
    pub fn link_cursor(&self) -> usize {
        match self.screen {
            Screen::List(ViewId::Accounts) => self.detail.link,
            Screen::List(_) => self.current_records().map_or(0, |p| p.detail.link),
            Screen::Dashboard => self.dashboard.cursor,
        }
    }

    /// Whether the links have the cursor (the dashboard's rows always do).
    pub fn link_active(&self) -> bool {
        match self.screen {
            Screen::List(ViewId::Accounts) => self.detail.link_active,
            Screen::List(_) => self.current_records().is_some_and(|p| p.detail.link_active),
            Screen::Dashboard => true,
        }
    }

    fn set_link_cursor(&mut self, i: usize) {
        match self.screen {
            Screen::List(view) => {
                on_detail!(self, view, |d, _r| {
                    d.link = i;
                    d.link_active = true;
                });
            }
            Screen::Dashboard => self.dashboard.cursor = i,
        }
    }

    /// The thread of the record shown, of whichever view.
    pub(super) fn shown_thread(&self) -> Option<Thread<'_>> {
        match self.screen {
            Screen::List(ViewId::Accounts) => {
                shown_detail(&self.list, &self.detail).map(|d| self.detail.kind.thread(d))
            }
            Screen::List(_) => {
                let p = self.current_records()?;
                shown_detail(&p.list, &p.detail).map(|d| p.detail.kind.thread(d))
            }
            Screen::Dashboard => None,
        }
    }

    /// Who the thread's comments and files belong to, with its name.
    pub(super) fn shown_owner(&self) -> Option<(Owner, String)> {
        let (view, id) = self.shown()?;
        let owner = match view {
            ViewId::Accounts => Owner::Account(id),
            v => Owner::Record(v, id),
        };
        Some((owner, self.shown_title().unwrap_or_default()))
    }

    /// The trail in words, oldest first, then the record shown.
    pub fn trail_labels(&self) -> Vec<String> {
        let mut out: Vec<String> = self.trail.iter().map(|c| c.label.clone()).collect();
        if !self.trail.is_empty()
            && let Some(here) = self.crumb_label()
        {
            out.push(here);
        }
        out
    }

    fn crumb_label(&self) -> Option<String> {
        let title = self.shown_title()?;
        let title = sanitize::fit(&title, 30);
        Some(match self.view() {
            Some(ViewId::Accounts) | None => title,
            Some(v) => {
                let noun = crm::view(v).map_or("", |w| w.noun);
                format!("{}: {title}", sanitize::capitalized(noun))
            }
        })
    }

    // --- switching -----------------------------------------------------------------------------

    /// The screen change waiting for its data, once its data is on screen: what it was and
    /// how long it took (the runtime calls this after each frame and logs it).
    pub fn take_timed_frame(&mut self) -> Option<(&'static str, std::time::Duration)> {
        let t = self.timed?;
        let ready = match self.screen {
            Screen::Dashboard => self.dashboard.data.is_some() || self.dashboard.error.is_some(),
            Screen::List(v) if t.what.starts_with("list") => match v {
                ViewId::Accounts => self.list.window().total().is_some(),
                v => self
                    .records
                    .get(&v)
                    .is_some_and(|p| p.list.window().total().is_some() || p.list.error.is_some()),
            },
            Screen::List(_) => self.shown_detail_loaded(),
        };
        if !ready {
            return None;
        }
        self.timed = None;
        Some((t.what, t.since.elapsed()))
    }

    /// Whether the shown record's detail is in (or could not be loaded).
    fn shown_detail_loaded(&self) -> bool {
        let Some((view, id)) = self.shown() else {
            return false;
        };
        match view {
            ViewId::Accounts => {
                self.detail.contains(&id)
                    || self.detail.error.as_ref().is_some_and(|(e, _)| *e == id)
            }
            v => self.records.get(&v).is_some_and(|p| {
                p.detail.contains(&id) || p.detail.error.as_ref().is_some_and(|(e, _)| *e == id)
            }),
        }
    }

    fn time(&mut self, what: &'static str) {
        self.timed = Some(Timed {
            what,
            since: std::time::Instant::now(),
        });
    }

    /// `:contacts`, `:cases`…: shows the view's list, fresh, the cursor where it was.
    pub fn show_view(&mut self, view: ViewId) {
        self.time(match view {
            ViewId::Accounts => "list accounts",
            ViewId::Contacts => "list contacts",
            ViewId::Leads => "list leads",
            ViewId::Opportunities => "list opportunities",
            ViewId::Cases => "list cases",
            ViewId::Tasks => "list tasks",
            ViewId::Invoices => "list invoices",
        });
        self.trail.clear();
        self.enter_view(view);
        self.pane = Pane::List;
    }

    /// Puts `view` on screen (its panes made on first use) and reloads its list.
    fn enter_view(&mut self, view: ViewId) {
        self.screen = Screen::List(view);
        self.thread.reset();
        if view == ViewId::Accounts {
            self.detail.focus = None;
            self.reload();
            return;
        }
        if self.panes_for(view).is_none() {
            return;
        }
        let now = self.now;
        if let Some((panes, mut io)) = self.current_records_mut() {
            panes.detail.focus = None;
            panes.list.reload(&mut io);
            panes.detail.due = Some(now);
        }
    }

    /// `:dashboard`.
    pub fn show_dashboard(&mut self) {
        self.time("dashboard");
        self.trail.clear();
        self.screen = Screen::Dashboard;
        self.pane = Pane::Detail;
        self.load_dashboard();
    }

    fn load_dashboard(&mut self) {
        self.dashboard.stale = false;
        if self.live() {
            self.requests
                .send(Cmd::Dashboard, "loading the dashboard", Purpose::Other);
        }
    }

    /// The focus moved to another pane: on the list, keys act on its ▶ row, so the detail
    /// follows that row again (a record opened from a link is let go; `Esc` still goes back).
    pub(super) fn pane_changed(&mut self) {
        if self.pane == Pane::List {
            self.unfocus();
        }
    }

    /// Lets go of a record opened from a link: the detail shows the list's selection.
    fn unfocus(&mut self) {
        let now = self.now;
        let Some(view) = self.view() else { return };
        let focused = on_detail!(self, view, |d, _r| {
            let focused = d.focus.is_some();
            if focused {
                d.selection_changed(now);
            }
            focused
        });
        if focused == Some(true) {
            self.thread.reset();
        }
    }

    /// Whether the detail shows a record opened from a link (the list's ▶ is not it).
    pub fn detail_focused_elsewhere(&self) -> bool {
        match self.view() {
            Some(ViewId::Accounts) => self.detail.focus.is_some(),
            Some(v) => self
                .records
                .get(&v)
                .is_some_and(|p| p.detail.focus.is_some()),
            None => false,
        }
    }

    /// A record changed or went: every detail may list it (an account's cases, a contact's
    /// deals), so each is asked again when next shown, the one on screen now; the dashboard
    /// counts again when next shown.
    /// `keep`: a detail just made from the write's own answer (a converted lead's: only that
    /// answer names what it became), kept rather than asked again.
    pub(super) fn details_changed(&mut self, keep: Option<Uuid>) {
        self.detail.clear();
        for p in self.records.values_mut() {
            p.detail.clear_except(keep);
        }
        self.dashboard.stale = true;
        if let Some((view, id)) = self.shown() {
            self.load_shown_detail_if_missing(view, id);
        }
    }

    /// `Enter` on a link: the linked record, in its own view, the way back on the trail.
    pub(super) fn open_selected_link(&mut self) -> bool {
        if !self.link_active() {
            // The first Enter shows where the links are; the next opens one.
            return self.move_link(1);
        }
        let links = self.shown_links();
        let Some(link) = links.get(self.link_cursor()).cloned() else {
            return false;
        };
        let label = match self.screen {
            Screen::Dashboard => "Dashboard".to_string(),
            Screen::List(_) => self.crumb_label().unwrap_or_else(|| "…".into()),
        };
        self.time("open related");
        self.trail.push(Crumb {
            screen: self.screen,
            pane: self.pane,
            focus: self.shown().map(|(_, id)| id),
            link: self.link_cursor(),
            cursor: self.position().0,
            label,
        });
        self.focus_record(link.view, link.id);
        true
    }

    /// Shows one record of `view` in the detail pane, whatever the list shows.
    fn focus_record(&mut self, view: ViewId, id: Uuid) {
        if self.view() != Some(view) {
            self.enter_view(view);
        }
        self.screen = Screen::List(view);
        self.pane = Pane::Detail;
        self.thread.reset();
        on_detail!(self, view, |d, requests| {
            d.focus = Some(id);
            d.link = 0;
            d.link_active = false;
            d.scroll = 0;
            if !d.contains(&id) {
                d.load(id, requests);
            }
        });
        // The list's cursor on it too when the list holds it, so that the list and the detail
        // show the same record (and going to the list keeps it).
        let row = self.loaded_row_of(view, id);
        self.set_list_cursor(view, row);
    }

    /// Where `id` is among the loaded rows of `view`'s list.
    fn loaded_row_of(&self, view: ViewId, id: Uuid) -> Option<usize> {
        match view {
            ViewId::Accounts => self.list.window().position(id),
            v => self.record_panes(v)?.list.window().position(id),
        }
    }

    /// Puts the cursor of `view`'s list (on screen) on `row`, if any.
    fn set_list_cursor(&mut self, view: ViewId, row: Option<usize>) {
        let Some(row) = row else { return };
        if view == ViewId::Accounts {
            let (list, mut io) = self.list_io();
            list.set_cursor(row, &mut io);
        } else if let Some((p, mut io)) = self.current_records_mut() {
            p.list.set_cursor(row, &mut io);
        }
    }

    /// `Esc` with a trail: back to where the last link was opened, cursor and all.
    pub(super) fn trail_back(&mut self) -> bool {
        let Some(crumb) = self.trail.pop() else {
            return false;
        };
        self.time("back");
        match crumb.screen {
            Screen::Dashboard => {
                self.screen = Screen::Dashboard;
                self.dashboard.cursor = crumb.link;
                if self.dashboard.stale {
                    self.load_dashboard();
                }
            }
            Screen::List(view) => {
                if self.view() != Some(view) {
                    self.screen = Screen::List(view);
                }
                self.set_list_cursor(view, Some(crumb.cursor));
                let from_list = match view {
                    ViewId::Accounts => self.list.selected_id(),
                    v => self.records.get(&v).and_then(|p| p.list.selected_id()),
                };
                // The list's own selection needs no focus; any other record does.
                let focus = crumb.focus.filter(|id| Some(*id) != from_list);
                on_detail!(self, view, |d, _r| {
                    d.focus = focus;
                    d.link = crumb.link;
                    d.link_active = true;
                });
                if let Some(id) = crumb.focus {
                    self.load_shown_detail_if_missing(view, id);
                }
            }
        }
        self.pane = crumb.pane;
        self.thread.reset();
        true
    }

    fn load_shown_detail_if_missing(&mut self, view: ViewId, id: Uuid) {
        on_detail!(self, view, |d, requests| {
            if !d.contains(&id) {
                d.load(id, requests);
            }
        });
    }

    /// Moves the cursor among the shown links (the first move selects the first link);
    /// `false` when there are none (the pane scrolls).
    pub(super) fn move_link(&mut self, delta: isize) -> bool {
        let n = self.shown_links().len();
        if n == 0 {
            return false;
        }
        let i = if self.link_active() {
            self.link_cursor().saturating_add_signed(delta).min(n - 1)
        } else {
            0
        };
        self.set_link_cursor(i);
        true
    }

    // --- keys on a view beyond accounts ----------------------------------------------------------

    /// Runs `action` on the view on screen when it is not the accounts'; `false`: not handled
    /// here (the shared handling runs).
    pub(super) fn view_act(&mut self, action: Action) -> bool {
        if self.screen == Screen::Dashboard {
            return self.dashboard_act(action);
        }
        let Some(view) = self.view().filter(|v| *v != ViewId::Accounts) else {
            return false;
        };
        let Some(v) = crm::view(view) else {
            return false;
        };
        let page = self
            .current_records()
            .map_or(10, |p| p.list.height.max(1) as isize);
        match action {
            Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
                let delta = match action {
                    Action::Up => -1,
                    Action::Down => 1,
                    Action::PageUp => -page,
                    _ => page,
                };
                self.view_move(delta);
            }
            Action::Top => self.view_move(isize::MIN / 2),
            Action::Bottom => self.view_move(isize::MAX / 2),
            Action::Open => {
                if self.pane == Pane::List && self.shown().is_some() {
                    // From the list, its row: not a record opened from a link before.
                    if let Some((p, _)) = self.current_records_mut() {
                        p.detail.focus = None;
                    }
                    self.pane = Pane::Detail;
                    self.load_view_detail();
                } else if self.pane == Pane::Detail {
                    self.open_selected_link();
                } else {
                    return false;
                }
            }
            Action::NextTab => {
                let now = self.now;
                if let Some((p, mut io)) = self.current_records_mut() {
                    let tab = p.list.next_tab();
                    p.list.show_tab(tab, &mut io);
                    p.detail.selection_changed(now);
                    self.thread.reset();
                }
            }
            Action::Refresh => {
                let now = self.now;
                if let Some((p, mut io)) = self.current_records_mut() {
                    p.detail.clear();
                    io.requests.stop_awaiting_details();
                    p.list.reload(&mut io);
                    p.detail.due = Some(now);
                }
                self.info(super::REFRESHING);
            }
            Action::ClearFilter => self.set_view_filter(RecordFilter::default()),
            Action::FilterForm => self.open_view_filter_line(v),
            Action::New => self.open_record_form(v, None),
            Action::Edit if self.pane != Pane::Thread => {
                if v.form.is_empty() {
                    self.warn(format!("{} are not edited here", v.plural));
                } else if let Some((_, id)) = self.shown() {
                    self.open_record_form(v, Some(id));
                }
            }
            Action::Delete if self.pane != Pane::Thread => self.confirm_delete_record(v),
            Action::CloseReopen => self.triage_first(v),
            Action::Triage => self.triage_menu(v),
            Action::Mail => self.warn("mail goes to accounts: open the account (:accounts)"),
            Action::Copy if self.pane != Pane::Thread => {
                if let Some((_, id)) = self.shown() {
                    self.copy_id(id);
                }
            }
            Action::OpenLink if self.pane != Pane::Thread => {
                self.warn(format!("{} have no link to open here", v.plural))
            }
            _ => return false,
        }
        true
    }

    /// `f` on a view beyond accounts: the command line, filled with the list's `key=value`
    /// filter to edit.
    fn open_view_filter_line(&mut self, v: &View) {
        let current = self
            .current_records()
            .map(|p| {
                p.list
                    .filter
                    .params
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        // A space after the last word, so that what is typed next is a new key=value.
        let line = if current.is_empty() {
            "filter ".to_string()
        } else {
            format!("filter {current} ")
        };
        self.overlay = Some(Overlay::Command(crate::tui::overlay::one_line_input(&line)));
        self.info(format!(
            "filter {}: key=value, e.g. {}",
            v.plural,
            filter_example(v)
        ));
    }

    fn dashboard_act(&mut self, action: Action) -> bool {
        match action {
            Action::Up => self.move_link(-1),
            Action::Down => self.move_link(1),
            Action::Top => {
                self.dashboard.cursor = 0;
                true
            }
            Action::Bottom => self.move_link(isize::MAX / 2),
            Action::Open => self.open_selected_link(),
            Action::Refresh => {
                self.load_dashboard();
                self.info(super::REFRESHING);
                true
            }
            Action::Back => {
                self.trail_back();
                true
            }
            Action::Quit | Action::Help | Action::Command | Action::SignIn => false,
            _ => {
                self.warn(
                    "the dashboard is read-only: Enter opens a row, :cases and the others list",
                );
                true
            }
        }
    }

    fn view_move(&mut self, delta: isize) {
        match self.pane {
            Pane::List => {
                let now = self.now;
                let changed = match self.current_records_mut() {
                    Some((p, mut io)) => {
                        let changed = p.list.move_by(delta, &mut io);
                        if changed {
                            p.detail.selection_changed(now);
                        }
                        changed
                    }
                    None => false,
                };
                if changed {
                    self.thread.reset();
                }
            }
            Pane::Detail => {
                if (delta.abs() != 1 || !self.move_link(delta))
                    && let Some((p, _)) = self.current_records_mut()
                {
                    p.detail.scroll_by(delta.clamp(-1000, 1000));
                }
            }
            Pane::Thread => {
                let len = self.thread_len();
                self.thread.move_by(delta.clamp(-1000, 1000), len);
            }
        }
    }

    /// Asks for the shown record's detail unless it is cached.
    pub(super) fn load_view_detail(&mut self) {
        let Some((view, id)) = self.shown() else {
            return;
        };
        self.load_shown_detail_if_missing(view, id);
    }

    /// The `/` text of the view on screen.
    pub(super) fn view_text_filter(&self) -> Option<Option<String>> {
        self.current_records().map(|p| p.list.filter.text.clone())
    }

    pub(super) fn set_view_text_filter(&mut self, text: Option<String>) {
        if let Some(p) = self.current_records()
            && p.list.filter.text != text
        {
            let mut f = p.list.filter.clone();
            f.text = text;
            self.set_view_filter(f);
        }
    }

    fn set_view_filter(&mut self, filter: RecordFilter) {
        let now = self.now;
        if let Some((p, mut io)) = self.current_records_mut() {
            p.list.filter = filter;
            p.list.reload_from_top(&mut io);
            p.detail.due = Some(now);
        }
        self.thread.reset();
    }

    /// `:filter key=value …` on a view beyond accounts.
    pub(super) fn apply_view_filter_expr(&mut self, view: ViewId, expr: &str) {
        let Some(v) = crm::view(view) else { return };
        match RecordFilter::parse(v, expr) {
            Ok(f) => self.set_view_filter(f),
            Err(e) => self.error(e),
        }
    }

    // --- answers --------------------------------------------------------------------------------

    pub(super) fn on_record_page(
        &mut self,
        req: ReqId,
        view: ViewId,
        epoch: u64,
        tab: usize,
        page: usize,
        result: Result<Box<RecordPage>, ClientError>,
    ) {
        self.requests.finish(req);
        let live = self.live();
        let now = self.now;
        let current = self.view() == Some(view);
        let Some(p) = self.records.get_mut(&view) else {
            return;
        };
        if epoch != p.list.epoch {
            return;
        }
        match result {
            Ok(page_rows) => {
                let mut io = Io {
                    requests: &mut self.requests,
                    live,
                };
                let parts = p.list.kind.split_page(*page_rows, tab);
                let changed = p.list.on_rows(tab, page, parts, &mut io);
                // A record opened from a link that this page holds: the cursor goes to it.
                if let Some(row) = p.detail.focus.and_then(|id| p.list.window().position(id)) {
                    p.list.set_cursor(row, &mut io);
                }
                if changed && p.detail.focus.is_none() {
                    p.detail.selection_changed(now);
                    if current {
                        self.thread.reset();
                    }
                }
                self.link_ok();
                if !self.requests.has_pages()
                    && self
                        .status
                        .as_ref()
                        .is_some_and(|s| s.text == super::REFRESHING)
                {
                    self.info("refreshed");
                }
            }
            Err(e) => {
                p.list.on_failed(tab, page, &e);
                let noun = p.list.kind.0.plural;
                self.failed(&format!("loading {noun}"), &e);
            }
        }
    }

    pub(super) fn on_record_detail(
        &mut self,
        req: ReqId,
        view: ViewId,
        id: Uuid,
        result: Result<Box<RecordDetail>, ClientError>,
    ) {
        self.requests.finish(req);
        let Some(p) = self.records.get_mut(&view) else {
            return;
        };
        match result {
            Ok(d) => {
                let mut d = *d;
                // Internal notes are part of the thread, after the comments (drawn apart).
                let notes = std::mem::take(&mut d.internal_notes);
                d.comments.extend(notes);
                p.list.replace(&d.record);
                p.detail.remember(d);
                self.link_ok();
                if self.shown() == Some((view, id)) {
                    let (comments, len) = self
                        .shown_thread()
                        .map_or((0, 0), |t| (t.comments.len(), t.len()));
                    self.thread.reloaded(comments, len);
                }
            }
            Err(e) => {
                let noun = p.detail.kind.0.noun;
                let why = if let ClientError::Api { status: 404, .. } = e {
                    format!("this {noun} no longer exists (press r to refresh)")
                } else {
                    e.to_string()
                };
                p.detail.error = Some((id, why));
                self.failed(&format!("loading the {noun}"), &e);
            }
        }
    }

    pub(super) fn on_record_saved(
        &mut self,
        req: ReqId,
        view: ViewId,
        created: bool,
        done: Option<&'static str>,
        result: Result<Box<Record>, ClientError>,
    ) {
        self.requests.finish(req);
        let Some(v) = crm::view(view) else { return };
        match result {
            Ok(record) => {
                self.link_ok();
                self.close_form(req);
                let name = sanitize::fit(&(v.name)(&record), 40);
                let what = done.unwrap_or(if created { "created" } else { "saved" });
                let mut message = format!("{what} {name}");
                // A move along the statuses says where to (a deal's next stage).
                if done == Some("moved on")
                    && let Some(key) = v.status
                {
                    let label = record.str(&format!("{key}_label")).or(record.str(key));
                    if let Some(label) = label {
                        message = format!("moved {name} to {}", sanitize::line(label));
                    }
                }
                // A converted lead names what it became: open them from its links.
                let converted = view == ViewId::Leads && record.str("account_id").is_some();
                if converted {
                    message.push_str(" — Enter opens what it became");
                }
                self.info(message);
                let id = Row::id(&*record);
                let live = self.live();
                let now = self.now;
                if let Some(p) = self.records.get_mut(&view) {
                    p.detail.forget(&id);
                    p.list.replace(&record);
                    let mut io = Io {
                        requests: &mut self.requests,
                        live,
                    };
                    if created {
                        // The new record first, in the tab shown, and in the detail.
                        let tab = p.list.tab;
                        p.list.select_first(tab);
                        p.detail.focus = None;
                    }
                    // Its tab may have changed (a closed case leaves the open ones).
                    p.list.reload(&mut io);
                    if converted {
                        // A converted lead leaves the list: keep it on screen with what it
                        // became (only this answer names them) as links to open.
                        p.detail.remember(RecordDetail {
                            record: (*record).clone(),
                            ..Default::default()
                        });
                        p.detail.focus = Some(id);
                        p.detail.link = 0;
                        p.detail.link_active = true;
                    } else {
                        p.detail.due = Some(now);
                        if p.detail.focus == Some(id) || !created {
                            p.detail.load(id, &mut self.requests);
                        }
                    }
                }
                if converted && self.view() == Some(view) {
                    self.pane = Pane::Detail;
                }
                self.details_changed(converted.then_some(id));
            }
            Err(e) => {
                let what = match (done, created) {
                    (Some(_), _) => format!("changing the {}", v.noun),
                    (None, true) => format!("creating the {}", v.noun),
                    (None, false) => format!("saving the {}", v.noun),
                };
                self.form_failed(req, &what, &e.into());
            }
        }
    }

    pub(super) fn on_record_deleted(
        &mut self,
        req: ReqId,
        view: ViewId,
        id: Uuid,
        result: Result<(), ClientError>,
    ) {
        self.requests.finish(req);
        let noun = crm::view(view).map_or("record", |v| v.noun);
        match result {
            Ok(()) => {
                self.info(format!("{noun} deleted"));
                let live = self.live();
                if let Some(p) = self.records.get_mut(&view) {
                    p.detail.gone(id);
                    if p.detail.focus == Some(id) {
                        p.detail.focus = None;
                    }
                    let mut io = Io {
                        requests: &mut self.requests,
                        live,
                    };
                    p.list.reload(&mut io);
                }
                self.details_changed(None);
                // Opened from another record: go back to it.
                if self.pane != Pane::List && !self.trail.is_empty() {
                    self.trail_back();
                }
            }
            Err(e) => self.failed(&format!("deleting the {noun}"), &e),
        }
    }

    pub(super) fn on_dashboard(
        &mut self,
        req: ReqId,
        result: Result<Box<DashboardData>, ClientError>,
    ) {
        self.requests.finish(req);
        match result {
            Ok(d) => {
                self.link_ok();
                self.dashboard.data = Some(*d);
                self.dashboard.error = None;
                let n = self.dashboard.links().len();
                self.dashboard.cursor = self.dashboard.cursor.min(n.saturating_sub(1));
            }
            Err(e) => {
                self.dashboard.error = Some(e.to_string());
                self.failed("loading the dashboard", &e);
            }
        }
    }

    // --- link fields -------------------------------------------------------------------------

    /// Searches the kind of the focused link field for what it holds (debounced typing).
    pub(super) fn search_links(&mut self) {
        let Some(Overlay::Form(_, form)) = &self.overlay else {
            return;
        };
        let focus = form.focus;
        let Some(f) = form.fields.get(focus) else {
            return;
        };
        let FieldKind::Link(kind) = f.kind else {
            return;
        };
        let text = f.value().trim().to_string();
        let Some(view) = ViewId::of_kind(kind) else {
            return;
        };
        let req = (!text.is_empty() && self.live()).then(|| {
            self.requests
                .send(Cmd::SearchLinks { view, text }, "searching", Purpose::Other)
        });
        if let Some(Overlay::Form(_, form)) = &mut self.overlay {
            form.suggest = req.map(|req| crate::tui::overlay::form::Suggest {
                field: focus,
                rows: Vec::new(),
                cursor: None,
                pending: Some(req),
            });
        }
    }

    pub(super) fn on_link_options(
        &mut self,
        req: ReqId,
        result: Result<Vec<(Uuid, String)>, ClientError>,
    ) {
        self.requests.finish(req);
        let Some(Overlay::Form(_, form)) = &mut self.overlay else {
            return;
        };
        let Some(s) = form.suggest.as_mut().filter(|s| s.pending == Some(req)) else {
            return;
        };
        match result {
            Ok(rows) => {
                s.rows = rows;
                s.cursor = None;
                s.pending = None;
                if s.rows.is_empty() {
                    form.errors.insert(
                        String::new(),
                        "no match: type another part of the name".into(),
                    );
                } else {
                    form.errors.remove("");
                }
            }
            Err(e) => {
                form.suggest = None;
                self.failed("searching", &e);
            }
        }
    }

    // --- triage -------------------------------------------------------------------------------

    fn shown_record(&self) -> Option<(ViewId, Record)> {
        let p = self.current_records()?;
        let id = shown_id(&p.list, &p.detail)?;
        // The detail is fresher than the list's row.
        let r = p
            .detail
            .get(&id)
            .map(|d| d.record.clone())
            .or_else(|| shown_row(&p.list, &p.detail).cloned())?;
        Some((p.list.kind.0.id, r))
    }

    /// `x`: the record's usual next step.
    fn triage_first(&mut self, v: &View) {
        let Some((view, r)) = self.shown_record() else {
            return;
        };
        match triage::actions(view, &r).into_iter().next() {
            Some(t) => self.run_triage(view, &r, t),
            None => self.warn(format!("nothing to do on this {} with x", v.noun)),
        }
    }

    /// `X`: every triage action of the record, one key each.
    fn triage_menu(&mut self, v: &View) {
        let Some((view, r)) = self.shown_record() else {
            return;
        };
        let actions = triage::actions(view, &r);
        if actions.is_empty() {
            self.warn(format!("no action for this {}", v.noun));
            return;
        }
        let choices = actions
            .iter()
            .enumerate()
            .map(|(i, t)| Choice {
                key: t.key,
                label: t.label,
                value: i.to_string(),
            })
            .collect();
        self.overlay = Some(Overlay::Pick(Pick {
            verb: Verb::Triage,
            choices,
        }));
    }

    /// The action picked in the `X` menu (by its index).
    pub(super) fn triage_picked(&mut self, index: &str) {
        let Some((view, r)) = self.shown_record() else {
            return;
        };
        let i: usize = index.parse().unwrap_or(usize::MAX);
        if let Some(t) = triage::actions(view, &r).into_iter().nth(i) {
            self.run_triage(view, &r, t);
        }
    }

    fn run_triage(&mut self, view: ViewId, r: &Record, t: Triage) {
        let Some(id) = r.id() else { return };
        let cmd = Cmd::Triage {
            view,
            id,
            change: Box::new(t.change),
            done: t.done,
        };
        match t.confirm {
            Some(text) => {
                self.overlay = Some(Overlay::Confirm {
                    text,
                    what: Confirm::Send(Box::new(cmd), t.label),
                })
            }
            None => {
                self.requests.send(cmd, t.label, Purpose::Other);
            }
        }
    }

    fn confirm_delete_record(&mut self, v: &'static View) {
        let Some((view, r)) = self.shown_record() else {
            return;
        };
        let Some(id) = r.id() else { return };
        if view == ViewId::Invoices {
            self.warn("invoices are cancelled, not deleted (X for the actions)");
            return;
        }
        let text = format!(
            "Delete the {} {:?} with its comments and attachments?",
            v.noun,
            sanitize::fit(&(v.name)(&r), 50)
        );
        self.overlay = Some(Overlay::Confirm {
            text,
            what: Confirm::Send(Box::new(Cmd::DeleteRecord { view, id }), "deleting"),
        });
    }

    // --- forms --------------------------------------------------------------------------------

    /// A record's form from the view's form fields: empty for a new one, else filled.
    fn open_record_form(&mut self, v: &'static View, id: Option<Uuid>) {
        if v.form.is_empty() {
            self.warn(format!("{} are not created here", v.plural));
            return;
        }
        let record = match id {
            Some(_) => match self.shown_record() {
                Some((_, r)) => Some(r),
                None => return,
            },
            None => None,
        };
        let fields = v
            .form
            .iter()
            .filter_map(|key| v.kind.field(key))
            .filter(|f| f.writable(id.is_none()))
            .map(|f| {
                let value = record.as_ref().map(|r| r.text(f.name)).unwrap_or_default();
                let label = if f.required {
                    format!("{}*", field_label(f.name))
                } else {
                    field_label(f.name)
                };
                let kind = match f.ty {
                    Ty::Choice(choices) => FieldKind::Choice(choices),
                    Ty::Bool(_) => FieldKind::Choice(YES_NO),
                    Ty::Text(n) if n > 1000 => FieldKind::Multi,
                    Ty::Ref(k) | Ty::RefId(k) => FieldKind::Link(k),
                    _ => FieldKind::Line,
                };
                // A link opens with the record's name (a bare uuid has none: its start).
                let linked = record.as_ref().and_then(|r| {
                    let v = r
                        .get(&format!("{}_detail", f.name))
                        .filter(|v| v.is_object())
                        .or_else(|| r.get(f.name))?;
                    crm::linked(v)
                });
                let value = match (&linked, f.ty) {
                    (Some((id, name)), Ty::Ref(_) | Ty::RefId(_)) => {
                        if name.is_empty() {
                            id.to_string().chars().take(8).collect()
                        } else {
                            name.clone()
                        }
                    }
                    _ => value,
                };
                let value = match f.ty {
                    Ty::Choice(choices) => crate::model::kinds::label(choices, &value).to_string(),
                    Ty::Bool(default) => {
                        let on = if value.is_empty() {
                            default
                        } else {
                            value == "true"
                        };
                        if on { "Yes" } else { "No" }.to_string()
                    }
                    _ => value,
                };
                // New records start at the first choice of a required enum.
                let value = match (f.ty, &record) {
                    (Ty::Choice(choices), None) if f.required => {
                        choices.first().map(|(_, l)| l.to_string()).unwrap_or(value)
                    }
                    _ => value,
                };
                let mut field = Field::new(f.name, label, kind, &value);
                if matches!(kind, FieldKind::Link(_)) {
                    field.link = linked.map(|(id, _)| id);
                }
                field
            })
            .collect();
        let title = match &record {
            Some(r) => format!("Edit {}", sanitize::fit(&(v.name)(r), 40)),
            None => format!("New {}", v.noun),
        };
        let note = format!(
            "{} save · {} next · ←/→ pick · {} cancel · dates YYYY-MM-DD · links: type, ↓ to a match, Enter",
            self.keymap.hint(Action::Submit),
            self.keymap.hint(Action::NextField),
            self.keymap.hint(Action::Cancel),
        );
        let form = Form::new(title, fields).with_note(note);
        self.overlay = Some(Overlay::Form(
            FormKind::Record { view: v.id, id },
            Box::new(form),
        ));
    }
}

/// A yes/no field's picker.
const YES_NO: crate::model::record::Choices = &[("true", "Yes"), ("false", "No")];

/// `YYYY-MM-DD` in shape (digits and dashes), whatever the numbers.
fn looks_like_a_date(raw: &str) -> bool {
    let parts: Vec<&str> = raw.split('-').collect();
    parts.len() == 3
        && [4, 2, 2]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The body a record form sends: every field of a new record, or the changed ones; or what
/// is wrong with it, field by field.
pub fn record_body(
    v: &View,
    form: &Form,
    creating: bool,
) -> Result<Map<String, Value>, Vec<(&'static str, String)>> {
    let mut problems = Vec::new();
    // Said here rather than by the server after a round trip, on the field that was set last.
    let set: Vec<&Field> = form
        .fields
        .iter()
        .filter(|f| v.one_of.contains(&f.key) && !f.value().trim().is_empty())
        .collect();
    if let [first, .., last] = set.as_slice() {
        problems.push((
            last.key,
            format!(
                "one of {} and {} at most: empty the other",
                first.label, last.label
            ),
        ));
    }
    let mut body = Map::new();
    for f in &form.fields {
        if !creating && !f.changed() {
            continue;
        }
        let Some(field) = v.kind.field(f.key) else {
            continue;
        };
        match field_value(field, f) {
            Ok(value) => {
                body.insert(f.key.to_string(), value);
            }
            // One message per field: the first said.
            Err(_) if problems.iter().any(|p| p.0 == f.key) => {}
            Err(message) => problems.push((f.key, message)),
        }
    }
    if problems.is_empty() {
        Ok(body)
    } else {
        Err(problems)
    }
}

/// What a form field sends for `field`, or why it cannot.
fn field_value(field: &crate::model::record::Field, f: &Field) -> Result<Value, String> {
    let raw = f.value();
    let raw = raw.trim();
    Ok(match field.ty {
        _ if raw.is_empty() && field.required => return Err("required".into()),
        Ty::Choice(_) => match f.choice() {
            Some(c) => Value::String(c.into()),
            None if raw.is_empty() => Value::Null,
            None => return Err("pick one with ←/→".into()),
        },
        Ty::Ref(_) | Ty::RefId(_) if raw.is_empty() => Value::Null,
        Ty::Ref(_) | Ty::RefId(_) => match f.link {
            Some(id) => Value::String(id.to_string()),
            None => return Err("type part of a name, then ↓ and Enter to pick".into()),
        },
        Ty::Date if raw.is_empty() => Value::Null,
        Ty::Date => match parse_date(raw) {
            Some(d) => Value::String(d.to_string()),
            // Written as a date, but no such day: say that, not the format again.
            None if looks_like_a_date(raw) => return Err(format!("{raw}: no such day")),
            None => return Err("a date as YYYY-MM-DD".into()),
        },
        Ty::Money if raw.is_empty() => Value::Null,
        Ty::Money => match money::parse(raw).filter(|c| *c >= 0) {
            Some(c) => Value::String(money::format(c)),
            None => return Err("an amount like 1200.50".into()),
        },
        Ty::Percent => match raw.trim_end_matches('%').parse::<u8>() {
            Ok(n) if n <= 100 => Value::from(n),
            _ => return Err("a whole number from 0 to 100".into()),
        },
        Ty::Bool(default) => match f.choice().unwrap_or(raw) {
            "" => Value::Bool(default),
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err("pick yes or no with ←/→".into()),
        },
        _ => Value::String(raw.to_string()),
    })
}

fn filter_example(v: &View) -> String {
    v.kind
        .filters
        .iter()
        .find_map(|f| match f {
            crate::model::record::Filter::Exact(p) => Some(format!("{p}=…")),
            _ => None,
        })
        .unwrap_or_else(|| "assigned_to=…".into())
}

impl ViewId {
    /// The view's name in the saved screen and on the command line: `cases`.
    pub fn slug(self) -> &'static str {
        match self {
            ViewId::Accounts => "accounts",
            ViewId::Contacts => "contacts",
            ViewId::Leads => "leads",
            ViewId::Opportunities => "opportunities",
            ViewId::Cases => "cases",
            ViewId::Tasks => "tasks",
            ViewId::Invoices => "invoices",
        }
    }

    pub fn from_slug(slug: &str) -> Option<ViewId> {
        ViewId::ALL.into_iter().find(|v| v.slug() == slug)
    }
}

fn pane_slug(p: Pane) -> &'static str {
    match p {
        Pane::List => "list",
        Pane::Detail => "detail",
        Pane::Thread => "thread",
    }
}

impl App {
    /// What the screen shows, to open there next time (see [`crate::tui::ui_state`]).
    pub fn ui_state(&self) -> UiState {
        let lists = self
            .records
            .iter()
            .map(|(v, p)| {
                let saved = SavedList {
                    text: p.list.filter.text.clone(),
                    params: p.list.filter.params.clone(),
                    tab: p.list.tab,
                };
                (v.slug().to_string(), saved)
            })
            .collect();
        UiState {
            version: crate::tui::ui_state::VERSION,
            view: self.view().map_or("dashboard", ViewId::slug).to_string(),
            pane: pane_slug(self.pane).to_string(),
            account_filter: self.list.filter.clone(),
            account_tab: self.list.tab.as_str().to_string(),
            lists,
            shown: self.shown().map(|(_, id)| id),
        }
    }

    /// A saved screen to open once the session is up.
    pub fn restore_later(&mut self, state: UiState) {
        self.restore = Some(state);
    }

    /// Opens the saved screen (once, when the session is up): its lists' filters and tabs, the
    /// view, the record it showed and the pane.
    /// Forgets what every pane holds and asks again: the server answers after the offline
    /// cache was shown, and nothing stale may stay on screen.
    pub(super) fn refresh_everything(&mut self) {
        self.detail.clear();
        self.requests.stop_awaiting_details();
        let (live, now) = (self.live(), self.now);
        for p in self.records.values_mut() {
            p.detail.clear();
            let mut io = Io {
                requests: &mut self.requests,
                live,
            };
            p.list.reload(&mut io);
            p.detail.due = Some(now);
        }
        if self.screen == Screen::Dashboard {
            self.load_dashboard();
        }
    }

    pub(super) fn apply_restore(&mut self) {
        let Some(s) = self.restore.take() else {
            return;
        };
        if self.list.filter != s.account_filter || s.account_tab == "closed" {
            self.list.filter = s.account_filter.clone();
            if s.account_tab == "closed" {
                self.list.select_first(crate::model::AccountStatus::Closed);
            }
            self.reload_from_top();
        }
        for (slug, saved) in &s.lists {
            let Some(view) = ViewId::from_slug(slug) else {
                continue;
            };
            if let Some(p) = self.panes_for(view) {
                p.list.filter = RecordFilter {
                    text: saved.text.clone(),
                    params: saved.params.clone(),
                };
                if saved.tab < p.list.kind.tabs().len() {
                    p.list.tab = saved.tab;
                }
            }
        }
        match ViewId::from_slug(&s.view) {
            Some(view) => {
                if view != ViewId::Accounts {
                    self.show_view(view);
                }
                if let Some(id) = s.shown {
                    self.focus_record(view, id);
                }
            }
            None if s.view == "dashboard" => self.show_dashboard(),
            None => {}
        }
        self.timed = None;
        self.pane = match s.pane.as_str() {
            "detail" if s.shown.is_some() || self.screen == Screen::Dashboard => Pane::Detail,
            "thread" if s.shown.is_some() => Pane::Thread,
            _ => Pane::List,
        };
    }

    /// The panes of `view` (made on first use); `None` for accounts, which have their own.
    fn panes_for(&mut self, view: ViewId) -> Option<&mut RecordPanes> {
        let v = crm::view(view)?;
        let page_size = self.list.window().page_size();
        Some(self.records.entry(view).or_insert_with(|| RecordPanes {
            list: ListPane::new(Records(v), page_size),
            detail: DetailPane::new(Records(v)),
        }))
    }
}

/// The panes of every view beyond accounts, by view.
pub type ViewPanes = BTreeMap<ViewId, RecordPanes>;
