//! What keeps one client from taking the server: password hashing runs at most a few at once,
//! and sign-in attempts are counted per address and per account (429 with `Retry-After` past
//! the limit). Connection and time limits are in `serve`'s accept loop.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use super::error::ApiError;

/// How long a sign-in waits for a free hashing slot before the server says it is busy.
const HASH_WAIT: Duration = Duration::from_secs(10);

pub struct Limits {
    /// Argon2 takes ~19 MiB and tens of milliseconds per hash: at most one per core at once.
    hashing: Semaphore,
    per_ip: Window<IpAddr>,
    per_account: Window<String>,
}

impl Limits {
    pub fn new(attempts_per_ip_per_minute: u32, failures_per_account: u32) -> Limits {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Limits {
            hashing: Semaphore::new(cores),
            per_ip: Window::new(attempts_per_ip_per_minute, Duration::from_secs(60)),
            per_account: Window::new(failures_per_account, Duration::from_secs(15 * 60)),
        }
    }

    /// Counts a sign-in attempt from `ip` (unknown when the core is mounted without peer
    /// addresses) and refuses one for an account that failed too often lately.
    pub fn check_sign_in(&self, ip: Option<IpAddr>, account: &str) -> Result<(), ApiError> {
        if let Some(ip) = ip {
            self.per_ip.hit(ip)?;
        }
        self.per_account.check(&account.trim().to_lowercase())
    }

    /// A failed sign-in counts against the account.
    pub fn failed_sign_in(&self, account: &str) {
        let _ = self.per_account.hit(account.trim().to_lowercase());
    }

    /// Runs a password hash or check off the async threads, at most one per core at once.
    pub async fn hash<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let _permit = tokio::time::timeout(HASH_WAIT, self.hashing.acquire())
            .await
            .map_err(|_| ApiError::TooManyRequests { retry_after: 5 })?
            .map_err(|_| ApiError::internal("hashing slots closed"))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ApiError::internal(format!("hashing task failed: {e}")))
    }
}

/// Hits per key in fixed windows of `span`.
struct Window<K> {
    max: u32,
    span: Duration,
    hits: Mutex<HashMap<K, (Instant, u32)>>,
}

impl<K: Hash + Eq + Clone> Window<K> {
    fn new(max: u32, span: Duration) -> Window<K> {
        Window {
            max: max.max(1),
            span,
            hits: Mutex::new(HashMap::new()),
        }
    }

    fn hits(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Instant, u32)>> {
        self.hits.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Refuses when the key is at its limit, without counting.
    fn check(&self, key: &K) -> Result<(), ApiError> {
        let now = Instant::now();
        match self.hits().get(key) {
            Some((start, n)) if now.duration_since(*start) < self.span && *n >= self.max => {
                Err(self.refusal(*start, now))
            }
            _ => Ok(()),
        }
    }

    /// Counts a hit; refuses it past the limit.
    fn hit(&self, key: K) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut hits = self.hits();
        // Forget finished windows now and then, so the map stays as small as the live keys.
        if hits.len() > 10_000 {
            hits.retain(|_, (start, _)| now.duration_since(*start) < self.span);
        }
        let entry = hits.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.span {
            *entry = (now, 0);
        }
        if entry.1 >= self.max {
            return Err(self.refusal(entry.0, now));
        }
        entry.1 += 1;
        Ok(())
    }

    fn refusal(&self, start: Instant, now: Instant) -> ApiError {
        let left = self.span.saturating_sub(now.duration_since(start));
        ApiError::TooManyRequests {
            retry_after: left.as_secs().max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_refuses_past_its_limit_and_says_when_to_retry() {
        let w = Window::new(2, Duration::from_secs(60));
        assert!(w.hit("a").is_ok());
        assert!(w.hit("a").is_ok());
        match w.hit("a") {
            Err(ApiError::TooManyRequests { retry_after }) => {
                assert!((1..=60).contains(&retry_after))
            }
            other => panic!("{other:?}"),
        }
        assert!(w.check(&"a").is_err());
        assert!(w.hit("b").is_ok(), "keys are counted apart");
    }
}

#[cfg(test)]
mod hashing_tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hashing_runs_at_most_one_per_core_at_once() {
        let limits = Arc::new(Limits::new(100, 100));
        let (active, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..24 {
            let (limits, active, peak) = (limits.clone(), active.clone(), peak.clone());
            set.spawn(async move {
                limits
                    .hash(move || {
                        let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(20));
                        active.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
            });
        }
        while let Some(done) = set.join_next().await {
            assert!(done.expect("task").is_ok());
        }
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        assert!(peak.load(Ordering::SeqCst) <= cores);
    }
}
