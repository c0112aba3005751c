//! The client against a live BottleCRM 1.x (`django-crm` from PyPI), opt-in:
//!
//!     bash ../shared/refs/bottlecrm1/setup.sh      # once: the server on 127.0.0.1:8135
//!     CRMTUI_BOTTLECRM=1 cargo test --test bottlecrm
//!
//! Both sign-ins (the emailed code, read back from the server's log as a user would read their
//! mail, and a personal access token) run through the real binary in a pseudo terminal; every
//! account action runs through the library's `Client`. With `CRMTUI_BOTTLECRM_RECORD=1` the
//! answers are also written (tokens scrubbed) to `tests/fixtures/bottlecrm/`, which the default
//! suite `bottlecrm_fixtures.rs` decodes without a server.
//!
//! Without `CRMTUI_BOTTLECRM=1` every test returns at once (and one says so).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crmtui::client::{Client, ClientError, Dialect, MailRecipients, Timeouts, Tokens};
use crmtui::model::{AccountFilter, AccountInput, AccountStatus, MailInput, Patch};
use uuid::Uuid;

/// What `setup.sh` wrote to `creds.env`.
#[derive(Clone)]
struct Live {
    root: PathBuf,
    base: String,
    org: Uuid,
    email: String,
    pat: String,
}

fn live() -> Option<Live> {
    static SKIPPED: std::sync::Once = std::sync::Once::new();
    if std::env::var("CRMTUI_BOTTLECRM").ok().as_deref() != Some("1") {
        // Straight to stderr: the test harness captures `eprintln!`, and this should show.
        SKIPPED.call_once(|| {
            let _ = writeln!(
                std::io::stderr(),
                "bottlecrm: skipped (set CRMTUI_BOTTLECRM=1 and run setup.sh to test against a live BottleCRM)"
            );
        });
        return None;
    }
    let root =
        PathBuf::from(std::env::var("BOTTLECRM_ROOT").unwrap_or_else(|_| "/tmp/bottlecrm1".into()));
    let text = std::fs::read_to_string(root.join("creds.env"))
        .expect("creds.env: run ../shared/refs/bottlecrm1/setup.sh first");
    let get = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("{key} missing from creds.env"))
    };
    Some(Live {
        base: format!("{}/", get("BASE_URL").trim_end_matches('/')),
        org: Uuid::parse_str(&get("ORG_ID")).expect("ORG_ID"),
        email: get("ADMIN_EMAIL"),
        pat: get("PAT"),
        root,
    })
}

impl Live {
    fn client(&self) -> Client {
        Client::new(
            &self.base,
            None,
            Some(Tokens {
                access: self.pat.clone(),
                refresh: None,
            }),
            Timeouts::default(),
        )
        .expect("client")
    }

    fn log(&self) -> PathBuf {
        self.root.join("run/gunicorn.log")
    }

    /// The server allows 5 codes per address an hour: forget the earlier ones, as the server
    /// would an hour later (the reference database is ours to reset).
    fn forget_codes(&self) {
        let sql = format!(
            "delete from magic_link_token where email = '{}'",
            self.email.replace('\'', "")
        );
        let out = std::process::Command::new("runuser")
            .args([
                "-u",
                "postgres",
                "--",
                "/usr/lib/postgresql/15/bin/psql",
                "-h",
            ])
            .arg(self.root.join("pg/sock"))
            .args(["-p", "5441", "-d", "crm_db", "-qtAc", &sql])
            .output();
        if !matches!(&out, Ok(o) if o.status.success()) {
            eprintln!(
                "bottlecrm: could not reset the sign-in codes ({out:?}); the server may refuse a 6th code this hour"
            );
        }
    }

    /// The newest sign-in code the server mailed after `mark` (bytes of its log), as the
    /// console mail backend prints it.
    fn code_after(&self, mark: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let log = std::fs::read(self.log()).unwrap_or_default();
            let tail = String::from_utf8_lossy(log.get(mark as usize..).unwrap_or_default());
            let code = tail
                .match_indices("sign-in code: ")
                .filter_map(|(i, m)| tail.get(i + m.len()..i + m.len() + 6))
                .filter(|c| c.chars().all(|ch| ch.is_ascii_digit()))
                .last()
                .map(str::to_string);
            if let Some(code) = code {
                return code;
            }
            assert!(
                Instant::now() < deadline,
                "no sign-in code in {}",
                self.log().display()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn log_len(&self) -> u64 {
        std::fs::metadata(self.log()).map(|m| m.len()).unwrap_or(0)
    }
}

// --- recording fixtures ----------------------------------------------------------------------

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bottlecrm")
}

/// Writes `body` as fixture `name` when recording; tokens are replaced by `<redacted>`.
fn record(name: &str, body: &[u8]) {
    if std::env::var("CRMTUI_BOTTLECRM_RECORD").ok().as_deref() != Some("1") {
        return;
    }
    let mut value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => serde_json::Value::String(String::from_utf8_lossy(body).into_owned()),
    };
    scrub(&mut value);
    let dir = fixtures_dir();
    std::fs::create_dir_all(&dir).expect("fixtures dir");
    let text = serde_json::to_string_pretty(&value).expect("json");
    std::fs::write(dir.join(format!("{name}.json")), text + "\n").expect("write fixture");
}

fn scrub(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                let secret = matches!(
                    k.as_str(),
                    "access_token" | "refresh_token" | "access" | "refresh" | "token" | "JWTtoken"
                );
                if secret && x.is_string() {
                    *x = Value::String("<redacted>".into());
                } else {
                    scrub(x);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub),
        Value::String(s) if s.starts_with("bcrm_pat_") || s.starts_with("eyJ") => {
            *s = "<redacted>".into();
        }
        _ => {}
    }
}

/// Raw answers for the fixtures, with the personal access token (the `Client` hides bodies).
async fn raw(
    live: &Live,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, Vec<u8>) {
    raw_as(live, Some(&live.pat), method, path, body).await
}

async fn raw_as(
    live: &Live,
    token: Option<&str>,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, Vec<u8>) {
    let http = reqwest::Client::new();
    let mut rb = http.request(method, format!("{}{path}", live.base));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let resp = rb.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.bytes().await.expect("body").to_vec())
}

// --- the real binary in a pseudo terminal ------------------------------------------------------

struct Term {
    output: Arc<Mutex<String>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Term {
    fn start(args: &[&str], home: &Path) -> Term {
        use portable_pty::{CommandBuilder, PtySize, native_pty_system};
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 120,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_crmtui"));
        for a in args {
            cmd.arg(a);
        }
        cmd.env("HOME", home);
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env("XDG_DATA_HOME", home.join("share"));
        cmd.env("XDG_STATE_HOME", home.join("state"));
        cmd.env("TERM", "xterm-256color");
        cmd.cwd(home);
        let child = pair.slave.spawn_command(cmd).expect("spawn crmtui");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let output = Arc::new(Mutex::new(String::new()));
        let out = output.clone();
        std::thread::spawn(move || {
            let _keep = pair.master;
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut o) = out.lock() {
                    o.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        Term {
            output,
            writer,
            child,
        }
    }

    fn text(&self) -> String {
        self.output.lock().map(|o| o.clone()).unwrap_or_default()
    }

    fn wait_for(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.text().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "waited for {needle:?}; the terminal shows:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn type_line(&mut self, line: &str) {
        self.writer
            .write_all(format!("{line}\r").as_bytes())
            .expect("type");
        self.writer.flush().expect("flush");
    }

    /// Waits for the exit; the status and everything the terminal showed.
    fn finish(mut self) -> (bool, String) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the reader drain the last lines.
                std::thread::sleep(Duration::from_millis(200));
                return (status.success(), self.text());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("crmtui login did not finish:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// What BottleCRM answers a refresh with `refresh` (from a test without a runtime).
fn refresh_status(base: &str, refresh: &str) -> u16 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{base}api/auth/refresh-token/"))
            .json(&serde_json::json!({ "refresh": refresh }))
            .send()
            .await
            .expect("refresh")
            .status()
            .as_u16()
    })
}

/// The server and org `crmtui login` wrote to the config under `home`.
fn config_of(home: &Path) -> crmtui::config::Config {
    let path = home.join("config/crmtui/config.toml");
    crmtui::config::Config::load(Some(&path)).expect("config written by crmtui login")
}

// --- sign-in ---------------------------------------------------------------------------------

/// Both binary sign-ins keep their session under the same server key (in this machine's
/// keyring): one at a time.
static KEYRING: Mutex<()> = Mutex::new(());

#[test]
fn the_binary_signs_in_with_an_emailed_code_and_picks_the_org() {
    let Some(live) = live() else { return };
    let _one = KEYRING.lock().unwrap_or_else(|e| e.into_inner());
    live.forget_codes();
    let home = tempfile::tempdir().expect("tempdir");
    let mark = live.log_len();
    // No --org: the admin is in two orgs, so the picker asks; the seed org is bound with
    // switch-org.
    let mut term = Term::start(
        &[
            "login",
            "--server",
            &live.base,
            "--email",
            &live.email,
            "--insecure-storage",
        ],
        home.path(),
    );
    term.wait_for("Code:");
    let code = live.code_after(mark);
    term.type_line(&code);
    term.wait_for("Number:");
    let text = term.text();
    let picker: Vec<&str> = text.lines().filter(|l| l.contains(") ")).collect();
    let number = picker
        .iter()
        .position(|l| l.contains(&live.org.to_string()))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("the seed org is not offered:\n{text}"));
    term.type_line(&number.to_string());
    let (ok, text) = term.finish();
    assert!(ok, "login failed:\n{text}");
    assert!(!text.contains(&code), "the code was echoed:\n{text}");
    assert!(
        text.contains("(BottleCRM) as admin@example.com in MicroPyramid (ADMIN)"),
        "{text}"
    );
    let config = config_of(home.path());
    assert_eq!(config.server.as_deref(), Some(live.base.as_str()));
    assert_eq!(config.org, Some(live.org.to_string()));

    // The session as a later run reads it: from the keyring, or the 0600 file.
    let file = home.path().join("config/crmtui/credentials.json");
    let (stored, store) =
        crmtui::client::session::load(&live.base, Some(&file)).expect("the session is kept");
    assert!(stored.refresh.is_some(), "kept in {store}");
    // Logging out retires the refresh token on the server, not just here.
    let term = Term::start(&["logout"], home.path());
    let (ok, text) = term.finish();
    assert!(ok, "logout failed:\n{text}");
    assert!(config_of(home.path()).server.is_none(), "{text}");
    assert!(text.contains("The server retired"), "{text}");
    let status = refresh_status(&live.base, stored.refresh.as_deref().unwrap_or(""));
    assert_eq!(status, 401, "the retired refresh token is refused");
    assert!(crmtui::client::session::load(&live.base, Some(&file)).is_none());
}

#[test]
fn the_binary_signs_in_with_a_personal_access_token() {
    let Some(live) = live() else { return };
    let _one = KEYRING.lock().unwrap_or_else(|e| e.into_inner());
    let home = tempfile::tempdir().expect("tempdir");
    let mut term = Term::start(
        &[
            "login",
            "--server",
            &live.base,
            "--token",
            "--insecure-storage",
        ],
        home.path(),
    );
    term.wait_for("Token:");
    term.type_line(&live.pat);
    let (ok, text) = term.finish();
    assert!(ok, "login failed:\n{text}");
    assert!(!text.contains(&live.pat), "the token was echoed:\n{text}");
    assert!(
        text.contains("as admin@example.com in MicroPyramid"),
        "{text}"
    );
    assert_eq!(config_of(home.path()).org, Some(live.org.to_string()));
    let file = home.path().join("config/crmtui/credentials.json");
    let (kept, _) = crmtui::client::session::load(&live.base, Some(&file)).expect("kept");
    assert_eq!(
        (kept.access.as_str(), kept.refresh.as_deref()),
        (live.pat.as_str(), None)
    );
    let (ok, text) = Term::start(&["logout"], home.path()).finish();
    assert!(ok && text.contains("Removed the session"), "{text}");

    // A wrong token: said in one line, nothing stored.
    let other = tempfile::tempdir().expect("tempdir");
    let mut term = Term::start(&["login", "--server", &live.base, "--token"], other.path());
    term.wait_for("Token:");
    term.type_line("bcrm_pat_not-a-real-token");
    let (ok, text) = term.finish();
    assert!(!ok);
    assert!(text.contains("refused the token"), "{text}");
    assert!(!other.path().join("config/crmtui/config.toml").exists());

    // A token of one org cannot be used for another: said in one line, nothing stored.
    let other = tempfile::tempdir().expect("tempdir");
    let wrong = Uuid::new_v4().to_string();
    let mut term = Term::start(
        &["login", "--server", &live.base, "--token", "--org", &wrong],
        other.path(),
    );
    term.wait_for("Token:");
    term.type_line(&live.pat);
    let (ok, text) = term.finish();
    assert!(!ok);
    assert!(
        text.contains("a personal access token cannot switch orgs"),
        "{text}"
    );
    assert!(!other.path().join("config/crmtui/config.toml").exists());
}

#[tokio::test]
async fn code_sign_in_switches_org_and_rotates_single_use_refresh_tokens() {
    let Some(live) = live() else { return };
    live.forget_codes();
    let kept: Arc<Mutex<Vec<Tokens>>> = Arc::default();
    let sink = kept.clone();
    let client = Client::new(&live.base, Some(live.org), None, Timeouts::default())
        .expect("client")
        .with_refresh_sink(Arc::new(move |t: &Tokens| {
            if let Ok(mut k) = sink.lock() {
                k.push(t.clone());
            }
        }));
    assert_eq!(client.dialect().await.expect("dialect"), Dialect::BottleCrm);
    assert_eq!(client.mail_recipients(), MailRecipients::AccountContacts);
    let err = client
        .login(&live.email, "any password")
        .await
        .expect_err("no password sign-in on BottleCRM");
    assert!(err.to_string().contains("emailed code"), "{err}");

    let mark = live.log_len();
    client
        .request_code(&live.email)
        .await
        .expect("request code");
    let code = tokio::task::spawn_blocking({
        let l = live.clone();
        move || l.code_after(mark)
    })
    .await
    .expect("join");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = client
        .verify_code(&live.email, wrong)
        .await
        .expect_err("a wrong code is refused");
    assert!(
        matches!(refused, ClientError::SessionExpired(_)),
        "{refused:?}"
    );
    let signed = client
        .verify_code(&live.email, &code)
        .await
        .expect("verify");
    assert!(signed.organizations.len() >= 2, "{signed:?}");
    assert_eq!(signed.current_org, None, "two orgs: none is bound");
    let first_refresh = signed.refresh.clone();

    let switched = client.switch_org(live.org).await.expect("switch org");
    assert_eq!(switched.current_org, Some(live.org));
    assert_eq!(
        kept.lock().map(|k| k.len()).unwrap_or(0),
        1,
        "switched tokens are kept"
    );
    let profile = client.profile().await.expect("profile");
    assert_eq!(profile.org.id, live.org);
    assert_eq!(profile.user.email, live.email);

    // Break the access token: the client refreshes once, and the used refresh token is spent.
    let before = client.tokens().expect("tokens");
    client.set_tokens(Some(Tokens {
        access: "expired".into(),
        refresh: before.refresh.clone(),
    }));
    client
        .accounts(&AccountFilter::default(), 5, 0)
        .await
        .expect("list after a silent refresh");
    let after = client.tokens().expect("tokens");
    assert_ne!(after.refresh, before.refresh, "the refresh token rotated");
    assert_eq!(
        kept.lock().map(|k| k.len()).unwrap_or(0),
        2,
        "rotated tokens are kept"
    );
    let http = reqwest::Client::new();
    for spent in [before.refresh.clone().unwrap_or_default(), first_refresh] {
        let status = http
            .post(format!("{}api/auth/refresh-token/", live.base))
            .json(&serde_json::json!({"refresh": spent}))
            .send()
            .await
            .expect("refresh")
            .status();
        assert_eq!(status.as_u16(), 401, "a spent refresh token is refused");
    }

    // The TUI's start-up probe binds a session to the org asked for (`crmtui --org`)...
    let second = signed
        .organizations
        .iter()
        .find(|o| o.id != live.org)
        .expect("a second org")
        .clone();
    let mut elsewhere = client.clone();
    elsewhere.set_org(Some(second.id));
    match crmtui::signin::probe(&elsewhere).await {
        Ok(Some(p)) => assert_eq!(p.org.id, second.id),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        client.profile().await.expect("profile").org.name,
        second.name,
        "the switch holds for every clone of the client"
    );
    // ...which a personal access token cannot do: one line, no switch.
    let mut pat = live.client();
    pat.set_org(Some(second.id));
    match crmtui::signin::probe(&pat).await {
        Err(crmtui::signin::Probe::Refused(m)) => {
            assert!(m.contains("personal access token cannot switch"), "{m}")
        }
        other => panic!("{other:?}"),
    }

    // The sign-in answers, for the default suite (tokens scrubbed): another code, by hand.
    if std::env::var("CRMTUI_BOTTLECRM_RECORD").ok().as_deref() == Some("1") {
        let (status, body) = raw_as(&live, None, reqwest::Method::GET, "api/auth/me/", None).await;
        assert_eq!(status, 401);
        record("me_anonymous", &body);
        let (status, body) = raw_as(&live, None, reqwest::Method::GET, "api/accounts/", None).await;
        assert_eq!(status, 403);
        record("no_credentials", &body);
        let mark = live.log_len();
        client
            .request_code(&live.email)
            .await
            .expect("request code");
        let l = live.clone();
        let code = tokio::task::spawn_blocking(move || l.code_after(mark))
            .await
            .expect("join");
        let body = serde_json::json!({"email": live.email, "code": code});
        let (status, answer) = raw_as(
            &live,
            None,
            reqwest::Method::POST,
            "api/auth/magic-link/verify-code/",
            Some(body),
        )
        .await;
        assert_eq!(status, 200);
        record("verify_code", &answer);
        let v: serde_json::Value = serde_json::from_slice(&answer).expect("json");
        let access = v["access_token"].as_str().expect("access").to_string();
        let refresh = v["refresh_token"].as_str().expect("refresh").to_string();
        let body = serde_json::json!({"org_id": live.org, "refresh": refresh});
        let (status, answer) = raw_as(
            &live,
            Some(&access),
            reqwest::Method::POST,
            "api/auth/switch-org/",
            Some(body),
        )
        .await;
        assert_eq!(status, 200);
        record("switch_org", &answer);
        let v: serde_json::Value = serde_json::from_slice(&answer).expect("json");
        let body = serde_json::json!({"refresh": v["refresh_token"]});
        let (status, answer) = raw_as(
            &live,
            None,
            reqwest::Method::POST,
            "api/auth/refresh-token/",
            Some(body),
        )
        .await;
        assert_eq!(status, 200);
        record("refresh", &answer);
    }
}

// --- accounts --------------------------------------------------------------------------------

#[tokio::test]
async fn every_account_action_works_against_bottlecrm() {
    let Some(live) = live() else { return };
    let c = live.client();
    let profile = c.profile().await.expect("profile with a PAT");
    assert_eq!(profile.org.id, live.org);
    assert_eq!(c.known_dialect(), Some(Dialect::BottleCrm));

    // Record the raw shapes for the default suite.
    for (name, path) in [
        ("profile", "api/profile/"),
        ("org_settings", "api/org/settings/"),
        ("tags", "api/tags/"),
        ("account_list", "api/accounts/?limit=3"),
    ] {
        let (status, body) = raw(&live, reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "{path}");
        record(name, &body);
    }

    // List, paging, open/closed.
    let all = c
        .accounts(&AccountFilter::default(), 4, 0)
        .await
        .expect("list");
    assert!(all.open_accounts_count >= 4, "the seed has accounts");
    assert_eq!(all.open_accounts.len(), 4);
    let next = c
        .accounts(&AccountFilter::default(), 4, 4)
        .await
        .expect("page 2");
    assert!(
        next.open_accounts
            .iter()
            .all(|a| all.open_accounts.iter().all(|b| b.id != a.id)),
        "page 2 repeats none of page 1"
    );

    // An account of the seed with contacts and invoices: detail, related lists, figures.
    let mut rich = None;
    for a in all.open_accounts.iter().chain(next.open_accounts.iter()) {
        let d = c.account(a.id).await.expect("detail");
        if !d.contacts.is_empty()
            && !d.invoices.is_empty()
            && d.contacts.iter().any(|x| !x.email.is_empty())
        {
            rich = Some(d);
            break;
        }
    }
    let rich = rich.expect("a seeded account with contacts and invoices");
    let rich_id = rich.account_obj.id;
    let figures = rich
        .figures
        .clone()
        .expect("BottleCRM figures in the detail");
    assert!(
        figures.number_of_employees.is_some() || figures.annual_revenue.is_some(),
        "{figures:?}"
    );
    assert!(
        !rich.account_obj.billing_city.is_empty(),
        "city read as billing_city"
    );
    let (_, body) = raw(
        &live,
        reqwest::Method::GET,
        &format!("api/accounts/{rich_id}/"),
        None,
    )
    .await;
    record("account_detail", &body);

    // Filters: name, city, industry, tags (by name, sent as ids), status.
    let a0 = &rich.account_obj;
    for (label, filter) in [
        (
            "name",
            AccountFilter {
                name: Some(a0.name.clone()),
                ..Default::default()
            },
        ),
        (
            "city",
            AccountFilter {
                city: Some(a0.billing_city.clone()),
                ..Default::default()
            },
        ),
        (
            "industry",
            AccountFilter {
                industry: Some(a0.industry.clone()),
                name: Some(a0.name.clone()),
                ..Default::default()
            },
        ),
    ] {
        let l = c.accounts(&filter, 10, 0).await.expect(label);
        assert!(
            l.open_accounts.iter().any(|a| a.id == a0.id),
            "{label} filter misses it"
        );
    }

    // Create with a tag that exists and one that does not (the admin's token creates it).
    let stamp = Uuid::new_v4().simple().to_string();
    let new_tag = format!("crmtui-{}", &stamp[..8]);
    let existing_tag = a0.tags.first().cloned();
    let mut input = AccountInput {
        name: Patch::Value(format!("crmtui live {}", &stamp[..12])),
        email: Patch::Value("live@example.com".into()),
        billing_city: Patch::Value("Lisbon".into()),
        billing_street: Patch::Value("never sent: BottleCRM has no street".into()),
        billing_country: Patch::Value("PT".into()),
        industry: Patch::Value("SOFTWARE".into()),
        ..Default::default()
    };
    let mut tags = vec![new_tag.clone()];
    tags.extend(existing_tag.clone());
    input.tags = Patch::Value(tags.clone());
    let created = c.create_account(&input).await.expect("create");
    assert_eq!(created.billing_city, "Lisbon");
    assert_eq!(created.billing_country, "PT");
    assert_eq!(created.status, AccountStatus::Open);
    assert_eq!(created.billing_street, "", "no street on BottleCRM");
    let mut got = created.tags.clone();
    got.sort();
    tags.sort();
    assert_eq!(got, tags);

    let by_tag = c
        .accounts(
            &AccountFilter {
                tags: vec![new_tag.to_uppercase()],
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .expect("tag filter");
    assert_eq!(
        by_tag
            .open_accounts
            .iter()
            .map(|a| a.id)
            .collect::<Vec<_>>(),
        vec![created.id]
    );
    let none = c
        .accounts(
            &AccountFilter {
                tags: vec![format!("no-such-{stamp}")],
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .expect("unknown tag");
    assert_eq!(none.open_accounts_count + none.closed_accounts_count, 0);

    // A validation error names our field.
    let bad = c
        .update_account(
            created.id,
            &AccountInput {
                billing_country: Patch::Value("Narnia".into()),
                ..Default::default()
            },
        )
        .await
        .expect_err("bad country");
    assert!(
        bad.field_errors()
            .is_some_and(|f| f.contains_key("billing_country")),
        "{bad:?}"
    );

    // Edit (PATCH keeps the rest), close and reopen.
    let edited = c
        .update_account(
            created.id,
            &AccountInput {
                billing_city: Patch::Value("Porto".into()),
                ..Default::default()
            },
        )
        .await
        .expect("edit");
    assert_eq!(
        (edited.billing_city.as_str(), edited.email.as_str()),
        ("Porto", "live@example.com")
    );
    let closed = c
        .set_status(created.id, AccountStatus::Closed)
        .await
        .expect("close");
    assert_eq!(closed.status, AccountStatus::Closed);
    let closed_list = c
        .accounts(
            &AccountFilter {
                name: Some(created.name.clone()),
                status: Some(AccountStatus::Closed),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .expect("closed list");
    assert_eq!(
        closed_list
            .closed_accounts
            .iter()
            .map(|a| a.id)
            .collect::<Vec<_>>(),
        vec![created.id]
    );
    assert_eq!(closed_list.open_accounts_count, 0);
    let reopened = c
        .set_status(created.id, AccountStatus::Open)
        .await
        .expect("reopen");
    assert_eq!(reopened.status, AccountStatus::Open);

    // Comments: add, edit, delete.
    let added = c
        .add_comment(created.id, "first from crmtui")
        .await
        .expect("comment");
    let comment = added.comment.clone().expect("the new comment is found");
    assert_eq!(comment.account, Some(created.id));
    assert_eq!(
        comment.commented_by,
        Some(profile.user.id),
        "comments name the member"
    );
    let (status, body) = raw(
        &live,
        reqwest::Method::POST,
        &format!("api/accounts/{}/", created.id),
        Some(serde_json::json!({"comment": "second, recorded"})),
    )
    .await;
    assert_eq!(status, 200);
    record("comment_added", &body);
    c.edit_comment(comment.id, "edited by crmtui")
        .await
        .expect("edit comment");
    let detail = c.account(created.id).await.expect("detail");
    assert!(
        detail
            .comments
            .iter()
            .any(|x| x.id == comment.id && x.comment == "edited by crmtui")
    );
    c.delete_comment(comment.id).await.expect("delete comment");

    // Attachments: add, download, delete.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, b"hello from crmtui").expect("write");
    let with_file = c.add_attachment(created.id, &file).await.expect("attach");
    let att = with_file
        .attachment
        .clone()
        .expect("the new attachment is found");
    assert_eq!(att.file_name, "notes.txt");
    let dest = dir.path().join("copy.txt");
    let n = c.download(&att.attachment, &dest).await.expect("download");
    assert_eq!(n, 17);
    assert_eq!(std::fs::read(&dest).expect("read"), b"hello from crmtui");
    c.delete_attachment(att.id)
        .await
        .expect("delete attachment");
    let detail = c.account(created.id).await.expect("detail");
    assert!(detail.attachments.iter().all(|a| a.id != att.id));
    assert!(detail.comments.iter().all(|x| x.id != comment.id));

    // Mail: to a contact of the account by address; anyone else is refused by us.
    let contact = rich
        .contacts
        .iter()
        .find(|x| !x.email.is_empty())
        .expect("contact");
    let contacts = c.account_contacts(rich_id).await.expect("contacts");
    assert!(contacts.iter().any(|x| x.id == contact.id));
    let mail = MailInput {
        recipients: vec![contact.email.to_uppercase()],
        subject: "From crmtui".into(),
        html: "Hello<br>there".into(),
        ..Default::default()
    };
    let sent = c.send_mail(rich_id, &mail).await.expect("mail");
    assert_eq!(sent.status, "success");
    let stranger = MailInput {
        recipients: vec!["stranger@example.com".into()],
        ..mail.clone()
    };
    let refused = c
        .send_mail(rich_id, &stranger)
        .await
        .expect_err("not a contact");
    assert!(
        refused
            .field_errors()
            .is_some_and(|f| f.contains_key("recipients")),
        "{refused:?}"
    );
    let when = chrono::Utc::now() + chrono::Duration::days(1);
    let later = MailInput {
        scheduled_later: true,
        scheduled_date_time: Some(when),
        ..mail.clone()
    };
    c.send_mail(rich_id, &later).await.expect("scheduled mail");

    let body = serde_json::json!({
        "recipients": [contact.id],
        "message_subject": "Recorded",
        "message_body": "Hello",
    });
    let (status, answer) = raw(
        &live,
        reqwest::Method::POST,
        &format!("api/accounts/{rich_id}/create_mail/"),
        Some(body),
    )
    .await;
    assert_eq!(status, 200);
    record("mail_sent", &answer);
    let body = serde_json::json!({"name": format!("crmtui recorded {}", &stamp[..12])});
    let (status, answer) = raw(&live, reqwest::Method::POST, "api/accounts/", Some(body)).await;
    assert_eq!(status, 200);
    record("create_answer", &answer);
    let v: serde_json::Value = serde_json::from_slice(&answer).expect("json");
    let recorded = Uuid::parse_str(v["id"].as_str().expect("id")).expect("uuid");
    c.delete_account(recorded)
        .await
        .expect("delete the recorded one");

    // Delete: refused readably while invoices link to the account, done otherwise.
    let (status, body) = raw(
        &live,
        reqwest::Method::DELETE,
        &format!("api/accounts/{rich_id}/"),
        None,
    )
    .await;
    assert_eq!(status, 409);
    record("delete_conflict", &body);
    let conflict = c
        .delete_account(rich_id)
        .await
        .expect_err("invoices link to it");
    match &conflict {
        ClientError::Api {
            status: 409,
            message,
            ..
        } => {
            assert!(
                message.contains("can't be deleted") || message.contains("cannot be deleted"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    c.delete_account(created.id).await.expect("delete");
    // The tag this run made goes too (it was created because it was missing, as the check
    // below shows), so runs do not pile tags up in the reference org.
    let (_, body) = raw(&live, reqwest::Method::GET, "api/tags/", None).await;
    let made = crmtui::client::dialect::tag_ids(&body)
        .expect("tags")
        .into_iter()
        .find(|(name, _)| *name == new_tag.to_lowercase())
        .map(|(_, id)| id)
        .expect("the new tag was created on BottleCRM");
    let (status, _) = raw(
        &live,
        reqwest::Method::DELETE,
        &format!("api/tags/{made}/"),
        None,
    )
    .await;
    assert!(matches!(status, 200 | 204), "tag delete: {status}");
    let gone = c.account(created.id).await.expect_err("gone");
    assert!(
        matches!(gone, ClientError::Api { status: 404, .. }),
        "{gone:?}"
    );
}
