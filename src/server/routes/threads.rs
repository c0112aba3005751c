//! Comments and attachments of any record: add (`POST` on the record's own path), edit and
//! delete a comment, download and delete an attachment. Written once for every record kind.

use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use uuid::Uuid;

use super::PathId;
use crate::model::{Comment, CommentInput};
use crate::server::AppState;
use crate::server::auth::{Caller, OrgCtx, org_header};
use crate::server::error::{ApiError, parse_value};
use crate::server::store::tenancy;
use crate::server::store::threads::{self, NewAttachment, Owned, RecordKind};
use crate::server::upload::{Upload, read_body};
use crate::server::validate::Errors;

/// The routes that name a comment or an attachment by its own id.
pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/api/accounts/comment/{id}/",
            put(edit_comment).patch(edit_comment).delete(delete_comment),
        )
        .route(
            "/api/accounts/attachment/{id}/",
            get(download_attachment).delete(delete_attachment),
        )
        .route("/api/attachments/{id}/download/", get(download_any))
}

/// Removes attachment files after their rows are gone (SQLite keeps bodies as files).
pub async fn remove_files(state: &AppState, ids: &[Uuid]) {
    if state.store.files_in_db() {
        return;
    }
    for id in ids {
        let path = state.store.files_dir().join(id.to_string());
        if let Err(e) = tokio::fs::remove_file(&path).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(file = %path.display(), error = %e, "cannot remove attachment file");
        }
    }
}

/// Runs a write that may store `upload`, in a task of its own: the file is kept exactly when
/// its row commits, even if the client goes away and this request is dropped meanwhile.
pub async fn write_with_upload<T, F>(
    state: &AppState,
    upload: Option<Upload>,
    f: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&crate::server::store::Db<'_>, Option<&NewAttachment>) -> Result<T, ApiError>
        + Send
        + 'static,
{
    let store = state.store.clone();
    let task = tokio::spawn(async move {
        let file = match &upload {
            Some(up) => Some(new_attachment(&store, up).await?),
            None => None,
        };
        let out = store.write(move |db| f(db, file.as_ref())).await;
        // On SQLite the spooled file is the attachment's body; in PostgreSQL the bytes went into
        // the row and the spool file goes either way.
        if let (Ok(_), Some(up)) = (&out, upload)
            && !store.files_in_db()
        {
            up.keep();
        }
        out
    });
    task.await
        .map_err(|e| ApiError::internal(format!("write task failed: {e}")))?
}

async fn new_attachment(
    store: &crate::server::store::Store,
    up: &Upload,
) -> Result<NewAttachment, ApiError> {
    let bytes = if store.files_in_db() {
        Some(tokio::fs::read(up.path()).await?)
    } else {
        None
    };
    Ok(NewAttachment {
        id: up.id,
        file_name: up.file_name.clone(),
        content_type: up.content_type.clone(),
        size: up.size,
        bytes,
    })
}

/// `POST` on a record's path: adds a comment, an attachment or both to a visible record.
pub async fn add(
    state: AppState,
    ctx: OrgCtx,
    kind: RecordKind,
    id: Uuid,
    req: Request,
) -> Result<Response, ApiError> {
    let (body, upload) = read_body(req, &state, &[]).await?;
    let input: CommentInput = parse_value(form_booleans(body))?;
    let comment = input
        .comment
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    if comment.is_none() && upload.is_none() {
        return Err(ApiError::field(
            "comment",
            "Send a comment, an attachment or both.",
        ));
    }
    if let Some(c) = &comment {
        let mut e = Errors::default();
        e.max_len("comment", c, 10_000);
        e.finish()?;
    }
    // Only cases keep internal notes; elsewhere the flag means nothing.
    let internal = kind == RecordKind::Other("case") && input.is_internal == Some(true);
    let added = write_with_upload(&state, upload, move |db, file| {
        kind.check_visible(db, &ctx, id)?;
        threads::add(db, &ctx, kind, id, comment.as_deref(), internal, file)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(added)).into_response())
}

/// Forms send `is_internal` as text: read `true`/`false` (and `on`, `1`…) as the boolean.
fn form_booleans(mut body: serde_json::Value) -> serde_json::Value {
    if let Some(serde_json::Value::String(s)) = body.get("is_internal") {
        let b = match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "on" | "yes" => Some(true),
            "false" | "0" | "off" | "no" | "" => Some(false),
            _ => None,
        };
        if let (Some(b), Some(map)) = (b, body.as_object_mut()) {
            map.insert("is_internal".into(), serde_json::Value::Bool(b));
        }
    }
    body
}

/// A record that belongs to its author (a comment) or uploader (an attachment).
#[derive(Clone, Copy)]
enum OwnedKind {
    Comment,
    Attachment,
}

impl OwnedKind {
    fn find(self, db: &crate::server::store::Db<'_>, id: Uuid) -> Result<Owned, ApiError> {
        match self {
            OwnedKind::Comment => threads::comment_owner(db, id),
            OwnedKind::Attachment => threads::attachment_owner(db, id),
        }
    }

    fn name(self) -> &'static str {
        match self {
            OwnedKind::Comment => "comment",
            OwnedKind::Attachment => "attachment",
        }
    }
}

/// Checks that the caller may change the record `id` and returns their context in its org.
/// The org is the record's own; a caller who is not a member there, or who names another org
/// in the header, gets 404.
async fn owner_ctx(
    state: &AppState,
    caller: Caller,
    headers: &axum::http::HeaderMap,
    kind: OwnedKind,
    record_kind: Option<&'static str>,
    id: Uuid,
) -> Result<OrgCtx, ApiError> {
    let header_org = org_header(headers)?;
    state
        .store
        .read(move |c| {
            let owned = kind.find(c, id)?;
            if header_org.is_some_and(|o| o != owned.org)
                || record_kind.is_some_and(|k| k != owned.kind.as_str())
            {
                return Err(ApiError::NotFound);
            }
            let ctx =
                tenancy::resolve_org(c, caller.user_id, Some(owned.org)).map_err(|e| match e {
                    ApiError::Forbidden(_) => ApiError::NotFound,
                    other => other,
                })?;
            threads::check_owner(c, &ctx, &owned, kind.name())?;
            Ok(ctx)
        })
        .await
}

#[utoipa::path(method(put, patch), path = "/api/accounts/comment/{id}/", params(("id" = uuid::Uuid, Path, description = "The record\'s id")),
    tag = "accounts", request_body = CommentInput,
    responses((status = 200, body = Comment), (status = 403, body = crate::model::ErrorBody)))]
pub async fn edit_comment(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    PathId(id): PathId,
    req: Request,
) -> Result<Json<Comment>, ApiError> {
    edit_comment_of(state, caller, headers, Some("account"), id, req).await
}

/// Edits a comment of a record of kind `record_kind` (`None`: any kind).
pub async fn edit_comment_of(
    state: AppState,
    caller: Caller,
    headers: axum::http::HeaderMap,
    record_kind: Option<&'static str>,
    id: Uuid,
    req: Request,
) -> Result<Json<Comment>, ApiError> {
    let (body, upload) = read_body(req, &state, &[]).await?;
    drop(upload);
    let input: CommentInput = parse_value(body)?;
    let text = input
        .comment
        .map(|c| c.trim().to_string())
        .unwrap_or_default();
    let mut e = Errors::default();
    e.required("comment", &text);
    e.max_len("comment", &text, 10_000);
    e.finish()?;
    owner_ctx(
        &state,
        caller,
        &headers,
        OwnedKind::Comment,
        record_kind,
        id,
    )
    .await?;
    Ok(Json(
        state
            .store
            .write(move |tx| threads::update_comment(tx, id, &text))
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/accounts/comment/{id}/", params(("id" = uuid::Uuid, Path, description = "The record\'s id")),
    tag = "accounts", responses((status = 204)))]
pub async fn delete_comment(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    delete_comment_of(state, caller, headers, Some("account"), id).await
}

pub async fn delete_comment_of(
    state: AppState,
    caller: Caller,
    headers: axum::http::HeaderMap,
    record_kind: Option<&'static str>,
    id: Uuid,
) -> Result<StatusCode, ApiError> {
    delete_owned(state, caller, headers, OwnedKind::Comment, record_kind, id).await
}

/// Deletes a comment or an attachment (with its file) of a record of kind `record_kind`.
async fn delete_owned(
    state: AppState,
    caller: Caller,
    headers: axum::http::HeaderMap,
    what: OwnedKind,
    record_kind: Option<&'static str>,
    id: Uuid,
) -> Result<StatusCode, ApiError> {
    owner_ctx(&state, caller, &headers, what, record_kind, id).await?;
    state
        .store
        .write(move |tx| match what {
            OwnedKind::Comment => threads::delete_comment(tx, id),
            OwnedKind::Attachment => threads::delete_attachment(tx, id),
        })
        .await?;
    if let OwnedKind::Attachment = what {
        remove_files(&state, &[id]).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/accounts/attachment/{id}/", params(("id" = uuid::Uuid, Path, description = "The record\'s id")),
    tag = "accounts", responses((status = 204)))]
pub async fn delete_attachment(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    delete_attachment_of(state, caller, headers, Some("account"), id).await
}

pub async fn delete_attachment_of(
    state: AppState,
    caller: Caller,
    headers: axum::http::HeaderMap,
    record_kind: Option<&'static str>,
    id: Uuid,
) -> Result<StatusCode, ApiError> {
    delete_owned(
        state,
        caller,
        headers,
        OwnedKind::Attachment,
        record_kind,
        id,
    )
    .await
}

#[utoipa::path(get, path = "/api/accounts/attachment/{id}/", params(("id" = uuid::Uuid, Path, description = "The record\'s id")),
    tag = "accounts",
    responses((status = 200, description = "The file", content_type = "application/octet-stream")))]
pub async fn download_attachment(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    download(state, caller, headers, Some("account"), id).await
}

#[utoipa::path(get, path = "/api/attachments/{id}/download/", params(("id" = uuid::Uuid, Path, description = "The attachment\'s id")),
    tag = "attachments",
    responses((status = 200, description = "The file", content_type = "application/octet-stream")))]
pub async fn download_any(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    download(state, caller, headers, None, id).await
}

/// Streams an attachment of a record the caller may see.
pub async fn download(
    state: AppState,
    caller: Caller,
    headers: axum::http::HeaderMap,
    record_kind: Option<&'static str>,
    id: Uuid,
) -> Result<Response, ApiError> {
    let header_org = org_header(&headers)?;
    let user = caller.user_id;
    let (file_name, content_type) = state
        .store
        .read(move |c| {
            let owned = threads::attachment_owner(c, id)?;
            if header_org.is_some_and(|o| o != owned.org)
                || record_kind.is_some_and(|k| k != owned.kind.as_str())
            {
                return Err(ApiError::NotFound);
            }
            let ctx =
                tenancy::resolve_org(c, user, Some(owned.org)).map_err(|_| ApiError::NotFound)?;
            owned.kind.check_visible(c, &ctx, owned.record)?;
            threads::attachment_file(c, id)
        })
        .await?;
    let body = if state.store.files_in_db() {
        Body::from(
            state
                .store
                .read(move |c| threads::attachment_bytes(c, id))
                .await?,
        )
    } else {
        let path = state.store.files_dir().join(id.to_string());
        let file = tokio::fs::File::open(&path).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                ApiError::NotFound
            } else {
                e.into()
            }
        })?;
        Body::from_stream(tokio_util::io::ReaderStream::new(file))
    };
    // An ASCII fallback for old clients, and the real (UTF-8) name in `filename*` (RFC 6266).
    let ascii: String = file_name
        .replace(['"', '\\'], "_")
        .chars()
        .filter(|c| c.is_ascii() && !c.is_control())
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        rfc5987(&file_name)
    );
    // The stored type came from the uploader: never let it break the answer, and tell browsers
    // not to second-guess it.
    let content_type = header::HeaderValue::from_str(&content_type)
        .unwrap_or_else(|_| header::HeaderValue::from_static("application/octet-stream"));
    let disposition = header::HeaderValue::from_str(&disposition)
        .unwrap_or_else(|_| header::HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                header::HeaderValue::from_static("nosniff"),
            ),
        ],
        body,
    )
        .into_response())
}

/// Percent-encodes a value for an RFC 5987 `ext-value` (`attr-char` stays as it is).
fn rfc5987(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
