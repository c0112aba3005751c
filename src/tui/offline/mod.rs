//! Offline reading: the answers to reads the user has seen (list pages, details, the
//! dashboard) are kept per workspace in the XDG cache dir ([`store`]); when the server does not
//! answer at start-up, the app opens on them, marked stale, and every write is refused until
//! the server answers again.
//!
//! The worker keeps each successful read's answer, and answers from the cache a read the
//! server could not be reached for ([`after_live`]); [`serve`] answers the app's requests from
//! the cache while the start-up probe waits for the server. Only what the server sent about
//! records is kept: never a token, a password or a header.

pub mod store;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use uuid::Uuid;

pub use store::OfflineCache;

use super::msg::{Cmd, DashboardData, Msg, ReqId, Request, UrgentList};
use crate::client::ClientError;
use crate::model::record::{Record, RecordDetail, RecordPage};
use crate::model::{AccountDetail, AccountList, Dashboard, Profile};

/// What a read that was never kept answers offline.
pub const NOT_CACHED: &str = "not in the offline cache";
/// What a write answers offline.
pub const WRITE_REFUSED: &str = "offline: nothing can change the server until it answers";

/// The entry of the session's org and user (never its tokens): the header offline.
pub const SESSION_KEY: &str = "session";

/// Who the user was in this workspace the last time the server answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub org_name: Option<String>,
    pub user: Option<(Uuid, String)>,
    pub admin: bool,
}

/// The dashboard as kept: the urgent lists by heading (see [`super::worker::URGENT_LISTS`]).
#[derive(Serialize, Deserialize)]
struct KeptDashboard {
    counts: Dashboard,
    urgent: Vec<(String, Vec<Record>)>,
}

/// The cache entry that answers `cmd`: `None` for what is not kept (writes, searches,
/// downloads, exports).
pub fn key(cmd: &Cmd) -> Option<String> {
    match cmd {
        Cmd::LoadPage {
            tab,
            filter,
            limit,
            offset,
            ..
        } => Some(format!(
            "accounts {} {} {limit} {offset}",
            tab.as_str(),
            serde_json::to_string(filter).ok()?
        )),
        Cmd::LoadDetail { id } => Some(format!("account {id}")),
        Cmd::LoadRecords {
            view, half, query, ..
        } => Some(format!(
            "{view:?} {half:?} {} {} {}",
            serde_json::to_string(&query.params).ok()?,
            query.limit,
            query.offset
        )),
        Cmd::LoadRecord { view, id } => Some(format!("{view:?} {id}")),
        Cmd::Dashboard => Some("dashboard".into()),
        Cmd::Profile => Some("profile".into()),
        _ => None,
    }
}

/// The entry to keep for a successful read's answer, as bytes; `None` for anything else.
fn entry_of(key: &str, msg: &Msg, at: DateTime<Utc>) -> Option<Vec<u8>> {
    let bytes = match msg {
        Msg::Page { result: Ok(v), .. } => OfflineCache::encode(key, at, v),
        Msg::Detail { result: Ok(v), .. } => OfflineCache::encode(key, at, v),
        Msg::RecordPage { result: Ok(v), .. } => OfflineCache::encode(key, at, v),
        Msg::RecordDetail { result: Ok(v), .. } => OfflineCache::encode(key, at, v),
        Msg::Profile { result: Ok(v), .. } => OfflineCache::encode(key, at, v),
        Msg::Dashboard { result: Ok(d), .. } => {
            let kept = KeptDashboard {
                counts: d.counts.clone(),
                urgent: d
                    .urgent
                    .iter()
                    .map(|u| (u.heading.to_string(), u.rows.clone()))
                    .collect(),
            };
            OfflineCache::encode(key, at, &kept)
        }
        _ => return None,
    };
    bytes.ok()
}

/// Keeps the answer `msg` to the read `key` (on a blocking thread; a failure is logged).
pub fn keep(cache: &Arc<OfflineCache>, key: String, msg: &Msg) {
    let Some(bytes) = entry_of(&key, msg, Utc::now()) else {
        return;
    };
    let cache = cache.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = cache.put_bytes(&key, &bytes) {
            tracing::warn!(error = %e, "cannot keep an answer in the offline cache");
        }
    });
}

/// After the live answer `msg` to the read `cmd`: kept when it succeeded; when the server
/// could not be reached, the kept answer instead (marked [`Msg::Cached`]) if there is one.
pub async fn after_live(
    cache: Arc<OfflineCache>,
    key: String,
    req: ReqId,
    cmd: Cmd,
    msg: Msg,
) -> Msg {
    if !unreachable(&msg) {
        keep(&cache, key, &msg);
        return msg;
    }
    let kept = tokio::task::spawn_blocking(move || answer(&cache, req, cmd)).await;
    match kept {
        Ok(cached @ Msg::Cached { .. }) => cached,
        // Not kept: the failure as it was, so that the app retries.
        _ => msg,
    }
}

/// Whether `msg` is a read that failed because the server could not be reached.
fn unreachable(msg: &Msg) -> bool {
    match msg {
        Msg::Page { result: Err(e), .. }
        | Msg::Detail { result: Err(e), .. }
        | Msg::RecordPage { result: Err(e), .. }
        | Msg::RecordDetail { result: Err(e), .. }
        | Msg::Dashboard { result: Err(e), .. }
        | Msg::Profile { result: Err(e), .. } => e.is_unreachable(),
        _ => false,
    }
}

/// [`keep`] here and now, as kept at `at` (blocking: for tests and blocking threads).
pub fn keep_blocking(
    cache: &OfflineCache,
    key: &str,
    msg: &Msg,
    at: DateTime<Utc>,
) -> std::io::Result<()> {
    match entry_of(key, msg, at) {
        Some(bytes) => cache.put_bytes(key, &bytes),
        None => Ok(()),
    }
}

/// Answers the app's requests from the cache until the channel closes (or the future is
/// dropped: the server answered). Each answer is read on a blocking thread, in its own task,
/// so that dropping this loop leaves no request unanswered.
pub async fn serve(
    cache: Arc<OfflineCache>,
    requests: &mut UnboundedReceiver<Request>,
    msgs: UnboundedSender<Msg>,
) {
    while let Some(Request { id, cmd }) = requests.recv().await {
        if matches!(cmd, Cmd::Cancel { .. }) {
            continue;
        }
        let (c, t) = (cache.clone(), msgs.clone());
        tokio::spawn(async move {
            let msg = tokio::task::spawn_blocking(move || answer(&c, id, cmd))
                .await
                .unwrap_or(Msg::Crashed { req: id });
            let _ = t.send(msg);
        });
    }
}

/// The answer to `cmd` from the cache (blocking): what was kept, marked with its age
/// ([`Msg::Cached`]), or the failure the app shows ("not in the offline cache", a refused
/// write).
pub fn answer(cache: &OfflineCache, req: ReqId, cmd: Cmd) -> Msg {
    let Some(key) = key(&cmd) else {
        let why = if cmd.writes() {
            WRITE_REFUSED
        } else {
            "offline: that needs the server"
        };
        return super::worker::failed(req, cmd, ClientError::Local(why.into()));
    };
    match cmd {
        Cmd::LoadPage {
            epoch, tab, page, ..
        } => cached(lookup::<AccountList>(cache, &key), |result| Msg::Page {
            req,
            epoch,
            tab,
            page,
            result: result.map(Box::new),
        }),
        Cmd::LoadDetail { id } => {
            cached(lookup::<AccountDetail>(cache, &key), |result| Msg::Detail {
                req,
                id,
                result: result.map(Box::new),
            })
        }
        Cmd::LoadRecords {
            view,
            epoch,
            tab,
            page,
            ..
        } => cached(lookup::<RecordPage>(cache, &key), |result| {
            Msg::RecordPage {
                req,
                view,
                epoch,
                tab,
                page,
                result: result.map(Box::new),
            }
        }),
        Cmd::LoadRecord { view, id } => cached(lookup::<RecordDetail>(cache, &key), |result| {
            Msg::RecordDetail {
                req,
                view,
                id,
                result: result.map(Box::new),
            }
        }),
        Cmd::Profile => cached(lookup::<Profile>(cache, &key), |result| Msg::Profile {
            req,
            result,
        }),
        Cmd::Dashboard => cached(lookup::<KeptDashboard>(cache, &key), |result| {
            Msg::Dashboard {
                req,
                result: result.map(|k| Box::new(dashboard(k))),
            }
        }),
        other => super::worker::failed(req, other, ClientError::Local(NOT_CACHED.into())),
    }
}

/// The entry for `key`; a missing or unreadable one is [`NOT_CACHED`] (the latter logged).
fn lookup<T: DeserializeOwned>(
    cache: &OfflineCache,
    key: &str,
) -> Result<(DateTime<Utc>, T), ClientError> {
    match cache.get::<T>(key) {
        Ok(Some(found)) => Ok(found),
        Ok(None) => Err(ClientError::Local(NOT_CACHED.into())),
        Err(why) => {
            tracing::warn!(%why, "offline cache entry ignored");
            Err(ClientError::Local(NOT_CACHED.into()))
        }
    }
}

/// The answer made by `make`, wrapped with the entry's age when there was one.
fn cached<T>(
    found: Result<(DateTime<Utc>, T), ClientError>,
    make: impl FnOnce(Result<T, ClientError>) -> Msg,
) -> Msg {
    match found {
        Ok((at, v)) => Msg::Cached {
            at,
            msg: Box::new(make(Ok(v))),
        },
        Err(e) => make(Err(e)),
    }
}

fn dashboard(kept: KeptDashboard) -> DashboardData {
    DashboardData {
        counts: kept.counts,
        urgent: kept
            .urgent
            .into_iter()
            .filter_map(|(heading, rows)| {
                let (view, h) = super::worker::URGENT_LISTS
                    .iter()
                    .find(|(_, h)| *h == heading)?;
                // Only the rows were kept: offline, they are the list.
                Some(UrgentList {
                    view: *view,
                    heading: h,
                    total: rows.len() as i64,
                    rows,
                })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::records::{Half, RecordQuery};
    use crate::tui::records::ViewId;

    fn page_cmd(offset: usize) -> Cmd {
        Cmd::LoadRecords {
            view: ViewId::Cases,
            epoch: 3,
            tab: 0,
            page: 0,
            half: Half::Open,
            query: RecordQuery {
                params: vec![("name".into(), "Acme".into())],
                limit: 50,
                offset,
            },
        }
    }

    fn rows() -> Box<RecordPage> {
        let mut m = serde_json::Map::new();
        m.insert("id".into(), Uuid::from_u128(9).to_string().into());
        m.insert("name".into(), "Broken printer".into());
        Box::new(RecordPage {
            rows: vec![Record(m)],
            count: 1,
            counts: vec![("open_count".into(), 1)],
            skipped: 0,
        })
    }

    #[test]
    fn a_kept_page_answers_the_same_query_only_and_writes_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = OfflineCache::new(dir.path(), "p https://crm.example/ org", 1 << 20);
        let at = Utc::now() - chrono::Duration::hours(3);
        let key = key(&page_cmd(0)).expect("a read has a key");
        let live = Msg::RecordPage {
            req: 1,
            view: ViewId::Cases,
            epoch: 1,
            tab: 0,
            page: 0,
            result: Ok(rows()),
        };
        keep_blocking(&cache, &key, &live, at).expect("keep");
        // The same view, filter and offset: the rows, with the age they were kept at.
        match answer(&cache, 7, page_cmd(0)) {
            Msg::Cached { at: when, msg } => {
                assert_eq!(when.timestamp(), at.timestamp());
                assert!(
                    matches!(*msg, Msg::RecordPage { req: 7, epoch: 3, result: Ok(ref p), .. } if *p == rows()),
                    "{msg:?}"
                );
            }
            other => panic!("not from the cache: {other:?}"),
        }
        // Another offset was never seen: said plainly.
        let miss = answer(&cache, 8, page_cmd(50));
        assert!(
            matches!(&miss, Msg::RecordPage { result: Err(ClientError::Local(m)), .. } if m == NOT_CACHED),
            "{miss:?}"
        );
        let write = answer(&cache, 9, Cmd::Delete(Uuid::from_u128(9)));
        assert!(
            matches!(&write, Msg::Deleted { req: 9, result: Err(ClientError::Local(m)), .. } if m == WRITE_REFUSED),
            "{write:?}"
        );
    }

    #[test]
    fn the_dashboard_comes_back_with_its_headings() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = OfflineCache::new(dir.path(), "w", 1 << 20);
        let data = DashboardData {
            counts: Dashboard {
                accounts_count: 12,
                ..Default::default()
            },
            urgent: vec![UrgentList {
                view: ViewId::Cases,
                heading: "Urgent cases",
                rows: rows().rows,
                total: 40,
            }],
        };
        let live = Msg::Dashboard {
            req: 1,
            result: Ok(Box::new(data)),
        };
        keep_blocking(&cache, "dashboard", &live, Utc::now()).expect("keep");
        let Msg::Cached { msg, .. } = answer(&cache, 2, Cmd::Dashboard) else {
            panic!("not from the cache");
        };
        let Msg::Dashboard { result: Ok(d), .. } = *msg else {
            panic!("not the dashboard");
        };
        assert_eq!(d.counts.accounts_count, 12);
        assert_eq!(d.urgent.len(), 1);
        assert_eq!(
            (d.urgent[0].view, d.urgent[0].heading),
            (ViewId::Cases, "Urgent cases")
        );
    }
}
