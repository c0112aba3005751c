//! Tokens, password hashes and the extractors that say who is calling and in which org.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AppState;
use super::error::ApiError;
pub use super::store::tenancy::{OrgCtx, user_is_active};
use super::store::{sessions, tenancy};

const ACCESS: &str = "access";
const REFRESH: &str = "refresh";

/// Signs and checks the core's JWTs (HS256 with a per-workspace random key).
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    access_ttl: chrono::Duration,
    refresh_ttl: chrono::Duration,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    iat: i64,
    exp: i64,
    typ: String,
    jti: Uuid,
    /// The user's `token_version` when issued; absent in tokens from before versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ver: Option<i64>,
}

/// What a valid token says.
#[derive(Debug, Clone, Copy)]
pub struct TokenFacts {
    pub user: Uuid,
    pub jti: Uuid,
    pub ver: Option<i64>,
}

/// A signed token with its id and end.
pub struct Minted {
    pub token: String,
    pub jti: Uuid,
    pub expires: chrono::DateTime<chrono::Utc>,
}

/// The longest token lives configurable: beyond these, chrono's durations would overflow.
const MAX_ACCESS_MINUTES: i64 = 366 * 24 * 60;
const MAX_REFRESH_DAYS: i64 = 3660;

impl TokenKeys {
    pub fn new(secret: &[u8], access_minutes: i64, refresh_days: i64) -> TokenKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl: chrono::Duration::minutes(access_minutes.clamp(1, MAX_ACCESS_MINUTES)),
            refresh_ttl: chrono::Duration::days(refresh_days.clamp(1, MAX_REFRESH_DAYS)),
        }
    }

    pub fn access_token(&self, user: Uuid, ver: i64) -> Result<String, ApiError> {
        self.mint(user, ver, ACCESS, self.access_ttl)
            .map(|m| m.token)
    }

    /// A refresh token; the caller records it ([`sign_in`] does).
    pub fn refresh_token(&self, user: Uuid, ver: i64) -> Result<Minted, ApiError> {
        self.mint(user, ver, REFRESH, self.refresh_ttl)
    }

    fn mint(
        &self,
        user: Uuid,
        ver: i64,
        typ: &str,
        ttl: chrono::Duration,
    ) -> Result<Minted, ApiError> {
        let now = chrono::Utc::now();
        let expires = now + ttl;
        let claims = Claims {
            sub: user,
            iat: now.timestamp(),
            exp: expires.timestamp(),
            typ: typ.to_string(),
            jti: Uuid::new_v4(),
            ver: Some(ver),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::internal(format!("cannot sign token: {e}")))?;
        Ok(Minted {
            token,
            jti: claims.jti,
            expires,
        })
    }

    /// What a valid access token says.
    pub fn check_access(&self, token: &str) -> Result<TokenFacts, ApiError> {
        self.check(token, ACCESS)
    }

    /// What a valid refresh token says (whether it is still unused is the store's to say).
    pub fn check_refresh(&self, token: &str) -> Result<TokenFacts, ApiError> {
        self.check(token, REFRESH)
    }

    fn check(&self, token: &str, typ: &str) -> Result<TokenFacts, ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    ApiError::Unauthorized("Token has expired.".into())
                }
                _ => ApiError::Unauthorized("Invalid token.".into()),
            })?;
        if data.claims.typ != typ {
            return Err(ApiError::Unauthorized(format!("Not an {typ} token.")));
        }
        Ok(TokenFacts {
            user: data.claims.sub,
            jti: data.claims.jti,
            ver: data.claims.ver,
        })
    }
}

/// A new session of `user`: an access token and a recorded refresh token, at the user's
/// current token version. In the caller's transaction.
pub fn sign_in(
    db: &super::store::Db<'_>,
    keys: &TokenKeys,
    user: Uuid,
) -> Result<(String, String), ApiError> {
    let ver = sessions::version(db, user)?
        .ok_or_else(|| ApiError::Unauthorized("User is inactive or does not exist.".into()))?;
    let refresh = keys.refresh_token(user, ver)?;
    sessions::issued(db, user, refresh.jti, refresh.expires)?;
    Ok((keys.access_token(user, ver)?, refresh.token))
}

/// A slow salted hash (argon2id, the crate's default parameters).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("cannot hash password: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// The caller, from `Authorization: Bearer <access token>`.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub user_id: Uuid,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers)?;
        let facts = state.keys.check_access(token)?;
        // A valid token of a user who is gone, deactivated or whose sessions were ended is no
        // credential: 401 here, before any record lookup can answer 404 (the org-scoped routes
        // check this in `resolve_org`).
        if !state
            .store
            .read_small(move |c| sessions::current(c, facts.user, facts.ver))
            .await?
        {
            return Err(ApiError::Unauthorized(
                "User is inactive or does not exist, or the session has ended.".into(),
            ));
        }
        Ok(Caller {
            user_id: facts.user,
        })
    }
}

fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    let raw = headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::Unauthorized("Authentication credentials were not provided.".into())
        })?
        .to_str()
        .map_err(|_| ApiError::Unauthorized("Invalid Authorization header.".into()))?;
    let (scheme, token) = raw
        .split_once(' ')
        .ok_or_else(|| ApiError::Unauthorized("Invalid Authorization header.".into()))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized(
            "Expected 'Authorization: Bearer <token>'.".into(),
        ));
    }
    Ok(token.trim())
}

impl FromRequestParts<AppState> for OrgCtx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // `resolve_org` checks that the user is active; no need for `Caller`'s own lookup.
        let facts = state.keys.check_access(bearer(&parts.headers)?)?;
        let org = org_header(&parts.headers)?;
        // Two primary-key lookups: cheaper done here than handed to a blocking thread.
        state
            .store
            .read_small(move |c| tenancy::resolve_session(c, facts.user, Some(facts.ver), org))
            .await
    }
}

/// The org named by `organization-id` (or its alias `org`), if any. Not a UUID: 400.
pub fn org_header(headers: &HeaderMap) -> Result<Option<Uuid>, ApiError> {
    let Some(value) = headers
        .get("organization-id")
        .or_else(|| headers.get("org"))
    else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| bad_org())?;
    Uuid::parse_str(text.trim())
        .map(Some)
        .map_err(|_| bad_org())
}

fn bad_org() -> ApiError {
    ApiError::field("organization-id", "Must be an organization UUID.")
}
