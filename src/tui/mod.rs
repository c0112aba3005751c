//! The terminal UI.

use std::path::PathBuf;

use crate::cli::{LoginArgs, LogoutArgs, TuiArgs};

pub async fn run(_args: TuiArgs) -> anyhow::Result<()> {
    anyhow::bail!("the TUI is not built yet")
}

pub async fn login(_args: LoginArgs, _config: Option<PathBuf>) -> anyhow::Result<()> {
    anyhow::bail!("login is not built yet")
}

pub async fn logout(_args: LogoutArgs, _config: Option<PathBuf>) -> anyhow::Result<()> {
    anyhow::bail!("logout is not built yet")
}
