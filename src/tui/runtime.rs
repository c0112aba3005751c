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
use super::msg::{Msg, Request};
use super::{terminal, ui};

/// Runs until the app quits, the terminal closes or a stop signal comes.
pub async fn event_loop(
    term: &mut terminal::Term,
    app: &mut App,
    mut msgs: UnboundedReceiver<Msg>,
    requests: UnboundedSender<Request>,
    started: Instant,
) -> anyhow::Result<()> {
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut stop = stop_signal();
    let mut first_data_logged = false;
    // When the oldest key not yet on screen arrived: key-to-frame latency, logged at debug.
    let mut key_at: Option<Instant> = None;
    loop {
        if app.dirty {
            let mut layout = ui::ScreenLayout::default();
            terminal::draw(term, |f| layout = ui::draw(f, app))?;
            app.on_layout(&layout);
            app.dirty = false;
            if let Some(at) = key_at.take() {
                tracing::debug!(target: "crmtui::latency", us = at.elapsed().as_micros() as u64, "key to frame");
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
            ev = events.next() => match ev {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    let now = Instant::now();
                    key_at.get_or_insert(now);
                    app.on_key(key, now);
                }
                Some(Ok(Event::Paste(text))) => app.on_paste(&text),
                Some(Ok(Event::Resize(_, _))) => app.on_resize(),
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::error!(error = %e, "terminal input failed");
                    return Err(anyhow!("terminal input failed: {e}"));
                }
                None => return Ok(()),
            },
            _ = tick.tick() => app.on_tick(Instant::now()),
            _ = &mut stop => app.quit = true,
        }
    }
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
