//! The log writer: `tracing` lines go to `crmtui.log` in the XDG state dir, never to the
//! terminal, written by a thread of their own so that a log call on the UI thread never waits
//! for the disk. Used by the TUI and by the `login`/`logout` commands alike.

use std::path::PathBuf;
use std::time::Duration;

/// Lines go through a bounded channel to a writer thread, so a tracing call on the UI thread
/// never waits for the disk. When the disk falls behind, lines are dropped rather than waited on.
enum LogMsg {
    Line(Vec<u8>),
    /// Answered once every line before it is written (see [`flush_logs`]).
    Flush(std::sync::mpsc::SyncSender<()>),
}

struct LogSink(std::sync::mpsc::SyncSender<LogMsg>);

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = self.0.try_send(LogMsg::Line(buf.to_vec()));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static LOG_SENDER: std::sync::OnceLock<std::sync::mpsc::SyncSender<LogMsg>> =
    std::sync::OnceLock::new();

/// Waits (briefly) until the log lines sent so far are on disk; called on the way out, where
/// the writer thread would otherwise be cut off with lines still queued.
pub fn flush_logs() {
    if let Some(tx) = LOG_SENDER.get() {
        let (ack_tx, ack_rx) = std::sync::mpsc::sync_channel(1);
        if tx.try_send(LogMsg::Flush(ack_tx)).is_ok() {
            let _ = ack_rx.recv_timeout(Duration::from_secs(1));
        }
    }
}

/// Logs go to `crmtui.log` in the XDG state dir, never to the terminal, written by a thread of
/// their own (see `LogSink`). Returns the path.
pub fn init_file_logging() -> Option<PathBuf> {
    let dir = crate::config::default_state_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("crmtui.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,hyper=warn,reqwest=warn,tower_http=warn")
    });
    let (tx, rx) = std::sync::mpsc::sync_channel::<LogMsg>(4096);
    let sink = tx.clone();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(move || LogSink(sink.clone()))
        .try_init()
        .ok()?;
    let _ = LOG_SENDER.set(tx);
    std::thread::Builder::new()
        .name("log-writer".into())
        .spawn(move || {
            use std::io::Write;
            let mut file = file;
            for msg in rx {
                match msg {
                    LogMsg::Line(line) => {
                        let _ = file.write_all(&line);
                    }
                    LogMsg::Flush(ack) => {
                        let _ = ack.try_send(());
                    }
                }
            }
        })
        .ok()?;
    Some(path)
}
