//! `/api/invoices/...`: read, the status actions, and comments and attachments under the
//! common routes and 1.x's own.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::routing::{post, put};
use serde_json::Value;

use super::records::{self, Api, Writes};
use super::{PathId, threads};
use crate::server::AppState;
use crate::server::auth::{Caller, OrgCtx};
use crate::server::error::ApiError;
use crate::server::store::invoices::{self as store, INVOICES};
use crate::server::store::threads::RecordKind;

pub fn router() -> axum::Router<AppState> {
    let action =
        |f: fn(&crate::server::store::Db<'_>, &OrgCtx, uuid::Uuid) -> Result<Value, ApiError>| {
            move |State(state): State<AppState>, ctx: OrgCtx, PathId(id): PathId| async move {
                let body = state.store.write(move |db| f(db, &ctx, id)).await?;
                Ok::<_, ApiError>(Json(body))
            }
        };
    let mark_paid =
        |State(state): State<AppState>, ctx: OrgCtx, PathId(id): PathId, req: Request| async move {
            let (body, upload) = crate::server::upload::read_body(req, &state, &[]).await?;
            drop(upload);
            let answer = state
                .store
                .write(move |db| store::mark_paid(db, &ctx, id, &body))
                .await?;
            Ok::<_, ApiError>(Json(answer))
        };
    // 1.x's thread routes.
    let add = |State(state): State<AppState>, ctx: OrgCtx, PathId(id): PathId, req: Request| {
        threads::add(state, ctx, RecordKind::Other("invoice"), id, req)
    };
    let edit = |State(state): State<AppState>,
                caller: Caller,
                headers: HeaderMap,
                PathId(id): PathId,
                req: Request| {
        threads::edit_comment_of(state, caller, headers, Some("invoice"), id, req)
    };
    let drop_comment =
        |State(state): State<AppState>, caller: Caller, headers: HeaderMap, PathId(id): PathId| {
            threads::delete_comment_of(state, caller, headers, Some("invoice"), id)
        };
    let drop_file =
        |State(state): State<AppState>, caller: Caller, headers: HeaderMap, PathId(id): PathId| {
            threads::delete_attachment_of(state, caller, headers, Some("invoice"), id)
        };
    records::router(Api {
        detail: Some(store::detail),
        writes: Writes::None,
        ..Api::new(&INVOICES, store::list)
    })
    .route("/api/invoices/{id}/send/", post(action(store::send)))
    .route("/api/invoices/{id}/cancel/", post(action(store::cancel)))
    .route("/api/invoices/{id}/mark-paid/", post(mark_paid))
    .route("/api/invoices/{id}/comments/", post(add))
    .route("/api/invoices/{id}/attachments/", post(add))
    .route(
        "/api/invoices/comments/{id}/",
        put(edit).patch(edit).delete(drop_comment),
    )
    .route(
        "/api/invoices/attachments/{id}/",
        axum::routing::delete(drop_file),
    )
}
