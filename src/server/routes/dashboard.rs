//! `GET /api/dashboard/`.

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use crate::server::AppState;
use crate::server::auth::OrgCtx;
use crate::server::error::ApiError;
use crate::server::store::dashboard;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/api/dashboard/", axum::routing::get(get))
}

#[utoipa::path(get, path = "/api/dashboard/", tag = "dashboard",
    responses((status = 200, description = "Counts, urgent counts and the pipeline by stage")))]
pub async fn get(State(state): State<AppState>, ctx: OrgCtx) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        state
            .store
            .read(move |db| dashboard::dashboard(db, &ctx))
            .await?,
    ))
}
