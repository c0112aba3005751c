//! Styles. The terminal's own foreground and background are never overridden, so the UI reads
//! on light and dark terminals alike; colour is used sparingly, and not at all under `NO_COLOR`
//! or `theme = "mono"`.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub mono: bool,
    /// Accent colour (titles of the focused pane, the spinner).
    accent: Color,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            mono: false,
            accent: Color::Cyan,
        }
    }
}

impl Theme {
    /// From the config's `theme` and the environment's `NO_COLOR`.
    pub fn pick(name: Option<&str>, no_color: bool) -> Theme {
        match name {
            _ if no_color => Theme::mono(),
            Some("mono") => Theme::mono(),
            Some("light") => Theme {
                mono: false,
                accent: Color::Blue,
            },
            _ => Theme::default(),
        }
    }

    pub fn mono() -> Theme {
        Theme {
            mono: true,
            accent: Color::Reset,
        }
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
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn key(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn open(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn closed(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::DIM)
    }
}
