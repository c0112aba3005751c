use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::UserRef;

/// A member's role in one org.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    Admin,
    User,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "ADMIN",
            Role::User => "USER",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw.to_ascii_uppercase().as_str() {
            "ADMIN" => Some(Role::Admin),
            "USER" => Some(Role::User),
            _ => None,
        }
    }
}

/// `POST /api/auth/login/`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// An org the user belongs to, with their role there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrgMembership {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
}

/// The answer to `POST /api/auth/login/`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub user: UserRef,
    pub organizations: Vec<OrgMembership>,
}

/// `POST /api/auth/refresh-token/`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh: String,
}

/// The answer to `POST /api/auth/refresh-token/`. BottleCRM also rotates the refresh token.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct RefreshResponse {
    pub access: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<String>,
}

// Debug by hand: passwords and tokens must never reach a log line through `{:?}`.
const REDACTED: &str = "<redacted>";

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("email", &self.email)
            .field("password", &REDACTED)
            .finish()
    }
}

impl std::fmt::Debug for LoginResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginResponse")
            .field("access_token", &REDACTED)
            .field("refresh_token", &REDACTED)
            .field("user", &self.user)
            .field("organizations", &self.organizations)
            .finish()
    }
}

impl std::fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("refresh", &REDACTED)
            .finish()
    }
}

impl std::fmt::Debug for RefreshResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshResponse")
            .field("access", &REDACTED)
            .field("refresh", &self.refresh.as_ref().map(|_| REDACTED))
            .finish()
    }
}

/// The answer to `GET /api/profile/`: the caller and their membership in the request's org.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Profile {
    pub user: UserRef,
    pub org: OrgMembership,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let shown = format!(
            "{:?} {:?} {:?}",
            LoginRequest {
                email: "a@b".into(),
                password: "hunter2".into(),
            },
            RefreshRequest {
                refresh: "rtok".into(),
            },
            RefreshResponse {
                access: "atok".into(),
                refresh: Some("rtok2".into()),
            },
        );
        for secret in ["hunter2", "rtok", "atok"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("a@b"));
    }
}
