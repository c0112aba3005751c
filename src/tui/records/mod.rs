//! Kinds of records the TUI shows. A kind is tables, not panes: its list columns, its form's
//! field table and its detail layout (see [`RecordKind`]). The list, detail and thread panes
//! (and their drawing) are written once, generic over the kind; adding contacts, cases or tasks
//! means a module here like [`account`], not a copy of the panes.
//!
//! Adding a kind, step by step:
//! 1. `records/<kind>/`: `impl RecordKind` (columns, title and badge, tabs, the page and detail
//!    requests, the detail layout), its `FIELDS` table and the form-to-body function, and its
//!    filter (form, bar, `:filter` grammar) if it has one;
//! 2. `msg.rs` and `worker.rs`: the commands its `load_page`/`load_detail` return and the
//!    answers they bring (the client calls);
//! 3. the app: a `ListPane<Kind>` and `DetailPane<Kind>` for it, the command that shows it, and
//!    its answers routed to them (`app/replies.rs`); comments and attachments need an
//!    [`Owner`](super::msg::Owner) variant.

pub mod account;
pub mod crm;

use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use uuid::Uuid;

use super::msg::Cmd;
use super::overlay::form::FieldKind;
use super::theme::Theme;
use crate::model::{Attachment, Comment, User};

pub use account::Accounts;
pub use crm::Records;

/// A row of a list: anything with an id.
pub trait Row: Clone {
    fn id(&self) -> Uuid;
}

/// Every list the TUI shows, one per kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ViewId {
    Accounts,
    Contacts,
    Leads,
    Opportunities,
    Cases,
    Tasks,
    Invoices,
}

impl ViewId {
    pub const ALL: [ViewId; 7] = [
        ViewId::Accounts,
        ViewId::Contacts,
        ViewId::Leads,
        ViewId::Opportunities,
        ViewId::Cases,
        ViewId::Tasks,
        ViewId::Invoices,
    ];

    /// The view of records of the kind named `name` (`case`, as `content_type` says it).
    pub fn of_kind(name: &str) -> Option<ViewId> {
        ViewId::ALL.into_iter().find(|v| v.kind_name() == name)
    }

    /// The kind's name, as comments' `content_type` and links' `Ty::Ref` say it.
    pub fn kind_name(self) -> &'static str {
        match self {
            ViewId::Accounts => "account",
            ViewId::Contacts => "contact",
            ViewId::Leads => "lead",
            ViewId::Opportunities => "opportunity",
            ViewId::Cases => "case",
            ViewId::Tasks => "task",
            ViewId::Invoices => "invoice",
        }
    }
}

/// A record another one links to, as a row of the detail pane that `Enter` opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The heading it is listed under ("Cases").
    pub section: &'static str,
    pub view: ViewId,
    pub id: Uuid,
    /// The row's text: a few of its fields.
    pub text: String,
}

/// What one kind of record brings to the generic panes. A kind is a value (accounts: a unit
/// struct; the other kinds: their table, see [`crm`]), held by the panes that show it.
pub trait RecordKind: 'static {
    /// A row of the list.
    type Row: Row;
    /// A record with what hangs off it (the detail pane, the thread).
    type Detail;
    /// The tabs the list is split into (accounts: open and closed).
    type Tab: Copy + Eq + Hash + Debug + Default;
    type Filter: Clone + Default + PartialEq + Debug;
    /// One answer of the list endpoint.
    type Page;

    fn view(&self) -> ViewId;
    /// The record in words, singular: "account".
    fn noun(&self) -> &'static str;
    /// With its article: "an account".
    fn a_noun(&self) -> &'static str;
    /// The spinner's label while a page of the list loads.
    fn loading_list(&self) -> &'static str;
    /// The spinner's label while a detail loads.
    fn loading_detail(&self) -> &'static str;
    /// Every tab, in the order the tab key goes through them; at least one.
    fn tabs(&self) -> &'static [Self::Tab];
    /// Whether one list answer counts every tab (else a page of each tab is asked for when
    /// the list is reloaded, so that the header's counts stay true after a write).
    fn counts_every_tab(&self) -> bool {
        false
    }

    /// A tab in words, for the header and hints: "open".
    fn tab_name(&self, tab: Self::Tab) -> &'static str;
    /// The list's title for a tab: " Open accounts ".
    fn list_title(&self, tab: Self::Tab) -> &'static str;
    /// The list's columns.
    fn columns(&self) -> &'static [Column<Self::Row>];
    /// The record's name, the detail pane's title.
    fn title(&self, row: &Self::Row) -> String;
    /// A badge at the right of the detail pane's title (a status).
    fn badge(&self, row: &Self::Row, theme: &Theme) -> Option<Span<'static>>;
    fn filter_is_empty(&self, filter: &Self::Filter) -> bool;
    /// The request for one page of the list.
    fn load_page(&self, query: PageQuery<Self>) -> Cmd
    where
        Self: Sized;
    /// The request for a record's detail.
    fn load_detail(&self, id: Uuid) -> Cmd;
    /// An answer split into the rows of `tab`, the totals of every tab and the users it names.
    fn split_page(&self, page: Self::Page, tab: Self::Tab) -> PageParts<Self>
    where
        Self: Sized;
    /// The record itself, inside its detail.
    fn detail_row<'a>(&self, detail: &'a Self::Detail) -> &'a Self::Row;
    /// The comments and attachments of a detail, oldest first.
    fn thread<'a>(&self, detail: &'a Self::Detail) -> Thread<'a>;
    /// The detail pane's lines (the detail layout), `width` columns wide.
    fn detail_lines(
        &self,
        ctx: &DrawCtx<'_>,
        row: &Self::Row,
        detail: Option<&Self::Detail>,
        width: usize,
    ) -> Vec<Line<'static>>;
    /// The records the detail links to, in the order the pane lists them.
    fn links(&self, detail: &Self::Detail) -> Vec<Link>;
}

/// One page of a list to load.
#[derive(Debug, Clone)]
pub struct PageQuery<K: RecordKind + ?Sized> {
    pub epoch: u64,
    pub tab: K::Tab,
    pub page: usize,
    pub filter: K::Filter,
    pub limit: usize,
    pub offset: usize,
}

/// A list answer taken apart (see [`RecordKind::split_page`]).
pub struct PageParts<K: RecordKind + ?Sized> {
    pub rows: Vec<K::Row>,
    /// Every tab's total, as the server counted it.
    pub totals: Vec<(K::Tab, i64)>,
    pub users: Vec<User>,
}

/// The thread of a record: its comments, then its attachments.
#[derive(Debug, Clone, Copy)]
pub struct Thread<'a> {
    pub comments: &'a [Comment],
    pub attachments: &'a [Attachment],
}

impl Thread<'_> {
    pub fn len(&self) -> usize {
        self.comments.len() + self.attachments.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A list column: title, width (0 = fill), the smallest list width that shows it, its cell
/// text, and its style when the row's value has one (a status).
pub struct Column<R> {
    pub title: &'static str,
    pub width: u16,
    pub min_list_width: u16,
    pub cell: fn(&Users, &R) -> String,
    pub style: Option<fn(&Theme, &R) -> Style>,
}

/// A field of a record's form: the API's key, the label, the editor, the value it opens with
/// for a record, and for a new one.
pub struct FieldSpec<R> {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub value: fn(&R) -> String,
    pub new: &'static str,
}

/// What drawing a record needs from the app: the theme, the user names, the clock.
pub struct DrawCtx<'a> {
    pub theme: &'a Theme,
    pub users: &'a Users,
    pub now: chrono::DateTime<chrono::Utc>,
    /// Absolute times in UTC (a fixed test clock) rather than the local zone.
    pub utc: bool,
}

/// User names by id, from the lists the server sent (cleaned for the screen).
#[derive(Debug, Clone, Default)]
pub struct Users(HashMap<Uuid, String>);

impl Users {
    pub fn insert(&mut self, user: &User) {
        self.0.insert(user.id, short_user(user));
    }

    /// The name of a user, or the start of the id when the server did not name them.
    pub fn name(&self, id: &Uuid) -> String {
        self.0
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string().chars().take(8).collect())
    }
}

/// The local part of a server-given email, cleaned: it is drawn in the list and the thread.
fn short_user(u: &User) -> String {
    let local = u.email.split('@').next().unwrap_or(&u.email);
    super::sanitize::fit(local, 40)
}
