//! One error type for every handler, answered as the JSON error envelope.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::model::{ErrorBody, ErrorDetail};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 with a field map.
    #[error("invalid input")]
    Invalid(BTreeMap<String, Vec<String>>),
    /// 400 with one message.
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    /// Never says whether the record exists elsewhere.
    #[error("not found")]
    NotFound,
    #[error("Request body is too large.")]
    TooLarge,
    /// 409: the request conflicts with what is stored.
    #[error("{0}")]
    Conflict(String),
    /// 503: the database is away. The detail is logged, never sent.
    #[error("The service is temporarily unavailable; try again shortly.")]
    Unavailable(String),
    /// A 500. The detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        let mut map = BTreeMap::new();
        map.insert(field.to_string(), vec![message.into()]);
        ApiError::Invalid(map)
    }

    pub fn internal(detail: impl Into<String>) -> ApiError {
        ApiError::Internal(detail.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Invalid(_) | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::Internal(format!("database: {e}"))
    }
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> Self {
        ApiError::Internal(format!("io: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail = match self {
            ApiError::Invalid(map) => ErrorDetail::Fields(map),
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                ErrorDetail::Message("Internal server error".into())
            }
            ApiError::NotFound => ErrorDetail::Message("Not found.".into()),
            ApiError::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                ErrorDetail::Message(
                    "The service is temporarily unavailable; try again shortly.".into(),
                )
            }
            ApiError::Conflict(detail) => {
                tracing::info!(%detail, "conflict");
                ErrorDetail::Message("The change conflicts with another; try again.".into())
            }
            other => ErrorDetail::Message(other.to_string()),
        };
        envelope(status, detail)
    }
}

pub fn envelope(status: StatusCode, errors: ErrorDetail) -> Response {
    (
        status,
        Json(ErrorBody {
            error: true,
            errors,
        }),
    )
        .into_response()
}

/// A JSON body extractor whose failures are the error envelope: malformed JSON names `body`,
/// a wrong type or a missing key names its field.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Reads the whole body under the configured limit.
pub async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<bytes::Bytes, ApiError> {
    bytes::Bytes::from_request(req, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else {
                ApiError::BadRequest(rejection.body_text())
            }
        })
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return parse_value(serde_json::Value::Object(Default::default()));
    }
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::field("body", format!("Malformed JSON: {e}")))?;
    parse_value(value)
}

/// Converts an already parsed value, naming the first field that does not fit.
pub fn parse_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(ApiError::field("body", "Expected a JSON object."));
    }
    if let Some(field) = field_with_nul(&value) {
        // No CRM text needs a NUL, and PostgreSQL cannot store one: refuse it on every engine.
        return Err(ApiError::field(&field, "Must not contain NUL characters."));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let message = clean_serde_message(&e.inner().to_string());
        let mut field = top_field(&e.path().to_string());
        // A missing key is reported at its parent (the root): name the key itself.
        if field == "body"
            && let Some(key) = message
                .strip_prefix("missing field `")
                .and_then(|m| m.split('`').next())
        {
            field = key.to_string();
        }
        ApiError::field(&field, message)
    })
}

/// The top-level key under which some string holds a NUL character, if any.
fn field_with_nul(value: &serde_json::Value) -> Option<String> {
    fn has_nul(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(items) => items.iter().any(has_nul),
            serde_json::Value::Object(map) => {
                map.iter().any(|(k, v)| k.contains('\0') || has_nul(v))
            }
            _ => false,
        }
    }
    let serde_json::Value::Object(map) = value else {
        return None;
    };
    map.iter()
        .find(|(k, v)| k.contains('\0') || has_nul(v))
        .map(|(k, _)| k.replace('\0', ""))
}

/// `assigned_to[0]` → `assigned_to`; the root → `body`.
fn top_field(path: &str) -> String {
    let head = path.split(['.', '[']).next().unwrap_or("");
    if head.is_empty() || head == "?" {
        "body".to_string()
    } else {
        head.to_string()
    }
}

fn clean_serde_message(msg: &str) -> String {
    // serde appends " at line 1 column 7"; the position means nothing to a client.
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Turns any error response that is not JSON (axum's own rejections, unknown routes, methods
/// not allowed) into the envelope, so that a client only ever parses one error shape.
pub async fn json_errors(req: Request, next: axum::middleware::Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = match axum::body::to_bytes(body, 4096).await {
        Ok(b) if !b.is_empty() => String::from_utf8_lossy(&b).into_owned(),
        _ => parts
            .status
            .canonical_reason()
            .unwrap_or("Error")
            .to_string(),
    };
    let mut out = envelope(status, ErrorDetail::Message(text));
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}
