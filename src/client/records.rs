//! Contacts, leads, opportunities, cases, tasks and invoices: one set of calls for every kind,
//! driven by its [`Kind`] description. Each list answers in its own envelope (the contract's,
//! which is 1.x's); [`page`] knows where each keeps its rows and counts. The decoders are pure
//! functions over bytes, so that they can be fuzzed without a server.

use reqwest::Method;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{Client, ClientError, check};
use crate::model::record::{Kind, Record, RecordDetail, RecordPage};
use crate::model::{Attachment, Comment, Dashboard};

/// Which half of a list answer to read: leads answer open and closed leads side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Half {
    #[default]
    Open,
    Closed,
}

/// A list query: filters as query parameters, then the page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordQuery {
    pub params: Vec<(String, String)>,
    pub limit: usize,
    pub offset: usize,
}

/// Where a kind's list answer keeps its rows and its count (paths of keys).
fn envelope(kind: &Kind, half: Half) -> (&'static [&'static str], &'static [&'static str]) {
    match (kind.path, half) {
        ("contacts", _) => (&["contact_obj_list"], &["contacts_count"]),
        ("leads", Half::Open) => (
            &["open_leads", "open_leads"],
            &["open_leads", "leads_count"],
        ),
        ("leads", Half::Closed) => (
            &["close_leads", "close_leads"],
            &["close_leads", "leads_count"],
        ),
        ("opportunities", _) => (&["opportunities"], &["opportunities_count"]),
        ("cases", _) => (&["cases"], &["cases_count"]),
        ("tasks", _) => (&["tasks"], &["tasks_count"]),
        ("invoices", _) => (&["results"], &["count"]),
        _ => (&["results"], &["count"]),
    }
}

fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

/// A row as a record: an object with a uuid `id`, or nothing.
fn as_record(v: &Value) -> Option<Record> {
    let obj = v.as_object()?;
    let r = Record(obj.clone());
    r.id().map(|_| r)
}

/// Reads one page of `kind`'s list.
pub fn page(kind: &Kind, half: Half, body: &[u8]) -> Result<RecordPage, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let (rows_at, count_at) = envelope(kind, half);
    let items = at(&v, rows_at)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("the {} list has no rows", kind.name))?;
    let rows: Vec<Record> = items.iter().filter_map(as_record).collect();
    let skipped = items.len() - rows.len();
    let count = at(&v, count_at)
        .and_then(Value::as_i64)
        .unwrap_or(rows.len() as i64)
        .max(0);
    // The answer's other counts (top level, or in `totals`), for the header.
    let mut counts = Vec::new();
    let mut take = |obj: &Map<String, Value>| {
        for (k, n) in obj {
            if let Some(n) = n.as_i64()
                && k.as_str() != count_at[count_at.len() - 1]
            {
                counts.push((k.clone(), n));
            }
        }
    };
    if let Some(obj) = v.as_object() {
        take(obj);
    }
    if let Some(obj) = v.get("totals").and_then(Value::as_object) {
        take(obj);
    }
    Ok(RecordPage {
        rows,
        count,
        counts,
        skipped,
    })
}

/// Items of an array that read as `T`; others are left out.
fn items<T: serde::de::DeserializeOwned>(v: Option<&Value>) -> Vec<T> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| serde_json::from_value(x.clone()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Reads `GET /api/<r>/{id}/`.
pub fn detail(kind: &Kind, body: &[u8]) -> Result<RecordDetail, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let record = v
        .get(kind.detail_key)
        .and_then(as_record)
        .ok_or_else(|| format!("the answer holds no {}", kind.name))?;
    let comments: Vec<Comment> = items(v.get("comments"));
    let mut internal_notes: Vec<Comment> = items(v.get("internal_notes"));
    // A server that mixes notes into the comments still shows them apart.
    let (notes, comments): (Vec<Comment>, Vec<Comment>) = comments
        .into_iter()
        .partition(|c| c.is_internal == Some(true));
    internal_notes.extend(notes);
    let attachments: Vec<Attachment> = items(v.get("attachments"));
    let mut lists = Vec::new();
    if let Some(obj) = v.as_object() {
        for (key, value) in obj {
            if matches!(
                key.as_str(),
                "comments" | "internal_notes" | "attachments" | "users_mention"
            ) {
                continue;
            }
            if let Some(a) = value.as_array() {
                let rows: Vec<Record> = a.iter().filter_map(as_record).collect();
                if !rows.is_empty() {
                    lists.push((key.clone(), rows));
                }
            }
        }
    }
    Ok(RecordDetail {
        record,
        comments,
        internal_notes,
        attachments,
        can_delete: v.get("can_delete").and_then(Value::as_bool).unwrap_or(true),
        lists,
    })
}

/// Reads the answer to a create, an update or an action: the record itself, under the
/// detail's key (`{"invoice": …}`), or only its id (1.x's `{"id": …}`: `None`, fetch it).
pub fn saved(kind: &Kind, body: &[u8]) -> Result<Result<Record, Uuid>, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let inner = v.get(kind.detail_key).unwrap_or(&v);
    // 1.x's envelope (`{"error": false, "message", "id"}`) names the record without it.
    let envelope = inner.get("error").is_some_and(Value::is_boolean);
    if let Some(r) = as_record(inner).filter(|r| r.0.len() > 1 && !envelope) {
        return Ok(Ok(r));
    }
    v.get("id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .map(Err)
        .ok_or_else(|| format!("the answer names no {}", kind.name))
}

impl Client {
    /// One page of `kind`'s list (of `half`, for leads).
    pub async fn records(
        &self,
        kind: &Kind,
        half: Half,
        query: &RecordQuery,
    ) -> Result<RecordPage, ClientError> {
        let mut url = self.url(&format!("api/{}/", kind.path))?;
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in &query.params {
                q.append_pair(k, v);
            }
            q.append_pair("limit", &query.limit.to_string());
            q.append_pair("offset", &query.offset.to_string());
        }
        let bytes = self.get_url(url).await?;
        page(kind, half, &bytes).map_err(ClientError::Decode)
    }

    pub async fn record(&self, kind: &Kind, id: Uuid) -> Result<RecordDetail, ClientError> {
        let bytes = self.get_bytes(&format!("api/{}/{id}/", kind.path)).await?;
        detail(kind, &bytes).map_err(ClientError::Decode)
    }

    /// Creates a record from `body` (the API's keys).
    pub async fn create_record(
        &self,
        kind: &Kind,
        body: &Map<String, Value>,
    ) -> Result<Record, ClientError> {
        let path = format!("api/{}/", kind.path);
        let bytes = self
            .send_json(Method::POST, &path, &Value::Object(body.clone()))
            .await?;
        self.saved_record(kind, &bytes).await
    }

    /// Changes the keys of `body`, and only those (`PATCH`).
    pub async fn update_record(
        &self,
        kind: &Kind,
        id: Uuid,
        body: &Map<String, Value>,
    ) -> Result<Record, ClientError> {
        let path = format!("api/{}/{id}/", kind.path);
        let bytes = self
            .send_json(Method::PATCH, &path, &Value::Object(body.clone()))
            .await?;
        self.saved_record(kind, &bytes).await
    }

    pub async fn delete_record(&self, kind: &Kind, id: Uuid) -> Result<(), ClientError> {
        self.call_empty(Method::DELETE, &format!("api/{}/{id}/", kind.path))
            .await
    }

    /// `POST /api/<r>/{id}/<action>/` (an invoice's `send`, `mark-paid`, `cancel`).
    pub async fn record_action(
        &self,
        kind: &Kind,
        id: Uuid,
        action: &str,
        body: &Map<String, Value>,
    ) -> Result<Record, ClientError> {
        let path = format!("api/{}/{id}/{action}/", kind.path);
        let bytes = self
            .send_json(Method::POST, &path, &Value::Object(body.clone()))
            .await?;
        self.saved_record(kind, &bytes).await
    }

    async fn saved_record(&self, kind: &Kind, bytes: &[u8]) -> Result<Record, ClientError> {
        match saved(kind, bytes).map_err(ClientError::Decode)? {
            Ok(r) => Ok(r),
            Err(id) => self.record(kind, id).await.map(|d| d.record),
        }
    }

    /// Posts a comment (a case's internal note with `internal`).
    pub async fn add_record_comment(
        &self,
        kind: &Kind,
        id: Uuid,
        text: &str,
        internal: bool,
    ) -> Result<(), ClientError> {
        let mut body = super::comment_body(text)?;
        if internal {
            body["is_internal"] = Value::Bool(true);
        }
        self.send_json(Method::POST, &format!("api/{}/{id}/", kind.path), &body)
            .await
            .map(drop)
    }

    pub async fn edit_record_comment(
        &self,
        path: &str,
        comment: Uuid,
        text: &str,
    ) -> Result<(), ClientError> {
        let body = super::comment_body(text)?;
        self.send_json(
            Method::PUT,
            &format!("api/{path}/comment/{comment}/"),
            &body,
        )
        .await
        .map(drop)
    }

    pub async fn delete_record_comment(
        &self,
        path: &str,
        comment: Uuid,
    ) -> Result<(), ClientError> {
        self.call_empty(Method::DELETE, &format!("api/{path}/comment/{comment}/"))
            .await
    }

    pub async fn delete_record_attachment(
        &self,
        path: &str,
        attachment: Uuid,
    ) -> Result<(), ClientError> {
        self.call_empty(
            Method::DELETE,
            &format!("api/{path}/attachment/{attachment}/"),
        )
        .await
    }

    /// Uploads the file at `path` as an attachment of the record.
    pub async fn add_record_attachment(
        &self,
        kind: &Kind,
        id: Uuid,
        path: &std::path::Path,
        progress: super::Progress,
    ) -> Result<(), ClientError> {
        let field = match self.dialect().await? {
            super::Dialect::Core => "attachment".to_string(),
            super::Dialect::BottleCrm => format!("{}_attachment", kind.name),
        };
        self.post_file(&format!("api/{}/{id}/", kind.path), &field, path, progress)
            .await
            .map(drop)
    }

    pub async fn dashboard(&self) -> Result<Dashboard, ClientError> {
        let bytes = self.get_bytes("api/dashboard/").await?;
        super::decode(&bytes)
    }

    async fn get_url(&self, url: reqwest::Url) -> Result<bytes::Bytes, ClientError> {
        let resp = check(self.send(|http| Ok(http.get(url.clone()))).await?).await?;
        resp.bytes()
            .await
            .map_err(|e| ClientError::from_reqwest(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds::{CASE, INVOICE, LEAD};

    #[test]
    fn each_envelope_gives_its_rows_and_count() {
        let id = Uuid::from_u128(7);
        let body = serde_json::json!({
            "cases_count": 12, "offset": 10, "open_count": 9, "urgent_count": 2,
            "cases": [{"id": id, "name": "Login broken"}, {"id": 3}, "junk"]
        });
        let p = page(&CASE, Half::Open, body.to_string().as_bytes()).unwrap_or_default();
        assert_eq!((p.rows.len(), p.count, p.skipped), (1, 12, 2));
        assert!(p.counts.contains(&("urgent_count".into(), 2)));
        assert!(!p.counts.iter().any(|(k, _)| k == "cases_count"));
        let leads = serde_json::json!({
            "open_leads": {"leads_count": 1, "open_leads": [{"id": id}]},
            "close_leads": {"leads_count": 4, "close_leads": []}
        });
        let closed = page(&LEAD, Half::Closed, leads.to_string().as_bytes()).unwrap_or_default();
        assert_eq!((closed.rows.len(), closed.count), (0, 4));
        assert!(page(&INVOICE, Half::Open, b"{}").is_err());
    }

    #[test]
    fn a_saved_answer_is_the_record_or_its_id() {
        let id = Uuid::from_u128(9);
        let whole = serde_json::json!({"invoice": {"id": id, "status": "Sent"}});
        assert!(matches!(
            saved(&INVOICE, whole.to_string().as_bytes()),
            Ok(Ok(_))
        ));
        let bare = serde_json::json!({"error": false, "id": id});
        assert_eq!(saved(&CASE, bare.to_string().as_bytes()), Ok(Err(id)));
    }
}
