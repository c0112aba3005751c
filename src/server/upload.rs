//! Request bodies that may be JSON, a urlencoded form or multipart with one file.

use std::path::PathBuf;

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use super::AppState;
use super::error::{ApiError, body_bytes, parse_json};

/// The file fields Django-CRM and the seed use for an attachment: `attachment`, 1.x's
/// `<type>_attachment`, and `file` (its invoice routes).
const FILE_FIELDS: &[&str] = &[
    "attachment",
    "file",
    "account_attachment",
    "contact_attachment",
    "lead_attachment",
    "opportunity_attachment",
    "case_attachment",
    "task_attachment",
    "invoice_attachment",
];

/// A file received and written under the files dir. Dropping it removes the file unless
/// [`Upload::keep`] was called, so a failed request leaves nothing behind.
#[derive(Debug)]
pub struct Upload {
    pub id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    path: PathBuf,
    kept: bool,
}

impl Upload {
    pub fn keep(mut self) {
        self.kept = true;
    }

    /// Where the body was spooled.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The body as a JSON object, plus the uploaded file if any. In multipart, the fields named in
/// `list_fields` hold JSON-encoded arrays (a bare comma-separated list is accepted too).
pub async fn read_body(
    req: Request,
    state: &AppState,
    list_fields: &[&str],
) -> Result<(Value, Option<Upload>), ApiError> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let multipart = Multipart::from_request(req, state)
            .await
            .map_err(|e| ApiError::field("body", e.body_text()))?;
        return read_multipart(multipart, state, list_fields).await;
    }
    let bytes = body_bytes(req, state).await?;
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let mut map = Map::new();
        for (k, v) in form_urlencoded::parse(&bytes) {
            map.insert(k.to_string(), form_value(&k, &v, list_fields));
        }
        return Ok((Value::Object(map), None));
    }
    let value: Value = parse_json(&bytes)?;
    Ok((value, None))
}

fn form_value(key: &str, raw: &str, list_fields: &[&str]) -> Value {
    if list_fields.contains(&key) {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Value::Array(Vec::new());
        }
        if let Ok(v @ Value::Array(_)) = serde_json::from_str::<Value>(trimmed) {
            return v;
        }
        return Value::Array(
            trimmed
                .split(',')
                .map(|s| Value::String(s.trim().to_string()))
                .filter(|v| v != "")
                .collect(),
        );
    }
    match raw {
        "true" | "false" if key.starts_with("scheduled") => Value::Bool(raw == "true"),
        _ => Value::String(raw.to_string()),
    }
}

async fn read_multipart(
    mut multipart: Multipart,
    state: &AppState,
    list_fields: &[&str],
) -> Result<(Value, Option<Upload>), ApiError> {
    let mut map = Map::new();
    let mut upload: Option<Upload> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        if FILE_FIELDS.contains(&name.as_str()) && field.file_name().is_some() {
            if upload.is_some() {
                return Err(ApiError::field(&name, "Send one file per request."));
            }
            let id = Uuid::new_v4();
            let path = state.store.files_dir().join(id.to_string());
            let mut up = Upload {
                id,
                file_name: clean_file_name(field.file_name().unwrap_or("")),
                content_type: field
                    .content_type()
                    .map(str::to_string)
                    .unwrap_or_else(|| "application/octet-stream".into()),
                size: 0,
                path: path.clone(),
                kept: false,
            };
            let mut file = tokio::fs::File::create(&path).await?;
            while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                file.write_all(&chunk).await?;
                up.size += chunk.len() as i64;
            }
            file.flush().await?;
            upload = Some(up);
        } else {
            let text = field.text().await.map_err(multipart_error)?;
            map.insert(name.clone(), form_value(&name, &text, list_fields));
        }
    }
    Ok((Value::Object(map), upload))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge
    } else {
        ApiError::field(
            "body",
            format!("Malformed multipart body: {}", e.body_text()),
        )
    }
}

/// The last path component, without control characters, at most 255 characters.
pub fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).take(255).collect();
    let clean = clean.trim().trim_start_matches('.').to_string();
    if clean.is_empty() {
        "attachment".to_string()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\Users\\x\\report.pdf"), "report.pdf");
        assert_eq!(clean_file_name("a\u{1b}[31mb.txt"), "a[31mb.txt");
        assert_eq!(clean_file_name(""), "attachment");
        assert_eq!(clean_file_name(".."), "attachment");
    }

    #[test]
    fn list_fields_take_json_or_commas() {
        let f = ["tags"];
        assert_eq!(
            form_value("tags", r#"["a","b"]"#, &f),
            serde_json::json!(["a", "b"])
        );
        assert_eq!(
            form_value("tags", "a, b", &f),
            serde_json::json!(["a", "b"])
        );
        assert_eq!(form_value("tags", "", &f), serde_json::json!([]));
        assert_eq!(form_value("name", "x", &f), serde_json::json!("x"));
    }
}
