//! Comments and attachments of any record, keyed by (kind of record, record id). Written once;
//! each resource's routes decide who may see the record and call these.

use uuid::Uuid;

use super::db::{Db, Row};
use super::now;
use super::tenancy::OrgCtx;
use crate::model::{Attachment, Comment, CommentAdded, UserRef};
use crate::server::error::ApiError;

/// The kinds of record that carry a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Account,
    /// A kind of `records`, by its name (`lead`).
    Other(&'static str),
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Account => "account",
            RecordKind::Other(name) => name,
        }
    }

    pub fn parse(raw: &str) -> Option<RecordKind> {
        if raw == "account" {
            return Some(RecordKind::Account);
        }
        super::records::resource(raw).map(|r| RecordKind::Other(r.kind().name))
    }

    /// Fails with 404 unless `ctx` may see the record.
    pub fn check_visible(self, db: &Db<'_>, ctx: &OrgCtx, id: Uuid) -> Result<(), ApiError> {
        match self {
            RecordKind::Account => super::accounts::get(db, ctx, id).map(|_| ()),
            RecordKind::Other(name) => match super::records::can_open(db, ctx, name, id)? {
                true => Ok(()),
                false => Err(ApiError::NotFound),
            },
        }
    }
}

/// A record of a thread: its org, the record it hangs off, and its author or uploader.
pub struct Owned {
    pub org: Uuid,
    pub kind: RecordKind,
    pub record: Uuid,
    pub owner: Option<Uuid>,
}

fn owned_from_row(r: &Row<'_>) -> Result<Owned, ApiError> {
    Ok(Owned {
        org: r.uuid(0)?,
        kind: RecordKind::parse(&r.text(1)?)
            .ok_or_else(|| ApiError::internal("unknown record kind"))?,
        record: r.uuid(2)?,
        owner: r.opt_uuid(3)?,
    })
}

/// The org, record and author of a comment.
pub fn comment_owner(db: &Db<'_>, id: Uuid) -> Result<Owned, ApiError> {
    db.opt(
        "SELECT org_id, record_kind, record_id, commented_by FROM comments WHERE id = $1",
        &[&id],
        owned_from_row,
    )?
    .ok_or(ApiError::NotFound)
}

/// The org, record and uploader of an attachment.
pub fn attachment_owner(db: &Db<'_>, id: Uuid) -> Result<Owned, ApiError> {
    db.opt(
        "SELECT org_id, record_kind, record_id, created_by FROM attachments WHERE id = $1",
        &[&id],
        owned_from_row,
    )?
    .ok_or(ApiError::NotFound)
}

/// Admins and the owner may change a thread record; others who can see the record it hangs
/// off get 403, and those who cannot get 404.
pub fn check_owner(db: &Db<'_>, ctx: &OrgCtx, owned: &Owned, what: &str) -> Result<(), ApiError> {
    if owned.org != ctx.org_id {
        return Err(ApiError::NotFound);
    }
    if ctx.is_admin() || owned.owner == Some(ctx.user_id) {
        return Ok(());
    }
    owned.kind.check_visible(db, ctx, owned.record)?;
    Err(ApiError::Forbidden(format!(
        "Only an admin or the {what}'s author may change it."
    )))
}

const COMMENT_COLUMNS: &str = "m.id, m.comment, m.commented_on, m.commented_by, u.email,
     m.record_id, m.record_kind, m.is_internal";

/// How a thread names its record: accounts as `account`, the rest by `content_type` and
/// `object_id`.
fn owner_keys(kind: &str, record: Uuid) -> (Option<Uuid>, Option<String>, Option<Uuid>) {
    if kind == "account" {
        (Some(record), None, None)
    } else {
        (None, Some(kind.to_string()), Some(record))
    }
}

fn comment_from_row(r: &Row<'_>) -> Result<Comment, ApiError> {
    let by = r.opt_uuid(3)?;
    let email = r.opt_text(4)?;
    let kind = r.text(6)?;
    let (account, content_type, object_id) = owner_keys(&kind, r.uuid(5)?);
    Ok(Comment {
        id: r.uuid(0)?,
        comment: r.text(1)?,
        account,
        content_type,
        object_id,
        is_internal: (kind == "case").then_some(r.bool(7)?),
        commented_on: r.ts(2)?,
        commented_by: by,
        commented_by_user: by.zip(email).map(|(id, email)| UserRef { id, email }),
    })
}

pub fn comments_of(db: &Db<'_>, kind: RecordKind, record: Uuid) -> Result<Vec<Comment>, ApiError> {
    db.rows(
        &format!(
            "SELECT {COMMENT_COLUMNS} FROM comments m LEFT JOIN users u ON u.id = m.commented_by
             WHERE m.record_kind = $1 AND m.record_id = $2 ORDER BY m.commented_on, m.seq"
        ),
        &[&kind.as_str(), &record],
        comment_from_row,
    )
}

/// The download path of an attachment; the same token can GET it. Accounts keep the seed's
/// path; every attachment also downloads at 1.x's `/api/attachments/{id}/download/`.
pub fn attachment_url(kind: &str, id: Uuid) -> String {
    if kind == "account" {
        format!("/api/accounts/attachment/{id}/")
    } else {
        format!("/api/attachments/{id}/download/")
    }
}

fn attachment_from_row(r: &Row<'_>) -> Result<Attachment, ApiError> {
    let id = r.uuid(0)?;
    let kind = r.text(6)?;
    let (account, content_type, object_id) = owner_keys(&kind, r.uuid(5)?);
    Ok(Attachment {
        id,
        attachment: attachment_url(&kind, id),
        file_name: r.text(1)?,
        account,
        content_type,
        object_id,
        created_on: r.ts(2)?,
        created_by: r.opt_uuid(3)?,
        size: r.i64(4)?,
    })
}

pub fn attachments_of(
    db: &Db<'_>,
    kind: RecordKind,
    record: Uuid,
) -> Result<Vec<Attachment>, ApiError> {
    db.rows(
        "SELECT id, file_name, created_on, created_by, size, record_id, record_kind FROM attachments
         WHERE record_kind = $1 AND record_id = $2 ORDER BY created_on, seq",
        &[&kind.as_str(), &record],
        attachment_from_row,
    )
}

/// A file to attach; its bytes are already spooled under the attachment id.
pub struct NewAttachment {
    pub id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// The bytes, when the store keeps them in the database rather than as a file.
    pub bytes: Option<Vec<u8>>,
}

/// Adds a comment and/or an attachment to a record the caller may see (checked by the caller).
pub fn add(
    db: &Db<'_>,
    ctx: &OrgCtx,
    kind: RecordKind,
    record: Uuid,
    comment: Option<&str>,
    internal: bool,
    file: Option<&NewAttachment>,
) -> Result<CommentAdded, ApiError> {
    let created = now();
    let mut new_comment = None;
    if let Some(text) = comment {
        let cid = Uuid::new_v4();
        db.exec(
            "INSERT INTO comments (id, org_id, record_kind, record_id, comment, commented_on,
                                   commented_by, is_internal)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &cid,
                &ctx.org_id,
                &kind.as_str(),
                &record,
                &text,
                &created,
                &ctx.user_id,
                &internal,
            ],
        )?;
        new_comment = Some(cid);
    }
    if let Some(f) = file {
        db.exec(
            "INSERT INTO attachments (id, org_id, record_kind, record_id, file_name, content_type,
                                      size, created_on, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &f.id,
                &ctx.org_id,
                &kind.as_str(),
                &record,
                &f.file_name,
                &f.content_type,
                &f.size,
                &created,
                &ctx.user_id,
            ],
        )?;
        if let Some(bytes) = &f.bytes {
            db.exec(
                "INSERT INTO attachment_blobs (id, data) VALUES ($1, $2)",
                &[&f.id, bytes],
            )?;
        }
    }
    let comments = comments_of(db, kind, record)?;
    let attachments = attachments_of(db, kind, record)?;
    Ok(CommentAdded {
        comment: new_comment.and_then(|cid| comments.iter().find(|c| c.id == cid).cloned()),
        attachment: file.and_then(|f| attachments.iter().find(|a| a.id == f.id).cloned()),
        comments,
        attachments,
    })
}

pub fn update_comment(db: &Db<'_>, id: Uuid, text: &str) -> Result<Comment, ApiError> {
    db.exec(
        "UPDATE comments SET comment = $2 WHERE id = $1",
        &[&id, &text],
    )?;
    db.opt(
        &format!(
            "SELECT {COMMENT_COLUMNS} FROM comments m LEFT JOIN users u ON u.id = m.commented_by
             WHERE m.id = $1"
        ),
        &[&id],
        comment_from_row,
    )?
    .ok_or(ApiError::NotFound)
}

pub fn delete_comment(db: &Db<'_>, id: Uuid) -> Result<(), ApiError> {
    db.exec("DELETE FROM comments WHERE id = $1", &[&id])?;
    Ok(())
}

pub fn delete_attachment(db: &Db<'_>, id: Uuid) -> Result<(), ApiError> {
    db.exec("DELETE FROM attachment_blobs WHERE id = $1", &[&id])?;
    db.exec("DELETE FROM attachments WHERE id = $1", &[&id])?;
    Ok(())
}

/// Removes the whole thread of a record being deleted; returns the attachment ids whose files
/// the caller removes once the transaction commits.
pub fn delete_all(db: &Db<'_>, kind: RecordKind, record: Uuid) -> Result<Vec<Uuid>, ApiError> {
    let files = db.rows(
        "SELECT id FROM attachments WHERE record_kind = $1 AND record_id = $2",
        &[&kind.as_str(), &record],
        |r| r.uuid(0),
    )?;
    for id in &files {
        db.exec("DELETE FROM attachment_blobs WHERE id = $1", &[id])?;
    }
    for table in ["comments", "attachments"] {
        db.exec(
            &format!("DELETE FROM {table} WHERE record_kind = $1 AND record_id = $2"),
            &[&kind.as_str(), &record],
        )?;
    }
    Ok(files)
}

/// `(file name, content type)` of an attachment.
pub fn attachment_file(db: &Db<'_>, id: Uuid) -> Result<(String, String), ApiError> {
    db.opt(
        "SELECT file_name, content_type FROM attachments WHERE id = $1",
        &[&id],
        |r| Ok((r.text(0)?, r.text(1)?)),
    )?
    .ok_or(ApiError::NotFound)
}

/// An attachment's bytes when the store keeps them in the database.
pub fn attachment_bytes(db: &Db<'_>, id: Uuid) -> Result<Vec<u8>, ApiError> {
    db.opt(
        "SELECT data FROM attachment_blobs WHERE id = $1",
        &[&id],
        |r| r.bytes(0),
    )?
    .ok_or(ApiError::NotFound)
}
