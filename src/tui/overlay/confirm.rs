//! Confirmations: `y` (or the confirm key) does it, `n` or `Esc` does not.

use crossterm::event::{KeyCode, KeyEvent};
use uuid::Uuid;

use super::{Form, FormKind};
use crate::tui::keymap::Action;
use crate::tui::msg::Owner;

/// What a confirmation is about.
#[derive(Debug, Clone)]
pub enum Confirm {
    DeleteAccount(Uuid),
    DeleteComment {
        owner: Owner,
        comment: Uuid,
    },
    DeleteAttachment {
        owner: Owner,
        attachment: Uuid,
    },
    /// A request to send once confirmed (a record's delete, a triage action that cannot be
    /// undone), with the spinner's label.
    Send(Box<crate::tui::msg::Cmd>, &'static str),
    /// `:export` to a file that exists: `y` replaces it.
    ReplaceExport(std::path::PathBuf),
    /// `Esc` in a form with typed changes: `y` throws them away, `n` goes back to the form.
    Discard {
        kind: FormKind,
        form: Box<Form>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    /// Any other key: the question stays.
    Undecided,
}

/// The answer a key gives (`action` is the key in the form context).
pub fn answer(action: Option<Action>, ev: &KeyEvent) -> Answer {
    if action == Some(Action::Confirm) || matches!(ev.code, KeyCode::Char('y' | 'Y')) {
        Answer::Yes
    } else if action == Some(Action::Cancel) || matches!(ev.code, KeyCode::Char('n' | 'N')) {
        Answer::No
    } else {
        Answer::Undecided
    }
}
