//! `:export`: every page of the filtered list, fetched through the client like the list's own
//! pages, written as it comes to a temp file beside the target and renamed over it at the end.
//! Cancelling (aborting the task) drops the temp file, so nothing half-written stays behind.

use std::path::Path;

use tokio::io::AsyncWriteExt as _;
use tokio::sync::mpsc::UnboundedSender;

use serde_json::Value;

use super::msg::{ExportFormat, ExportJob, ExportSource, FieldError, Msg, ReqId, TaskError};
use crate::client::records::RecordQuery;
use crate::client::{Client, ClientError};
use crate::model::record::{Kind, Record};
use crate::model::{Account, AccountStatus};

/// The CSV columns, in order (the JSON has every field of the API's account).
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "name",
    "email",
    "phone",
    "industry",
    "website",
    "status",
    "billing_address_line",
    "billing_street",
    "billing_city",
    "billing_state",
    "billing_postcode",
    "billing_country",
    "tags",
    "created_on",
];

fn csv_record(a: &Account) -> [String; 15] {
    [
        a.id.to_string(),
        a.name.clone(),
        a.email.clone(),
        a.phone.clone(),
        a.industry.clone(),
        a.website.clone(),
        a.status.as_str().to_string(),
        a.billing_address_line.clone(),
        a.billing_street.clone(),
        a.billing_city.clone(),
        a.billing_state.clone(),
        a.billing_postcode.clone(),
        a.billing_country.clone(),
        a.tags.join(";"),
        a.created_on.to_rfc3339(),
    ]
}

fn local(e: impl std::fmt::Display) -> TaskError {
    TaskError::Client(ClientError::Local(e.to_string()))
}

/// A page of the exported list.
enum Rows {
    Accounts(Vec<Account>),
    /// Records of another kind: CSV columns are its id and its fields, in its order.
    Records(&'static Kind, Vec<Record>),
}

impl Rows {
    fn len(&self) -> usize {
        match self {
            Rows::Accounts(r) => r.len(),
            Rows::Records(_, r) => r.len(),
        }
    }
}

/// A record's value as one CSV cell: text as is, lists joined by `;`, linked objects by name.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(";"),
        Value::Object(o) => ["name", "title", "email", "id"]
            .iter()
            .find_map(|k| o.get(*k).map(cell))
            .unwrap_or_else(|| v.to_string()),
        other => other.to_string(),
    }
}

/// Rows as the file's bytes: the header (or `[`) first, the closing `]` last.
fn encode(
    format: ExportFormat,
    rows: &Rows,
    first: bool,
    last: bool,
) -> Result<Vec<u8>, TaskError> {
    match format {
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            match rows {
                Rows::Accounts(rows) => {
                    if first {
                        w.write_record(CSV_COLUMNS).map_err(local)?;
                    }
                    for a in rows {
                        w.write_record(csv_record(a)).map_err(local)?;
                    }
                }
                Rows::Records(kind, rows) => {
                    let names = std::iter::once("id").chain(kind.fields.iter().map(|f| f.name));
                    if first {
                        w.write_record(names.clone()).map_err(local)?;
                    }
                    for r in rows {
                        let cells = names
                            .clone()
                            .map(|n| r.0.get(n).map(cell).unwrap_or_default());
                        w.write_record(cells).map_err(local)?;
                    }
                }
            }
            w.into_inner().map_err(local)
        }
        ExportFormat::Json => {
            let mut out = Vec::new();
            if first {
                out.extend_from_slice(b"[");
            }
            let item = |i: usize, out: &mut Vec<u8>| {
                if !(first && i == 0) {
                    out.extend_from_slice(b",");
                }
                out.extend_from_slice(b"\n  ");
            };
            match rows {
                Rows::Accounts(rows) => {
                    for (i, a) in rows.iter().enumerate() {
                        item(i, &mut out);
                        serde_json::to_writer(&mut out, a).map_err(local)?;
                    }
                }
                Rows::Records(_, rows) => {
                    for (i, r) in rows.iter().enumerate() {
                        item(i, &mut out);
                        serde_json::to_writer(&mut out, &r.0).map_err(local)?;
                    }
                }
            }
            if last {
                out.extend_from_slice(b"\n]\n");
            }
            Ok(out)
        }
    }
}

/// The page of the job's list at `offset`, and how many rows match in all.
async fn page(
    client: &Client,
    job: &ExportJob,
    limit: usize,
    offset: usize,
) -> Result<(Rows, i64), TaskError> {
    match &job.source {
        ExportSource::Accounts { filter, tab } => {
            let page = client.accounts(filter, limit, offset).await?;
            Ok(match tab {
                AccountStatus::Open => {
                    (Rows::Accounts(page.open_accounts), page.open_accounts_count)
                }
                AccountStatus::Closed => (
                    Rows::Accounts(page.closed_accounts),
                    page.closed_accounts_count,
                ),
            })
        }
        ExportSource::Records { view, half, params } => {
            let kind = crate::tui::records::crm::view(*view)
                .map(|v| v.kind)
                .ok_or_else(|| local("that list cannot be exported"))?;
            let query = RecordQuery {
                params: params.clone(),
                limit,
                offset,
            };
            let page = client.records(kind, *half, &query).await?;
            Ok((Rows::Records(kind, page.rows), page.count))
        }
    }
}

/// Runs an export; progress goes to `tx` as it goes. Returns the rows written.
pub async fn run(
    client: &Client,
    tx: &UnboundedSender<Msg>,
    req: ReqId,
    job: &ExportJob,
) -> Result<usize, TaskError> {
    let target = job.path.as_path();
    match tokio::fs::metadata(target).await {
        Ok(m) if m.is_dir() => {
            return Err(FieldError::new("path", "is a directory; give a file path").into());
        }
        Ok(_) if !job.overwrite => return Err(FieldError::exists("path").into()),
        _ => {}
    }
    let (file, temp) = temp_beside(target).await?;
    let mut file = tokio::fs::File::from_std(file);
    let limit = job.limit.max(1);
    let (mut done, mut first) = (0usize, true);
    loop {
        let (rows, total) = page(client, job, limit, done).await?;
        let total = usize::try_from(total).unwrap_or(0);
        let n = rows.len();
        // The end: the count reached, or a short page (the list shrank meanwhile).
        let last = n == 0 || done + n >= total || n < limit;
        let bytes = encode(job.format, &rows, first, last)?;
        file.write_all(&bytes).await.map_err(local)?;
        first = false;
        done += n;
        let _ = tx.send(Msg::ExportProgress {
            req,
            done,
            total: total.max(done),
        });
        if last {
            break;
        }
    }
    file.flush().await.map_err(local)?;
    file.sync_all().await.map_err(local)?;
    drop(file);
    let target = target.to_path_buf();
    tokio::task::spawn_blocking(move || temp.persist(&target))
        .await
        .map_err(local)?
        .map_err(|e| local(format!("cannot move the export into place: {}", e.error)))?;
    Ok(done)
}

/// A temp file in the target's directory (so that the final rename stays on one disk); it is
/// removed when dropped before [`tempfile::TempPath::persist`].
async fn temp_beside(target: &Path) -> Result<(std::fs::File, tempfile::TempPath), TaskError> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    tokio::task::spawn_blocking(move || {
        tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".part")
            .tempfile_in(&dir)
            .map(tempfile::NamedTempFile::into_parts)
            .map_err(|e| FieldError::new("path", &format!("cannot write there: {e}")).into())
    })
    .await
    .map_err(local)?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: &str) -> Account {
        serde_json::from_value(serde_json::json!({
            "id": uuid::Uuid::from_u128(1).to_string(), "name": name, "status": "open",
            "created_on": "2026-01-15T10:30:00Z", "org": uuid::Uuid::from_u128(2).to_string(),
            "tags": ["a", "b"]
        }))
        .expect("account")
    }

    #[test]
    fn csv_quotes_what_needs_it_and_json_is_one_array() {
        let rows = Rows::Accounts(vec![account("Acme, \"Inc\"\nsecond line")]);
        let csv = String::from_utf8(encode(ExportFormat::Csv, &rows, true, true).expect("csv"))
            .expect("utf8");
        assert!(csv.starts_with("id,name,email,"), "{csv}");
        assert!(csv.contains("\"Acme, \"\"Inc\"\"\nsecond line\""), "{csv}");
        assert!(csv.contains(",a;b,2026-01-15T10:30:00+00:00\n"), "{csv}");
        let mut json = encode(ExportFormat::Json, &rows, true, false).expect("json");
        json.extend(encode(ExportFormat::Json, &rows, false, true).expect("json"));
        let v: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
        assert_eq!(v.as_array().map(Vec::len), Some(2));
        // An empty list is still valid JSON.
        let empty =
            encode(ExportFormat::Json, &Rows::Accounts(Vec::new()), true, true).expect("json");
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&empty).ok(),
            Some(serde_json::json!([]))
        );
    }
}
