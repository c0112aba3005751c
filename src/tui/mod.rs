//! The terminal UI: account triage in list, detail and comment panes.
//!
//! `run` draws a first frame at once and starts the session in a task (the embedded core, or a
//! remote server with the stored session); from then on one `tokio::select!` loop takes terminal
//! events, answers from the network and ticks, and draws when they are handled. All state lives
//! in [`app::App`]; all network and disk work runs in [`worker`] tasks, and log lines are
//! written to disk by a thread of their own.

pub mod app;
pub mod form;
pub mod keymap;
pub mod sanitize;
pub mod terminal;
pub mod theme;
pub mod ui;
pub mod window;
pub mod worker;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use uuid::Uuid;

use crate::cli::TuiArgs;
use crate::client::{self, Client, Timeouts, Tokens, session};
use crate::config::Config;
use crate::signin::{self, Probe};
use app::{App, Msg, Ready, Request};
use keymap::Keymap;
use theme::Theme;

/// Rows fetched per request unless the config says otherwise.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// Accounts in the `--demo` workspace.
pub const DEMO_ACCOUNTS: usize = 2000;

/// The configured page size, clamped to 10..=1000 (with a note when it had to be).
pub fn page_size(configured: Option<i64>, notes: &mut Vec<String>) -> usize {
    let Some(n) = configured else {
        return DEFAULT_PAGE_SIZE;
    };
    let clamped = n.clamp(10, 1000);
    if clamped != n {
        notes.push(format!(
            "page_size {n} is outside 10..1000; using {clamped}"
        ));
    }
    clamped as usize
}

pub fn timeouts(config: &Config) -> Timeouts {
    let mut t = Timeouts::default();
    if let Some(s) = config.connect_timeout_secs {
        t.connect = Duration::from_secs(s.max(1));
    }
    if let Some(s) = config.request_timeout_secs {
        t.request = Duration::from_secs(s.max(1));
    }
    t
}

/// Log lines go through a bounded channel to a writer thread, so a tracing call on the UI thread
/// never waits for the disk. When the disk falls behind, lines are dropped rather than waited on.
enum LogMsg {
    Line(Vec<u8>),
    /// Answered once every line before it is written (see [`flush_logs`]).
    Flush(std::sync::mpsc::SyncSender<()>),
}

struct LogSink(std::sync::mpsc::SyncSender<LogMsg>);

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = self.0.try_send(LogMsg::Line(buf.to_vec()));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static LOG_SENDER: std::sync::OnceLock<std::sync::mpsc::SyncSender<LogMsg>> =
    std::sync::OnceLock::new();

/// Waits (briefly) until the log lines sent so far are on disk; called on the way out, where
/// the writer thread would otherwise be cut off with lines still queued.
pub fn flush_logs() {
    if let Some(tx) = LOG_SENDER.get() {
        let (ack_tx, ack_rx) = std::sync::mpsc::sync_channel(1);
        if tx.try_send(LogMsg::Flush(ack_tx)).is_ok() {
            let _ = ack_rx.recv_timeout(Duration::from_secs(1));
        }
    }
}

/// Logs go to `crmtui.log` in the XDG state dir, never to the terminal, written by a thread of
/// their own (see [`LogSink`]). Returns the path.
pub fn init_file_logging() -> Option<PathBuf> {
    let dir = crate::config::default_state_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("crmtui.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,hyper=warn,reqwest=warn,tower_http=warn")
    });
    let (tx, rx) = std::sync::mpsc::sync_channel::<LogMsg>(4096);
    let sink = tx.clone();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(move || LogSink(sink.clone()))
        .try_init()
        .ok()?;
    let _ = LOG_SENDER.set(tx);
    std::thread::Builder::new()
        .name("log-writer".into())
        .spawn(move || {
            use std::io::Write;
            let mut file = file;
            for msg in rx {
                match msg {
                    LogMsg::Line(line) => {
                        let _ = file.write_all(&line);
                    }
                    LogMsg::Flush(ack) => {
                        let _ = ack.try_send(());
                    }
                }
            }
        })
        .ok()?;
    Some(path)
}

fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

pub async fn run(args: TuiArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    client::install_crypto_provider();
    let config = Config::load(args.config.as_deref())?;
    if !std::io::stdout().is_terminal() {
        bail!("the TUI needs a terminal (see `crmtui --help` for the commands)");
    }
    init_file_logging();
    let (keymap, mut notes) = Keymap::with_overrides(&config.keys);
    if let Some(t) = &config.theme
        && !matches!(t.as_str(), "auto" | "dark" | "light" | "mono")
    {
        notes.push(format!(
            "theme {t:?} is unknown; use auto, dark, light or mono"
        ));
    }
    let theme = Theme::pick(config.theme.as_deref(), no_color());
    let page_size = page_size(config.page_size.map(|n| n as i64), &mut notes);
    let mut app = App::new(keymap, theme, page_size);

    let demo_dir = args
        .demo
        .then(|| std::env::temp_dir().join(format!("crmtui-demo-{}", std::process::id())));
    let (msg_tx, msg_rx) = unbounded_channel();
    let (req_tx, req_rx) = unbounded_channel();
    let boot = tokio::spawn(start_session(
        args,
        config,
        notes,
        demo_dir.clone(),
        msg_tx,
        req_rx,
    ));

    let mut term = terminal::enter().context("cannot set up the terminal")?;
    let result = event_loop(&mut term, &mut app, msg_rx, req_tx, started).await;
    terminal::leave(term);
    boot.abort();
    if let Some(dir) = demo_dir {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

async fn event_loop(
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
            terminal::draw(term, |f| ui::draw(f, app))?;
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

/// Starts the session (embedded core or remote), tells the app, then serves its requests.
async fn start_session(
    args: TuiArgs,
    config: Config,
    notes: Vec<String>,
    demo_dir: Option<PathBuf>,
    msgs: UnboundedSender<Msg>,
    requests: UnboundedReceiver<Request>,
) {
    let server = args.server.clone().or_else(|| {
        if args.demo {
            None
        } else {
            config.server.clone()
        }
    });
    let started = match server {
        Some(url) => remote(&url, &args, &config, notes, msgs.clone()).await,
        None => embedded(&args, &config, notes, demo_dir).await,
    };
    match started {
        Ok((client, ready, on_sign_in, core)) => {
            let _ = msgs.send(Msg::Ready(Box::new(ready)));
            worker::run(client, requests, msgs, on_sign_in).await;
            drop(core);
        }
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "cannot start");
            let _ = msgs.send(Msg::BootFailed(format!("{e:#}")));
        }
    }
}

type Started = (
    Client,
    Ready,
    Option<worker::OnSignIn>,
    Option<crate::server::Core>,
);

async fn embedded(
    args: &TuiArgs,
    config: &Config,
    notes: Vec<String>,
    demo_dir: Option<PathBuf>,
) -> anyhow::Result<Started> {
    use crate::server::{Core, Settings};
    let demo = demo_dir.is_some();
    let mut notes = notes;
    if let Some(raw) = args.org.as_deref().map(str::trim) {
        Uuid::parse_str(raw).map_err(|_| anyhow!("the org id {raw:?} is not a UUID"))?;
        notes.push("--org is ignored for the local workspace (it has one org)".into());
    }
    let data_dir = match demo_dir {
        Some(d) => d,
        None => crate::server::cli::resolve_data_dir(args.data_dir.clone(), config)?,
    };
    let settings = Settings::from_config(
        config,
        crate::server::store::Location::Sqlite(data_dir.clone()),
    )
    .embedded();
    let org_name = if demo { "Demo" } else { "Local" };
    let (core, session) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let core = Core::open(settings)
            .with_context(|| format!("cannot open the workspace in {}", data_dir.display()))?;
        if demo {
            core.seed_demo("Demo", DEMO_ACCOUNTS)
                .map_err(|e| anyhow!("cannot fill the demo workspace: {e}"))?;
        }
        let session = core
            .local_session(org_name, "you@localhost")
            .map_err(|e| anyhow!("cannot sign in to the local workspace: {e}"))?;
        Ok((core, session))
    })
    .await??;
    let (addr, _handle) = core.spawn("127.0.0.1:0".parse()?).await?;
    tracing::info!(%addr, "embedded core listening");
    let tokens = Tokens {
        access: session.access_token.clone(),
        refresh: Some(session.refresh_token.clone()),
    };
    let client = Client::new(
        &format!("http://{addr}/"),
        Some(session.org_id),
        Some(tokens),
        timeouts(config),
    )?;
    let ready = Ready {
        server: if demo {
            "demo workspace".into()
        } else {
            "local workspace".into()
        },
        org_name: Some(org_name.into()),
        user: Some((session.user_id, "you@localhost".into())),
        admin: true,
        needs_sign_in: false,
        notes,
    };
    Ok((client, ready, None, Some(core)))
}

async fn remote(
    url: &str,
    args: &TuiArgs,
    config: &Config,
    mut notes: Vec<String>,
    msgs: UnboundedSender<Msg>,
) -> anyhow::Result<Started> {
    let base = client::parse_server_url(url)?;
    let server_key = base.to_string();
    let org_raw = args.org.clone().or_else(|| config.org.clone());
    let org = match org_raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => {
            Some(Uuid::parse_str(raw).map_err(|_| anyhow!("the org id {raw:?} is not a UUID"))?)
        }
        None => None,
    };
    let file = session::insecure_file_path().filter(|p| p.exists());
    let env_token = std::env::var("CRMTUI_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty());
    let (tokens, from_env) = match env_token {
        Some(t) => (
            Some(Tokens {
                access: t.trim().to_string(),
                refresh: None,
            }),
            true,
        ),
        None => {
            let (k, f) = (server_key.clone(), file.clone());
            let found = tokio::task::spawn_blocking(move || session::load(&k, f.as_deref()))
                .await
                .ok()
                .flatten();
            if let Some((_, session::Store::File(p))) = &found {
                notes.push(format!(
                    "session read from the unencrypted file {}",
                    p.display()
                ));
            }
            (found.map(|(t, _)| t), false)
        }
    };
    let needs_sign_in = tokens.is_none();
    let save_to = file.clone();
    let key = server_key.clone();
    let status = msgs.clone();
    let sink: client::TokenSink = Arc::new(move |t: &Tokens| {
        let (k, t, f, msgs) = (key.clone(), t.clone(), save_to.clone(), msgs.clone());
        tokio::task::spawn_blocking(move || {
            if let Err(e) = session::save(&k, &t, f.as_deref()) {
                tracing::warn!(error = %e, "cannot keep the refreshed session");
                // The session works now but will not survive a restart: the user should know.
                let _ = msgs.send(Msg::Warn(format!(
                    "the new session could not be stored ({e}); sign in again after a restart"
                )));
            }
        });
    });
    let mut client = Client::new(base.as_str(), org, tokens, timeouts(config))?;
    if !from_env {
        client = client.with_refresh_sink(sink.clone());
    }
    let on_sign_in: worker::OnSignIn = Arc::new(move |c: &Client| {
        if let Some(t) = c.tokens() {
            sink(&t);
        }
    });
    let label = match (base.host_str(), base.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => base.to_string(),
    };
    let mut ready = Ready {
        server: label,
        org_name: None,
        user: None,
        admin: false,
        needs_sign_in,
        notes,
    };
    // Ask the server before asking for a password: an unreachable server is shown as offline
    // (and tried again), and one that is no CRM (or refuses the org) is an error, not a sign-in.
    loop {
        match signin::probe(&client).await {
            Ok(Some(p)) => {
                ready.org_name = Some(p.org.name.clone());
                ready.user = Some((p.user.id, p.user.email.clone()));
                ready.admin = p.org.role == crate::model::Role::Admin;
                break;
            }
            Ok(None) => break,
            Err(Probe::Offline(e)) => {
                let _ = status.send(Msg::Offline(format!("{label}: {e}", label = ready.server)));
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
            Err(Probe::Refused(e)) => bail!(e),
        }
    }
    Ok((client, ready, Some(on_sign_in), None))
}
