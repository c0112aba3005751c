//! Styles. The terminal's own foreground and background are never overridden, so the UI reads
//! on light and dark terminals alike; colour is used sparingly, and not at all under `NO_COLOR`
//! or `theme = "mono"`.
//!
//! The themes are files in `assets/themes/`, embedded in the binary (`crmtui config --defaults`
//! prints them).

use std::str::FromStr as _;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// The built-in themes: name and file.
pub const THEMES: &[(&str, &str)] = &[
    ("dark", include_str!("../../assets/themes/dark.toml")),
    ("light", include_str!("../../assets/themes/light.toml")),
    ("mono", include_str!("../../assets/themes/mono.toml")),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub mono: bool,
    /// Accent colour (titles of the focused pane, the spinner).
    accent: Color,
    error: Color,
    warn: Color,
    ok: Color,
    open: Color,
    closed: Color,
}

/// A theme file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    mono: bool,
    accent: String,
    error: String,
    warn: String,
    ok: String,
    open: String,
    closed: String,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::named("dark").unwrap_or(Theme {
            mono: false,
            accent: Color::Cyan,
            error: Color::Red,
            warn: Color::Yellow,
            ok: Color::Green,
            open: Color::Green,
            closed: Color::Red,
        })
    }
}

impl Theme {
    /// From the config's `theme` and the environment's `NO_COLOR`.
    pub fn pick(name: Option<&str>, no_color: bool) -> Theme {
        match name {
            _ if no_color => Theme::mono(),
            Some(n) => Theme::named(n).unwrap_or_default(),
            None => Theme::default(),
        }
    }

    /// A built-in theme by name (`auto` is `dark`).
    pub fn named(name: &str) -> Option<Theme> {
        let name = if name == "auto" { "dark" } else { name };
        let (_, text) = THEMES.iter().find(|(n, _)| *n == name)?;
        Theme::parse(text).ok()
    }

    /// A theme file's text.
    pub fn parse(text: &str) -> Result<Theme, String> {
        let f: ThemeFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let color = |s: &str| Color::from_str(s).map_err(|_| format!("unknown colour {s:?}"));
        Ok(Theme {
            mono: f.mono,
            accent: color(&f.accent)?,
            error: color(&f.error)?,
            warn: color(&f.warn)?,
            ok: color(&f.ok)?,
            open: color(&f.open)?,
            closed: color(&f.closed)?,
        })
    }

    pub fn mono() -> Theme {
        Theme::named("mono").unwrap_or(Theme {
            mono: true,
            accent: Color::Reset,
            error: Color::Reset,
            warn: Color::Reset,
            ok: Color::Reset,
            open: Color::Reset,
            closed: Color::Reset,
        })
    }

    fn fg(&self, c: Color) -> Style {
        if self.mono {
            Style::new()
        } else {
            Style::new().fg(c)
        }
    }

    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn accent(&self) -> Style {
        self.fg(self.accent).add_modifier(Modifier::BOLD)
    }
    pub fn dim(&self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    pub fn selected_unfocused(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
    pub fn border(&self, focused: bool) -> Style {
        if focused { self.accent() } else { self.dim() }
    }
    pub fn error(&self) -> Style {
        self.fg(self.error).add_modifier(Modifier::BOLD)
    }
    pub fn warn(&self) -> Style {
        self.fg(self.warn).add_modifier(Modifier::BOLD)
    }
    pub fn ok(&self) -> Style {
        self.fg(self.ok)
    }
    pub fn key(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn open(&self) -> Style {
        self.fg(self.open)
    }
    pub fn closed(&self) -> Style {
        self.fg(self.closed).add_modifier(Modifier::DIM)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_parses_and_keeps_the_old_colours() {
        for (name, text) in THEMES {
            assert!(
                Theme::parse(text).is_ok(),
                "{name}: {:?}",
                Theme::parse(text)
            );
        }
        let dark = Theme::pick(None, false);
        assert_eq!((dark.mono, dark.accent), (false, Color::Cyan));
        assert_eq!(Theme::pick(Some("light"), false).accent, Color::Blue);
        assert!(Theme::pick(Some("light"), true).mono, "NO_COLOR wins");
        assert!(Theme::pick(Some("mono"), false).mono);
        assert_eq!(Theme::pick(Some("nonsense"), false), dark);
        assert!(Theme::parse("mono = false\naccent = \"nope\"").is_err());
    }
}
