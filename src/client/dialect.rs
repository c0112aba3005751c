//! Reading the shapes real Django-CRM servers send into the seed's wire types.
//!
//! The bundled core answers in the seed's shape; BottleCRM 1.x nests the account lists and names
//! fields differently (`django-crm-dialects.md`). Everything here works on `serde_json::Value`
//! first, so an unexpected record is skipped (and counted) rather than failing the whole page.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::model::{Account, AccountDetail, AccountList};

/// Reads `GET /api/accounts/` in either the seed's or BottleCRM's shape.
pub fn account_list(body: &[u8]) -> Result<AccountList, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(mut obj) = value else {
        return Err("the account list is not a JSON object".into());
    };
    let (open, open_count) = section(
        &mut obj,
        "open_accounts",
        "active_accounts",
        &["open_accounts"],
        &["open_accounts_count", "accounts_count"],
    );
    let (closed, closed_count) = section(
        &mut obj,
        "closed_accounts",
        "closed_accounts",
        &["close_accounts", "closed_accounts"],
        &[
            "close_accounts_count",
            "closed_accounts_count",
            "accounts_count",
        ],
    );
    let (Some(open), Some(closed)) = (open, closed) else {
        return Err("no open_accounts/closed_accounts in the account list".into());
    };
    let open_accounts: Vec<Account> = accounts(open);
    let closed_accounts: Vec<Account> = accounts(closed);
    let count = |key: &str, fallback: Option<i64>, len: usize| {
        obj.get(key)
            .and_then(Value::as_i64)
            .or(fallback)
            .unwrap_or(len as i64)
    };
    let open_accounts_count = count("open_accounts_count", open_count, open_accounts.len());
    let closed_accounts_count = count("closed_accounts_count", closed_count, closed_accounts.len());
    Ok(AccountList {
        accounts_count: obj
            .get("accounts_count")
            .and_then(Value::as_i64)
            .unwrap_or(open_accounts_count + closed_accounts_count),
        open_accounts_count,
        closed_accounts_count,
        open_accounts,
        closed_accounts,
        contacts: lenient_vec(obj.remove("contacts")),
        users: lenient_vec(obj.remove("users")),
        teams: lenient_vec(obj.remove("teams")),
    })
}

/// One of the two lists: either a top-level array (seed) or an object holding the array and its
/// count (BottleCRM, legacy).
fn section(
    obj: &mut Map<String, Value>,
    flat_key: &str,
    nested_key: &str,
    inner_keys: &[&str],
    count_keys: &[&str],
) -> (Option<Vec<Value>>, Option<i64>) {
    if let Some(Value::Array(items)) = obj.get(flat_key) {
        return (Some(items.clone()), None);
    }
    if let Some(Value::Object(inner)) = obj.get(nested_key) {
        let items = inner_keys.iter().find_map(|k| match inner.get(*k) {
            Some(Value::Array(a)) => Some(a.clone()),
            _ => None,
        });
        let count = count_keys
            .iter()
            .find_map(|k| inner.get(*k).and_then(Value::as_i64));
        return (items, count);
    }
    (None, None)
}

fn accounts(items: Vec<Value>) -> Vec<Account> {
    let total = items.len();
    let out: Vec<Account> = items
        .into_iter()
        .filter_map(|mut v| {
            normalize_account(&mut v);
            serde_json::from_value(v).ok()
        })
        .collect();
    if out.len() < total {
        tracing::warn!(
            skipped = total - out.len(),
            "account records in an unknown shape were skipped"
        );
    }
    out
}

/// Reads `GET /api/accounts/{id}/`, tolerating related records in other shapes.
pub fn account_detail(body: &[u8]) -> Result<AccountDetail, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(mut obj) = value else {
        return Err("the account is not a JSON object".into());
    };
    let mut account = obj
        .remove("account_obj")
        .ok_or("no account_obj in the answer")?;
    normalize_account(&mut account);
    let account_obj: Account =
        serde_json::from_value(account).map_err(|e| format!("account_obj: {e}"))?;
    let tags = match obj.remove("tags") {
        Some(Value::Array(items)) => items.iter().filter_map(tag_name).collect(),
        _ => account_obj.tags.clone(),
    };
    Ok(AccountDetail {
        contacts: lenient_vec(obj.remove("contacts")),
        opportunities: lenient_vec(obj.remove("opportunities")),
        cases: lenient_vec(obj.remove("cases")),
        tasks: lenient_vec(obj.remove("tasks")),
        invoices: lenient_vec(obj.remove("invoices")),
        assigned_to: lenient_vec(obj.remove("assigned_to")),
        teams: lenient_vec(obj.remove("teams")),
        comments: lenient_vec(obj.remove("comments")),
        attachments: lenient_vec(obj.remove("attachments")),
        users_mention: lenient_vec(obj.remove("users_mention")),
        tags,
        account_obj,
    })
}

/// Every element of a JSON array that reads as `T`; the rest are dropped.
pub fn lenient_vec<T: DeserializeOwned>(value: Option<Value>) -> Vec<T> {
    match value {
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect(),
        _ => Vec::new(),
    }
}

fn tag_name(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

fn id_of(v: &Value) -> Option<Value> {
    match v {
        Value::String(_) => Some(v.clone()),
        Value::Object(o) => o.get("id").filter(|id| id.is_string()).cloned(),
        _ => None,
    }
}

const STRING_FIELDS: &[&str] = &[
    "name",
    "email",
    "phone",
    "industry",
    "description",
    "website",
    "billing_address_line",
    "billing_street",
    "billing_city",
    "billing_state",
    "billing_postcode",
    "billing_country",
];

/// Renames BottleCRM's fields to the seed's and flattens related objects to ids/names.
pub fn normalize_account(v: &mut Value) {
    let Value::Object(o) = v else { return };
    for (theirs, ours) in [
        ("address_line", "billing_address_line"),
        ("street", "billing_street"),
        ("city", "billing_city"),
        ("state", "billing_state"),
        ("postcode", "billing_postcode"),
        ("country", "billing_country"),
        ("created_at", "created_on"),
    ] {
        if !o.contains_key(ours)
            && let Some(x) = o.remove(theirs)
        {
            o.insert(ours.to_string(), x);
        }
    }
    if !o.contains_key("status")
        && let Some(active) = o.get("is_active").and_then(Value::as_bool)
    {
        o.insert(
            "status".into(),
            Value::String(if active { "open" } else { "closed" }.into()),
        );
    }
    if let Some(Value::String(s)) = o.get_mut("status")
        && s == "close"
    {
        *s = "closed".into();
    }
    for key in STRING_FIELDS {
        match o.get(*key) {
            Some(Value::String(_)) | None => {}
            Some(Value::Null) => {
                o.insert((*key).to_string(), Value::String(String::new()));
            }
            Some(other) => {
                let text = other.to_string();
                o.insert((*key).to_string(), Value::String(text));
            }
        }
    }
    for key in ["created_by", "org"] {
        if let Some(x) = o.get(key) {
            let id = id_of(x).unwrap_or(Value::Null);
            o.insert(key.to_string(), id);
        }
    }
    if matches!(o.get("org"), None | Some(Value::Null)) {
        o.insert("org".into(), Value::String(uuid::Uuid::nil().to_string()));
    }
    for key in ["contacts", "assigned_to", "teams"] {
        if let Some(Value::Array(items)) = o.get(key) {
            let ids: Vec<Value> = items.iter().filter_map(id_of).collect();
            o.insert(key.to_string(), Value::Array(ids));
        } else if o.get(key).is_some() {
            o.insert(key.to_string(), Value::Array(Vec::new()));
        }
    }
    if let Some(Value::Array(items)) = o.get("tags") {
        let names: Vec<Value> = items
            .iter()
            .filter_map(tag_name)
            .map(Value::String)
            .collect();
        o.insert("tags".into(), Value::Array(names));
    } else if o.get("tags").is_some() {
        o.insert("tags".into(), Value::Array(Vec::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bottlecrm_list_shape_is_read() {
        let body = serde_json::json!({
            "active_accounts": {"offset": 0, "open_accounts_count": 41, "open_accounts": [{
                "id": "6f1c1f66-5a57-4c1c-9a53-0b1b6c1b8a01", "name": "Acme", "city": "Paris", "country": "FR",
                "is_active": true, "created_at": "2025-01-02T03:04:05.123456Z", "industry": null,
                "created_by": {"id": "6f1c1f66-5a57-4c1c-9a53-0b1b6c1b8a02", "email": "a@b.c", "name": "A"},
                "assigned_to": [{"id": "6f1c1f66-5a57-4c1c-9a53-0b1b6c1b8a03", "user_details": {"email": "x@y.z"}}],
                "tags": [{"id": "t", "name": "vip", "slug": "vip", "color": "red"}],
                "org": {"id": "6f1c1f66-5a57-4c1c-9a53-0b1b6c1b8a04"}
            }, {"id": 7, "name": "legacy"}]},
            "closed_accounts": {"offset": 0, "close_accounts_count": 2, "close_accounts": []},
        });
        let list = account_list(body.to_string().as_bytes()).expect("reads");
        assert_eq!(list.open_accounts_count, 41);
        assert_eq!(list.closed_accounts_count, 2);
        assert_eq!(
            list.open_accounts.len(),
            1,
            "the integer-id record is skipped"
        );
        let a = &list.open_accounts[0];
        assert_eq!(
            (a.billing_city.as_str(), a.tags.clone(), a.assigned_to.len()),
            ("Paris", vec!["vip".to_string()], 1)
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(account_list(b"<html>oops</html>").is_err());
        assert!(account_list(b"[1,2]").is_err());
        assert!(account_list(b"{}").is_err());
        assert!(account_detail(b"{\"account_obj\": 3}").is_err());
    }
}
