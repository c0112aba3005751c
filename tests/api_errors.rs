//! Errors and the rest: the envelope for every failure, body limits, hostile input (never a
//! 5xx), storage properties, the schema, and the contacts/users/teams endpoints.

mod common;

use common::*;
use crmtui::model::Role;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

both_engines!(malformed_and_mistyped_bodies_name_the_field);
async fn malformed_and_mistyped_bodies_name_the_field() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    let acc = id_of(&app.account(&admin, "Existing", json!({})).await);
    let (_, added) = app
        .post(
            &admin,
            &format!("/api/accounts/{acc}/"),
            json!({"comment": "c"}),
        )
        .await;
    let comment = id_of(&added["comment"]);

    // Malformed JSON and non-objects: `body`.
    let targets = [
        (Method::POST, "/api/accounts/".to_string()),
        (Method::PUT, format!("/api/accounts/{acc}/")),
        (Method::PATCH, format!("/api/accounts/{acc}/")),
        (Method::POST, format!("/api/accounts/{acc}/")),
        (Method::POST, format!("/api/accounts/{acc}/create_mail/")),
        (Method::PUT, format!("/api/accounts/comment/{comment}/")),
        (Method::POST, "/api/contacts/".to_string()),
        (Method::POST, "/api/teams/".to_string()),
        (Method::POST, "/api/auth/login/".to_string()),
        (Method::POST, "/api/auth/refresh-token/".to_string()),
    ];
    for raw in [
        r#"{"name": "x""#,
        "{name: 'x'}",
        "not json",
        "[1,2]",
        "\"a string\"",
        "null",
        "42",
        "{\"a\":1}}",
    ] {
        for (method, path) in &targets {
            let (status, body) = send(
                app.req(&admin, method.clone(), path)
                    .header("content-type", "application/json")
                    .body(raw.to_string()),
            )
            .await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{method} {path} {raw:?}: {body}"
            );
            assert_field_error(&body, "body");
            assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
        }
    }

    // Wrong types and bad values: the field is named.
    let cases: Vec<(Value, &str)> = vec![
        (json!({"name": 123}), "name"),
        (json!({"name": ["A"]}), "name"),
        (json!({"name": {"x": 1}}), "name"),
        (json!({"name": "Ok", "email": 5}), "email"),
        (json!({"name": "Ok", "email": "not-an-email"}), "email"),
        (json!({"name": "Ok", "email": "a@b"}), "email"),
        (json!({"name": "Ok", "website": "acme.com"}), "website"),
        (
            json!({"name": "Ok", "website": "ftp://acme.com"}),
            "website",
        ),
        (
            json!({"name": "Ok", "website": "javascript:alert(1)"}),
            "website",
        ),
        (json!({"name": "Ok", "status": "archived"}), "status"),
        (json!({"name": "Ok", "status": "OPEN"}), "status"),
        (json!({"name": "Ok", "status": 1}), "status"),
        (json!({"name": "Ok", "tags": "enterprise"}), "tags"),
        (json!({"name": "Ok", "tags": [1, 2]}), "tags"),
        (json!({"name": "Ok", "tags": ["x".repeat(51)]}), "tags"),
        (
            json!({"name": "Ok", "assigned_to": "someone"}),
            "assigned_to",
        ),
        (
            json!({"name": "Ok", "assigned_to": ["not-a-uuid"]}),
            "assigned_to",
        ),
        (json!({"name": "Ok", "teams": [null]}), "teams"),
        (json!({"name": "Ok", "contacts": {"id": 1}}), "contacts"),
        (json!({"name": "Ok", "billing_city": false}), "billing_city"),
        (json!({"name": "Ok", "phone": "1".repeat(65)}), "phone"),
        (
            json!({"name": "Ok", "billing_postcode": "9".repeat(256)}),
            "billing_postcode",
        ),
        (json!({}), "name"),
        (json!({"name": ""}), "name"),
        (json!({"name": "   "}), "name"),
        (json!({"name": null}), "name"),
        (json!({"name": "N".repeat(256)}), "name"),
        (json!({"email": "info@x.com"}), "name"),
    ];
    for (body, field) in &cases {
        let (status, out) = app.post(&admin, "/api/accounts/", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "create {body}: {out}");
        assert_field_error(&out, field);
        // The same on update (except a missing name, which an update may omit).
        if body.get("name").is_some_and(|n| n == "Ok") {
            let mut upd = body.clone();
            upd.as_object_mut().unwrap().remove("name");
            let (status, out) = app
                .put(&admin, &format!("/api/accounts/{acc}/"), upd.clone())
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "update {upd}: {out}");
            assert_field_error(&out, field);
        }
    }
    // Several problems at once: each is named.
    let (status, out) = app
        .post(
            &admin,
            "/api/accounts/",
            json!({"name": "", "email": "x", "website": "y"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for f in ["name", "email", "website"] {
        assert_field_error(&out, f);
    }
    // Unknown keys are ignored; nothing above was stored.
    let (status, _) = app
        .post(
            &admin,
            "/api/accounts/",
            json!({"name": "Fine", "bogus": [1, {"x": null}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(app.list(&admin, "").await["accounts_count"], 2);
    // Clearing the name on update is refused too.
    let (status, out) = app
        .put(
            &admin,
            &format!("/api/accounts/{acc}/"),
            json!({"name": null}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_field_error(&out, "name");
    // A missing key that the type requires names that key (not `body`).
    let (status, out) = send(
        app.raw(Method::POST, "/api/auth/login/")
            .json(&json!({"email": "a@org.test"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_field_error(&out, "password");
    let (status, out) = send(
        app.raw(Method::POST, "/api/auth/refresh-token/")
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_field_error(&out, "refresh");
}

both_engines!(bodies_and_uploads_over_the_limit_are_413);
async fn bodies_and_uploads_over_the_limit_are_413() {
    let app = TestApp::with(|s| s.max_body = 8 * 1024).await;
    let admin = app.admin("Org", "a@org.test").await;
    let acc = id_of(&app.account(&admin, "Limits", json!({})).await);

    let big = "x".repeat(20 * 1024);
    for (method, path, body) in [
        (
            Method::POST,
            "/api/accounts/".to_string(),
            json!({"name": "Big", "description": big}),
        ),
        (
            Method::PUT,
            format!("/api/accounts/{acc}/"),
            json!({"description": big}),
        ),
        (
            Method::POST,
            format!("/api/accounts/{acc}/"),
            json!({"comment": big}),
        ),
        (
            Method::POST,
            "/api/contacts/".to_string(),
            json!({"first_name": big}),
        ),
        (
            Method::POST,
            "/api/auth/login/".to_string(),
            json!({"email": big, "password": big}),
        ),
    ] {
        let (status, out) = send(app.req(&admin, method.clone(), &path).json(&body)).await;
        assert_eq!(
            status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{method} {path}: {out}"
        );
        assert_message_error(&out);
    }

    // Uploads over the limit: 413 JSON, and nothing stays on disk or in the tables.
    let file = vec![0xABu8; 64 * 1024];
    for (path, field) in [
        (format!("/api/accounts/{acc}/"), "attachment"),
        (format!("/api/accounts/{acc}/"), "account_attachment"),
        ("/api/accounts/".to_string(), "attachment"),
    ] {
        let form = Form::new()
            .text("name", "Upload Co")
            .text("comment", "with a big file")
            .part(field, Part::bytes(file.clone()).file_name("big.bin"));
        let (status, out) = send(app.req(&admin, Method::POST, &path).multipart(form)).await;
        assert_eq!(
            status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{path} {field}: {out}"
        );
        assert_message_error(&out);
        assert_eq!(
            app.file_count().await,
            0,
            "{path}: a partial upload stayed on disk"
        );
    }
    let (_, d) = app.get(&admin, &format!("/api/accounts/{acc}/")).await;
    assert_eq!(d["comments"], json!([]));
    assert_eq!(d["attachments"], json!([]));
    assert_eq!(app.list(&admin, "").await["accounts_count"], 1);

    // Under the limit, both work.
    let form = Form::new().part(
        "attachment",
        Part::bytes(vec![1u8; 2048]).file_name("small.bin"),
    );
    let (status, out) = send(
        app.req(&admin, Method::POST, &format!("/api/accounts/{acc}/"))
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    assert_eq!(out["attachment"]["size"], 2048);
    assert_eq!(app.file_count().await, 1);
}

both_engines!(unknown_routes_wrong_methods_and_bad_ids_answer_json);
async fn unknown_routes_wrong_methods_and_bad_ids_answer_json() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    for path in [
        "/api/nope/",
        "/api/accounts/x/y/z/",
        "/",
        "/api/projects/",
        "/api/accounts/comment/",
    ] {
        let (status, body) = app.get(&admin, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_message_error(&body);
    }
    for (method, path) in [
        (Method::DELETE, "/api/accounts/".to_string()),
        (Method::PUT, "/api/accounts/".to_string()),
        (
            Method::GET,
            format!("/api/accounts/{}/create_mail/", Uuid::new_v4()),
        ),
        (
            Method::GET,
            format!("/api/accounts/comment/{}/", Uuid::new_v4()),
        ),
        (
            Method::POST,
            format!("/api/accounts/attachment/{}/", Uuid::new_v4()),
        ),
        (Method::GET, "/api/auth/login/".to_string()),
        (Method::DELETE, "/api/teams/".to_string()),
        (Method::POST, "/healthz/".to_string()),
    ] {
        let res = app.req(&admin, method.clone(), &path).send().await.unwrap();
        assert_eq!(
            res.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert!(
            res.headers().contains_key("allow"),
            "{method} {path}: no Allow header"
        );
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let body: Value = res.json().await.unwrap();
        assert_message_error(&body);
    }
    // Path ids that are not UUIDs name no record: 404, never 400 or 500.
    for bad in [
        "not-a-uuid",
        "123",
        "00000000-0000-0000-0000-00000000000g",
        "%20",
        "%FF",
        "%C3%28",
        "null",
        &"a".repeat(300),
    ] {
        for (method, path) in [
            (Method::GET, format!("/api/accounts/{bad}/")),
            (Method::PUT, format!("/api/accounts/{bad}/")),
            (Method::DELETE, format!("/api/accounts/{bad}/")),
            (Method::POST, format!("/api/accounts/{bad}/")),
            (Method::POST, format!("/api/accounts/{bad}/create_mail/")),
            (Method::PUT, format!("/api/accounts/comment/{bad}/")),
            (Method::DELETE, format!("/api/accounts/comment/{bad}/")),
            (Method::GET, format!("/api/accounts/attachment/{bad}/")),
            (Method::DELETE, format!("/api/accounts/attachment/{bad}/")),
            (Method::GET, format!("/api/contacts/{bad}/")),
            (Method::DELETE, format!("/api/contacts/{bad}/")),
        ] {
            let (status, body) = send(
                app.req(&admin, method.clone(), &path)
                    .json(&json!({"comment": "x", "name": "y"})),
            )
            .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
            assert_message_error(&body);
        }
    }
    // Well-formed ids of nothing: 404 as well.
    let nil = Uuid::nil();
    for path in [
        format!("/api/accounts/{nil}/"),
        format!("/api/accounts/attachment/{}/", Uuid::new_v4()),
    ] {
        let (status, _) = app.get(&admin, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}

both_engines!(nasty_input_never_gets_a_5xx);
async fn nasty_input_never_gets_a_5xx() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    let acc = id_of(
        &app.account(&admin, "Target", json!({"billing_city": "Berlin"}))
            .await,
    );
    let (_, added) = app
        .post(
            &admin,
            &format!("/api/accounts/{acc}/"),
            json!({"comment": "c"}),
        )
        .await;
    let comment = id_of(&added["comment"]);
    let long = "ü".repeat(100_000);
    let values: Vec<Value> = vec![
        Value::Null,
        json!(true),
        json!(1e308),
        json!(-1),
        json!(18446744073709551615u64),
        json!(123456789012345678901234567890.0),
        json!([]),
        json!([null, 1, "x", {"a": []}]),
        json!({"nested": {"deep": [[[[]]]]}}),
        json!(""),
        json!("\u{0000}\u{0001}\u{001b}[31m\u{007f}"),
        json!("\u{202e}right-to-left\u{200b}"),
        json!("😀👨‍👩‍👧‍👦 𝔘𝔫𝔦𝔠𝔬𝔡𝔢"),
        json!("'; DROP TABLE accounts; --"),
        json!("\" OR 1=1 --"),
        json!("name : \"x\" OR NEAR(a b)"),
        json!("%_\\"),
        json!(long),
        json!("2023-13-45T99:99:99Z"),
        json!("00000000-0000-0000-0000-000000000000"),
    ];
    let keys = [
        "name",
        "email",
        "website",
        "status",
        "tags",
        "assigned_to",
        "teams",
        "contacts",
        "comment",
        "recipients",
        "subject",
        "html",
        "scheduled_later",
        "scheduled_date_time",
        "from_account",
        "first_name",
        "users",
        "description",
        "billing_city",
        "refresh",
        "password",
    ];
    let targets = [
        (Method::POST, "/api/accounts/".to_string()),
        (Method::PUT, format!("/api/accounts/{acc}/")),
        (Method::POST, format!("/api/accounts/{acc}/")),
        (Method::POST, format!("/api/accounts/{acc}/create_mail/")),
        (Method::PUT, format!("/api/accounts/comment/{comment}/")),
        (Method::POST, "/api/contacts/".to_string()),
        (Method::POST, "/api/teams/".to_string()),
        (Method::POST, "/api/auth/login/".to_string()),
        (Method::POST, "/api/auth/refresh-token/".to_string()),
    ];
    let deep_array = "[".repeat(200_000);
    let deep_object = "{\"a\":".repeat(100_000);
    let mut failures = Vec::new();
    let mut check = |what: String, status: StatusCode, body: &Value| {
        if status.is_server_error() {
            failures.push(format!("{what} → {status}: {body}"));
        } else if status.is_client_error() && body["error"] != json!(true) {
            failures.push(format!("{what} → {status} without the envelope: {body}"));
        }
    };
    for (method, path) in &targets {
        for key in keys {
            for value in &values {
                // Keep the name unique and present, so that the other key is what is tested.
                let mut body = json!({"name": format!("N{}", Uuid::new_v4()), "first_name": "F", "comment": "c"});
                body[key] = value.clone();
                let (status, out) = send(app.req(&admin, method.clone(), path).json(&body)).await;
                let shown: String = body.to_string().chars().take(120).collect();
                check(format!("{method} {path} {shown}"), status, &out);
            }
        }
        // Empty bodies, with and without a JSON content type, and odd content types.
        for (ctype, raw) in [
            (Some("application/json"), ""),
            (None, ""),
            (Some("application/json"), "   "),
            (Some("text/plain"), "hello"),
            (
                Some("application/x-www-form-urlencoded"),
                "name=Form+Co&tags=a,b&assigned_to=zzz",
            ),
            (Some("application/x-www-form-urlencoded"), "%%%%=%%"),
            (Some("multipart/form-data"), "no boundary"),
            (Some("multipart/form-data; boundary=XYZ"), "--XYZ\r\nbroken"),
            (Some("application/json"), "\u{feff}{}"),
            (Some("application/json"), "{\"name\": \"\\ud800\"}"),
            (Some("application/json"), deep_array.as_str()),
            (Some("application/json"), deep_object.as_str()),
        ] {
            let mut req = app.req(&admin, method.clone(), path).body(raw.to_string());
            if let Some(c) = ctype {
                req = req.header("content-type", c);
            }
            let (status, out) = send(req).await;
            check(format!("{method} {path} [{ctype:?}] {raw:?}"), status, &out);
        }
    }
    // Query strings of every filter, on both paths (short and trigram).
    for q in [
        "name=%00",
        "name=%00abc",
        "name=abc%00",
        "city=%00%00%00",
        "industry=a%00b",
        "name=%22",
        "name=%22%22%22",
        "name=%22abc",
        "name=abc%22%20OR%20%22x",
        "name=*",
        "name=abc*",
        "name=NEAR(abc)",
        "name=a:b",
        "name=%5E",
        "name=(((",
        "name=%FF%FE",
        "name=%C3",
        "tags=%00",
        "tags=,,,",
        "name=%25%25%25",
        "name=___",
        "limit=1e3",
        "limit=0x10",
        "limit=+5",
        "offset=%00",
        "status=%00",
        "limit=5&limit=-5",
        "name=a&name=",
        "name=\u{1F600}\u{1F600}\u{1F600}",
        &format!("name={}", "abc".repeat(3000)),
        "%ZZ=1",
        "&&&==&",
    ] {
        let (status, out) = app.get(&admin, &format!("/api/accounts/?{q}")).await;
        check(format!("GET /api/accounts/?{q}"), status, &out);
        let (status, out) = app.get(&admin, &format!("/api/contacts/?{q}")).await;
        check(format!("GET /api/contacts/?{q}"), status, &out);
    }
    // Odd headers.
    for (h, v) in [
        ("organization-id", "\u{7f}"),
        ("org", " "),
        ("organization-id", &"f".repeat(10_000)),
    ] {
        let req = app
            .raw(Method::GET, "/api/accounts/")
            .bearer_auth(&admin.token)
            .header(h, v);
        if let Ok(res) = req.send().await {
            let status = res.status();
            let body = res.json::<Value>().await.unwrap_or(Value::Null);
            check(format!("header {h}"), status, &body);
        }
    }
    assert!(
        failures.is_empty(),
        "{} bad answers:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Control characters in a filter are refused by name (a NUL used to reach the trigram
    // index's query parser and fail there with a 500).
    for (q, param) in [
        ("name=%00abc", "name"),
        ("city=ab%00", "city"),
        ("industry=%1Bxyz", "industry"),
        ("tags=a%00", "tags"),
    ] {
        let (status, out) = app.get(&admin, &format!("/api/accounts/?{q}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "?{q}: {out}");
        assert_field_error(&out, param);
    }
    // The core still works.
    let (status, _) = app.get(&admin, &format!("/api/accounts/{acc}/")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn storage_is_private_wal_with_foreign_keys() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    app.account(&admin, "Stored", json!({})).await;
    let dir = app.dir();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for d in [dir.clone(), dir.join("files")] {
            let mode = std::fs::metadata(&d).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", d.display());
        }
    }
    assert!(dir.join("crm.sqlite3").is_file());
    assert!(
        dir.join("crm.sqlite3-wal").is_file(),
        "no WAL file after a write"
    );
    let (fk, mode) = app
        .db(|tx| {
            let fk = tx.one("PRAGMA foreign_keys", &[], |r| r.i64(0))?;
            let mode = tx.one("PRAGMA journal_mode", &[], |r| r.text(0))?;
            Ok((fk, mode))
        })
        .await;
    assert_eq!((fk, mode.as_str()), (1, "wal"));
    // A second connection sees the same persistent journal mode.
    let c = rusqlite::Connection::open(dir.join("crm.sqlite3")).unwrap();
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // Foreign keys really hold on the core's connection.
    let err = app
        .core
        .state
        .store
        .write_blocking(|tx| {
            tx.exec(
                "INSERT INTO comments (id, org_id, record_kind, record_id, comment, commented_on)
                 VALUES ('x', 'nope', 'account', 'y', 'c', 't')",
                &[],
            )?;
            Ok(())
        })
        .is_err();
    assert!(err, "a comment of no org was accepted");

    // A data dir that does not exist yet is created private; the same dir reopens.
    let tmp = tempfile::tempdir().unwrap();
    let nested = tmp.path().join("a/b/data");
    let settings = crmtui::server::Settings::new(nested.clone());
    tokio::task::spawn_blocking(move || crmtui::server::Core::open(settings).map(|_| ()))
        .await
        .unwrap()
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&nested).unwrap().permissions().mode() & 0o777,
            0o700
        );
        // An existing dir is the user's: its mode is left alone.
        let shared = tmp.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
        let settings = crmtui::server::Settings::new(shared.clone());
        tokio::task::spawn_blocking(move || crmtui::server::Core::open(settings).map(|_| ()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            std::fs::metadata(&shared).unwrap().permissions().mode() & 0o777,
            0o755
        );
    }
}

both_engines!(reopening_keeps_data_and_tokens);
async fn reopening_keeps_data_and_tokens() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    app.account(&admin, "Persistent", json!({})).await;
    let settings = crmtui::server::Settings::at(app.core.state.settings.database.clone());
    let core = tokio::task::spawn_blocking(move || crmtui::server::Core::open(settings))
        .await
        .unwrap()
        .unwrap();
    let (addr, _h) = core.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    // The signing key persists: the old token works on the reopened core.
    let res = app
        .client
        .get(format!("http://{addr}/api/accounts/"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(all_names(&body), ["Persistent"]);
}

both_engines!(schema_and_health);
async fn schema_and_health() {
    let app = TestApp::start().await;
    let (status, body) = send(app.raw(Method::GET, "/healthz/")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, doc) = send(app.raw(Method::GET, "/api/schema/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')),
        "{doc}"
    );
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/api/accounts/",
        "/api/accounts/{id}/",
        "/api/accounts/{id}/create_mail/",
        "/api/accounts/comment/{id}/",
        "/api/accounts/attachment/{id}/",
        "/api/auth/login/",
        "/api/contacts/",
    ] {
        assert!(paths.contains_key(p), "schema lacks {p}");
    }
    let accounts = &paths["/api/accounts/{id}/"];
    for m in ["get", "put", "delete", "post"] {
        assert!(accounts.get(m).is_some(), "/api/accounts/{{id}}/ lacks {m}");
    }
    assert!(
        paths["/api/accounts/"].get("get").is_some()
            && paths["/api/accounts/"].get("post").is_some()
    );
}

both_engines!(contacts_users_and_teams);
async fn contacts_users_and_teams() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    let user = app.user("Org", "u@org.test", Role::User).await;
    let other = app.admin("Other", "o@other.test").await;

    // Contacts: create, validate, list, filter, page, get, update, delete.
    let (status, c) = app
        .post(&admin, "/api/contacts/", json!({"first_name": "Jane", "last_name": "Roe", "email": "jane@client.com", "phone": "+1"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(
        (
            c["first_name"].clone(),
            c["last_name"].clone(),
            c["email"].clone()
        ),
        (json!("Jane"), json!("Roe"), json!("jane@client.com"))
    );
    assert_eq!(c["org"], json!(admin.org));
    assert_eq!(c["created_by"], json!(admin.id));
    let jane = id_of(&c);
    for (body, field) in [
        (json!({"last_name": "NoFirst"}), "first_name"),
        (json!({"first_name": " "}), "first_name"),
        (json!({"first_name": "A", "email": "bad"}), "email"),
        (json!({"first_name": 5}), "first_name"),
    ] {
        let (status, out) = app.post(&admin, "/api/contacts/", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {out}");
        assert_field_error(&out, field);
    }
    for i in 0..12 {
        app.post(
            &user,
            "/api/contacts/",
            json!({"first_name": format!("Bulk{i:02}"), "last_name": "Load"}),
        )
        .await;
    }
    let (status, list) = app.get(&admin, "/api/contacts/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["contacts_count"], 13);
    assert_eq!(list["contact_obj_list"].as_array().unwrap().len(), 10);
    assert_eq!(
        list["contact_obj_list"][0]["first_name"], "Bulk11",
        "newest first"
    );
    let (_, list) = app
        .get(&admin, "/api/contacts/?name=jane%20r&limit=5")
        .await;
    assert_eq!(list["contacts_count"], 1);
    assert_eq!(list["contact_obj_list"][0]["id"], json!(jane));
    let (status, out) = app.get(&admin, "/api/contacts/?limit=-1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_field_error(&out, "limit");
    let (_, list) = app.get(&other, "/api/contacts/").await;
    assert_eq!(list["contacts_count"], 0);

    // A USER sees the contacts they created or are assigned to (the contract's role rule).
    let (status, _) = app.get(&user, &format!("/api/contacts/{jane}/")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .put(
            &admin,
            &format!("/api/contacts/{jane}/"),
            json!({"assigned_to": [user.id]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, got) = app.get(&user, &format!("/api/contacts/{jane}/")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["contact_obj"]["email"], "jane@client.com");
    let (status, upd) = app
        .put(
            &admin,
            &format!("/api/contacts/{jane}/"),
            json!({"phone": "+49"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{upd}");
    assert_eq!(upd["phone"], "+49");
    assert_eq!(upd["first_name"], "Jane");
    let (status, out) = app
        .put(
            &admin,
            &format!("/api/contacts/{jane}/"),
            json!({"email": "nope"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_field_error(&out, "email");

    // Linked to an account; deleting the contact unlinks it.
    let acc = id_of(
        &app.account(&admin, "Linked", json!({"contacts": [jane]}))
            .await,
    );
    let (_, d) = app.get(&admin, &format!("/api/accounts/{acc}/")).await;
    assert_eq!(d["contacts"][0]["id"], json!(jane));
    assert_eq!(app.list(&admin, "").await["contacts"][0]["id"], json!(jane));
    // Only an admin or the creator deletes a contact.
    let (status, _) = app.delete(&user, &format!("/api/contacts/{jane}/")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app.delete(&admin, &format!("/api/contacts/{jane}/")).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let (status, _) = app.get(&admin, &format!("/api/contacts/{jane}/")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, d) = app.get(&admin, &format!("/api/accounts/{acc}/")).await;
    assert_eq!(d["contacts"], json!([]));
    assert_eq!(d["account_obj"]["contacts"], json!([]));

    // Users: the members of the org, with roles.
    let (status, users) = app.get(&user, "/api/users/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(users["users_count"], 2);
    let listed: Vec<(String, String)> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["email"].as_str().unwrap().into(),
                u["role"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("a@org.test".into(), "ADMIN".into()),
            ("u@org.test".into(), "USER".into())
        ]
    );

    // Teams.
    let (status, t) = app
        .post(
            &admin,
            "/api/teams/",
            json!({"name": "Support", "description": "d", "users": [user.id]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    assert_eq!(t["name"], "Support");
    assert_eq!(t["users"], json!([user.id]));
    let (status, out) = app
        .post(&admin, "/api/teams/", json!({"name": "support"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "name");
    let (status, out) = app
        .post(&admin, "/api/teams/", json!({"description": "no name"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "name");
    let (status, teams) = app.get(&user, "/api/teams/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(teams["teams_count"], 1);
    assert_eq!(teams["teams"][0]["id"], t["id"]);
    let (_, teams) = app.get(&other, "/api/teams/").await;
    assert_eq!(teams["teams_count"], 0);
    let (status, _) = app
        .post(&other, "/api/teams/", json!({"name": "Support"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "team names are per org");
}
