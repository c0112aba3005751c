//! `crmtui accounts …` run as a script would: the real binary against a real core, every
//! subcommand and every exit code.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::*;

/// Runs the binary with a clean home (no config, no keyring session) and `env`; feeds `stdin`.
fn crmtui(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let home = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crmtui"));
    cmd.args(args)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env_remove("CRMTUI_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run crmtui");
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.as_bytes());
    }
    child.wait_with_output().expect("wait")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn err(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[track_caller]
fn ok(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", err(out));
    text(out)
}

#[tokio::test]
async fn every_subcommand_against_a_server_with_its_exit_codes() {
    let app = TestApp::start().await;
    let ana = app.admin("Org", "ana@org.test").await;
    let server = format!("http://{}/", app.addr);
    let org = ana.org.to_string();
    let token = ana.token.clone();
    // The binary blocks: run it off the test's runtime, which serves the core.
    let run = move |args: Vec<String>, stdin: &'static str| {
        let (server, org, token) = (server.clone(), org.clone(), token.clone());
        tokio::task::spawn_blocking(move || {
            let mut full: Vec<String> = args;
            full.extend(["--server".into(), server, "--org".into(), org]);
            let refs: Vec<&str> = full.iter().map(String::as_str).collect();
            crmtui(&refs, &[("CRMTUI_TOKEN", &token)], stdin)
        })
    };
    let args = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();

    let out = run(args("accounts create --field name=Acme,_Inc --field tags=vip,emea --field billing_city=Berlin"), "").await.unwrap();
    let acme = ok(&out).trim().to_string();
    assert!(uuid::Uuid::parse_str(&acme).is_ok(), "{acme}");
    for name in ["Beta", "Gamma"] {
        ok(
            &run(args(&format!("accounts create --field name={name}")), "")
                .await
                .unwrap(),
        );
    }

    // list: one line per account, tab-separated, newest first.
    let out = ok(&run(args("accounts list"), "").await.unwrap());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(
        lines[2].split('\t').collect::<Vec<_>>(),
        [acme.as_str(), "Acme,_Inc", "open", "Berlin", "", "emea,vip"]
    );
    // --csv: a header and quoted cells; --json: the API's objects; filters; --all pages.
    let out = ok(&run(args("accounts list --csv --tags vip"), "")
        .await
        .unwrap());
    assert_eq!(
        out,
        format!(
            "id,name,status,city,industry,tags\n{acme},\"Acme,_Inc\",open,Berlin,,\"emea,vip\"\n"
        )
    );
    let out = ok(&run(args("accounts list --json --limit 1 --all"), "")
        .await
        .unwrap());
    let rows: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(rows.as_array().map(Vec::len), Some(3), "{out}");
    let out = ok(&run(args("accounts list --limit 1"), "").await.unwrap());
    assert_eq!(out.lines().count(), 1);

    // update, comment (from stdin), show.
    ok(&run(
        args(&format!("accounts update {acme} --field industry=SOFTWARE")),
        "",
    )
    .await
    .unwrap());
    let out = run(
        args(&format!("accounts comment {acme} --text -")),
        "called them\n",
    )
    .await
    .unwrap();
    assert!(uuid::Uuid::parse_str(ok(&out).trim()).is_ok());
    let out = ok(&run(args(&format!("accounts show {acme}")), "")
        .await
        .unwrap());
    assert!(out.contains("name: Acme,_Inc\n"), "{out}");
    assert!(out.contains("industry: SOFTWARE\n"), "{out}");
    assert!(out.contains("comments: 1\n"), "{out}");
    let out = ok(&run(args(&format!("accounts show {acme} --json")), "")
        .await
        .unwrap());
    let detail: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(detail["comments"][0]["comment"], "called them");

    // 1: the server refused (one line on stderr naming the problem).
    let out = run(args("accounts create --field name=Acme,_Inc"), "")
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", err(&out));
    assert_eq!(err(&out).lines().count(), 1, "{}", err(&out));
    assert!(err(&out).contains("name"), "{}", err(&out));
    let out = run(args(&format!("accounts show {}", uuid::Uuid::new_v4())), "")
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", err(&out));
    // 2: usage.
    let out = run(args("accounts show not-a-uuid"), "").await.unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    let out = run(args(&format!("accounts update {acme} --field oops")), "")
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    let out = run(args(&format!("accounts comment {acme} --text -")), "  \n")
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert!(text(&out).is_empty());
}

#[tokio::test]
async fn no_session_a_refused_token_and_no_server_have_their_own_codes() {
    let app = TestApp::start().await;
    let server = format!("http://{}/", app.addr);
    // 3: not signed in (no session kept for this server), or the token refused.
    let s = server.clone();
    let out =
        tokio::task::spawn_blocking(move || crmtui(&["accounts", "list", "--server", &s], &[], ""))
            .await
            .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", err(&out));
    assert!(err(&out).contains("crmtui login"), "{}", err(&out));
    let s = server.clone();
    let out = tokio::task::spawn_blocking(move || {
        crmtui(
            &["accounts", "list", "--server", &s],
            &[("CRMTUI_TOKEN", "not-a-token")],
            "",
        )
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", err(&out));
    // 4: nobody listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out = tokio::task::spawn_blocking(move || {
        crmtui(
            &["accounts", "list", "--server", &format!("http://{closed}/")],
            &[("CRMTUI_TOKEN", "t")],
            "",
        )
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", err(&out));
}

#[test]
fn without_a_server_the_local_workspace_is_used() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("ws");
    let data = data.to_str().unwrap();
    let out = crmtui(
        &[
            "accounts",
            "create",
            "--data-dir",
            data,
            "--field",
            "name=Local One",
        ],
        &[],
        "",
    );
    let id = ok(&out).trim().to_string();
    let out = ok(&crmtui(&["accounts", "list", "--data-dir", data], &[], ""));
    assert!(out.starts_with(&format!("{id}\tLocal One\topen")), "{out}");
}
