//! The bundled API core: the Django-CRM REST API of the seed, over SQLite.
//!
//! Use it as a library with [`Core::open`] and [`Core::router`] (mount the router in any axum
//! service), or run it with [`Core::serve`] / `crmtui serve`.

pub mod auth;
pub mod cli;
pub mod error;
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
        }
    }

    /// Lean settings for a core that runs inside the TUI's process.
    pub fn embedded(mut self) -> Settings {
        self.tuning = store::Tuning::embedded();
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
    #[error("server failed: {0}")]
    Serve(std::io::Error),
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
        let app = self.router();
        let handle = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "core stopped");
            }
        });
        Ok((local, handle))
    }

    /// Serves on `addr` until Ctrl-C or SIGTERM.
    pub async fn serve(&self, addr: SocketAddr) -> Result<(), CoreError> {
        let (listener, local) = bind(addr).await?;
        self.spawn_mailer();
        tracing::info!(addr = %local, database = ?self.state.settings.database, "serving the API");
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(CoreError::Serve)
    }

    /// Signs in to this in-process core without a password: makes sure `org_name` exists with
    /// `email` as an admin (whose password cannot be used to log in over HTTP) and mints tokens.
    /// Blocking; for the embedded TUI and tests.
    pub fn local_session(
        &self,
        org_name: &str,
        email: &str,
    ) -> Result<LocalSession, error::ApiError> {
        let (user_id, org_id) = self.state.store.write_blocking(|tx| {
            let org = store::directory::ensure_org(tx, org_name)?;
            let user =
                store::directory::ensure_member(tx, org, email, "!", crate::model::Role::Admin)?;
            Ok((user, org))
        })?;
        Ok(LocalSession {
            access_token: self.state.keys.access_token(user_id)?,
            refresh_token: self.state.keys.refresh_token(user_id)?,
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
    Router::new()
        .route("/healthz/", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .route("/api/schema/", get(openapi::schema))
        .merge(routes::auth::router())
        .merge(routes::accounts::router())
        .merge(routes::threads::router())
        .merge(routes::directory::router())
        .fallback(|| async { error::ApiError::NotFound })
        .layer(DefaultBodyLimit::max(max_body))
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
