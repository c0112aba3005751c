//! HTTP handlers. They parse and check input, then call the store; no SQL lives here.

pub mod accounts;
pub mod auth;
pub mod cases;
pub mod contacts;
pub mod dashboard;
pub mod directory;
pub mod invoices;
pub mod leads;
pub mod opportunities;
pub mod records;
pub mod tasks;
pub mod threads;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use uuid::Uuid;

use super::error::ApiError;

/// A path id that is not a UUID names no record: 404, as for a record of another org.
pub fn path_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}

/// The `{id}` of a record route. Anything that is not a UUID, including a segment that does not
/// even decode to UTF-8 (axum's own `Path` answers that with a 400), is a 404.
pub struct PathId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound)?;
        path_id(&raw).map(PathId)
    }
}
