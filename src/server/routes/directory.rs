//! Users and teams of an org.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::model::{Team, TeamInput, TeamList, UserList};
use crate::server::AppState;
use crate::server::auth::OrgCtx;
use crate::server::error::{ApiError, ApiJson};
use crate::server::store::directory;

pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/api/users/", get(list_users))
        .route("/api/teams/", get(list_teams).post(create_team))
}
use crate::server::validate::Errors;

#[utoipa::path(get, path = "/api/users/", tag = "users", responses((status = 200, body = UserList)))]
pub async fn list_users(
    State(state): State<AppState>,
    ctx: OrgCtx,
) -> Result<Json<UserList>, ApiError> {
    let users = state
        .store
        .read(move |c| directory::org_users(c, ctx.org_id))
        .await?;
    Ok(Json(UserList {
        users_count: users.len() as i64,
        users,
    }))
}

#[utoipa::path(get, path = "/api/teams/", tag = "teams", responses((status = 200, body = TeamList)))]
pub async fn list_teams(
    State(state): State<AppState>,
    ctx: OrgCtx,
) -> Result<Json<TeamList>, ApiError> {
    let teams = state
        .store
        .read(move |c| directory::org_teams(c, ctx.org_id))
        .await?;
    Ok(Json(TeamList {
        teams_count: teams.len() as i64,
        teams,
    }))
}

#[utoipa::path(post, path = "/api/teams/", tag = "teams", request_body = TeamInput,
    responses((status = 201, body = Team), (status = 403, body = crate::model::ErrorBody)))]
pub async fn create_team(
    State(state): State<AppState>,
    ctx: OrgCtx,
    ApiJson(input): ApiJson<TeamInput>,
) -> Result<Response, ApiError> {
    if !ctx.is_admin() {
        return Err(ApiError::Forbidden(
            "Only an admin may create teams.".into(),
        ));
    }
    let name = input.name.unwrap_or_default().trim().to_string();
    let description = input.description.unwrap_or_default();
    let mut e = Errors::default();
    e.required("name", &name);
    e.max_len("name", &name, 255);
    e.max_len("description", &description, 10_000);
    e.finish()?;
    // The store links each member once; answer with the same list it keeps.
    let mut users = input.users;
    let mut seen = std::collections::HashSet::new();
    users.retain(|u| seen.insert(*u));
    let team = state
        .store
        .write(move |tx| directory::create_team(tx, ctx.org_id, &name, &description, &users))
        .await?;
    Ok((StatusCode::CREATED, Json(team)).into_response())
}
