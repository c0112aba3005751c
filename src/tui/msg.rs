//! The messages of the reducer: [`Cmd`]s leave the app for the worker (network and disk), each
//! in a [`Request`] with an id, and come back as [`Msg`]s carrying that id. Every tag is a type:
//! nothing is dispatched on a string.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::client::ClientError;
use serde_json::{Map, Value};

use super::records::ViewId;
use super::records::crm::triage::Change;
use crate::client::records::{Half, RecordQuery};
use crate::model::record::{Record, RecordDetail, RecordPage};
use crate::model::{
    Account, AccountDetail, AccountFilter, AccountInput, AccountList, AccountStatus, Dashboard,
    MailInput, MailSent, Profile,
};

/// The id of a request: its answer carries it back.
pub type ReqId = u64;

/// The record that comments and attachments hang off (what a thread belongs to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    Account(Uuid),
    /// A record of another kind (never [`ViewId::Accounts`]).
    Record(ViewId, Uuid),
}

impl Owner {
    pub fn id(self) -> Uuid {
        match self {
            Owner::Account(id) | Owner::Record(_, id) => id,
        }
    }

    pub fn view(self) -> ViewId {
        match self {
            Owner::Account(_) => ViewId::Accounts,
            Owner::Record(view, _) => view,
        }
    }
}

/// What the dashboard shows: the counts, and the urgent records as rows to open.
#[derive(Debug, Clone, Default)]
pub struct DashboardData {
    pub counts: Dashboard,
    pub urgent: Vec<UrgentList>,
}

/// One of the dashboard's urgent lists: its first rows, and how many there are in all.
#[derive(Debug, Clone)]
pub struct UrgentList {
    /// The view its rows open in.
    pub view: ViewId,
    pub heading: &'static str,
    pub rows: Vec<Record>,
    pub total: i64,
}

/// Work for the network or the disk, run by the worker; each answer comes back as a [`Msg`].
#[derive(Debug, Clone)]
pub enum Cmd {
    LoadPage {
        epoch: u64,
        tab: AccountStatus,
        page: usize,
        filter: AccountFilter,
        limit: usize,
        offset: usize,
    },
    LoadDetail {
        id: Uuid,
    },
    Profile,
    /// A page of a list other than the accounts'.
    LoadRecords {
        view: ViewId,
        epoch: u64,
        tab: usize,
        page: usize,
        half: Half,
        query: RecordQuery,
    },
    LoadRecord {
        view: ViewId,
        id: Uuid,
    },
    /// Creates (`id: None`) or changes a record: the keys of `body`.
    SaveRecord {
        view: ViewId,
        id: Option<Uuid>,
        body: Box<Map<String, Value>>,
    },
    DeleteRecord {
        view: ViewId,
        id: Uuid,
    },
    /// A triage action (see [`Change`]); `done` words it for the status line.
    Triage {
        view: ViewId,
        id: Uuid,
        change: Box<Change>,
        done: &'static str,
    },
    Dashboard,
    /// Records of `view` whose name holds `text`: a form's link field picks among them.
    SearchLinks {
        view: ViewId,
        text: String,
    },
    Create(Box<AccountInput>),
    Update(Uuid, Box<AccountInput>),
    Delete(Uuid),
    AddComment {
        owner: Owner,
        text: String,
        /// A case's internal note.
        internal: bool,
    },
    EditComment {
        owner: Owner,
        comment: Uuid,
        text: String,
    },
    DeleteComment {
        owner: Owner,
        comment: Uuid,
    },
    Attach {
        owner: Owner,
        path: PathBuf,
    },
    Download {
        link: String,
        path: PathBuf,
        /// Replace an existing file (the user submitted the same path twice).
        overwrite: bool,
    },
    DeleteAttachment {
        owner: Owner,
        attachment: Uuid,
    },
    /// Downloads an attachment into a private temp dir, for the desktop's opener.
    OpenAttachment {
        link: String,
        file_name: String,
    },
    Mail {
        account: Uuid,
        mail: Box<MailInput>,
    },
    SignIn {
        email: String,
        password: Password,
    },
    /// Every page of the filtered list of `tab`, written to `path` (see [`super::export`]).
    Export(Box<ExportJob>),
    /// Stop the request `req` (an export); its answer never comes.
    Cancel {
        req: ReqId,
    },
}

/// What `:export` writes, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportJob {
    pub path: PathBuf,
    pub format: ExportFormat,
    pub source: ExportSource,
    /// Rows per request.
    pub limit: usize,
    /// Replace an existing file (the user said yes).
    pub overwrite: bool,
}

/// The list an export writes: the one on screen, with its filter and tab.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportSource {
    Accounts {
        filter: AccountFilter,
        tab: AccountStatus,
    },
    Records {
        view: ViewId,
        half: crate::client::records::Half,
        params: Vec<(String, String)>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

impl ExportFormat {
    /// By the path's extension.
    pub fn from_path(path: &std::path::Path) -> Option<ExportFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(ExportFormat::Csv),
            "json" => Some(ExportFormat::Json),
            _ => None,
        }
    }
}

impl Cmd {
    /// Whether the command changes something on the server (refused in read-only mode).
    pub fn writes(&self) -> bool {
        match self {
            Cmd::LoadPage { .. }
            | Cmd::LoadDetail { .. }
            | Cmd::LoadRecords { .. }
            | Cmd::LoadRecord { .. }
            | Cmd::Dashboard
            | Cmd::SearchLinks { .. }
            | Cmd::Profile
            | Cmd::Download { .. }
            | Cmd::OpenAttachment { .. }
            | Cmd::SignIn { .. }
            | Cmd::Export(_)
            | Cmd::Cancel { .. } => false,
            Cmd::Create(_)
            | Cmd::SaveRecord { .. }
            | Cmd::DeleteRecord { .. }
            | Cmd::Triage { .. }
            | Cmd::Update(..)
            | Cmd::Delete(_)
            | Cmd::AddComment { .. }
            | Cmd::EditComment { .. }
            | Cmd::DeleteComment { .. }
            | Cmd::Attach { .. }
            | Cmd::DeleteAttachment { .. }
            | Cmd::Mail { .. } => true,
        }
    }
}

/// Work on the terminal itself, done by the runtime (which owns it), never by the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Put the text on the user's clipboard (OSC 52).
    Copy(String),
    /// Suspend the TUI and edit the text in `$VISUAL`/`$EDITOR`; the result comes back as
    /// [`Msg::Edited`].
    Edit(String),
    /// Open a URL with the desktop's opener (`xdg-open`, `open`).
    Open(String),
}

/// A typed password. Its `Debug` is written by hand so that `{:?}` of a [`Cmd`] or [`Request`]
/// (logs, test failures) never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(pub String);

impl Password {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub id: ReqId,
    pub cmd: Cmd,
}

/// Who we are and where, once the session is up.
#[derive(Debug, Clone, Default)]
pub struct Ready {
    /// `local`, `demo`, or the server's host.
    pub server: String,
    pub org_name: Option<String>,
    pub user: Option<(Uuid, String)>,
    pub admin: bool,
    /// No usable session: ask for a password first.
    pub needs_sign_in: bool,
    /// Messages to show once (config problems, where the session came from).
    pub notes: Vec<String>,
    /// Whom the server lets a mail go to: any address, or the account's contacts.
    pub mail_recipients: crate::client::MailRecipients,
    /// The server's URL, for links copied out of the app (an attachment's).
    pub base_url: String,
    /// The server does not answer: the app browses the offline cache, writes refused, until
    /// a second `Ready` (live) comes.
    pub offline: bool,
}

/// A password sign-in that worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub user: Uuid,
    pub email: String,
    /// The org's name, when the server said it.
    pub org_name: Option<String>,
    pub admin: bool,
}

/// What changed in a thread (a record's comments and attachments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadChange {
    CommentPosted,
    CommentSaved,
    CommentDeleted,
    FileAttached,
    AttachmentDeleted,
}

impl ThreadChange {
    /// For the status line once it is done.
    pub fn done(self) -> &'static str {
        match self {
            ThreadChange::CommentPosted => "comment posted",
            ThreadChange::CommentSaved => "comment saved",
            ThreadChange::CommentDeleted => "comment deleted",
            ThreadChange::FileAttached => "file attached",
            ThreadChange::AttachmentDeleted => "attachment deleted",
        }
    }

    /// For the status line when it failed ("posting the comment: …").
    pub fn doing(self) -> &'static str {
        match self {
            ThreadChange::CommentPosted => "posting the comment",
            ThreadChange::CommentSaved => "saving the comment",
            ThreadChange::CommentDeleted => "deleting the comment",
            ThreadChange::FileAttached => "attaching the file",
            ThreadChange::AttachmentDeleted => "deleting the attachment",
        }
    }
}

/// The message of a [`FieldError`] for a download path that is already a file.
pub const EXISTS: &str = "exists";

/// A check on what the user typed that failed on our side (a path that is no file, a file
/// that is already there), shown next to its form field. Never an answer from the server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    message: String,
    /// The message by field key, the shape a form shows (see `Form::set_errors`).
    fields: BTreeMap<String, String>,
    exists: bool,
}

impl FieldError {
    pub fn new(field: &str, message: &str) -> FieldError {
        FieldError {
            message: message.to_string(),
            fields: [(field.to_string(), message.to_string())].into(),
            exists: false,
        }
    }

    /// The file at the path in `field` exists: a second submit overwrites it.
    pub fn exists(field: &str) -> FieldError {
        FieldError {
            exists: true,
            ..FieldError::new(field, EXISTS)
        }
    }

    pub fn is_exists(&self) -> bool {
        self.exists
    }

    pub fn fields(&self) -> &BTreeMap<String, String> {
        &self.fields
    }
}

/// Why work that touches both the disk and the server failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TaskError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Field(#[from] FieldError),
}

impl TaskError {
    /// Messages by form field, from the server's validation or from our own checks.
    pub fn field_errors(&self) -> Option<&BTreeMap<String, String>> {
        match self {
            TaskError::Client(e) => e.field_errors(),
            TaskError::Field(e) => Some(e.fields()),
        }
    }
}

#[derive(Debug)]
pub enum Msg {
    Ready(Box<Ready>),
    BootFailed(String),
    /// The server does not answer yet at start-up; the start is retried.
    Offline(String),
    Page {
        req: ReqId,
        epoch: u64,
        tab: AccountStatus,
        page: usize,
        result: Result<Box<AccountList>, ClientError>,
    },
    Detail {
        req: ReqId,
        id: Uuid,
        result: Result<Box<AccountDetail>, ClientError>,
    },
    Profile {
        req: ReqId,
        result: Result<Profile, ClientError>,
    },
    RecordPage {
        req: ReqId,
        view: ViewId,
        epoch: u64,
        tab: usize,
        page: usize,
        result: Result<Box<RecordPage>, ClientError>,
    },
    RecordDetail {
        req: ReqId,
        view: ViewId,
        id: Uuid,
        result: Result<Box<RecordDetail>, ClientError>,
    },
    /// A record was created, changed, or moved by a triage action (`done` says which).
    RecordSaved {
        req: ReqId,
        view: ViewId,
        created: bool,
        done: Option<&'static str>,
        result: Result<Box<Record>, ClientError>,
    },
    RecordDeleted {
        req: ReqId,
        view: ViewId,
        id: Uuid,
        result: Result<(), ClientError>,
    },
    Dashboard {
        req: ReqId,
        result: Result<Box<DashboardData>, ClientError>,
    },
    /// The matches of a link field's search: id and name.
    LinkOptions {
        req: ReqId,
        result: Result<Vec<(Uuid, String)>, ClientError>,
    },
    Saved {
        req: ReqId,
        created: bool,
        result: Result<Box<Account>, ClientError>,
    },
    Deleted {
        req: ReqId,
        id: Uuid,
        result: Result<(), ClientError>,
    },
    /// A comment or attachment changed.
    Thread {
        req: ReqId,
        owner: Owner,
        change: ThreadChange,
        result: Result<(), TaskError>,
    },
    Downloaded {
        req: ReqId,
        path: PathBuf,
        result: Result<u64, TaskError>,
    },
    MailSent {
        req: ReqId,
        result: Result<MailSent, ClientError>,
    },
    SignedIn {
        req: ReqId,
        result: Result<SignedIn, ClientError>,
    },
    /// A download or an upload moved on: bytes done, and the total when known.
    Transfer {
        req: ReqId,
        done: u64,
        total: Option<u64>,
    },
    /// An export wrote `done` of `total` rows.
    ExportProgress {
        req: ReqId,
        done: usize,
        total: usize,
    },
    /// An export is done: the rows written, or why not (a [`FieldError::exists`] when the file
    /// is there and may not be replaced).
    Exported {
        req: ReqId,
        path: PathBuf,
        result: Result<usize, TaskError>,
    },
    /// The external editor is done: the new text, or why the draft was kept.
    Edited(Result<String, String>),
    /// Something for the status line from outside a request (e.g. the keyring failed).
    Warn(String),
    /// An answer read from the offline cache, kept at `at`.
    Cached {
        at: DateTime<Utc>,
        msg: Box<Msg>,
    },
    /// The task serving `req` panicked: no answer will come.
    Crashed {
        req: ReqId,
    },
}
