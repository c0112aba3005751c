//! Runs the app's [`Cmd`]s against the [`Client`], each in its own task, and posts the answers
//! back as [`Msg`]s. Checks that touch the disk (does the file to attach exist?) run here too,
//! never on the UI thread. List page loads of an older filter generation are aborted when a newer one
//! starts: with filter-as-you-type, the latest request wins.

use std::sync::Arc;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::task::AbortHandle;

use super::msg::{
    Cmd, DashboardData, FieldError, Msg, Owner, Request, SignedIn, TaskError, ThreadChange,
    UrgentList,
};
use super::offline::OfflineCache;
use super::records::ViewId;
use super::records::crm::triage::Change;
use crate::client::records::Half;
use crate::client::{Client, ClientError, Progress};
use crate::model::Role;
use crate::model::record::Kind;

/// Called after a password sign-in, to keep the new session (e.g. in the keyring).
pub type OnSignIn = Arc<dyn Fn(&Client) + Send + Sync>;

pub async fn run(
    client: Client,
    mut rx: UnboundedReceiver<Request>,
    tx: UnboundedSender<Msg>,
    on_sign_in: Option<OnSignIn>,
    read_only: bool,
    cache: Option<Arc<OfflineCache>>,
) {
    let mut client = client;
    let mut pages: Vec<(u64, AbortHandle)> = Vec::new();
    let mut latest_epoch = 0;
    // Exports in flight, to stop on `Cmd::Cancel`.
    let mut exports: Vec<(u64, AbortHandle)> = Vec::new();
    while let Some(Request { id: req, cmd }) = rx.recv().await {
        if let Cmd::LoadPage { epoch, .. } = &cmd
            && *epoch > latest_epoch
        {
            latest_epoch = *epoch;
            for (g, handle) in pages.drain(..) {
                if g < latest_epoch {
                    handle.abort();
                }
            }
        }
        pages.retain(|(_, h)| !h.is_finished());
        exports.retain(|(_, h)| !h.is_finished());
        if let Cmd::Cancel { req: target } = cmd {
            // Aborting drops the export's temp file: nothing half-written stays.
            for (_, h) in exports.iter().filter(|(r, _)| *r == target) {
                h.abort();
            }
            continue;
        }
        if let Cmd::Export(job) = cmd {
            let (c, t) = (client.clone(), tx.clone());
            let handle = spawn_watched(req, tx.clone(), async move {
                let result = super::export::run(&c, &t, req, &job).await;
                Msg::Exported {
                    req,
                    path: job.path,
                    result,
                }
            });
            exports.push((req, handle));
            continue;
        }
        if matches!(
            cmd,
            Cmd::Download { .. } | Cmd::Attach { .. } | Cmd::OpenAttachment { .. }
        ) && !(read_only && cmd.writes())
        {
            // Transfers tell their progress and can be cancelled, as exports.
            let (c, t) = (client.clone(), tx.clone());
            let handle = spawn_watched(req, tx.clone(), async move {
                let progress = transfer_progress(req, t);
                transfer(&c, req, cmd, progress).await
            });
            exports.push((req, handle));
            continue;
        }
        if read_only && cmd.writes() {
            // The last guard of read-only mode: whatever the UI let through, no write leaves.
            let _ = tx.send(refused(req, cmd));
            continue;
        }
        if let Cmd::SignIn { email, password } = cmd {
            // Sign-in changes the client itself (tokens, maybe the org), so it runs inline.
            let result = sign_in(&mut client, &email, password.as_str()).await;
            if result.is_ok()
                && let Some(hook) = &on_sign_in
            {
                hook(&client);
            }
            let _ = tx.send(Msg::SignedIn { req, result });
            continue;
        }
        let (c, t) = (client.clone(), tx.clone());
        let epoch = if let Cmd::LoadPage { epoch, .. } = &cmd {
            Some(*epoch)
        } else {
            None
        };
        // What the user has seen is kept for offline reading, and answers when the server
        // stops answering.
        let keep = cache
            .clone()
            .zip(super::offline::key(&cmd))
            .map(|(cache, key)| (cache, key, cmd.clone()));
        let handle = spawn_watched(req, t, async move {
            let msg = execute(&c, req, cmd).await;
            match keep {
                Some((cache, key, cmd)) => {
                    super::offline::after_live(cache, key, req, cmd, msg).await
                }
                None => msg,
            }
        });
        if let Some(epoch) = epoch {
            pages.push((epoch, handle));
        }
    }
}

/// Runs one request's task and posts its answer. A panicking task sends no answer, so it is
/// watched: its request gets [`Msg::Crashed`], or it would stay busy forever.
fn spawn_watched(
    req: u64,
    tx: UnboundedSender<Msg>,
    work: impl std::future::Future<Output = Msg> + Send + 'static,
) -> AbortHandle {
    let t = tx.clone();
    let handle = tokio::spawn(async move {
        let _ = t.send(work.await);
    });
    let abort = handle.abort_handle();
    tokio::spawn(async move {
        if let Err(e) = handle.await
            && e.is_panic()
        {
            let _ = tx.send(Msg::Crashed { req });
        }
    });
    abort
}

async fn sign_in(
    client: &mut Client,
    email: &str,
    password: &str,
) -> Result<SignedIn, ClientError> {
    let answer = client.login(email, password).await?;
    let org = match client.org() {
        Some(org) => answer.organizations.iter().find(|o| o.id == org),
        None => answer.organizations.first(),
    };
    let Some(org) = org else {
        // Signed in, but every request would be refused for the org: say so now, and drop the
        // tokens so that they are neither used nor kept.
        client.set_tokens(None);
        let message = match client.org() {
            Some(id) => format!("{email} is not a member of the org {id}"),
            None => format!("{email} belongs to no organization"),
        };
        return Err(ClientError::Api {
            status: 403,
            message,
            fields: Default::default(),
        });
    };
    if client.org().is_none() {
        client.set_org(Some(org.id));
    }
    Ok(SignedIn {
        user: answer.user.id,
        email: answer.user.email,
        org_name: Some(org.name.clone()),
        admin: org.role == Role::Admin,
    })
}

async fn execute(client: &Client, req: u64, cmd: Cmd) -> Msg {
    match cmd {
        Cmd::LoadPage {
            epoch,
            tab,
            page,
            filter,
            limit,
            offset,
        } => Msg::Page {
            req,
            epoch,
            tab,
            page,
            result: accounts(client, &filter, limit, offset).await,
        },
        Cmd::LoadDetail { id } => Msg::Detail {
            req,
            id,
            result: client.account(id).await.map(Box::new),
        },
        Cmd::Profile => Msg::Profile {
            req,
            result: client.profile().await,
        },
        Cmd::Create(input) => Msg::Saved {
            req,
            created: true,
            result: client.create_account(&input).await.map(Box::new),
        },
        Cmd::Update(id, input) => Msg::Saved {
            req,
            created: false,
            result: client.update_account(id, &input).await.map(Box::new),
        },
        Cmd::Delete(id) => Msg::Deleted {
            req,
            id,
            result: client.delete_account(id).await,
        },
        cmd @ (Cmd::AddComment { .. }
        | Cmd::EditComment { .. }
        | Cmd::DeleteComment { .. }
        | Cmd::Attach { .. }
        | Cmd::DeleteAttachment { .. }) => thread_cmd(client, req, cmd).await,
        cmd @ (Cmd::LoadRecords { .. }
        | Cmd::LoadRecord { .. }
        | Cmd::SaveRecord { .. }
        | Cmd::DeleteRecord { .. }
        | Cmd::Triage { .. }) => records(client, req, cmd).await,
        Cmd::SearchLinks { view, text } => Msg::LinkOptions {
            req,
            result: search_links(client, view, &text).await,
        },
        Cmd::Dashboard => Msg::Dashboard {
            req,
            result: dashboard(client).await.map(Box::new),
        },
        cmd @ (Cmd::Download { .. } | Cmd::OpenAttachment { .. }) => {
            transfer(client, req, cmd, crate::client::no_progress()).await
        }
        Cmd::Mail { account, mail } => Msg::MailSent {
            req,
            result: client.send_mail(account, &mail).await,
        },
        Cmd::SignIn { .. } => Msg::SignedIn {
            req,
            result: Err(ClientError::Local("sign-in runs inline".into())),
        },
        Cmd::Export(job) => Msg::Exported {
            req,
            path: job.path,
            result: Err(ClientError::Local("exports run apart".into()).into()),
        },
        Cmd::Cancel { .. } => Msg::Warn("nothing to cancel".into()),
    }
}

/// Downloads and uploads, telling their progress.
async fn transfer(client: &Client, req: u64, cmd: Cmd, progress: Progress) -> Msg {
    match cmd {
        Cmd::Download {
            link,
            path,
            overwrite,
        } => Msg::Downloaded {
            req,
            result: match tokio::fs::metadata(&path).await {
                Ok(m) if m.is_dir() => {
                    Err(FieldError::new("path", "is a directory; give a file path").into())
                }
                // Never replaced silently: the app asks for a second submit first.
                Ok(_) if !overwrite => Err(FieldError::exists("path").into()),
                _ => client
                    .download_with(&link, &path, progress)
                    .await
                    .map_err(TaskError::from),
            },
            path,
        },
        Cmd::OpenAttachment { link, file_name } => {
            let (path, result) = download_to_open(client, &link, &file_name, progress).await;
            Msg::Downloaded { req, path, result }
        }
        Cmd::Attach { owner, path } => Msg::Thread {
            req,
            owner,
            change: ThreadChange::FileAttached,
            result: attach(client, owner, &path, progress).await,
        },
        other => Msg::Warn(format!("not a transfer: {other:?}")),
    }
}

/// Progress as messages to the app, at most ten a second (and always the last).
fn transfer_progress(req: u64, tx: UnboundedSender<Msg>) -> Progress {
    let last = std::sync::Mutex::new(None::<std::time::Instant>);
    std::sync::Arc::new(move |done, total| {
        let now = std::time::Instant::now();
        let Ok(mut last) = last.lock() else { return };
        let due = last.is_none_or(|t| now.duration_since(t).as_millis() >= 100);
        if due || total == Some(done) {
            *last = Some(now);
            let _ = tx.send(Msg::Transfer { req, done, total });
        }
    })
}

/// Comments and attachments, on accounts and on every other kind.
async fn thread_cmd(client: &Client, req: u64, cmd: Cmd) -> Msg {
    match cmd {
        Cmd::AddComment {
            owner,
            text,
            internal,
        } => {
            let result = match owner {
                Owner::Account(id) => client.add_comment(id, &text).await.map(drop),
                Owner::Record(view, id) => match kind_of(view) {
                    Ok(kind) => client.add_record_comment(kind, id, &text, internal).await,
                    Err(e) => Err(e),
                },
            };
            thread(req, owner, ThreadChange::CommentPosted, result)
        }
        Cmd::EditComment {
            owner,
            comment,
            text,
        } => {
            let result = match owner {
                Owner::Account(_) => client.edit_comment(comment, &text).await.map(drop),
                Owner::Record(view, _) => match kind_of(view) {
                    Ok(kind) => client.edit_record_comment(kind.path, comment, &text).await,
                    Err(e) => Err(e),
                },
            };
            thread(req, owner, ThreadChange::CommentSaved, result)
        }
        Cmd::DeleteComment { owner, comment } => {
            let result = match owner {
                Owner::Account(_) => client.delete_comment(comment).await,
                Owner::Record(view, _) => match kind_of(view) {
                    Ok(kind) => client.delete_record_comment(kind.path, comment).await,
                    Err(e) => Err(e),
                },
            };
            thread(req, owner, ThreadChange::CommentDeleted, result)
        }
        Cmd::DeleteAttachment { owner, attachment } => {
            let result = match owner {
                Owner::Account(_) => client.delete_attachment(attachment).await,
                Owner::Record(view, _) => match kind_of(view) {
                    Ok(kind) => client.delete_record_attachment(kind.path, attachment).await,
                    Err(e) => Err(e),
                },
            };
            thread(req, owner, ThreadChange::AttachmentDeleted, result)
        }
        other => Msg::Warn(format!("not a thread command: {other:?}")),
    }
}

/// The commands on records beyond accounts.
async fn records(client: &Client, req: u64, cmd: Cmd) -> Msg {
    match cmd {
        Cmd::LoadRecords {
            view,
            epoch,
            tab,
            page,
            half,
            query,
        } => Msg::RecordPage {
            req,
            view,
            epoch,
            tab,
            page,
            result: match kind_of(view) {
                Ok(kind) => client.records(kind, half, &query).await.map(Box::new),
                Err(e) => Err(e),
            },
        },
        Cmd::LoadRecord { view, id } => Msg::RecordDetail {
            req,
            view,
            id,
            result: match kind_of(view) {
                Ok(kind) => client.record(kind, id).await.map(Box::new),
                Err(e) => Err(e),
            },
        },
        Cmd::SaveRecord { view, id, body } => {
            let result = match (kind_of(view), id) {
                (Err(e), _) => Err(e),
                (Ok(kind), None) => client.create_record(kind, &body).await,
                (Ok(kind), Some(id)) => client.update_record(kind, id, &body).await,
            };
            Msg::RecordSaved {
                req,
                view,
                created: id.is_none(),
                done: None,
                result: result.map(Box::new),
            }
        }
        Cmd::DeleteRecord { view, id } => Msg::RecordDeleted {
            req,
            view,
            id,
            result: match kind_of(view) {
                Ok(kind) => client.delete_record(kind, id).await,
                Err(e) => Err(e),
            },
        },
        Cmd::Triage {
            view,
            id,
            change,
            done,
        } => {
            let result = match (kind_of(view), *change) {
                (Err(e), _) => Err(e),
                (Ok(kind), Change::Patch(body)) => client.update_record(kind, id, &body).await,
                (Ok(kind), Change::Action(action, body)) => {
                    client.record_action(kind, id, action, &body).await
                }
            };
            Msg::RecordSaved {
                req,
                view,
                created: false,
                done: Some(done),
                result: result.map(Box::new),
            }
        }
        other => Msg::Warn(format!("not a record command: {other:?}")),
    }
}

/// The answer to a write refused in read-only mode: the failure its own answer would carry.
pub fn refused(req: u64, cmd: Cmd) -> Msg {
    failed(
        req,
        cmd,
        ClientError::Local("read-only: nothing may change the server".into()),
    )
}

/// The answer `cmd` gets when it fails with `e` without being tried (read-only, offline).
pub fn failed(req: u64, cmd: Cmd, e: ClientError) -> Msg {
    if cmd.writes() {
        failed_write(req, cmd, e)
    } else {
        failed_read(req, cmd, e)
    }
}

fn failed_write(req: u64, cmd: Cmd, e: ClientError) -> Msg {
    match cmd {
        Cmd::Create(_) => Msg::Saved {
            req,
            created: true,
            result: Err(e),
        },
        Cmd::Update(..) => Msg::Saved {
            req,
            created: false,
            result: Err(e),
        },
        Cmd::Delete(id) => Msg::Deleted {
            req,
            id,
            result: Err(e),
        },
        Cmd::AddComment { owner, .. } => thread(req, owner, ThreadChange::CommentPosted, Err(e)),
        Cmd::SaveRecord { view, id, .. } => Msg::RecordSaved {
            req,
            view,
            created: id.is_none(),
            done: None,
            result: Err(e),
        },
        Cmd::Triage { view, done, .. } => Msg::RecordSaved {
            req,
            view,
            created: false,
            done: Some(done),
            result: Err(e),
        },
        Cmd::DeleteRecord { view, id } => Msg::RecordDeleted {
            req,
            view,
            id,
            result: Err(e),
        },
        Cmd::EditComment { owner, .. } => thread(req, owner, ThreadChange::CommentSaved, Err(e)),
        Cmd::DeleteComment { owner, .. } => {
            thread(req, owner, ThreadChange::CommentDeleted, Err(e))
        }
        Cmd::Attach { owner, .. } => thread(req, owner, ThreadChange::FileAttached, Err(e)),
        Cmd::DeleteAttachment { owner, .. } => {
            thread(req, owner, ThreadChange::AttachmentDeleted, Err(e))
        }
        Cmd::Mail { .. } => Msg::MailSent {
            req,
            result: Err(e),
        },
        other => failed_read(req, other, e),
    }
}

fn failed_read(req: u64, cmd: Cmd, e: ClientError) -> Msg {
    match cmd {
        Cmd::LoadPage {
            epoch, tab, page, ..
        } => Msg::Page {
            req,
            epoch,
            tab,
            page,
            result: Err(e),
        },
        Cmd::LoadDetail { id } => Msg::Detail {
            req,
            id,
            result: Err(e),
        },
        Cmd::LoadRecords {
            view,
            epoch,
            tab,
            page,
            ..
        } => Msg::RecordPage {
            req,
            view,
            epoch,
            tab,
            page,
            result: Err(e),
        },
        Cmd::LoadRecord { view, id } => Msg::RecordDetail {
            req,
            view,
            id,
            result: Err(e),
        },
        Cmd::Dashboard => Msg::Dashboard {
            req,
            result: Err(e),
        },
        Cmd::SearchLinks { .. } => Msg::LinkOptions {
            req,
            result: Err(e),
        },
        Cmd::Profile => Msg::Profile {
            req,
            result: Err(e),
        },
        Cmd::Download { path, .. } => Msg::Downloaded {
            req,
            path,
            result: Err(e.into()),
        },
        Cmd::OpenAttachment { .. } => Msg::Downloaded {
            req,
            path: std::path::PathBuf::new(),
            result: Err(e.into()),
        },
        Cmd::SignIn { .. } => Msg::SignedIn {
            req,
            result: Err(e),
        },
        Cmd::Export(job) => Msg::Exported {
            req,
            path: job.path,
            result: Err(e.into()),
        },
        // A write that reached here, or a cancel: said on the status line.
        _ => Msg::Warn(e.to_string()),
    }
}

/// A page of accounts, its time logged at debug.
async fn accounts(
    client: &Client,
    filter: &crate::model::AccountFilter,
    limit: usize,
    offset: usize,
) -> Result<Box<crate::model::AccountList>, ClientError> {
    let started = std::time::Instant::now();
    let result = client.accounts(filter, limit, offset).await.map(Box::new);
    tracing::debug!(
        target: "crmtui::latency",
        ms = started.elapsed().as_secs_f64() * 1000.0,
        offset,
        ok = result.is_ok(),
        "page request"
    );
    result
}

/// The answer to a change of a thread.
fn thread(req: u64, owner: Owner, change: ThreadChange, result: Result<(), ClientError>) -> Msg {
    Msg::Thread {
        req,
        owner,
        change,
        result: result.map_err(TaskError::from),
    }
}

/// Uploads a file; whether it is one is checked here, not in the form: the UI thread does no
/// disk I/O.
async fn attach(
    client: &Client,
    owner: Owner,
    path: &std::path::Path,
    progress: Progress,
) -> Result<(), TaskError> {
    let problem = match tokio::fs::metadata(path).await {
        Ok(m) if m.is_file() => None,
        Ok(m) if m.is_dir() => Some("is a directory".to_string()),
        Ok(_) => Some("not a regular file".to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("no such file".to_string()),
        Err(e) => Some(format!("cannot read it: {e}")),
    };
    if let Some(p) = problem {
        return Err(FieldError::new("attachment", &p).into());
    }
    match owner {
        Owner::Account(id) => client
            .add_attachment_with(id, path, progress)
            .await
            .map(drop)?,
        Owner::Record(view, id) => {
            client
                .add_record_attachment(kind_of(view)?, id, path, progress)
                .await?
        }
    }
    Ok(())
}

/// The first few records of `view` whose name holds `text`, for a form's link field.
async fn search_links(
    client: &Client,
    view: ViewId,
    text: &str,
) -> Result<Vec<(uuid::Uuid, String)>, ClientError> {
    const MATCHES: usize = 6;
    let Some(v) = crate::tui::records::crm::view(view) else {
        let filter = crate::model::AccountFilter {
            name: Some(text.to_string()),
            ..Default::default()
        };
        let list = client.accounts(&filter, MATCHES, 0).await?;
        return Ok(list
            .open_accounts
            .into_iter()
            .chain(list.closed_accounts)
            .take(MATCHES)
            .map(|a| (a.id, a.name))
            .collect());
    };
    let query = crate::client::records::RecordQuery {
        params: vec![(v.text_filter.to_string(), text.to_string())],
        limit: MATCHES,
        offset: 0,
    };
    let page = client.records(v.kind, Half::Open, &query).await?;
    Ok(page
        .rows
        .iter()
        .filter_map(|r| Some((r.id()?, (v.name)(r))))
        .collect())
}

/// Downloads an attachment into a fresh private dir (0700, kept for the opener, which may
/// read it after we return), under its own (cleaned) name.
async fn download_to_open(
    client: &Client,
    link: &str,
    file_name: &str,
    progress: Progress,
) -> (std::path::PathBuf, Result<u64, TaskError>) {
    let dir = match tempfile::Builder::new().prefix("crmtui-open-").tempdir() {
        Ok(d) => d.keep(),
        Err(e) => {
            let e = ClientError::Local(format!("cannot make a temp dir: {e}"));
            return (std::path::PathBuf::new(), Err(e.into()));
        }
    };
    let path = dir.join(crate::tui::panes::thread::safe_file_name(file_name));
    let result = client
        .download_with(link, &path, progress)
        .await
        .map_err(TaskError::from);
    (path, result)
}

/// The model's description of a view's kind (accounts have typed calls of their own).
fn kind_of(view: ViewId) -> Result<&'static Kind, ClientError> {
    crate::tui::records::crm::view(view)
        .map(|v| v.kind)
        .ok_or_else(|| ClientError::Local("accounts have calls of their own".into()))
}

/// The dashboard's urgent lists: the view each opens, and its heading.
pub const URGENT_LISTS: [(ViewId, &str); 4] = [
    (ViewId::Tasks, "Overdue tasks"),
    (ViewId::Tasks, "Tasks due today"),
    (ViewId::Leads, "Hot leads"),
    (ViewId::Cases, "Urgent cases"),
];

/// The dashboard's counts and, beside them, the first urgent records of each list, asked for
/// at once.
async fn dashboard(client: &Client) -> Result<DashboardData, ClientError> {
    use crate::client::records::RecordQuery;
    use crate::model::kinds::{CASE, LEAD, TASK};
    let today = chrono::Utc::now().date_naive();
    let yesterday = today - chrono::Days::new(1);
    let q = |params: Vec<(&str, String)>| RecordQuery {
        params: params
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        limit: 5,
        offset: 0,
    };
    let open_tasks = || ("status", "New,In Progress".to_string());
    let overdue = q(vec![open_tasks(), ("due_date__lte", yesterday.to_string())]);
    let due_today = q(vec![
        open_tasks(),
        ("due_date__gte", today.to_string()),
        ("due_date__lte", today.to_string()),
    ]);
    let hot = q(vec![
        ("rating", "HOT".to_string()),
        ("status", "assigned,in process".to_string()),
    ]);
    let urgent = q(vec![
        ("priority", "Urgent".to_string()),
        ("status", "New,Assigned,Pending".to_string()),
    ]);
    let (counts, overdue, due_today, hot, urgent) = tokio::join!(
        client.dashboard(),
        client.records(&TASK, Half::Open, &overdue),
        client.records(&TASK, Half::Open, &due_today),
        client.records(&LEAD, Half::Open, &hot),
        client.records(&CASE, Half::Open, &urgent),
    );
    Ok(DashboardData {
        counts: counts?,
        urgent: URGENT_LISTS
            .into_iter()
            .zip([overdue?, due_today?, hot?, urgent?])
            .map(|((view, heading), page)| UrgentList {
                view,
                heading,
                total: page.count,
                rows: page.rows,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_task_is_reported_for_its_request() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        spawn_watched(41, tx.clone(), async { panic!("boom") });
        assert!(matches!(rx.recv().await, Some(Msg::Crashed { req: 41 })));
        // An aborted task (a superseded page load) is not a crash.
        let abort = spawn_watched(42, tx, std::future::pending());
        abort.abort();
        assert!(rx.recv().await.is_none());
    }
}
