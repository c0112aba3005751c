//! The panes: each keeps its own state and handlers, and sends requests through the one
//! [`Requests`] table it is handed ([`Io`]). Panes never call each other; what one pane's
//! change means for another (a new selection resets the detail) is decided by the app.

pub mod detail;
pub mod list;
pub mod thread;

use super::requests::Requests;

pub use detail::DetailPane;
pub use list::ListPane;
pub use thread::{ThreadItem, ThreadPane};

/// Which pane has the focus. The thread pane holds a record's comments and attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    List,
    Detail,
    Thread,
}

impl Pane {
    pub fn next(self) -> Pane {
        match self {
            Pane::List => Pane::Detail,
            Pane::Detail => Pane::Thread,
            Pane::Thread => Pane::List,
        }
    }

    pub fn prev(self) -> Pane {
        match self {
            Pane::List => Pane::Thread,
            Pane::Detail => Pane::List,
            Pane::Thread => Pane::Detail,
        }
    }
}

/// What a pane's handler may use besides its own state: the table to send requests through,
/// and whether loading is possible now (started and signed in).
pub struct Io<'a> {
    pub requests: &'a mut Requests,
    pub live: bool,
}
