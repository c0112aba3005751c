//! Where a signed-in session (access and refresh token) is kept between runs.
//!
//! In order: the Secret Service (desktop keyrings), then the kernel keyutils keyring (what a
//! server reached over SSH usually has; a session keyring is created when the process has
//! none), and only when the user agreed (`--insecure-storage`) a 0600 file. Every store is
//! checked by reading the secret back: a store that accepts a secret it cannot return has failed.
//!
//! The keyring calls block (the Secret Service one runs its own small runtime), so each runs on
//! a plain thread of its own, outside the async runtime, and is given up on after
//! [`KEYRING_TIMEOUT`] (a locked desktop keyring can wait forever for an unlock prompt nobody
//! sees): the next store is tried then.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use keyring::Entry;

use super::Tokens;

const SERVICE: &str = "crmtui";

/// A place a session can live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Store {
    SecretService,
    Keyutils,
    /// The 0600 file, only with `--insecure-storage`.
    File(PathBuf),
}

impl std::fmt::Display for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Store::SecretService => f.write_str("the Secret Service keyring"),
            Store::Keyutils => f.write_str("the kernel keyring (keyutils)"),
            Store::File(p) => write!(f, "the file {} (mode 0600, NOT encrypted)", p.display()),
        }
    }
}

/// The default path of the insecure file: next to the config file.
/// The name a session is kept under: the server's URL, and the profile's name when there is
/// one (two profiles on one server keep two sessions).
pub fn key(server: &str, profile: Option<&str>) -> String {
    match profile {
        Some(p) => format!("{server}#profile={p}"),
        None => server.to_string(),
    }
}

pub fn insecure_file_path() -> Option<PathBuf> {
    crate::config::default_config_path()
        .and_then(|p| p.parent().map(|d| d.join("credentials.json")))
}

fn entry(store: &Store, server: &str) -> Result<Entry, String> {
    match store {
        Store::SecretService => {
            let cred =
                keyring::secret_service::SsCredential::new_with_target(None, SERVICE, server)
                    .map_err(|e| e.to_string())?;
            Ok(Entry::new_with_credential(Box::new(cred)))
        }
        Store::Keyutils => {
            // A process started over SSH without pam_keyinit has no session keyring; make one.
            linux_keyutils::KeyRing::from_special_id(
                linux_keyutils::KeyRingIdentifier::Session,
                true,
            )
            .map_err(|e| format!("no session keyring: {e:?}"))?;
            let cred =
                keyring::keyutils::KeyutilsCredential::new_with_target(None, SERVICE, server)
                    .map_err(|e| e.to_string())?;
            Ok(Entry::new_with_credential(Box::new(cred)))
        }
        Store::File(_) => Err("not a keyring".into()),
    }
}

/// How long one keyring call may take before the next store is tried.
pub const KEYRING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs `f` on a thread of its own and waits for it, at most `KEYRING_TIMEOUT` (see the module
/// comment). `None` when it panicked or did not answer in time; a hung thread is left behind.
fn on_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    on_thread_within(KEYRING_TIMEOUT, f)
}

fn on_thread_within<T: Send + 'static>(
    timeout: std::time::Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("keyring".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .ok()?;
    rx.recv_timeout(timeout).ok()
}

/// Stores `tokens` for `server` in the first store that can give them back. Returns where.
pub fn save(server: &str, tokens: &Tokens, allow_file: Option<&Path>) -> Result<Store, String> {
    let secret = serde_json::to_string(tokens).map_err(|e| e.to_string())?;
    let mut failures = Vec::new();
    for store in [Store::SecretService, Store::Keyutils] {
        let (s, server, secret2) = (store.clone(), server.to_string(), secret.clone());
        let result = on_thread(move || -> Result<(), String> {
            let e = entry(&s, &server)?;
            e.set_password(&secret2).map_err(|e| e.to_string())?;
            // Read it back through a fresh entry, as a later run would.
            let back = entry(&s, &server)?
                .get_password()
                .map_err(|e| format!("stored but cannot read back: {e}"))?;
            if back != secret2 {
                return Err("stored but read back something else".into());
            }
            Ok(())
        })
        .unwrap_or_else(|| Err("the keyring failed or did not answer in time".into()));
        match result {
            Ok(()) => return Ok(store),
            Err(e) => {
                tracing::info!(store = %store, error = %e, "keyring store unavailable");
                failures.push(format!("{store}: {e}"));
            }
        }
    }
    if let Some(path) = allow_file {
        write_file_entry(path, server, Some(tokens))?;
        let back = read_file(path).get(server).cloned();
        if back.as_ref() == Some(tokens) {
            return Ok(Store::File(path.to_path_buf()));
        }
        failures.push(format!("{}: cannot read back", path.display()));
    }
    Err(failures.join("; "))
}

/// The session stored for `server`, and where it was found.
pub fn load(server: &str, file: Option<&Path>) -> Option<(Tokens, Store)> {
    for store in [Store::SecretService, Store::Keyutils] {
        let (s, srv) = (store.clone(), server.to_string());
        let found =
            on_thread(move || entry(&s, &srv).ok().and_then(|e| e.get_password().ok())).flatten();
        if let Some(secret) = found
            && let Ok(tokens) = serde_json::from_str::<Tokens>(&secret)
        {
            return Some((tokens, store));
        }
    }
    let path = file?;
    read_file(path)
        .remove(server)
        .map(|t| (t, Store::File(path.to_path_buf())))
}

/// Removes the session for `server` from every store. Returns the stores it was removed from.
pub fn delete(server: &str, file: Option<&Path>) -> Vec<Store> {
    let mut removed = Vec::new();
    for store in [Store::SecretService, Store::Keyutils] {
        let (s, srv) = (store.clone(), server.to_string());
        if on_thread(move || {
            entry(&s, &srv)
                .ok()
                .is_some_and(|e| e.delete_credential().is_ok())
        })
        .unwrap_or(false)
        {
            removed.push(store);
        }
    }
    if let Some(path) = file
        && read_file(path).contains_key(server)
        && write_file_entry(path, server, None).is_ok()
    {
        removed.push(Store::File(path.to_path_buf()));
    }
    removed
}

fn read_file(path: &Path) -> BTreeMap<String, Tokens> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Sets or removes one server's entry in the 0600 file (written to a 0600 temp file, renamed).
fn write_file_entry(path: &Path, server: &str, tokens: Option<&Tokens>) -> Result<(), String> {
    let mut all = read_file(path);
    match tokens {
        Some(t) => {
            all.insert(server.to_string(), t.clone());
        }
        None => {
            all.remove(server);
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?;
    let tmp = path.with_extension("tmp");
    // A leftover temp file (crash, or planted) may have looser permissions: mode() only applies
    // to a file we create, so remove it and insist on creating a new one.
    match std::fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot remove {}: {e}", tmp.display())),
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    {
        use std::io::Write;
        let mut f = options
            .open(&tmp)
            .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        f.write_all(text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        f.sync_all().ok();
    }
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hung_keyring_call_is_given_up() {
        let started = std::time::Instant::now();
        let got = on_thread_within(std::time::Duration::from_millis(50), || {
            std::thread::sleep(std::time::Duration::from_secs(3));
            1
        });
        assert_eq!(got, None);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        assert_eq!(on_thread_within(KEYRING_TIMEOUT, || 2), Some(2));
    }

    #[test]
    fn file_store_is_0600_and_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("creds.json");
        let t = Tokens {
            access: "a".into(),
            refresh: Some("r".into()),
        };
        write_file_entry(&path, "http://x/", Some(&t)).expect("write");
        assert_eq!(read_file(&path).get("http://x/"), Some(&t));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        // A leftover world-readable temp file does not make the result readable.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, "old").expect("tmp");
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            write_file_entry(&path, "http://x/", Some(&t)).expect("write again");
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        write_file_entry(&path, "http://x/", None).expect("remove");
        assert!(read_file(&path).is_empty());
    }
}
