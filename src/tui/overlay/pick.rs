//! A one-key choice among a record's values: what `y` copies, what `o` opens. Each choice has
//! its letter; `y` again (`yy`) copies the record's id.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What happens to the chosen value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Copy,
    Open,
    /// A triage action of the record (the value is its index).
    Triage,
}

impl Verb {
    pub fn title(self) -> &'static str {
        match self {
            Verb::Copy => " Copy ",
            Verb::Open => " Open ",
            Verb::Triage => " Do ",
        }
    }
}

/// One value to choose: its letter, what it is ("the email"), and the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub key: char,
    pub label: &'static str,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub verb: Verb,
    pub choices: Vec<Choice>,
}

impl Pick {
    /// The choice a key names, if any.
    pub fn choose(&self, ev: &KeyEvent) -> Option<&Choice> {
        if ev
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return None;
        }
        let KeyCode::Char(c) = ev.code else {
            return None;
        };
        self.choices.iter().find(|ch| ch.key == c)
    }
}
