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
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub user: UserRef,
    pub organizations: Vec<OrgMembership>,
}

/// `POST /api/auth/refresh-token/`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh: String,
}

/// The answer to `POST /api/auth/refresh-token/`. BottleCRM also rotates the refresh token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RefreshResponse {
    pub access: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<String>,
}

/// The answer to `GET /api/profile/`: the caller and their membership in the request's org.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Profile {
    pub user: UserRef,
    pub org: OrgMembership,
}
