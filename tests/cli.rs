//! The command line's own subcommands, run as a user would (the real binary).

use std::process::Command;

fn crmtui(args: &[&str]) -> std::process::Output {
    let home = tempfile::tempdir().expect("tempdir");
    Command::new(env!("CARGO_BIN_EXE_crmtui"))
        .args(args)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .output()
        .expect("run crmtui")
}

fn stdout(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}; stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf8")
}

#[test]
fn config_defaults_prints_the_embedded_keymap_and_themes() {
    let text = stdout(&crmtui(&["config", "--defaults"]));
    assert!(text.starts_with("[keys]\n"), "{text}");
    assert!(text.contains("quit = [\"q\", \"ctrl-c\"]"), "{text}");
    assert!(text.contains("copy = [\"y\"]"), "{text}");
    for theme in ["dark", "light", "mono"] {
        assert!(text.contains(&format!("theme \"{theme}\"")), "{text}");
    }
    // What it prints is a config that loads: users can start from it as is.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, &text).expect("write");
    let loaded = crmtui::config::Config::load(Some(&path)).expect("a valid config");
    assert_eq!(
        loaded.keys.get("external_editor"),
        Some(&vec!["ctrl-e".to_string()])
    );
    // Without --defaults: where the config is.
    let text = stdout(&crmtui(&["config"]));
    assert!(text.contains("config.toml"), "{text}");
    assert!(text.contains("not created yet"), "{text}");
}

#[test]
fn completions_for_each_shell_name_the_subcommands() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef crmtui"),
        ("fish", "complete -c crmtui"),
    ] {
        let text = stdout(&crmtui(&["completions", shell]));
        assert!(text.contains(marker), "{shell}: {text}");
        for sub in ["serve", "login", "config", "completions"] {
            assert!(text.contains(sub), "{shell} lacks {sub}");
        }
        assert!(text.contains("read-only"), "{shell} lacks --read-only");
    }
    let out = crmtui(&["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn man_prints_a_roff_page() {
    let text = stdout(&crmtui(&["man"]));
    assert!(text.contains(".TH crmtui"), "{text}");
    assert!(text.contains("read\\-only"), "{text}");
    assert!(text.contains("completions"), "{text}");
}
