//! The core for a team: several replicas on one PostgreSQL database, a SQLite workspace of the
//! previous release upgraded in place, and a database that is wrong, away or racing.
//!
//! The replica tests need PostgreSQL (`CRMTUI_TEST_DATABASE_URL`); without it they say once
//! that they were skipped.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::*;
use crmtui::model::Role;
use crmtui::server::store::{Engine, Location};
use crmtui::server::{Core, Settings};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

/// Runs `body` on PostgreSQL when a test server is configured.
async fn on_postgres<F: std::future::Future<Output = ()>>(body: F) {
    if pg_url().is_some() {
        on(Engine::Postgres, body).await;
    }
}

/// Changes `user`'s memberships by SQL through `app` (`change`: a `SET` clause), as an admin
/// tool beside the core would.
async fn set_membership(app: &TestApp, user: Uuid, change: &'static str) {
    let sql = format!("UPDATE memberships SET {change} WHERE user_id = $1");
    app.db(move |db| db.exec(&sql, &[&user])).await;
}

#[tokio::test]
async fn replicas_share_tokens_files_threads_and_access() {
    on_postgres(async {
        let a = TestApp::start().await;
        let b = a.replica().await;
        let admin = a.admin("Team Org", "ana@team.test").await;

        // A token minted by one replica works on the other, and so does its refresh token.
        let (status, _) = b.get(&admin, "/api/accounts/").await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = send(
            b.raw(Method::POST, "/api/auth/refresh-token/")
                .json(&json!({"refresh": admin.refresh})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // A file uploaded through one downloads through the other: no shared disk.
        let id = id_of(&b.account(&admin, "Shared Ltd", json!({})).await);
        let form = Form::new().text("comment", "with a file").part(
            "attachment",
            Part::bytes(b"bytes kept by the database".to_vec()).file_name("shared.txt"),
        );
        let res = a
            .req(&admin, Method::POST, &format!("/api/accounts/{id}/"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let added: Value = res.json().await.unwrap();
        let url = added["attachment"]["attachment"]
            .as_str()
            .unwrap()
            .to_string();
        let res = b.req(&admin, Method::GET, &url).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            &res.bytes().await.unwrap()[..],
            b"bytes kept by the database"
        );

        // A comment made through one is in the other's thread, in order.
        let (status, _) = b
            .post(
                &admin,
                &format!("/api/accounts/{id}/"),
                json!({"comment": "from b"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, detail) = a.get(&admin, &format!("/api/accounts/{id}/")).await;
        let thread: Vec<&str> = detail["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["comment"].as_str().unwrap())
            .collect();
        assert_eq!(thread, ["with a file", "from b"]);

        // A member switched off through one replica loses access on both at the next request.
        let raj = a.user("Team Org", "raj@team.test", Role::User).await;
        assert_eq!(b.get(&raj, "/api/accounts/").await.0, StatusCode::OK);
        set_membership(&a, raj.id, "is_active = FALSE").await;
        assert_eq!(a.get(&raj, "/api/accounts/").await.0, StatusCode::FORBIDDEN);
        assert_eq!(b.get(&raj, "/api/accounts/").await.0, StatusCode::FORBIDDEN);
        // And a user switched off loses every token at once.
        let aid = admin.id;
        a.db(move |db| db.exec("UPDATE users SET is_active = FALSE WHERE id = $1", &[&aid]))
            .await;
        assert_eq!(
            b.get(&admin, "/api/accounts/").await.0,
            StatusCode::UNAUTHORIZED
        );
    })
    .await;
}

#[tokio::test]
async fn scheduled_and_queued_mail_goes_out_once_from_two_replicas() {
    on_postgres(async {
        let (port, mut inbox) = fake_smtp().await;
        let a = TestApp::with(smtp_to(port)).await;
        let database = a.core.state.settings.database.clone();
        let mut settings = Settings::at(database);
        smtp_to(port)(&mut settings);
        let b_core = tokio::task::spawn_blocking(move || Core::open(settings))
            .await
            .unwrap()
            .unwrap();
        // Serving starts b's mail sender too.
        let _b = b_core.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();

        let admin = a.admin("Mail Org", "ana@mail.test").await;
        let id = id_of(&a.account(&admin, "Mailed", json!({})).await);
        let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
        let mut sent = Vec::new();
        for i in 0..12 {
            let mut body = json!({"recipients": [format!("c{i}@client.example")],
                                  "subject": format!("Mail {i}"), "html": "<p>hi</p>"});
            if i % 2 == 0 {
                body["scheduled_later"] = json!(true);
                body["scheduled_date_time"] = json!(soon);
            }
            let (status, out) = a
                .post(&admin, &format!("/api/accounts/{id}/create_mail/"), body)
                .await;
            assert_eq!(status, StatusCode::OK, "{out}");
            sent.push(out["email_id"].as_str().unwrap().to_string());
        }
        let mut subjects = Vec::new();
        while subjects.len() < 12 {
            let message = tokio::time::timeout(std::time::Duration::from_secs(20), inbox.recv())
                .await
                .expect("every mail arrives")
                .unwrap();
            let subject = message
                .lines()
                .find_map(|l| l.strip_prefix("Subject: "))
                .unwrap()
                .to_string();
            subjects.push(subject);
        }
        // Nothing arrives twice, even after both senders had more rounds.
        tokio::time::sleep(std::time::Duration::from_secs(6)).await;
        while let Ok(extra) = inbox.try_recv() {
            subjects.push(extra);
        }
        subjects.sort();
        let mut expected: Vec<String> = (0..12).map(|i| format!("Mail {i}")).collect();
        expected.sort();
        assert_eq!(subjects, expected);
        let states = a
            .db(|db| {
                db.rows("SELECT state FROM emails ORDER BY state", &[], |r| {
                    r.text(0)
                })
            })
            .await;
        assert!(states.iter().all(|s| s == "sent"), "{states:?}");
    })
    .await;
}

#[tokio::test]
async fn mail_held_by_a_replica_that_died_is_sent_by_another() {
    on_postgres(async {
        let (port, mut inbox) = fake_smtp().await;
        // This core never sends: it stands for the replica that claimed the mail and died.
        let dead = TestApp::start().await;
        let admin = dead.admin("Mail Org", "ana@mail.test").await;
        let id = id_of(&dead.account(&admin, "Mailed", json!({})).await);
        let (status, _) = dead
            .post(
                &admin,
                &format!("/api/accounts/{id}/create_mail/"),
                json!({"recipients": ["c@client.example"], "subject": "Orphan", "html": "x"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let claimed = dead
            .db(crmtui::server::store::mail::claim)
            .await
            .expect("the dead replica claimed the mail");
        // Its lease runs out.
        let mail = claimed.id;
        dead.db(move |db| {
            db.exec(
                "UPDATE emails SET scheduled_at = $2 WHERE id = $1",
                &[&mail, &(chrono::Utc::now() - chrono::Duration::seconds(1))],
            )
        })
        .await;
        // A live replica with SMTP picks it up.
        let mut settings = Settings::at(dead.core.state.settings.database.clone());
        smtp_to(port)(&mut settings);
        let live = tokio::task::spawn_blocking(move || Core::open(settings))
            .await
            .unwrap()
            .unwrap();
        let _live = live.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let message = tokio::time::timeout(std::time::Duration::from_secs(15), inbox.recv())
            .await
            .expect("the orphaned mail is sent")
            .unwrap();
        assert!(message.contains("Subject: Orphan"), "{message}");
    })
    .await;
}

#[tokio::test]
async fn two_replicas_migrating_a_fresh_database_at_once_both_serve() {
    let Some(server) = pg_url() else { return };
    let url = fresh_pg_database(&server).await;
    let open = |url: String| {
        tokio::task::spawn_blocking(move || Core::open(Settings::at(Location::Postgres(url))))
    };
    let (one, two) = tokio::join!(open(url.clone()), open(url.clone()));
    let (one, two) = (one.unwrap().unwrap(), two.unwrap().unwrap());
    for core in [&one, &two] {
        let (addr, _) = core.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let res = reqwest::get(format!("http://{addr}/healthz/"))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let applied = tokio::task::spawn_blocking(move || {
        one.state.store.write_blocking(|db| {
            db.rows(
                "SELECT version FROM crmtui_migrations ORDER BY version",
                &[],
                |r| r.i64(0),
            )
        })
    })
    .await
    .unwrap()
    .unwrap();
    let expected: Vec<i64> = (1..=applied.len() as i64).collect();
    assert_eq!(applied, expected, "each migration once");
}

/// A TCP relay to the database that can be cut and restored, as a network or a restart would.
struct Relay {
    port: u16,
    down: Arc<AtomicBool>,
    links: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Relay {
    async fn to(target: String) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let links = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (d, l) = (down.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if d.load(Ordering::SeqCst) {
                    continue; // dropped: refused
                }
                let target = target.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                l.lock().unwrap().push(link);
            }
        });
        Relay { port, down, links }
    }

    fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_lost_database_answers_503_and_the_core_serves_again_when_it_is_back() {
    let Some(server) = pg_url() else { return };
    let direct = url::Url::parse(&fresh_pg_database(&server).await).unwrap();
    let target = format!(
        "{}:{}",
        direct.host_str().unwrap(),
        direct.port().unwrap_or(5432)
    );
    let relay = Relay::to(target).await;
    let mut via = direct.clone();
    via.set_port(Some(relay.port)).unwrap();
    on(Engine::Postgres, async {
        let core = tokio::task::spawn_blocking(move || {
            Core::open(Settings::at(Location::Postgres(via.to_string())))
        })
        .await
        .unwrap()
        .unwrap();
        let (addr, _) = core.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let local = core.clone();
        let session =
            tokio::task::spawn_blocking(move || local.local_session("Away Org", "ana@away.test"))
                .await
                .unwrap()
                .expect("session");
        let client = http();
        let list = || {
            client
                .get(format!("http://{addr}/api/accounts/"))
                .bearer_auth(&session.access_token)
                .header("organization-id", session.org_id.to_string())
        };
        assert_eq!(list().send().await.unwrap().status(), StatusCode::OK);

        relay.cut();
        for _ in 0..3 {
            let (status, body) = send(list()).await;
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
            assert_message_error(&body);
        }
        // The process is still up.
        let health = client
            .get(format!("http://{addr}/healthz/"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), StatusCode::OK);

        relay.restore();
        let (status, body) = send(list()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    })
    .await;
}

#[tokio::test]
async fn sessions_ended_by_the_server_answer_503_then_the_core_reconnects() {
    // What a restart of PostgreSQL (or an operator's pg_terminate_backend) does: the server
    // ends every session with "terminating connection due to administrator command".
    on_postgres(async {
        let a = TestApp::start().await;
        let admin = a.admin("Restart Org", "ana@restart.test").await;
        let (status, _) = a.get(&admin, "/api/accounts/").await;
        assert_eq!(status, StatusCode::OK);
        let Location::Postgres(url) = a.core.state.settings.database.clone() else {
            unreachable!("a PostgreSQL test")
        };
        let ended = tokio::task::spawn_blocking(move || {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            c.query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
                &[],
            )
            .unwrap()
            .get::<_, i64>(0)
        })
        .await
        .unwrap();
        assert!(ended > 0, "the core had sessions to end");
        // Each request on a connection the server ended is the database being away, never
        // an internal error; the pool drops those connections and opens new ones.
        let mut statuses = Vec::new();
        for _ in 0..12 {
            let (status, body) = a.get(&admin, "/api/accounts/").await;
            assert!(
                status == StatusCode::OK || status == StatusCode::SERVICE_UNAVAILABLE,
                "{status}: {body}"
            );
            statuses.push(status);
        }
        assert_eq!(statuses.last(), Some(&StatusCode::OK), "{statuses:?}");
    })
    .await;
}

/// Runs `crmtui admin migrate --database URL` and returns (success, stderr).
fn migrate_with(url: &str) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_crmtui"))
        .args(["admin", "migrate", "--database", url])
        .env_remove("CRMTUI_DATABASE_URL")
        .output()
        .expect("binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[track_caller]
fn assert_one_line_failure((ok, stderr): (bool, String), says: &str) {
    assert!(!ok, "succeeded: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains(says), "{stderr}");
    assert!(
        !stderr.contains("s3cret"),
        "the password was printed: {stderr}"
    );
}

#[test]
fn bad_database_urls_fail_in_one_clear_line() {
    assert_one_line_failure(
        migrate_with("mysql://root@localhost/crm"),
        "unknown database",
    );
    assert_one_line_failure(
        migrate_with("postgres://ana:s3cret@localhost:notaport/crm"),
        "not a valid PostgreSQL URL",
    );
    assert_one_line_failure(
        migrate_with("postgres://ana:s3cret@127.0.0.1:1/crm"),
        "cannot connect",
    );
    assert_one_line_failure(migrate_with("sqlite:"), "needs a path");
    if let Some(server) = pg_url() {
        let mut wrong = url::Url::parse(&server).unwrap();
        wrong.set_password(Some("s3cret-but-wrong")).unwrap();
        assert_one_line_failure(
            migrate_with(wrong.as_str()),
            "password authentication failed",
        );
        // And the right one works.
        let (ok, stderr) = migrate_with(&server);
        assert!(ok, "{stderr}");
    }
}

#[tokio::test]
async fn a_workspace_of_the_previous_release_upgrades_in_place() {
    // A data dir exactly as the first release left it: schema version 1, one account with a
    // comment and an attachment.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    std::fs::create_dir_all(dir.join("files")).unwrap();
    let (org, user, account, attachment) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    let hash = crmtui::server::auth::hash_password(PASSWORD).unwrap();
    {
        let c = rusqlite::Connection::open(dir.join("crm.sqlite3")).unwrap();
        c.execute_batch(include_str!(
            "../src/server/store/migrations/sqlite/0001_base.sql"
        ))
        .unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
        let t = "2025-06-01T10:00:00Z";
        c.execute_batch(&format!(
            "INSERT INTO orgs VALUES ('{org}', 'Old Org', 'old org', '{t}');
             INSERT INTO users (id, email, email_key, password_hash, created_on)
                 VALUES ('{user}', 'old@org.test', 'old@org.test', '{hash}', '{t}');
             INSERT INTO memberships (user_id, org_id, role) VALUES ('{user}', '{org}', 'ADMIN');
             INSERT INTO accounts (pk, id, org_id, name, name_key, created_on, created_by)
                 VALUES (7, '{account}', '{org}', 'Legacy Ltd', 'legacy ltd', '{t}', '{user}');
             INSERT INTO comments VALUES ('{}', '{org}', 7, 'first words', '{t}', '{user}');
             INSERT INTO comments VALUES ('{}', '{org}', 7, 'second words', '{t}', '{user}');
             INSERT INTO attachments VALUES ('{attachment}', '{org}', 7, 'old.txt',
                 'text/plain', 9, '{t}', '{user}');",
            Uuid::new_v4(),
            Uuid::new_v4()
        ))
        .unwrap();
    }
    std::fs::write(dir.join("files").join(attachment.to_string()), b"old bytes").unwrap();

    let app_dir = dir.clone();
    let core = tokio::task::spawn_blocking(move || Core::open(Settings::new(app_dir)))
        .await
        .unwrap()
        .expect("the old workspace opens");
    let (addr, _) = core.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let client = http();
    let login: Value = client
        .post(format!("http://{addr}/api/auth/login/"))
        .json(&json!({"email": "old@org.test", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"]
        .as_str()
        .expect("the old user signs in");
    let detail: Value = client
        .get(format!("http://{addr}/api/accounts/{account}/"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let thread: Vec<&str> = detail["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["comment"].as_str().unwrap())
        .collect();
    assert_eq!(thread, ["first words", "second words"]);
    assert_eq!(detail["attachments"][0]["file_name"], "old.txt");
    let url = detail["attachments"][0]["attachment"].as_str().unwrap();
    let bytes = client
        .get(format!("http://{addr}{url}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"old bytes");
    let version: i64 = rusqlite::Connection::open(dir.join("crm.sqlite3"))
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert!(version >= 2, "{version}");
}

both_engines!(list_totals_stay_right_under_concurrent_writers);
async fn list_totals_stay_right_under_concurrent_writers() {
    let app = TestApp::start().await;
    let admin = app.admin("Busy Org", "ana@busy.test").await;
    // Creates, closes and deletes racing each other.
    let mut set = tokio::task::JoinSet::new();
    for i in 0..40 {
        let create = app
            .req(&admin, Method::POST, "/api/accounts/")
            .json(&json!({
                "name": format!("Busy {i}"),
                "status": if i % 3 == 0 { "closed" } else { "open" },
            }));
        set.spawn(send(create));
    }
    let mut ids = Vec::new();
    while let Some(res) = set.join_next().await {
        let (status, body) = res.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
        ids.push(id_of(&body));
    }
    let mut set = tokio::task::JoinSet::new();
    for (i, id) in ids.iter().enumerate() {
        let req = match i % 4 {
            0 => app.req(&admin, Method::DELETE, &format!("/api/accounts/{id}/")),
            1 => app
                .req(&admin, Method::PATCH, &format!("/api/accounts/{id}/"))
                .json(&json!({"status": "closed"})),
            2 => app
                .req(&admin, Method::PATCH, &format!("/api/accounts/{id}/"))
                .json(&json!({"status": "open"})),
            _ => continue,
        };
        set.spawn(send(req));
    }
    while let Some(res) = set.join_next().await {
        let (status, body) = res.unwrap();
        assert!(status.is_success(), "{status}: {body}");
    }
    // The kept totals (unfiltered list) agree with a count of the rows (a filtered list).
    let kept = app.list(&admin, "").await;
    let counted = app.list(&admin, "name=busy").await;
    for key in [
        "open_accounts_count",
        "closed_accounts_count",
        "accounts_count",
    ] {
        assert_eq!(kept[key], counted[key], "{key}");
    }
    assert_eq!(kept["accounts_count"], 30);
}

both_engines!(kept_answers_never_outlive_a_change);
/// Lists and the dashboard are answered from memory while nothing changed (see
/// `server::answers`). A change made anywhere else, by another replica or by `crmtui admin`
/// beside the server (here: a second core on the same database), is seen by the next request.
async fn kept_answers_never_outlive_a_change() {
    let a = TestApp::start().await;
    let b = a.replica().await;
    let admin = a.admin("Kept Org", "ana@kept.test").await;
    let raj = a.user("Kept Org", "raj@kept.test", Role::User).await;
    a.account(&admin, "First Ltd", json!({})).await;
    let hits = || a.core.state.answers.hits();

    // The same request again is answered from memory, for each list and the dashboard.
    for path in ["/api/accounts/", "/api/leads/", "/api/dashboard/"] {
        let (status, first) = a.get(&admin, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {first}");
        let before = hits();
        let (_, again) = a.get(&admin, path).await;
        assert_eq!(hits(), before + 1, "{path} answered from memory");
        assert_eq!(again, first);
    }

    // A record made through the other replica: seen at once.
    b.account(&admin, "Second Ltd", json!({})).await;
    let before = hits();
    let (_, listed) = a.get(&admin, "/api/accounts/").await;
    assert_eq!(hits(), before, "the kept page was retired");
    assert_eq!(all_names(&listed), ["Second Ltd", "First Ltd"]);
    let (_, dashboard) = a.get(&admin, "/api/dashboard/").await;
    assert_eq!(dashboard["accounts_count"], 2, "{dashboard}");

    // The kept answers are per caller: a USER never gets the admin's.
    let (_, mine) = a.get(&raj, "/api/accounts/").await;
    assert!(all_names(&mine).is_empty(), "{mine}");
    assert_eq!(a.get(&raj, "/api/accounts/").await.1, mine);

    // A new role, through the other side: the next request sees what the role sees.
    set_membership(&b, raj.id, "role = 'ADMIN'").await;
    let (_, all) = a.get(&raj, "/api/accounts/").await;
    assert_eq!(all_names(&all), ["Second Ltd", "First Ltd"]);

    // Switched off: no kept answer is served to a member who left.
    assert_eq!(a.get(&raj, "/api/accounts/").await.0, StatusCode::OK);
    set_membership(&b, raj.id, "is_active = FALSE").await;
    assert_eq!(a.get(&raj, "/api/accounts/").await.0, StatusCode::FORBIDDEN);

    // A write transaction that changed nothing retires nothing.
    let (_, page) = a.get(&admin, "/api/accounts/").await;
    b.db(|db| db.exec("UPDATE accounts SET name = name WHERE FALSE", &[]))
        .await;
    let before = hits();
    assert_eq!(a.get(&admin, "/api/accounts/").await.1, page);
    assert_eq!(hits(), before + 1);
}
