//! `crmtui serve` and `crmtui admin ...`.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, anyhow, bail};

use super::store::{Location, Store, Tuning, directory, seed};
use super::{Core, Settings, auth};
use crate::cli::{CreateUserArgs, DatabaseArgs, MigrateArgs, SeedDemoArgs, ServeArgs};
use crate::config::{Config, default_data_dir};
use crate::model::Role;
use crate::server::validate::is_email;

/// Logs to stderr, one line per request at `info`; `RUST_LOG` overrides.
pub fn init_stderr_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}

/// The data dir: the flag, else the config's `[core] data_dir`, else the XDG data dir.
pub fn resolve_data_dir(flag: Option<PathBuf>, config: &Config) -> anyhow::Result<PathBuf> {
    flag.or_else(|| config.core.data_dir.clone())
        .or_else(default_data_dir)
        .ok_or_else(|| anyhow!("no data dir: pass --data-dir (no home directory was found)"))
}

/// The database: `--database` (or `CRMTUI_DATABASE_URL`), else `--data-dir`'s SQLite workspace,
/// else the config's `[core] database`, else the SQLite workspace in the default data dir.
pub fn resolve_location(args: &DatabaseArgs, config: &Config) -> anyhow::Result<Location> {
    if let Some(raw) = &args.database {
        return Location::parse(raw).map_err(|e| anyhow!("--database: {e}"));
    }
    if args.data_dir.is_none()
        && let Some(raw) = &config.core.database
    {
        return Location::parse(raw).map_err(|e| anyhow!("[core] database: {e}"));
    }
    Ok(Location::Sqlite(resolve_data_dir(
        args.data_dir.clone(),
        config,
    )?))
}

/// Opens the store for an admin command (blocking work, off the async threads).
async fn open_store(args: &DatabaseArgs, config: &Config) -> anyhow::Result<Store> {
    let location = resolve_location(args, config)?;
    Ok(
        tokio::task::spawn_blocking(move || Store::open_at(&location, Tuning::embedded()))
            .await??,
    )
}

pub async fn migrate(args: MigrateArgs, config_path: Option<PathBuf>) -> anyhow::Result<()> {
    let config = Config::load(config_path.as_deref())?;
    let location = resolve_location(&args.db, &config)?;
    let shown = format!("{location:?}");
    tokio::task::spawn_blocking(move || Store::open_at(&location, Tuning::embedded())).await??;
    eprintln!("{shown}: migrations applied");
    Ok(())
}

pub async fn serve(args: ServeArgs, config_path: Option<PathBuf>) -> anyhow::Result<()> {
    init_stderr_logging();
    let config = Config::load(config_path.as_deref())?;
    let location = resolve_location(&args.db, &config)?;
    let mut settings = Settings::from_config(&config, location);
    if let Some(n) = args.max_body {
        settings.max_body = n;
    }
    let bind = match (args.bind, &config.core.bind) {
        (Some(addr), _) => addr,
        (None, Some(raw)) => raw.parse().with_context(|| {
            format!("[core] bind = {raw:?} is not an address like 127.0.0.1:8000")
        })?,
        (None, None) => SocketAddr::from(([127, 0, 0, 1], 8000)),
    };
    let core = tokio::task::spawn_blocking(move || Core::open(settings)).await??;
    core.serve(bind).await?;
    Ok(())
}

pub async fn create_user(args: CreateUserArgs, config_path: Option<PathBuf>) -> anyhow::Result<()> {
    let config = Config::load(config_path.as_deref())?;
    let email = args.email.trim().to_string();
    if !is_email(&email) {
        bail!("'{email}' is not a valid email address");
    }
    if args.org.trim().is_empty() {
        bail!("--org cannot be empty");
    }
    let role = Role::parse(&args.role).ok_or_else(|| anyhow!("--role must be ADMIN or USER"))?;
    let password = match (args.password, args.password_stdin) {
        (Some(p), _) => Some(p),
        (None, true) => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("cannot read the password from stdin")?;
            if line.is_empty() {
                bail!("no password on stdin (pipe one line: the password)");
            }
            Some(line.trim_end_matches(['\r', '\n']).to_string())
        }
        (None, false) => None,
    };
    let store = open_store(&args.db, &config).await?;
    let (user_id, org_id) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let exists = store.write_blocking(|tx| directory::user_exists(tx, &email))?;
        // A new user needs a password; an existing one keeps theirs unless a new one is given.
        let hash = match (&password, exists) {
            (Some(p), _) if p.chars().count() < 8 => {
                bail!("the password must have at least 8 characters")
            }
            (Some(p), _) => auth::hash_password(p)?,
            (None, true) => String::new(),
            (None, false) => bail!("a new user needs a password: use --password-stdin"),
        };
        let ids = store.write_blocking(|tx| {
            let org = directory::ensure_org(tx, &args.org)?;
            let user = directory::ensure_member(tx, org, &email, &hash, role)?;
            if exists && !hash.is_empty() {
                directory::set_password(tx, user, &hash)?;
            }
            Ok((user, org))
        })?;
        Ok(ids)
    })
    .await??;
    println!(
        "{}",
        serde_json::json!({"user_id": user_id, "org_id": org_id})
    );
    Ok(())
}

pub async fn seed_demo(args: SeedDemoArgs, config_path: Option<PathBuf>) -> anyhow::Result<()> {
    let config = Config::load(config_path.as_deref())?;
    let store = open_store(&args.db, &config).await?;
    let started = std::time::Instant::now();
    let org = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        Ok(store.write_blocking(|tx| seed::seed_demo(tx, &args.org, args.accounts))?)
    })
    .await??;
    eprintln!(
        "seeded {} accounts in {:.1}s",
        args.accounts,
        started.elapsed().as_secs_f64()
    );
    println!("{}", serde_json::json!({"org_id": org}));
    Ok(())
}
