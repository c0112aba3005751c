//! The terminal: raw mode, alternate screen and bracketed paste on the way in; everything undone
//! on the way out — on quit, on error and on panic (the panic hook is chained, so the default
//! message still prints, on a restored terminal).

use std::io::{Stdout, stdout};

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

pub fn enter() -> std::io::Result<Term> {
    install_panic_hook();
    enable_raw_mode()?;
    if let Err(e) = execute!(stdout(), EnterAlternateScreen, EnableBracketedPaste) {
        restore();
        return Err(e);
    }
    let mut term = Terminal::new(CrosstermBackend::new(stdout()))?;
    term.hide_cursor()?;
    term.clear()?;
    Ok(term)
}

/// Puts the terminal back; safe to call more than once.
pub fn restore() {
    let _ = execute!(
        stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        tracing::error!(panic = %info, "panic");
        previous(info);
    }));
}

/// A frame drawn between synchronized-update marks, so that it never tears over slow links.
pub fn draw(term: &mut Term, f: impl FnOnce(&mut ratatui::Frame)) -> std::io::Result<()> {
    use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
    execute!(term.backend_mut(), BeginSynchronizedUpdate)?;
    let result = term.draw(f).map(drop);
    execute!(term.backend_mut(), EndSynchronizedUpdate)?;
    result
}
