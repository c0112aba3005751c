//! The thread pane, for any kind of record: its comments, then its attachments, one cursor
//! over both. Its handlers open the comment editor, the attach and save dialogs and the delete
//! confirmations, and turn those forms into commands.

use std::path::PathBuf;

use uuid::Uuid;

use crate::model::{Attachment, Comment};
use crate::tui::keymap::{Action, Keymap};
use crate::tui::msg::{Cmd, Owner, ThreadChange};
use crate::tui::overlay::form::{Field, FieldKind, Form};
use crate::tui::overlay::{Confirm, FormKind, Overlay};
use crate::tui::records::Thread;
use crate::tui::sanitize;

/// A row of the thread.
pub enum ThreadItem<'a> {
    Comment(&'a Comment),
    Attachment(&'a Attachment),
}

/// The `i`th row of a thread: comments first, then attachments.
pub fn item(thread: Thread<'_>, i: usize) -> Option<ThreadItem<'_>> {
    if i < thread.comments.len() {
        thread.comments.get(i).map(ThreadItem::Comment)
    } else {
        thread
            .attachments
            .get(i - thread.comments.len())
            .map(ThreadItem::Attachment)
    }
}

/// Which row to select once the thread reloads after posting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NewItem {
    Comment,
    Attachment,
}

/// A form's field that is wrong, and why.
pub type FieldProblem = (&'static str, String);

#[derive(Debug, Default)]
pub struct ThreadPane {
    pub cursor: usize,
    /// After posting, select the new comment or file once the thread reloads.
    focus_new: Option<NewItem>,
    /// The path the worker said exists: submitting it again overwrites it.
    overwrite: Option<PathBuf>,
}

/// Who sees a case's comment: everyone, or staff only (an internal note).
const VISIBILITY: crate::model::record::Choices = &[
    ("everyone", "Everyone"),
    ("staff", "Staff only (internal note)"),
];

impl ThreadPane {
    pub fn item<'a>(&self, thread: Thread<'a>) -> Option<ThreadItem<'a>> {
        item(thread, self.cursor)
    }

    pub fn move_by(&mut self, delta: isize, len: usize) {
        if len > 0 {
            self.cursor = self.cursor.saturating_add_signed(delta).min(len - 1);
        }
    }

    pub fn select(&mut self, i: usize, len: usize) {
        self.cursor = i.min(len.saturating_sub(1));
    }

    pub fn bottom(&mut self, len: usize) {
        self.cursor = len.saturating_sub(1);
    }

    /// Another record is selected.
    pub fn reset(&mut self) {
        self.cursor = 0;
    }

    /// A change was made: the thread reloads, and shows what was added.
    pub fn changed(&mut self, change: ThreadChange) {
        // Comments come oldest first, files after them.
        self.focus_new = match change {
            ThreadChange::CommentPosted => Some(NewItem::Comment),
            ThreadChange::FileAttached => Some(NewItem::Attachment),
            _ => None,
        };
    }

    /// A detail arrived; the selected record's thread has `comments` comments and `len` rows.
    pub fn reloaded(&mut self, comments: usize, len: usize) {
        match self.focus_new.take() {
            Some(NewItem::Comment) => self.cursor = comments.saturating_sub(1),
            Some(NewItem::Attachment) => self.cursor = len.saturating_sub(1),
            None => {}
        }
        self.cursor = self.cursor.min(len.saturating_sub(1));
    }

    // --- dialogs ---------------------------------------------------------------------------------

    /// The editor for a new comment on `owner` (called `name`).
    pub fn comment_form(owner: Owner, name: &str, keymap: &Keymap) -> Overlay {
        let mut fields = vec![Field::new("comment", "Comment", FieldKind::Multi, "")];
        // A case's comment may be an internal note, for staff only.
        if owner.view() == crate::tui::records::ViewId::Cases {
            fields.push(Field::new(
                "is_internal",
                "Visible to",
                FieldKind::Choice(VISIBILITY),
                "Everyone",
            ));
        }
        let form = Form::new(format!("Comment on {}", sanitize::fit(name, 40)), fields).with_note(
            format!(
                "{} to post · enter for a new line · {} to cancel",
                keymap.hint(Action::Submit),
                keymap.hint(Action::Cancel)
            ),
        );
        let kind = FormKind::Comment {
            owner,
            editing: None,
        };
        Overlay::Form(kind, Box::new(form))
    }

    /// The editor for the selected comment, if it may be edited (own comments, or any as an
    /// admin); otherwise what to tell the user.
    pub fn edit_form(
        &self,
        thread: Thread<'_>,
        owner: Owner,
        me: Option<Uuid>,
        admin: bool,
        keymap: &Keymap,
    ) -> Result<Option<Overlay>, &'static str> {
        let Some(item) = self.item(thread) else {
            return Ok(None);
        };
        let ThreadItem::Comment(c) = item else {
            return Err("attachments cannot be edited; d deletes, s saves");
        };
        if !is_mine(me, c.commented_by) && !admin {
            return Err("you can edit only your own comments");
        }
        let form = Form::new(
            "Edit comment",
            vec![Field::new(
                "comment",
                "Comment",
                FieldKind::Multi,
                &c.comment,
            )],
        )
        .with_note(format!(
            "{} to save · {} to cancel",
            keymap.hint(Action::Submit),
            keymap.hint(Action::Cancel)
        ));
        let kind = FormKind::Comment {
            owner,
            editing: Some(c.id),
        };
        Ok(Some(Overlay::Form(kind, Box::new(form))))
    }

    /// The confirmation for deleting the selected comment or attachment, if it may be.
    pub fn delete_confirm(
        &self,
        thread: Thread<'_>,
        owner: Owner,
        me: Option<Uuid>,
        admin: bool,
    ) -> Result<Option<Overlay>, &'static str> {
        let Some(item) = self.item(thread) else {
            return Ok(None);
        };
        let (text, what, author) = match item {
            ThreadItem::Comment(c) => (
                format!("Delete this comment? “{}”", sanitize::fit(&c.comment, 50)),
                Confirm::DeleteComment {
                    owner,
                    comment: c.id,
                },
                c.commented_by,
            ),
            ThreadItem::Attachment(a) => (
                format!("Delete the attachment {}?", sanitize::fit(&a.file_name, 50)),
                Confirm::DeleteAttachment {
                    owner,
                    attachment: a.id,
                },
                a.created_by,
            ),
        };
        if !admin && !is_mine(me, author) {
            return Err("you can delete only your own comments and attachments");
        }
        Ok(Some(Overlay::Confirm { text, what }))
    }

    /// The dialog asking for a file to attach to `owner` (called `name`).
    pub fn attach_form(owner: Owner, name: &str, keymap: &Keymap) -> Overlay {
        let form = Form::new(
            format!("Attach a file to {}", sanitize::fit(name, 40)),
            vec![Field::new("attachment", "Path", FieldKind::Line, "")],
        )
        .with_note(format!(
            "a file to upload (~/ works) · {} attach · {} cancel",
            keymap.hint(Action::Submit),
            keymap.hint(Action::Cancel)
        ));
        Overlay::Form(FormKind::AttachPath(owner), Box::new(form))
    }

    /// The dialog asking where to save the selected attachment (`item`).
    pub fn download_form(
        item: Option<ThreadItem<'_>>,
        keymap: &Keymap,
    ) -> Result<Overlay, &'static str> {
        let Some(ThreadItem::Attachment(att)) = item else {
            return Err("select an attachment in the comments pane first");
        };
        // A relative path: saved in the current directory, without asking the OS for it here.
        let default = PathBuf::from(safe_file_name(&att.file_name));
        let link = if att.attachment.is_empty() {
            format!("api/accounts/attachment/{}/", att.id)
        } else {
            att.attachment.clone()
        };
        let form = Form::new(
            "Save attachment to",
            vec![Field::new(
                "path",
                "Path",
                FieldKind::Line,
                &default.to_string_lossy(),
            )],
        )
        .with_note(format!(
            "where to save (~/ works) · {} save · {} cancel",
            keymap.hint(Action::Submit),
            keymap.hint(Action::Cancel)
        ));
        Ok(Overlay::Form(FormKind::DownloadPath(link), Box::new(form)))
    }

    // --- submitting ------------------------------------------------------------------------------

    /// The comment editor's command (post or save), with the spinner's label.
    pub fn comment_cmd(
        form: &Form,
        owner: Owner,
        editing: Option<Uuid>,
    ) -> Result<(Cmd, &'static str), FieldProblem> {
        let text = form.value("comment").trim_end().to_string();
        if text.trim().is_empty() {
            return Err(("comment", "write something first".into()));
        }
        Ok(match editing {
            Some(comment) => (
                Cmd::EditComment {
                    owner,
                    comment,
                    text,
                },
                "saving comment",
            ),
            None => (
                Cmd::AddComment {
                    owner,
                    text,
                    internal: form.get("is_internal").and_then(Field::choice) == Some("staff"),
                },
                "posting comment",
            ),
        })
    }

    /// The attach dialog's command. Whether the path is a file is checked by the worker: no
    /// disk I/O on the UI thread.
    pub fn attach_cmd(form: &Form, owner: Owner) -> Result<(Cmd, &'static str), FieldProblem> {
        let path = expand_home(form.value("attachment").trim());
        if path.as_os_str().is_empty() {
            return Err(("attachment", "give a file path".into()));
        }
        Ok((Cmd::Attach { owner, path }, "uploading"))
    }

    /// The save dialog's command; the path the worker found taken is overwritten when it is
    /// submitted again. A directory is refused by the worker (disk I/O stays off the UI thread).
    pub fn download_cmd(
        &self,
        form: &Form,
        link: String,
    ) -> Result<(Cmd, &'static str), FieldProblem> {
        let path = expand_home(form.value("path").trim());
        if path.as_os_str().is_empty() {
            return Err(("path", "give a file path".into()));
        }
        let overwrite = self.overwrite.as_ref() == Some(&path);
        Ok((
            Cmd::Download {
                link,
                path,
                overwrite,
            },
            "downloading",
        ))
    }

    /// A new save dialog: no path is known to be taken yet.
    pub fn forget_overwrite(&mut self) {
        self.overwrite = None;
    }

    /// The worker found a file at `path`: submitting it again replaces it.
    pub fn file_exists(&mut self, path: PathBuf) {
        self.overwrite = Some(path);
    }
}

fn is_mine(me: Option<Uuid>, author: Option<Uuid>) -> bool {
    matches!((me, author), (Some(me), Some(a)) if me == a)
}

pub(crate) fn expand_home(raw: &str) -> PathBuf {
    if let Some(rest) = raw.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    PathBuf::from(raw)
}

/// A server-given file name reduced to one safe path component.
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim_start_matches('.').trim().to_string();
    if clean.is_empty() {
        "attachment".into()
    } else {
        clean
    }
}

pub fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / (1 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} kB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}
