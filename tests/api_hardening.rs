//! Abuse from outside: limits on what one request may ask for, and changes a caller may make to
//! their own access.

mod common;

use common::*;
use crmtui::model::Role;
use reqwest::StatusCode;

both_engines!(an_assigned_user_may_take_themself_off_an_account);
async fn an_assigned_user_may_take_themself_off_an_account() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    let user = app.user("Org", "u@org.test", Role::User).await;
    let id = id_of(
        &app.account(
            &admin,
            "Handed Over",
            json!({"assigned_to": [user.id, admin.id]}),
        )
        .await,
    );
    let (status, body) = app
        .put(
            &user,
            &format!("/api/accounts/{id}/"),
            json!({"assigned_to": [admin.id], "description": "over to you"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["assigned_to"], json!([admin.id]));
    // The change stands, and the user no longer sees the account.
    let (status, _) = app.get(&user, &format!("/api/accounts/{id}/")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, detail) = app.get(&admin, &format!("/api/accounts/{id}/")).await;
    assert_eq!(detail["account_obj"]["description"], "over to you");
}

both_engines!(tags_links_and_recipients_are_capped);
async fn tags_links_and_recipients_are_capped() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    let tags = |n: usize| (0..n).map(|i| format!("t{i}")).collect::<Vec<_>>();
    let (status, body) = app
        .post(
            &admin,
            "/api/accounts/",
            json!({"name": "Tagged", "tags": tags(51)}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_field_error(&body, "tags");
    // A huge list is refused before any work, not stored.
    let (status, body) = app
        .post(
            &admin,
            "/api/accounts/",
            json!({"name": "Tagged", "tags": tags(200_000)}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_field_error(&body, "tags");
    let ids: Vec<String> = (0..1001)
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    let (status, body) = app
        .post(
            &admin,
            "/api/accounts/",
            json!({"name": "Linked", "contacts": ids}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_field_error(&body, "contacts");
    let id = id_of(
        &app.account(&admin, "Tagged", json!({"tags": tags(50)}))
            .await,
    );

    let to = |n: usize| {
        (0..n)
            .map(|i| format!("r{i}@client.example"))
            .collect::<Vec<_>>()
    };
    let (status, body) = app
        .post(
            &admin,
            &format!("/api/accounts/{id}/create_mail/"),
            json!({"recipients": to(101), "subject": "Hi", "html": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_field_error(&body, "recipients");
    let (status, body) = app
        .post(
            &admin,
            &format!("/api/accounts/{id}/create_mail/"),
            json!({"recipients": to(100), "subject": "Hi", "html": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn the_schema_declares_every_path_parameter() {
    let app = TestApp::start().await;
    let (status, schema) = send(app.raw(reqwest::Method::GET, "/api/schema/")).await;
    assert_eq!(status, StatusCode::OK);
    let paths = schema["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, ops) in paths {
        let wanted: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split('}').next())
            .collect();
        for (method, op) in ops.as_object().expect("operations") {
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            for name in &wanted {
                assert!(
                    declared.contains(name),
                    "{method} {path}: path parameter `{name}` is not declared"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 12, "only {checked} path parameters seen");
    // Partial updates are declared as PATCH as well as PUT.
    assert!(paths["/api/accounts/{id}/"]["patch"].is_object());
    assert!(paths["/api/contacts/{id}/"]["patch"].is_object());
}

both_engines!(password_guessing_is_refused_with_429_per_account_and_per_address);
async fn password_guessing_is_refused_with_429_per_account_and_per_address() {
    let app = TestApp::with(|s| s.login_attempts_per_minute = 12).await;
    app.admin("Org", "a@org.test").await; // one good sign-in
    for _ in 0..10 {
        let (status, _) = app.login("a@org.test", "wrong password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // The account is locked for a while, even with the right password.
    let res = app
        .raw(reqwest::Method::POST, "/api/auth/login/")
        .json(&json!({"email": "a@org.test", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_message_error(&body);
    // The address has used its 12 attempts of the minute (1 + 10 + 1): other accounts are
    // refused too.
    for i in 0..3 {
        let (status, _) = app.login(&format!("x{i}@org.test"), "guess").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    }
}

/// A raw TCP connection to the core, for what a well-behaved client never does.
async fn raw_tcp(app: &TestApp) -> tokio::net::TcpStream {
    tokio::net::TcpStream::connect(app.addr).await.unwrap()
}

async fn read_all(stream: &mut tokio::net::TcpStream, within: std::time::Duration) -> String {
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(within, stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn half_sent_headers_are_dropped_after_the_header_timeout() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::with(|s| s.header_timeout = std::time::Duration::from_secs(1)).await;
    let mut stream = raw_tcp(&app).await;
    stream
        .write_all(b"GET /healthz/ HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    read_all(&mut stream, std::time::Duration::from_secs(15)).await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "the connection stayed open"
    );
}

#[tokio::test]
async fn a_slow_body_gets_408_after_the_request_timeout() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::with(|s| s.request_timeout = std::time::Duration::from_secs(1)).await;
    let mut stream = raw_tcp(&app).await;
    stream
        .write_all(
            b"POST /api/auth/login/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\"",
        )
        .await
        .unwrap();
    let answer = read_all(&mut stream, std::time::Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"error\":true"), "{answer}");
}

#[tokio::test]
async fn connections_past_the_cap_wait_for_a_free_slot() {
    let app = TestApp::with(|s| {
        s.max_connections = 1;
        s.header_timeout = std::time::Duration::from_secs(2);
    })
    .await;
    // One idle connection holds the only slot...
    let idle = raw_tcp(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let quick = http()
        .get(app.url("/healthz/"))
        .timeout(std::time::Duration::from_millis(700))
        .send()
        .await;
    assert!(quick.is_err(), "served past the cap");
    // ...until the header timeout drops it.
    let later = http().get(app.url("/healthz/")).send().await.unwrap();
    assert_eq!(later.status(), StatusCode::OK);
    drop(idle);
}

#[tokio::test]
async fn an_oversized_body_sent_in_full_reads_413_not_a_reset() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::with(|s| s.max_body = 1024 * 1024).await;
    let mut stream = raw_tcp(&app).await;
    let size = 30 * 1024 * 1024;
    let head = format!(
        "POST /api/accounts/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // Like Python's urllib: the whole body first, the answer after.
    let chunk = vec![b' '; 1024 * 1024];
    for _ in 0..30 {
        stream
            .write_all(&chunk)
            .await
            .expect("the server reads the body instead of resetting");
    }
    let answer = read_all(&mut stream, std::time::Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

/// Sends `body` as a mail of a new account of `who`; the status, and the answer's headers.
async fn mail(
    app: &TestApp,
    who: &Session,
    account: &str,
    body: serde_json::Value,
) -> (StatusCode, reqwest::header::HeaderMap) {
    let res = app
        .req(
            who,
            reqwest::Method::POST,
            &format!("/api/accounts/{account}/create_mail/"),
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    (res.status(), res.headers().clone())
}

async fn next_mail(inbox: &mut tokio::sync::mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(std::time::Duration::from_secs(10), inbox.recv())
        .await
        .expect("the mail reaches the SMTP server")
        .unwrap()
}

both_engines!(mail_leaves_from_the_configured_address);
async fn mail_leaves_from_the_configured_address() {
    let (port, mut inbox) = fake_smtp().await;
    let app = TestApp::with(smtp_to(port)).await;
    let ana = app.admin("Org", "ana@org.test").await;
    let account = id_of(&app.account(&ana, "Mailed", json!({})).await);
    let body = json!({"recipients": ["client@example.org"], "subject": "Hi", "html": "<p>x</p>",
                      "from_account": "ceo@bank.example"});
    let (status, _) = mail(&app, &ana, &account, body).await;
    assert_eq!(status, StatusCode::OK);
    let message = next_mail(&mut inbox).await;
    assert!(message.contains("From: crm@example.com"), "{message}");
    assert!(!message.contains("From: ceo@bank.example"), "{message}");
    assert!(message.contains("Reply-To: ceo@bank.example"), "{message}");
    // Without from_account, replies go to the caller.
    let body = json!({"recipients": ["client@example.org"], "subject": "Hi", "html": "<p>x</p>"});
    let (status, _) = mail(&app, &ana, &account, body).await;
    assert_eq!(status, StatusCode::OK);
    let message = next_mail(&mut inbox).await;
    assert!(message.contains("From: crm@example.com"), "{message}");
    assert!(message.contains("Reply-To: ana@org.test"), "{message}");
}

both_engines!(each_user_has_a_daily_recipient_quota);
async fn each_user_has_a_daily_recipient_quota() {
    let app = TestApp::with(|s| s.mail_recipients_per_day = 3).await;
    let ana = app.admin("Org", "ana@org.test").await;
    let bob = app.user("Org", "bob@org.test", Role::User).await;
    let account = id_of(
        &app.account(&ana, "Mailed", json!({"assigned_to": [bob.id]}))
            .await,
    );
    let to = |n: usize| {
        let list: Vec<String> = (0..n).map(|i| format!("c{i}@example.org")).collect();
        json!({"recipients": list, "subject": "Hi", "html": "x"})
    };
    assert_eq!(mail(&app, &ana, &account, to(2)).await.0, StatusCode::OK);
    let (status, headers) = mail(&app, &ana, &account, to(2)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=86_400).contains(&retry), "{retry}");
    // What is left of the day's quota still goes; the quota is the user's, not the org's.
    assert_eq!(mail(&app, &ana, &account, to(1)).await.0, StatusCode::OK);
    assert_eq!(
        mail(&app, &ana, &account, to(1)).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(mail(&app, &bob, &account, to(3)).await.0, StatusCode::OK);
}

async fn refresh(app: &TestApp, token: &str) -> (StatusCode, serde_json::Value) {
    send(
        app.raw(reqwest::Method::POST, "/api/auth/refresh-token/")
            .json(&json!({"refresh": token})),
    )
    .await
}

async fn profile(app: &TestApp, token: &str) -> StatusCode {
    send(
        app.raw(reqwest::Method::GET, "/api/profile/")
            .bearer_auth(token),
    )
    .await
    .0
}

both_engines!(refresh_tokens_are_single_use_and_a_late_reuse_ends_every_session);
async fn refresh_tokens_are_single_use_and_a_late_reuse_ends_every_session() {
    let app = TestApp::start().await;
    let ana = app.admin("Org", "ana@org.test").await;
    let (status, first) = refresh(&app, &ana.refresh).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let access = first["access"].as_str().unwrap().to_string();
    let next = first["refresh"]
        .as_str()
        .expect("a new refresh token")
        .to_string();
    assert_ne!(next, ana.refresh);
    assert_eq!(profile(&app, &access).await, StatusCode::OK);
    // The same token again at once (two requests racing): refused, nothing else ends.
    let (status, _) = refresh(&app, &ana.refresh).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(profile(&app, &access).await, StatusCode::OK);
    // The newer one works once.
    let (status, second) = refresh(&app, &next).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let access = second["access"].as_str().unwrap().to_string();
    let newest = second["refresh"].as_str().unwrap().to_string();
    // A used token coming back later (a stolen copy) ends every session of the user.
    app.db(|tx| {
        tx.exec(
            "UPDATE refresh_tokens SET used_at = $1 WHERE used_at IS NOT NULL",
            &[&(chrono::Utc::now() - chrono::Duration::hours(1))],
        )
    })
    .await;
    let (status, body) = refresh(&app, &next).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["errors"].as_str().unwrap().contains("ended"), "{body}");
    assert_eq!(profile(&app, &access).await, StatusCode::UNAUTHORIZED);
    assert_eq!(refresh(&app, &newest).await.0, StatusCode::UNAUTHORIZED);
    let (_, accounts) = send(
        app.raw(reqwest::Method::GET, "/api/accounts/")
            .bearer_auth(&access),
    )
    .await;
    assert_eq!(accounts["error"], json!(true));
    // Signing in again works.
    assert_eq!(app.login("ana@org.test", PASSWORD).await.0, StatusCode::OK);
}

both_engines!(a_password_change_ends_every_session);
async fn a_password_change_ends_every_session() {
    let app = TestApp::start().await;
    let ana = app.admin("Org", "ana@org.test").await;
    let other = app.admin("Org", "other@org.test").await;
    assert_eq!(profile(&app, &ana.token).await, StatusCode::OK);
    let hash = crmtui::server::auth::hash_password("a new long password").unwrap();
    let id = ana.id;
    app.db(move |tx| crmtui::server::store::directory::set_password(tx, id, &hash))
        .await;
    assert_eq!(profile(&app, &ana.token).await, StatusCode::UNAUTHORIZED);
    let (status, _) = app.get(&ana, "/api/accounts/").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refresh(&app, &ana.refresh).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Someone else's session is untouched, and the new password signs in.
    assert_eq!(profile(&app, &other.token).await, StatusCode::OK);
    assert_eq!(
        app.login("ana@org.test", "a new long password").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn huge_token_lifetimes_start_and_sign_in() {
    let app = TestApp::with(|s| {
        s.access_token_minutes = i64::MAX;
        s.refresh_token_days = i64::MAX;
    })
    .await;
    let ana = app.admin("Org", "ana@org.test").await;
    assert_eq!(profile(&app, &ana.token).await, StatusCode::OK);
    assert_eq!(refresh(&app, &ana.refresh).await.0, StatusCode::OK);
}

both_engines!(a_case_note_sent_as_a_form_stays_internal);
async fn a_case_note_sent_as_a_form_stays_internal() {
    let app = TestApp::start().await;
    let ana = app.admin("Org", "ana@org.test").await;
    let (status, case) = app
        .post(
            &ana,
            "/api/cases/",
            json!({"name": "Login broken", "status": "New", "priority": "High"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let path = format!("/api/cases/{}/", id_of(&case));
    for (internal, text) in [("true", "staff only"), ("false", "for the client")] {
        let (status, body) = send(
            app.req(&ana, reqwest::Method::POST, &path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(
                    form_urlencoded::Serializer::new(String::new())
                        .append_pair("comment", text)
                        .append_pair("is_internal", internal)
                        .finish(),
                ),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (_, detail) = app.get(&ana, &path).await;
    assert_eq!(
        detail["internal_notes"][0]["comment"], "staff only",
        "{detail}"
    );
    assert_eq!(
        detail["comments"][0]["comment"], "for the client",
        "{detail}"
    );
    assert_eq!(detail["comments"].as_array().map(Vec::len), Some(1));
}
