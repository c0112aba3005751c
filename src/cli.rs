//! The command line. `crmtui` alone opens the TUI on a local embedded core.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "crmtui",
    version,
    about = "A keyboard-driven terminal client for Django-CRM"
)]
pub struct Cli {
    #[command(flatten)]
    pub tui: TuiArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options of the TUI itself (no subcommand).
#[derive(Debug, Clone, Default, Args)]
pub struct TuiArgs {
    /// Open a throwaway workspace filled with demo data.
    #[arg(long, conflicts_with = "server")]
    pub demo: bool,
    /// Talk to a remote core or Django-CRM server instead of the embedded one.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// Organization id (UUID) to work in.
    #[arg(long, value_name = "ORG_ID")]
    pub org: Option<String>,
    /// Config file (default: the XDG config path).
    #[arg(long, value_name = "PATH", global = true)]
    pub config: Option<PathBuf>,
    /// Data dir of the embedded workspace (default: the XDG data dir).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Browse only: nothing can change the server (also `[ui] read_only = true`).
    #[arg(long)]
    pub read_only: bool,
    /// Work in the config's `[profiles.NAME]` (its server, org, theme, read-only mode; `local`
    /// is the embedded workspace); `:ctx NAME` switches inside the TUI.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["server", "demo"])]
    pub profile: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API core over HTTP.
    Serve(ServeArgs),
    /// Administer a core's data dir directly (no server needed).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Sign in to a server and keep the session in the OS keyring.
    Login(LoginArgs),
    /// Forget the stored session.
    Logout(LogoutArgs),
    /// Where the config file is; `--defaults` prints the default keymap and themes to copy from.
    Config(ConfigArgs),
    /// Print a shell completion script (e.g. `crmtui completions bash > /etc/bash_completion.d/crmtui`).
    Completions(CompletionsArgs),
    /// Print the man page (roff), e.g. `crmtui man | man -l -`.
    Man,
    /// Accounts from a shell: list, show, comment, create, update (exit codes: 0 done, 1 the
    /// server refused, 2 usage, 3 not signed in, 4 unreachable).
    #[command(subcommand)]
    Accounts(crate::script::AccountsCommand),
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

/// `crmtui completions SHELL`: the script on stdout.
pub fn print_completions(shell: clap_complete::Shell) -> std::io::Result<()> {
    use clap::CommandFactory as _;
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "crmtui", &mut out);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &out)
}

/// `crmtui man`: the page in roff on stdout.
pub fn print_man() -> std::io::Result<()> {
    use clap::CommandFactory as _;
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    std::io::Write::write_all(&mut std::io::stdout().lock(), &out)
}

#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Print the default keymap (a `[keys]` table) and the built-in themes.
    #[arg(long)]
    pub defaults: bool,
}

/// Which database a core uses.
#[derive(Debug, Clone, Default, Args)]
pub struct DatabaseArgs {
    /// Where the SQLite database and uploaded files live (default: the XDG data dir).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// `postgres://USER:PASSWORD@HOST:PORT/DB` for PostgreSQL, or `sqlite:PATH` for a SQLite
    /// workspace dir (the default: the data dir).
    #[arg(
        long,
        value_name = "URL",
        env = "CRMTUI_DATABASE_URL",
        hide_env_values = true
    )]
    pub database: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Address to listen on (default: the config's `[core] bind`, else 127.0.0.1:8000).
    #[arg(long)]
    pub bind: Option<SocketAddr>,
    /// Largest request body or upload, in bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_body: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a user (and the org, if it doesn't exist) and add them to the org.
    CreateUser(CreateUserArgs),
    /// Fill an org with realistic demo data.
    SeedDemo(SeedDemoArgs),
    /// Apply pending database migrations (serve applies them at start too).
    Migrate(MigrateArgs),
}

#[derive(Debug, Clone, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(Debug, Clone, Args)]
pub struct CreateUserArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[arg(long)]
    pub email: String,
    /// Read the password from standard input (one line).
    #[arg(long, conflicts_with = "password")]
    pub password_stdin: bool,
    /// The password on the command line (visible to other users of the machine: for scripts).
    #[arg(long)]
    pub password: Option<String>,
    /// Org name.
    #[arg(long)]
    pub org: String,
    /// ADMIN or USER.
    #[arg(long, default_value = "USER", value_parser = ["ADMIN", "USER", "admin", "user"])]
    pub role: String,
}

#[derive(Debug, Clone, Args)]
pub struct SeedDemoArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Org name (created if missing).
    #[arg(long)]
    pub org: String,
    /// How many accounts to create.
    #[arg(long, default_value_t = 200)]
    pub accounts: usize,
}

#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    #[arg(long, value_name = "URL", required_unless_present = "profile")]
    pub server: Option<String>,
    /// Sign in as this user: the server's own way (a password for the core, an emailed code
    /// for BottleCRM).
    #[arg(
        long,
        required_unless_present_any = ["token", "profile"],
        conflicts_with = "token"
    )]
    pub email: Option<String>,
    /// Sign in for the config's `[profiles.NAME]` (its server, email and org unless given);
    /// its session is kept apart from other profiles'.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Sign in with a personal access token (read without echo, or from standard input).
    #[arg(long)]
    pub token: bool,
    /// Organization id to work in (default: the only one, or ask).
    #[arg(long, value_name = "ORG_ID")]
    pub org: Option<String>,
    /// Where no OS keyring works, store the tokens in a 0600 file.
    #[arg(long)]
    pub insecure_storage: bool,
}

#[derive(Debug, Clone, Args)]
pub struct LogoutArgs {
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// Forget the session of the config's `[profiles.NAME]`.
    #[arg(long, value_name = "NAME", conflicts_with = "server")]
    pub profile: Option<String>,
}
