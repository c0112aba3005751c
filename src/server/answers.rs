//! Answers kept in memory: the JSON of recent list and dashboard requests, served again while
//! nothing has changed since they were made.
//!
//! An answer is kept per caller (user, org and role, since what a USER sees depends on who
//! they are) and per request URI. It holds while all of these do:
//! - the data generation is the one it was made at. Every write transaction that changes
//!   anything moves the generation on, on whichever replica or process it ran (see
//!   `store::generation`), and every request reads the generation in the same statement that
//!   checks the caller's membership. So a change, a removed member or a new role is seen by the
//!   next request everywhere, and access is never kept: only the body is;
//! - it is the same UTC day (open tasks, overdue invoices and the dashboard are counted from
//!   today);
//! - it is younger than [`MAX_AGE`]: the bound on how long an edit made outside crmtui (SQL
//!   typed into `psql`) can go unseen.
//!
//! Memory is bounded by a byte budget; the least recently used answers go first.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use lru::LruCache;
use uuid::Uuid;

use super::AppState;
use super::auth::OrgCtx;
use super::error::ApiError;
use super::store::Db;
use crate::model::Role;

/// How long an answer is kept at most, whatever else holds.
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// What an answer costs besides its body (key, bookkeeping), for the budget.
const OVERHEAD: usize = 160;

/// The kept answers of one process.
pub struct Answers {
    budget: usize,
    kept: Mutex<Kept>,
    hits: AtomicU64,
}

struct Kept {
    answers: LruCache<Key, Answer>,
    bytes: usize,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Key {
    org: Uuid,
    user: Uuid,
    role: Role,
    uri: Box<str>,
}

struct Answer {
    generation: i64,
    day: NaiveDate,
    made: Instant,
    body: Bytes,
}

impl Key {
    fn of(ctx: &OrgCtx, uri: &str) -> Key {
        Key {
            org: ctx.org_id,
            user: ctx.user_id,
            role: ctx.role,
            uri: uri.into(),
        }
    }
}

impl Answers {
    /// Keeps up to `budget` bytes of answers; 0 keeps none.
    pub fn new(budget: usize) -> Answers {
        Answers {
            budget,
            kept: Mutex::new(Kept {
                answers: LruCache::unbounded(),
                bytes: 0,
            }),
            hits: AtomicU64::new(0),
        }
    }

    /// How many requests were answered from memory (for tests and benchmarks).
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// The kept answer to `uri` for `ctx`, if it still holds.
    pub fn get(&self, ctx: &OrgCtx, uri: &str) -> Option<Bytes> {
        self.get_at(ctx, uri, today(), Instant::now())
    }

    fn get_at(&self, ctx: &OrgCtx, uri: &str, day: NaiveDate, now: Instant) -> Option<Bytes> {
        if self.budget == 0 {
            return None;
        }
        let key = Key::of(ctx, uri);
        let mut kept = self.lock();
        let answer = kept.answers.get(&key)?;
        if answer.generation == ctx.generation
            && answer.day == day
            && now.duration_since(answer.made) < MAX_AGE
        {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Some(answer.body.clone());
        }
        // Stale for good: the generation and the day only move forward.
        if let Some((key, old)) = kept.answers.pop_entry(&key) {
            kept.bytes -= cost(&key, &old.body);
        }
        None
    }

    /// Keeps `body` as the answer to `uri` for `ctx`, made at `ctx`'s generation.
    pub fn keep(&self, ctx: &OrgCtx, uri: &str, body: Bytes) {
        self.keep_at(ctx, uri, body, today(), Instant::now());
    }

    fn keep_at(&self, ctx: &OrgCtx, uri: &str, body: Bytes, day: NaiveDate, now: Instant) {
        let key = Key::of(ctx, uri);
        let size = cost(&key, &body);
        // One answer may take a sixteenth of the budget: a huge export must not empty it.
        if size > self.budget / 16 {
            return;
        }
        let mut kept = self.lock();
        let answer = Answer {
            generation: ctx.generation,
            day,
            made: now,
            body,
        };
        if let Some((key, old)) = kept.answers.push(key, answer) {
            kept.bytes -= cost(&key, &old.body);
        }
        kept.bytes += size;
        while kept.bytes > self.budget {
            let Some((key, old)) = kept.answers.pop_lru() else {
                break;
            };
            kept.bytes -= cost(&key, &old.body);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        // Nothing in here can be left half done by a panic: a poisoned lock is still usable.
        self.kept.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn cost(key: &Key, body: &Bytes) -> usize {
    body.len() + key.uri.len() + OVERHEAD
}

fn today() -> NaiveDate {
    super::store::now().date_naive()
}

/// Answers a GET of `ctx`'s org with JSON: the kept answer while it holds, or else `make`'s
/// (on a storage thread), which is kept for the next request.
pub async fn json<F>(
    state: &AppState,
    ctx: OrgCtx,
    uri: &Uri,
    make: F,
) -> Result<Response, ApiError>
where
    F: FnOnce(&Db<'_>, &OrgCtx) -> Result<Vec<u8>, ApiError> + Send + 'static,
{
    let uri = uri.path_and_query().map_or("", |p| p.as_str());
    let body = match state.answers.get(&ctx, uri) {
        Some(body) => body,
        None => {
            let body = Bytes::from(state.store.read(move |db| make(db, &ctx)).await?);
            state.answers.keep(&ctx, uri, body.clone());
            body
        }
    };
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}

/// A value's JSON, for [`json`]'s `make`.
pub fn to_vec<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(value).map_err(|e| ApiError::internal(format!("cannot encode answer: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(generation: i64) -> OrgCtx {
        OrgCtx {
            user_id: Uuid::from_u128(1),
            org_id: Uuid::from_u128(2),
            role: Role::Admin,
            generation,
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    #[test]
    fn an_answer_holds_for_its_caller_generation_day_and_age() {
        let answers = Answers::new(1 << 20);
        let t0 = Instant::now();
        answers.keep_at(
            &ctx(7),
            "/api/leads/",
            Bytes::from_static(b"[1]"),
            day(1),
            t0,
        );
        let hit = |c: &OrgCtx, uri: &str, d, t| answers.get_at(c, uri, d, t).is_some();

        assert!(hit(&ctx(7), "/api/leads/", day(1), t0));
        assert!(
            !hit(&ctx(7), "/api/leads/?limit=5", day(1), t0),
            "another URI"
        );
        let user = OrgCtx {
            role: Role::User,
            ..ctx(7)
        };
        assert!(!hit(&user, "/api/leads/", day(1), t0), "another role");
        let other = OrgCtx {
            user_id: Uuid::from_u128(9),
            ..ctx(7)
        };
        assert!(!hit(&other, "/api/leads/", day(1), t0), "another user");
        assert!(
            !hit(&ctx(8), "/api/leads/", day(1), t0),
            "a newer generation"
        );
        assert_eq!(answers.hits(), 1);

        // A stale answer is dropped, not kept for later.
        answers.keep_at(&ctx(8), "/a", Bytes::from_static(b"x"), day(1), t0);
        assert!(!hit(&ctx(8), "/a", day(2), t0), "the next day");
        assert!(!hit(&ctx(8), "/a", day(1), t0));
        answers.keep_at(&ctx(8), "/b", Bytes::from_static(b"x"), day(1), t0);
        assert!(hit(&ctx(8), "/b", day(1), t0 + MAX_AGE / 2));
        assert!(!hit(&ctx(8), "/b", day(1), t0 + MAX_AGE), "too old");
    }

    #[test]
    fn the_budget_holds_and_the_least_recently_used_go_first() {
        let body = Bytes::from(vec![b'x'; 1000]);
        let one = cost(&Key::of(&ctx(1), "/0"), &body);
        let answers = Answers::new(one * 16);
        let t = Instant::now();
        for i in 0..16 {
            answers.keep_at(&ctx(1), &format!("/{i:x}"), body.clone(), day(1), t);
        }
        assert!(answers.get_at(&ctx(1), "/0", day(1), t).is_some());
        // Full: the next one pushes out the least recently used (/1, since /0 was just read).
        answers.keep_at(&ctx(1), "/g", body.clone(), day(1), t);
        assert!(answers.get_at(&ctx(1), "/1", day(1), t).is_none());
        assert!(answers.get_at(&ctx(1), "/0", day(1), t).is_some());
        assert!(answers.lock().bytes <= one * 16);
        // Replacing an answer does not count it twice.
        answers.keep_at(&ctx(2), "/0", body.clone(), day(1), t);
        assert!(answers.lock().bytes <= one * 16);
        assert_eq!(answers.lock().answers.len(), 16);

        // Larger than a sixteenth of the budget: not kept at all.
        answers.keep_at(&ctx(2), "/big", Bytes::from(vec![0; one + 1]), day(1), t);
        assert!(answers.get_at(&ctx(2), "/big", day(1), t).is_none());

        // No budget, nothing kept.
        let none = Answers::new(0);
        none.keep_at(&ctx(1), "/0", body, day(1), t);
        assert!(none.get_at(&ctx(1), "/0", day(1), t).is_none());
    }
}
