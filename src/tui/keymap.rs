//! Keys to actions, remappable from the config's `[keys]` table; `?` help is built from here.
//!
//! Actions live in two contexts: `Normal` (browsing the panes) and `Form` (in an editor, a form
//! or a modal). A key may mean one thing in each. Typing text into an editor is not an action.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Normal,
    Form,
}

macro_rules! actions {
    ($( $variant:ident => $name:literal, $ctx:ident, $help:literal, [$($key:literal),*] ;)*) => {
        /// Everything a key can do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($variant),* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The name used in the config's `[keys]` table.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }

            pub fn help(self) -> &'static str {
                match self { $(Action::$variant => $help),* }
            }

            pub fn context(self) -> Context {
                match self { $(Action::$variant => Context::$ctx),* }
            }

            /// The default keys, as written in the config.
            pub fn default_keys(self) -> &'static [&'static str] {
                match self { $(Action::$variant => &[$($key),*]),* }
            }
        }
    };
}

actions! {
    Quit => "quit", Normal, "quit", ["q", "ctrl-c"];
    Help => "help", Normal, "show this help", ["?", "f1"];
    Command => "command", Normal, "command line (:accounts, :filter, :q …)", [":"];
    Filter => "filter", Normal, "search as you type (accounts: by name)", ["/"];
    FilterForm => "filter_form", Normal, "filters (accounts: city, industry, tags; others: key=value)", ["f"];
    ClearFilter => "clear_filter", Normal, "clear every filter", ["F"];
    Refresh => "refresh", Normal, "reload from the server", ["r", "ctrl-r"];
    Up => "up", Normal, "move up", ["k", "up"];
    Down => "down", Normal, "move down", ["j", "down"];
    PageUp => "page_up", Normal, "page up", ["pageup", "ctrl-b", "ctrl-u"];
    PageDown => "page_down", Normal, "page down", ["pagedown", "ctrl-f", "ctrl-d"];
    Top => "top", Normal, "go to the first row", ["g", "home"];
    Bottom => "bottom", Normal, "go to the last row", ["G", "end"];
    NextPane => "next_pane", Normal, "next pane", ["tab", "l", "right"];
    PrevPane => "prev_pane", Normal, "previous pane", ["backtab", "h", "left"];
    Open => "open", Normal, "open the selected record (in a detail: the selected related one)", ["enter"];
    Back => "back", Normal, "back: to the record a link was opened from, or to the list", ["esc"];
    // The config name predates tabs; it stays so that existing configs keep working.
    NextTab => "toggle_view", Normal, "the list's next tab (open / closed, all …)", ["v"];
    New => "new", Normal, "new record", ["n"];
    Edit => "edit", Normal, "edit the record (or the selected comment)", ["e"];
    Delete => "delete", Normal, "delete the record (or the selected comment/file)", ["d"];
    CloseReopen => "close_reopen", Normal, "close/reopen; other records: their next step", ["x"];
    Triage => "triage", Normal, "all the record's actions (won, convert, paid…)", ["X"];
    Comment => "comment", Normal, "add a comment", ["c"];
    Mail => "mail", Normal, "compose an email", ["m"];
    Attach => "attach", Normal, "attach a file (by path)", ["a"];
    Download => "download", Normal, "save the selected attachment to a path", ["s"];
    SignIn => "sign_in", Normal, "sign in again", ["L"];
    Copy => "copy", Normal, "copy the id, email, phone, a comment … (OSC 52)", ["y"];
    OpenLink => "open_link", Normal, "open the website or email (over SSH: copy it)", ["o"];
    Submit => "submit", Form, "save / send", ["ctrl-s", "alt-enter"];
    Cancel => "cancel", Form, "cancel", ["esc"];
    NextField => "next_field", Form, "next field", ["tab", "down"];
    PrevField => "prev_field", Form, "previous field", ["backtab", "up"];
    Confirm => "confirm", Form, "answer yes in a confirmation", ["y"];
    ExternalEditor => "external_editor", Form, "edit the text in $VISUAL / $EDITOR", ["ctrl-e"];
}

impl Action {
    /// Whether the action changes something on the server: hidden and refused in read-only mode.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Action::New
                | Action::Edit
                | Action::Delete
                | Action::CloseReopen
                | Action::Triage
                | Action::Comment
                | Action::Mail
                | Action::Attach
        )
    }
}

/// The default keymap as a file (`assets/keymap.toml`, embedded): what `crmtui config
/// --defaults` prints for users to copy into their `[keys]` table. A test keeps it equal to
/// [`defaults_toml`], which writes it from the actions table.
pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// The default keymap written from the actions table, help text as comments.
pub fn defaults_toml() -> String {
    let mut out = String::from(
        "# crmtui default keymap. Copy the lines you change into the [keys] table of your config.\n\
         # A key given to an action is taken away from the other actions of the same context.\n",
    );
    for (ctx, title) in [
        (Context::Normal, "Browsing"),
        (Context::Form, "In forms, editors and confirmations"),
    ] {
        out.push_str(&format!("\n# {title}\n"));
        for a in Action::ALL.iter().filter(|a| a.context() == ctx) {
            let keys = a
                .default_keys()
                .iter()
                .map(|k| format!("{:?}", k))
                .collect::<Vec<_>>()
                .join(", ");
            out.push_str(&format!("{} = [{keys}]  # {}\n", a.name(), a.help()));
        }
    }
    out
}

/// A key with its modifiers, as written in the config: `q`, `G`, `ctrl-c`, `alt-enter`, `f1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    /// The key as typed, with SHIFT folded into the character for printable keys.
    pub fn from_event(ev: &KeyEvent) -> Key {
        let mut mods =
            ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match ev.code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::Char(if mods.contains(KeyModifiers::CONTROL) {
                    c.to_ascii_lowercase()
                } else {
                    c
                })
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Key { code, mods }
    }

    pub fn parse(raw: &str) -> Result<Key, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("empty key".into());
        }
        let mut mods = KeyModifiers::NONE;
        let mut rest = raw;
        // A single character is the key itself, even "-".
        while rest.chars().count() > 1 {
            let lower = rest.to_ascii_lowercase();
            let (prefix, m) = if lower.starts_with("ctrl-") {
                ("ctrl-", KeyModifiers::CONTROL)
            } else if lower.starts_with("alt-") {
                ("alt-", KeyModifiers::ALT)
            } else if lower.starts_with("shift-") {
                ("shift-", KeyModifiers::SHIFT)
            } else {
                break;
            };
            mods |= m;
            rest = &rest[prefix.len()..];
        }
        let lower = rest.to_ascii_lowercase();
        let code = match lower.as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdn" => KeyCode::PageDown,
            "insert" => KeyCode::Insert,
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse::<u8>().unwrap_or(1))
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => {
                        let c = if mods.contains(KeyModifiers::SHIFT) {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        };
                        mods.remove(KeyModifiers::SHIFT);
                        KeyCode::Char(if mods.contains(KeyModifiers::CONTROL) {
                            c.to_ascii_lowercase()
                        } else {
                            c
                        })
                    }
                    _ => return Err(format!("unknown key {raw:?}")),
                }
            }
        };
        Ok(Key { code, mods })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("del"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// The live keymap.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: BTreeMap<Action, Vec<Key>>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = Action::ALL
            .iter()
            .map(|a| {
                (
                    *a,
                    a.default_keys()
                        .iter()
                        .filter_map(|k| Key::parse(k).ok())
                        .collect(),
                )
            })
            .collect();
        Keymap { bindings }
    }
}

impl Keymap {
    /// The defaults with the config's overrides applied. Returns the problems found (unknown
    /// actions or keys) so that they can be shown; the rest of the overrides still apply.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> (Keymap, Vec<String>) {
        let mut map = Keymap::default();
        let mut problems = Vec::new();
        for (name, keys) in overrides {
            let Some(action) = Action::ALL.iter().find(|a| a.name() == name) else {
                problems.push(format!("[keys] unknown action {name:?}"));
                continue;
            };
            let mut parsed = Vec::new();
            for k in keys {
                match Key::parse(k) {
                    Ok(key) => parsed.push(key),
                    Err(e) => problems.push(format!("[keys] {name}: {e}")),
                }
            }
            if parsed.is_empty() && !keys.is_empty() {
                // Only bad names: the action keeps its default keys rather than none.
                problems.push(format!(
                    "[keys] {name}: no valid key; keeping the default {}",
                    map.hint(*action)
                ));
                continue;
            }
            // A key taken by this action is released by the others of the same context.
            for (other, other_keys) in map.bindings.iter_mut() {
                if other.context() == action.context() && other != action {
                    other_keys.retain(|k| !parsed.contains(k));
                }
            }
            map.bindings.insert(*action, parsed);
        }
        (map, problems)
    }

    pub fn action(&self, ctx: Context, ev: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(ev);
        self.bindings
            .iter()
            .find(|(a, keys)| a.context() == ctx && keys.contains(&key))
            .map(|(a, _)| *a)
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        self.bindings.get(&action).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The first key of an action, for hints: `"e"`, or `"-"` when unbound.
    pub fn hint(&self, action: Action) -> String {
        self.keys(action)
            .first()
            .map(Key::to_string)
            .unwrap_or_else(|| "-".into())
    }

    /// `(keys, action name, help)` for every action, for the help screen.
    pub fn help_rows(&self) -> Vec<(String, &'static str, &'static str, Context)> {
        Action::ALL
            .iter()
            .map(|a| {
                let keys = self
                    .keys(*a)
                    .iter()
                    .map(Key::to_string)
                    .collect::<Vec<_>>()
                    .join(" ");
                (keys, a.name(), a.help(), a.context())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn parses_and_matches_keys() {
        let map = Keymap::default();
        assert_eq!(
            map.action(Context::Normal, &ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
        assert_eq!(
            map.action(
                Context::Normal,
                &ev(KeyCode::Char('c'), KeyModifiers::CONTROL)
            ),
            Some(Action::Quit)
        );
        assert_eq!(
            map.action(
                Context::Normal,
                &ev(KeyCode::Char('G'), KeyModifiers::SHIFT)
            ),
            Some(Action::Bottom)
        );
        assert_eq!(
            map.action(Context::Normal, &ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::PrevPane)
        );
        assert_eq!(
            map.action(Context::Form, &ev(KeyCode::Esc, KeyModifiers::NONE)),
            Some(Action::Cancel)
        );
        assert_eq!(Key::parse("shift-tab"), Key::parse("backtab"));
        assert!(Key::parse("hyper-q").is_err());
        assert_eq!(Key::parse("f5").map(|k| k.code), Ok(KeyCode::F(5)));
    }

    #[test]
    fn the_keymap_asset_is_the_actions_table() {
        let generated = defaults_toml();
        if std::env::var_os("CRMTUI_UPDATE_ASSETS").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/keymap.toml");
            std::fs::write(path, &generated).expect("write the asset");
            return;
        }
        assert_eq!(
            DEFAULT_KEYMAP, generated,
            "assets/keymap.toml is stale: run with CRMTUI_UPDATE_ASSETS=1"
        );
        // And it reads back as the defaults, with no problem.
        let table: BTreeMap<String, Vec<String>> =
            toml::from_str(DEFAULT_KEYMAP).expect("the asset is TOML");
        let (map, problems) = Keymap::with_overrides(&table);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(map.bindings, Keymap::default().bindings);
    }

    #[test]
    fn overrides_rebind_and_release() {
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), vec!["x".to_string()]);
        o.insert("nonsense".to_string(), vec!["y".to_string()]);
        let (map, problems) = Keymap::with_overrides(&o);
        assert_eq!(problems.len(), 1);
        assert_eq!(
            map.action(Context::Normal, &ev(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
        assert_eq!(
            map.action(Context::Normal, &ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(map.hint(Action::Quit), "x");
    }
}
