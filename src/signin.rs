//! Signing in and out: `crmtui login` and `crmtui logout`, the start-up probe of a server, and
//! the config edits they make. The TUI asks [`probe`] before it opens a remote session.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};
use uuid::Uuid;

use crate::cli::{LoginArgs, LogoutArgs};
use crate::client::{self, Client, ClientError, Dialect, SignInMethod, Tokens, session};
use crate::config::{Config, default_config_path};
use crate::logging::init_file_logging;
use crate::model::OrgMembership;
use crate::tui::timeouts;

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
        // BottleCRM keeps the org in the token and ignores the org header: a session bound to
        // another org than the one asked for is switched (and the new tokens kept).
        Ok(p)
            if client.known_dialect() == Some(Dialect::BottleCrm)
                && client.org().is_some_and(|org| org != p.org.id) =>
        {
            let org = client.org().unwrap_or(p.org.id);
            match client.switch_org(org).await {
                Ok(_) => match client.profile().await {
                    Ok(p) => Ok(Some(p)),
                    Err(e) => Err(Probe::Refused(format!("org {org}: {e}"))),
                },
                Err(e @ (E::Unreachable(_) | E::Timeout)) => Err(Probe::Offline(e.to_string())),
                Err(e) => Err(Probe::Refused(format!(
                    "org {org}: {e} (the session belongs to {}; a personal access token cannot switch orgs)",
                    p.org.name
                ))),
            }
        }
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
    let mut args = args;
    let profile = match &args.profile {
        Some(name) => Some(
            config
                .profiles
                .get(name)
                .ok_or_else(|| {
                    anyhow!(
                        "no profile {name:?} in the config (profiles: {})",
                        config.profile_names().join(", ")
                    )
                })?
                .clone(),
        ),
        None => None,
    };
    if let Some(p) = &profile {
        args.server = args.server.or_else(|| p.server.clone());
        args.org = args.org.or_else(|| p.org.clone());
        if !args.token {
            args.email = args.email.or_else(|| p.email.clone());
        }
    }
    let server = args
        .server
        .clone()
        .ok_or_else(|| anyhow!("the profile names no server; pass --server URL"))?;
    let base = client::parse_server_url(&server)?;
    if let Some(warning) = plain_http_warning(&base) {
        eprintln!("{warning}");
    }
    let wanted_org = match args.org.as_deref().map(str::trim) {
        Some(raw) => {
            Some(Uuid::parse_str(raw).map_err(|_| anyhow!("the org id {raw:?} is not a UUID"))?)
        }
        None => None,
    };
    let client = Client::new(base.as_str(), None, None, timeouts(&config))?;
    // Ask the server how it signs in before asking the user for anything.
    let dialect = client.dialect().await.map_err(|e| match e {
        ClientError::Unsupported(m) => anyhow!("{base}: {m}"),
        other => anyhow!("cannot reach {base}: {other}"),
    })?;
    let (user, org) = match (&args.email, args.token) {
        (_, true) => token_sign_in(&client, &base, wanted_org).await?,
        (Some(email), false) => match dialect.sign_in() {
            SignInMethod::Password => password_sign_in(&client, &base, email, wanted_org).await?,
            SignInMethod::EmailCode => code_sign_in(&client, &base, email, wanted_org).await?,
        },
        (None, false) => bail!("pass --email EMAIL or --token"),
    };
    let tokens = client
        .tokens()
        .ok_or_else(|| anyhow!("the server gave no token"))?;
    let file = if args.insecure_storage {
        session::insecure_file_path()
    } else {
        None
    };
    let key = session::key(base.as_str(), args.profile.as_deref());
    let stored =
        tokio::task::spawn_blocking(move || session::save(&key, &tokens, file.as_deref())).await?;
    let store = stored.map_err(|e| {
        anyhow!(
            "signed in, but no keyring could keep the session ({e}).\n\
             Run `crmtui login` again with --insecure-storage to keep it in a 0600 file, or set CRMTUI_TOKEN."
        )
    })?;
    if let Some(name) = &args.profile {
        // The profile's table says where it works; the top-level keys stay as they are.
        println!("{}", signed_in_line(&base, dialect.name(), &user, &org));
        println!("Session kept in {store} for the profile {name}.");
        if profile.is_some_and(|p| p.org.is_none()) {
            println!(
                "Add org = \"{}\" to [profiles.{name}] to keep working in it.",
                org.id
            );
        }
        return Ok(());
    }
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
    println!("{}", signed_in_line(&base, dialect.name(), &user, &org));
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

/// Text a server sent, made safe to print: no escape sequences or control characters, and
/// not longer than a line.
fn shown(text: &str) -> String {
    crate::tui::sanitize::fit(text, 120)
}

/// What `login` says once it is done; every name in it came from the server.
fn signed_in_line(
    base: &url::Url,
    dialect: &str,
    user: &str,
    org: &crate::model::OrgMembership,
) -> String {
    format!(
        "Signed in to {base} ({dialect}) as {} in {} ({}).",
        shown(user),
        shown(&org.name),
        org.role.as_str()
    )
}

/// A warning when the password and tokens would cross a network unencrypted.
pub fn plain_http_warning(base: &url::Url) -> Option<String> {
    (base.scheme() == "http" && !client::is_loopback(base)).then(|| {
        format!(
            "warning: {base} is plain HTTP: the password and tokens travel unencrypted. \
             Use https:// unless this network is trusted."
        )
    })
}

/// A refused sign-in in one line; anything else says it could not sign in.
fn refused(base: &url::Url, e: ClientError) -> anyhow::Error {
    match e {
        ClientError::SessionExpired(m)
        | ClientError::Api {
            status: 401,
            message: m,
            ..
        } => anyhow!("sign-in refused: {m}"),
        ClientError::Unsupported(m) => anyhow!("{base}: {m}"),
        other => anyhow!("cannot sign in to {base}: {other}"),
    }
}

/// The core: email and password.
async fn password_sign_in(
    client: &Client,
    base: &url::Url,
    email: &str,
    wanted: Option<Uuid>,
) -> anyhow::Result<(String, OrgMembership)> {
    let password = tokio::task::spawn_blocking(|| read_password("Password: ")).await??;
    let answer = client
        .login(email, &password)
        .await
        .map_err(|e| refused(base, e))?;
    let org = pick_org(email, base, &answer.organizations, wanted).await?;
    Ok((answer.user.email, org))
}

/// BottleCRM: a code is emailed, typed back (no echo), and exchanged for tokens; then the
/// tokens are bound to the chosen org with `switch-org` unless the server bound them to it.
async fn code_sign_in(
    client: &Client,
    base: &url::Url,
    email: &str,
    wanted: Option<Uuid>,
) -> anyhow::Result<(String, OrgMembership)> {
    client
        .request_code(email)
        .await
        .map_err(|e| anyhow!("cannot ask {base} for a sign-in code: {e}"))?;
    eprintln!("{base} emails a 6-digit sign-in code to {email} (if it knows the address).");
    let code = tokio::task::spawn_blocking(|| read_password("Code: ")).await??;
    if code.trim().is_empty() {
        bail!("no code given");
    }
    let answer = client
        .verify_code(email, &code)
        .await
        .map_err(|e| refused(base, e))?;
    let org = pick_org(email, base, &answer.organizations, wanted).await?;
    if answer.current_org != Some(org.id) {
        client
            .switch_org(org.id)
            .await
            .map_err(|e| anyhow!("signed in, but cannot switch to the org {}: {e}", org.name))?;
    }
    let user = answer.user.map_or_else(|| email.to_string(), |u| u.email);
    Ok((user, org))
}

/// A personal access token (BottleCRM's `bcrm_pat_…`, or any token the server takes): read
/// without echo, then checked by asking the server who it names. A BottleCRM token belongs to
/// one org, so `--org` must name that one.
async fn token_sign_in(
    client: &Client,
    base: &url::Url,
    wanted: Option<Uuid>,
) -> anyhow::Result<(String, OrgMembership)> {
    let token = tokio::task::spawn_blocking(|| read_password("Token: ")).await??;
    let token = token.trim().to_string();
    if token.is_empty() {
        bail!("no token given");
    }
    let mut client = client.clone();
    if client.known_dialect() == Some(Dialect::Core) {
        // The core takes its org from a header; BottleCRM from the token.
        client.set_org(wanted);
    }
    client.set_tokens(Some(Tokens {
        access: token,
        refresh: None,
    }));
    let profile = client.profile().await.map_err(|e| match e {
        ClientError::SessionExpired(_) => {
            anyhow!("{base} refused the token (wrong, revoked or expired)")
        }
        other => refused(base, other),
    })?;
    if let Some(org) = wanted
        && org != profile.org.id
    {
        bail!(
            "this token belongs to the org {} ({}), not {org}; a personal access token cannot switch orgs",
            profile.org.name,
            profile.org.id
        );
    }
    Ok((profile.user.email, profile.org))
}

/// The org to work in: `wanted`, the only one, or the user's pick from a numbered list.
async fn pick_org(
    email: &str,
    base: &url::Url,
    orgs: &[OrgMembership],
    wanted: Option<Uuid>,
) -> anyhow::Result<OrgMembership> {
    if let Some(id) = wanted {
        return orgs
            .iter()
            .find(|o| o.id == id)
            .cloned()
            .ok_or_else(|| anyhow!("{email} is not a member of the org {id}"));
    }
    match orgs {
        [] => bail!("{email} belongs to no organization on {base}"),
        [only] => Ok(only.clone()),
        many => {
            eprintln!("{email} belongs to several organizations:");
            for (i, o) in many.iter().enumerate() {
                eprintln!(
                    "  {}) {} ({}, {})",
                    i + 1,
                    shown(&o.name),
                    o.role.as_str(),
                    o.id
                );
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
                .cloned()
                .ok_or_else(|| anyhow!("no organization number {n}"))
        }
    }
}

pub async fn logout(args: LogoutArgs, config_path: Option<PathBuf>) -> anyhow::Result<()> {
    init_file_logging();
    let config = Config::load(config_path.as_deref())?;
    let profile_server = match &args.profile {
        Some(name) => Some(
            config
                .for_profile(name)
                .map_err(|e| anyhow!(e))?
                .server
                .ok_or_else(|| anyhow!("the profile {name} names no server"))?,
        ),
        None => None,
    };
    let raw = profile_server
        .or(args.server)
        .or(config.server.clone())
        .ok_or_else(|| anyhow!("no server signed in (pass --server URL)"))?;
    let url = client::parse_server_url(&raw)?.to_string();
    let key = session::key(&url, args.profile.as_deref());
    let file = session::insecure_file_path();
    // BottleCRM's refresh token stays valid for 14 days unless the server retires it: ask it
    // to (best effort; the local copy goes either way).
    let (k, f) = (key.clone(), file.clone());
    let stored = tokio::task::spawn_blocking(move || session::load(&k, f.as_deref()))
        .await
        .ok()
        .flatten();
    if let Some((tokens, _)) = stored
        && tokens.refresh.is_some()
    {
        client::install_crypto_provider();
        let client = Client::new(&url, None, Some(tokens), timeouts(&config))?;
        match client.sign_out().await {
            Ok(true) => println!("The server retired the session's refresh token."),
            Ok(false) => {}
            Err(e) => eprintln!("warning: the server could not retire the session ({e})."),
        }
    }
    let k = key.clone();
    let removed = tokio::task::spawn_blocking(move || session::delete(&k, file.as_deref())).await?;
    let path = config_path.or_else(default_config_path);
    // A profile's table stays: it says where the profile works, not that it is signed in.
    if args.profile.is_none()
        && let Some(path) = &path
        && path.exists()
    {
        edit_config(path, &[("server", None), ("org", None)])?;
    }
    let whose = match &args.profile {
        Some(p) => format!("the profile {p} ({url})"),
        None => url.clone(),
    };
    if removed.is_empty() {
        println!("No stored session for {whose}.");
    } else {
        for s in removed {
            println!("Removed the session for {whose} from {s}.");
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
    fn names_from_the_server_are_printed_clean() {
        let org = crate::model::OrgMembership {
            id: Uuid::nil(),
            name: "Evil\u{1b}]52;c;cGF5bG9hZA==\u{7}\u{1b}[2J Org".into(),
            role: crate::model::Role::Admin,
        };
        let base = url::Url::parse("https://crm.example.com/").unwrap();
        let line = signed_in_line(&base, "BottleCRM", "ana\u{1b}[31m@x.example", &org);
        assert!(!line.chars().any(char::is_control), "{line:?}");
        assert!(line.contains("Org"), "{line}");
        assert_eq!(shown(&"x".repeat(500)).chars().count(), 120);
    }

    #[test]
    fn plain_http_is_flagged_unless_local() {
        let warn = |raw: &str| plain_http_warning(&client::parse_server_url(raw).unwrap());
        assert!(warn("http://crm.example.com").is_some());
        assert!(warn("crm.example.com").is_none(), "bare hosts are https");
        assert!(warn("localhost:8000").is_none());
        assert!(warn("http://127.0.0.1:8000").is_none());
    }

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
