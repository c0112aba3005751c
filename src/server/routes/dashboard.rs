//! `GET /api/dashboard/`.

use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;

use crate::server::AppState;
use crate::server::answers;
use crate::server::auth::OrgCtx;
use crate::server::error::ApiError;
use crate::server::store::dashboard;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/api/dashboard/", axum::routing::get(get))
}

#[utoipa::path(get, path = "/api/dashboard/", tag = "dashboard",
    responses((status = 200, description = "Counts, urgent counts and the pipeline by stage")))]
pub async fn get(
    State(state): State<AppState>,
    ctx: OrgCtx,
    uri: Uri,
) -> Result<Response, ApiError> {
    answers::json(&state, ctx, &uri, |db, ctx| {
        answers::to_vec(&dashboard::dashboard(db, ctx)?)
    })
    .await
}
