//! HTTP handlers. They parse and check input, then call the store; no SQL lives here.

pub mod accounts;
pub mod auth;
pub mod directory;

use uuid::Uuid;

use super::error::ApiError;

/// A path id that is not a UUID names no record: 404, as for a record of another org.
pub fn path_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}
