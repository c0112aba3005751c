//! The clipboard over the terminal: OSC 52 asks the terminal emulator itself to set the
//! clipboard, so it works where the process has no display (SSH, a container) as long as the
//! terminal on the user's desk supports it. Inside tmux the sequence is wrapped in tmux's
//! passthrough (DCS) so that tmux hands it on to the outer terminal.

use base64::Engine as _;

/// The most text sent in one sequence: several terminals drop longer ones silently, so the
/// user is told instead.
pub const MAX_BYTES: usize = 74_994;

/// The bytes that put `text` on the clipboard; `tmux`: wrapped for tmux's passthrough.
pub fn osc52(text: &str, tmux: bool) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    if tmux {
        // Inside a DCS passthrough every ESC of the payload is doubled.
        format!("\x1bPtmux;\x1b\x1b]52;c;{b64}\x07\x1b\\")
    } else {
        format!("\x1b]52;c;{b64}\x07")
    }
}

/// Whether we run inside tmux (its server sets `$TMUX` for every pane).
pub fn in_tmux() -> bool {
    std::env::var_os("TMUX").is_some_and(|v| !v.is_empty())
}

/// Whether a desktop opener can show things to the user: a local display, and not a session
/// that came in over SSH (whose `$DISPLAY` would be a forwarded one, or none).
pub fn has_local_display(var: impl Fn(&str) -> Option<String>) -> bool {
    let set = |k: &str| var(k).is_some_and(|v| !v.is_empty());
    if set("SSH_CONNECTION") || set("SSH_TTY") {
        return false;
    }
    cfg!(target_os = "macos") || set("DISPLAY") || set("WAYLAND_DISPLAY")
}

/// The desktop's opener program.
pub fn opener() -> &'static str {
    if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_plain_and_in_tmux() {
        assert_eq!(osc52("hi", false), "\x1b]52;c;aGk=\x07");
        assert_eq!(osc52("hi", true), "\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\");
        // Text that would be an escape on screen is only ever base64 inside the sequence.
        assert!(!osc52("\x1b]0;evil\x07", false)[1..].contains('\x1b'));
    }

    #[test]
    fn a_display_counts_only_outside_ssh() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        if !cfg!(target_os = "macos") {
            assert!(!has_local_display(env(&[])));
            assert!(has_local_display(env(&[("WAYLAND_DISPLAY", "wayland-0")])));
            assert!(has_local_display(env(&[("DISPLAY", ":0")])));
        }
        assert!(!has_local_display(env(&[
            ("DISPLAY", "localhost:10.0"),
            ("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
        ])));
        assert!(!has_local_display(env(&[
            ("DISPLAY", ":0"),
            ("SSH_TTY", "/dev/pts/3")
        ])));
    }
}
