//! BottleCRM without a server: the answers recorded from a live BottleCRM 1.35 by
//! `CRMTUI_BOTTLECRM=1 CRMTUI_BOTTLECRM_RECORD=1 cargo test --test bottlecrm` (tokens scrubbed)
//! are decoded, and served back by a stand-in server to check what the client sends. A legacy
//! Django-CRM 0.9 stand-in checks that `crmtui login` refuses it in one line.

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use crmtui::client::dialect::{self, Dialect};
use crmtui::client::{Client, ClientError, MailRecipients, Timeouts, Tokens};
use crmtui::model::{AccountFilter, AccountInput, AccountStatus, MailInput, Patch, Role};
use serde_json::Value;
use uuid::Uuid;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bottlecrm")
        .join(format!("{name}.json"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(name: &str) -> Value {
    serde_json::from_slice(&fixture(name)).expect("fixture is JSON")
}

fn len(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}

#[test]
fn the_account_list_decodes_every_record() {
    let raw = json("account_list");
    let list = dialect::account_list(&fixture("account_list")).expect("list");
    let open = &raw["active_accounts"];
    assert_eq!(list.open_accounts.len(), len(&open["open_accounts"]));
    assert!(!list.open_accounts.is_empty());
    assert_eq!(
        list.open_accounts_count,
        open["open_accounts_count"].as_i64().expect("count")
    );
    assert_eq!(
        list.closed_accounts_count,
        raw["closed_accounts"]["close_accounts_count"]
            .as_i64()
            .expect("count")
    );
    for (a, r) in list
        .open_accounts
        .iter()
        .zip(open["open_accounts"].as_array().expect("array").iter())
    {
        assert_eq!(a.id.to_string(), r["id"].as_str().expect("id"));
        assert_eq!(a.status, AccountStatus::Open);
        assert_eq!(a.billing_city, r["city"].as_str().unwrap_or(""));
        assert_eq!(a.billing_country, r["country"].as_str().unwrap_or(""));
        assert_eq!(a.tags.len(), len(&r["tags"]));
        assert_eq!(a.assigned_to.len(), len(&r["assigned_to"]));
        assert_eq!(
            a.created_by.map(|u| u.to_string()).as_deref(),
            r["created_by"]["id"].as_str()
        );
    }
}

#[test]
fn the_account_detail_keeps_every_related_record_and_the_figures() {
    let raw = json("account_detail");
    let d = dialect::account_detail(&fixture("account_detail")).expect("detail");
    let obj = &raw["account_obj"];
    assert_eq!(
        d.account_obj.id.to_string(),
        obj["id"].as_str().expect("id")
    );
    assert_eq!(d.contacts.len(), len(&raw["contacts"]));
    assert_eq!(d.opportunities.len(), len(&raw["opportunity_list"]));
    assert_eq!(d.cases.len(), len(&raw["cases"]));
    assert_eq!(d.tasks.len(), len(&raw["tasks"]));
    assert_eq!(d.invoices.len(), len(&raw["invoices"]));
    assert_eq!(d.comments.len(), len(&raw["comments"]));
    assert_eq!(d.attachments.len(), len(&raw["attachments"]));
    // The account's own assignees and teams, not the org's (listed beside it).
    assert_eq!(d.assigned_to.len(), len(&obj["assigned_to"]));
    assert_eq!(d.teams.len(), len(&obj["teams"]));
    assert!(
        d.contacts.iter().all(|c| !c.email.is_empty()),
        "primary_email read"
    );
    for a in &d.attachments {
        assert_eq!(a.attachment, format!("api/attachments/{}/download/", a.id));
        assert_eq!(a.account, Some(d.account_obj.id));
    }
    for c in &d.comments {
        assert_eq!(c.account, Some(d.account_obj.id));
        assert!(c.commented_by_user.is_some(), "the author's email is kept");
    }
    let figures = d.figures.clone().expect("figures");
    assert_eq!(
        figures.number_of_employees,
        obj["number_of_employees"].as_i64()
    );
    assert_eq!(
        figures.annual_revenue.as_deref(),
        obj["annual_revenue"].as_str()
    );
    assert_eq!(figures.currency.as_deref(), obj["currency"].as_str());
    assert!(!figures.rows().is_empty());
}

#[test]
fn profile_tags_sign_in_and_write_answers_decode() {
    let p =
        dialect::bottle_profile(&fixture("profile"), &fixture("org_settings")).expect("profile");
    let raw = json("profile");
    assert_eq!(
        p.user.id.to_string(),
        raw["user_obj"]["id"].as_str().expect("member id")
    );
    assert_eq!(p.user.email, "admin@example.com");
    assert_eq!(p.org.name, "MicroPyramid");
    assert_eq!(p.org.role, Role::Admin);

    let tags = dialect::tag_ids(&fixture("tags")).expect("tags");
    assert_eq!(tags.len(), len(&json("tags")["tags"]));
    assert!(tags.iter().all(|(name, _)| *name == name.to_lowercase()));

    let signed = dialect::code_sign_in(&fixture("verify_code")).expect("verify-code");
    assert!(signed.organizations.len() >= 2);
    assert!(
        signed
            .organizations
            .iter()
            .any(|o| o.name == "MicroPyramid")
    );
    assert_eq!(signed.current_org, None, "two orgs: the server binds none");
    let switched = dialect::code_sign_in(&fixture("switch_org")).expect("switch-org");
    assert_eq!(
        switched.current_org.map(|o| o.to_string()).as_deref(),
        json("switch_org")["current_org"]["id"].as_str()
    );
    let refresh: crmtui::model::RefreshResponse =
        serde_json::from_slice(&fixture("refresh")).expect("refresh");
    assert!(
        refresh.refresh.is_some(),
        "BottleCRM rotates the refresh token"
    );

    let account = Uuid::parse_str(
        json("comment_added")["account_obj"]["id"]
            .as_str()
            .expect("id"),
    )
    .expect("uuid");
    let added = dialect::comment_added(
        &fixture("comment_added"),
        account,
        Some("second, recorded"),
        None,
    )
    .expect("comment added");
    let c = added.comment.expect("the posted comment is found");
    assert_eq!(
        (c.comment.as_str(), c.account),
        ("second, recorded", Some(account))
    );
    assert_eq!(
        added.comments.len(),
        len(&json("comment_added")["comments"])
    );

    let sent = dialect::bottle_mail_sent(&fixture("mail_sent")).expect("mail");
    assert_eq!(sent.status, "success");
    assert_eq!(
        sent.email_id.to_string(),
        json("mail_sent")["id"].as_str().expect("id")
    );
}

#[test]
fn bottlecrm_errors_read_as_one_line() {
    let e =
        crmtui::client::error::from_response(409, "application/json", &fixture("delete_conflict"));
    assert!(
        e.to_string().starts_with("This account can't be deleted"),
        "{e}"
    );
    let e =
        crmtui::client::error::from_response(403, "application/json", &fixture("no_credentials"));
    assert!(
        crmtui::client::error::means_signed_out(&e.to_string()),
        "{e}"
    );
}

// --- a stand-in BottleCRM serving the recordings -----------------------------------------------

type Seen = Arc<Mutex<Vec<(Method, String, Value)>>>;

async fn stand_in(seen: Seen, method: Method, uri: Uri, body: Bytes) -> Response {
    let path = uri.path().to_string();
    let shown = uri.to_string();
    let body_json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if let Ok(mut s) = seen.lock() {
        s.push((method.clone(), shown, body_json));
    }
    let ok = |name: &str| {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            fixture(name),
        )
            .into_response()
    };
    let detail_id = json("account_detail")["account_obj"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    match (method.as_str(), path.as_str()) {
        ("GET", "/api/auth/me/") => (
            StatusCode::UNAUTHORIZED,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::WWW_AUTHENTICATE, "Bearer realm=\"api\""),
            ],
            fixture("me_anonymous"),
        )
            .into_response(),
        ("GET", "/api/profile/") => ok("profile"),
        ("GET", "/api/org/settings/") => ok("org_settings"),
        ("GET", "/api/tags/") => ok("tags"),
        ("GET", "/api/accounts/") => ok("account_list"),
        ("POST", "/api/accounts/") => ok("create_answer"),
        ("PATCH", p) if p.starts_with("/api/accounts/") => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"error":false,"message":"Account Updated Successfully"}"#
                .as_bytes()
                .to_vec(),
        )
            .into_response(),
        ("POST", p) if p.ends_with("/create_mail/") => ok("mail_sent"),
        // Every account reads as the recorded one.
        ("GET", p) if p.starts_with("/api/accounts/") => {
            let mut d = json("account_detail");
            let id = p.trim_start_matches("/api/accounts/").trim_end_matches('/');
            let text = serde_json::to_string(&d)
                .unwrap_or_default()
                .replace(&detail_id, id);
            d = serde_json::from_str(&text).unwrap_or(d);
            (StatusCode::OK, axum::Json(d)).into_response()
        }
        _ => (
            StatusCode::NOT_FOUND,
            "<html><title>Not Found</title></html>",
        )
            .into_response(),
    }
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/")
}

#[tokio::test]
async fn the_client_sends_bottlecrm_its_own_names_and_ids() {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let app = axum::Router::new()
        .fallback(move |m: Method, u: Uri, b: Bytes| stand_in(s.clone(), m, u, b));
    let base = serve(app).await;
    let client = Client::new(
        &base,
        None,
        Some(Tokens {
            access: "bcrm_pat_test".into(),
            refresh: None,
        }),
        Timeouts::default(),
    )
    .expect("client");
    assert_eq!(
        client.mail_recipients(),
        MailRecipients::Addresses,
        "not known yet"
    );
    assert_eq!(client.dialect().await.expect("dialect"), Dialect::BottleCrm);
    assert_eq!(client.mail_recipients(), MailRecipients::AccountContacts);
    let profile = client.profile().await.expect("profile");
    assert_eq!(profile.org.name, "MicroPyramid");

    let tags = dialect::tag_ids(&fixture("tags")).expect("tags");
    let (tag_name, tag_id) = tags.first().cloned().expect("a tag");
    let filter = AccountFilter {
        tags: vec![tag_name.to_uppercase()],
        status: Some(AccountStatus::Closed),
        city: Some("Lis".into()),
        ..Default::default()
    };
    client.accounts(&filter, 10, 20).await.expect("list");
    let input = AccountInput {
        name: Patch::Value("Acme".into()),
        billing_city: Patch::Value("Porto".into()),
        billing_street: Patch::Value("1 Main St".into()),
        billing_country: Patch::Value("PT".into()),
        status: Patch::Value(AccountStatus::Closed),
        tags: Patch::Value(vec![tag_name.clone()]),
        ..Default::default()
    };
    client.create_account(&input).await.expect("create");
    let detail = dialect::account_detail(&fixture("account_detail")).expect("detail");
    let id = detail.account_obj.id;
    client
        .update_account(
            id,
            &AccountInput {
                billing_postcode: Patch::Null,
                ..Default::default()
            },
        )
        .await
        .expect("edit");
    let contact = detail.contacts.first().expect("a contact");
    let mail = MailInput {
        recipients: vec![contact.email.to_uppercase(), contact.id.to_string()],
        subject: "Hi".into(),
        html: "Hello".into(),
        ..Default::default()
    };
    client.send_mail(id, &mail).await.expect("mail");
    let err = client
        .send_mail(
            id,
            &MailInput {
                recipients: vec!["someone@else.example".into()],
                ..mail.clone()
            },
        )
        .await
        .expect_err("not a contact");
    assert!(
        matches!(&err, ClientError::Api { fields, .. } if fields.contains_key("recipients")),
        "{err:?}"
    );

    let seen = seen.lock().expect("seen").clone();
    let find = |method: &str, prefix: &str| {
        seen.iter()
            .filter(|(m, u, _)| m.as_str() == method && u.starts_with(prefix))
            .cloned()
            .collect::<Vec<_>>()
    };
    let (_, list_uri, _) = find("GET", "/api/accounts/?").remove(0);
    let query: Vec<(String, String)> = url::Url::parse(&format!("http://x{list_uri}"))
        .expect("uri")
        .query_pairs()
        .into_owned()
        .collect();
    let has = |k: &str, v: &str| query.iter().any(|(a, b)| a == k && b == v);
    assert!(has("tags", &tag_id.to_string()), "tags by id: {query:?}");
    assert!(has("is_active", "false"), "status as is_active: {query:?}");
    assert!(
        has("city", "Lis") && has("limit", "10") && has("offset", "20"),
        "{query:?}"
    );
    assert!(!query.iter().any(|(k, _)| k == "status"), "{query:?}");

    let (_, _, created) = find("POST", "/api/accounts/").remove(0);
    assert_eq!(created["city"], "Porto");
    assert_eq!(created["country"], "PT");
    assert_eq!(created["is_active"], false);
    assert_eq!(created["tags"], serde_json::json!([tag_id.to_string()]));
    for ours in [
        "billing_city",
        "billing_street",
        "billing_country",
        "status",
        "street",
    ] {
        assert!(created.get(ours).is_none(), "{ours} sent: {created}");
    }
    let (_, _, patched) = find("PATCH", "/api/accounts/").remove(0);
    assert_eq!(
        patched,
        serde_json::json!({"postcode": null}),
        "only the changed field"
    );

    let mails = find("POST", &format!("/api/accounts/{id}/create_mail/"));
    assert_eq!(mails.len(), 1, "the refused mail is never sent");
    let (_, _, mail) = &mails[0];
    assert_eq!(
        mail["recipients"],
        serde_json::json!([contact.id.to_string()])
    );
    assert_eq!(mail["message_subject"], "Hi");
    assert_eq!(mail["message_body"], "Hello");
    assert!(
        mail.get("subject").is_none() && mail.get("html").is_none(),
        "{mail}"
    );
}

// --- legacy Django-CRM 0.9 -------------------------------------------------------------------

async fn legacy(_: HeaderMap, method: Method, uri: Uri) -> Response {
    match (method.as_str(), uri.path()) {
        // djangorestframework-jwt's challenge.
        ("GET", "/api/profile/") => (
            StatusCode::UNAUTHORIZED,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::WWW_AUTHENTICATE, "JWT realm=\"api\""),
            ],
            r#"{"detail":"Authentication credentials were not provided."}"#,
        )
            .into_response(),
        ("POST", "/api/auth/login/") => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"token":"eyJlegacy"}"#,
        )
            .into_response(),
        _ => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html")],
            "<h1>Not Found</h1>",
        )
            .into_response(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn legacy_django_crm_is_refused_at_sign_in_in_one_line() {
    let base = serve(axum::Router::new().fallback(legacy)).await;
    let client = Client::new(&base, None, None, Timeouts::default()).expect("client");
    match client.dialect().await {
        Err(ClientError::Unsupported(m)) => assert!(m.contains("legacy Django-CRM 0.9"), "{m}"),
        other => panic!("{other:?}"),
    }
    match client.login("a@b.example", "pw").await {
        Err(ClientError::Unsupported(m)) => assert!(m.contains("0.9"), "{m}"),
        other => panic!("{other:?}"),
    }
    let home = tempfile::tempdir().expect("tempdir");
    let out = tokio::task::spawn_blocking({
        let (base, home) = (base.clone(), home.path().to_path_buf());
        move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_crmtui"))
                .args(["login", "--server", &base, "--email", "a@b.example"])
                .env("HOME", &home)
                .env("XDG_CONFIG_HOME", home.join("config"))
                .env("XDG_STATE_HOME", home.join("state"))
                .stdin(std::process::Stdio::null())
                .output()
        }
    })
    .await
    .expect("join")
    .expect("run crmtui");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("legacy Django-CRM 0.9") && !stderr.contains("Password"),
        "refused before asking for a password: {stderr}"
    );
}
