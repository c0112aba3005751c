//! What is drawn over the panes and takes the keys while it is open: the help, the `:` command
//! line, the `/` filter line, forms and confirmations. Each one's key handling says what the
//! app should do next ([`LineKey`], [`form::FormKey`], [`confirm::Answer`]); the app does it.

pub mod command;
pub mod confirm;
pub mod form;
pub mod mail;
pub mod pick;
pub mod sign_in;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Modifier, Style};
use ratatui_textarea::{CursorMove, TextArea};
use uuid::Uuid;

use super::keymap::Action;
use super::msg::Owner;
pub use confirm::Confirm;
pub use form::Form;

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
    /// `y` or `o`: which of the record's values.
    Pick(pick::Pick),
}

/// What a form is for: it decides what submitting it sends.
#[derive(Debug, Clone)]
pub enum FormKind {
    NewAccount,
    EditAccount(Uuid),
    Filter,
    Mail(Uuid),
    Comment {
        owner: Owner,
        editing: Option<Uuid>,
    },
    AttachPath(Owner),
    DownloadPath(String),
    SignIn,
    /// A record of a view beyond accounts: new (`id: None`) or edited.
    Record {
        view: crate::tui::records::ViewId,
        id: Option<Uuid>,
    },
}

impl FormKind {
    /// Forms whose typed text is worth asking about before `Esc` throws it away.
    pub fn keeps_drafts(&self) -> bool {
        matches!(
            self,
            FormKind::NewAccount
                | FormKind::EditAccount(_)
                | FormKind::Mail(_)
                | FormKind::Comment { .. }
                | FormKind::Record { .. }
        )
    }
}

impl FormKind {
    /// Forms with a long text (a comment, a mail's body) that `ctrl-e` hands to `$EDITOR`.
    pub fn has_long_text(&self) -> bool {
        matches!(self, FormKind::Mail(_) | FormKind::Comment { .. })
    }
}

/// The help's new scroll for a key in normal mode, or `None` to close it.
pub fn help_key(scroll: u16, normal: Option<Action>) -> Option<u16> {
    match normal {
        Some(Action::Down) => Some(scroll.saturating_add(1)),
        Some(Action::Up) => Some(scroll.saturating_sub(1)),
        Some(Action::PageDown) => Some(scroll.saturating_add(10)),
        Some(Action::PageUp) => Some(scroll.saturating_sub(10)),
        _ => None,
    }
}

/// What a key did in a one-line editor (the command line, the `/` filter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKey {
    Cancel,
    /// `Enter` (or, for the filter, `Up`/`Down`): done with the line.
    Done,
    /// `Backspace` with nothing left to delete.
    Emptied,
    /// Edited; `true` when the text changed.
    Edited(bool),
}

/// A key in a one-line editor; `done_keys` are the keys that finish it besides `Enter`.
pub fn line_key(
    input: &mut TextArea<'static>,
    action: Option<Action>,
    ev: KeyEvent,
    done_keys: &[KeyCode],
) -> LineKey {
    match (action, ev.code) {
        (Some(Action::Cancel), _) => LineKey::Cancel,
        (_, KeyCode::Enter) => LineKey::Done,
        (_, code) if done_keys.contains(&code) => LineKey::Done,
        (_, KeyCode::Backspace) if input.is_empty() => LineKey::Emptied,
        _ => LineKey::Edited(edit(input, ev)),
    }
}

/// The text of a one-line editor.
pub fn line_text(input: &TextArea<'static>) -> String {
    input.lines().join(" ")
}

/// Typing into an editor: ratatui-textarea's emacs-like keys, except ctrl-u, which deletes to
/// the start of the line as in a shell (the editor's own binding for it is undo; ctrl-z undoes).
pub fn edit(input: &mut TextArea<'static>, ev: KeyEvent) -> bool {
    match (ev.code, ev.modifiers) {
        (KeyCode::Char('u'), KeyModifiers::CONTROL) => input.delete_line_by_head(),
        (KeyCode::Char('z'), KeyModifiers::CONTROL) => input.undo(),
        _ => input.input(ev),
    }
}

/// A one-line editor holding `value`, the cursor at its end.
pub fn one_line_input(value: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![value.to_string()]);
    t.set_cursor_line_style(Style::new());
    t.set_cursor_style(Style::new().add_modifier(Modifier::REVERSED));
    t.move_cursor(CursorMove::End);
    t
}

/// Pasted text for a one-line editor: control characters (newlines too) become spaces.
pub fn paste_line(input: &mut TextArea<'static>, text: &str) {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    input.insert_str(clean);
}
