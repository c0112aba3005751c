//! The list pane, for any kind of record: a tab (e.g. open or closed), a filter, and per tab a
//! window of pages around the cursor. Pages are asked for as the cursor and the drawn height
//! need them; every new filter or refresh starts a new generation (`epoch`), and answers of an
//! older one are dropped.

use std::collections::HashMap;

use super::Io;
use crate::client::ClientError;
use crate::tui::records::{PageParts, PageQuery, RecordKind, Row};
use crate::tui::requests::Purpose;
use crate::tui::ui::visible_scroll;
use crate::tui::window::PageWindow;

/// Pages kept per tab.
const WINDOW_PAGES: usize = 6;

pub struct ListPane<K: RecordKind> {
    /// The kind of record listed.
    pub kind: K,
    pub tab: K::Tab,
    pub filter: K::Filter,
    /// Bumped on every new filter or refresh; answers for older generations are dropped.
    pub epoch: u64,
    windows: HashMap<K::Tab, PageWindow<K::Row>>,
    cursors: HashMap<K::Tab, usize>,
    /// The first visible row (follows the drawn height, used for paging).
    pub scroll: usize,
    /// Rows shown at once, from the last frame's layout.
    pub height: usize,
    /// Every tab's total, as the server last counted them.
    pub totals: Option<Vec<(K::Tab, i64)>>,
    /// The server refused the list (e.g. not a member of the org): shown instead of "loading…".
    pub error: Option<String>,
    page_size: usize,
    /// What a tab without a window shows (none: every tab of `K::TABS` has one).
    empty: PageWindow<K::Row>,
}

impl<K: RecordKind> ListPane<K> {
    pub fn new(kind: K, page_size: usize) -> Self {
        let page_size = page_size.clamp(10, 1000);
        let tabs = kind.tabs();
        let windows = tabs
            .iter()
            .map(|t| (*t, PageWindow::new(page_size, WINDOW_PAGES)))
            .collect();
        ListPane {
            kind,
            tab: tabs.first().copied().unwrap_or_default(),
            filter: K::Filter::default(),
            epoch: 0,
            windows,
            cursors: HashMap::new(),
            scroll: 0,
            height: 20,
            totals: None,
            error: None,
            page_size,
            empty: PageWindow::new(page_size, WINDOW_PAGES),
        }
    }

    // --- queries ---------------------------------------------------------------------------------

    pub fn window(&self) -> &PageWindow<K::Row> {
        self.windows.get(&self.tab).unwrap_or(&self.empty)
    }

    fn window_mut(&mut self) -> &mut PageWindow<K::Row> {
        let page_size = self.page_size;
        self.windows
            .entry(self.tab)
            .or_insert_with(|| PageWindow::new(page_size, WINDOW_PAGES))
    }

    pub fn cursor(&self) -> usize {
        self.cursors.get(&self.tab).copied().unwrap_or(0)
    }

    pub fn total(&self) -> usize {
        self.window().total().unwrap_or(0)
    }

    pub fn selected(&self) -> Option<&K::Row> {
        self.window().get(self.cursor())
    }

    pub fn selected_id(&self) -> Option<uuid::Uuid> {
        self.selected().map(Row::id)
    }

    /// The tab after the current one (the toggle key's target).
    pub fn next_tab(&self) -> K::Tab {
        let tabs = self.kind.tabs();
        let i = tabs.iter().position(|t| *t == self.tab).unwrap_or(0);
        tabs.get((i + 1) % tabs.len().max(1))
            .copied()
            .unwrap_or(self.tab)
    }

    // --- loading ---------------------------------------------------------------------------------

    /// Starts over with the current filter: a new generation, stale windows, fetch what shows.
    pub fn reload(&mut self, io: &mut Io<'_>) {
        self.epoch += 1;
        self.error = None;
        io.requests.drop_pages();
        for w in self.windows.values_mut() {
            w.clear();
        }
        self.ensure_rows(io);
        if io.live && !self.kind.counts_every_tab() {
            // The first page of each other tab whose count the header shows: a write may have
            // changed it (a tab never shown is counted when it is).
            let shown: Vec<K::Tab> = self
                .totals
                .iter()
                .flatten()
                .map(|(t, _)| *t)
                .filter(|t| *t != self.tab)
                .collect();
            for (i, &tab) in self.kind.tabs().iter().enumerate() {
                if shown.contains(&tab) {
                    self.load_first_page(tab, i, io);
                }
            }
        }
    }

    /// Asks for the first page of `tab` (the `index`th).
    fn load_first_page(&mut self, tab: K::Tab, index: usize, io: &mut Io<'_>) {
        let Some(w) = self.windows.get_mut(&tab) else {
            return;
        };
        if w.is_pending(0) {
            return;
        }
        w.mark_pending(0);
        let limit = w.page_size();
        self.request_page(tab, index, 0, limit, io);
    }

    /// Sends the request for `page` of `tab` (the `index`th), `limit` rows a page.
    fn request_page(&self, tab: K::Tab, index: usize, page: usize, limit: usize, io: &mut Io<'_>) {
        let cmd = self.kind.load_page(PageQuery {
            epoch: self.epoch,
            tab,
            page,
            filter: self.filter.clone(),
            limit,
            offset: page * limit,
        });
        let purpose = Purpose::Page {
            view: self.kind.view(),
            epoch: self.epoch,
            tab: index,
            page,
        };
        io.requests.send(cmd, self.kind.loading_list(), purpose);
    }

    /// Starts over from the first row of every tab.
    pub fn reload_from_top(&mut self, io: &mut Io<'_>) {
        // A new filter: the counts of the old one no longer hold.
        self.totals = None;
        for w in self.windows.values_mut() {
            w.clear();
        }
        self.cursors.clear();
        self.scroll = 0;
        self.reload(io);
    }

    /// Asks for the pages the list needs around the cursor.
    pub fn ensure_rows(&mut self, io: &mut Io<'_>) {
        if !io.live {
            return;
        }
        let height = self.height.max(1);
        let first = self.scroll.min(self.cursor());
        let last = (first + height).max(self.cursor());
        let tab = self.tab;
        let tab_index = self.kind.tabs().iter().position(|t| *t == tab).unwrap_or(0);
        let wanted = self.window_mut().wanted(first, last);
        let limit = self.window().page_size();
        for page in wanted {
            self.request_page(tab, tab_index, page, limit, io);
        }
    }

    /// A page arrived (of the current generation: the app checks). Returns whether the
    /// selected record changed.
    pub fn on_rows(
        &mut self,
        tab: K::Tab,
        page: usize,
        parts: PageParts<K>,
        io: &mut Io<'_>,
    ) -> bool {
        self.error = None;
        let before = self.selected_id();
        for (t, total) in &parts.totals {
            if let Some(w) = self.windows.get_mut(t) {
                w.set_total((*total).max(0) as usize);
            }
        }
        // An answer may count only its own tab: keep what the others last counted.
        let mut totals = self.totals.take().unwrap_or_default();
        for (t, n) in parts.totals {
            match totals.iter_mut().find(|(x, _)| *x == t) {
                Some(slot) => slot.1 = n,
                None => totals.push((t, n)),
            }
        }
        let order = |t: &K::Tab| self.kind.tabs().iter().position(|x| x == t);
        totals.sort_by_key(|(t, _)| order(t));
        self.totals = Some(totals);
        if let Some(w) = self.windows.get_mut(&tab) {
            w.insert(page, parts.rows);
        }
        // Keep the cursor inside the (possibly shrunk) list.
        let (cur, total) = (self.cursor(), self.total());
        let mut changed = false;
        if cur >= total && total > 0 {
            changed = self.set_cursor(total - 1, io);
        }
        self.ensure_rows(io);
        changed || self.selected_id() != before
    }

    /// A page could not be loaded: it may be asked for again. An answer from the server
    /// (not a network failure) is kept to show instead of "loading…".
    pub fn on_failed(&mut self, tab: K::Tab, page: usize, e: &ClientError) {
        if let Some(w) = self.windows.get_mut(&tab) {
            w.failed(page);
        }
        if matches!(e, ClientError::Api { .. }) {
            self.error = Some(e.to_string());
        }
    }

    /// The request for a page of the current generation will never answer (its task crashed).
    pub fn page_lost(&mut self, tab_index: usize, page: usize) {
        if let Some(w) = self
            .kind
            .tabs()
            .get(tab_index)
            .and_then(|tab| self.windows.get_mut(tab))
        {
            w.failed(page);
        }
    }

    /// A record changed: show the new version wherever it is loaded.
    pub fn replace(&mut self, row: &K::Row) {
        for w in self.windows.values_mut() {
            w.replace(row);
        }
    }

    // --- moving ----------------------------------------------------------------------------------

    /// Puts the cursor on `row` (kept inside the list and in view). Returns whether the
    /// selection changed (or nothing was selected before).
    pub fn set_cursor(&mut self, row: usize, io: &mut Io<'_>) -> bool {
        let total = self.total();
        let row = if total == 0 { 0 } else { row.min(total - 1) };
        let before = self.selected_id();
        self.cursors.insert(self.tab, row);
        let h = self.height.max(1);
        if row < self.scroll {
            self.scroll = row;
        } else if row >= self.scroll + h {
            self.scroll = row + 1 - h;
        }
        self.ensure_rows(io);
        self.selected_id() != before || before.is_none()
    }

    pub fn move_by(&mut self, delta: isize, io: &mut Io<'_>) -> bool {
        let row = self.cursor().saturating_add_signed(delta);
        self.set_cursor(row, io)
    }

    /// Switches to `tab` where its cursor was, and asks for its rows.
    pub fn show_tab(&mut self, tab: K::Tab, io: &mut Io<'_>) {
        self.tab = tab;
        self.scroll = self.cursor().saturating_sub(self.height / 2);
        self.ensure_rows(io);
    }

    /// Selects the first row of `tab` (a record just created comes first), before a reload.
    pub fn select_first(&mut self, tab: K::Tab) {
        self.tab = tab;
        self.cursors.insert(tab, 0);
        self.scroll = 0;
    }

    /// A frame showed `rows` rows of the list: fetch what is now visible, keep the cursor in
    /// view.
    pub fn follow_layout(&mut self, rows: usize, io: &mut Io<'_>) {
        if rows != self.height {
            self.height = rows.max(1);
            let cur = self.cursor();
            if cur >= self.scroll + self.height {
                self.scroll = cur + 1 - self.height;
            }
            self.ensure_rows(io);
        }
        self.scroll = visible_scroll(self.scroll, self.cursor(), self.height);
    }
}
