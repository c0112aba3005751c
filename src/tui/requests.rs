//! The one table of requests in flight. Each [`Cmd`] leaves with an id and an entry here: the
//! label the spinner shows and what its answer must be matched with (the page and generation of
//! a list load, the detail the pane waits for, the status a close/reopen moves to). An answer
//! takes its entry out with [`Requests::finish`]; nothing else keeps side maps of requests.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::msg::{Cmd, ReqId, Request};
use crate::model::AccountStatus;
use crate::tui::records::ViewId;

/// What the app must remember about a request until its answer comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A page of the list of `view`, of the generation `epoch`; `tab` indexes the kind's tabs.
    Page {
        view: ViewId,
        epoch: u64,
        tab: usize,
        page: usize,
    },
    /// The detail the detail pane waits for (at most one at a time; see [`Requests::send`]).
    Detail(Uuid),
    /// Close or reopen (`x`): the status the record moves to, for the status line.
    Toggle(AccountStatus),
    /// A mail, with the time it is scheduled for (`None`: now).
    Mail(Option<DateTime<Utc>>),
    /// `:export`: at most one at a time; `Esc` cancels it.
    Export,
    /// A download or an upload: `Esc` cancels it.
    Transfer,
    /// Nothing to match but the id (a form keeps its own request id).
    Other,
}

#[derive(Debug, Clone, Copy)]
pub struct InFlight {
    /// For the spinner in the header.
    pub label: &'static str,
    pub purpose: Purpose,
}

#[derive(Debug)]
pub struct Requests {
    next: ReqId,
    live: BTreeMap<ReqId, InFlight>,
    /// Sent but not yet taken by the runtime.
    outbox: Vec<Request>,
}

impl Default for Requests {
    fn default() -> Self {
        Requests {
            next: 1,
            live: BTreeMap::new(),
            outbox: Vec::new(),
        }
    }
}

impl Requests {
    /// Queues `cmd` for the worker and remembers it; returns its id. A new detail request
    /// replaces the one waited for before (whose answer is still taken, but not waited for).
    pub fn send(&mut self, cmd: Cmd, label: &'static str, purpose: Purpose) -> ReqId {
        if matches!(purpose, Purpose::Detail(_)) {
            self.stop_awaiting_details();
        }
        let id = self.next;
        self.next += 1;
        self.live.insert(id, InFlight { label, purpose });
        self.outbox.push(Request { id, cmd });
        id
    }

    /// Queues `cmd` without waiting for an answer (none comes: a cancel).
    pub fn notify(&mut self, cmd: Cmd) {
        let id = self.next;
        self.next += 1;
        self.outbox.push(Request { id, cmd });
    }

    /// The export in flight, if any.
    pub fn export(&self) -> Option<ReqId> {
        self.live
            .iter()
            .find(|(_, r)| r.purpose == Purpose::Export)
            .map(|(id, _)| *id)
    }

    /// The newest transfer in flight, if any.
    pub fn transfer(&self) -> Option<ReqId> {
        self.live
            .iter()
            .rev()
            .find(|(_, r)| r.purpose == Purpose::Transfer)
            .map(|(id, _)| *id)
    }

    pub fn get(&self, req: ReqId) -> Option<&InFlight> {
        self.live.get(&req)
    }

    /// The requests queued since the last call, for the runtime to hand to the worker.
    pub fn take_outbox(&mut self) -> Vec<Request> {
        std::mem::take(&mut self.outbox)
    }

    /// The answer to `req` came (or never will): its entry, if it was still in flight.
    pub fn finish(&mut self, req: ReqId) -> Option<InFlight> {
        self.live.remove(&req)
    }

    pub fn contains(&self, req: ReqId) -> bool {
        self.live.contains_key(&req)
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// The label of the newest request in flight.
    pub fn label(&self) -> Option<&'static str> {
        self.live.values().next_back().map(|r| r.label)
    }

    /// Whether a page of the list is still being loaded.
    pub fn has_pages(&self) -> bool {
        self.live
            .values()
            .any(|r| matches!(r.purpose, Purpose::Page { .. }))
    }

    /// Forgets every page load (a new generation starts; their answers are dropped by epoch).
    pub fn drop_pages(&mut self) {
        self.live
            .retain(|_, r| !matches!(r.purpose, Purpose::Page { .. }));
    }

    /// The record whose detail the pane waits for.
    pub fn awaited_detail(&self) -> Option<Uuid> {
        self.live.values().find_map(|r| match r.purpose {
            Purpose::Detail(id) => Some(id),
            _ => None,
        })
    }

    /// No detail is waited for any more: the next one is asked for again even if one is on its
    /// way (after a refresh, a sign-in or a change to the thread).
    pub fn stop_awaiting_details(&mut self) {
        for r in self.live.values_mut() {
            if matches!(r.purpose, Purpose::Detail(_)) {
                r.purpose = Purpose::Other;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_detail_is_awaited_and_pages_can_be_dropped() {
        let mut r = Requests::default();
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let page = Purpose::Page {
            view: ViewId::Accounts,
            epoch: 1,
            tab: 0,
            page: 0,
        };
        let p = r.send(Cmd::Profile, "page", page);
        let first = r.send(Cmd::LoadDetail { id: a }, "detail a", Purpose::Detail(a));
        assert_eq!(r.awaited_detail(), Some(a));
        r.send(Cmd::LoadDetail { id: b }, "detail b", Purpose::Detail(b));
        assert_eq!(
            r.awaited_detail(),
            Some(b),
            "the newer detail is the one waited for"
        );
        assert!(r.contains(first), "the older one is still in flight");
        assert_eq!(r.label(), Some("detail b"));
        assert!(r.has_pages());
        r.drop_pages();
        assert!(!r.has_pages() && !r.contains(p));
        r.stop_awaiting_details();
        assert_eq!(r.awaited_detail(), None);
        assert_eq!(r.take_outbox().len(), 3);
        assert!(r.take_outbox().is_empty());
        assert!(r.finish(first).is_some() && r.finish(first).is_none());
    }
}
