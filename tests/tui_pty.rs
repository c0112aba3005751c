//! The real binary in a pseudo terminal on a real (embedded) core: type keys, read the screen
//! through a terminal emulator (vt100), check what a user would see.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

struct Tui {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _home: tempfile::TempDir,
}

impl Tui {
    fn start(args: &[&str]) -> Tui {
        let home = tempfile::tempdir().expect("tempdir");
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
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        cmd.cwd(home.path());
        let child = pair.slave.spawn_command(cmd).expect("spawn crmtui");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = Arc::new(Mutex::new(pair.master.take_writer().expect("writer")));
        let screen = Arc::new(Mutex::new(vt100::Parser::new(24, 80, 0)));
        let (s, w) = (screen.clone(), writer.clone());
        std::thread::spawn(move || {
            let _keep = pair.master;
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
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
