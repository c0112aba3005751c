//! The terminal: raw mode, alternate screen and bracketed paste on the way in; everything undone
//! on the way out — on quit, on error and on panic (the panic hook is chained, so the default
//! message still prints, on a restored terminal). Only a panic on the UI thread restores: a
//! worker task that panics is reported as a failed request while the UI keeps running.

use std::io::{Stdout, stdout};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::ThreadId;

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// The thread that owns the terminal; panics elsewhere must not tear it down under the UI.
static UI_THREAD: OnceLock<ThreadId> = OnceLock::new();
/// The TUI owns the screen: other threads' panic messages would be drawn over it.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Mouse capture is on (`[ui] mouse`): to be turned off again on the way out.
static MOUSE: AtomicBool = AtomicBool::new(false);

/// Takes the terminal; `mouse`: capture the mouse too.
pub fn enter(mouse: bool) -> std::io::Result<Term> {
    MOUSE.store(mouse, Ordering::SeqCst);
    let _ = UI_THREAD.set(std::thread::current().id());
    install_panic_hook();
    enable_raw_mode()?;
    // Any failure from here on must not leave raw mode or the alternate screen behind.
    setup().inspect_err(|_| restore())
}

fn setup() -> std::io::Result<Term> {
    execute!(stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
    if MOUSE.load(Ordering::SeqCst) {
        execute!(stdout(), EnableMouseCapture)?;
    }
    let mut term = Terminal::new(CrosstermBackend::new(stdout()))?;
    term.hide_cursor()?;
    term.clear()?;
    ACTIVE.store(true, Ordering::SeqCst);
    Ok(term)
}

/// Puts the terminal back and lets go of it. ratatui's `Terminal` prints to stderr from its
/// `Drop` when it cannot show the cursor, and that print panics once the terminal is gone (a
/// closed window, a dropped SSH link): so show the cursor here, and skip the drop if that fails.
pub fn leave(mut term: Term) {
    let shown = term.show_cursor().is_ok();
    restore();
    if !shown {
        std::mem::forget(term);
    }
}

/// Hands the terminal to another program (the external editor): the shell's screen, cooked
/// mode, a visible cursor. [`resume`] takes it back.
pub fn suspend(term: &mut Term) -> std::io::Result<()> {
    ACTIVE.store(false, Ordering::SeqCst);
    if MOUSE.load(Ordering::SeqCst) {
        execute!(term.backend_mut(), DisableMouseCapture)?;
    }
    execute!(
        term.backend_mut(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    )?;
    disable_raw_mode()
}

/// Takes the terminal back after [`suspend`], and makes the next frame redraw everything.
pub fn resume(term: &mut Term) -> std::io::Result<()> {
    enable_raw_mode()?;
    execute!(
        term.backend_mut(),
        EnterAlternateScreen,
        EnableBracketedPaste
    )?;
    term.hide_cursor()?;
    // Not `term.clear()`: it asks the terminal for the cursor position, an answer that can
    // be lost while input changes hands. A blank screen and two blank buffers redraw it all.
    execute!(
        term.backend_mut(),
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
    )?;
    term.swap_buffers();
    term.swap_buffers();
    ACTIVE.store(true, Ordering::SeqCst);
    Ok(())
}

/// Puts the terminal back; safe to call more than once.
pub fn restore() {
    ACTIVE.store(false, Ordering::SeqCst);
    if MOUSE.load(Ordering::SeqCst) {
        let _ = execute!(stdout(), DisableMouseCapture);
    }
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
        let ui = UI_THREAD.get() == Some(&std::thread::current().id());
        if ui {
            restore();
        }
        tracing::error!(panic = %info, "panic");
        if ui || !ACTIVE.load(Ordering::SeqCst) {
            previous(info);
        }
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
