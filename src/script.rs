//! `crmtui accounts …`: the accounts from a shell, on the TUI's client and sessions.
//!
//! Output is stable: `list` prints one account a line, tab-separated, in the columns of
//! [`COLUMNS`] (`--csv`: the same with a header; `--json`: the API's account objects); `show`
//! prints `key: value` lines (`--json`: the API's detail). Errors go to stderr as one line.
//! Exit codes: 0 done, 1 the server refused or failed, 2 usage, 3 not signed in (or the session
//! ended), 4 the server could not be reached.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::client::{self, Client, ClientError, Tokens, session};
use crate::config::Config;
use crate::model::{Account, AccountFilter, AccountInput, AccountStatus};

/// Where a command runs: `--server`/the config's server, else the local workspace.
#[derive(Debug, Clone, Args)]
pub struct Target {
    /// A remote core or Django-CRM server (default: the config's `server`, else the local
    /// workspace).
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// Organization id (default: the config's `org`).
    #[arg(long, value_name = "ORG_ID")]
    pub org: Option<String>,
    /// Data dir of the local workspace.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// List accounts (open first, then closed), one a line.
    List(ListArgs),
    /// One account with its contacts, deals, cases, tasks, invoices and thread.
    Show(ShowArgs),
    /// Add a comment; `--text -` reads it from standard input.
    Comment(CommentArgs),
    /// Create an account from `--field key=value` pairs; prints its id.
    Create(WriteArgs),
    /// Change the fields given as `--field key=value`; prints the id.
    Update(UpdateArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub target: Target,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub city: Option<String>,
    #[arg(long)]
    pub industry: Option<String>,
    /// Comma-separated tag names (any matches).
    #[arg(long)]
    pub tags: Option<String>,
    /// `open` or `closed` (default: both).
    #[arg(long, value_parser = ["open", "closed"])]
    pub status: Option<String>,
    /// Rows per page.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Every page, not only one.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, Args)]
pub struct Format {
    /// The API's JSON.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// CSV with a header row.
    #[arg(long)]
    pub csv: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub target: Target,
    pub id: Uuid,
    /// The API's JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CommentArgs {
    #[command(flatten)]
    pub target: Target,
    pub id: Uuid,
    /// The comment, or `-` to read it from standard input.
    #[arg(long)]
    pub text: String,
}

#[derive(Debug, Args)]
pub struct WriteArgs {
    #[command(flatten)]
    pub target: Target,
    /// `key=value`, repeated: the API's field names. Lists (`tags`, `assigned_to`, `teams`,
    /// `contacts`) are comma-separated; an empty value clears a field.
    #[arg(long = "field", value_name = "KEY=VALUE", required = true)]
    pub fields: Vec<String>,
    /// Print the account as JSON rather than its id.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    pub id: Uuid,
    #[command(flatten)]
    pub write: WriteArgs,
}

/// The columns of `list`'s text and CSV output, in order.
pub const COLUMNS: &[&str] = &["id", "name", "status", "city", "industry", "tags"];

/// How a command ended, as an exit code (see the module's note).
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Failure {
        let code = match &e {
            ClientError::SessionExpired(_) => 3,
            ClientError::Api { status: 401, .. } => 3,
            ClientError::Unreachable(_) | ClientError::Timeout => 4,
            _ => 1,
        };
        Failure {
            code,
            message: one_line(&e.to_string()),
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure {
            code: 1,
            message: one_line(&format!("{e:#}")),
        }
    }
}

fn one_line(s: &str) -> String {
    crate::tui::sanitize::line(s).into_owned()
}

/// Runs an `accounts` command; the exit code and, on failure, the line for stderr.
pub async fn accounts(command: AccountsCommand, config: Option<PathBuf>) -> Result<(), Failure> {
    client::install_crypto_provider();
    let config = Config::load(config.as_deref()).map_err(|e| Failure::usage(e.to_string()))?;
    let target = match &command {
        AccountsCommand::List(a) => &a.target,
        AccountsCommand::Show(a) => &a.target,
        AccountsCommand::Comment(a) => &a.target,
        AccountsCommand::Create(a) => &a.target,
        AccountsCommand::Update(a) => &a.write.target,
    };
    let (client, _core) = connect(target, &config).await?;
    let mut out = std::io::stdout().lock();
    match command {
        AccountsCommand::List(a) => list(&client, a, &mut out).await,
        AccountsCommand::Show(a) => show(&client, a, &mut out).await,
        AccountsCommand::Comment(a) => {
            let text = if a.text == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .map_err(|e| Failure::usage(format!("cannot read standard input: {e}")))?;
                s
            } else {
                a.text
            };
            if text.trim().is_empty() {
                return Err(Failure::usage("the comment is empty"));
            }
            let added = client.add_comment(a.id, text.trim_end()).await?;
            let id = added.comment.map(|c| c.id.to_string()).unwrap_or_default();
            writeln!(out, "{id}").map_err(io)
        }
        AccountsCommand::Create(a) => {
            let input = fields(&a.fields)?;
            let account = client.create_account(&input).await?;
            print_account(&mut out, &account, a.json)
        }
        AccountsCommand::Update(a) => {
            let input = fields(&a.write.fields)?;
            let account = client.update_account(a.id, &input).await?;
            print_account(&mut out, &account, a.write.json)
        }
    }
}

fn io(e: std::io::Error) -> Failure {
    // A closed pipe (`| head`) is the reader's choice, not a failure worth a message.
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return Failure {
            code: 0,
            message: String::new(),
        };
    }
    Failure {
        code: 1,
        message: format!("cannot write the output: {e}"),
    }
}

/// A client on the target; for the local workspace, the core it runs in (kept alive).
async fn connect(
    target: &Target,
    config: &Config,
) -> Result<(Client, Option<crate::server::Core>), Failure> {
    let timeouts = crate::tui::boot::timeouts(config);
    let org = match target
        .org
        .clone()
        .or_else(|| config.org.clone())
        .filter(|s| !s.trim().is_empty())
    {
        Some(raw) => Some(
            Uuid::parse_str(raw.trim())
                .map_err(|_| Failure::usage(format!("the org id {raw:?} is not a UUID")))?,
        ),
        None => None,
    };
    let Some(url) = target.server.clone().or_else(|| config.server.clone()) else {
        let (client, core) = crate::tui::boot::open_local(config, target.data_dir.clone())
            .await
            .map_err(Failure::from)?;
        return Ok((client, Some(core)));
    };
    let base = client::parse_server_url(&url)?;
    let key = base.to_string();
    if let Some(t) = std::env::var("CRMTUI_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        let tokens = Tokens {
            access: t.trim().to_string(),
            refresh: None,
        };
        return Ok((
            Client::new(base.as_str(), org, Some(tokens), timeouts)?,
            None,
        ));
    }
    let file = session::insecure_file_path().filter(|p| p.exists());
    let (k, f) = (key.clone(), file.clone());
    let found = tokio::task::spawn_blocking(move || session::load(&k, f.as_deref()))
        .await
        .context("session lookup")?;
    let Some((tokens, _)) = found else {
        return Err(Failure {
            code: 3,
            message: format!("not signed in to {key}: run `crmtui login --server {key}`"),
        });
    };
    // Refresh tokens are single-use: a rotated one must be kept, or the next run reuses a
    // spent token and the server ends every session.
    let sink: client::TokenSink = Arc::new(move |t: &Tokens| {
        if let Err(e) = session::save(&key, t, file.as_deref()) {
            tracing::warn!(error = %e, "cannot keep the refreshed session");
        }
    });
    Ok((
        Client::new(base.as_str(), org, Some(tokens), timeouts)?.with_refresh_sink(sink),
        None,
    ))
}

async fn list(client: &Client, a: ListArgs, out: &mut impl Write) -> Result<(), Failure> {
    let filter = AccountFilter {
        name: a.name,
        city: a.city,
        industry: a.industry,
        tags: a
            .tags
            .map(|t| {
                t.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        status: a.status.as_deref().and_then(AccountStatus::parse),
    };
    let limit = a.limit.clamp(1, 1000);
    let mut offset = a.offset;
    let mut rows: Vec<Account> = Vec::new();
    if a.format.csv {
        writeln!(out, "{}", COLUMNS.join(",")).map_err(io)?;
    }
    loop {
        let page = client.accounts(&filter, limit, offset).await?;
        let got = page.open_accounts.len().max(page.closed_accounts.len());
        let batch: Vec<Account> = page
            .open_accounts
            .into_iter()
            .chain(page.closed_accounts)
            .collect();
        if a.format.json {
            rows.extend(batch);
        } else {
            for account in &batch {
                write_row(out, account, a.format.csv).map_err(io)?;
            }
        }
        offset += limit;
        if !a.all || got < limit {
            break;
        }
    }
    if a.format.json {
        serde_json::to_writer_pretty(&mut *out, &rows).map_err(|e| Failure {
            code: 1,
            message: e.to_string(),
        })?;
        writeln!(out).map_err(io)?;
    }
    Ok(())
}

fn write_row(out: &mut impl Write, a: &Account, csv: bool) -> std::io::Result<()> {
    let cells = [
        a.id.to_string(),
        a.name.clone(),
        a.status.as_str().to_string(),
        a.billing_city.clone(),
        a.industry.clone(),
        a.tags.join(","),
    ];
    if csv {
        let quoted: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        writeln!(out, "{}", quoted.join(","))
    } else {
        // Tabs and newlines inside a value would break the columns.
        let clean: Vec<String> = cells
            .iter()
            .map(|c| c.replace(['\t', '\n', '\r'], " "))
            .collect();
        writeln!(out, "{}", clean.join("\t"))
    }
}

/// RFC 4180 quoting, and a leading `'` before what a spreadsheet would run as a formula.
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

async fn show(client: &Client, a: ShowArgs, out: &mut impl Write) -> Result<(), Failure> {
    let d = client.account(a.id).await?;
    if a.json {
        serde_json::to_writer_pretty(&mut *out, &d).map_err(|e| Failure {
            code: 1,
            message: e.to_string(),
        })?;
        return writeln!(out).map_err(io);
    }
    let acc = &d.account_obj;
    let lines = [
        ("id", acc.id.to_string()),
        ("name", acc.name.clone()),
        ("status", acc.status.as_str().to_string()),
        ("email", acc.email.clone()),
        ("phone", acc.phone.clone()),
        ("website", acc.website.clone()),
        ("industry", acc.industry.clone()),
        ("city", acc.billing_city.clone()),
        ("country", acc.billing_country.clone()),
        ("tags", acc.tags.join(", ")),
        ("contacts", d.contacts.len().to_string()),
        ("opportunities", d.opportunities.len().to_string()),
        ("cases", d.cases.len().to_string()),
        ("tasks", d.tasks.len().to_string()),
        ("invoices", d.invoices.len().to_string()),
        ("comments", d.comments.len().to_string()),
        ("attachments", d.attachments.len().to_string()),
    ];
    for (k, v) in lines {
        writeln!(out, "{k}: {}", one_line(&v)).map_err(io)?;
    }
    Ok(())
}

/// `--field k=v` pairs as an account body; the API checks the names and values.
fn fields(pairs: &[String]) -> Result<AccountInput, Failure> {
    const LISTS: &[&str] = &["tags", "assigned_to", "teams", "contacts"];
    let mut body = Map::new();
    for pair in pairs {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| Failure::usage(format!("--field {pair:?}: use key=value")))?;
        let k = k.trim();
        let value = if LISTS.contains(&k) {
            Value::Array(
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_string()))
                    .collect(),
            )
        } else if v.is_empty() {
            Value::Null
        } else {
            Value::String(v.to_string())
        };
        body.insert(k.to_string(), value);
    }
    serde_json::from_value(Value::Object(body))
        .map_err(|e| Failure::usage(format!("bad --field: {e}")))
}

fn print_account(out: &mut impl Write, a: &Account, json: bool) -> Result<(), Failure> {
    if json {
        serde_json::to_writer_pretty(&mut *out, a).map_err(|e| Failure {
            code: 1,
            message: e.to_string(),
        })?;
        writeln!(out).map_err(io)
    } else {
        writeln!(out, "{}", a.id).map_err(io)
    }
}

/// For `main`: runs the command and says how it ended.
pub fn exit_code(result: Result<(), Failure>) -> u8 {
    match result {
        Ok(()) => 0,
        Err(f) => {
            if !f.message.is_empty() {
                let _ = writeln!(std::io::stderr(), "crmtui: {}", f.message);
            }
            f.code
        }
    }
}

/// Unknown-field errors from the API name the field; keep them as the one line.
impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::anyhow;

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(csv_cell("Acme"), "Acme");
        assert_eq!(csv_cell("Acme, Inc"), "\"Acme, Inc\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }

    #[test]
    fn fields_become_a_partial_body() {
        let input = fields(&["name=Acme".into(), "tags=a, b".into(), "website=".into()])
            .map_err(|f| f.message)
            .unwrap_or_default();
        assert_eq!(input.name.value().map(String::as_str), Some("Acme"));
        assert!(matches!(input.website, crate::model::Patch::Null));
        assert!(fields(&["oops".into()]).is_err());
    }

    #[test]
    fn anyhow_messages_are_one_line() {
        let f = Failure::from(anyhow!("first\nsecond"));
        assert!(!f.message.contains('\n'));
    }
}
