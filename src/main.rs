use std::process::ExitCode;

use clap::Parser;
use crmtui::cli::{AdminCommand, Cli, Command};

/// The TUI (with its embedded core) keeps to a small memory budget: glibc gives each thread
/// that allocates its own arena, and the runtime's worker threads would keep several mostly
/// empty ones (about 6 MB of RSS at 100,000 accounts). Two are plenty for one user. The server
/// (`serve`) keeps glibc's default, which its concurrency wants.
fn few_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Accounts(command)) = cli.command {
        return scripted(command, cli.tui.config);
    }
    if cli.command.is_none() {
        few_malloc_arenas();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            say(&format!("cannot start the async runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Some(Command::Serve(args)) => crmtui::server::cli::serve(args, cli.tui.config).await,
            Some(Command::Admin(AdminCommand::CreateUser(args))) => {
                crmtui::server::cli::create_user(args, cli.tui.config).await
            }
            Some(Command::Admin(AdminCommand::SeedDemo(args))) => {
                crmtui::server::cli::seed_demo(args, cli.tui.config).await
            }
            Some(Command::Admin(AdminCommand::Migrate(args))) => {
                crmtui::server::cli::migrate(args, cli.tui.config).await
            }
            Some(Command::Login(args)) => crmtui::signin::login(args, cli.tui.config).await,
            Some(Command::Logout(args)) => crmtui::signin::logout(args, cli.tui.config).await,
            Some(Command::Completions(args)) => {
                crmtui::cli::print_completions(args.shell).map_err(anyhow::Error::from)
            }
            Some(Command::Man) => crmtui::cli::print_man().map_err(anyhow::Error::from),
            Some(Command::Accounts(_)) => Ok(()),
            Some(Command::Config(args)) => crmtui::tui::defaults::config(&args, cli.tui.config),
            None => crmtui::tui::run(cli.tui).await,
        }
    });
    // The log writer is a thread of its own: let it finish the queued lines before exit.
    crmtui::logging::flush_logs();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say(&format!("{e:#}"));
            ExitCode::FAILURE
        }
    }
}

/// `crmtui accounts …`: its own exit codes (see `crmtui::script`).
fn scripted(
    command: crmtui::script::AccountsCommand,
    config: Option<std::path::PathBuf>,
) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            say(&format!("cannot start the async runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(crmtui::script::accounts(command, config));
    crmtui::logging::flush_logs();
    ExitCode::from(crmtui::script::exit_code(result))
}

/// Writes to stderr, ignoring failure: after a hangup stderr may be a dead terminal, and
/// `eprintln!` would panic there.
fn say(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "crmtui: {message}");
}
