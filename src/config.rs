//! The config file (TOML). `config.example.toml` documents every key.
//!
//! One file serves both sides: the TUI reads the top-level keys and `[keys]`; `crmtui serve`
//! reads `[core]` and `[smtp]`. Every key is optional.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Default largest request body or upload: 10 MiB.
pub const DEFAULT_MAX_BODY: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Base URL of a remote server; absent means the embedded core.
    pub server: Option<String>,
    /// Organization id (UUID) to work in.
    pub org: Option<String>,
    /// Rows fetched per request while scrolling.
    pub page_size: Option<u32>,
    /// `auto` (terminal default colours), `dark`, `light` or `mono`.
    pub theme: Option<String>,
    /// Seconds before a request is given up.
    pub request_timeout_secs: Option<u64>,
    /// Seconds before connecting is given up.
    pub connect_timeout_secs: Option<u64>,
    /// Key overrides: action name to a list of keys, e.g. `quit = ["q", "ctrl-c"]`.
    pub keys: BTreeMap<String, Vec<String>>,
    /// How the TUI talks to the terminal around it (clipboard, mouse) and what it may do.
    pub ui: UiConfig,
    pub core: CoreConfig,
    pub smtp: Option<SmtpConfig>,
    /// Named places to work (`crmtui --profile NAME`, `:ctx NAME`); `local` is the embedded
    /// workspace and needs no table.
    pub profiles: BTreeMap<String, Profile>,
}

/// A `[profiles.NAME]` table: a server, an org and how to work there. Its keys replace the
/// top-level ones while it is used.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Profile {
    pub server: Option<String>,
    pub org: Option<String>,
    /// Whom `crmtui login --profile NAME` signs in as.
    pub email: Option<String>,
    pub read_only: bool,
    pub theme: Option<String>,
}

/// The profile of the embedded workspace.
pub const LOCAL_PROFILE: &str = "local";

impl Config {
    /// Every profile's name, `local` first.
    pub fn profile_names(&self) -> Vec<String> {
        let mut names = vec![LOCAL_PROFILE.to_string()];
        names.extend(
            self.profiles
                .keys()
                .filter(|k| *k != LOCAL_PROFILE)
                .cloned(),
        );
        names
    }

    /// This config as the profile `name` sees it: its server, org, theme and read-only mode
    /// over the top-level ones; `local` is the embedded workspace.
    pub fn for_profile(&self, name: &str) -> Result<Config, String> {
        let mut out = self.clone();
        if name == LOCAL_PROFILE && !self.profiles.contains_key(name) {
            out.server = None;
            out.org = None;
            return Ok(out);
        }
        let Some(p) = self.profiles.get(name) else {
            return Err(format!(
                "no profile {name:?} in the config (profiles: {})",
                self.profile_names().join(", ")
            ));
        };
        out.server = p.server.clone();
        out.org = p.org.clone();
        if p.theme.is_some() {
            out.theme = p.theme.clone();
        }
        out.ui.read_only |= p.read_only;
        Ok(out)
    }
}

/// The `[ui]` table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// `osc52` (the default: works through SSH and tmux) or `off`.
    pub clipboard: ClipboardMode,
    /// Browse only: every key that would change the server is hidden and refused.
    pub read_only: bool,
    /// Wheel scrolls the pane under the pointer, a click selects (off: the terminal keeps
    /// its own selection).
    pub mouse: bool,
    /// The offline cache of what was seen on remote servers, in MiB for every workspace
    /// together (default 64; 0 keeps nothing).
    pub offline_cache_mb: Option<u64>,
}

/// Where `y` copies to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClipboardMode {
    /// The terminal's clipboard escape (OSC 52), which reaches the local clipboard over SSH.
    #[default]
    Osc52,
    Off,
}

/// The bundled core (`crmtui serve` and the embedded one).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CoreConfig {
    pub data_dir: Option<PathBuf>,
    /// `postgres://...` or `sqlite:PATH`; `--database` and `CRMTUI_DATABASE_URL` win over it.
    pub database: Option<String>,
    /// Seconds a client may take to send a request's headers.
    pub header_timeout_secs: Option<u64>,
    /// Seconds a whole request may take, body and answer included.
    pub request_timeout_secs: Option<u64>,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: Option<usize>,
    /// Sign-in attempts one address may make per minute.
    pub login_attempts_per_minute: Option<u32>,
    /// Failed sign-ins one account may take per 15 minutes.
    pub login_failures_per_account: Option<u32>,
    /// Mail recipients one user may send to per day (UTC).
    pub mail_recipients_per_day: Option<u32>,
    /// MiB of recent list answers the core keeps in memory (0: none).
    pub answer_cache_mb: Option<usize>,
    pub bind: Option<String>,
    pub max_body_bytes: Option<usize>,
    pub access_token_minutes: Option<i64>,
    pub refresh_token_days: Option<i64>,
}

/// Outgoing mail. Without this section mail stays in the core's outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub username: Option<String>,
    /// Name of the environment variable that holds the password (never the password itself).
    #[serde(default)]
    pub password_env: Option<String>,
    /// `starttls` (default), `tls` or `none`.
    #[serde(default)]
    pub tls: Option<String>,
    /// Sender address when a mail names none.
    pub from: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("config {path} is not valid: {cause}")]
    Parse {
        path: PathBuf,
        cause: toml::de::Error,
    },
}

impl Config {
    /// Reads `path`, or the default path when `None`. A missing default file is an empty config;
    /// a missing file the user named is an error.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, named) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => match default_config_path() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|cause| ConfigError::Parse { path, cause }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => Ok(Config::default()),
            Err(cause) => Err(ConfigError::Read { path, cause }),
        }
    }
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "crmtui")
}

/// `$XDG_CONFIG_HOME/crmtui/config.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// `$XDG_DATA_HOME/crmtui`: the embedded workspace.
pub fn default_data_dir() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().to_path_buf())
}

/// `$XDG_CACHE_HOME/crmtui`: what can be thrown away (the offline cache of seen records).
pub fn default_cache_dir() -> Option<PathBuf> {
    project_dirs().map(|d| d.cache_dir().to_path_buf())
}

/// `$XDG_STATE_HOME/crmtui`: logs.
pub fn default_state_dir() -> Option<PathBuf> {
    project_dirs().map(|d| {
        d.state_dir()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| d.data_local_dir().join("state"))
    })
}

#[cfg(test)]
mod profile_tests {
    use super::*;

    #[test]
    fn a_profile_replaces_the_top_level_keys_and_local_is_the_workspace() {
        let config: Config = toml::from_str(
            r#"
            server = "https://crm.example.com"
            theme = "dark"
            [profiles.acme]
            server = "https://acme.example.com"
            org = "8b7c2c35-2f1e-4a7a-9d55-1f3c8a2d0e11"
            read_only = true
            "#,
        )
        .expect("config");
        assert_eq!(config.profile_names(), ["local", "acme"]);
        let acme = config.for_profile("acme").expect("acme");
        assert_eq!(acme.server.as_deref(), Some("https://acme.example.com"));
        assert!(acme.ui.read_only);
        assert_eq!(
            acme.theme.as_deref(),
            Some("dark"),
            "kept when the profile has none"
        );
        let local = config.for_profile("local").expect("local");
        assert_eq!(local.server, None);
        let e = config.for_profile("nope").expect_err("unknown");
        assert!(e.contains("local, acme"), "{e}");
        assert!(toml::from_str::<Config>("[profiles.x]\nsevrer = \"typo\"").is_err());
    }
}
