//! The committed OpenAPI file is what the core serves, and every operation it names is routed.
//!
//! When the API changes, regenerate the file with
//! `CRMTUI_UPDATE_OPENAPI=1 cargo test --test api_docs` and commit `docs/openapi.json`.

mod common;

use std::path::PathBuf;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

const REGENERATE: &str = "CRMTUI_UPDATE_OPENAPI=1 cargo test --test api_docs";

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json")
}

async fn served(app: &TestApp) -> Value {
    let (status, doc) = send(app.raw(Method::GET, "/api/schema/")).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    doc
}

#[tokio::test]
async fn the_committed_openapi_file_is_what_the_core_serves() {
    let app = TestApp::start().await;
    let doc = served(&app).await;
    let text = format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).expect("a JSON value prints")
    );
    let path = committed_path();
    if std::env::var("CRMTUI_UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &text).expect("write docs/openapi.json");
        eprintln!("wrote {}", path.display());
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != text {
        let differs: Vec<String> = match serde_json::from_str::<Value>(&committed) {
            Ok(old) => doc["paths"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, v)| old["paths"].get(k.as_str()) != Some(v))
                .map(|(k, _)| k.clone())
                .chain(
                    old["paths"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .filter(|(k, _)| doc["paths"].get(k.as_str()).is_none())
                        .map(|(k, _)| format!("{k} (gone)")),
                )
                .collect(),
            Err(_) => vec!["(the file is missing or not JSON)".into()],
        };
        panic!(
            "docs/openapi.json is not what GET /api/schema/ serves (paths that differ: {}).\n\
             Regenerate it with `{REGENERATE}` and commit it.",
            if differs.is_empty() {
                "none; the schemas or the info do".to_string()
            } else {
                differs.join(", ")
            }
        );
    }
}

/// Each documented operation reaches a handler: without a token it is refused with 401 (or,
/// for sign-in, judged on its body), never 404 or 405 from the router.
#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = TestApp::start().await;
    let doc = served(&app).await;
    let paths = doc["paths"].as_object().expect("paths");
    let mut seen = 0;
    for (path, item) in paths {
        let concrete = path.replace("{id}", &Uuid::new_v4().to_string());
        for (method, _) in item.as_object().expect("a path item") {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            let (status, body) = send(app.raw(method.clone(), &concrete).json(&json!({}))).await;
            let public = path.starts_with("/api/auth/");
            assert!(
                status == StatusCode::UNAUTHORIZED || public && status == StatusCode::BAD_REQUEST,
                "{method} {path}: {status} {body}"
            );
            seen += 1;
        }
    }
    assert!(seen > 80, "only {seen} operations documented");
}

/// The document names every list parameter the kinds describe, and a multipart body wherever
/// a file is taken.
#[tokio::test]
async fn every_kind_is_documented_from_its_description() {
    let app = TestApp::start().await;
    let doc = served(&app).await;
    for kind in crmtui::model::kinds::KINDS {
        let list = &doc["paths"][format!("/api/{}/", kind.path)]["get"];
        let names: Vec<&str> = list["parameters"]
            .as_array()
            .expect("list parameters")
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        for param in kind.list_params() {
            assert!(names.contains(&param.as_str()), "{}: {param}", kind.path);
        }
        let add = &doc["paths"][format!("/api/{}/{{id}}/", kind.path)]["post"];
        assert!(
            add["requestBody"]["content"]["multipart/form-data"].is_object(),
            "{}: no multipart body on the thread's POST",
            kind.path
        );
        let mut stem = kind.name.to_string();
        stem[..1].make_ascii_uppercase();
        let record = &doc["components"]["schemas"][format!("{stem}Record")];
        for field in kind.fields {
            assert!(
                record["properties"][field.name].is_object(),
                "{}: {} is not in {stem}Record",
                kind.path,
                field.name
            );
        }
    }
}
