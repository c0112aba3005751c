//! The shared harness of the API integration tests: a real core on an ephemeral port with a
//! temp data dir (SQLite) or a fresh database (PostgreSQL), spoken to over HTTP with reqwest.
//!
//! Tests written with [`both_engines!`] run once on SQLite and once on PostgreSQL; the second
//! runs only when `CRMTUI_TEST_DATABASE_URL` names a server where it may create databases, and
//! says once on stderr that it was skipped otherwise.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;

use crmtui::model::Role;
use crmtui::server::store::directory::{ensure_member, ensure_org};
use crmtui::server::store::{Db, Engine, Location};
use crmtui::server::{Core, Settings};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;
use tempfile::TempDir;
use uuid::Uuid;

pub use serde_json::json;

/// The password every harness user gets.
pub const PASSWORD: &str = "correct horse battery";

tokio::task_local! {
    static ENGINE: Engine;
}

/// A plain HTTP client (reqwest needs the crypto provider installed once).
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Runs a test body with `engine` as the engine of every `TestApp` it starts.
pub async fn on<F: std::future::Future<Output = ()>>(engine: Engine, body: F) {
    ENGINE.scope(engine, body).await
}

/// The engine of the running test (SQLite outside [`on`]).
pub fn engine() -> Engine {
    ENGINE.try_with(|e| *e).unwrap_or(Engine::Sqlite)
}

/// The PostgreSQL server for tests, or `None` (said once, on stderr, past the test harness's
/// capture, so that a skipped half is visible).
pub fn pg_url() -> Option<String> {
    static SAID: std::sync::Once = std::sync::Once::new();
    let url = std::env::var("CRMTUI_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty());
    if url.is_none() {
        SAID.call_once(|| {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "note: CRMTUI_TEST_DATABASE_URL is not set: the PostgreSQL half of the API tests was skipped"
            );
        });
    }
    url
}

/// A fresh, empty database on the test server; returns its URL.
pub async fn fresh_pg_database(server: &str) -> String {
    let name = format!("crmtui_t_{}", Uuid::new_v4().simple());
    let server = server.to_string();
    tokio::task::spawn_blocking(move || {
        let mut admin = postgres::Client::connect(&server, postgres::NoTls)
            .expect("CRMTUI_TEST_DATABASE_URL: cannot connect");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        let mut url = url::Url::parse(&server).expect("CRMTUI_TEST_DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        url.to_string()
    })
    .await
    .unwrap()
}

/// Runs the test body `async fn name()` on both engines, as `name::sqlite` and
/// `name::postgres`. Write it before the function: `both_engines!(name);`.
#[macro_export]
macro_rules! both_engines {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                $crate::common::on(crmtui::server::store::Engine::Sqlite, super::$name()).await
            }

            #[tokio::test]
            async fn postgres() {
                if $crate::common::pg_url().is_some() {
                    $crate::common::on(crmtui::server::store::Engine::Postgres, super::$name())
                        .await
                }
            }
        }
    };
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    /// The temp dir; the core's data dir is `data_dir.path().join("data")` (created by the core).
    pub data_dir: TempDir,
    pub core: Core,
}

/// A signed-in user, working in `org` (the org of the `user()` call that made it).
#[derive(Debug, Clone)]
pub struct Session {
    pub id: Uuid,
    pub org: Uuid,
    pub email: String,
    pub token: String,
    pub refresh: String,
}

impl Session {
    /// The same user working in another org (sends that org in the header).
    pub fn in_org(&self, org: Uuid) -> Session {
        Session {
            org,
            ..self.clone()
        }
    }
}

impl TestApp {
    pub async fn start() -> TestApp {
        TestApp::with(|_| {}).await
    }

    /// Another core on the same database, as a second replica behind a load balancer would be.
    pub async fn replica(&self) -> TestApp {
        let database = self.core.state.settings.database.clone();
        TestApp::open(Settings::at(database), None).await
    }

    /// A core with adjusted settings (e.g. a small `max_body`).
    pub async fn with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let tmp = tempfile::tempdir().expect("temp dir");
        let mut settings = match engine() {
            Engine::Sqlite => Settings::new(tmp.path().join("data")),
            Engine::Postgres => {
                let server = pg_url().expect("a PostgreSQL test runs only with a server");
                Settings::at(Location::Postgres(fresh_pg_database(&server).await))
            }
        };
        adjust(&mut settings);
        TestApp::open(settings, Some(tmp)).await
    }

    async fn open(settings: Settings, tmp: Option<TempDir>) -> TestApp {
        let tmp = match tmp {
            Some(t) => t,
            None => tempfile::tempdir().expect("temp dir"),
        };
        let core = tokio::task::spawn_blocking(move || Core::open(settings))
            .await
            .unwrap()
            .expect("core opens");
        let (addr, _handle) = core
            .spawn("127.0.0.1:0".parse().unwrap())
            .await
            .expect("core binds");
        TestApp {
            addr,
            client: reqwest::Client::new(),
            data_dir: tmp,
            core,
        }
    }

    pub fn engine(&self) -> Engine {
        self.core.state.store.engine()
    }

    /// The SQLite workspace dir (SQLite tests only).
    pub fn dir(&self) -> PathBuf {
        self.core
            .data_dir()
            .expect("a SQLite workspace")
            .to_path_buf()
    }

    /// The command-line flags that name this core's database.
    pub fn db_args(&self) -> Vec<String> {
        match &self.core.state.settings.database {
            Location::Sqlite(dir) => vec!["--data-dir".into(), dir.display().to_string()],
            Location::Postgres(url) => vec!["--database".into(), url.clone()],
        }
    }

    /// How many attachment bodies are stored (files on SQLite, rows on PostgreSQL).
    pub async fn file_count(&self) -> usize {
        match self.engine() {
            Engine::Sqlite => std::fs::read_dir(self.dir().join("files"))
                .expect("files dir")
                .count(),
            Engine::Postgres => {
                self.db(|db| db.one("SELECT count(*) FROM attachment_blobs", &[], |r| r.i64(0)))
                    .await as usize
            }
        }
    }

    /// One number from SQL (written with `$1` placeholders, as the store's SQL is).
    pub async fn count(&self, sql: &'static str) -> i64 {
        self.db(move |db| db.one(sql, &[], |r| r.i64(0))).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Runs `f` in one write transaction of the core's store (off the async threads).
    pub async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Db<'_>) -> Result<T, crmtui::server::error::ApiError> + Send + 'static,
    ) -> T {
        let store = self.core.state.store.clone();
        tokio::task::spawn_blocking(move || store.write_blocking(f))
            .await
            .unwrap()
            .expect("db work")
    }

    /// Makes `email` a member of `org_name` (both created if missing) with `role` and signs in.
    pub async fn user(&self, org_name: &str, email: &str, role: Role) -> Session {
        let (org, email_owned) = (org_name.to_string(), email.to_string());
        let (id, org_id) = self
            .db(move |tx| {
                let hash = crmtui::server::auth::hash_password(PASSWORD)?;
                let org = ensure_org(tx, &org)?;
                let user = ensure_member(tx, org, &email_owned, &hash, role)?;
                Ok((user, org))
            })
            .await;
        let (status, body) = self.login(email, PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "login of {email}: {body}");
        Session {
            id,
            org: org_id,
            email: email.to_string(),
            token: body["access_token"].as_str().unwrap().to_string(),
            refresh: body["refresh_token"].as_str().unwrap().to_string(),
        }
    }

    pub async fn admin(&self, org_name: &str, email: &str) -> Session {
        self.user(org_name, email, Role::Admin).await
    }

    pub async fn login(&self, email: &str, password: &str) -> (StatusCode, Value) {
        send(
            self.client
                .post(self.url("/api/auth/login/"))
                .json(&json!({"email": email, "password": password})),
        )
        .await
    }

    /// A request with no headers at all.
    pub fn raw(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// A request with the session's bearer token and org header.
    pub fn req(&self, who: &Session, method: Method, path: &str) -> RequestBuilder {
        self.raw(method, path)
            .bearer_auth(&who.token)
            .header("organization-id", who.org.to_string())
    }

    pub async fn get(&self, who: &Session, path: &str) -> (StatusCode, Value) {
        send(self.req(who, Method::GET, path)).await
    }

    pub async fn post(&self, who: &Session, path: &str, body: Value) -> (StatusCode, Value) {
        send(self.req(who, Method::POST, path).json(&body)).await
    }

    pub async fn put(&self, who: &Session, path: &str, body: Value) -> (StatusCode, Value) {
        send(self.req(who, Method::PUT, path).json(&body)).await
    }

    pub async fn delete(&self, who: &Session, path: &str) -> (StatusCode, Value) {
        send(self.req(who, Method::DELETE, path)).await
    }

    /// Creates an account named `name` with extra fields; panics unless 201. Returns the body.
    pub async fn account(&self, who: &Session, name: &str, extra: Value) -> Value {
        let mut body = json!({"name": name});
        if let Value::Object(m) = extra {
            body.as_object_mut().unwrap().extend(m);
        }
        let (status, out) = self.post(who, "/api/accounts/", body).await;
        assert_eq!(status, StatusCode::CREATED, "create {name}: {out}");
        out
    }

    /// Lists accounts with a raw query string (without `?`); panics unless 200.
    pub async fn list(&self, who: &Session, query: &str) -> Value {
        let (status, body) = self.get(who, &format!("/api/accounts/?{query}")).await;
        assert_eq!(status, StatusCode::OK, "list ?{query}: {body}");
        body
    }
}

/// Sends a request and reads the answer as JSON (`Null` for an empty body, a string for text).
pub async fn send(req: RequestBuilder) -> (StatusCode, Value) {
    let res = req.send().await.expect("request is answered");
    let status = res.status();
    let bytes = res.bytes().await.expect("body is read");
    if bytes.is_empty() {
        return (status, Value::Null);
    }
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, value)
}

/// Asserts the error envelope `{"error": true, "errors": {field: [...]}}` naming `field`.
#[track_caller]
pub fn assert_field_error(body: &Value, field: &str) {
    assert_eq!(body["error"], json!(true), "not the envelope: {body}");
    let list = body["errors"][field].as_array();
    assert!(
        list.is_some_and(|l| !l.is_empty() && l.iter().all(Value::is_string)),
        "no error for `{field}`: {body}"
    );
}

/// Asserts the error envelope with a single message.
#[track_caller]
pub fn assert_message_error(body: &Value) {
    assert_eq!(body["error"], json!(true), "not the envelope: {body}");
    assert!(
        body["errors"].as_str().is_some_and(|s| !s.is_empty()),
        "no message: {body}"
    );
}

/// The names of a list of accounts, in order.
pub fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect()
}

/// The open then closed names of a list answer.
pub fn all_names(body: &Value) -> Vec<String> {
    let mut v = names(&body["open_accounts"]);
    v.extend(names(&body["closed_accounts"]));
    v
}

pub fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {v}"))
        .to_string()
}

/// The seed's create example.
pub fn seed_create_body() -> Value {
    json!({
        "name": "New Company Inc",
        "email": "info@newcompany.com",
        "phone": "+1555123456",
        "industry": "Manufacturing",
        "description": "Leading manufacturer of widgets",
        "website": "https://newcompany.com",
        "billing_address_line": "456 Industrial Blvd",
        "billing_street": "Suite 100",
        "billing_city": "Chicago",
        "billing_state": "IL",
        "billing_postcode": "60601",
        "billing_country": "USA",
        "tags": ["manufacturing", "enterprise"]
    })
}

/// An SMTP server that accepts every mail on any number of connections and hands each
/// message's DATA to the test.
pub async fn fake_smtp() -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 fake ESMTP\r\n").await.unwrap();
                let (mut in_data, mut data) = (false, String::new());
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            let _ = tx.send(std::mem::take(&mut data));
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-fake\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            in_data = true;
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, rx)
}

/// Settings that send mail to the fake SMTP server on `port`, from crm@example.com.
pub fn smtp_to(port: u16) -> impl Fn(&mut Settings) + Clone {
    move |s: &mut Settings| {
        s.smtp = Some(crmtui::config::SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(port),
            username: None,
            password_env: None,
            tls: Some("none".into()),
            from: "crm@example.com".into(),
        });
        s.mail_from = Some("crm@example.com".into());
    }
}

impl TestApp {
    pub async fn patch(&self, who: &Session, path: &str, body: Value) -> (StatusCode, Value) {
        send(self.req(who, Method::PATCH, path).json(&body)).await
    }

    /// Creates a record at `/api/{path}/`; panics unless 201. Returns the record.
    pub async fn create(&self, who: &Session, path: &str, body: Value) -> Value {
        let (status, out) = self.post(who, &format!("/api/{path}/"), body.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "create {path} {body}: {out}");
        out
    }

    /// Stores an invoice with SQL (the API makes none); returns its id.
    pub async fn invoice(&self, who: &Session, inv: NewInvoice) -> String {
        let (org, by) = (who.org, who.id);
        let id = Uuid::new_v4();
        self.db(move |db| {
            let created = chrono::Utc::now() + chrono::Duration::seconds(inv.age_secs);
            db.exec(
                "INSERT INTO invoices (id, org_id, invoice_number, invoice_title, status,
                     account_id, contact_id, opportunity_id, client_name, issue_date, due_date,
                     payment_terms, currency, total_amount, amount_paid, line_items,
                     created_at, updated_at, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                         $17, $17, $18)",
                &[
                    &id,
                    &org,
                    &inv.number,
                    &inv.title,
                    &inv.status,
                    &inv.account,
                    &inv.contact,
                    &inv.opportunity,
                    &inv.client,
                    &inv.issue_date,
                    &inv.due_date,
                    &inv.terms,
                    &inv.currency,
                    &inv.total_cents,
                    &inv.paid_cents,
                    &inv.lines.to_string(),
                    &created,
                    &by,
                ],
            )?;
            for user in &inv.assigned_to {
                db.exec(
                    "INSERT INTO record_links (org_id, record_kind, record_id, rel, target)
                     VALUES ($1, 'invoice', $2, 'assigned_to', $3)",
                    &[&org, &id, user],
                )?;
            }
            Ok(())
        })
        .await;
        id.to_string()
    }
}

/// An invoice for [`TestApp::invoice`].
#[derive(Debug, Clone)]
pub struct NewInvoice {
    pub number: String,
    pub title: String,
    pub status: String,
    pub account: Option<Uuid>,
    pub contact: Option<Uuid>,
    pub opportunity: Option<Uuid>,
    pub client: String,
    pub issue_date: Option<chrono::NaiveDate>,
    pub due_date: Option<chrono::NaiveDate>,
    pub terms: Option<String>,
    pub currency: String,
    pub total_cents: i64,
    pub paid_cents: i64,
    pub lines: Value,
    /// Seconds added to now for `created_at` (negative: older).
    pub age_secs: i64,
    pub assigned_to: Vec<Uuid>,
}

impl Default for NewInvoice {
    fn default() -> Self {
        NewInvoice {
            number: format!("INV-{}", &Uuid::new_v4().simple().to_string()[..8]),
            title: "Services".into(),
            status: "Draft".into(),
            account: None,
            contact: None,
            opportunity: None,
            client: String::new(),
            issue_date: None,
            due_date: None,
            terms: None,
            currency: "USD".into(),
            total_cents: 10_000,
            paid_cents: 0,
            lines: json!([]),
            age_secs: 0,
            assigned_to: Vec::new(),
        }
    }
}

/// Today (UTC) shifted by `days`, as `YYYY-MM-DD`.
pub fn day(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// A uuid string of a JSON value that holds one (`"…"` or `{id, …}`).
pub fn uuid_of(v: &Value) -> Uuid {
    let s = v.as_str().or_else(|| v["id"].as_str());
    Uuid::parse_str(s.unwrap_or_else(|| panic!("no uuid: {v}"))).unwrap()
}

/// The values of `key` in each item of a list.
pub fn pluck(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|item| match &item[key] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// The ids of a list of records, sorted (for set comparisons).
pub fn ids(list: &Value) -> Vec<String> {
    let mut v = pluck(list, "id");
    v.sort();
    v
}
