//! The terminal UI: triage of CRM records in list, detail and thread (comments and attachments)
//! panes.
//!
//! Where things are:
//! - [`boot`] starts it (config, terminal, the session task) and [`runtime`] runs the event loop;
//! - [`app::App`] is the reducer: the state changes only through keys, pastes, answers
//!   ([`msg::Msg`]) and ticks, and work for the network or the disk leaves as [`msg::Cmd`]s;
//! - [`worker`] runs those commands in tasks and posts the answers back;
//! - [`ui`] draws the state (and changes nothing) and [`sanitize`] is the one door through which
//!   server text reaches the screen.
//!
//! The `login`/`logout` commands below do not belong to the TUI and are moving out of it.
//!
//! No `unwrap` and no `panic!` here: everything that comes from outside becomes a message.
//! (`too_many_lines` joins them once `login` has moved out; the whole tree does not pass them
//! yet, so they are not in `Cargo.toml`.)
#![warn(clippy::unwrap_used, clippy::panic)]

pub mod app;
pub mod boot;
pub mod clipboard;
pub mod defaults;
pub mod editor;
pub mod export;
pub mod keymap;
pub mod msg;
pub mod overlay;
pub mod panes;
pub mod records;
pub mod requests;
pub mod runtime;
pub mod sanitize;
pub mod terminal;
pub mod theme;
pub mod ui;
pub mod window;
pub mod worker;

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};
use uuid::Uuid;

use crate::cli::{LoginArgs, LogoutArgs};
use crate::client::{self, Client, session};
use crate::config::{Config, default_config_path};
pub use crate::logging::{flush_logs, init_file_logging};
pub use boot::{DEFAULT_PAGE_SIZE, DEMO_ACCOUNTS, page_size, run, timeouts};

/// Why [`probe`] could not start a session.
#[derive(Debug)]
pub enum Probe {
    /// No answer (yet): try again.
    Offline(String),
    /// An answer that no retry will change.
    Refused(String),
}

/// Asks a remote server for the profile: `Some` with a working session, `None` when it is a CRM
/// that wants a sign-in.
pub async fn probe(client: &Client) -> Result<Option<crate::model::Profile>, Probe> {
    use client::ClientError as E;
    let not_crm = |what: String| {
        Probe::Refused(format!(
            "this server does not look like crmtui/Django-CRM ({what})"
        ))
    };
    match client.profile().await {
        Ok(p) => Ok(Some(p)),
        Err(e @ (E::Unreachable(_) | E::Timeout)) => Err(Probe::Offline(e.to_string())),
        Err(E::SessionExpired(_)) => Ok(None),
        // A proxy in front of a server that is down.
        Err(E::Api {
            status: 502..=504,
            message,
            ..
        }) => Err(Probe::Offline(message)),
        // A CRM's answer about the org (not a member, several orgs): no sign-in fixes it.
        Err(E::Api {
            status: 400 | 403,
            message,
            fields,
        }) if status_is_crm(&message, &fields) => Err(Probe::Refused(match client.org() {
            Some(org) => format!("org {org}: {message}"),
            None => message,
        })),
        Err(E::Api {
            status, message, ..
        }) => Err(not_crm(format!("HTTP {status} {message}"))),
        Err(E::Decode(m)) => Err(not_crm(m)),
        Err(e) => Err(Probe::Refused(e.to_string())),
    }
}

/// A 400/403 whose message reads like the CRM's own (about orgs or permissions).
fn status_is_crm(message: &str, fields: &std::collections::BTreeMap<String, String>) -> bool {
    let m = message.to_ascii_lowercase();
    !fields.is_empty() || m.contains("organization") || m.contains("permission")
}

// --- crmtui login / logout -------------------------------------------------------------------

fn read_password(prompt: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt).context("cannot read the password");
    }
    // From a pipe (scripts): one line.
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

pub async fn login(args: LoginArgs, config_path: Option<PathBuf>) -> anyhow::Result<()> {
    client::install_crypto_provider();
    init_file_logging();
    let config = Config::load(config_path.as_deref())?;
    let base = client::parse_server_url(&args.server)?;
    let password = tokio::task::spawn_blocking(|| read_password("Password: ")).await??;
    let client = Client::new(base.as_str(), None, None, timeouts(&config))?;
    let answer = client
        .login(&args.email, &password)
        .await
        .map_err(|e| match e {
            client::ClientError::SessionExpired(m)
            | client::ClientError::Api {
                status: 401,
                message: m,
                ..
            } => {
                anyhow!("sign-in refused: {m}")
            }
            other => anyhow!("cannot sign in to {base}: {other}"),
        })?;
    let org = match &args.org {
        Some(raw) => {
            let id = Uuid::parse_str(raw.trim())
                .map_err(|_| anyhow!("the org id {raw:?} is not a UUID"))?;
            answer
                .organizations
                .iter()
                .find(|o| o.id == id)
                .ok_or_else(|| anyhow!("{} is not a member of the org {id}", args.email))?
        }
        None => match answer.organizations.as_slice() {
            [] => bail!("{} belongs to no organization on {base}", args.email),
            [only] => only,
            many => {
                eprintln!("{} belongs to several organizations:", args.email);
                for (i, o) in many.iter().enumerate() {
                    eprintln!("  {}) {} ({}, {})", i + 1, o.name, o.role.as_str(), o.id);
                }
                let choice = tokio::task::spawn_blocking(|| -> anyhow::Result<String> {
                    eprint!("Number: ");
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    Ok(line)
                })
                .await??;
                let n: usize = choice
                    .trim()
                    .parse()
                    .map_err(|_| anyhow!("not a number; pass --org ORG_ID"))?;
                many.get(n.wrapping_sub(1))
                    .ok_or_else(|| anyhow!("no organization number {n}"))?
            }
        },
    };
    let tokens = client
        .tokens()
        .ok_or_else(|| anyhow!("the server gave no token"))?;
    let file = if args.insecure_storage {
        session::insecure_file_path()
    } else {
        None
    };
    let key = base.to_string();
    let stored =
        tokio::task::spawn_blocking(move || session::save(&key, &tokens, file.as_deref())).await?;
    let store = stored.map_err(|e| {
        anyhow!(
            "signed in, but no keyring could keep the session ({e}).\n\
             Run `crmtui login` again with --insecure-storage to keep it in a 0600 file, or set CRMTUI_TOKEN."
        )
    })?;
    let path = config_path
        .clone()
        .or_else(default_config_path)
        .ok_or_else(|| anyhow!("no config path; pass --config"))?;
    edit_config(
        &path,
        &[
            ("server", Some(base.as_str())),
            ("org", Some(&org.id.to_string())),
        ],
    )?;
    println!(
        "Signed in to {base} as {} in {} ({}).",
        answer.user.email,
        org.name,
        org.role.as_str()
    );
    println!(
        "Session kept in {store}; server and org written to {}.",
        path.display()
    );
    if let session::Store::File(p) = &store {
        eprintln!(
            "warning: the tokens are stored unencrypted in {} (you asked for --insecure-storage).",
            p.display()
        );
    }
    Ok(())
}

pub async fn logout(args: LogoutArgs, config_path: Option<PathBuf>) -> anyhow::Result<()> {
    init_file_logging();
    let config = Config::load(config_path.as_deref())?;
    let raw = args
        .server
        .or(config.server)
        .ok_or_else(|| anyhow!("no server signed in (pass --server URL)"))?;
    let key = client::parse_server_url(&raw)?.to_string();
    let file = session::insecure_file_path();
    let k = key.clone();
    let removed = tokio::task::spawn_blocking(move || session::delete(&k, file.as_deref())).await?;
    let path = config_path.or_else(default_config_path);
    if let Some(path) = &path
        && path.exists()
    {
        edit_config(path, &[("server", None), ("org", None)])?;
    }
    if removed.is_empty() {
        println!("No stored session for {key}; the config no longer names it.");
    } else {
        for s in removed {
            println!("Removed the session for {key} from {s}.");
        }
    }
    Ok(())
}

/// Sets or removes top-level keys of the config file, keeping its comments and the rest.
fn edit_config(path: &Path, changes: &[(&str, Option<&str>)]) -> anyhow::Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let new = edit_config_text(&text, changes);
    // The result must still be a valid config.
    toml::from_str::<Config>(&new)
        .with_context(|| format!("refusing to write an invalid {}", path.display()))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, new).with_context(|| format!("cannot write {}", path.display()))
}

pub fn edit_config_text(text: &str, changes: &[(&str, Option<&str>)]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let first_table = lines
        .iter()
        .position(|l| l.trim_start().starts_with('['))
        .unwrap_or(lines.len());
    let is_key = |l: &str, key: &str| {
        let t = l.trim_start();
        t.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    };
    let mut insert_at = 0;
    // Leading comments stay at the top.
    while insert_at < first_table && lines[insert_at].trim_start().starts_with('#') {
        insert_at += 1;
    }
    for (key, value) in changes {
        let first_table = lines
            .iter()
            .position(|l| l.trim_start().starts_with('['))
            .unwrap_or(lines.len());
        let existing = lines[..first_table].iter().position(|l| is_key(l, key));
        let rendered = value.map(|v| format!("{key} = {}", toml::Value::String(v.to_string())));
        match (existing, rendered) {
            (Some(i), Some(r)) => lines[i] = r,
            (Some(i), None) => {
                lines.remove(i);
            }
            (None, Some(r)) => {
                lines.insert(insert_at.min(first_table), r);
                insert_at += 1;
            }
            (None, None) => {}
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_edit_keeps_comments_and_tables() {
        let text =
            "# my config\ntheme = \"mono\"\nserver = \"http://old\"\n\n[keys]\nquit = [\"q\"]\n";
        let out = edit_config_text(text, &[("server", Some("http://new/")), ("org", Some("x"))]);
        assert_eq!(
            out,
            "# my config\norg = \"x\"\ntheme = \"mono\"\nserver = \"http://new/\"\n\n[keys]\nquit = [\"q\"]\n"
        );
        let out = edit_config_text(&out, &[("server", None), ("org", None)]);
        assert_eq!(
            out,
            "# my config\ntheme = \"mono\"\n\n[keys]\nquit = [\"q\"]\n"
        );
    }
}
