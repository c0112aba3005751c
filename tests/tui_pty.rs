//! The real binary in a pseudo terminal on a real (embedded) core: type keys, read the screen
//! through a terminal emulator (vt100), check what a user would see.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

struct Tui {
    screen: Arc<Mutex<vt100::Parser>>,
    /// Every byte the app wrote, for escapes the screen does not show (OSC 52).
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _home: tempfile::TempDir,
}

impl Tui {
    fn start(args: &[&str]) -> Tui {
        Tui::start_in(tempfile::tempdir().expect("tempdir"), args, &[])
    }

    /// In `home`, with `env` set on top of the test's own environment.
    fn start_in(home: tempfile::TempDir, args: &[&str], env: &[(&str, &str)]) -> Tui {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_crmtui"));
        for a in args {
            cmd.arg(a);
        }
        cmd.arg("--data-dir");
        cmd.arg(home.path().join("data"));
        cmd.env("HOME", home.path());
        cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
        cmd.env("XDG_DATA_HOME", home.path().join("share"));
        cmd.env("XDG_STATE_HOME", home.path().join("state"));
        cmd.env("XDG_CACHE_HOME", home.path().join("cache"));
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        // The test's own terminal must not leak in (a tmux pane, an SSH session, an editor).
        for var in ["TMUX", "SSH_CONNECTION", "SSH_TTY", "VISUAL", "EDITOR"] {
            cmd.env_remove(var);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.cwd(home.path());
        let child = pair.slave.spawn_command(cmd).expect("spawn crmtui");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = Arc::new(Mutex::new(pair.master.take_writer().expect("writer")));
        let screen = Arc::new(Mutex::new(vt100::Parser::new(24, 80, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (s, w, r) = (screen.clone(), writer.clone(), raw.clone());
        std::thread::spawn(move || {
            let _keep = pair.master;
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut r) = r.lock() {
                    r.extend_from_slice(&buf[..n]);
                }
                let Ok(mut p) = s.lock() else { break };
                p.process(&buf[..n]);
                // vt100 only draws; answer cursor position queries (DSR) as a terminal would.
                if buf[..n].windows(4).any(|x| x == b"\x1b[6n")
                    && let Ok(mut w) = w.lock()
                {
                    let (row, col) = p.screen().cursor_position();
                    let _ = write!(w, "\x1b[{};{}R", row + 1, col + 1);
                    let _ = w.flush();
                }
            }
        });
        Tui {
            screen,
            raw,
            writer,
            child,
            _home: home,
        }
    }

    fn contents(&self) -> String {
        self.screen
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
    }

    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.contents();
            if ok(&text) {
                return text;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Waits until the app has written `bytes` (anywhere in its output).
    fn wait_bytes(&self, what: &str, bytes: &[u8]) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let seen = self
                .raw
                .lock()
                .map(|r| r.windows(bytes.len()).any(|w| w == bytes))
                .unwrap_or(false);
            if seen {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out waiting for {what}; the screen:\n{}",
                    self.contents()
                );
            }
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    fn raw_contains(&self, bytes: &[u8]) -> bool {
        self.raw
            .lock()
            .map(|r| r.windows(bytes.len()).any(|w| w == bytes))
            .unwrap_or(false)
    }

    fn home(&self) -> &std::path::Path {
        self._home.path()
    }

    fn quit(&mut self) {
        self.keys("q");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(status.success(), "exit status {status:?}");
                return;
            }
            assert!(Instant::now() < deadline, "crmtui did not exit on q");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_text(&self, needle: &str) -> String {
        self.wait_for(needle, |s| s.contains(needle))
    }

    fn keys(&mut self, s: &str) {
        let mut w = self.writer.lock().expect("writer");
        w.write_all(s.as_bytes()).expect("write keys");
        w.flush().expect("flush");
        drop(w);
        // Give the app a moment per burst, as a person would.
        std::thread::sleep(Duration::from_millis(60));
    }

    fn create_account(&mut self, name: &str, city: &str) {
        self.keys("n");
        self.wait_text("New account");
        self.keys(name);
        // name → email → phone → industry → website → status → address → street → city
        self.keys(&"\t".repeat(8));
        self.keys(city);
        self.keys("\x13"); // ctrl-s
        self.wait_text(&format!("created {name}"));
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[test]
fn create_comment_and_filter_in_a_real_terminal() {
    let mut tui = Tui::start(&[]);
    // First run: an empty list with a hint.
    tui.wait_text("No open accounts yet");
    tui.wait_text("to create an account");

    tui.create_account("Other Inc", "Porto");
    tui.create_account("Pty Test Co", "Lisbon");
    tui.wait_text("open 2");

    // Comment on the selected (newest) account.
    tui.keys("c");
    tui.wait_text("Comment on Pty Test Co");
    tui.keys("Hello from the pty");
    tui.keys("\x13");
    tui.wait_text("comment posted");
    let screen = tui.wait_text("Hello from the pty");
    assert!(screen.contains("you · just now"), "{screen}");

    // Find it by filter.
    tui.keys("\x1b"); // back to the list
    tui.keys("/");
    tui.keys("pty");
    tui.keys("\r");
    let screen = tui.wait_for("the filtered list", |s| {
        s.contains("open 1") && !s.contains("Other Inc")
    });
    assert!(screen.contains("Pty Test Co"), "{screen}");
    assert!(screen.contains("Lisbon"), "{screen}");

    // Quit restores the terminal and exits cleanly.
    tui.keys("q");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = tui.child.try_wait() {
            assert!(status.success(), "exit status {status:?}");
            break;
        }
        assert!(Instant::now() < deadline, "crmtui did not exit on q");
        std::thread::sleep(Duration::from_millis(50));
    }
    let alt = tui
        .screen
        .lock()
        .map(|p| p.screen().alternate_screen())
        .unwrap_or(true);
    assert!(!alt, "left the alternate screen");
}

#[test]
fn y_copies_with_osc52_and_wraps_it_inside_tmux() {
    let mut tui = Tui::start(&[]);
    tui.wait_text("No open accounts yet");
    tui.create_account("Pty Copy Co", "Lisbon");
    tui.keys("y");
    tui.wait_text("Copy");
    tui.keys("n");
    tui.wait_text("copied the name: Pty Copy Co");
    // base64("Pty Copy Co") = UHR5IENvcHkgQ28=
    tui.wait_bytes("the OSC 52 sequence", b"\x1b]52;c;UHR5IENvcHkgQ28=\x07");
    assert!(
        !tui.raw_contains(b"\x1bPtmux;"),
        "wrapped for tmux outside tmux"
    );
    tui.quit();

    // Inside tmux: the same sequence in tmux's passthrough, its ESC doubled.
    let mut tui = Tui::start_in(
        tempfile::tempdir().expect("tempdir"),
        &[],
        &[("TMUX", "/tmp/tmux-1000/default,1234,0")],
    );
    tui.wait_text("No open accounts yet");
    tui.create_account("Pty Copy Co", "Lisbon");
    tui.keys("yn");
    tui.wait_bytes(
        "the wrapped OSC 52 sequence",
        b"\x1bPtmux;\x1b\x1b]52;c;UHR5IENvcHkgQ28=\x07\x1b\\",
    );
    tui.quit();
}

#[test]
fn ctrl_e_edits_the_comment_in_the_editor_and_a_failing_one_keeps_the_draft() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().expect("tempdir");
    // The editor: records the draft and its file mode, writes two lines; fails when told to.
    let script = home.path().join("fake editor.sh");
    let body = r#"#!/bin/sh
for f; do :; done
dir=$(dirname "$0")
cp "$f" "$dir/seen.txt"
stat -c %a "$f" > "$dir/mode.txt"
if [ -e "$dir/fail" ]; then exit 3; fi
# ctrl-c typed in the editor: the whole foreground group gets SIGINT, crmtui too.
if [ -e "$dir/sigint" ]; then trap '' INT; kill -INT 0; fi
printf 'Written in the editor\nsecond line\n' > "$f"
"#;
    std::fs::write(&script, body).expect("script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    // Quoted, with an argument: split as a shell would.
    let visual = format!("'{}' --wait", script.display());
    let mut tui = Tui::start_in(home, &[], &[("VISUAL", &visual)]);
    tui.wait_text("No open accounts yet");
    tui.create_account("Pty Edit Co", "Porto");

    tui.keys("c");
    tui.wait_text("Comment on Pty Edit Co");
    tui.keys("my draft");
    tui.keys("\x05"); // ctrl-e
    tui.wait_text("text taken from the editor");
    // The TUI left the alternate screen for the editor (and came back, below).
    assert!(tui.raw_contains(b"\x1b[?1049l"), "never suspended");
    let screen = tui.wait_text("Written in the editor");
    assert!(screen.contains("second line"), "{screen}");
    let alt = tui.screen.lock().map(|p| p.screen().alternate_screen());
    assert_eq!(alt.ok(), Some(true), "the TUI took the screen back");
    let home = tui.home().to_path_buf();
    assert_eq!(
        std::fs::read_to_string(home.join("seen.txt"))
            .ok()
            .as_deref(),
        Some("my draft")
    );
    assert_eq!(
        std::fs::read_to_string(home.join("mode.txt"))
            .ok()
            .as_deref(),
        Some("600\n")
    );
    tui.keys("\x13"); // ctrl-s
    tui.wait_text("comment posted");

    // A failing editor: the draft stays, and the status line says so.
    std::fs::write(home.join("fail"), "").expect("marker");
    tui.keys("c");
    tui.wait_text("Comment on Pty Edit Co");
    tui.keys("keep me");
    tui.keys("\x05");
    let screen = tui.wait_text("draft is unchanged");
    assert!(screen.contains("keep me"), "{screen}");
    assert!(screen.contains("Comment on Pty Edit Co"), "{screen}");

    // A SIGINT while the editor runs is the editor's: crmtui stays and takes the text back.
    std::fs::remove_file(home.join("fail")).expect("marker");
    std::fs::write(home.join("sigint"), "").expect("marker");
    tui.keys("\x05");
    tui.wait_text("Written in the editor");
    assert!(
        matches!(tui.child.try_wait(), Ok(None)),
        "crmtui died of the editor's SIGINT"
    );
    tui.keys("\x1b");
    tui.keys("y");
    tui.quit();
}

#[test]
fn read_only_refuses_writes_in_a_real_terminal() {
    let mut tui = Tui::start(&[]);
    tui.wait_text("No open accounts yet");
    tui.create_account("Ro Co", "Faro");
    tui.quit();
    // The same workspace again, read-only.
    let home = std::mem::replace(&mut tui._home, tempfile::tempdir().expect("tempdir"));
    let mut tui = Tui::start_in(home, &["--read-only"], &[]);
    let screen = tui.wait_text("Ro Co");
    assert!(screen.contains("read-only"), "{screen}");
    for hidden in ["n new", "e edit", "d delete"] {
        assert!(!screen.contains(hidden), "{hidden:?} offered:\n{screen}");
    }
    tui.keys("d");
    tui.wait_text("read-only: delete is off");
    tui.keys("n");
    tui.wait_text("read-only: new is off");
    tui.keys(":delete\r");
    tui.wait_text("read-only: delete is off");
    let screen = tui.contents();
    assert!(!screen.contains("Delete the account"), "{screen}");
    assert!(!screen.contains("New account"), "{screen}");
    // Reading still works.
    tui.keys("yn");
    tui.wait_text("copied the name: Ro Co");
    tui.quit();
    // Nothing changed: the account is still there, open.
    let home = std::mem::replace(&mut tui._home, tempfile::tempdir().expect("tempdir"));
    let mut tui = Tui::start_in(home, &[], &[]);
    tui.wait_text("Ro Co");
    tui.wait_text("open 1");
    tui.quit();
}

#[test]
fn export_writes_the_filtered_list_and_asks_before_replacing() {
    let mut tui = Tui::start(&[]);
    tui.wait_text("No open accounts yet");
    tui.create_account("Alpha Export", "Porto");
    tui.create_account("Beta, \"Quoted\"", "Lisbon");
    tui.create_account("Gamma Other", "Faro");
    tui.wait_text("open 3");
    tui.keys("/");
    tui.keys("a");
    tui.keys("\r");
    // A relative path: beside the process (the test's home).
    tui.keys(":export out.csv\r");
    tui.wait_text("exported 3 rows to out.csv");
    let home = tui.home().to_path_buf();
    let text = std::fs::read_to_string(home.join("out.csv")).expect("the export");
    assert!(text.starts_with("id,name,email,phone,"), "{text}");
    assert!(text.contains(",\"Beta, \"\"Quoted\"\"\","), "{text}");
    assert_eq!(text.lines().count(), 4, "{text}");

    tui.keys("/");
    tui.keys("\x15export\r"); // ctrl-u clears the line first
    tui.wait_for("the filtered list", |s| s.contains("open 1"));
    tui.keys(":export out.csv\r");
    tui.wait_text("out.csv exists. Replace it?");
    tui.keys("y");
    tui.wait_text("exported 1 row to out.csv");
    let text = std::fs::read_to_string(home.join("out.csv")).expect("the export");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("Alpha Export"), "{text}");

    tui.keys(":export out.json\r");
    tui.wait_text("exported 1 row to out.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(home.join("out.json")).expect("json"))
            .expect("valid JSON");
    assert_eq!(json[0]["name"], "Alpha Export");
    // No temp file left beside them.
    let parts: Vec<_> = std::fs::read_dir(&home)
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(parts.is_empty(), "{parts:?}");
    tui.quit();
}

#[test]
fn mouse_clicks_select_when_turned_on() {
    let home = tempfile::tempdir().expect("tempdir");
    let dir = home.path().join("config").join("crmtui");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(dir.join("config.toml"), "[ui]\nmouse = true\n").expect("config");
    let mut tui = Tui::start_in(home, &[], &[]);
    tui.wait_text("No open accounts yet");
    tui.wait_bytes("mouse capture on", b"\x1b[?1000h");
    tui.create_account("Mouse One", "Porto");
    tui.create_account("Mouse Two", "Faro");
    // Newest first: "Mouse Two" on screen row 5, "Mouse One" on row 6 (1-based, SGR).
    tui.wait_for("the detail of Mouse Two", |s| s.contains("┌ Mouse Two"));
    tui.keys("\x1b[<0;6;6M\x1b[<0;6;6m");
    tui.wait_for("the detail of Mouse One", |s| s.contains("┌ Mouse One"));
    tui.quit();
    assert!(tui.raw_contains(b"\x1b[?1000l"), "mouse capture left on");
}

/// The right-hand pane's lines (the detail), as the screen shows them.
fn detail_lines(screen: &str) -> Vec<String> {
    // The detail pane starts where the second box's top-left corner is.
    let at = screen
        .lines()
        .find_map(|l| {
            let chars: Vec<char> = l.chars().collect();
            chars
                .windows(2)
                .position(|w| w == ['┐', '┌'])
                .map(|i| i + 1)
        })
        .unwrap_or(41);
    screen
        .lines()
        .map(|l| l.chars().skip(at).collect::<String>())
        .collect()
}

/// Whether the selected link of the detail pane is under the `Cases (n)` heading.
fn a_case_is_selected(screen: &str) -> bool {
    let lines = detail_lines(screen);
    let heading = lines.iter().rposition(|l| l.starts_with("│Cases ("));
    let selected = lines.iter().position(|l| l.starts_with("│▶ "));
    match (heading, selected) {
        (Some(h), Some(s)) => {
            s > h
                && !lines[h + 1..s]
                    .iter()
                    .any(|l| l.trim_matches(|c| c == '│' || c == ' ').is_empty())
        }
        _ => false,
    }
}

#[test]
fn from_an_account_to_its_case_close_it_and_back() {
    let mut tui = Tui::start(&["--demo"]);
    tui.wait_text("Demo");
    // A case, then its account: the trail starts at the case.
    tui.keys(":cases\r");
    tui.wait_text("Open cases");
    tui.wait_text("Account ");
    tui.keys("\r");
    tui.keys("j");
    tui.wait_text("▶ Account: ");
    tui.keys("\r");
    let screen = tui.wait_text("Open accounts");
    assert!(
        screen
            .lines()
            .next()
            .is_some_and(|h| h.contains("Case: ") && h.contains(" › ")),
        "{screen}"
    );
    // Down the account's links to one of its cases, and open it.
    let mut found = false;
    for _ in 0..40 {
        tui.keys("j");
        if a_case_is_selected(&tui.contents()) {
            found = true;
            break;
        }
    }
    assert!(
        found,
        "no case among the account's links:\n{}",
        tui.contents()
    );
    let selected = tui.contents();
    let row = detail_lines(&selected)
        .into_iter()
        .find(|l| l.starts_with("│▶ "))
        .unwrap_or_default();
    tui.keys("\r");
    let screen = tui.wait_for("the case", |s| {
        s.lines()
            .next()
            .is_some_and(|h| h.matches(" › ").count() == 2)
            && s.contains("Open cases")
    });
    assert!(
        screen
            .lines()
            .next()
            .is_some_and(|h| h.contains("› Case: ")),
        "{screen}"
    );
    // Close it (or reopen it, if the account's case was closed already), then go back.
    let closing = screen.contains("x close");
    tui.keys("x");
    tui.wait_text(if closing { "closed " } else { "reopened " });
    tui.keys("\x1b");
    let back = tui.wait_for("the account again", |s| {
        s.contains("Open accounts")
            && s.lines()
                .next()
                .is_some_and(|h| h.matches(" › ").count() == 1)
    });
    let again = detail_lines(&back)
        .into_iter()
        .find(|l| l.starts_with("│▶ "))
        .unwrap_or_default();
    // The same row selected (its text may end otherwise: the case's status changed).
    let same = |l: &str| l.chars().take(20).collect::<String>();
    assert_eq!(same(&again), same(&row), "the cursor where it was:\n{back}");
    tui.keys("\x1b");
    tui.wait_for("the cases list", |s| {
        s.contains("Open cases") && s.lines().next().is_some_and(|h| !h.contains(" › "))
    });
    tui.quit();
}

#[test]
fn ctx_switches_profile_in_the_running_tui_and_back() {
    let home = tempfile::tempdir().expect("tempdir");
    let config = home.path().join("crmtui.toml");
    // A second profile on a server that does not answer: the switch must not need one.
    std::fs::write(
        &config,
        "[profiles.far]\nserver = \"http://127.0.0.1:9\"\nread_only = true\n",
    )
    .expect("config");
    let config = config.display().to_string();
    let mut tui = Tui::start_in(home, &["--config", &config, "--profile", "local"], &[]);
    tui.wait_text("[local]");
    tui.keys(":ctx\r");
    tui.wait_text("profiles: *local, far");
    tui.keys(":ctx far\r");
    let screen = tui.wait_for("the far profile", |s| {
        s.contains("[far]") && (s.contains("offline") || s.contains("not started"))
    });
    assert!(
        screen.contains("read-only"),
        "the profile's read_only:\n{screen}"
    );
    tui.keys(":ctx local\r");
    let screen = tui.wait_text("[local]");
    assert!(!screen.contains("read-only"), "{screen}");
    tui.quit();
}

// --- offline reading: a real core, stopped and started again -------------------------------------

/// `crmtui serve` on `port` over the workspace in `data`, ready when it accepts connections.
struct Core(std::process::Child);

impl Core {
    fn start(data: &std::path::Path, port: u16) -> Core {
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_crmtui"))
            .args([
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(data)
            .env("HOME", data)
            .env("XDG_CONFIG_HOME", data.join("config"))
            .env("XDG_STATE_HOME", data.join("state"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("crmtui serve");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the core did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Core(child)
    }

    fn stop(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run_ok(args: &[&str], env: &[(&str, &str)]) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_crmtui"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run crmtui");
    assert!(
        out.status.success(),
        "crmtui {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every file under `dir`, recursively.
fn files_in(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_in(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn offline_the_tui_opens_on_the_cache_refuses_writes_and_goes_live_by_itself() {
    let data = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let server = format!("http://127.0.0.1:{port}/");
    let password = "offline-pass-123";
    let db = data.path().display().to_string();
    run_ok(
        &[
            "admin",
            "create-user",
            "--data-dir",
            &db,
            "--email",
            "ana@offline.test",
            "--password",
            password,
            "--org",
            "Offline Org",
            "--role",
            "ADMIN",
        ],
        &[("HOME", &db), ("XDG_CONFIG_HOME", &db)],
    );
    let core = Core::start(data.path(), port);
    // A session the way a script has one: a token in the environment.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    crmtui::client::install_crypto_provider();
    let answer = rt
        .block_on(async {
            let c = crmtui::client::Client::new(&server, None, None, Default::default())?;
            c.login("ana@offline.test", password).await
        })
        .expect("sign in");
    let token = answer.access_token.clone();
    let org = answer.organizations[0].id.to_string();
    for (name, email) in [
        ("Alpha Offline", "alpha@offline.test"),
        ("Beta Offline", "beta@offline.test"),
    ] {
        let fields = [format!("name={name}"), format!("email={email}")];
        run_ok(
            &[
                "accounts", "create", "--server", &server, "--org", &org, "--field", &fields[0],
                "--field", &fields[1],
            ],
            &[
                ("CRMTUI_TOKEN", &token),
                ("HOME", &db),
                ("XDG_CONFIG_HOME", &db),
            ],
        );
    }

    let shared = tempfile::tempdir().expect("tempdir");
    let config = shared.path().join("crmtui.toml");
    std::fs::write(
        &config,
        format!("[profiles.work]\nserver = \"{server}\"\norg = \"{org}\"\n"),
    )
    .expect("config");
    let config = config.display().to_string();
    let cache_home = shared.path().join("cache");
    let cache_home_s = cache_home.display().to_string();
    let env = [
        ("CRMTUI_TOKEN", token.as_str()),
        ("XDG_CACHE_HOME", cache_home_s.as_str()),
    ];
    let args = ["--config", config.as_str(), "--profile", "work"];
    let tempdir = || tempfile::tempdir().expect("tempdir");

    // 1. Live: the list, then the newest account's detail.
    let mut tui = Tui::start_in(tempdir(), &args, &env);
    tui.wait_text("Beta Offline");
    tui.keys("\r");
    tui.wait_text("beta@offline.test");
    let cache_dir = cache_home.join("crmtui").join("offline");
    // The session's names, the list page and the detail are written off the render loop.
    let deadline = Instant::now() + Duration::from_secs(10);
    while files_in(&cache_dir).len() < 3 {
        assert!(
            Instant::now() < deadline,
            "nothing cached: {:?}",
            files_in(&cache_dir)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    tui.quit();
    let files = files_in(&cache_dir);
    for f in &files {
        let bytes = std::fs::read(f).expect("read a cache file");
        let has = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
        assert!(!has(&token), "the access token is in {}", f.display());
        assert!(!has(password), "the password is in {}", f.display());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(f).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", f.display());
    }
    assert!(
        files
            .iter()
            .any(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains("Beta Offline"))),
        "the list is kept"
    );

    // 2. The server is gone: the cached list, marked stale; writes refused.
    core.stop();
    let mut tui = Tui::start_in(tempdir(), &args, &env);
    let screen = tui.wait_for("the cached list", |s| {
        s.contains("Beta Offline") && s.contains("offline · cached")
    });
    assert!(screen.contains("Alpha Offline"), "{screen}");
    assert!(
        screen.contains("Offline Org"),
        "the org's name, from the cache:\n{screen}"
    );
    tui.keys("n");
    let screen = tui.wait_text("offline: new is off until the server answers");
    assert!(!screen.contains("New account"), "no form opened:\n{screen}");

    // 3. The server is back on the same port: live again without a key.
    let core = Core::start(data.path(), port);
    let screen = tui.wait_for("live again", |s| {
        s.contains("online again") && !s.contains("offline ·")
    });
    assert!(screen.contains("Beta Offline"), "{screen}");
    tui.keys("n");
    tui.wait_text("New account");
    tui.keys("\x1b");

    // 4. The server goes away while the TUI is live: the next read comes from the cache, and
    // the TUI is on it until the server is back.
    core.stop();
    tui.keys("r");
    tui.wait_text("offline · cached");
    tui.keys("n");
    tui.wait_text("offline: new is off until the server answers");
    let core = Core::start(data.path(), port);
    tui.wait_for("live again", |s| {
        s.contains("online again") && !s.contains("offline ·")
    });
    tui.quit();
    core.stop();
}
