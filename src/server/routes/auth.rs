//! Sign-in: login, refresh and profile.

use axum::Json;
use axum::extract::State;

use crate::model::{LoginRequest, LoginResponse, Profile, RefreshRequest, RefreshResponse};
use crate::server::AppState;
use crate::server::auth::{OrgCtx, hash_password, user_is_active, verify_password};
use crate::server::error::{ApiError, ApiJson};
use crate::server::store::{directory, tenancy};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/auth/login/", post(login))
        .route("/api/auth/refresh-token/", post(refresh))
        .route("/api/profile/", get(profile))
}

#[utoipa::path(post, path = "/api/auth/login/", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::model::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let email = input.email.trim().to_string();
    let found = {
        let email = email.clone();
        state
            .store
            .read(move |c| directory::credentials(c, &email))
            .await?
    };
    // Hashing is slow by design: keep it off the async threads, and hash even for an unknown
    // email so that timing does not tell which emails exist.
    let password = input.password;
    let user = tokio::task::spawn_blocking(move || match found {
        Some((id, hash)) if verify_password(&password, &hash) => Some(id),
        Some(_) => None,
        None => {
            let _ = hash_password(&password);
            None
        }
    })
    .await
    .map_err(|e| ApiError::internal(format!("hashing task failed: {e}")))?
    .ok_or_else(|| ApiError::Unauthorized("Invalid email or password.".into()))?;

    let (user_ref, organizations) = state
        .store
        .read(move |c| {
            Ok((
                directory::user_ref(c, user)?,
                tenancy::memberships(c, user)?,
            ))
        })
        .await?;
    Ok(Json(LoginResponse {
        access_token: state.keys.access_token(user)?,
        refresh_token: state.keys.refresh_token(user)?,
        user: user_ref,
        organizations,
    }))
}

#[utoipa::path(post, path = "/api/auth/refresh-token/", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = RefreshResponse), (status = 401, body = crate::model::ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<RefreshRequest>,
) -> Result<Json<RefreshResponse>, ApiError> {
    let user = state.keys.check_refresh(input.refresh.trim())?;
    // A deactivated user's refresh token stops working at once.
    let active = state.store.read(move |c| user_is_active(c, user)).await?;
    if !active {
        return Err(ApiError::Unauthorized("Invalid token.".into()));
    }
    Ok(Json(RefreshResponse {
        access: state.keys.access_token(user)?,
        refresh: None,
    }))
}

#[utoipa::path(get, path = "/api/profile/", tag = "auth", responses((status = 200, body = Profile)))]
pub async fn profile(
    State(state): State<AppState>,
    ctx: OrgCtx,
) -> Result<Json<Profile>, ApiError> {
    Ok(Json(
        state
            .store
            .read(move |c| {
                let user = directory::user_ref(c, ctx.user_id)?;
                let org = tenancy::memberships(c, ctx.user_id)?
                    .into_iter()
                    .find(|m| m.id == ctx.org_id)
                    .ok_or(ApiError::NotFound)?;
                Ok(Profile { user, org })
            })
            .await?,
    ))
}
