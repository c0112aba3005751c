//! `crmtui config [--defaults]`: where the config is, and the defaults users copy from (the
//! embedded `assets/`: the keymap and the themes).

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;

use super::keymap::DEFAULT_KEYMAP;
use super::theme::THEMES;
use crate::cli::ConfigArgs;
use crate::config::default_config_path;

/// The defaults as one text: the keymap as a `[keys]` table, then each theme.
pub fn defaults_text() -> String {
    let mut out = String::from("[keys]\n");
    out.push_str(DEFAULT_KEYMAP);
    for (name, text) in THEMES {
        out.push_str(&format!(
            "\n# ---- theme \"{name}\" (built in: theme = \"{name}\") ----\n"
        ));
        // Commented out: a theme is chosen by name, these lines document what it sets.
        for line in text.lines() {
            if line.starts_with('#') || line.is_empty() {
                out.push_str(line);
            } else {
                out.push_str("# ");
                out.push_str(line);
            }
            out.push('\n');
        }
    }
    out
}

pub fn config(args: &ConfigArgs, path: Option<PathBuf>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if args.defaults {
        out.write_all(defaults_text().as_bytes())
            .context("cannot write to standard output")?;
        return Ok(());
    }
    let path = path.or_else(default_config_path);
    match path {
        Some(p) => {
            let state = if p.exists() { "" } else { " (not created yet)" };
            writeln!(out, "{}{state}", p.display())
        }
        None => writeln!(out, "no config path on this system; pass --config PATH"),
    }
    .context("cannot write to standard output")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_a_valid_config() {
        let text = defaults_text();
        let config: crate::config::Config = toml::from_str(&text).expect("a valid config");
        assert!(config.keys.contains_key("quit"));
        assert!(text.contains("theme \"light\""));
    }
}
