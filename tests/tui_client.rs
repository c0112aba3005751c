//! The HTTP client against a real core on a random port: every call the TUI makes, silent
//! token refresh, validation errors by field, and an unreachable server.

use crmtui::client::{Client, ClientError, Timeouts, Tokens};
use crmtui::model::{AccountFilter, AccountInput, AccountStatus, MailInput, Patch};
use crmtui::server::{Core, Settings};

struct Env {
    client: Client,
    base: String,
    org: uuid::Uuid,
    refresh: String,
    _dir: tempfile::TempDir,
}

async fn start() -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().to_path_buf();
    let (core, session) = tokio::task::spawn_blocking(move || {
        let core = Core::open(Settings::new(path)).expect("core");
        let session = core
            .local_session("Local", "you@localhost")
            .expect("session");
        (core, session)
    })
    .await
    .expect("join");
    let (addr, _handle) = core
        .spawn("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("spawn");
    // Keep the core alive for the test.
    std::mem::forget(core);
    let base = format!("http://{addr}/");
    let tokens = Tokens {
        access: session.access_token.clone(),
        refresh: Some(session.refresh_token.clone()),
    };
    let client = Client::new(
        &base,
        Some(session.org_id),
        Some(tokens),
        Timeouts::default(),
    )
    .expect("client");
    Env {
        client,
        base,
        org: session.org_id,
        refresh: session.refresh_token,
        _dir: dir,
    }
}

fn named(name: &str) -> AccountInput {
    AccountInput {
        name: Patch::Value(name.into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn accounts_comments_attachments_and_mail_round_trip() {
    let env = start().await;
    let c = &env.client;
    let mut input = named("Round Trip Co");
    input.billing_city = Patch::Value("Lisbon".into());
    input.tags = Patch::Value(vec!["vip".into()]);
    let created = c.create_account(&input).await.expect("create");
    assert_eq!(created.billing_city, "Lisbon");

    let filter = AccountFilter {
        city: Some("lis".into()),
        ..Default::default()
    };
    let list = c.accounts(&filter, 10, 0).await.expect("list");
    assert_eq!(list.open_accounts_count, 1);
    assert_eq!(list.open_accounts[0].id, created.id);

    let edited = c
        .update_account(
            created.id,
            &AccountInput {
                status: Patch::Value(AccountStatus::Closed),
                ..Default::default()
            },
        )
        .await
        .expect("update");
    assert_eq!(edited.status, AccountStatus::Closed);
    assert_eq!(
        edited.name, "Round Trip Co",
        "a partial update keeps the rest"
    );

    let added = c
        .add_comment(created.id, "first\nsecond line")
        .await
        .expect("comment");
    let comment = added.comment.expect("the comment");
    c.edit_comment(comment.id, "edited")
        .await
        .expect("edit comment");

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, b"hello attachment").expect("write");
    let with_file = c.add_attachment(created.id, &file).await.expect("attach");
    let att = with_file.attachment.expect("the attachment");
    let dest = dir.path().join("copy.txt");
    let n = c.download(&att.attachment, &dest).await.expect("download");
    assert_eq!(n, 16);
    assert_eq!(std::fs::read(&dest).expect("read"), b"hello attachment");

    let detail = c.account(created.id).await.expect("detail");
    assert_eq!(detail.comments.len(), 1);
    assert_eq!(detail.comments[0].comment, "edited");
    assert_eq!(detail.attachments.len(), 1);

    let mail = MailInput {
        recipients: vec!["someone@example.com".into()],
        subject: "Hi".into(),
        html: "Hello".into(),
        ..Default::default()
    };
    let sent = c.send_mail(created.id, &mail).await.expect("mail");
    assert_eq!(sent.status, "success");

    c.delete_attachment(att.id)
        .await
        .expect("delete attachment");
    c.delete_comment(comment.id).await.expect("delete comment");
    c.delete_account(created.id).await.expect("delete account");
    let gone = c.account(created.id).await.expect_err("gone");
    assert!(
        matches!(gone, ClientError::Api { status: 404, .. }),
        "{gone:?}"
    );
}

#[tokio::test]
async fn validation_errors_name_their_fields() {
    let env = start().await;
    let mut bad = named("Bad Co");
    bad.website = Patch::Value("ftp://nope".into());
    bad.email = Patch::Value("not an email".into());
    let err = env.client.create_account(&bad).await.expect_err("invalid");
    let fields = err.field_errors().cloned().unwrap_or_default();
    assert!(fields.contains_key("website"), "{err:?}");
    assert!(fields.contains_key("email"), "{err:?}");
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_silently() {
    let env = start().await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let s = seen.clone();
    let tokens = Tokens {
        access: "expired.or.garbage".into(),
        refresh: Some(env.refresh.clone()),
    };
    let client = Client::new(&env.base, Some(env.org), Some(tokens), Timeouts::default())
        .expect("client")
        .with_refresh_sink(std::sync::Arc::new(move |t: &Tokens| {
            if let Ok(mut g) = s.lock() {
                *g = Some(t.access.clone());
            }
        }));
    client
        .accounts(&AccountFilter::default(), 5, 0)
        .await
        .expect("works after a refresh");
    let new_access = seen
        .lock()
        .ok()
        .and_then(|g| g.clone())
        .expect("the sink saw the new token");
    assert_ne!(new_access, "expired.or.garbage");

    // Without a usable refresh token the session is dead, and says so.
    let dead = Client::new(
        &env.base,
        Some(env.org),
        Some(Tokens {
            access: "x".into(),
            refresh: Some("y".into()),
        }),
        Timeouts::default(),
    )
    .expect("client");
    let err = dead
        .accounts(&AccountFilter::default(), 5, 0)
        .await
        .expect_err("dead");
    assert!(matches!(err, ClientError::SessionExpired(_)), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_server_is_reported_as_such() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let client =
        Client::new(&format!("http://{addr}"), None, None, Timeouts::default()).expect("client");
    let err = client
        .accounts(&AccountFilter::default(), 5, 0)
        .await
        .expect_err("down");
    assert!(err.is_unreachable(), "{err:?}");
    assert!(err.to_string().contains("unreachable"), "{err}");
}

#[tokio::test]
async fn links_to_another_server_never_get_the_token() {
    let client = Client::new(
        "http://127.0.0.1:9/",
        None,
        Some(Tokens {
            access: "tok".into(),
            refresh: None,
        }),
        Timeouts::default(),
    )
    .expect("client");
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("out");
    for link in [
        "https:evil.com/x?sig=SECRET",
        "\\\\evil.com/x?sig=SECRET",
        "http://evil.com/x?sig=SECRET",
        "http:\\\\evil.com/x?sig=SECRET",
        "https://127.0.0.1:9/x?sig=SECRET",
    ] {
        match client.download(link, &dest).await {
            Err(ClientError::Local(m)) => {
                assert!(m.contains("another server"), "{link}: {m}");
                assert!(!m.contains("SECRET"), "{link}: the link is echoed: {m}");
            }
            other => panic!("{link}: {other:?}"),
        }
    }
}

#[test]
fn server_urls_with_credentials_are_refused_without_echo() {
    for raw in [
        "http://bob:hunter2@example.com/",
        "bob:hunter2@example.com",
        "https://bob@example.com",
    ] {
        match crmtui::client::parse_server_url(raw) {
            Err(e) => assert!(!e.to_string().contains("hunter2"), "{e}"),
            Ok(u) => panic!("{raw} accepted as {u}"),
        }
    }
    assert!(crmtui::client::parse_server_url("example.com:8000").is_ok());
}

/// A server whose API refuses the token and whose refresh endpoint answers `refresh_status`.
async fn refusing_server(refresh_status: u16) -> Client {
    use axum::http::StatusCode;
    use axum::routing::{any, post};
    let status = StatusCode::from_u16(refresh_status).expect("status");
    let app = axum::Router::new()
        .route(
            "/api/auth/refresh-token/",
            post(move || async move { (status, "refresh broke") }),
        )
        .fallback(any(|| async {
            (StatusCode::UNAUTHORIZED, r#"{"detail":"token expired"}"#)
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Client::new(
        &format!("http://{addr}/"),
        None,
        Some(Tokens {
            access: "old".into(),
            refresh: Some("r".into()),
        }),
        Timeouts::default(),
    )
    .expect("client")
}

#[tokio::test]
async fn only_a_refused_refresh_means_the_session_is_dead() {
    let err = refusing_server(503)
        .await
        .profile()
        .await
        .expect_err("fails");
    assert!(
        !matches!(err, ClientError::SessionExpired(_)),
        "a 503 on refresh is not a dead session: {err:?}"
    );
    let err = refusing_server(401)
        .await
        .profile()
        .await
        .expect_err("fails");
    assert!(matches!(err, ClientError::SessionExpired(_)), "{err:?}");
}

#[tokio::test]
async fn file_checks_run_in_the_worker_and_come_back_as_field_errors() {
    use crmtui::tui::msg::{Cmd, Msg, Owner, Request};
    let env = start().await;
    let (req_tx, req_rx) = tokio::sync::mpsc::unbounded_channel();
    let (msg_tx, mut msg_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(crmtui::tui::worker::run(
        env.client.clone(),
        req_rx,
        msg_tx,
        None,
        false,
        None,
    ));
    let dir = tempfile::tempdir().expect("tempdir");
    req_tx
        .send(Request {
            id: 7,
            cmd: Cmd::Attach {
                owner: Owner::Account(uuid::Uuid::new_v4()),
                path: dir.path().join("missing.pdf"),
            },
        })
        .expect("send");
    match msg_rx.recv().await.expect("answer") {
        Msg::Thread { req: 7, result, .. } => {
            let e = result.expect_err("no such file");
            assert!(
                e.field_errors()
                    .is_some_and(|f| f.contains_key("attachment")),
                "{e:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    req_tx
        .send(Request {
            id: 8,
            cmd: Cmd::Download {
                link: "api/accounts/attachment/x/".into(),
                path: dir.path().to_path_buf(),
                overwrite: false,
            },
        })
        .expect("send");
    match msg_rx.recv().await.expect("answer") {
        Msg::Downloaded { req: 8, result, .. } => {
            let e = result.expect_err("a directory");
            assert!(
                e.field_errors().is_some_and(|f| f.contains_key("path")),
                "{e:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    // An existing file is not replaced unless asked to.
    let existing = dir.path().join("report.pdf");
    std::fs::write(&existing, b"mine").expect("write");
    req_tx
        .send(Request {
            id: 9,
            cmd: Cmd::Download {
                link: "api/accounts/attachment/x/".into(),
                path: existing.clone(),
                overwrite: false,
            },
        })
        .expect("send");
    match msg_rx.recv().await.expect("answer") {
        Msg::Downloaded { req: 9, result, .. } => {
            let e = result.expect_err("exists");
            assert_eq!(
                e.field_errors()
                    .and_then(|f| f.get("path"))
                    .map(String::as_str),
                Some(crmtui::tui::msg::EXISTS),
                "{e:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(std::fs::read(&existing).expect("read"), b"mine");
    // A directory to attach is called one.
    req_tx
        .send(Request {
            id: 10,
            cmd: Cmd::Attach {
                owner: Owner::Account(uuid::Uuid::new_v4()),
                path: dir.path().to_path_buf(),
            },
        })
        .expect("send");
    match msg_rx.recv().await.expect("answer") {
        Msg::Thread {
            req: 10, result, ..
        } => {
            let e = result.expect_err("a directory");
            assert_eq!(
                e.field_errors()
                    .and_then(|f| f.get("attachment"))
                    .map(String::as_str),
                Some("is a directory"),
                "{e:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn signing_in_to_an_org_the_user_is_not_in_is_an_error() {
    use crmtui::tui::msg::{Cmd, Msg, Password, Request};
    let other = uuid::Uuid::new_v4();
    let answer = serde_json::json!({
        "access_token": "a",
        "refresh_token": "r",
        "user": {"id": uuid::Uuid::new_v4(), "email": "me@x.test"},
        "organizations": [{"id": other, "name": "Other", "role": "USER"}],
    });
    let app = axum::Router::new().route(
        "/api/auth/login/",
        axum::routing::post(move || async move { axum::Json(answer) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let configured = uuid::Uuid::new_v4();
    let client = Client::new(
        &format!("http://{addr}/"),
        Some(configured),
        None,
        Timeouts::default(),
    )
    .expect("client");
    let (req_tx, req_rx) = tokio::sync::mpsc::unbounded_channel();
    let (msg_tx, mut msg_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(crmtui::tui::worker::run(
        client.clone(),
        req_rx,
        msg_tx,
        None,
        false,
        None,
    ));
    req_tx
        .send(Request {
            id: 1,
            cmd: Cmd::SignIn {
                email: "me@x.test".into(),
                password: Password("pw".into()),
            },
        })
        .expect("send");
    match msg_rx.recv().await.expect("answer") {
        Msg::SignedIn { req: 1, result } => {
            let e = result.expect_err("not a member");
            assert!(e.to_string().contains("not a member"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert!(client.tokens().is_none(), "the tokens are dropped");
}

#[tokio::test]
async fn the_start_up_probe_tells_offline_not_a_crm_and_a_foreign_org_apart() {
    use crmtui::signin::{Probe, probe};
    // Unreachable: offline (retried), not a sign-in.
    let dead = Client::new("http://127.0.0.1:1/", None, None, Timeouts::default()).expect("client");
    assert!(matches!(probe(&dead).await, Err(Probe::Offline(_))));
    // Something else answering HTML errors (python3 -m http.server).
    let html = axum::Router::new().fallback(|| async {
        (
            axum::http::StatusCode::NOT_IMPLEMENTED,
            [(axum::http::header::CONTENT_TYPE, "text/html")],
            "<html><head><title>Error response</title></head><body><h1>Error response</h1></body></html>",
        )
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, html).await;
    });
    let other =
        Client::new(&format!("http://{addr}/"), None, None, Timeouts::default()).expect("client");
    match probe(&other).await {
        Err(Probe::Refused(m)) => assert!(
            m.contains("does not look like crmtui/Django-CRM") && m.contains("501"),
            "{m}"
        ),
        r => panic!("{r:?}"),
    }
    // The real core: no session means sign in; a session works; a foreign org is refused.
    let env = start().await;
    let anon = Client::new(&env.base, None, None, Timeouts::default()).expect("client");
    assert!(matches!(probe(&anon).await, Ok(None)));
    assert!(matches!(probe(&env.client).await, Ok(Some(_))));
    let tokens = env.client.tokens();
    let foreign = Client::new(
        &env.base,
        Some(uuid::Uuid::new_v4()),
        tokens,
        Timeouts::default(),
    )
    .expect("client");
    match probe(&foreign).await {
        Err(Probe::Refused(m)) => assert!(m.contains("member"), "{m}"),
        r => panic!("{r:?}"),
    }
}

#[tokio::test]
async fn a_read_only_worker_sends_no_write_to_the_server() {
    use crmtui::tui::msg::{Cmd, Msg, Request};
    let env = start().await;
    let input = named("Kept");
    let kept = env.client.create_account(&input).await.expect("create");
    let (req_tx, req_rx) = tokio::sync::mpsc::unbounded_channel();
    let (msg_tx, mut msg_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(crmtui::tui::worker::run(
        env.client.clone(),
        req_rx,
        msg_tx,
        None,
        true,
        None,
    ));
    req_tx
        .send(Request {
            id: 1,
            cmd: Cmd::Delete(kept.id),
        })
        .expect("send");
    match msg_rx.recv().await.expect("answer") {
        Msg::Deleted { req: 1, result, .. } => {
            let e = result.expect_err("refused");
            assert!(e.to_string().contains("read-only"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    // Reads still go through, and the account is still there.
    req_tx
        .send(Request {
            id: 2,
            cmd: Cmd::LoadDetail { id: kept.id },
        })
        .expect("send");
    match msg_rx.recv().await.expect("answer") {
        Msg::Detail { req: 2, result, .. } => {
            assert_eq!(result.expect("detail").account_obj.name, "Kept");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn export_fetches_every_page_and_cancel_leaves_nothing_behind() {
    use crmtui::model::{AccountFilter, AccountStatus};
    use crmtui::tui::msg::{Cmd, ExportFormat, ExportJob, ExportSource, Msg, Request};
    let env = start().await;
    for i in 0..7 {
        env.client
            .create_account(&named(&format!("Export {i}")))
            .await
            .expect("create");
    }
    env.client
        .create_account(&named("Someone Else"))
        .await
        .expect("create");
    let dir = tempfile::tempdir().expect("tempdir");
    let (req_tx, req_rx) = tokio::sync::mpsc::unbounded_channel();
    let (msg_tx, mut msg_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(crmtui::tui::worker::run(
        env.client.clone(),
        req_rx,
        msg_tx,
        None,
        true, // an export is no write: read-only allows it
        None,
    ));
    let job = |name: &str, format| ExportJob {
        path: dir.path().join(name),
        format,
        source: ExportSource::Accounts {
            filter: AccountFilter {
                name: Some("export".into()),
                ..Default::default()
            },
            tab: AccountStatus::Open,
        },
        limit: 3,
        overwrite: false,
    };
    req_tx
        .send(Request {
            id: 1,
            cmd: Cmd::Export(Box::new(job("out.csv", ExportFormat::Csv))),
        })
        .expect("send");
    let mut progress = Vec::new();
    loop {
        match msg_rx.recv().await.expect("answer") {
            Msg::ExportProgress { done, total, .. } => progress.push((done, total)),
            Msg::Exported { req: 1, result, .. } => {
                assert_eq!(result.expect("exported"), 7);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(progress, vec![(3, 7), (6, 7), (7, 7)], "three pages of 3");
    let text = std::fs::read_to_string(dir.path().join("out.csv")).expect("file");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let names: Vec<String> = reader
        .records()
        .map(|r| r.expect("row")[1].to_string())
        .collect();
    assert_eq!(names.len(), 7, "{text}");
    assert!(names.iter().all(|n| n.starts_with("Export ")), "{names:?}");

    // Again: the file exists, nothing is replaced without a yes.
    req_tx
        .send(Request {
            id: 2,
            cmd: Cmd::Export(Box::new(job("out.csv", ExportFormat::Csv))),
        })
        .expect("send");
    match msg_rx.recv().await.expect("answer") {
        Msg::Exported { req: 2, result, .. } => {
            assert!(
                matches!(result, Err(crmtui::tui::msg::TaskError::Field(ref e)) if e.is_exists()),
                "{result:?}"
            );
        }
        other => panic!("{other:?}"),
    }

    // Cancelled at once: no file, no temp file.
    req_tx
        .send(Request {
            id: 3,
            cmd: Cmd::Export(Box::new(job("cancelled.json", ExportFormat::Json))),
        })
        .expect("send");
    req_tx
        .send(Request {
            id: 4,
            cmd: Cmd::Cancel { req: 3 },
        })
        .expect("send");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec!["out.csv".to_string()], "left behind: {left:?}");
    while let Ok(m) = msg_rx.try_recv() {
        assert!(
            !matches!(m, Msg::Exported { req: 3, .. }),
            "a cancelled export answered: {m:?}"
        );
    }

    // Another kind's list: its own rows and columns, under the list's filter and tab.
    use crmtui::model::kinds::CASE;
    let account = env
        .client
        .create_account(&named("Cases Co"))
        .await
        .expect("account");
    for (name, status) in [
        ("Open one", "New"),
        ("Open two", "Pending"),
        ("Shut", "Closed"),
    ] {
        let body = serde_json::json!({"name": name, "status": status, "priority": "High",
                          "account": account.id});
        env.client
            .create_record(&CASE, body.as_object().expect("object"))
            .await
            .expect("case");
    }
    let cases = ExportJob {
        path: dir.path().join("cases.csv"),
        format: ExportFormat::Csv,
        source: ExportSource::Records {
            view: crmtui::tui::records::ViewId::Cases,
            half: crmtui::client::records::Half::Open,
            params: vec![("status".into(), "New,Assigned,Pending".into())],
        },
        limit: 1,
        overwrite: false,
    };
    req_tx
        .send(Request {
            id: 5,
            cmd: Cmd::Export(Box::new(cases)),
        })
        .expect("send");
    loop {
        match msg_rx.recv().await.expect("answer") {
            Msg::ExportProgress { .. } => {}
            Msg::Exported { req: 5, result, .. } => {
                assert_eq!(result.expect("exported"), 2);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    let text = std::fs::read_to_string(dir.path().join("cases.csv")).expect("file");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("header").clone();
    assert_eq!(&header[0], "id", "{text}");
    let at = |k: &str| header.iter().position(|h| h == k).expect(k);
    let (name, status) = (at("name"), at("status"));
    let mut rows: Vec<(String, String)> = reader
        .records()
        .map(|r| r.expect("row"))
        .map(|r| (r[name].to_string(), r[status].to_string()))
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            ("Open one".into(), "New".into()),
            ("Open two".into(), "Pending".into())
        ],
        "{text}"
    );
}

#[test]
fn bare_hosts_are_https_but_for_this_machine() {
    let url = |raw: &str| {
        crmtui::client::parse_server_url(raw)
            .expect(raw)
            .to_string()
    };
    assert_eq!(url("crm.example.com"), "https://crm.example.com/");
    assert_eq!(
        url("crm.example.com:8443/crm"),
        "https://crm.example.com:8443/crm/"
    );
    assert_eq!(url("localhost:8000"), "http://localhost:8000/");
    assert_eq!(url("127.0.0.1:8000"), "http://127.0.0.1:8000/");
    assert_eq!(url("[::1]:8000"), "http://[::1]:8000/");
    // A scheme given is kept.
    assert_eq!(url("http://crm.example.com"), "http://crm.example.com/");
}

/// Serves `app` on a loopback port; returns its address.
async fn serve(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

#[tokio::test]
async fn a_redirect_to_another_host_never_gets_the_password() {
    use std::sync::{Arc, Mutex};
    crmtui::client::install_crypto_provider();
    // The other host records whatever reaches it.
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = seen.clone();
    let other = serve(axum::Router::new().fallback(axum::routing::any(
        move |body: String| async move {
            sink.lock().unwrap().push(body);
            "{}"
        },
    )))
    .await;
    // `localhost` and `127.0.0.1` are different hosts to a client.
    let target = format!("http://localhost:{}/api/auth/login/", other.port());
    let first = serve(axum::Router::new().fallback(axum::routing::any(move || {
        let target = target.clone();
        async move {
            (
                axum::http::StatusCode::TEMPORARY_REDIRECT,
                [(axum::http::header::LOCATION, target)],
            )
        }
    })))
    .await;
    let client =
        Client::new(&format!("http://{first}/"), None, None, Timeouts::default()).expect("client");
    let err = client
        .login("ana@example.com", "hunter2-secret")
        .await
        .expect_err("the redirect is refused");
    assert!(err.to_string().contains("redirect"), "{err}");
    assert!(
        seen.lock().unwrap().is_empty(),
        "the other host got {:?}",
        seen.lock().unwrap()
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_download_never_writes_through_a_planted_link() {
    let addr = serve(axum::Router::new().route(
        "/files/report.pdf",
        axum::routing::get(|| async { "the report" }),
    ))
    .await;
    let client =
        Client::new(&format!("http://{addr}/"), None, None, Timeouts::default()).expect("client");
    let dir = tempfile::tempdir().expect("tempdir");
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"keep me").expect("write");
    let dest = dir.path().join("report.pdf");
    // The temp name downloads used to take.
    std::os::unix::fs::symlink(&victim, dest.with_extension("crmtui-part")).expect("symlink");
    let n = client
        .download("files/report.pdf", &dest)
        .await
        .expect("download");
    assert_eq!(n, 10);
    assert_eq!(std::fs::read(&dest).expect("read"), b"the report");
    assert_eq!(std::fs::read(&victim).expect("read"), b"keep me");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("crmtui-part-"))
        .collect();
    assert!(left.is_empty(), "temp files left: {left:?}");
}

/// Every kind beyond accounts through the calls the TUI makes, on a real core: each list's
/// envelope, details with their links and threads, writes, triage actions and the dashboard.
#[tokio::test]
async fn every_kind_lists_opens_writes_and_triages() {
    use crmtui::client::records::{Half, RecordQuery};
    use crmtui::model::kinds::{CASE, CONTACT, INVOICE, KINDS, LEAD, OPPORTUNITY, TASK};
    use serde_json::{Map, Value, json};

    let env = start().await;
    let c = &env.client;
    let obj = |v: Value| -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    };
    let acme = c.create_account(&named("Acme")).await.expect("account");
    let contact = c
        .create_record(
            &CONTACT,
            &obj(json!({"first_name": "Jane", "last_name": "Roe",
                        "email": "jane@acme.example", "account": acme.id})),
        )
        .await
        .expect("contact");
    let case = c
        .create_record(
            &CASE,
            &obj(
                json!({"name": "Login broken", "status": "New", "priority": "Urgent",
                        "account": acme.id, "contacts": [contact.id()]}),
            ),
        )
        .await
        .expect("case");
    let case_id = case.id().expect("case id");
    let task = c
        .create_record(
            &TASK,
            &obj(
                json!({"title": "Call Jane", "status": "New", "priority": "High",
                        "case": case_id}),
            ),
        )
        .await
        .expect("task");
    let deal = c
        .create_record(
            &OPPORTUNITY,
            &obj(json!({"name": "Renewal", "account": acme.id, "amount": "1200.00"})),
        )
        .await
        .expect("deal");
    let lead = c
        .create_record(
            &LEAD,
            &obj(json!({"first_name": "Lee", "company_name": "Globex",
                        "email": "lee@globex.example", "status": "assigned"})),
        )
        .await
        .expect("lead");

    // Each list's envelope gives its rows and count.
    let q = RecordQuery {
        params: vec![],
        limit: 10,
        offset: 0,
    };
    for kind in KINDS {
        let page = c.records(kind, Half::Open, &q).await.expect(kind.name);
        assert_eq!(page.skipped, 0, "{}", kind.name);
        let expected = if kind.name == "invoice" { 0 } else { 1 };
        assert_eq!(page.count, expected, "{}", kind.name);
        assert_eq!(page.rows.len(), expected as usize, "{}", kind.name);
    }
    let closed = c
        .records(&LEAD, Half::Closed, &q)
        .await
        .expect("closed leads");
    assert_eq!(closed.count, 0);
    let filtered = RecordQuery {
        params: vec![("search".into(), "login".into())],
        ..q.clone()
    };
    assert_eq!(
        c.records(&CASE, Half::Open, &filtered)
            .await
            .expect("search")
            .count,
        1
    );

    // Details: the case names its account and contact; a contact lists its cases.
    let d = c.record(&CASE, case_id).await.expect("case detail");
    assert_eq!(d.record.text("account"), "Acme");
    assert_eq!(d.record.text("contacts"), "Jane Roe");
    let cd = c
        .record(&CONTACT, contact.id().expect("id"))
        .await
        .expect("contact detail");
    assert!(
        cd.lists
            .iter()
            .any(|(k, rows)| k == "cases" && rows.len() == 1),
        "{:?}",
        cd.lists
    );

    // Comments and internal notes on a case come back apart.
    c.add_record_comment(&CASE, case_id, "seen it", false)
        .await
        .expect("comment");
    c.add_record_comment(&CASE, case_id, "tier 2", true)
        .await
        .expect("note");
    let d = c.record(&CASE, case_id).await.expect("case detail");
    assert_eq!(d.comments.len(), 1);
    assert_eq!(d.internal_notes.len(), 1);
    assert_eq!(d.internal_notes[0].comment, "tier 2");
    c.edit_record_comment("cases", d.comments[0].id, "seen it twice")
        .await
        .expect("edit");
    c.delete_record_comment("cases", d.internal_notes[0].id)
        .await
        .expect("delete note");

    // Triage: close the case, complete the task, win the deal, convert the lead.
    let closed = c
        .update_record(&CASE, case_id, &obj(json!({"status": "Closed"})))
        .await
        .expect("close");
    assert_eq!(closed.text("status"), "Closed");
    assert!(!closed.text("closed_on").is_empty());
    let done = c
        .update_record(
            &TASK,
            task.id().expect("id"),
            &obj(json!({"status": "Completed"})),
        )
        .await
        .expect("complete");
    assert_eq!(done.text("status"), "Completed");
    let won = c
        .update_record(
            &OPPORTUNITY,
            deal.id().expect("id"),
            &obj(json!({"stage": "CLOSED_WON"})),
        )
        .await
        .expect("won");
    assert_eq!(won.text("probability"), "100");
    let converted = c
        .update_record(
            &LEAD,
            lead.id().expect("id"),
            &obj(json!({"status": "converted"})),
        )
        .await
        .expect("convert");
    assert!(converted.str("account_id").is_some(), "{converted:?}");

    // A field error names its field.
    let e = c
        .update_record(&CASE, case_id, &obj(json!({"priority": "Whenever"})))
        .await
        .expect_err("bad priority");
    assert!(
        e.field_errors().is_some_and(|f| f.contains_key("priority")),
        "{e:?}"
    );

    // Invoices are not created here; an unknown one answers 404 to an action.
    let gone = c
        .record_action(&INVOICE, uuid::Uuid::nil(), "send", &Map::new())
        .await
        .expect_err("no such invoice");
    assert!(
        matches!(gone, ClientError::Api { status: 404, .. }),
        "{gone:?}"
    );

    let dash = c.dashboard().await.expect("dashboard");
    assert_eq!(dash.accounts_count, 2, "Acme and the converted lead's");
    assert_eq!(dash.pipeline_by_stage.len(), 6);

    c.delete_record(&TASK, task.id().expect("id"))
        .await
        .expect("delete");
    let e = c
        .record(&TASK, task.id().expect("id"))
        .await
        .expect_err("deleted");
    assert!(matches!(e, ClientError::Api { status: 404, .. }), "{e:?}");
}

/// A download cancelled half-way (its task dropped, as `Esc` does) leaves no file behind, and
/// its progress was told as the bytes came.
#[tokio::test]
async fn a_cancelled_download_leaves_nothing_behind() {
    use std::sync::{Arc, Mutex};
    crmtui::client::install_crypto_provider();
    // One chunk, then a body that never ends.
    let addr = serve(axum::Router::new().fallback(axum::routing::get(|| async {
        let first =
            futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(vec![
                b'x';
                4096
            ]))]);
        let body = futures_util::StreamExt::chain(first, futures_util::stream::pending());
        axum::body::Body::from_stream(body)
    })))
    .await;
    let client =
        Client::new(&format!("http://{addr}/"), None, None, Timeouts::default()).expect("client");
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("big.bin");
    let seen: Arc<Mutex<u64>> = Arc::default();
    let sink = seen.clone();
    let progress: crmtui::client::Progress = Arc::new(move |done, _| {
        if let Ok(mut s) = sink.lock() {
            *s = done;
        }
    });
    let task = tokio::spawn({
        let dest = dest.clone();
        async move { client.download_with("files/big.bin", &dest, progress).await }
    });
    for _ in 0..200 {
        if *seen.lock().expect("lock") > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(*seen.lock().expect("lock"), 4096, "progress told");
    let half: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert_eq!(half.len(), 1, "a part file while it runs");
    task.abort();
    let _ = task.await;
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[tokio::test]
async fn the_worker_keeps_what_it_read_for_offline_and_never_a_token() {
    use crmtui::tui::msg::{Cmd, Msg, Request};
    use crmtui::tui::offline::{self, OfflineCache};
    let env = start().await;
    let kept = env
        .client
        .create_account(&named("Kept Offline"))
        .await
        .expect("create");
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = std::sync::Arc::new(OfflineCache::new(dir.path(), &env.base, 1 << 24));
    let (req_tx, req_rx) = tokio::sync::mpsc::unbounded_channel();
    let (msg_tx, mut msg_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(crmtui::tui::worker::run(
        env.client.clone(),
        req_rx,
        msg_tx,
        None,
        false,
        Some(cache.clone()),
    ));
    let page = Cmd::LoadPage {
        epoch: 1,
        tab: AccountStatus::Open,
        page: 0,
        filter: AccountFilter::default(),
        limit: 50,
        offset: 0,
    };
    let detail = Cmd::LoadDetail { id: kept.id };
    for (id, cmd) in [(1, page.clone()), (2, detail.clone())] {
        req_tx.send(Request { id, cmd }).expect("send");
    }
    let mut live_detail = None;
    for _ in 0..2 {
        if let Msg::Detail { result, .. } = msg_rx.recv().await.expect("answer") {
            live_detail = Some(result.expect("detail"));
        }
    }
    // Kept on a blocking thread, after the answer: wait for both entries.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let cached = loop {
        let c = cache.clone();
        let (p, d) = (page.clone(), detail.clone());
        let (a, b) = tokio::task::spawn_blocking(move || {
            (offline::answer(&c, 3, p), offline::answer(&c, 4, d))
        })
        .await
        .expect("join");
        if matches!((&a, &b), (Msg::Cached { .. }, Msg::Cached { .. })) {
            break (a, b);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not kept: {a:?} {b:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    match cached {
        (Msg::Cached { msg: p, .. }, Msg::Cached { msg: d, .. }) => {
            assert!(
                matches!(&*p, Msg::Page { req: 3, result: Ok(l), .. } if l.open_accounts.iter().any(|a| a.id == kept.id)),
                "{p:?}"
            );
            match *d {
                Msg::Detail { result: Ok(d), .. } => assert_eq!(Some(d), live_detail),
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
    // No token, access or refresh, in any byte the cache wrote.
    let tokens = env.client.tokens().expect("tokens");
    let mut files = 0;
    for d in std::fs::read_dir(dir.path()).expect("dir").flatten() {
        for f in std::fs::read_dir(d.path()).expect("dir").flatten() {
            let bytes = std::fs::read(f.path()).expect("read");
            files += 1;
            for secret in [tokens.access.as_str(), env.refresh.as_str()] {
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "a token in {}",
                    f.path().display()
                );
            }
        }
    }
    assert_eq!(files, 2, "one entry per read");
}

#[tokio::test]
async fn an_unreachable_server_is_answered_from_the_cache_when_it_holds_the_read() {
    use crmtui::model::record::{Record, RecordDetail};
    use crmtui::tui::msg::{Cmd, Msg, Request};
    use crmtui::tui::offline::{self, OfflineCache};
    use crmtui::tui::records::ViewId;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let client =
        Client::new(&format!("http://{addr}"), None, None, Timeouts::default()).expect("client");
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = std::sync::Arc::new(OfflineCache::new(dir.path(), "w", 1 << 20));
    let (seen, unseen) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let read = |id| Cmd::LoadRecord {
        view: ViewId::Cases,
        id,
    };
    let mut fields = serde_json::Map::new();
    fields.insert("name".into(), "Printer on fire".into());
    let kept = Msg::RecordDetail {
        req: 0,
        view: ViewId::Cases,
        id: seen,
        result: Ok(Box::new(RecordDetail {
            record: Record(fields),
            ..Default::default()
        })),
    };
    let key = offline::key(&read(seen)).expect("key");
    offline::keep_blocking(&cache, &key, &kept, chrono::Utc::now()).expect("keep");
    let (req_tx, req_rx) = tokio::sync::mpsc::unbounded_channel();
    let (msg_tx, mut msg_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(crmtui::tui::worker::run(
        client,
        req_rx,
        msg_tx,
        None,
        false,
        Some(cache),
    ));
    req_tx
        .send(Request {
            id: 1,
            cmd: read(seen),
        })
        .expect("send");
    match msg_rx.recv().await.expect("answer") {
        Msg::Cached { msg, .. } => match *msg {
            Msg::RecordDetail {
                req: 1,
                result: Ok(d),
                ..
            } => assert_eq!(d.record.text("name"), "Printer on fire"),
            other => panic!("{other:?}"),
        },
        other => panic!("not from the cache: {other:?}"),
    }
    // Never seen: the failure as it is, so that the app says so and retries.
    req_tx
        .send(Request {
            id: 2,
            cmd: read(unseen),
        })
        .expect("send");
    match msg_rx.recv().await.expect("answer") {
        Msg::RecordDetail {
            req: 2,
            result: Err(e),
            ..
        } => assert!(e.is_unreachable(), "{e:?}"),
        other => panic!("{other:?}"),
    }
}
