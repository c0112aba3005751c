//! The bundled API core: the Django-CRM REST API of the seed, over SQLite.
//!
//! Use it as a library with [`Core::open`] and [`Core::router`] (mount the router in any axum
//! service), or run it with [`Core::serve`] / `crmtui serve`.

pub mod answers;
pub mod auth;
pub mod cli;
pub mod error;
pub mod limits;
pub mod mailer;
pub mod openapi;
pub mod routes;
pub mod store;
pub mod upload;
pub mod validate;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use tokio::sync::Notify;
use tower_http::trace::TraceLayer;

use crate::config::{Config, DEFAULT_MAX_BODY, SmtpConfig};
use auth::TokenKeys;
use store::Store;

/// What a core is started with. `Settings::new(dir)` gives the defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The SQLite workspace dir, or a PostgreSQL URL.
    pub database: store::Location,
    pub max_body: usize,
    pub access_token_minutes: i64,
    pub refresh_token_days: i64,
    pub smtp: Option<SmtpConfig>,
    /// Sender of mails that name none (the SMTP `from`, if configured).
    pub mail_from: Option<String>,
    pub tuning: store::Tuning,
    /// Seconds a client may take to send a request's headers.
    pub header_timeout: Duration,
    /// Seconds a whole request may take.
    pub request_timeout: Duration,
    /// Connections served at once by `serve`/`spawn`.
    pub max_connections: usize,
    /// Sign-in attempts per address per minute.
    pub login_attempts_per_minute: u32,
    /// Failed sign-ins per account per 15 minutes.
    pub login_failures_per_account: u32,
    /// Mail recipients per user per day (UTC).
    pub mail_recipients_per_day: u32,
    /// Bytes of recent list answers kept in memory (see [`answers`]); 0 keeps none.
    pub answer_cache_bytes: usize,
}

impl Settings {
    /// Defaults on the SQLite workspace in `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Settings {
        Settings::at(store::Location::Sqlite(data_dir.into()))
    }

    /// Defaults on either engine.
    pub fn at(database: store::Location) -> Settings {
        Settings {
            database,
            max_body: DEFAULT_MAX_BODY,
            access_token_minutes: 15,
            refresh_token_days: 14,
            smtp: None,
            mail_from: None,
            tuning: store::Tuning::server(),
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_connections: 1024,
            login_attempts_per_minute: 60,
            login_failures_per_account: 10,
            mail_recipients_per_day: 500,
            answer_cache_bytes: 32 << 20,
        }
    }

    /// Lean settings for a core that runs inside the TUI's process.
    pub fn embedded(mut self) -> Settings {
        self.tuning = store::Tuning::embedded();
        // One user, whose TUI keeps its own pages.
        self.answer_cache_bytes = 0;
        self
    }

    /// Settings from the config file's `[core]` and `[smtp]`, on `database`.
    pub fn from_config(config: &Config, database: store::Location) -> Settings {
        let mut s = Settings::at(database);
        if let Some(n) = config.core.max_body_bytes {
            s.max_body = n;
        }
        if let Some(n) = config.core.access_token_minutes {
            s.access_token_minutes = n;
        }
        if let Some(n) = config.core.refresh_token_days {
            s.refresh_token_days = n;
        }
        let core = &config.core;
        if let Some(n) = core.header_timeout_secs {
            s.header_timeout = Duration::from_secs(n.clamp(1, 3600));
        }
        if let Some(n) = core.request_timeout_secs {
            s.request_timeout = Duration::from_secs(n.clamp(1, 24 * 3600));
        }
        if let Some(n) = core.max_connections {
            s.max_connections = n.max(1);
        }
        if let Some(n) = core.login_attempts_per_minute {
            s.login_attempts_per_minute = n.max(1);
        }
        if let Some(n) = core.login_failures_per_account {
            s.login_failures_per_account = n.max(1);
        }
        if let Some(n) = core.mail_recipients_per_day {
            s.mail_recipients_per_day = n;
        }
        if let Some(mb) = core.answer_cache_mb {
            s.answer_cache_bytes = mb.min(1 << 20) << 20;
        }
        s.mail_from = config.smtp.as_ref().map(|m| m.from.clone());
        s.smtp = config.smtp.clone();
        s
    }
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub keys: Arc<TokenKeys>,
    pub settings: Arc<Settings>,
    /// Wakes the mail sender when a mail is queued.
    pub mail_wake: Arc<Notify>,
    pub limits: Arc<limits::Limits>,
    /// Recent list answers, served again while the data is unchanged.
    pub answers: Arc<answers::Answers>,
}

/// An opened core: storage migrated, keys loaded.
#[derive(Clone)]
pub struct Core {
    pub state: AppState,
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Open(#[from] store::OpenError),
    #[error("cannot load signing key: {0}")]
    Keys(String),
    #[error("cannot listen on {addr}: {cause}")]
    Bind {
        addr: SocketAddr,
        cause: std::io::Error,
    },
}

impl Core {
    /// Opens (creating if needed) the workspace in `settings.data_dir`.
    pub fn open(settings: Settings) -> Result<Core, CoreError> {
        let store = Store::open_at(&settings.database, settings.tuning)?;
        let secret = store
            .write_blocking(|tx| {
                store::setting_or_init(tx, "jwt_secret", || {
                    use rand::RngCore;
                    let mut key = vec![0u8; 32];
                    rand::rng().fill_bytes(&mut key);
                    key
                })
            })
            .map_err(|e| CoreError::Keys(e.to_string()))?;
        let keys = TokenKeys::new(
            &secret,
            settings.access_token_minutes,
            settings.refresh_token_days,
        );
        Ok(Core {
            state: AppState {
                store,
                keys: Arc::new(keys),
                limits: Arc::new(limits::Limits::new(
                    settings.login_attempts_per_minute,
                    settings.login_failures_per_account,
                )),
                answers: Arc::new(answers::Answers::new(settings.answer_cache_bytes)),
                settings: Arc::new(settings),
                mail_wake: Arc::new(Notify::new()),
            },
        })
    }

    /// The API as a router with its state applied, ready to mount or serve.
    pub fn router(&self) -> Router {
        router(self.state.clone())
    }

    /// Starts the background mail sender; it runs until the runtime stops.
    pub fn spawn_mailer(&self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(mailer::run(self.state.clone()))
    }

    /// Binds `addr` (port 0 for any free port) and serves in a task; returns the bound address.
    pub async fn spawn(
        &self,
        addr: SocketAddr,
    ) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), CoreError> {
        let (listener, local) = bind(addr).await?;
        self.spawn_mailer();
        let handle = tokio::spawn(accept_loop(
            listener,
            self.router(),
            self.state.settings.clone(),
            std::future::pending(),
        ));
        Ok((local, handle))
    }

    /// Serves on `addr` until Ctrl-C or SIGTERM.
    pub async fn serve(&self, addr: SocketAddr) -> Result<(), CoreError> {
        let (listener, local) = bind(addr).await?;
        self.spawn_mailer();
        tracing::info!(addr = %local, database = ?self.state.settings.database, "serving the API");
        accept_loop(
            listener,
            self.router(),
            self.state.settings.clone(),
            shutdown_signal(),
        )
        .await;
        Ok(())
    }

    /// Signs in to this in-process core without a password: makes sure `org_name` exists with
    /// `email` as an admin (whose password cannot be used to log in over HTTP) and mints tokens.
    /// Blocking; for the embedded TUI and tests.
    pub fn local_session(
        &self,
        org_name: &str,
        email: &str,
    ) -> Result<LocalSession, error::ApiError> {
        let keys = self.state.keys.clone();
        let (user_id, org_id, (access_token, refresh_token)) =
            self.state.store.write_blocking(|tx| {
                let org = store::directory::ensure_org(tx, org_name)?;
                let user = store::directory::ensure_member(
                    tx,
                    org,
                    email,
                    "!",
                    crate::model::Role::Admin,
                )?;
                Ok((user, org, auth::sign_in(tx, &keys, user)?))
            })?;
        Ok(LocalSession {
            access_token,
            refresh_token,
            user_id,
            org_id,
        })
    }

    /// Fills `org_name` (created if missing) with `accounts` demo accounts and their records.
    /// Blocking; for `--demo` and benchmarks.
    pub fn seed_demo(
        &self,
        org_name: &str,
        accounts: usize,
    ) -> Result<uuid::Uuid, error::ApiError> {
        self.state
            .store
            .write_blocking(|tx| store::seed::seed_demo(tx, org_name, accounts))
    }

    /// The SQLite workspace dir, if the core runs on one.
    pub fn data_dir(&self) -> Option<&Path> {
        match &self.state.settings.database {
            store::Location::Sqlite(dir) => Some(dir),
            store::Location::Postgres(_) => None,
        }
    }
}

/// Tokens for the local user of an embedded core.
#[derive(Clone)]
pub struct LocalSession {
    pub access_token: String,
    pub refresh_token: String,
    pub user_id: uuid::Uuid,
    pub org_id: uuid::Uuid,
}

impl std::fmt::Debug for LocalSession {
    // Tokens never reach logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalSession")
            .field("user_id", &self.user_id)
            .field("org_id", &self.org_id)
            .finish_non_exhaustive()
    }
}

/// Listens on `addr` (port 0: any free port) and says which address it got.
async fn bind(addr: SocketAddr) -> Result<(tokio::net::TcpListener, SocketAddr), CoreError> {
    let err = |cause| CoreError::Bind { addr, cause };
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(err)?;
    let local = listener.local_addr().map_err(err)?;
    Ok((listener, local))
}

/// Serves connections until `shutdown`: at most `max_connections` at once (more wait in the
/// listen queue), each with a header timeout (hyper enforces it only when given a timer, which
/// `axum::serve` does not give it) and the peer's address for the sign-in limits.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: Router,
    settings: Arc<Settings>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use tower::ServiceExt as _;

    let slots = Arc::new(tokio::sync::Semaphore::new(settings.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_timeout);
    builder.http2().timer(TokioTimer::new());
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let first_byte = settings.header_timeout;
        tokio::spawn(async move {
            // hyper's header timeout starts with a request's first byte: a connection that
            // sends nothing at all would hold its slot for ever.
            // (`peek` waits for a real byte or the end; `readable` may answer at once.)
            let mut byte = [0u8; 1];
            if let Ok(Ok(1..)) = tokio::time::timeout(first_byte, stream.peek(&mut byte)).await {
                let service = hyper::service::service_fn(move |mut req: axum::http::Request<_>| {
                    req.extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    app.clone().oneshot(req)
                });
                let conn = builder
                    .serve_connection_with_upgrades(TokioIo::new(stream), service)
                    .into_owned();
                let _ = watcher.watch(conn).await;
            }
            drop(permit);
        });
    }
    // Let requests in flight finish, within reason.
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => {}
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

/// Every route of the API: each routes module brings its own router, merged here.
pub fn router(state: AppState) -> Router {
    let max_body = state.settings.max_body;
    let request_timeout = state.settings.request_timeout;
    Router::new()
        .route("/healthz/", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .route("/api/schema/", get(openapi::schema))
        .merge(routes::auth::router())
        .merge(routes::accounts::router())
        .merge(routes::threads::router())
        .merge(routes::directory::router())
        .merge(routes::contacts::router())
        .merge(routes::leads::router())
        .merge(routes::opportunities::router())
        .merge(routes::cases::router())
        .merge(routes::tasks::router())
        .merge(routes::invoices::router())
        .merge(routes::dashboard::router())
        .fallback(|| async { error::ApiError::NotFound })
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(
            max_body,
            error::drain_oversized,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(axum::middleware::from_fn(error::json_errors))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
                })
                .on_request(())
                .on_response(
                    |res: &axum::http::Response<_>, latency: Duration, _span: &tracing::Span| {
                        tracing::info!(status = res.status().as_u16(), micros = latency.as_micros() as u64, "served");
                    },
                ),
        )
        .with_state(state)
}
