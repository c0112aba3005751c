//! The files of the offline cache: one JSON file per answer (0600), in one directory per
//! workspace (0700) under the XDG cache dir. The total size of every workspace's files is
//! bounded: past the bound the oldest files go first. A file that cannot be read back (cut
//! short, another version, another key) is ignored and removed, never fatal.
//!
//! Everything here blocks: it runs on tokio's blocking threads, never on the render loop.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Bumped when an entry's shape changes; entries of another version are misses.
pub const VERSION: u32 = 1;

/// The bound of the whole offline cache unless the config says otherwise.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Once over the bound, files are removed until this share of it is left (so that the next
/// few writes do not each scan the directory again).
const LOW_WATER_PERCENT: u64 = 90;

/// The cache of one workspace (a profile, a server and an org).
#[derive(Debug)]
pub struct OfflineCache {
    /// Every workspace's directory is in here: the size bound is over all of them.
    root: PathBuf,
    dir: PathBuf,
    max_bytes: u64,
    /// The bytes under `root`, counted at the first write and kept up to date after; the lock
    /// also puts writes one after the other. Shared by every cache on one root in this process.
    used: Arc<Mutex<Option<u64>>>,
}

/// The count of bytes under `root`, one per root in the process: the caches of two workspaces
/// (a `:ctx` switch) write under one bound.
fn counter(root: &Path) -> Arc<Mutex<Option<u64>>> {
    type Counters = Mutex<HashMap<PathBuf, Arc<Mutex<Option<u64>>>>>;
    static COUNTERS: OnceLock<Counters> = OnceLock::new();
    let all = COUNTERS.get_or_init(Default::default);
    match all.lock() {
        Ok(mut all) => all.entry(root.to_path_buf()).or_default().clone(),
        // Poisoned by a panic elsewhere: a count of our own still bounds our writes.
        Err(_) => Arc::default(),
    }
}

/// An entry as it is written.
#[derive(Serialize)]
struct EntryOut<'a, T> {
    version: u32,
    key: &'a str,
    at: DateTime<Utc>,
    body: &'a T,
}

/// An entry as it is read back.
#[derive(Deserialize)]
struct EntryIn<T> {
    version: u32,
    key: String,
    at: DateTime<Utc>,
    body: T,
}

impl OfflineCache {
    /// The cache of `workspace` (any text naming it) under `root`, all workspaces together
    /// bounded to `max_bytes`.
    pub fn new(root: &Path, workspace: &str, max_bytes: u64) -> OfflineCache {
        let readable: String = workspace
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(40)
            .collect();
        // The readable part may be cut or collapse two names into one; the digest keeps them
        // apart.
        let dir = root.join(format!("{readable}-{}", &digest(workspace)[..16]));
        OfflineCache {
            root: root.to_path_buf(),
            dir,
            max_bytes,
            used: counter(root),
        }
    }

    /// This workspace's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{}.json", &digest(key)[..32]))
    }

    /// The entry for `key` as bytes to write (made where the answer is, off the disk thread).
    pub fn encode<T: Serialize>(
        key: &str,
        at: DateTime<Utc>,
        body: &T,
    ) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(&EntryOut {
            version: VERSION,
            key,
            at,
            body,
        })
    }

    /// Keeps `body` as the answer for `key`, then trims the cache to its bound.
    pub fn put<T: Serialize>(&self, key: &str, at: DateTime<Utc>, body: &T) -> std::io::Result<()> {
        let bytes = Self::encode(key, at, body).map_err(std::io::Error::other)?;
        self.put_bytes(key, &bytes)
    }

    /// Writes an entry made by [`OfflineCache::encode`]: a 0600 temp file beside it, renamed
    /// over it.
    pub fn put_bytes(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        let size = bytes.len() as u64;
        if size > self.max_bytes {
            // It would push out everything else and then itself.
            return Ok(());
        }
        let mut used = self
            .used
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        private_dir(&self.dir)?;
        let path = self.path(key);
        let before = std::fs::metadata(&path).map_or(0, |m| m.len());
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        write_private(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)?;
        let total = match *used {
            Some(n) => n.saturating_sub(before) + size,
            None => files_under(&self.root).iter().map(|f| f.len).sum(),
        };
        *used = Some(if total > self.max_bytes {
            self.evict()
        } else {
            total
        });
        Ok(())
    }

    /// Removes the oldest files until the low-water mark; returns the bytes left.
    fn evict(&self) -> u64 {
        let mut files = files_under(&self.root);
        files.sort_by_key(|f| f.modified);
        let target = self.max_bytes / 100 * LOW_WATER_PERCENT;
        // Counted again: another process may have written too.
        let mut left: u64 = files.iter().map(|f| f.len).sum();
        for f in files {
            if left <= target {
                break;
            }
            if std::fs::remove_file(&f.path).is_ok() {
                left = left.saturating_sub(f.len);
            }
        }
        left
    }

    /// The answer kept for `key` and when it was kept. `Ok(None)`: none; `Err`: there was
    /// one but it could not be read (it is removed), with why.
    pub fn get<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<(DateTime<Utc>, T)>, String> {
        let path = self.path(key);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let ignored = |why: String| {
            let _ = std::fs::remove_file(&path);
            Err(format!("{} {why}; ignored", path.display()))
        };
        match serde_json::from_slice::<EntryIn<T>>(&bytes) {
            Ok(e) if e.version != VERSION => ignored("is from another version of crmtui".into()),
            // Two keys with one digest: not ours to answer with.
            Ok(e) if e.key != key => Ok(None),
            Ok(e) => Ok(Some((e.at, e.body))),
            Err(e) => ignored(format!("is not an offline cache entry ({e})")),
        }
    }

    /// Whether anything is kept for this workspace.
    pub fn is_empty(&self) -> bool {
        std::fs::read_dir(&self.dir).map_or(true, |mut d| d.next().is_none())
    }
}

/// Hex SHA-256 of `text`.
fn digest(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct CacheFile {
    path: PathBuf,
    len: u64,
    modified: std::time::SystemTime,
}

/// The entry files of every workspace under `root` (one level of directories).
fn files_under(root: &Path) -> Vec<CacheFile> {
    let mut out = Vec::new();
    let Ok(dirs) = std::fs::read_dir(root) else {
        return out;
    };
    for dir in dirs.flatten() {
        let Ok(files) = std::fs::read_dir(dir.path()) else {
            continue;
        };
        for f in files.flatten() {
            let Ok(meta) = f.metadata() else { continue };
            if meta.is_file() {
                out.push(CacheFile {
                    path: f.path(),
                    len: meta.len(),
                    modified: meta.modified().unwrap_or(std::time::UNIX_EPOCH),
                });
            }
        }
    }
    out
}

/// Creates `dir` (and its parents) readable by the user only.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    // No fsync: a cache may lose its last entry in a crash (a cut file is ignored).
    options.open(path)?.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(root: &Path) -> Vec<CacheFile> {
        files_under(root)
    }

    fn total(root: &Path) -> u64 {
        files(root).iter().map(|f| f.len).sum()
    }

    #[test]
    fn an_entry_round_trips_in_private_files_per_workspace() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = OfflineCache::new(dir.path(), "work https://a.example/ org-1", 1 << 20);
        let b = OfflineCache::new(dir.path(), "work https://b.example/ org-1", 1 << 20);
        assert_ne!(a.dir(), b.dir(), "two servers never share a directory");
        assert!(a.is_empty());
        let at = Utc::now();
        a.put("accounts page 0", at, &vec!["Acme".to_string()])
            .expect("put");
        let back: Option<(DateTime<Utc>, Vec<String>)> = a.get("accounts page 0").expect("get");
        assert_eq!(back, Some((at, vec!["Acme".to_string()])));
        // The other server's cache does not answer with it.
        assert_eq!(b.get::<Vec<String>>("accounts page 0"), Ok(None));
        assert_eq!(a.get::<Vec<String>>("accounts page 1"), Ok(None));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode(a.dir()), 0o700);
            for f in files(dir.path()) {
                assert_eq!(mode(&f.path), 0o600, "{}", f.path.display());
            }
        }
    }

    #[test]
    fn past_the_bound_the_oldest_entries_go_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let max = 10_000;
        let a = OfflineCache::new(dir.path(), "a", max);
        let b = OfflineCache::new(dir.path(), "b", max);
        let body = "x".repeat(1000);
        let base = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for i in 0..30u64 {
            // Both workspaces count against one bound.
            let cache = if i % 2 == 0 { &a } else { &b };
            cache.put(&format!("k{i}"), Utc::now(), &body).expect("put");
            // Written a second apart, whatever the file system's clock resolution.
            let path = cache.path(&format!("k{i}"));
            let f = std::fs::File::options()
                .write(true)
                .open(&path)
                .expect("open");
            f.set_modified(base + std::time::Duration::from_secs(i))
                .expect("mtime");
            assert!(total(dir.path()) <= max, "over the bound after {i}");
        }
        let has = |c: &OfflineCache, k: &str| matches!(c.get::<String>(k), Ok(Some(_)));
        assert!(has(&b, "k29") && has(&a, "k28"), "the newest stay");
        assert!(!has(&a, "k0") && !has(&b, "k1"), "the oldest went");
        // Something was evicted, and not everything.
        let n = files(dir.path()).len();
        assert!((5..30).contains(&n), "{n} files left");
        // An entry larger than the whole bound is not kept (it would push out everything).
        a.put("huge", Utc::now(), &"y".repeat(20_000)).expect("put");
        assert!(!has(&a, "huge"));
        assert!(has(&b, "k29"));
    }

    #[test]
    fn a_corrupt_or_foreign_entry_is_ignored_and_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = OfflineCache::new(dir.path(), "w", 1 << 20);
        c.put("k", Utc::now(), &1u32).expect("put");
        let path = c.path("k");
        std::fs::write(&path, b"{\"version\":1,\"key\":\"k\",\"at\":").expect("cut it short");
        assert!(c.get::<u32>("k").is_err_and(|e| e.contains("ignored")));
        assert!(!path.exists(), "a corrupt entry is removed");
        assert_eq!(c.get::<u32>("k"), Ok(None));
        // Another version of crmtui, or the right shape with the wrong body.
        c.put("k", Utc::now(), &1u32).expect("put");
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, text.replace("\"version\":1", "\"version\":99")).expect("write");
        assert!(
            c.get::<u32>("k")
                .is_err_and(|e| e.contains("another version"))
        );
        c.put("k", Utc::now(), &"text").expect("put");
        assert!(c.get::<u32>("k").is_err());
        // A file of another key (a digest collision) is a miss, not an answer.
        c.put("k", Utc::now(), &1u32).expect("put");
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, text.replace("\"key\":\"k\"", "\"key\":\"j\"")).expect("write");
        assert_eq!(c.get::<u32>("k"), Ok(None));
    }
}
