//! The routes of a record kind, written once: list, create, detail, update, delete, and its
//! thread (comments and attachments) under both of the contract's route styles. Each kind's
//! module hands over an [`Api`] saying what differs.

use axum::Json;
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use serde_json::Value;
use uuid::Uuid;

use super::PathId;
use super::threads;
use crate::model::Role;
use crate::server::AppState;
use crate::server::answers;
use crate::server::auth::{Caller, OrgCtx};
use crate::server::error::ApiError;
use crate::server::store::Db;
use crate::server::store::records::list::Query;
use crate::server::store::records::{self, Resource, input};
use crate::server::store::threads::RecordKind;
use crate::server::upload::read_body;

/// A list answer from a parsed query.
pub type Lister = fn(&Db<'_>, &OrgCtx, &Query) -> Result<Value, ApiError>;
/// A detail answer.
pub type Detailer = fn(&Db<'_>, &OrgCtx, Uuid) -> Result<Value, ApiError>;
/// A create (`None`) or an update: the answer.
pub type Writer = fn(&Db<'_>, &OrgCtx, Option<Uuid>, &Value) -> Result<Value, ApiError>;

/// How a kind is written through the API.
#[derive(Clone, Copy)]
pub enum Writes {
    /// Create, update and delete as [`write`] and [`records::delete`] do.
    Common,
    /// Its own create and update (leads convert); delete as usual.
    Custom(Writer),
    /// Read-only: no create, update or delete routes (invoices).
    None,
}

/// What a kind's routes are made of.
#[derive(Clone, Copy)]
pub struct Api {
    pub res: &'static dyn Resource,
    pub list: Lister,
    /// Its own detail answer, if not [`records::detail`]'s.
    pub detail: Option<Detailer>,
    pub writes: Writes,
}

impl Api {
    /// The common case: the kind's list, the common detail and writes.
    pub fn new(res: &'static dyn Resource, list: Lister) -> Api {
        Api {
            res,
            list,
            detail: None,
            writes: Writes::Common,
        }
    }
}

/// The common write: the body checked against the kind, stored, answered as the record.
pub fn write(
    db: &Db<'_>,
    res: &dyn Resource,
    ctx: &OrgCtx,
    id: Option<Uuid>,
    body: &Value,
) -> Result<Value, ApiError> {
    let draft = input::parse(res.kind(), body, id.is_none())?;
    let id = match id {
        Some(id) => {
            records::update(db, res, ctx, id, draft)?;
            id
        }
        None => records::create(db, res, ctx, draft)?,
    };
    // Read back whoever may see it now: a USER who took themself off keeps the change made.
    let admin = OrgCtx {
        role: Role::Admin,
        ..*ctx
    };
    Ok(Value::Object(records::get(db, res, &admin, id)?.0))
}

/// Every route of the kind.
pub fn router(api: Api) -> axum::Router<AppState> {
    let kind = api.res.kind();
    let path = kind.path;
    let name = kind.name;
    let thread = RecordKind::Other(name);
    let res = api.res;

    let list = move |State(state): State<AppState>,
                     ctx: OrgCtx,
                     uri: Uri,
                     RawQuery(q): RawQuery| async move {
        let q = Query::parse(q.as_deref())?;
        answers::json(&state, ctx, &uri, move |db, ctx| {
            answers::to_vec(&(api.list)(db, ctx, &q)?)
        })
        .await
    };
    let detail = move |State(state): State<AppState>, ctx: OrgCtx, PathId(id): PathId| async move {
        let body = state
            .store
            .read(move |db| match api.detail {
                Some(detail) => detail(db, &ctx, id),
                None => records::detail(db, res, &ctx, id),
            })
            .await?;
        Ok::<_, ApiError>(Json(body))
    };
    let add = move |State(state): State<AppState>,
                    ctx: OrgCtx,
                    PathId(id): PathId,
                    req: Request| { threads::add(state, ctx, thread, id, req) };
    let mut router = axum::Router::new()
        .route(&format!("/api/{path}/"), get(list))
        .route(&format!("/api/{path}/{{id}}/"), get(detail).post(add));

    if !matches!(api.writes, Writes::None) {
        let writes = api.writes;
        let run = move |state: AppState, ctx: OrgCtx, id: Option<Uuid>, req: Request| async move {
            let (body, upload) =
                read_body(req, &state, &["assigned_to", "teams", "contacts", "tags"]).await?;
            let answer = threads::write_with_upload(&state, upload, move |db, file| {
                let answer = match writes {
                    Writes::Custom(w) => w(db, &ctx, id, &body)?,
                    _ => write(db, res, &ctx, id, &body)?,
                };
                // A lead converted by this very request has moved its thread to the account:
                // the file sent with it follows.
                let owner = match answer.get("account_id").and_then(Value::as_str) {
                    Some(account) => Some((RecordKind::Account, account)),
                    None => answer
                        .get("id")
                        .and_then(Value::as_str)
                        .map(|id| (thread, id)),
                };
                if let (Some(file), Some((kind, rid))) = (file, owner) {
                    let rid =
                        Uuid::parse_str(rid).map_err(|e| ApiError::internal(e.to_string()))?;
                    crate::server::store::threads::add(
                        db,
                        &ctx,
                        kind,
                        rid,
                        None,
                        false,
                        Some(file),
                    )?;
                }
                Ok(answer)
            })
            .await?;
            let status = if id.is_none() {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok::<_, ApiError>((status, Json(answer)).into_response())
        };
        let create = move |State(state): State<AppState>, ctx: OrgCtx, req: Request| {
            run(state, ctx, None, req)
        };
        let update = move |State(state): State<AppState>,
                           ctx: OrgCtx,
                           PathId(id): PathId,
                           req: Request| { run(state, ctx, Some(id), req) };
        let remove = move |State(state): State<AppState>, ctx: OrgCtx, PathId(id): PathId| async move {
            let files = state
                .store
                .write(move |db| records::delete(db, res, &ctx, id))
                .await?;
            threads::remove_files(&state, &files).await;
            Ok::<_, ApiError>(StatusCode::NO_CONTENT)
        };
        router = router.route(&format!("/api/{path}/"), post(create)).route(
            &format!("/api/{path}/{{id}}/"),
            put(update).patch(update).delete(remove),
        );
    }
    router.merge(thread_routes(path, name))
}

/// `PUT`/`PATCH`/`DELETE /api/<r>/comment/{id}/`, `DELETE /api/<r>/attachment/{id}/` (and `GET`
/// to download), each refusing a comment or file of another kind with 404.
pub fn thread_routes(path: &str, name: &'static str) -> axum::Router<AppState> {
    let edit = move |State(state): State<AppState>,
                     caller: Caller,
                     headers: HeaderMap,
                     PathId(id): PathId,
                     req: Request| {
        threads::edit_comment_of(state, caller, headers, Some(name), id, req)
    };
    let drop_comment = move |State(state): State<AppState>,
                             caller: Caller,
                             headers: HeaderMap,
                             PathId(id): PathId| {
        threads::delete_comment_of(state, caller, headers, Some(name), id)
    };
    let drop_file = move |State(state): State<AppState>,
                          caller: Caller,
                          headers: HeaderMap,
                          PathId(id): PathId| {
        threads::delete_attachment_of(state, caller, headers, Some(name), id)
    };
    let download = move |State(state): State<AppState>,
                         caller: Caller,
                         headers: HeaderMap,
                         PathId(id): PathId| {
        threads::download(state, caller, headers, Some(name), id)
    };
    axum::Router::new()
        .route(
            &format!("/api/{path}/comment/{{id}}/"),
            put(edit).patch(edit).delete(drop_comment),
        )
        .route(
            &format!("/api/{path}/attachment/{{id}}/"),
            get(download).merge(delete(drop_file)),
        )
}
