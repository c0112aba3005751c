//! Every record kind beyond accounts, tested the same way over HTTP on both engines: role rules,
//! paging edges, bad ids and bad input answering the envelope, comments and attachments under
//! both route styles, the account detail's related lists and cascading delete, the dashboard.
//! Each kind's own rules are in `api_leads.rs`, `api_records.rs` and `api_invoices.rs`.

mod common;

use common::*;
use crmtui::model::Role;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

/// A record kind as its list and detail answer it.
struct K {
    path: &'static str,
    /// The `content_type` of its comments.
    name: &'static str,
    detail_key: &'static str,
    /// JSON pointers into the list answer.
    rows: &'static str,
    count: &'static str,
    offset: &'static str,
    /// A valid create body naming the record `n`.
    body: fn(&str) -> Value,
}

const KINDS: &[K] = &[
    K {
        path: "contacts",
        name: "contact",
        detail_key: "contact_obj",
        rows: "/contact_obj_list",
        count: "/contacts_count",
        offset: "/offset",
        body: |n| json!({"first_name": n, "last_name": "Test"}),
    },
    K {
        path: "leads",
        name: "lead",
        detail_key: "lead_obj",
        rows: "/open_leads/open_leads",
        count: "/open_leads/leads_count",
        offset: "/open_leads/offset",
        body: |n| json!({"title": n}),
    },
    K {
        path: "opportunities",
        name: "opportunity",
        detail_key: "opportunity_obj",
        rows: "/opportunities",
        count: "/opportunities_count",
        offset: "/offset",
        body: |n| json!({"name": n}),
    },
    K {
        path: "cases",
        name: "case",
        detail_key: "cases_obj",
        rows: "/cases",
        count: "/cases_count",
        offset: "/offset",
        body: |n| json!({"name": n, "status": "New", "priority": "Low"}),
    },
    K {
        path: "tasks",
        name: "task",
        detail_key: "task_obj",
        rows: "/tasks",
        count: "/tasks_count",
        offset: "/offset",
        body: |n| json!({"title": n, "status": "New", "priority": "Low"}),
    },
];

async fn list(app: &TestApp, who: &Session, k: &K, query: &str) -> Value {
    let (status, body) = app.get(who, &format!("/api/{}/?{query}", k.path)).await;
    assert_eq!(status, StatusCode::OK, "{} ?{query}: {body}", k.path);
    body
}

/// The ids of a list answer's rows, in order.
fn row_ids(k: &K, page: &Value) -> Vec<String> {
    pluck(page.pointer(k.rows).expect("rows"), "id")
}

fn at<'a>(page: &'a Value, pointer: &str) -> &'a Value {
    page.pointer(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in {page}"))
}

both_engines!(roles_on_every_kind);
async fn roles_on_every_kind() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let creator = app.user("Org", "creator@org.test", Role::User).await;
    let assignee = app.user("Org", "assignee@org.test", Role::User).await;
    let stranger = app.user("Org", "stranger@org.test", Role::User).await;
    let other = app.admin("Other", "other@other.test").await;
    for k in KINDS {
        let mut body = (k.body)(&format!("{} one", k.name));
        body["assigned_to"] = json!([assignee.id]);
        let rec = app.create(&creator, k.path, body).await;
        let id = id_of(&rec);
        assert_eq!(rec["created_by"], json!(creator.id), "{rec}");
        assert_eq!(rec["assigned_to"], json!([assignee.id]), "{rec}");
        let path = format!("/api/{}/{id}/", k.path);

        // Who sees it (detail, list and count) and who may delete it.
        for (who, sees, deletes) in [
            (&admin, true, true),
            (&creator, true, true),
            (&assignee, true, false),
            (&stranger, false, false),
        ] {
            let (status, body) = app.get(who, &path).await;
            if sees {
                assert_eq!(
                    status,
                    StatusCode::OK,
                    "{} for {}: {body}",
                    k.path,
                    who.email
                );
                assert_eq!(body[k.detail_key]["id"], json!(id), "{body}");
                assert_eq!(
                    body["can_delete"],
                    json!(deletes),
                    "{} {}",
                    k.path,
                    who.email
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::NOT_FOUND,
                    "{} {}: {body}",
                    k.path,
                    who.email
                );
                assert_message_error(&body);
            }
            let page = list(&app, who, k, "").await;
            assert_eq!(
                row_ids(k, &page),
                if sees { vec![id.clone()] } else { vec![] },
                "{} list for {}",
                k.path,
                who.email
            );
            assert_eq!(at(&page, k.count), &json!(i64::from(sees)));
        }

        // The stranger can neither edit, delete nor comment: all 404, nothing changes.
        let (status, _) = app
            .patch(&stranger, &path, json!({"description": "x"}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", k.path);
        let (status, _) = app.put(&stranger, &path, json!({"description": "x"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", k.path);
        let (status, _) = app.delete(&stranger, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", k.path);
        let (status, _) = app.post(&stranger, &path, json!({"comment": "hi"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", k.path);

        // Another org's member: 404 in their org, 403 naming this one; no token: 401.
        let (status, _) = app.get(&other, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", k.path);
        let (status, _) = app.patch(&other, &path, json!({"description": "x"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", k.path);
        let (status, _) = app.delete(&other, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", k.path);
        let page = list(&app, &other, k, "").await;
        assert_eq!(at(&page, k.count), &json!(0), "{}", k.path);
        let (status, body) = app.get(&other.in_org(admin.org), &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{}: {body}", k.path);
        for method in [Method::GET, Method::PATCH, Method::DELETE] {
            let (status, body) = send(app.raw(method.clone(), &path)).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
            assert_message_error(&body);
        }
        let (status, _) = send(app.raw(Method::GET, &format!("/api/{}/", k.path))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // The assignee edits (PUT and PATCH alike) but does not delete.
        let (status, body) = app
            .put(&assignee, &path, json!({"description": "by the assignee"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", k.path);
        assert_eq!(body["description"], "by the assignee");
        let (status, body) = app.delete(&assignee, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{}: {body}", k.path);
        assert_message_error(&body);
        let (status, body) = app.get(&admin, &path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body[k.detail_key]["description"], "by the assignee");

        // Taking themself off keeps the change and the answer, then the record is unseen.
        let (status, body) = app
            .patch(
                &assignee,
                &path,
                json!({"assigned_to": [], "description": "last"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", k.path);
        assert_eq!(body["assigned_to"], json!([]));
        let (status, _) = app.get(&assignee, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", k.path);

        // The creator deletes it; then it is gone for everyone.
        let (status, body) = app.delete(&creator, &path).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{}: {body}", k.path);
        assert_eq!(body, Value::Null);
        let (status, _) = app.get(&admin, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", k.path);
        let (status, _) = app.delete(&creator, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", k.path);
    }

    // A USER may not link a record to another org's user, nor hand it to a team of another org.
    let (_, team) = app
        .post(&other, "/api/teams/", json!({"name": "Theirs"}))
        .await;
    for k in KINDS {
        for (key, value) in [
            ("assigned_to", json!([other.id])),
            ("teams", json!([team["id"]])),
        ] {
            let mut body = (k.body)("linked");
            body[key] = value;
            let (status, out) = app.post(&creator, &format!("/api/{}/", k.path), body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{} {key}: {out}", k.path);
            assert_field_error(&out, key);
        }
    }
}

both_engines!(paging_edges_on_every_kind);
async fn paging_edges_on_every_kind() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    for k in KINDS {
        let mut made = Vec::new();
        for i in 0..3 {
            made.push(id_of(
                &app.create(&admin, k.path, (k.body)(&format!("{} {i}", k.name)))
                    .await,
            ));
        }
        made.reverse(); // newest first
        let page = list(&app, &admin, k, "").await;
        assert_eq!(row_ids(k, &page), made, "{}", k.path);
        assert_eq!(at(&page, k.offset), &Value::Null, "{}", k.path);
        // Enum choices ride along; record catalogues do not.
        for key in ["users", "accounts_list", "contacts_list", "teams"] {
            assert_eq!(page.get(key), None, "{} carries {key}", k.path);
        }
        for (query, want, count, offset) in [
            ("limit=2", &made[..2], 3, json!(2)),
            ("limit=2&offset=2", &made[2..], 3, Value::Null),
            ("limit=1&offset=1", &made[1..2], 3, json!(2)),
            ("offset=3", &[][..], 3, Value::Null),
            ("offset=1000000", &[][..], 3, Value::Null),
            ("limit=0", &[][..], 3, Value::Null),
            ("limit=5000", &made[..], 3, Value::Null),
            // Wildcards are plain text to a filter.
            ("search=%25", &[][..], 0, Value::Null),
            ("search=_", &[][..], 0, Value::Null),
            (
                "limit=9223372036854775807&offset=9223372036854775807",
                &[][..],
                3,
                Value::Null,
            ),
        ] {
            let page = list(&app, &admin, k, query).await;
            assert_eq!(row_ids(k, &page), want, "{} ?{query}", k.path);
            assert_eq!(at(&page, k.count), &json!(count), "{} ?{query}", k.path);
            assert_eq!(at(&page, k.offset), &offset, "{} ?{query}", k.path);
        }
        for (query, param) in [
            ("limit=-1", "limit"),
            ("offset=-5", "offset"),
            ("limit=ten", "limit"),
            ("offset=1.5", "offset"),
            ("limit=", "limit"),
        ] {
            let (status, body) = app.get(&admin, &format!("/api/{}/?{query}", k.path)).await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{} ?{query}: {body}",
                k.path
            );
            assert_field_error(&body, param);
        }
    }
}

both_engines!(bad_ids_are_404_everywhere);
async fn bad_ids_are_404_everywhere() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let other = app.admin("Other", "other@other.test").await;
    for k in KINDS {
        let theirs = id_of(&app.create(&other, k.path, (k.body)("theirs")).await);
        let random = Uuid::new_v4().to_string();
        for id in ["not-a-uuid", "%FF%FE", random.as_str(), theirs.as_str()] {
            let path = format!("/api/{}/{id}/", k.path);
            for method in [
                Method::GET,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
                Method::POST,
            ] {
                let (status, body) = send(
                    app.req(&admin, method.clone(), &path)
                        .json(&json!({"comment": "x", "description": "x"})),
                )
                .await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
                assert_message_error(&body);
            }
            for sub in ["comment", "attachment"] {
                let path = format!("/api/{}/{sub}/{id}/", k.path);
                let (status, _) = app.delete(&admin, &path).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "DELETE {path}");
            }
        }
        // Their record is untouched.
        let (status, body) = app.get(&other, &format!("/api/{}/{theirs}/", k.path)).await;
        assert_eq!(status, StatusCode::OK);
        assert_ne!(body[k.detail_key]["description"], "x");
    }
}

/// Bad bodies of each kind, each naming its field; `true` if an update refuses it too.
fn bad_bodies(k: &K, theirs: &Value) -> Vec<(Value, &'static str, bool)> {
    let long = "x".repeat(300);
    let mut out = vec![
        (json!({"assigned_to": ["nope"]}), "assigned_to", true),
        (
            json!({"assigned_to": [Uuid::new_v4()]}),
            "assigned_to",
            true,
        ),
        (json!({"assigned_to": "a,b"}), "assigned_to", true),
        (json!({"assigned_to": 7}), "assigned_to", true),
        (json!({"teams": [Uuid::new_v4()]}), "teams", true),
        (json!({"tags": 5}), "tags", true),
        (json!({"tags": [1, 2]}), "tags", true),
        (json!({"description": 12}), "description", true),
        (json!({"description": ["a"]}), "description", true),
    ];
    let own: Vec<(Value, &'static str, bool)> = match k.name {
        "contact" => vec![
            (json!({"first_name": ""}), "first_name", true),
            (json!({"last_name": null}), "last_name", true),
            (json!({"email": "not-an-email"}), "email", true),
            (json!({"do_not_call": "maybe"}), "do_not_call", true),
            (json!({"do_not_call": 3}), "do_not_call", true),
            (json!({"is_active": "sometimes"}), "is_active", true),
            (json!({"country": "Germany"}), "country", true),
            (json!({"source": "fax"}), "source", true),
            (json!({"source": 1}), "source", true),
            (
                json!({"linkedin_url": "ftp://x.test"}),
                "linkedin_url",
                true,
            ),
            (json!({"account": "nope"}), "account", true),
            (json!({"account": Uuid::new_v4()}), "account", true),
            (json!({"account": theirs["account"]}), "account", true),
            (json!({"title": long}), "title", true),
        ],
        "lead" => vec![
            (json!({"title": "", "first_name": ""}), "title", false),
            (json!({"status": "won"}), "status", true),
            (json!({"status": "Assigned"}), "status", true),
            (json!({"source": "fax"}), "source", true),
            (json!({"rating": "hot"}), "rating", true),
            (
                json!({"opportunity_amount": "-5"}),
                "opportunity_amount",
                true,
            ),
            (
                json!({"opportunity_amount": "1.234"}),
                "opportunity_amount",
                true,
            ),
            (
                json!({"opportunity_amount": true}),
                "opportunity_amount",
                true,
            ),
            (json!({"probability": 101}), "probability", true),
            (json!({"probability": -1}), "probability", true),
            (json!({"probability": 5.5}), "probability", true),
            (json!({"close_date": "2024-02-30"}), "close_date", true),
            (
                json!({"last_contacted": "yesterday"}),
                "last_contacted",
                true,
            ),
            (json!({"next_follow_up": 20240101}), "next_follow_up", true),
            (json!({"currency": "dollars"}), "currency", true),
            (json!({"email": "@x"}), "email", true),
            (json!({"website": "javascript:alert(1)"}), "website", true),
            (json!({"contacts": [Uuid::new_v4()]}), "contacts", true),
            (json!({"contacts": [theirs["contact"]]}), "contacts", true),
        ],
        "opportunity" => vec![
            (json!({"name": ""}), "name", true),
            (json!({"stage": "WON"}), "stage", true),
            (json!({"stage": "closed_won"}), "stage", true),
            (json!({"opportunity_type": "new"}), "opportunity_type", true),
            (json!({"amount": "abc"}), "amount", true),
            (json!({"amount": "-1.00"}), "amount", true),
            (json!({"probability": "50%"}), "probability", true),
            (json!({"closed_on": "01/02/2024"}), "closed_on", true),
            (json!({"lead_source": "Web"}), "lead_source", true),
            (json!({"account": Uuid::new_v4()}), "account", true),
            (json!({"account": theirs["account"]}), "account", true),
            (json!({"contacts": ["x"]}), "contacts", true),
        ],
        "case" => vec![
            (json!({"status": null}), "status", true),
            (json!({"priority": ""}), "priority", true),
            (json!({"priority": "Critical"}), "priority", true),
            (json!({"status": "Open"}), "status", true),
            (json!({"case_type": "Bug"}), "case_type", true),
            (json!({"name": "x".repeat(65)}), "name", true),
            (json!({"closed_on": "2024-13-01"}), "closed_on", true),
            (json!({"account": Uuid::new_v4()}), "account", false),
            (json!({"account": theirs["account"]}), "account", false),
        ],
        "task" => vec![
            (json!({"title": "x".repeat(201)}), "title", true),
            (json!({"status": "Done"}), "status", true),
            (json!({"priority": "Urgent"}), "priority", true),
            (json!({"due_date": "5/1/2024"}), "due_date", true),
            (json!({"due_date": "+20000-01-01"}), "due_date", true),
            (json!({"due_date": "2024-1-05"}), "due_date", true),
            (json!({"opportunity": Uuid::new_v4()}), "opportunity", true),
            (json!({"case": "nope"}), "case", true),
            (json!({"lead": Uuid::new_v4()}), "lead", true),
            (json!({"account": theirs["account"]}), "account", true),
        ],
        _ => vec![],
    };
    out.extend(own);
    out
}

/// Bad list queries of each kind, each naming its parameter.
fn bad_queries(k: &K) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![
        ("assigned_to=nope", "assigned_to"),
        ("created_at__gte=2024-13-01", "created_at__gte"),
        ("created_at__lte=yesterday", "created_at__lte"),
        ("created_at__gte=%2B20000-01-01", "created_at__gte"),
    ];
    out.extend(match k.name {
        "contact" => vec![("is_active=maybe", "is_active")],
        "lead" => vec![
            ("status=won", "status"),
            ("status=assigned,won", "status"),
            ("source=fax", "source"),
            ("rating=hot", "rating"),
            ("close_date__gte=2024-02-30", "close_date__gte"),
            ("next_follow_up=today", "next_follow_up"),
            ("open=perhaps", "open"),
        ],
        "opportunity" => vec![
            ("stage=WON", "stage"),
            ("lead_source=Web", "lead_source"),
            ("amount__gte=abc", "amount__gte"),
            ("closed_on__lte=01-01-2024", "closed_on__lte"),
            ("account=nope", "account"),
        ],
        "case" => vec![
            ("status=Open", "status"),
            ("priority=Critical", "priority"),
            ("case_type=Bug", "case_type"),
            ("account=1", "account"),
            ("ordering=bogus", "ordering"),
        ],
        "task" => vec![
            ("status=Done", "status"),
            ("priority=Urgent", "priority"),
            ("due_date__gte=soon", "due_date__gte"),
            ("lead=nope", "lead"),
            ("case=nope", "case"),
        ],
        _ => vec![],
    });
    out
}

both_engines!(bad_input_answers_the_envelope_naming_the_field);
async fn bad_input_answers_the_envelope_naming_the_field() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let other = app.admin("Other", "other@other.test").await;
    // Records of another org that bodies may name.
    let theirs = json!({
        "account": id_of(&app.account(&other, "Theirs Ltd", json!({})).await),
        "contact": id_of(&app.create(&other, "contacts", json!({"first_name": "T", "last_name": "T"})).await),
    });
    for k in KINDS {
        let rec = app.create(&admin, k.path, (k.body)("kept")).await;
        let path = format!("/api/{}/{}/", k.path, id_of(&rec));
        let (_, before) = app.get(&admin, &path).await;
        for (bad, field, on_update) in bad_bodies(k, &theirs) {
            let mut body = (k.body)("bad");
            for (key, v) in bad.as_object().unwrap() {
                body[key] = v.clone();
            }
            let (status, out) = app.post(&admin, &format!("/api/{}/", k.path), body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{} {bad}: {out}", k.path);
            assert_field_error(&out, field);
            if on_update {
                let (status, out) = app.patch(&admin, &path, bad.clone()).await;
                assert_eq!(
                    status,
                    StatusCode::BAD_REQUEST,
                    "PATCH {} {bad}: {out}",
                    k.path
                );
                assert_field_error(&out, field);
            }
        }
        // Several problems at once are all named.
        let (status, out) = app
            .post(
                &admin,
                &format!("/api/{}/", k.path),
                json!({"description": 1, "tags": 2, "assigned_to": 3}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
        for field in ["description", "tags", "assigned_to"] {
            assert_field_error(&out, field);
        }
        // Not an object, not JSON.
        for body in [json!([]), json!("text"), json!(null)] {
            let (status, out) = app.post(&admin, &format!("/api/{}/", k.path), body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
            assert_eq!(out["error"], json!(true), "{out}");
        }
        let (status, out) = send(
            app.req(&admin, Method::POST, &format!("/api/{}/", k.path))
                .header("content-type", "application/json")
                .body("{\"name\": "),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
        assert_field_error(&out, "body");
        // Nothing was made, nothing changed.
        let page = list(&app, &admin, k, "").await;
        assert_eq!(at(&page, k.count), &json!(1), "{}: {page}", k.path);
        let (_, after) = app.get(&admin, &path).await;
        assert_eq!(before, after, "{}", k.path);
        // Bad list queries.
        for (query, param) in bad_queries(k) {
            let (status, out) = app.get(&admin, &format!("/api/{}/?{query}", k.path)).await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{} ?{query}: {out}",
                k.path
            );
            assert_field_error(&out, param);
        }
    }
}

/// Sends a multipart thread post to `path`.
async fn post_file(
    app: &TestApp,
    who: &Session,
    path: &str,
    field: &str,
    bytes: &[u8],
    comment: Option<&str>,
) -> (StatusCode, Value) {
    let mut form = Form::new().part(
        field.to_string(),
        Part::bytes(bytes.to_vec()).file_name(format!("{field}.txt")),
    );
    if let Some(c) = comment {
        form = form.text("comment", c.to_string());
    }
    send(app.req(who, Method::POST, path).multipart(form)).await
}

async fn download(app: &TestApp, who: &Session, url: &str) -> (StatusCode, Vec<u8>) {
    let res = app
        .raw(Method::GET, url)
        .bearer_auth(&who.token)
        .send()
        .await
        .unwrap();
    (res.status(), res.bytes().await.unwrap().to_vec())
}

both_engines!(comments_and_attachments_on_every_kind);
async fn comments_and_attachments_on_every_kind() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let u1 = app.user("Org", "u1@org.test", Role::User).await;
    let u2 = app.user("Org", "u2@org.test", Role::User).await;
    let stranger = app.user("Org", "stranger@org.test", Role::User).await;
    let both = json!([u1.id, u2.id]);
    // (path, content_type, record id)
    let mut records = vec![(
        "accounts",
        "account",
        id_of(
            &app.account(&admin, "Threaded", json!({"assigned_to": both}))
                .await,
        ),
    )];
    for k in KINDS {
        let mut body = (k.body)("threaded");
        body["assigned_to"] = both.clone();
        records.push((
            k.path,
            k.name,
            id_of(&app.create(&admin, k.path, body).await),
        ));
    }
    let invoice = app
        .invoice(
            &admin,
            NewInvoice {
                assigned_to: vec![u1.id, u2.id],
                ..NewInvoice::default()
            },
        )
        .await;
    records.push(("invoices", "invoice", invoice));

    let mut files = app.file_count().await;
    for (path, kind, id) in &records {
        let record = format!("/api/{path}/{id}/");
        // A comment by u1, with the object it hangs off.
        let (status, added) = app.post(&u1, &record, json!({"comment": "first"})).await;
        assert_eq!(status, StatusCode::CREATED, "{path}: {added}");
        let comment = &added["comment"];
        assert_eq!(comment["comment"], "first");
        assert_eq!(comment["commented_by"], json!(u1.id));
        if *kind == "account" {
            assert_eq!(comment["account"], json!(id));
        } else {
            assert_eq!(comment["content_type"], json!(kind), "{comment}");
            assert_eq!(comment["object_id"], json!(id), "{comment}");
        }
        let cid = id_of(comment);
        // Files under 1.x's `<type>_attachment` and under `attachment`, with a comment.
        let (status, one) = post_file(
            &app,
            &u1,
            &record,
            &format!("{kind}_attachment"),
            b"one",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{path}: {one}");
        assert_eq!(one["comment"], Value::Null);
        let (status, two) =
            post_file(&app, &u2, &record, "attachment", b"two", Some("second")).await;
        assert_eq!(status, StatusCode::CREATED, "{path}: {two}");
        assert_eq!(two["comment"]["comment"], "second");
        files += 2;
        assert_eq!(app.file_count().await, files, "{path}");
        let att = &one["attachment"];
        if *kind != "account" {
            assert_eq!(att["content_type"], json!(kind));
            assert_eq!(att["object_id"], json!(id));
            assert_eq!(
                att["attachment"],
                json!(format!("/api/attachments/{}/download/", id_of(att)))
            );
        }
        let aid = id_of(att);
        // Neither comment nor file.
        let (status, out) = app.post(&u1, &record, json!({"comment": "  "})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
        assert_field_error(&out, "comment");

        // The detail holds the thread, oldest first.
        let (status, detail) = app.get(&u2, &record).await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        assert_eq!(pluck(&detail["comments"], "comment"), ["first", "second"]);
        assert_eq!(
            pluck(&detail["attachments"], "file_name"),
            [
                format!("{kind}_attachment.txt"),
                "attachment.txt".to_string()
            ]
        );

        // Downloads: the attachment URL, 1.x's path and the kind's own; not for a stranger.
        for url in [
            att["attachment"].as_str().unwrap().to_string(),
            format!("/api/attachments/{aid}/download/"),
            format!("/api/{path}/attachment/{aid}/"),
        ] {
            let (status, bytes) = download(&app, &u2, &url).await;
            assert_eq!(status, StatusCode::OK, "{url}");
            assert_eq!(bytes, b"one", "{url}");
            let (status, _) = download(&app, &stranger, &url).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{url}");
        }
        let wrong = if *path == "tasks" { "leads" } else { "tasks" };
        let (status, _) = download(&app, &u2, &format!("/api/{wrong}/attachment/{aid}/")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");

        // Editing a comment: its author or an admin; another who sees it 403, a stranger 404,
        // through another kind's route 404.
        let edit = format!("/api/{path}/comment/{cid}/");
        let (status, out) = app.put(&u2, &edit, json!({"comment": "hijack"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {out}");
        let (status, _) = app
            .put(&stranger, &edit, json!({"comment": "hijack"}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        let (status, _) = app
            .put(
                &admin,
                &format!("/api/{wrong}/comment/{cid}/"),
                json!({"comment": "x"}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        let (status, out) = app
            .put(&u1, &edit, json!({"comment": "first, edited"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{path}: {out}");
        assert_eq!(out["comment"], "first, edited");
        assert_eq!(out["id"], json!(cid));
        // (accounts: see `account_comment_takes_patch`)
        let method = if *kind == "account" {
            Method::PUT
        } else {
            Method::PATCH
        };
        let (status, out) = send(
            app.req(&admin, method, &edit)
                .json(&json!({"comment": "by admin"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{path}: {out}");
        assert_eq!(out["comment"], "by admin");
        let (status, out) = app.put(&u1, &edit, json!({"comment": ""})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
        assert_field_error(&out, "comment");

        // Deleting: the uploader or an admin.
        let drop_file = format!("/api/{path}/attachment/{aid}/");
        let (status, _) = app.delete(&u2, &drop_file).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        let (status, _) = app
            .delete(&admin, &format!("/api/{wrong}/attachment/{aid}/"))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        let (status, _) = app.delete(&u1, &drop_file).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{path}");
        files -= 1;
        assert_eq!(app.file_count().await, files, "{path}");
        let (status, _) =
            download(&app, &admin, &format!("/api/attachments/{aid}/download/")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app.delete(&u2, &edit).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        let (status, _) = app.delete(&u1, &edit).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{path}");
        let (_, detail) = app.get(&admin, &record).await;
        assert_eq!(pluck(&detail["comments"], "comment"), ["second"]);
        assert_eq!(detail["attachments"].as_array().unwrap().len(), 1);
    }

    // 1.x's invoice routes.
    let inv = &records.last().unwrap().2;
    let (status, added) = app
        .post(
            &u1,
            &format!("/api/invoices/{inv}/comments/"),
            json!({"comment": "1.x"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["comment"]["content_type"], "invoice");
    let cid = id_of(&added["comment"]);
    let (status, added) = post_file(
        &app,
        &u1,
        &format!("/api/invoices/{inv}/attachments/"),
        "file",
        b"pdf",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["attachment"]["file_name"], "file.txt");
    let aid = id_of(&added["attachment"]);
    let (status, bytes) = download(&app, &u1, &format!("/api/attachments/{aid}/download/")).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, &b"pdf"[..]));
    let (status, out) = app
        .put(
            &u2,
            &format!("/api/invoices/comments/{cid}/"),
            json!({"comment": "no"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{out}");
    let (status, out) = app
        .put(
            &u1,
            &format!("/api/invoices/comments/{cid}/"),
            json!({"comment": "1.x edited"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["comment"], "1.x edited");
    let (status, _) = app
        .delete(&u1, &format!("/api/invoices/comments/{cid}/"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .delete(&u2, &format!("/api/invoices/attachments/{aid}/"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .delete(&u1, &format!("/api/invoices/attachments/{aid}/"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = download(&app, &u1, &format!("/api/attachments/{aid}/download/")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A comment of another kind is not an invoice comment.
    let (_, lead_thread) = app
        .get(&admin, &format!("/api/leads/{}/", records[2].2))
        .await;
    let lead_comment = id_of(&lead_thread["comments"][0]);
    let (status, _) = app
        .put(
            &admin,
            &format!("/api/invoices/comments/{lead_comment}/"),
            json!({"comment": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Deleting a record takes its thread and files (invoices are not deleted here).
    for (path, kind, id) in &records[1..records.len() - 1] {
        let (status, _) = app.delete(&admin, &format!("/api/{path}/{id}/")).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{path}");
        files -= 1;
        assert_eq!(app.file_count().await, files, "{path}");
        let (kind, id) = (kind.to_string(), Uuid::parse_str(id).unwrap());
        let left = app
            .db(move |db| {
                db.one(
                    "SELECT (SELECT count(*) FROM comments WHERE record_kind = $1 AND record_id = $2)
                          + (SELECT count(*) FROM attachments WHERE record_kind = $1 AND record_id = $2)",
                    &[&kind, &id],
                    |r| r.i64(0),
                )
            })
            .await;
        assert_eq!(left, 0, "{path}");
    }
    let (status, _) = app
        .delete(&admin, &format!("/api/invoices/{}/", records[6].2))
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

both_engines!(case_internal_notes_stay_apart);
async fn case_internal_notes_stay_apart() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let case = id_of(
        &app.create(
            &admin,
            "cases",
            json!({"name": "Noisy", "status": "New", "priority": "High"}),
        )
        .await,
    );
    let path = format!("/api/cases/{case}/");
    let (status, out) = app
        .post(&admin, &path, json!({"comment": "seen by the customer"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    assert_eq!(out["comment"]["is_internal"], json!(false));
    let (status, out) = app
        .post(
            &admin,
            &path,
            json!({"comment": "between us", "is_internal": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    assert_eq!(out["comment"]["is_internal"], json!(true));
    let (status, out) = app
        .post(
            &admin,
            &path,
            json!({"comment": "another", "is_internal": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    let (_, detail) = app.get(&admin, &path).await;
    assert_eq!(
        pluck(&detail["comments"], "comment"),
        ["seen by the customer"]
    );
    assert_eq!(
        pluck(&detail["internal_notes"], "comment"),
        ["between us", "another"]
    );
    // Elsewhere the flag means nothing: a lead has no internal notes.
    let lead = id_of(&app.create(&admin, "leads", json!({"title": "L"})).await);
    let (status, out) = app
        .post(
            &admin,
            &format!("/api/leads/{lead}/"),
            json!({"comment": "plain", "is_internal": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    assert_eq!(out["comment"].get("is_internal"), None, "{out}");
    let (_, detail) = app.get(&admin, &format!("/api/leads/{lead}/")).await;
    assert_eq!(pluck(&detail["comments"], "comment"), ["plain"]);
    assert_eq!(detail.get("internal_notes"), None);
}

both_engines!(account_detail_lists_and_delete_cascade);
async fn account_detail_lists_and_delete_cascade() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    let account = id_of(
        &app.account(&admin, "Parent Co", json!({"assigned_to": [user.id]}))
            .await,
    );
    let mine = json!([user.id]);
    let mut made: Vec<(&str, String, bool)> = Vec::new();
    for (path, body) in [
        ("opportunities", json!({"name": "Deal A"})),
        ("opportunities", json!({"name": "Deal B"})),
        (
            "cases",
            json!({"name": "Case A", "status": "New", "priority": "Low"}),
        ),
        (
            "cases",
            json!({"name": "Case B", "status": "New", "priority": "Low"}),
        ),
        (
            "tasks",
            json!({"title": "Task A", "status": "New", "priority": "Low"}),
        ),
        (
            "tasks",
            json!({"title": "Task B", "status": "New", "priority": "Low"}),
        ),
    ] {
        for visible in [true, false] {
            let mut body = body.clone();
            body["account"] = json!(account);
            if visible {
                body["assigned_to"] = mine.clone();
            }
            let name = body
                .get("name")
                .or(body.get("title"))
                .unwrap()
                .as_str()
                .unwrap();
            body[if path == "tasks" { "title" } else { "name" }] =
                json!(format!("{name} {visible}"));
            let rec = app.create(&admin, path, body).await;
            assert_eq!(rec["account"]["id"], json!(account), "{rec}");
            assert_eq!(rec["account"]["name"], "Parent Co", "{rec}");
            made.push((path, id_of(&rec), visible));
        }
    }
    let contact = app
        .create(
            &admin,
            "contacts",
            json!({"first_name": "Cora", "last_name": "Linked", "account": account}),
        )
        .await;
    let contact = id_of(&contact);
    let mut invoices = Vec::new();
    for visible in [true, false] {
        invoices.push(
            app.invoice(
                &admin,
                NewInvoice {
                    account: Some(Uuid::parse_str(&account).unwrap()),
                    assigned_to: if visible { vec![user.id] } else { vec![] },
                    ..NewInvoice::default()
                },
            )
            .await,
        );
    }
    // Another account's records stay out of this one's lists.
    let elsewhere = id_of(&app.account(&admin, "Elsewhere", json!({})).await);
    app.create(
        &admin,
        "opportunities",
        json!({"name": "Far", "account": elsewhere}),
    )
    .await;

    let path = format!("/api/accounts/{account}/");
    for (who, all) in [(&admin, true), (&user, false)] {
        let (status, detail) = app.get(who, &path).await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        for key in ["opportunities", "cases", "tasks"] {
            // Newest first.
            let want: Vec<String> = made
                .iter()
                .rev()
                .filter(|(p, _, v)| *p == key && (all || *v))
                .map(|(_, id, _)| id.clone())
                .collect();
            assert_eq!(pluck(&detail[key], "id"), want, "{key} for {}", who.email);
        }
        let want: Vec<String> = invoices
            .iter()
            .rev()
            .enumerate()
            .filter(|(i, _)| all || *i == 1)
            .map(|(_, id)| id.clone())
            .collect();
        assert_eq!(
            pluck(&detail["invoices"], "id"),
            want,
            "invoices for {}",
            who.email
        );
        // The account's contacts: its assignee sees them too.
        assert_eq!(pluck(&detail["contacts"], "id"), vec![contact.clone()]);
    }

    // The user is no creator: 403; then 409 while invoices name it, and nothing goes.
    let (status, _) = app.delete(&user, &path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app.delete(&admin, &path).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_message_error(&body);
    assert_eq!(app.count("SELECT count(*) FROM opportunities").await, 5);
    assert_eq!(app.count("SELECT count(*) FROM cases").await, 4);
    let (status, _) = app.get(&admin, &path).await;
    assert_eq!(status, StatusCode::OK);

    // Without invoices it goes, with its deals and cases (and their threads); contacts and
    // tasks stay, unlinked.
    let (status, _) = app
        .post(
            &admin,
            &format!("/api/opportunities/{}/", made[0].1),
            json!({"comment": "c"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    app.db(|db| db.exec("DELETE FROM invoices", &[])).await;
    let (status, body) = app.delete(&admin, &path).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    for (p, id, _) in &made {
        let (status, body) = app.get(&admin, &format!("/api/{p}/{id}/")).await;
        if *p == "tasks" {
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(body["task_obj"]["account"], Value::Null, "{body}");
        } else {
            assert_eq!(status, StatusCode::NOT_FOUND, "{p} {id}");
        }
    }
    assert_eq!(app.count("SELECT count(*) FROM opportunities").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM comments").await, 0);
    let (status, body) = app.get(&admin, &format!("/api/contacts/{contact}/")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["contact_obj"]["account"], Value::Null, "{body}");
    assert_eq!(body["contact_obj"]["account_detail"], Value::Null, "{body}");
    assert_eq!(body["contact_obj"]["linked_accounts"], json!([]), "{body}");
}

both_engines!(dashboard_counts_under_role_rules);
async fn dashboard_counts_under_role_rules() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    let other = app.admin("Other", "other@other.test").await;
    let mine = json!([user.id]);

    app.account(&admin, "Open A", json!({})).await;
    app.account(&admin, "Closed A", json!({"status": "closed"}))
        .await;
    app.account(&user, "Open U", json!({})).await;
    app.account(&other, "Theirs", json!({})).await;
    app.create(
        &admin,
        "contacts",
        json!({"first_name": "A", "last_name": "A"}),
    )
    .await;
    app.create(
        &user,
        "contacts",
        json!({"first_name": "U", "last_name": "U"}),
    )
    .await;
    for (body, users) in [
        (
            json!({"title": "hot assigned", "rating": "HOT", "status": "assigned"}),
            true,
        ),
        (
            json!({"title": "hot in process", "rating": "HOT", "status": "in process",
                   "next_follow_up": day(0)}),
            false,
        ),
        (
            json!({"title": "hot recycled", "rating": "HOT", "status": "recycled"}),
            false,
        ),
        (
            json!({"title": "warm", "rating": "WARM", "status": "assigned", "next_follow_up": day(0)}),
            true,
        ),
        (
            json!({"title": "closed", "status": "closed", "next_follow_up": day(0)}),
            false,
        ),
        (
            json!({"title": "follow up later", "next_follow_up": day(1)}),
            false,
        ),
    ] {
        let mut body = body;
        if users {
            body["assigned_to"] = mine.clone();
        }
        app.create(&admin, "leads", body).await;
    }
    let converted = id_of(
        &app.create(&admin, "leads", json!({"title": "converted"}))
            .await,
    );
    let converted = Uuid::parse_str(&converted).unwrap();
    app.db(move |db| {
        db.exec(
            "UPDATE leads SET status = 'converted' WHERE id = $1",
            &[&converted],
        )
    })
    .await;
    for (name, stage, amount, currency, users) in [
        ("P1", "PROSPECTING", "100.00", "USD", true),
        ("P2", "PROSPECTING", "50.00", "EUR", false),
        ("P3", "PROSPECTING", "25.50", "USD", false),
        ("W1", "CLOSED_WON", "300.00", "USD", true),
        ("N1", "NEGOTIATION", "10.00", "USD", false),
    ] {
        let mut body =
            json!({"name": name, "stage": stage, "amount": amount, "currency": currency});
        if users {
            body["assigned_to"] = mine.clone();
        }
        app.create(&admin, "opportunities", body).await;
    }
    for (title, status, due, users) in [
        ("overdue", "New", Some(day(-1)), true),
        ("overdue done", "Completed", Some(day(-2)), true),
        ("today", "In Progress", Some(day(0)), false),
        ("today too", "New", Some(day(0)), true),
        ("later", "New", Some(day(3)), false),
        ("undated", "New", None, false),
    ] {
        let mut body =
            json!({"title": title, "status": status, "priority": "Low", "due_date": due});
        if users {
            body["assigned_to"] = mine.clone();
        }
        app.create(&admin, "tasks", body).await;
    }

    let (status, d) = app.get(&admin, "/api/dashboard/").await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["accounts_count"], 2, "{d}");
    assert_eq!(d["contacts_count"], 2);
    assert_eq!(d["leads_count"], 5, "{d}");
    assert_eq!(d["opportunities_count"], 5);
    assert_eq!(
        d["urgent_counts"],
        json!({"overdue_tasks": 1, "tasks_due_today": 2, "followups_today": 2, "hot_leads": 2})
    );
    let p = &d["pipeline_by_stage"];
    assert_eq!(
        p["PROSPECTING"],
        json!({"count": 3, "value": "125.50", "label": "Prospecting", "kind": "open", "order": 0})
    );
    assert_eq!(
        p["CLOSED_WON"],
        json!({"count": 1, "value": "300.00", "label": "Closed Won", "kind": "won", "order": 4})
    );
    assert_eq!(
        p["CLOSED_LOST"],
        json!({"count": 0, "value": "0.00", "label": "Closed Lost", "kind": "lost", "order": 5})
    );
    assert_eq!(p["NEGOTIATION"]["count"], 1);
    assert_eq!(p.as_object().unwrap().len(), 6);

    let (status, d) = app.get(&user, "/api/dashboard/").await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["accounts_count"], 1, "{d}");
    assert_eq!(d["contacts_count"], 1);
    assert_eq!(d["leads_count"], 2, "{d}");
    assert_eq!(d["opportunities_count"], 2);
    assert_eq!(
        d["urgent_counts"],
        json!({"overdue_tasks": 1, "tasks_due_today": 1, "followups_today": 1, "hot_leads": 1})
    );
    assert_eq!(d["pipeline_by_stage"]["PROSPECTING"]["value"], "100.00");
    assert_eq!(d["pipeline_by_stage"]["CLOSED_WON"]["count"], 1);

    let (status, d) = app.get(&other, "/api/dashboard/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(d["accounts_count"], 1);
    assert_eq!(d["leads_count"], 0);
    assert_eq!(d["pipeline_by_stage"]["PROSPECTING"]["count"], 0);
    let (status, body) = send(app.raw(Method::GET, "/api/dashboard/")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_message_error(&body);
}

// Contract points that live outside the record modules (accounts and threads); each fails
// until its code follows the contract.

both_engines!(account_detail_contacts_follow_role_rules);
async fn account_detail_contacts_follow_role_rules() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    // A USER who made an account but is not its assignee sees only the contacts they may open.
    let own = id_of(&app.account(&user, "Own Co", json!({})).await);
    let hidden = app
        .create(
            &admin,
            "contacts",
            json!({"first_name": "Hid", "last_name": "Den", "account": own}),
        )
        .await;
    let shown = app
        .create(
            &admin,
            "contacts",
            json!({"first_name": "Sho", "last_name": "Wn", "account": own,
                   "assigned_to": [user.id]}),
        )
        .await;
    let (_, detail) = app.get(&admin, &format!("/api/accounts/{own}/")).await;
    assert_eq!(
        pluck(&detail["contacts"], "id"),
        [id_of(&hidden), id_of(&shown)]
    );
    let (_, detail) = app.get(&user, &format!("/api/accounts/{own}/")).await;
    assert_eq!(
        pluck(&detail["contacts"], "id"),
        [id_of(&shown)],
        "{detail}"
    );
}

both_engines!(account_comment_takes_patch);
async fn account_comment_takes_patch() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let account = id_of(&app.account(&admin, "Patched", json!({})).await);
    let (_, added) = app
        .post(
            &admin,
            &format!("/api/accounts/{account}/"),
            json!({"comment": "a"}),
        )
        .await;
    let cid = id_of(&added["comment"]);
    let (status, out) = app
        .patch(
            &admin,
            &format!("/api/accounts/comment/{cid}/"),
            json!({"comment": "b"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["comment"], "b");
}

both_engines!(case_internal_note_from_a_form);
async fn case_internal_note_from_a_form() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let case = id_of(
        &app.create(
            &admin,
            "cases",
            json!({"name": "Form", "status": "New", "priority": "Low"}),
        )
        .await,
    );
    let path = format!("/api/cases/{case}/");
    let form = Form::new()
        .text("comment", "form note")
        .text("is_internal", "true");
    let (status, out) = send(app.req(&admin, Method::POST, &path).multipart(form)).await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    assert_eq!(out["comment"]["is_internal"], json!(true), "{out}");
    let (_, detail) = app.get(&admin, &path).await;
    assert_eq!(pluck(&detail["internal_notes"], "comment"), ["form note"]);
}

both_engines!(multipart_create_on_every_kind);
async fn multipart_create_on_every_kind() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    let mut files = 0;
    for k in KINDS {
        // Lists as JSON-encoded arrays or comma-separated, booleans and numbers as text, and
        // the first attachment under 1.x's field name.
        let mut form = Form::new()
            .text("assigned_to", format!("[\"{}\"]", user.id))
            .text("tags", "one, two")
            .text("description", "from a form")
            .part(
                format!("{}_attachment", k.name),
                Part::bytes(b"form file".to_vec()).file_name("form.txt"),
            );
        for (key, value) in (k.body)("Form made").as_object().unwrap() {
            form = form.text(key.clone(), value.as_str().unwrap().to_string());
        }
        let extra: &[(&str, &str)] = match k.name {
            "contact" => &[("do_not_call", "true"), ("is_active", "false")],
            "lead" => &[("probability", "40"), ("opportunity_amount", "12.5")],
            "opportunity" => &[("amount", "99.90"), ("probability", "35")],
            "task" => &[("due_date", "2030-01-02")],
            _ => &[("case_type", "Problem")],
        };
        for (key, value) in extra {
            form = form.text(*key, *value);
        }
        let (status, rec) = send(
            app.req(&admin, Method::POST, &format!("/api/{}/", k.path))
                .multipart(form),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {rec}", k.path);
        files += 1;
        assert_eq!(rec["assigned_to"], json!([user.id]), "{rec}");
        assert_eq!(rec["tags"], json!(["one", "two"]), "{rec}");
        assert_eq!(rec["description"], "from a form");
        let want = match k.name {
            "contact" => json!({"do_not_call": true, "is_active": false}),
            "lead" => json!({"probability": 40, "opportunity_amount": "12.50"}),
            "opportunity" => json!({"amount": "99.90", "probability": 35}),
            "task" => json!({"due_date": "2030-01-02"}),
            _ => json!({"case_type": "Problem"}),
        };
        for (key, value) in want.as_object().unwrap() {
            assert_eq!(&rec[key], value, "{key}: {rec}");
        }
        let (_, detail) = app
            .get(&user, &format!("/api/{}/{}/", k.path, id_of(&rec)))
            .await;
        assert_eq!(pluck(&detail["attachments"], "file_name"), ["form.txt"]);
        assert_eq!(app.file_count().await, files, "{}", k.path);

        // An update by form changes what it names and adds its file.
        let form = Form::new()
            .text("description", "changed by form")
            .text("tags", "[\"three\"]")
            .part(
                "attachment",
                Part::bytes(b"second".to_vec()).file_name("second.txt"),
            );
        let path = format!("/api/{}/{}/", k.path, id_of(&rec));
        let (status, out) = send(app.req(&admin, Method::PUT, &path).multipart(form)).await;
        assert_eq!(status, StatusCode::OK, "{}: {out}", k.path);
        files += 1;
        assert_eq!(out["description"], "changed by form");
        assert_eq!(out["tags"], json!(["three"]));
        assert_eq!(out["assigned_to"], json!([user.id]), "kept: {out}");
        let (_, detail) = app.get(&admin, &path).await;
        assert_eq!(
            pluck(&detail["attachments"], "file_name"),
            ["form.txt", "second.txt"]
        );
        assert_eq!(app.file_count().await, files, "{}", k.path);

        // A refused multipart create keeps neither the record nor the file.
        let form = Form::new().text("assigned_to", "[\"nope\"]").part(
            "attachment",
            Part::bytes(vec![1u8; 64]).file_name("lost.bin"),
        );
        let mut form = form;
        for (key, value) in (k.body)("Refused").as_object().unwrap() {
            form = form.text(key.clone(), value.as_str().unwrap().to_string());
        }
        let (status, out) = send(
            app.req(&admin, Method::POST, &format!("/api/{}/", k.path))
                .multipart(form),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
        assert_field_error(&out, "assigned_to");
        assert_eq!(app.file_count().await, files, "{}", k.path);
        let page = list(&app, &admin, k, "").await;
        assert_eq!(at(&page, k.count), &json!(1), "{}", k.path);
    }
}

both_engines!(odd_values_in_every_field_never_fail_the_server);
async fn odd_values_in_every_field_never_fail_the_server() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let odd = [
        json!(1),
        json!(-1),
        json!(1.5),
        json!(1e308),
        json!(i64::MIN),
        json!(true),
        json!([]),
        json!(["x"]),
        json!({}),
        json!({"id": "x"}),
        json!("x".repeat(20_000)),
        json!("nul \u{0} inside"),
        json!("bell \u{7}"),
        json!("💥 ünïcødé"),
        json!(""),
        json!("  "),
        json!("2024-02-30"),
        json!("99999999999999999999"),
        json!("1e3"),
        json!(null),
    ];
    for k in KINDS {
        let kind = crmtui::model::kinds::KINDS
            .iter()
            .find(|d| d.path == k.path)
            .unwrap();
        let rec = app.create(&admin, k.path, (k.body)("target")).await;
        let path = format!("/api/{}/{}/", k.path, id_of(&rec));
        let keys: Vec<&str> = kind
            .fields
            .iter()
            .map(|f| f.name)
            .chain(["assigned_to", "teams", "contacts", "tags"])
            .collect();
        for key in keys {
            for value in &odd {
                let mut body = (k.body)("odd");
                body[key] = value.clone();
                let short = value.to_string().chars().take(40).collect::<String>();
                let (status, out) = app.post(&admin, &format!("/api/{}/", k.path), body).await;
                assert!(
                    status == StatusCode::CREATED || status == StatusCode::BAD_REQUEST,
                    "POST {} {key}={short}: {status} {out}",
                    k.path
                );
                if status == StatusCode::BAD_REQUEST {
                    assert_eq!(out["error"], json!(true), "{out}");
                    assert!(out["errors"].is_object(), "{key}={short}: {out}");
                } else {
                    let (status, _) = app
                        .delete(&admin, &format!("/api/{}/{}/", k.path, id_of(&out)))
                        .await;
                    assert_eq!(status, StatusCode::NO_CONTENT);
                }
                let (status, out) = app.patch(&admin, &path, json!({key: value})).await;
                assert!(
                    status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
                    "PATCH {} {key}={short}: {status} {out}",
                    k.path
                );
            }
        }
        // And in every filter (invoices' too).
        for param in kind
            .list_params()
            .into_iter()
            .chain(["ordering".to_string(), "sort".to_string()])
        {
            for value in ["x", "%00", "%FF", "-1", "1e99", "2024-02-30", ",", "%2C%2C"] {
                let (status, out) = app
                    .get(&admin, &format!("/api/{}/?{param}={value}", k.path))
                    .await;
                assert!(
                    status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
                    "{}?{param}={value}: {status} {out}",
                    k.path
                );
            }
        }
    }
    app.invoice(&admin, NewInvoice::default()).await;
    for param in crmtui::model::kinds::INVOICE
        .list_params()
        .into_iter()
        .chain(["sort".to_string()])
    {
        for value in ["x", "%00", "-1", "2024-02-30", ",", "-"] {
            let (status, out) = app
                .get(&admin, &format!("/api/invoices/?{param}={value}"))
                .await;
            assert!(
                status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
                "invoices?{param}={value}: {status} {out}"
            );
        }
    }
    for body in [
        json!({"amount": 1e308}),
        json!({"amount": "99999999999999999"}),
        json!([]),
    ] {
        let id = app.invoice(&admin, NewInvoice::default()).await;
        let (status, out) = app
            .post(&admin, &format!("/api/invoices/{id}/mark-paid/"), body)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    }
}
