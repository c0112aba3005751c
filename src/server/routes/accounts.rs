//! `/api/accounts/...`: the seed's account endpoints.

use axum::Json;
use axum::extract::{RawQuery, Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::PathId;
use super::threads::{self, write_with_upload};
use crate::model::{
    Account, AccountDetail, AccountFilter, AccountInput, AccountList, AccountStatus, CommentAdded,
    CommentInput, MailInput, MailSent, Paging,
};
use crate::server::AppState;
use crate::server::answers;
use crate::server::auth::OrgCtx;
use crate::server::error::{ApiError, parse_value};
use crate::server::store::threads::RecordKind;
use crate::server::store::{accounts, directory, mail};
use crate::server::upload::read_body;
use crate::server::validate::{Errors, is_email};

/// `/api/accounts/...`, but for the comment and attachment routes (see `threads`).
pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/accounts/", get(list).post(create))
        .route(
            "/api/accounts/{id}/",
            get(detail)
                .put(update)
                .patch(update)
                .delete(delete)
                .post(add_comment),
        )
        .route("/api/accounts/{id}/create_mail/", post(create_mail))
}

/// The most recipients one mail may have.
pub const MAX_RECIPIENTS: usize = 100;

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
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (filter, paging) = parse_list_query(query.as_deref())?;
    let (limit, offset) = paging.resolve();
    // The body is made on the storage thread too: it is the rows' stored JSON, spliced.
    answers::json(&state, ctx, &uri, move |c, ctx| {
        accounts::list(c, ctx, &filter, limit, offset)?.to_json()
    })
    .await
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
    let account = write_with_upload(&state, upload, move |db, file| {
        let account = accounts::create(db, &ctx, &fields, &links)?;
        if let Some(file) = file {
            crate::server::store::threads::add(
                db,
                &ctx,
                RecordKind::Account,
                account.id,
                None,
                false,
                Some(file),
            )?;
        }
        Ok(account)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(account)).into_response())
}

#[utoipa::path(get, path = "/api/accounts/{id}/", params(("id" = uuid::Uuid, Path, description = "The record\'s id")),
    tag = "accounts",
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

#[utoipa::path(method(put, patch), path = "/api/accounts/{id}/", params(("id" = uuid::Uuid, Path, description = "The record\'s id")),
    tag = "accounts", request_body = AccountInput,
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

#[utoipa::path(delete, path = "/api/accounts/{id}/", params(("id" = uuid::Uuid, Path, description = "The record\'s id")),
    tag = "accounts",
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
    threads::remove_files(&state, &files).await;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/accounts/{id}/", params(("id" = uuid::Uuid, Path, description = "The record\'s id")),
    tag = "accounts", request_body = CommentInput,
    responses((status = 201, body = CommentAdded), (status = 400, body = crate::model::ErrorBody)))]
pub async fn add_comment(
    State(state): State<AppState>,
    ctx: OrgCtx,
    PathId(id): PathId,
    req: Request,
) -> Result<Response, ApiError> {
    threads::add(state, ctx, RecordKind::Account, id, req).await
}

#[utoipa::path(post, path = "/api/accounts/{id}/create_mail/", params(("id" = uuid::Uuid, Path, description = "The record\'s id")),
    tag = "accounts", request_body = MailInput,
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
    if recipients.len() > MAX_RECIPIENTS {
        e.add(
            "recipients",
            format!("At most {MAX_RECIPIENTS} recipients per mail."),
        );
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
    // Mail leaves from the configured address only; the caller's `from_account` is where
    // replies go.
    let sender = state
        .settings
        .mail_from
        .clone()
        .unwrap_or_else(|| "crmtui@localhost".into());
    let quota = i64::from(state.settings.mail_recipients_per_day);
    let email_id = state
        .store
        .write(move |tx| {
            let pk = accounts::visible_pk(tx, &ctx, id)?;
            let sent = mail::recipients_today(tx, ctx.user_id)?;
            if sent + recipients.len() as i64 > quota {
                return Err(ApiError::TooManyRequests {
                    retry_after: seconds_to_midnight(),
                });
            }
            let reply_to = match from {
                Some(f) => f,
                None => directory::user_ref(tx, ctx.user_id)?.email,
            };
            mail::insert(
                tx,
                &mail::NewMail {
                    org: ctx.org_id,
                    account_pk: pk,
                    sender: &sender,
                    reply_to: &reply_to,
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

/// Seconds until the daily mail quota starts again (midnight UTC).
fn seconds_to_midnight() -> u64 {
    let now = chrono::Utc::now();
    let next = (now.date_naive() + chrono::Duration::days(1))
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    (next - now).num_seconds().max(1) as u64
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
