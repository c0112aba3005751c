//! The rows of a long list, kept as a small window of pages around the cursor.
//!
//! The list never holds every record: it keeps at most `capacity` pages of `page_size` rows,
//! evicting the page used least recently, and knows the total from the API's counts. Memory
//! stays the same for a hundred accounts or a hundred thousand.

use std::collections::{HashMap, HashSet, VecDeque};

use super::records::Row;

#[derive(Debug, Clone)]
pub struct PageWindow<R> {
    page_size: usize,
    capacity: usize,
    pages: HashMap<usize, Vec<R>>,
    /// Least recently used first.
    lru: VecDeque<usize>,
    pending: HashSet<usize>,
    /// Total rows, once the first answer told us.
    total: Option<usize>,
    /// The rows are from before a refresh or a new filter: still shown, but asked for again,
    /// and dropped when the first fresh page arrives (no blank flash while waiting).
    stale: bool,
}

impl<R: Row> PageWindow<R> {
    pub fn new(page_size: usize, capacity: usize) -> PageWindow<R> {
        PageWindow {
            page_size: page_size.max(1),
            capacity: capacity.max(3),
            pages: HashMap::new(),
            lru: VecDeque::new(),
            pending: HashSet::new(),
            total: None,
            stale: false,
        }
    }

    pub fn page_size(&self) -> usize {
        self.page_size
    }

    pub fn total(&self) -> Option<usize> {
        self.total
    }

    pub fn set_total(&mut self, total: usize) {
        self.total = Some(total);
    }

    /// Marks every row stale (a new filter, a refresh): they stay on screen until fresh rows
    /// arrive. The total is kept too, so that the cursor does not jump.
    pub fn clear(&mut self) {
        self.stale = !self.pages.is_empty();
        self.pending.clear();
    }

    pub fn is_stale(&self) -> bool {
        self.stale
    }

    pub fn page_of(&self, row: usize) -> usize {
        row / self.page_size
    }

    pub fn get(&self, row: usize) -> Option<&R> {
        self.pages
            .get(&(row / self.page_size))
            .and_then(|p| p.get(row % self.page_size))
    }

    pub fn is_loaded(&self, page: usize) -> bool {
        !self.stale && self.pages.contains_key(&page)
    }

    pub fn is_pending(&self, page: usize) -> bool {
        self.pending.contains(&page)
    }

    pub fn loaded_pages(&self) -> usize {
        self.pages.len()
    }

    /// Pages that should be fetched so that `rows` (the visible range) and one page either side
    /// are present, nearest first; each returned page is marked pending.
    pub fn wanted(&mut self, first: usize, last: usize) -> Vec<usize> {
        let first_page = self.page_of(first);
        let last_page = self.page_of(last);
        let max_page = match self.total {
            Some(0) => 0,
            Some(t) => (t - 1) / self.page_size,
            None => first_page,
        };
        let mut want = Vec::new();
        for p in first_page..=last_page.min(max_page) {
            want.push(p);
        }
        // Prefetch ahead first (scrolling down is the common case), then behind.
        if last_page < max_page {
            want.push(last_page + 1);
        }
        if first_page > 0 {
            want.push(first_page - 1);
        }
        for p in first_page.saturating_sub(1)..=(last_page + 1).min(max_page) {
            self.touch(p);
        }
        let fetch: Vec<usize> = want
            .into_iter()
            .filter(|p| !self.is_loaded(*p) && !self.pending.contains(p))
            .collect();
        self.pending.extend(fetch.iter().copied());
        fetch
    }

    /// Notes that `page` was asked for (outside [`PageWindow::wanted`]).
    pub fn mark_pending(&mut self, page: usize) {
        self.pending.insert(page);
    }

    fn touch(&mut self, page: usize) {
        if self.pages.contains_key(&page) {
            self.lru.retain(|p| *p != page);
            self.lru.push_back(page);
        }
    }

    /// Stores an answered page and evicts the least recently used pages beyond capacity.
    pub fn insert(&mut self, page: usize, rows: Vec<R>) {
        self.pending.remove(&page);
        if self.stale {
            self.stale = false;
            self.pages.clear();
            self.lru.clear();
        }
        self.pages.insert(page, rows);
        self.lru.retain(|p| *p != page);
        self.lru.push_back(page);
        while self.pages.len() > self.capacity {
            match self.lru.pop_front() {
                Some(old) => {
                    self.pages.remove(&old);
                }
                None => break,
            }
        }
    }

    /// A page request failed: it may be asked for again.
    pub fn failed(&mut self, page: usize) {
        self.pending.remove(&page);
    }

    /// Replaces a record wherever it is loaded (after an edit).
    pub fn replace(&mut self, record: &R) -> bool {
        for rows in self.pages.values_mut() {
            if let Some(slot) = rows.iter_mut().find(|a| a.id() == record.id()) {
                *slot = record.clone();
                return true;
            }
        }
        false
    }

    /// The position of a record among the loaded rows.
    pub fn position(&self, id: uuid::Uuid) -> Option<usize> {
        self.pages.iter().find_map(|(page, rows)| {
            rows.iter()
                .position(|a| a.id() == id)
                .map(|i| page * self.page_size + i)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Account;

    fn account(i: usize) -> Account {
        serde_json::from_value(serde_json::json!({
            "id": uuid::Uuid::from_u128(i as u128 + 1).to_string(),
            "name": format!("A{i}"), "created_on": "2024-01-01T00:00:00Z", "org": uuid::Uuid::nil().to_string(),
            "created_by": null
        }))
        .expect("account")
    }

    #[test]
    fn keeps_a_bounded_window_and_prefetches_ahead() {
        let mut w: PageWindow<Account> = PageWindow::new(10, 4);
        assert_eq!(
            w.wanted(0, 9),
            vec![0],
            "before the total is known, only the first page"
        );
        w.insert(0, (0..10).map(account).collect());
        w.set_total(100_000);
        assert_eq!(w.wanted(0, 9), vec![1]);
        assert!(
            w.wanted(0, 9).is_empty(),
            "pending pages are not asked twice"
        );
        for page in 1..50 {
            w.insert(page, (page * 10..page * 10 + 10).map(account).collect());
        }
        assert_eq!(w.loaded_pages(), 4);
        assert_eq!(w.get(495).map(|a| a.name.as_str()), Some("A495"));
        assert!(w.get(5).is_none(), "evicted");
        assert_eq!(w.wanted(500, 509), vec![50, 51]);
        assert_eq!(w.wanted(99_995, 99_999), vec![9_999, 9_998]);
    }
}
