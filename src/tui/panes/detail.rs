//! The detail pane, for any kind of record: the details seen lately (a small cache, so that
//! moving back and forth does not ask again), the one asked for next (debounced while the
//! cursor moves), why one could not be loaded, and how far the pane is scrolled.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::tui::records::{RecordKind, Row};
use crate::tui::requests::{Purpose, Requests};

/// Details kept.
const CACHE: usize = 32;
/// How long the cursor must rest on a record before its detail is asked for.
pub const DEBOUNCE: Duration = Duration::from_millis(80);

pub struct DetailPane<K: RecordKind> {
    /// The kind of record shown.
    pub kind: K,
    /// A record opened from another one's links: shown in place of the list's selection
    /// until the trail goes back (or the list's cursor moves).
    pub focus: Option<Uuid>,
    /// The selected row among the record's links (see [`RecordKind::links`]).
    pub link: usize,
    /// The links have the cursor (after `j`/`k` in the pane): the selected one is marked and
    /// kept in view. Before that the pane reads from the top.
    pub link_active: bool,
    cache: HashMap<Uuid, K::Detail>,
    /// Least recently seen first.
    order: VecDeque<Uuid>,
    /// When to ask for the selected record's detail.
    pub due: Option<Instant>,
    /// Why a record's detail could not be loaded.
    pub error: Option<(Uuid, String)>,
    pub scroll: u16,
    /// Records this session deleted: the list may show one until it reloads, and asking for
    /// its detail meanwhile would only answer 404.
    gone: HashSet<Uuid>,
}

impl<K: RecordKind> DetailPane<K> {
    pub fn new(kind: K) -> Self {
        DetailPane {
            kind,
            focus: None,
            link: 0,
            link_active: false,
            cache: HashMap::new(),
            order: VecDeque::new(),
            due: None,
            error: None,
            scroll: 0,
            gone: HashSet::new(),
        }
    }

    pub fn get(&self, id: &Uuid) -> Option<&K::Detail> {
        self.cache.get(id)
    }

    /// The record the pane shows: the focused one, else the list's selection.
    pub fn shown(&self, selected: Option<Uuid>) -> Option<Uuid> {
        self.focus.or(selected)
    }

    pub fn contains(&self, id: &Uuid) -> bool {
        self.cache.contains_key(id)
    }

    /// Keeps a detail that arrived, forgetting the least recently seen beyond the cache size.
    pub fn remember(&mut self, detail: K::Detail) {
        let id = self.kind.detail_row(&detail).id();
        self.error = None;
        self.cache.insert(id, detail);
        self.order.retain(|x| *x != id);
        self.order.push_back(id);
        while self.order.len() > CACHE {
            if let Some(old) = self.order.pop_front() {
                self.cache.remove(&old);
            }
        }
    }

    /// The record changed or is gone: ask again next time.
    pub fn forget(&mut self, id: &Uuid) {
        self.cache.remove(id);
    }

    /// The record was deleted here: never ask for its detail again.
    pub fn gone(&mut self, id: Uuid) {
        self.forget(&id);
        self.gone.insert(id);
    }

    pub fn clear(&mut self) {
        self.clear_except(None);
    }

    /// Forgets every detail but `keep`'s.
    pub fn clear_except(&mut self, keep: Option<Uuid>) {
        self.cache.retain(|id, _| Some(*id) == keep);
        self.order.retain(|id| Some(*id) == keep);
    }

    /// Asks for the detail of `id`, unless it is already being waited for.
    pub fn load(&mut self, id: Uuid, requests: &mut Requests) {
        if self.gone.contains(&id) {
            // Deleted here: say so rather than wait for a detail that is not coming.
            let noun = self.kind.noun();
            self.error = Some((id, format!("this {noun} was deleted")));
            return;
        }
        if requests.awaited_detail() == Some(id) {
            return;
        }
        requests.send(
            self.kind.load_detail(id),
            self.kind.loading_detail(),
            Purpose::Detail(id),
        );
    }

    /// A new record is selected: start at the top, and ask for its detail once the cursor
    /// rests.
    pub fn selection_changed(&mut self, now: Instant) {
        self.scroll = 0;
        self.link = 0;
        self.link_active = false;
        self.focus = None;
        self.due = Some(now + DEBOUNCE);
    }

    pub fn scroll_by(&mut self, delta: isize) {
        self.scroll = self
            .scroll
            .saturating_add_signed(delta.clamp(-500, 500) as i16);
    }

    pub fn top(&mut self) {
        self.scroll = 0;
    }

    /// Far enough down: the next frame's layout brings it back to the last line.
    pub fn bottom(&mut self) {
        self.scroll = u16::MAX / 2;
    }

    /// A frame could scroll the pane at most `max`.
    pub fn follow_layout(&mut self, max: u16) {
        self.scroll = self.scroll.min(max);
    }
}
