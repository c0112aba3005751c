//! Sign-in: login, refresh and profile.

use axum::Json;
use axum::extract::State;

use crate::model::{LoginRequest, LoginResponse, Profile, RefreshRequest, RefreshResponse};
use crate::server::AppState;
use crate::server::auth::{OrgCtx, hash_password, sign_in, verify_password};
use crate::server::error::{ApiError, ApiJson};
use crate::server::store::{directory, sessions, tenancy};

/// The client's address, when the core is served by `serve`/`spawn` (a router mounted elsewhere
/// may not know it).
pub struct Peer(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

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
    Peer(peer): Peer,
    ApiJson(input): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let email = input.email.trim().to_string();
    state.limits.check_sign_in(peer, &email)?;
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
    let checked = state
        .limits
        .hash(move || match found {
            Some((id, hash)) if verify_password(&password, &hash) => Some(id),
            Some(_) => None,
            None => {
                let _ = hash_password(&password);
                None
            }
        })
        .await?;
    let Some(user) = checked else {
        state.limits.failed_sign_in(&email);
        return Err(ApiError::Unauthorized("Invalid email or password.".into()));
    };

    let keys = state.keys.clone();
    let (user_ref, organizations, (access_token, refresh_token)) = state
        .store
        .write(move |c| {
            Ok((
                directory::user_ref(c, user)?,
                tenancy::memberships(c, user)?,
                sign_in(c, &keys, user)?,
            ))
        })
        .await?;
    Ok(Json(LoginResponse {
        access_token,
        refresh_token,
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
    let facts = state.keys.check_refresh(input.refresh.trim())?;
    // Single use: the token is spent and a new pair issued in one transaction. A deactivated
    // user's token, or one from before a password change, stops working at once.
    let keys = state.keys.clone();
    let pair = state
        .store
        .write(
            move |c| match sessions::spend(c, facts.user, facts.jti, facts.ver)? {
                sessions::Spent::Fresh => sign_in(c, &keys, facts.user).map(Some),
                // The revocation must commit: answer after the transaction.
                sessions::Spent::Reused => Ok(None),
            },
        )
        .await?;
    let Some((access, refresh)) = pair else {
        return Err(ApiError::Unauthorized(
            "This refresh token was already used: every session of this user has been ended. Sign in again.".into(),
        ));
    };
    Ok(Json(RefreshResponse {
        access,
        refresh: Some(refresh),
    }))
}

#[utoipa::path(get, path = "/api/profile/", tag = "auth", responses((status = 200, body = Profile)))]
pub async fn profile(
    State(state): State<AppState>,
    ctx: OrgCtx,
) -> Result<Json<Profile>, ApiError> {
    // A user and their memberships: small enough to run on this thread.
    Ok(Json(
        state
            .store
            .read_small(move |c| {
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
