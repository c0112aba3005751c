//! Start-up: read the config, set up the terminal, draw a first frame at once, and start the
//! session in a task (the embedded core, or a remote server with the stored session). The
//! session task tells the app when it is [`Ready`] and then serves its requests ([`worker`]).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use uuid::Uuid;

use super::app::App;
use super::keymap::Keymap;
use super::msg::{Msg, Ready, Request};
use super::offline::{self, OfflineCache};
use super::theme::Theme;
use super::{clipboard, runtime, terminal, ui_state, worker};
use crate::cli::TuiArgs;
use crate::client::{self, Client, Timeouts, Tokens, session};
use crate::config::{ClipboardMode, Config};
use crate::logging::init_file_logging;
use crate::signin::{Probe, probe};

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

fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

pub async fn run(args: TuiArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    client::install_crypto_provider();
    let base_config = Config::load(args.config.as_deref())?;
    if !std::io::stdout().is_terminal() {
        bail!("the TUI needs a terminal (see `crmtui --help` for the commands)");
    }
    init_file_logging();
    let mut args = args;
    // One terminal for every profile `:ctx` switches to.
    let mut term: Option<terminal::Term> = None;
    loop {
        let config = match &args.profile {
            Some(p) => base_config.for_profile(p).map_err(|e| anyhow!(e))?,
            None => base_config.clone(),
        };
        let mut app = new_app(&args, &config);
        app.profiles = base_config.profile_names();
        app.profile = args.profile.clone();
        let saved_screen = ui_state_path(&args, &config);
        let mut notes = std::mem::take(&mut app.boot_notes);
        // The screen of the last run in this workspace (a demo is thrown away: nothing kept).
        if let Some(path) = &saved_screen {
            match ui_state::load(path) {
                Ok(Some(state)) => app.restore_later(state),
                Ok(None) => {}
                Err(why) => notes.push(why),
            }
        }
        let demo_dir = args
            .demo
            .then(|| std::env::temp_dir().join(format!("crmtui-demo-{}", std::process::id())));
        let (msg_tx, msg_rx) = unbounded_channel();
        let (req_tx, req_rx) = unbounded_channel();
        let boot = tokio::spawn(start_session(
            args.clone(),
            config,
            notes,
            demo_dir.clone(),
            msg_tx,
            req_rx,
        ));
        if term.is_none() {
            term = Some(terminal::enter(app.mouse).context("cannot set up the terminal")?);
        }
        let Some(t) = term.as_mut() else {
            bail!("cannot set up the terminal");
        };
        let result = runtime::event_loop(t, &mut app, msg_rx, req_tx, started).await;
        boot.abort();
        if let Some(path) = saved_screen
            && let Err(e) = ui_state::save(&path, &app.ui_state())
        {
            tracing::warn!(error = %e, path = %path.display(), "cannot keep the screen for next time");
        }
        if let Some(dir) = demo_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        match (result, app.switch_to.take()) {
            (Ok(()), Some(name)) => {
                tracing::info!(profile = %name, "switching profile");
                args.profile = Some(name);
                args.server = None;
                args.demo = false;
            }
            (result, _) => {
                if let Some(t) = term.take() {
                    terminal::leave(t);
                }
                return result;
            }
        }
    }
}

/// The app for a run: keys, theme and how it talks to the terminal, from the config; the
/// config's problems wait in `boot_notes`.
fn new_app(args: &TuiArgs, config: &Config) -> App {
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
    app.read_only = args.read_only || config.ui.read_only;
    app.clipboard = config.ui.clipboard == ClipboardMode::Osc52;
    app.mouse = config.ui.mouse;
    app.desktop = clipboard::has_local_display(|k| std::env::var(k).ok());
    app.boot_notes = notes;
    app
}

/// Where this workspace's screen is kept between runs: per server and org, or per local data
/// dir; `None` for a demo.
fn ui_state_path(args: &TuiArgs, config: &Config) -> Option<PathBuf> {
    if args.demo {
        return None;
    }
    let dir = crate::config::default_state_dir()?;
    let server = args.server.clone().or_else(|| config.server.clone());
    let key = match server {
        Some(url) => format!(
            "{url} {}",
            args.org
                .clone()
                .or_else(|| config.org.clone())
                .unwrap_or_default()
        ),
        None => format!(
            "local {}",
            args.data_dir
                .as_ref()
                .map(|d| d.display().to_string())
                .unwrap_or_default()
        ),
    };
    Some(ui_state::path_in(&dir, &key))
}

/// Starts the session (embedded core or remote), tells the app, then serves its requests.
async fn start_session(
    args: TuiArgs,
    config: Config,
    notes: Vec<String>,
    demo_dir: Option<PathBuf>,
    msgs: UnboundedSender<Msg>,
    mut requests: UnboundedReceiver<Request>,
) {
    let server = args.server.clone().or_else(|| {
        if args.demo {
            None
        } else {
            config.server.clone()
        }
    });
    // Only a remote server's answers are kept: the local workspace is on this disk already.
    let cache = server
        .as_deref()
        .and_then(|url| offline_cache(url, &args, &config));
    let started = match server {
        Some(url) => {
            let offline = Offline {
                cache: cache.clone(),
                requests: &mut requests,
            };
            remote(&url, &args, &config, notes, msgs.clone(), offline).await
        }
        None => embedded(&args, &config, notes, demo_dir).await,
    };
    match started {
        Ok((client, ready, on_sign_in, core)) => {
            let _ = msgs.send(Msg::Ready(Box::new(ready)));
            let read_only = args.read_only || config.ui.read_only;
            worker::run(client, requests, msgs, on_sign_in, read_only, cache).await;
            drop(core);
        }
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "cannot start");
            let _ = msgs.send(Msg::BootFailed(format!("{e:#}")));
        }
    }
}

/// The offline cache of a remote workspace, keyed by profile, server and org so that two CRMs
/// (or two orgs of one) never mix; `None` when it is turned off or there is no cache dir.
fn offline_cache(url: &str, args: &TuiArgs, config: &Config) -> Option<Arc<OfflineCache>> {
    let max_mb = config.ui.offline_cache_mb;
    let max_bytes = max_mb.map_or(offline::store::DEFAULT_MAX_BYTES, |mb| {
        mb.saturating_mul(1024 * 1024)
    });
    if max_bytes == 0 {
        return None;
    }
    let root = crate::config::default_cache_dir()?.join("offline");
    let org = args.org.clone().or_else(|| config.org.clone());
    let workspace = format!(
        "{} {} {}",
        args.profile.as_deref().unwrap_or("-"),
        url.trim(),
        org.as_deref().map(str::trim).unwrap_or("-")
    );
    Some(Arc::new(OfflineCache::new(&root, &workspace, max_bytes)))
}

/// What the start-up needs to open on the offline cache while the server does not answer.
struct Offline<'a> {
    cache: Option<Arc<OfflineCache>>,
    requests: &'a mut UnboundedReceiver<Request>,
}

type Started = (
    Client,
    Ready,
    Option<worker::OnSignIn>,
    Option<crate::server::Core>,
);

/// Opens the local workspace's core in this process, and a client on it signed in as the
/// workspace's one user. For the scriptable CLI (the TUI also does this, in `embedded`).
pub async fn open_local(
    config: &Config,
    data_dir: Option<PathBuf>,
) -> anyhow::Result<(Client, crate::server::Core)> {
    let data_dir = crate::server::cli::resolve_data_dir(data_dir, config)?;
    let (client, core, _) = start_core(config, data_dir, false, "Local").await?;
    Ok((client, core))
}

/// The embedded core on `data_dir` (filled with demo data if `demo`), served on a loopback
/// port, and a client signed in to its org `org_name`.
async fn start_core(
    config: &Config,
    data_dir: PathBuf,
    demo: bool,
    org_name: &'static str,
) -> anyhow::Result<(Client, crate::server::Core, crate::server::LocalSession)> {
    use crate::server::{Core, Settings};
    let settings = Settings::from_config(
        config,
        crate::server::store::Location::Sqlite(data_dir.clone()),
    )
    .embedded();
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
    // It is our own core: no need to find out which dialect it speaks.
    let client = Client::new(
        &format!("http://{addr}/"),
        Some(session.org_id),
        Some(tokens),
        timeouts(config),
    )?
    .with_dialect(crate::client::Dialect::Core);
    Ok((client, core, session))
}

async fn embedded(
    args: &TuiArgs,
    config: &Config,
    notes: Vec<String>,
    demo_dir: Option<PathBuf>,
) -> anyhow::Result<Started> {
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
    let org_name = if demo { "Demo" } else { "Local" };
    let (client, core, session) = start_core(config, data_dir, demo, org_name).await?;
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
        mail_recipients: crate::client::MailRecipients::Addresses,
        base_url: client.base().to_string(),
        offline: false,
    };
    Ok((client, ready, None, Some(core)))
}

async fn remote(
    url: &str,
    args: &TuiArgs,
    config: &Config,
    mut notes: Vec<String>,
    msgs: UnboundedSender<Msg>,
    offline: Offline<'_>,
) -> anyhow::Result<Started> {
    let base = client::parse_server_url(url)?;
    let server_key = session::key(base.as_str(), args.profile.as_deref());
    let org_raw = args.org.clone().or_else(|| config.org.clone());
    let org = match org_raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => {
            Some(Uuid::parse_str(raw).map_err(|_| anyhow!("the org id {raw:?} is not a UUID"))?)
        }
        None => None,
    };
    let file = session::insecure_file_path().filter(|p| p.exists());
    let (tokens, from_env) = stored_tokens(&server_key, file.clone(), &mut notes).await;
    let needs_sign_in = tokens.is_none();
    let status = msgs.clone();
    let sink = token_sink(server_key, file, msgs);
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
        mail_recipients: crate::client::MailRecipients::Addresses,
        base_url: client.base().to_string(),
        offline: false,
    };
    probe_until_answered(&client, &mut ready, &status, offline).await?;
    ready.mail_recipients = client.mail_recipients();
    Ok((client, ready, Some(on_sign_in), None))
}

/// The session to start with: `CRMTUI_TOKEN` (never stored), or the one kept for `server_key`
/// (in the keyring, or the 0600 `file`). `true` when it came from the environment.
async fn stored_tokens(
    server_key: &str,
    file: Option<PathBuf>,
    notes: &mut Vec<String>,
) -> (Option<Tokens>, bool) {
    let env_token = std::env::var("CRMTUI_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty());
    if let Some(t) = env_token {
        let tokens = Tokens {
            access: t.trim().to_string(),
            refresh: None,
        };
        return (Some(tokens), true);
    }
    let k = server_key.to_string();
    let found = tokio::task::spawn_blocking(move || session::load(&k, file.as_deref()))
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

/// Keeps refreshed tokens where the session was kept; a failure is told to the app.
fn token_sink(
    server_key: String,
    file: Option<PathBuf>,
    msgs: UnboundedSender<Msg>,
) -> client::TokenSink {
    Arc::new(move |t: &Tokens| {
        let (k, t, f, msgs) = (server_key.clone(), t.clone(), file.clone(), msgs.clone());
        tokio::task::spawn_blocking(move || {
            if let Err(e) = session::save(&k, &t, f.as_deref()) {
                tracing::warn!(error = %e, "cannot keep the refreshed session");
                // The session works now but will not survive a restart: the user should know.
                let _ = msgs.send(Msg::Warn(format!(
                    "the new session could not be stored ({e}); sign in again after a restart"
                )));
            }
        });
    })
}

/// Asks the server before asking for a password: an unreachable server is shown as offline
/// (and tried again), and one that is no CRM (or refuses the org) is an error, not a sign-in.
/// While it does not answer, the app browses the offline cache when it holds this workspace.
async fn probe_until_answered(
    client: &Client,
    ready: &mut Ready,
    status: &UnboundedSender<Msg>,
    offline: Offline<'_>,
) -> anyhow::Result<()> {
    if let Some(done) = probed(probe(client).await, ready, status) {
        return done.map(|()| keep_session(offline.cache, ready));
    }
    // Signed out (no session kept), nothing is shown: the cache waits for a sign-in.
    let cached = match &offline.cache {
        Some(cache) if !ready.needs_sign_in => cached_session(cache).await,
        _ => None,
    };
    let done = match (offline.cache.clone(), cached) {
        (Some(cache), Some(session)) => {
            let mut on_cache = ready.clone();
            on_cache.org_name = session.org_name;
            on_cache.user = session.user;
            on_cache.admin = session.admin;
            on_cache.needs_sign_in = false;
            on_cache.offline = true;
            // Shown once, now, not again when the server answers.
            on_cache.notes = std::mem::take(&mut ready.notes);
            let _ = status.send(Msg::Ready(Box::new(on_cache)));
            tokio::select! {
                done = probe_again(client, ready, status) => done,
                () = offline::serve(cache, offline.requests, status.clone()) => {
                    bail!("the app has quit")
                }
            }
        }
        _ => probe_again(client, ready, status).await,
    };
    done.map(|()| keep_session(offline.cache, ready))
}

/// Probes every few seconds until the server answers.
async fn probe_again(
    client: &Client,
    ready: &mut Ready,
    status: &UnboundedSender<Msg>,
) -> anyhow::Result<()> {
    loop {
        tokio::time::sleep(Duration::from_secs(3)).await;
        if let Some(done) = probed(probe(client).await, ready, status) {
            return done;
        }
    }
}

/// What one probe means: `Some` when the start goes on (or stops), `None` to try again.
fn probed(
    result: Result<Option<crate::model::Profile>, Probe>,
    ready: &mut Ready,
    status: &UnboundedSender<Msg>,
) -> Option<anyhow::Result<()>> {
    match result {
        Ok(Some(p)) => {
            ready.org_name = Some(p.org.name.clone());
            ready.user = Some((p.user.id, p.user.email.clone()));
            ready.admin = p.org.role == crate::model::Role::Admin;
            Some(Ok(()))
        }
        Ok(None) => Some(Ok(())),
        Err(Probe::Offline(e)) => {
            let _ = status.send(Msg::Offline(format!("{label}: {e}", label = ready.server)));
            None
        }
        Err(Probe::Refused(e)) => Some(Err(anyhow!(e))),
    }
}

/// Who the cache last saw signed in here, read on a blocking thread.
async fn cached_session(cache: &Arc<OfflineCache>) -> Option<offline::Session> {
    let cache = cache.clone();
    let found = tokio::task::spawn_blocking(move || cache.get(offline::SESSION_KEY)).await;
    match found {
        Ok(Ok(Some((_, session)))) => Some(session),
        Ok(Err(why)) => {
            tracing::warn!(%why, "offline cache session ignored");
            None
        }
        _ => None,
    }
}

/// Keeps who is signed in (org, user: never the tokens) for the header of an offline start.
fn keep_session(cache: Option<Arc<OfflineCache>>, ready: &Ready) {
    let Some(cache) = cache else { return };
    if ready.user.is_none() {
        return;
    }
    let session = offline::Session {
        org_name: ready.org_name.clone(),
        user: ready.user.clone(),
        admin: ready.admin,
    };
    tokio::task::spawn_blocking(move || {
        if let Err(e) = cache.put(offline::SESSION_KEY, chrono::Utc::now(), &session) {
            tracing::warn!(error = %e, "cannot keep the session's names in the offline cache");
        }
    });
}
