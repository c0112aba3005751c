//! `/api/accounts/...`: the seed's account endpoints.

use axum::Json;
use axum::body::Body;
use axum::extract::{RawQuery, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use uuid::Uuid;

use super::PathId;
use crate::model::{
    Account, AccountDetail, AccountFilter, AccountInput, AccountList, AccountStatus, Comment,
    CommentAdded, CommentInput, MailInput, MailSent, Paging,
};
use crate::server::AppState;
use crate::server::auth::{Caller, OrgCtx, org_header};
use crate::server::error::{ApiError, ApiJson, parse_value};
use crate::server::store::{accounts, directory, mail};
use crate::server::upload::{Upload, read_body};
use crate::server::validate::{Errors, is_email};

const LIST_FIELDS: &[&str] = &["contacts", "assigned_to", "teams", "tags", "recipients"];

/// Parses the list's query string by hand: `tags` may repeat, and a bad number must name its
/// parameter in the error envelope.
pub fn parse_list_query(raw: Option<&str>) -> Result<(AccountFilter, Paging), ApiError> {
    let mut filter = AccountFilter::default();
    let mut paging = Paging::default();
    let mut errors = Errors::default();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        let value = value.trim().to_string();
        // A NUL ends the full-text query early inside SQLite (a syntax error, so a 500); no
        // stored name needs control characters to be found.
        if matches!(key.as_ref(), "name" | "city" | "industry" | "tags")
            && value.chars().any(char::is_control)
        {
            errors.add(&key, "Must not contain control characters.");
            continue;
        }
        match key.as_ref() {
            "name" if !value.is_empty() => filter.name = Some(value),
            "city" if !value.is_empty() => filter.city = Some(value),
            "industry" if !value.is_empty() => filter.industry = Some(value),
            "tags" => filter.tags.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string),
            ),
            "status" if !value.is_empty() => {
                match AccountStatus::parse(&value.to_ascii_lowercase()) {
                    Some(s) => filter.status = Some(s),
                    None => errors.add("status", "Must be 'open' or 'closed'."),
                }
            }
            "limit" | "offset" => match value.parse::<i64>() {
                Ok(n) if n >= 0 => {
                    if key == "limit" {
                        paging.limit = Some(n);
                    } else {
                        paging.offset = Some(n);
                    }
                }
                _ => errors.add(&key, "Must be a whole number of 0 or more."),
            },
            _ => {}
        }
    }
    errors.finish()?;
    Ok((filter, paging))
}

#[utoipa::path(get, path = "/api/accounts/", tag = "accounts",
    params(("name" = Option<String>, Query), ("city" = Option<String>, Query),
           ("industry" = Option<String>, Query), ("tags" = Option<String>, Query),
           ("status" = Option<String>, Query), ("limit" = Option<i64>, Query),
           ("offset" = Option<i64>, Query)),
    responses((status = 200, body = AccountList)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: OrgCtx,
    RawQuery(query): RawQuery,
) -> Result<Json<AccountList>, ApiError> {
    let (filter, paging) = parse_list_query(query.as_deref())?;
    let (limit, offset) = paging.resolve();
    let list = state
        .store
        .read(move |c| accounts::list(c, &ctx, &filter, limit, offset))
        .await?;
    Ok(Json(list))
}

#[utoipa::path(post, path = "/api/accounts/", tag = "accounts", request_body = AccountInput,
    responses((status = 201, body = Account), (status = 400, body = crate::model::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: OrgCtx,
    req: Request,
) -> Result<Response, ApiError> {
    let (body, upload) = read_body(req, &state, LIST_FIELDS).await?;
    let input: AccountInput = parse_value(body)?;
    let (fields, links) = accounts::merge(None, input)?;
    let file = upload.as_ref().map(to_new);
    let account = state
        .store
        .write(move |tx| {
            let (pk, account) = accounts::create(tx, &ctx, &fields, &links)?;
            if let Some(file) = &file {
                accounts::attach_on_create(tx, &ctx, pk, account.id, file)?;
            }
            Ok(account)
        })
        .await?;
    // Committed: the file now belongs to the attachment row. On any error above, dropping the
    // upload removed it.
    if let Some(up) = upload {
        up.keep();
    }
    Ok((StatusCode::CREATED, Json(account)).into_response())
}

fn to_new(up: &Upload) -> accounts::NewAttachment {
    accounts::NewAttachment {
        id: up.id,
        file_name: up.file_name.clone(),
        content_type: up.content_type.clone(),
        size: up.size,
    }
}

#[utoipa::path(get, path = "/api/accounts/{id}/", tag = "accounts",
    responses((status = 200, body = AccountDetail), (status = 404, body = crate::model::ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    ctx: OrgCtx,
    PathId(id): PathId,
) -> Result<Json<AccountDetail>, ApiError> {
    Ok(Json(
        state
            .store
            .read(move |c| accounts::detail(c, &ctx, id))
            .await?,
    ))
}

#[utoipa::path(put, path = "/api/accounts/{id}/", tag = "accounts", request_body = AccountInput,
    responses((status = 200, body = Account), (status = 400, body = crate::model::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ctx: OrgCtx,
    PathId(id): PathId,
    req: Request,
) -> Result<Json<Account>, ApiError> {
    let (body, upload) = read_body(req, &state, LIST_FIELDS).await?;
    drop(upload); // An update carries no file; one sent anyway is discarded.
    let input: AccountInput = parse_value(body)?;
    Ok(Json(
        state
            .store
            .write(move |tx| accounts::update(tx, &ctx, id, input))
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/accounts/{id}/", tag = "accounts",
    responses((status = 204), (status = 403, body = crate::model::ErrorBody), (status = 404, body = crate::model::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    ctx: OrgCtx,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    let files = state
        .store
        .write(move |tx| accounts::delete(tx, &ctx, id))
        .await?;
    remove_files(&state, &files).await;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_files(state: &AppState, ids: &[Uuid]) {
    for id in ids {
        let path = state.store.files_dir().join(id.to_string());
        if let Err(e) = tokio::fs::remove_file(&path).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(file = %path.display(), error = %e, "cannot remove attachment file");
        }
    }
}

#[utoipa::path(post, path = "/api/accounts/{id}/", tag = "accounts", request_body = CommentInput,
    responses((status = 201, body = CommentAdded), (status = 400, body = crate::model::ErrorBody)))]
pub async fn add_comment(
    State(state): State<AppState>,
    ctx: OrgCtx,
    PathId(id): PathId,
    req: Request,
) -> Result<Response, ApiError> {
    let (body, upload) = read_body(req, &state, &[]).await?;
    let input: CommentInput = parse_value(body)?;
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
    let file = upload.as_ref().map(to_new);
    let added = state
        .store
        .write(move |tx| accounts::add_comment(tx, &ctx, id, comment.as_deref(), file.as_ref()))
        .await?;
    if let Some(up) = upload {
        up.keep();
    }
    Ok((StatusCode::CREATED, Json(added)).into_response())
}

/// A record that belongs to its author (a comment) or uploader (an attachment).
#[derive(Clone, Copy)]
enum OwnedKind {
    Comment,
    Attachment,
}

impl OwnedKind {
    fn find(self, c: &rusqlite::Connection, id: Uuid) -> Result<accounts::Owned, ApiError> {
        match self {
            OwnedKind::Comment => accounts::comment_owner(c, id),
            OwnedKind::Attachment => accounts::attachment_owner(c, id),
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
    id: Uuid,
) -> Result<OrgCtx, ApiError> {
    let header_org = org_header(headers)?;
    state
        .store
        .read(move |c| {
            let owned = kind.find(c, id)?;
            if header_org.is_some_and(|o| o != owned.org) {
                return Err(ApiError::NotFound);
            }
            let ctx =
                directory::resolve_org(c, caller.user_id, Some(owned.org)).map_err(
                    |e| match e {
                        ApiError::Forbidden(_) => ApiError::NotFound,
                        other => other,
                    },
                )?;
            accounts::check_owner(c, &ctx, &owned, kind.name())?;
            Ok(ctx)
        })
        .await
}

#[utoipa::path(put, path = "/api/accounts/comment/{id}/", tag = "accounts", request_body = CommentInput,
    responses((status = 200, body = Comment), (status = 403, body = crate::model::ErrorBody)))]
pub async fn edit_comment(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    PathId(id): PathId,
    ApiJson(input): ApiJson<CommentInput>,
) -> Result<Json<Comment>, ApiError> {
    let text = input
        .comment
        .map(|c| c.trim().to_string())
        .unwrap_or_default();
    let mut e = Errors::default();
    e.required("comment", &text);
    e.max_len("comment", &text, 10_000);
    e.finish()?;
    owner_ctx(&state, caller, &headers, OwnedKind::Comment, id).await?;
    Ok(Json(
        state
            .store
            .write(move |tx| accounts::update_comment(tx, id, &text))
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/accounts/comment/{id}/", tag = "accounts", responses((status = 204)))]
pub async fn delete_comment(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    owner_ctx(&state, caller, &headers, OwnedKind::Comment, id).await?;
    state
        .store
        .write(move |tx| accounts::delete_comment(tx, id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/accounts/attachment/{id}/", tag = "accounts", responses((status = 204)))]
pub async fn delete_attachment(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    owner_ctx(&state, caller, &headers, OwnedKind::Attachment, id).await?;
    state
        .store
        .write(move |tx| accounts::delete_attachment(tx, id))
        .await?;
    remove_files(&state, &[id]).await;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/accounts/attachment/{id}/", tag = "accounts",
    responses((status = 200, description = "The file", content_type = "application/octet-stream")))]
pub async fn download_attachment(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let header_org = org_header(&headers)?;
    let user = caller.user_id;
    let (file_name, content_type) = state
        .store
        .read(move |c| {
            let owned = accounts::attachment_owner(c, id)?;
            if header_org.is_some_and(|o| o != owned.org) {
                return Err(ApiError::NotFound);
            }
            let ctx =
                directory::resolve_org(c, user, Some(owned.org)).map_err(|_| ApiError::NotFound)?;
            accounts::attachment_file(c, &ctx, id)
        })
        .await?;
    let path = state.store.files_dir().join(id.to_string());
    let file = tokio::fs::File::open(&path).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            ApiError::NotFound
        } else {
            e.into()
        }
    })?;
    let stream = tokio_util::io::ReaderStream::new(file);
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
        Body::from_stream(stream),
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

#[utoipa::path(post, path = "/api/accounts/{id}/create_mail/", tag = "accounts", request_body = MailInput,
    responses((status = 200, body = MailSent), (status = 400, body = crate::model::ErrorBody)))]
pub async fn create_mail(
    State(state): State<AppState>,
    ctx: OrgCtx,
    PathId(id): PathId,
    req: Request,
) -> Result<Json<MailSent>, ApiError> {
    let (body, upload) = read_body(req, &state, LIST_FIELDS).await?;
    drop(upload);
    let body = normalize_mail(body);
    let input: MailInput = parse_value(body)?;
    let mut e = Errors::default();
    let recipients: Vec<String> = input
        .recipients
        .iter()
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect();
    if recipients.is_empty() {
        e.add("recipients", "Give at least one recipient.");
    }
    for r in &recipients {
        if !is_email(r) {
            e.add("recipients", format!("'{r}' is not a valid email address."));
        }
    }
    e.required("subject", &input.subject);
    e.max_len("subject", &input.subject, 998);
    e.max_len("html", &input.html, 1_000_000);
    let from = input
        .from_account
        .clone()
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty());
    if let Some(f) = &from {
        e.email("from_account", f);
    }
    let scheduled_at = if input.scheduled_later {
        match input.scheduled_date_time {
            None => {
                e.add(
                    "scheduled_date_time",
                    "Required when scheduled_later is true.",
                );
                None
            }
            Some(t) if t <= chrono::Utc::now() => {
                e.add("scheduled_date_time", "Must be in the future.");
                None
            }
            Some(t) => Some(t),
        }
    } else {
        None
    };
    e.finish()?;
    let default_from = state.settings.mail_from.clone();
    let email_id = state
        .store
        .write(move |tx| {
            let pk = accounts::visible_pk(tx, &ctx, id)?;
            let sender = match from.or(default_from) {
                Some(f) => f,
                None => directory::user_ref(tx, ctx.user_id)?.email,
            };
            mail::insert(
                tx,
                &mail::NewMail {
                    org: ctx.org_id,
                    account_pk: pk,
                    sender: &sender,
                    recipients: &recipients,
                    subject: input.subject.trim(),
                    html: &input.html,
                    scheduled_at,
                    created_by: ctx.user_id,
                },
            )
        })
        .await?;
    state.mail_wake.notify_one();
    Ok(Json(MailSent {
        status: "success".into(),
        message: if scheduled_at.is_some() {
            "Email scheduled successfully".into()
        } else {
            "Email sent successfully".into()
        },
        email_id,
    }))
}

/// Accepts BottleCRM's key names beside the seed's, and `"false"`/`"true"` strings from forms.
fn normalize_mail(mut body: Value) -> Value {
    if let Value::Object(map) = &mut body {
        for (theirs, ours) in [("message_subject", "subject"), ("message_body", "html")] {
            if !map.contains_key(ours)
                && let Some(v) = map.remove(theirs)
            {
                map.insert(ours.to_string(), v);
            }
        }
        if let Some(Value::String(s)) = map.get("scheduled_later") {
            let b = matches!(s.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on");
            map.insert("scheduled_later".into(), Value::Bool(b));
        }
    }
    body
}
