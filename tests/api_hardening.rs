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
