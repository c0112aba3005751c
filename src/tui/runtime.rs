//! The event loop: one `tokio::select!` over terminal events, answers from the worker, ticks and
//! signals. Answers that arrive together are handled together, a frame is drawn only when the
//! state changed, and the layout a frame used is fed back into the app (drawing itself changes
//! nothing).

use std::time::{Duration, Instant};

use anyhow::anyhow;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::app::App;
use super::msg::{Effect, Msg, Request};
use super::{clipboard, editor, terminal, ui};

/// The external editor running on a blocking thread, the TUI suspended meanwhile.
type EditorJob = tokio::task::JoinHandle<Result<String, String>>;

/// Runs until the app quits, the terminal closes or a stop signal comes.
pub async fn event_loop(
    term: &mut terminal::Term,
    app: &mut App,
    mut msgs: UnboundedReceiver<Msg>,
    requests: UnboundedSender<Request>,
    started: Instant,
) -> anyhow::Result<()> {
    // `None` while the external editor has the terminal: crossterm's reader would take its keys.
    let mut events = Some(EventStream::new());
    let mut editing: Option<EditorJob> = None;
    // Answers of the effects that run in the background (the opener).
    let (fx_tx, mut fx_rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut stop = stop_signal();
    let mut interrupt = interrupt_signal();
    let mut first_data_logged = false;
    // When the oldest key not yet on screen arrived: key-to-frame latency, logged at debug.
    let mut key_at: Option<Instant> = None;
    loop {
        if app.dirty && editing.is_none() {
            let mut layout = ui::ScreenLayout::default();
            terminal::draw(term, |f| layout = ui::draw(f, app))?;
            app.on_layout(&layout);
            app.dirty = false;
            if let Some(at) = key_at.take() {
                tracing::debug!(target: "crmtui::latency", us = at.elapsed().as_micros() as u64, "key to frame");
            }
            if let Some((what, took)) = app.take_timed_frame() {
                tracing::info!(
                    target: "crmtui::latency",
                    ms = took.as_secs_f64() * 1000.0,
                    what,
                    "switch to frame"
                );
            }
            if !first_data_logged && app.window().total().is_some() {
                first_data_logged = true;
                tracing::info!(
                    target: "crmtui::latency",
                    ms = started.elapsed().as_secs_f64() * 1000.0,
                    rows = app.total(),
                    "first frame with data"
                );
            }
        }
        for r in app.take_cmds() {
            let _ = requests.send(r);
        }
        run_effects(term, app, &mut events, &mut editing, &fx_tx)?;
        if app.quit {
            return Ok(());
        }
        tokio::select! {
            Some(msg) = msgs.recv() => {
                app.on_msg(msg);
                while let Ok(msg) = msgs.try_recv() {
                    app.on_msg(msg);
                }
            }
            done = editor_done(&mut editing) => {
                editing = None;
                terminal::resume(term)?;
                events = Some(EventStream::new());
                let result = done.unwrap_or_else(|e| Err(format!("the editor crashed: {e}")));
                app.on_msg(Msg::Edited(result));
                app.dirty = true;
            }
            Some(msg) = fx_rx.recv() => app.on_msg(msg),
            ev = next_event(&mut events) => match ev {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    let now = Instant::now();
                    key_at.get_or_insert(now);
                    app.on_key(key, now);
                }
                Some(Ok(Event::Paste(text))) => app.on_paste(&text),
                Some(Ok(Event::Resize(_, _))) => app.on_resize(),
                Some(Ok(Event::Mouse(m))) => app.on_mouse(m),
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::error!(error = %e, "terminal input failed");
                    return Err(anyhow!("terminal input failed: {e}"));
                }
                None => return Ok(()),
            },
            _ = tick.tick() => app.on_tick(Instant::now()),
            _ = &mut stop => app.quit = true,
            // In raw mode ctrl-c is a key; a SIGINT comes from `kill`, or from ctrl-c while the
            // external editor has the terminal: that one is the editor's, not ours.
            _ = next_interrupt(&mut interrupt) => {
                if editing.is_none() {
                    app.quit = true;
                }
            }
        }
    }
}

/// Carries out what the app asked of the terminal or the desktop: copy, open, edit.
fn run_effects(
    term: &mut terminal::Term,
    app: &mut App,
    events: &mut Option<EventStream>,
    editing: &mut Option<EditorJob>,
    fx_tx: &tokio::sync::mpsc::UnboundedSender<Msg>,
) -> anyhow::Result<()> {
    for effect in app.take_effects() {
        match effect {
            Effect::Copy(text) => {
                if let Err(e) = copy(term, &text) {
                    app.on_msg(Msg::Warn(format!("cannot copy: {e}")));
                }
            }
            Effect::Open(url) => {
                let tx = fx_tx.clone();
                tokio::task::spawn_blocking(move || {
                    if let Err(e) = open(&url) {
                        let _ = tx.send(Msg::Warn(e));
                    }
                });
            }
            Effect::Edit(text) if editing.is_none() => {
                *events = None;
                match terminal::suspend(term) {
                    Ok(()) => {
                        *editing = Some(tokio::task::spawn_blocking(move || editor::edit(&text)));
                    }
                    Err(e) => {
                        terminal::resume(term)?;
                        *events = Some(EventStream::new());
                        app.on_msg(Msg::Edited(Err(format!(
                            "cannot hand the terminal to the editor: {e}"
                        ))));
                    }
                }
            }
            Effect::Edit(_) => {}
        }
    }
    Ok(())
}

/// The next terminal event; never, while the editor has the terminal.
async fn next_event(events: &mut Option<EventStream>) -> Option<std::io::Result<Event>> {
    match events.as_mut() {
        Some(stream) => stream.next().await,
        None => std::future::pending().await,
    }
}

/// The external editor's result once it exits; never, when none runs.
async fn editor_done(
    job: &mut Option<EditorJob>,
) -> Result<Result<String, String>, tokio::task::JoinError> {
    match job.as_mut() {
        Some(handle) => handle.await,
        None => std::future::pending().await,
    }
}

/// Writes the clipboard escape straight to the terminal (wrapped when inside tmux).
fn copy(term: &mut terminal::Term, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let out = term.backend_mut();
    out.write_all(clipboard::osc52(text, clipboard::in_tmux()).as_bytes())?;
    out.flush()
}

/// Runs the desktop opener on `url` (on a blocking thread) and waits for its verdict.
fn open(url: &str) -> Result<(), String> {
    use std::process::{Command, Stdio};
    let program = clipboard::opener();
    // Its own output would be drawn over the TUI.
    let status = Command::new(program)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} could not open it ({status})"))
    }
}

#[cfg(unix)]
type Interrupt = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Interrupt = Option<()>;

fn interrupt_signal() -> Interrupt {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        signal(SignalKind::interrupt()).ok()
    }
    #[cfg(not(unix))]
    None
}

async fn next_interrupt(sig: &mut Interrupt) {
    #[cfg(unix)]
    if let Some(s) = sig.as_mut()
        && s.recv().await.is_some()
    {
        return;
    }
    let _ = sig;
    std::future::pending::<()>().await;
}

/// SIGTERM or SIGHUP (the SSH connection dropped): quit cleanly.
fn stop_signal() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) {
            (Ok(mut term), Ok(mut hup)) => Box::pin(async move {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = hup.recv() => {}
                }
            }),
            _ => Box::pin(std::future::pending()),
        }
    }
    #[cfg(not(unix))]
    Box::pin(std::future::pending())
}
