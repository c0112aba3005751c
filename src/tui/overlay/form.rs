//! A form: labelled text fields (ratatui-textarea editors), field errors from the API shown next
//! to their field, and the focus. A record's form is built from its field table
//! ([`Form::from_table`]).

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::style::{Modifier, Style};
use ratatui_textarea::{CursorMove, TextArea};

use crate::tui::keymap::Action;
use crate::tui::records::FieldSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Line,
    /// Several lines; `Enter` is a newline.
    Multi,
    /// A password: drawn masked.
    Secret,
    /// One of these `(value, label)` pairs, or none: the field shows the label, and the arrows,
    /// space and a letter pick (a picker, never free text).
    Choice(crate::model::record::Choices),
    /// Another record, of the kind named: typing searches that kind, `↓` and `Enter` pick one
    /// of the matches (the field keeps its id in [`Field::link`]).
    Link(&'static str),
}

/// The matches of a link field's search, shown under it.
#[derive(Debug, Clone, Default)]
pub struct Suggest {
    /// The field they are for.
    pub field: usize,
    pub rows: Vec<(uuid::Uuid, String)>,
    /// The highlighted match: none until `↓` (then `Enter` picks it).
    pub cursor: Option<usize>,
    /// The search in flight; only its answer fills the rows.
    pub pending: Option<u64>,
}

#[derive(Clone)]
pub struct Field {
    /// The API's name for the field: validation errors are matched on it.
    pub key: &'static str,
    pub label: String,
    pub kind: FieldKind,
    pub input: TextArea<'static>,
    /// The value the form was opened with (an edit sends only what changed).
    pub initial: String,
    /// A link field's record, once picked (or as the form opened).
    pub link: Option<uuid::Uuid>,
}

/// By hand: a password field's contents must not show in `{:?}` of a form (or the app).
impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = self.kind == FieldKind::Secret;
        let value = self.value();
        f.debug_struct("Field")
            .field("key", &self.key)
            .field("kind", &self.kind)
            .field("value", if secret { &"<redacted>" } else { &value })
            .field(
                "initial",
                if secret { &"<redacted>" } else { &self.initial },
            )
            .finish()
    }
}

impl Field {
    pub fn new(key: &'static str, label: impl Into<String>, kind: FieldKind, value: &str) -> Field {
        let label = label.into();
        let lines: Vec<String> = match kind {
            FieldKind::Multi => value.split('\n').map(str::to_string).collect(),
            _ => vec![value.replace(['\n', '\r'], " ")],
        };
        let mut input = TextArea::new(lines);
        input.set_cursor_line_style(Style::new());
        if kind == FieldKind::Secret {
            input.set_mask_char('•');
        }
        if kind == FieldKind::Multi {
            // Long lines wrap at words rather than scroll sideways out of view.
            input.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
        }
        input.move_cursor(CursorMove::Bottom);
        input.move_cursor(CursorMove::End);
        // What the field shows, not the raw value: a one-line field flattens newlines, and an
        // untouched field must not count as changed (and be rewritten on save).
        let initial = input.lines().join("\n");
        Field {
            key,
            label,
            kind,
            input,
            initial,
            link: None,
        }
    }

    pub fn value(&self) -> String {
        self.input.lines().join("\n")
    }

    pub fn changed(&self) -> bool {
        self.value() != self.initial
    }

    /// A choice field's value (not its label); `None`: nothing chosen, or not a choice field.
    pub fn choice(&self) -> Option<&'static str> {
        let FieldKind::Choice(choices) = self.kind else {
            return None;
        };
        let shown = self.value();
        choices
            .iter()
            .find(|(v, l)| *l == shown || *v == shown)
            .map(|(v, _)| *v)
    }

    /// Picks the choice `step` away from the current one (wrapping), or the next whose label
    /// starts with `letter`.
    fn pick(&mut self, step: isize, letter: Option<char>) {
        let FieldKind::Choice(choices) = self.kind else {
            return;
        };
        if choices.is_empty() {
            return;
        }
        let n = choices.len() as isize;
        let at = self
            .choice()
            .and_then(|v| choices.iter().position(|(c, _)| *c == v))
            .map_or(-1, |i| i as isize);
        let next = match letter {
            Some(ch) => (1..=n).map(|d| (at + d).rem_euclid(n)).find(|i| {
                choices[*i as usize]
                    .1
                    .chars()
                    .next()
                    .is_some_and(|c| c.eq_ignore_ascii_case(&ch))
            }),
            None if at < 0 => Some(if step < 0 { n - 1 } else { 0 }),
            None => Some((at + step).rem_euclid(n)),
        };
        if let Some(i) = next {
            self.input = TextArea::new(vec![choices[i as usize].1.to_string()]);
            self.input.set_cursor_line_style(Style::new());
            self.input.move_cursor(CursorMove::End);
        }
    }

    /// Rows the field takes when drawn (without its error line).
    pub fn height(&self) -> u16 {
        match self.kind {
            FieldKind::Multi => 5,
            _ => 1,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Form {
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Messages by field key; `""` holds the form-wide message.
    pub errors: BTreeMap<String, String>,
    /// A request for this form is in flight.
    pub busy: bool,
    /// The id of that request: only its answer may close or fill this form.
    pub pending: Option<u64>,
    /// A one-line hint under the fields.
    pub note: Option<String>,
    /// The matches of the focused link field's search.
    pub suggest: Option<Suggest>,
    /// `Enter` on any one-line field submits (a filter form), not only on the last.
    pub enter_submits: bool,
}

impl Form {
    pub fn new(title: impl Into<String>, fields: Vec<Field>) -> Form {
        let mut form = Form {
            title: title.into(),
            fields,
            focus: 0,
            errors: BTreeMap::new(),
            busy: false,
            pending: None,
            note: None,
            suggest: None,
            enter_submits: false,
        };
        form.restyle();
        form
    }

    /// A record's form from its field table: filled from `row`, or for a new record.
    pub fn from_table<R>(
        title: impl Into<String>,
        table: &[FieldSpec<R>],
        row: Option<&R>,
    ) -> Form {
        let fields = table
            .iter()
            .map(|f| {
                let value = row.map(f.value).unwrap_or_else(|| f.new.to_string());
                Field::new(f.key, f.label, f.kind, &value)
            })
            .collect();
        Form::new(title, fields)
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Form {
        self.note = Some(note.into());
        self
    }

    pub fn focused(&mut self) -> Option<&mut Field> {
        self.fields.get_mut(self.focus)
    }

    pub fn focused_kind(&self) -> FieldKind {
        self.fields
            .get(self.focus)
            .map(|f| f.kind)
            .unwrap_or(FieldKind::Line)
    }

    pub fn is_last(&self) -> bool {
        self.focus + 1 >= self.fields.len()
    }

    pub fn next(&mut self) {
        self.suggest = None;
        if !self.fields.is_empty() {
            self.focus = (self.focus + 1) % self.fields.len();
        }
        self.restyle();
    }

    pub fn prev(&mut self) {
        self.suggest = None;
        if !self.fields.is_empty() {
            self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
        }
        self.restyle();
    }

    pub fn focus_key(&mut self, key: &str) {
        if let Some(i) = self.fields.iter().position(|f| f.key == key) {
            self.focus = i;
        }
        self.restyle();
    }

    /// Only the focused editor shows a cursor.
    fn restyle(&mut self) {
        for (i, f) in self.fields.iter_mut().enumerate() {
            let style = if i == self.focus {
                Style::new().add_modifier(Modifier::REVERSED)
            } else {
                Style::new()
            };
            f.input.set_cursor_style(style);
        }
    }

    /// Focuses the first several-line field (the text `$EDITOR` edits); `false` if none.
    pub fn focus_long_text(&mut self) -> bool {
        if self.focused_kind() == FieldKind::Multi {
            return true;
        }
        let Some(i) = self.fields.iter().position(|f| f.kind == FieldKind::Multi) else {
            return false;
        };
        self.focus = i;
        self.restyle();
        true
    }

    /// Replaces the focused field's text (from the external editor), cursor at the end.
    pub fn set_focused_value(&mut self, value: &str) {
        if let Some(f) = self.fields.get_mut(self.focus) {
            let fresh = Field::new(f.key, f.label.clone(), f.kind, value);
            f.input = fresh.input;
        }
        self.restyle();
    }

    pub fn get(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn value(&self, key: &str) -> String {
        self.get(key).map(Field::value).unwrap_or_default()
    }

    /// Inserts pasted text into the focused field (newlines become spaces in one-line fields).
    pub fn paste(&mut self, text: &str) {
        let Some(field) = self.focused() else { return };
        let clean: String = text.replace("\r\n", "\n").replace('\r', "\n");
        let clean = if field.kind == FieldKind::Multi {
            clean
        } else {
            clean.replace('\n', " ")
        };
        let clean: String = clean
            .chars()
            .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
            .collect();
        field.input.insert_str(clean);
    }

    /// Shows the API's validation errors; focuses the first field that has one.
    pub fn set_errors(&mut self, fields: &BTreeMap<String, String>, summary: &str) {
        self.errors.clear();
        let mut unmatched = Vec::new();
        for (key, msg) in fields {
            if self.get(key).is_some() {
                self.errors.insert(key.clone(), msg.clone());
            } else {
                unmatched.push(format!("{key}: {msg}"));
            }
        }
        if fields.is_empty() {
            self.errors.insert(String::new(), summary.to_string());
        } else if !unmatched.is_empty() {
            self.errors.insert(String::new(), unmatched.join("; "));
        }
        if let Some(first) = self
            .fields
            .iter()
            .position(|f| self.errors.contains_key(f.key))
        {
            self.focus = first;
            self.restyle();
        }
    }
}

/// What a key did in a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKey {
    /// Typed, or moved between fields: the form stays as it is.
    Stay,
    Cancel,
    Submit,
    /// A link field's text changed: search its kind for it.
    Search,
}

/// A key on a link field with matches shown: move among them, pick one, or close them.
fn suggest_key(form: &mut Form, action: Option<Action>, ev: &KeyEvent) -> Option<FormKey> {
    let focus = form.focus;
    let s = form.suggest.as_mut().filter(|s| s.field == focus)?;
    if s.rows.is_empty() {
        return None;
    }
    match ev.code {
        KeyCode::Down => {
            s.cursor = Some(s.cursor.map_or(0, |c| (c + 1).min(s.rows.len() - 1)));
        }
        KeyCode::Up => s.cursor = s.cursor.map(|c| c.saturating_sub(1)),
        // Nothing highlighted: Enter goes on to the next field as usual.
        KeyCode::Enter if s.cursor.is_none() => return None,
        KeyCode::Enter => {
            let (id, name) = s.rows.get(s.cursor.unwrap_or(0)).cloned()?;
            form.suggest = None;
            if let Some(f) = form.focused() {
                f.input = TextArea::new(vec![name]);
                f.input.set_cursor_line_style(Style::new());
                f.input.move_cursor(CursorMove::End);
                f.link = Some(id);
            }
            form.restyle();
        }
        _ if action == Some(Action::Cancel) => form.suggest = None,
        _ => return None,
    }
    Some(FormKey::Stay)
}

/// A key in a form (`action` is the key in the form context). In a several-line field the
/// arrows move in the text, and `Enter` is a newline; in a one-line field `Enter` goes to the
/// next field, and submits on the last.
pub fn key(form: &mut Form, action: Option<Action>, ev: KeyEvent) -> FormKey {
    let multi = form.focused_kind() == FieldKind::Multi;
    if let Some(done) = suggest_key(form, action, &ev) {
        return done;
    }
    match action {
        Some(Action::Cancel) => FormKey::Cancel,
        Some(Action::Submit) => FormKey::Submit,
        Some(Action::NextField) if !(multi && ev.code == KeyCode::Down) => {
            form.next();
            FormKey::Stay
        }
        Some(Action::PrevField) if !(multi && ev.code == KeyCode::Up) => {
            form.prev();
            FormKey::Stay
        }
        _ if matches!(form.focused_kind(), FieldKind::Choice(_))
            && !ev.modifiers.intersects(
                crossterm::event::KeyModifiers::CONTROL | crossterm::event::KeyModifiers::ALT,
            )
            && ev.code != KeyCode::Enter =>
        {
            if let Some(f) = form.focused() {
                match ev.code {
                    KeyCode::Left => f.pick(-1, None),
                    KeyCode::Right | KeyCode::Char(' ') => f.pick(1, None),
                    KeyCode::Char(c) => f.pick(0, Some(c)),
                    KeyCode::Backspace | KeyCode::Delete => {
                        f.input = TextArea::new(vec![String::new()]);
                        f.input.set_cursor_line_style(Style::new());
                    }
                    _ => {}
                }
            }
            FormKey::Stay
        }
        _ if ev.code == KeyCode::Enter && !multi && ev.modifiers.is_empty() => {
            if form.is_last() || form.enter_submits {
                return FormKey::Submit;
            }
            form.next();
            FormKey::Stay
        }
        _ => {
            let Some(f) = form.focused() else {
                return FormKey::Stay;
            };
            let before = f.value();
            super::edit(&mut f.input, ev);
            if matches!(f.kind, FieldKind::Link(_)) && f.value() != before {
                // Typed text is a new search, not the record picked before.
                f.link = None;
                return FormKey::Search;
            }
            FormKey::Stay
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_untouched_field_is_unchanged_even_with_newlines() {
        for kind in [FieldKind::Line, FieldKind::Multi, FieldKind::Secret] {
            let f = Field::new("k", "K", kind, "a\nb\r\nc");
            assert!(!f.changed(), "{kind:?}");
        }
    }
}
