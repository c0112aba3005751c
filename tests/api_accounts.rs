//! The seed's account endpoints over real HTTP: every example, filters, paging, related rows,
//! comments, attachments, mail, and transactional writes.

mod common;

use common::*;
use crmtui::model::Role;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

fn is_rfc3339_z(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.ends_with('Z') && s.len() == 20 && chrono::DateTime::parse_from_rfc3339(s).is_ok()
    })
}

async fn contact(app: &TestApp, who: &Session, first: &str) -> String {
    let (status, body) = app
        .post(
            who,
            "/api/contacts/",
            json!({"first_name": first, "last_name": "Doe", "email": format!("{}@client.com", first.to_lowercase())}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    id_of(&body)
}

async fn team(app: &TestApp, who: &Session, name: &str, users: Vec<Uuid>) -> String {
    let (status, body) = app
        .post(who, "/api/teams/", json!({"name": name, "users": users}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    id_of(&body)
}

async fn count_rows(app: &TestApp, sql: &'static str) -> i64 {
    app.count(sql).await
}

both_engines!(seed_examples_end_to_end);
async fn seed_examples_end_to_end() {
    let app = TestApp::start().await;
    let admin = app.admin("Acme Org", "admin@yourcompany.com").await;
    let seller = app
        .user("Acme Org", "seller@yourcompany.com", Role::User)
        .await;
    let c1 = contact(&app, &admin, "Jane").await;
    let c2 = contact(&app, &admin, "John").await;
    let t1 = team(&app, &admin, "Sales", vec![seller.id]).await;

    // Create, with the seed's body and real links.
    let mut body = seed_create_body();
    body["contacts"] = json!([c1, c2]);
    body["assigned_to"] = json!([seller.id]);
    body["teams"] = json!([t1]);
    let (status, created) = app.post(&admin, "/api/accounts/", body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    for key in [
        "name",
        "email",
        "phone",
        "industry",
        "description",
        "website",
        "billing_address_line",
        "billing_street",
        "billing_city",
        "billing_state",
        "billing_postcode",
        "billing_country",
    ] {
        assert_eq!(created[key], body[key], "field {key}: {created}");
    }
    let id = id_of(&created);
    assert!(
        Uuid::parse_str(&id).is_ok_and(|u| u.get_version_num() == 4),
        "{id}"
    );
    assert_eq!(created["status"], "open");
    assert_eq!(created["created_by"], json!(admin.id));
    assert_eq!(created["org"], json!(admin.org));
    assert!(is_rfc3339_z(&created["created_on"]), "{created}");
    assert_eq!(created["assigned_to"], json!([seller.id]));
    assert_eq!(created["teams"], json!([t1]));
    let mut contacts: Vec<String> = created["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    contacts.sort();
    let mut want = vec![c1.clone(), c2.clone()];
    want.sort();
    assert_eq!(contacts, want);
    assert_eq!(created["tags"], json!(["enterprise", "manufacturing"]));

    // The list example.
    app.account(
        &admin,
        "ACME Corporation",
        json!({"billing_city": "New York", "industry": "Technology"}),
    )
    .await;
    app.account(&admin, "Acme Widgets", json!({"billing_city": "Boston"}))
        .await;
    app.account(&admin, "Other Co", json!({"billing_city": "New York"}))
        .await;
    let list = app.list(&admin, "name=acme&city=new%20york&limit=5").await;
    assert_eq!(
        names(&list["open_accounts"]),
        ["ACME Corporation"],
        "{list}"
    );
    assert_eq!(list["closed_accounts"], json!([]));
    assert_eq!(list["accounts_count"], 1);
    assert_eq!(list["open_accounts_count"], 1);
    assert_eq!(list["closed_accounts_count"], 0);
    for key in ["contacts", "users", "teams"] {
        assert!(list[key].is_array(), "{key}: {list}");
    }
    assert!(
        list["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["email"] == "seller@yourcompany.com")
    );
    assert!(
        list["teams"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "Sales")
    );
    let item = &list["open_accounts"][0];
    for key in [
        "id",
        "name",
        "email",
        "phone",
        "industry",
        "billing_address_line",
        "billing_city",
        "billing_state",
        "billing_postcode",
        "billing_country",
        "website",
        "status",
        "created_on",
        "created_by",
        "assigned_to",
        "teams",
        "tags",
    ] {
        assert!(item.get(key).is_some(), "list item lacks {key}: {item}");
    }

    // The detail example, with every related key.
    let (status, detail) = app.get(&admin, &format!("/api/accounts/{id}/")).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    let obj = &detail["account_obj"];
    assert_eq!(obj["id"], json!(id));
    assert_eq!(obj["description"], "Leading manufacturer of widgets");
    assert_eq!(obj["billing_street"], "Suite 100");
    assert_eq!(obj["created_by"], json!(admin.id));
    for key in [
        "contacts",
        "opportunities",
        "cases",
        "tasks",
        "invoices",
        "assigned_to",
        "teams",
        "comments",
        "attachments",
        "users_mention",
        "tags",
    ] {
        assert!(detail[key].is_array(), "detail lacks {key}: {detail}");
    }
    let firsts: Vec<&str> = detail["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["first_name"].as_str().unwrap())
        .collect();
    assert_eq!(firsts, ["Jane", "John"]);
    assert_eq!(detail["assigned_to"][0]["id"], json!(seller.id));
    assert_eq!(detail["assigned_to"][0]["email"], "seller@yourcompany.com");
    assert_eq!(detail["teams"][0]["id"], json!(t1));
    assert_eq!(detail["teams"][0]["name"], "Sales");
    assert_eq!(detail["users_mention"].as_array().unwrap().len(), 2);
    assert_eq!(detail["tags"], json!(["enterprise", "manufacturing"]));

    // The update example: three fields change, the rest stays.
    let (status, updated) = app
        .put(
            &admin,
            &format!("/api/accounts/{id}/"),
            json!({"name": "ACME Corporation Ltd", "phone": "+1234567891", "website": "https://acme.com"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["name"], "ACME Corporation Ltd");
    assert_eq!(updated["phone"], "+1234567891");
    assert_eq!(updated["website"], "https://acme.com");
    assert_eq!(updated["email"], "info@newcompany.com");
    assert_eq!(updated["billing_city"], "Chicago");
    assert_eq!(updated["assigned_to"], json!([seller.id]));
    assert_eq!(updated["tags"], json!(["enterprise", "manufacturing"]));
    assert_eq!(updated["created_on"], created["created_on"]);
    // PATCH behaves the same.
    let (status, patched) = send(
        app.req(&admin, Method::PATCH, &format!("/api/accounts/{id}/"))
            .json(&json!({"status": "closed"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["status"], "closed");
    assert_eq!(patched["name"], "ACME Corporation Ltd");

    // Comment add.
    let (status, added) = app
        .post(
            &admin,
            &format!("/api/accounts/{id}/"),
            json!({"comment": "Follow-up meeting scheduled for next week"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(
        added["comment"]["comment"],
        "Follow-up meeting scheduled for next week"
    );
    assert_eq!(added["comment"]["account"], json!(id));
    assert_eq!(added["comment"]["commented_by"], json!(admin.id));
    assert!(is_rfc3339_z(&added["comment"]["commented_on"]));
    assert_eq!(added["attachment"], Value::Null);
    assert_eq!(added["comments"].as_array().unwrap().len(), 1);
    assert_eq!(added["attachments"], json!([]));
    let comment_id = id_of(&added["comment"]);

    // Attachment add, with the seed's field name and a comment.
    let form = Form::new()
        .text("comment", "Contract document attached")
        .part(
            "attachment",
            Part::bytes(b"%PDF-1.4 contract".to_vec())
                .file_name("contract.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let (status, added) = send(
        app.req(&admin, Method::POST, &format!("/api/accounts/{id}/"))
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["comment"]["comment"], "Contract document attached");
    let att = &added["attachment"];
    assert_eq!(att["file_name"], "contract.pdf");
    assert_eq!(att["account"], json!(id));
    assert_eq!(att["created_by"], json!(admin.id));
    assert!(is_rfc3339_z(&att["created_on"]));
    let att_id = id_of(att);
    assert_eq!(added["comments"].as_array().unwrap().len(), 2);
    // Oldest comment first.
    assert_eq!(added["comments"][0]["id"], json!(comment_id));
    assert_eq!(app.file_count().await, 1);

    // Django-CRM's field name works too.
    let form = Form::new().part(
        "account_attachment",
        Part::bytes(vec![1u8, 2, 3]).file_name("raw.bin"),
    );
    let (status, added2) = send(
        app.req(&admin, Method::POST, &format!("/api/accounts/{id}/"))
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{added2}");
    assert_eq!(added2["comment"], Value::Null);
    assert_eq!(added2["attachment"]["file_name"], "raw.bin");
    assert_eq!(added2["attachments"].as_array().unwrap().len(), 2);
    assert_eq!(app.file_count().await, 2);

    // Download: the attachment URL, same token.
    let url = att["attachment"].as_str().unwrap();
    let res = app
        .raw(Method::GET, url)
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("contract.pdf")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"%PDF-1.4 contract");

    // Comment edit and delete need only the token.
    let (status, edited) = send(
        app.raw(Method::PUT, &format!("/api/accounts/comment/{comment_id}/"))
            .bearer_auth(&admin.token)
            .json(&json!({"comment": "Updated comment text"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["comment"], "Updated comment text");
    assert_eq!(edited["id"], json!(comment_id));
    assert_eq!(edited["account"], json!(id));
    let (status, body) = send(
        app.raw(
            Method::DELETE,
            &format!("/api/accounts/comment/{comment_id}/"),
        )
        .bearer_auth(&admin.token),
    )
    .await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));

    // Attachment delete removes the row and the file.
    let (status, body) = send(
        app.raw(
            Method::DELETE,
            &format!("/api/accounts/attachment/{att_id}/"),
        )
        .bearer_auth(&admin.token),
    )
    .await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    assert_eq!(app.file_count().await, 1);
    let (status, _) = app.get(&admin, url).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, detail) = app.get(&admin, &format!("/api/accounts/{id}/")).await;
    assert_eq!(detail["comments"].as_array().unwrap().len(), 1);
    assert_eq!(detail["attachments"].as_array().unwrap().len(), 1);

    // create_mail with the seed's body.
    let (status, sent) = app
        .post(
            &admin,
            &format!("/api/accounts/{id}/create_mail/"),
            json!({
                "recipients": ["contact@client.com", "manager@client.com"],
                "subject": "Quarterly Business Review",
                "html": "<p>Dear valued client...</p>",
                "scheduled_later": false,
                "scheduled_date_time": null,
                "from_account": "sender@yourcompany.com"
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["status"], "success");
    assert_eq!(sent["message"], "Email sent successfully");
    let email_id = Uuid::parse_str(sent["email_id"].as_str().unwrap()).unwrap();
    // No SMTP: the mail waits in the outbox, queued (give the mailer a round to misbehave).
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let state = app
        .db(move |tx| crmtui::server::store::mail::state(tx, email_id))
        .await;
    assert_eq!(state.as_deref(), Some("queued"));

    // Delete: 204, no body, and everything hanging off it goes.
    let (status, body) = app.delete(&admin, &format!("/api/accounts/{id}/")).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let (status, body) = app.get(&admin, &format!("/api/accounts/{id}/")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_message_error(&body);
    assert_eq!(app.file_count().await, 0);
    assert_eq!(count_rows(&app, "SELECT count(*) FROM comments").await, 0);
    assert_eq!(
        count_rows(&app, "SELECT count(*) FROM attachments").await,
        0
    );
}

both_engines!(multipart_create_takes_json_lists_and_a_first_attachment);
async fn multipart_create_takes_json_lists_and_a_first_attachment() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    let other = app.user("Org", "u@org.test", Role::User).await;
    let form = Form::new()
        .text("name", "Multipart Co")
        .text("billing_city", "Lyon")
        .text(
            "assigned_to",
            serde_json::to_string(&json!([other.id])).unwrap(),
        )
        .text("tags", r#"["alpha","Beta"]"#)
        .part(
            "account_attachment",
            Part::bytes(b"hello".to_vec()).file_name("../../etc/hello.txt"),
        );
    let (status, created) = send(
        app.req(&admin, Method::POST, "/api/accounts/")
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["assigned_to"], json!([other.id]));
    assert_eq!(created["tags"], json!(["alpha", "Beta"]));
    let (_, detail) = app
        .get(&admin, &format!("/api/accounts/{}/", id_of(&created)))
        .await;
    assert_eq!(
        detail["attachments"].as_array().unwrap().len(),
        1,
        "{detail}"
    );
    assert_eq!(detail["attachments"][0]["file_name"], "hello.txt");
    assert_eq!(detail["attachments"][0]["size"], 5);
    assert_eq!(app.file_count().await, 1);
}

both_engines!(failed_creates_leave_no_account_tag_or_file);
async fn failed_creates_leave_no_account_tag_or_file() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    let stranger = app.admin("Elsewhere", "b@else.test").await;
    let foreign_team = team(&app, &stranger, "Theirs", vec![]).await;
    let tags_before = count_rows(&app, "SELECT count(*) FROM tags").await;

    for (field, value) in [
        ("assigned_to", json!([stranger.id])),
        ("teams", json!([foreign_team])),
        ("contacts", json!([Uuid::new_v4()])),
    ] {
        let form = Form::new()
            .text("name", "Doomed Inc")
            .text("tags", r#"["fresh-tag-1","fresh-tag-2"]"#)
            .text(field, value.to_string())
            .part(
                "attachment",
                Part::bytes(vec![7u8; 4096]).file_name("doomed.bin"),
            );
        let (status, body) = send(
            app.req(&admin, Method::POST, "/api/accounts/")
                .multipart(form),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {body}");
        assert_field_error(&body, field);
        assert_eq!(
            app.file_count().await,
            0,
            "{field}: the upload stayed on disk"
        );
        assert_eq!(
            count_rows(&app, "SELECT count(*) FROM accounts").await,
            0,
            "{field}"
        );
        assert_eq!(
            count_rows(&app, "SELECT count(*) FROM tags").await,
            tags_before,
            "{field}"
        );
        assert_eq!(
            count_rows(&app, "SELECT count(*) FROM attachments").await,
            0,
            "{field}"
        );
    }
    // A validation failure before the store, with a file: nothing either.
    let form = Form::new()
        .text("name", "Bad Site")
        .text("website", "not a url")
        .part("attachment", Part::bytes(vec![1u8; 100]).file_name("x.bin"));
    let (status, body) = send(
        app.req(&admin, Method::POST, "/api/accounts/")
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_field_error(&body, "website");
    assert_eq!(app.file_count().await, 0);
    // Comment on a missing account, with a file: 404 and no file.
    let form = Form::new().part("attachment", Part::bytes(vec![1u8; 100]).file_name("x.bin"));
    let (status, _) = send(
        app.req(
            &admin,
            Method::POST,
            &format!("/api/accounts/{}/", Uuid::new_v4()),
        )
        .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.file_count().await, 0);
    // And the same name then works.
    app.account(&admin, "Doomed Inc", json!({})).await;
}

/// Makes the filter fixture: returns the admin.
async fn filter_fixture(app: &TestApp) -> Session {
    let admin = app.admin("Org", "a@org.test").await;
    let rows = [
        (
            "ACME Corporation",
            "New York",
            "Technology",
            vec!["enterprise", "technology"],
            "open",
        ),
        (
            "Acme Widgets",
            "Boston",
            "Manufacturing",
            vec!["smb"],
            "closed",
        ),
        (
            "Bäckerei Müller",
            "München",
            "Food & Beverage",
            vec!["Bio"],
            "open",
        ),
        ("O'Brien \"Quoted\" Ltd", "Dublin", "Legal", vec![], "open"),
        (
            "100% Pure_Juice",
            "Paris",
            "FOOD & BEVERAGE",
            vec!["VIP"],
            "open",
        ),
        (
            "100 Percent PureXJuice",
            "Paris",
            "Grocery",
            vec!["vip"],
            "closed",
        ),
        (
            "Globex",
            "New York",
            "Energy",
            vec!["Enterprise", "vip"],
            "closed",
        ),
    ];
    for (name, city, industry, tags, status) in rows {
        app.account(
            &admin,
            name,
            json!({"billing_city": city, "industry": industry, "tags": tags, "status": status}),
        )
        .await;
    }
    admin
}

both_engines!(filters_match_case_insensitive_substrings_tags_and_status);
async fn filters_match_case_insensitive_substrings_tags_and_status() {
    let app = TestApp::start().await;
    let admin = filter_fixture(&app).await;
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let cases: &[(&str, &[&str])] = &[
        // name, both paths (<3 chars: LIKE; >=3: trigram index)
        ("name=acme", &["ACME Corporation", "Acme Widgets"]),
        ("name=ACME%20CORP", &["ACME Corporation"]),
        ("name=me", &["ACME Corporation", "Acme Widgets"]),
        ("name=Gl", &["Globex"]),
        ("name=x", &["Globex", "100 Percent PureXJuice"]),
        ("name=orporatio", &["ACME Corporation"]),
        ("name=nothing-like-it", &[]),
        // literal % and _ (never wildcards)
        ("name=%25", &["100% Pure_Juice"]),
        ("name=0%25%20P", &["100% Pure_Juice"]),
        ("name=_", &["100% Pure_Juice"]),
        ("name=e_J", &["100% Pure_Juice"]),
        // quotes
        ("name=O'Brien", &["O'Brien \"Quoted\" Ltd"]),
        ("name=%22Quoted%22", &["O'Brien \"Quoted\" Ltd"]),
        ("name=%22", &["O'Brien \"Quoted\" Ltd"]),
        ("name='", &["O'Brien \"Quoted\" Ltd"]),
        // unicode, long
        ("city=m%C3%BCnchen", &["Bäckerei Müller"]),
        ("city=M%C3%9CNCHEN", &["Bäckerei Müller"]),
        ("name=B%C3%84CKEREI", &["Bäckerei Müller"]),
        ("name=m%C3%BCller", &["Bäckerei Müller"]),
        // city, industry
        ("city=new%20york", &["ACME Corporation", "Globex"]),
        ("city=NY", &[]),
        ("city=ris", &["100% Pure_Juice", "100 Percent PureXJuice"]),
        ("industry=food", &["Bäckerei Müller", "100% Pure_Juice"]),
        (
            "industry=FOOD%20%26%20BEV",
            &["Bäckerei Müller", "100% Pure_Juice"],
        ),
        ("industry=gy", &["ACME Corporation", "Globex"]),
        // tags: any-of, case-insensitive, comma-separated or repeated
        ("tags=enterprise", &["ACME Corporation", "Globex"]),
        (
            "tags=VIP",
            &["100% Pure_Juice", "100 Percent PureXJuice", "Globex"],
        ),
        ("tags=smb,bio", &["Acme Widgets", "Bäckerei Müller"]),
        ("tags=smb&tags=BIO", &["Acme Widgets", "Bäckerei Müller"]),
        ("tags=smb,%20,nope", &["Acme Widgets"]),
        ("tags=nope", &[]),
        // status narrows
        (
            "status=closed",
            &["Acme Widgets", "100 Percent PureXJuice", "Globex"],
        ),
        ("status=OPEN&name=acme", &["ACME Corporation"]),
        // AND of everything
        ("name=acme&city=new%20york", &["ACME Corporation"]),
        ("name=acme&industry=manu", &["Acme Widgets"]),
        (
            "tags=vip&city=paris&status=closed",
            &["100 Percent PureXJuice"],
        ),
        ("tags=enterprise&city=boston", &[]),
        ("name=100&industry=food&tags=vip", &["100% Pure_Juice"]),
        // empty values are no filter
        (
            "name=&city=%20&tags=",
            &[
                "ACME Corporation",
                "Acme Widgets",
                "Bäckerei Müller",
                "O'Brien \"Quoted\" Ltd",
                "100% Pure_Juice",
                "100 Percent PureXJuice",
                "Globex",
            ],
        ),
    ];
    let mut failures = Vec::new();
    for (query, want) in cases {
        let body = app.list(&admin, &format!("{query}&limit=100")).await;
        let got = sorted(all_names(&body));
        let want = sorted(want.iter().map(|s| s.to_string()).collect());
        let open = body["open_accounts"].as_array().unwrap().len() as i64;
        let closed = body["closed_accounts"].as_array().unwrap().len() as i64;
        if got != want
            || body["open_accounts_count"] != json!(open)
            || body["closed_accounts_count"] != json!(closed)
            || body["accounts_count"] != json!(open + closed)
        {
            failures.push(format!(
                "?{query}: got {got:?} (counts {}/{}/{}), want {want:?}",
                body["accounts_count"], body["open_accounts_count"], body["closed_accounts_count"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "filter mismatches:\n{}",
        failures.join("\n")
    );
}

both_engines!(contact_filter_folds_unicode_case);
async fn contact_filter_folds_unicode_case() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    let (status, _) = app
        .post(
            &admin,
            "/api/contacts/",
            json!({"first_name": "Åsa", "last_name": "Müller"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    for q in ["%C3%85sa", "%C3%A5sa", "M%C3%9CLLER", "%C3%A5SA%20m%C3%BC"] {
        let (status, list) = app.get(&admin, &format!("/api/contacts/?name={q}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["contacts_count"], 1, "?name={q}: {list}");
    }
}

both_engines!(team_members_are_listed_once);
async fn team_members_are_listed_once() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    let (status, t) = app
        .post(
            &admin,
            "/api/teams/",
            json!({"name": "Dup", "users": [admin.id, admin.id]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let (_, teams) = app.get(&admin, "/api/teams/").await;
    assert_eq!(teams["teams"][0]["users"], json!([admin.id]));
    assert_eq!(
        t["users"],
        json!([admin.id]),
        "the create answer differs from what was stored"
    );
}

both_engines!(short_unicode_filters_fold_case_too);
async fn short_unicode_filters_fold_case_too() {
    let app = TestApp::start().await;
    let admin = filter_fixture(&app).await;
    // Fewer than 3 characters takes the non-index path; it must fold non-ASCII case as well.
    for query in ["city=%C3%BC", "city=%C3%9C", "name=%C3%84C", "name=%C3%A4c"] {
        let body = app.list(&admin, query).await;
        assert_eq!(all_names(&body), ["Bäckerei Müller"], "?{query}: {body}");
        assert_eq!(body["accounts_count"], 1, "?{query}");
    }
}

both_engines!(paging_edges_and_newest_first);
async fn paging_edges_and_newest_first() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    // 13 open and 4 closed, created in order; newest first means reverse creation order.
    for i in 0..17 {
        let status = if i % 4 == 3 && i < 16 {
            "closed"
        } else {
            "open"
        };
        app.account(&admin, &format!("Acct {i:02}"), json!({"status": status}))
            .await;
    }
    let all = app.list(&admin, "limit=1000").await;
    let open_all = names(&all["open_accounts"]);
    let closed_all = names(&all["closed_accounts"]);
    assert_eq!(open_all.len(), 13);
    assert_eq!(closed_all, ["Acct 15", "Acct 11", "Acct 07", "Acct 03"]);
    assert_eq!(open_all[0], "Acct 16");
    assert_eq!(open_all[12], "Acct 00");
    assert!(
        open_all.windows(2).all(|w| w[0] > w[1]),
        "newest first: {open_all:?}"
    );

    // Default 10; counts are totals, not the page's length.
    let page = app.list(&admin, "").await;
    assert_eq!(names(&page["open_accounts"]), open_all[..10]);
    assert_eq!(names(&page["closed_accounts"]), closed_all);
    assert_eq!(
        (
            page["accounts_count"].clone(),
            page["open_accounts_count"].clone(),
            page["closed_accounts_count"].clone()
        ),
        (json!(17), json!(13), json!(4))
    );

    // Each list paged on its own.
    let page = app.list(&admin, "limit=3&offset=2").await;
    assert_eq!(names(&page["open_accounts"]), open_all[2..5]);
    assert_eq!(names(&page["closed_accounts"]), closed_all[2..4]);
    assert_eq!(page["open_accounts_count"], 13);
    assert_eq!(page["closed_accounts_count"], 4);

    // offset past the end of one list only, then of both.
    let page = app.list(&admin, "limit=5&offset=10").await;
    assert_eq!(names(&page["open_accounts"]), open_all[10..]);
    assert_eq!(page["closed_accounts"], json!([]));
    assert_eq!(page["accounts_count"], 17);
    let page = app.list(&admin, "offset=1000000").await;
    assert_eq!(page["open_accounts"], json!([]));
    assert_eq!(page["closed_accounts"], json!([]));
    assert_eq!(page["accounts_count"], 17);

    // limit 0: counts only.
    let page = app.list(&admin, "limit=0").await;
    assert_eq!(page["open_accounts"], json!([]));
    assert_eq!(page["closed_accounts"], json!([]));
    assert_eq!(page["open_accounts_count"], 13);

    // limit over the maximum is clamped, not rejected.
    let page = app.list(&admin, "limit=5000").await;
    assert_eq!(names(&page["open_accounts"]).len(), 13);
    let page = app
        .list(
            &admin,
            "limit=9223372036854775807&offset=9223372036854775807",
        )
        .await;
    assert_eq!(page["open_accounts"], json!([]));

    // Bad numbers name their parameter.
    for (query, param) in [
        ("limit=-1", "limit"),
        ("offset=-5", "offset"),
        ("limit=ten", "limit"),
        ("offset=1.5", "offset"),
        ("limit=99999999999999999999", "limit"),
        ("limit=", "limit"),
        ("status=archived", "status"),
    ] {
        let (status, body) = app.get(&admin, &format!("/api/accounts/?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "?{query}: {body}");
        assert_field_error(&body, param);
    }
    // Both bad: both named.
    let (status, body) = app.get(&admin, "/api/accounts/?limit=x&offset=y").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_field_error(&body, "limit");
    assert_field_error(&body, "offset");

    // A 1001-account list is clamped to 1000.
    app.db(|tx| {
        let org = crmtui::server::store::directory::ensure_org(tx, "Org")?;
        let old = chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        for i in 0..1000 {
            tx.exec(
                "INSERT INTO accounts (id, org_id, name, name_key, created_on)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &Uuid::new_v4(),
                    &org,
                    &format!("Bulk {i}"),
                    &format!("bulk {i}"),
                    &old,
                ],
            )?;
        }
        Ok(())
    })
    .await;
    let page = app.list(&admin, "limit=100000").await;
    assert_eq!(page["open_accounts"].as_array().unwrap().len(), 1000);
    assert_eq!(page["open_accounts_count"], 1013);
    // The old rows come last (newest first).
    assert_eq!(page["open_accounts"][0]["name"], "Acct 16");
}

both_engines!(detail_lists_real_related_rows);
async fn detail_lists_real_related_rows() {
    let app = TestApp::start().await;
    let admin = app.admin("Demo Org", "a@demo.test").await;
    app.db(|tx| crmtui::server::store::seed::seed_demo(tx, "Demo Org", 40))
        .await;
    let counts = app
        .db(|tx| {
            let n = |sql: &str| tx.one(sql, &[], |r| r.i64(0));
            Ok((
                n("SELECT count(*) FROM opportunities WHERE account_id IS NOT NULL")?,
                n("SELECT count(*) FROM cases WHERE account_id IS NOT NULL")?,
                n("SELECT count(*) FROM tasks WHERE account_id IS NOT NULL")?,
                n("SELECT count(*) FROM invoices WHERE account_id IS NOT NULL")?,
            ))
        })
        .await;
    assert!(
        counts.0 > 0 && counts.1 > 0 && counts.2 > 0 && counts.3 > 0,
        "{counts:?}"
    );
    let list = app.list(&admin, "limit=100").await;
    assert_eq!(list["accounts_count"], 40);
    let mut seen = [0usize; 6];
    for item in all_list(&list) {
        let id = id_of(item);
        let (status, d) = app.get(&admin, &format!("/api/accounts/{id}/")).await;
        assert_eq!(status, StatusCode::OK, "{d}");
        for (i, key) in [
            "opportunities",
            "cases",
            "tasks",
            "invoices",
            "contacts",
            "comments",
        ]
        .iter()
        .enumerate()
        {
            let rows = d[key].as_array().unwrap();
            seen[i] += rows.len();
            for row in rows {
                assert!(row["id"].is_string(), "{key}: {row}");
                if *key != "contacts" && *key != "comments" {
                    // `{id, name}` for deals, cases and tasks; a bare uuid for invoices.
                    let account = row["account"].get("id").unwrap_or(&row["account"]);
                    assert_eq!(account, &json!(id), "{key}");
                }
            }
        }
        assert_eq!(
            d["assigned_to"].as_array().unwrap().len(),
            item["assigned_to"].as_array().unwrap().len()
        );
        assert_eq!(d["tags"], item["tags"]);
    }
    assert_eq!(seen[0] as i64, counts.0);
    assert_eq!(seen[1] as i64, counts.1);
    assert_eq!(seen[2] as i64, counts.2);
    assert_eq!(seen[3] as i64, counts.3);
    assert!(seen[4] > 0 && seen[5] > 0, "{seen:?}");
}

fn all_list(body: &Value) -> Vec<&Value> {
    body["open_accounts"]
        .as_array()
        .unwrap()
        .iter()
        .chain(body["closed_accounts"].as_array().unwrap())
        .collect()
}

both_engines!(mail_is_stored_scheduled_or_rejected);
async fn mail_is_stored_scheduled_or_rejected() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    let id = id_of(&app.account(&admin, "Mail Co", json!({})).await);
    let path = format!("/api/accounts/{id}/create_mail/");
    let future = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let base = json!({"recipients": ["x@client.com"], "subject": "Hi", "html": "<p>x</p>"});
    let with = |extra: Value| {
        let mut b = base.clone();
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };

    let (status, sent) = app
        .post(
            &admin,
            &path,
            with(json!({"scheduled_later": true, "scheduled_date_time": future})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["status"], "success");
    let email_id = Uuid::parse_str(sent["email_id"].as_str().unwrap()).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let state = app
        .db(move |tx| crmtui::server::store::mail::state(tx, email_id))
        .await;
    assert_eq!(state.as_deref(), Some("scheduled"));

    // Without from_account, still stored (sender: the caller).
    let (status, sent) = app.post(&admin, &path, base.clone()).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["message"], "Email sent successfully");

    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    for (body, field) in [
        (
            with(json!({"scheduled_later": true, "scheduled_date_time": past})),
            "scheduled_date_time",
        ),
        (
            with(json!({"scheduled_later": true})),
            "scheduled_date_time",
        ),
        (
            with(json!({"scheduled_later": true, "scheduled_date_time": null})),
            "scheduled_date_time",
        ),
        (
            with(json!({"scheduled_later": true, "scheduled_date_time": "next tuesday"})),
            "scheduled_date_time",
        ),
        (with(json!({"recipients": []})), "recipients"),
        (with(json!({"recipients": ["  "]})), "recipients"),
        (
            with(json!({"recipients": ["not-an-address"]})),
            "recipients",
        ),
        (
            with(json!({"recipients": ["ok@client.com", "bad@"]})),
            "recipients",
        ),
        (with(json!({"recipients": "x@client.com"})), "recipients"),
        (json!({"subject": "no recipients"}), "recipients"),
        (with(json!({"subject": ""})), "subject"),
        (with(json!({"from_account": "nobody"})), "from_account"),
        (with(json!({"scheduled_later": 3})), "scheduled_later"),
    ] {
        let (status, out) = app.post(&admin, &path, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} → {out}");
        assert_field_error(&out, field);
    }
    // Nothing stored by the failures.
    assert_eq!(count_rows(&app, "SELECT count(*) FROM emails").await, 2);
    // Unknown account: 404.
    let (status, _) = app
        .post(
            &admin,
            &format!("/api/accounts/{}/create_mail/", Uuid::new_v4()),
            base,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

both_engines!(comment_or_attachment_is_required_and_tags_are_case_insensitive);
async fn comment_or_attachment_is_required_and_tags_are_case_insensitive() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    let id = id_of(
        &app.account(&admin, "C Co", json!({"tags": ["Key", "key", " KEY "]}))
            .await,
    );
    let (_, d) = app.get(&admin, &format!("/api/accounts/{id}/")).await;
    assert_eq!(d["tags"], json!(["Key"]));
    for body in [
        json!({}),
        json!({"comment": "   "}),
        json!({"comment": null}),
    ] {
        let (status, out) = app
            .post(&admin, &format!("/api/accounts/{id}/"), body.clone())
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {out}");
        assert_eq!(out["error"], true);
    }
    // Editing to empty is refused.
    let (_, added) = app
        .post(
            &admin,
            &format!("/api/accounts/{id}/"),
            json!({"comment": "x"}),
        )
        .await;
    let cid = id_of(&added["comment"]);
    let (status, out) = app
        .put(
            &admin,
            &format!("/api/accounts/comment/{cid}/"),
            json!({"comment": " "}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_field_error(&out, "comment");
    // Update can clear tags and links with null or [].
    let (status, out) = app
        .put(
            &admin,
            &format!("/api/accounts/{id}/"),
            json!({"tags": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["tags"], json!([]));
}

both_engines!(renames_status_changes_and_deletes_keep_search_and_counts_right);
async fn renames_status_changes_and_deletes_keep_search_and_counts_right() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    let a = id_of(
        &app.account(
            &admin,
            "Oldname Alpha",
            json!({"billing_city": "Springfield", "industry": "Energy"}),
        )
        .await,
    );
    let b = id_of(&app.account(&admin, "Beta", json!({})).await);
    let (status, _) = app
        .put(
            &admin,
            &format!("/api/accounts/{a}/"),
            json!({"name": "Newname Gamma", "billing_city": "Shelbyville", "industry": "Nuclear", "status": "closed"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for (query, want) in [
        ("name=oldname", 0),
        ("name=newname", 1),
        ("city=springfield", 0),
        ("city=shelby", 1),
        ("industry=energy", 0),
        ("industry=nuclear", 1),
    ] {
        assert_eq!(
            app.list(&admin, query).await["accounts_count"],
            want,
            "?{query}"
        );
    }
    // Totals follow the status change and deletes (the unfiltered admin list uses kept counts).
    let list = app.list(&admin, "").await;
    assert_eq!(
        (
            list["open_accounts_count"].clone(),
            list["closed_accounts_count"].clone()
        ),
        (json!(1), json!(1))
    );
    let (status, _) = app.delete(&admin, &format!("/api/accounts/{b}/")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.delete(&admin, &format!("/api/accounts/{a}/")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let list = app.list(&admin, "").await;
    assert_eq!(
        (
            list["accounts_count"].clone(),
            list["open_accounts_count"].clone()
        ),
        (json!(0), json!(0))
    );
    // A new account may reuse the row key of a deleted one: the index must not remember the old text.
    app.account(&admin, "Fresh Delta", json!({})).await;
    assert_eq!(app.list(&admin, "name=newname").await["accounts_count"], 0);
    assert_eq!(app.list(&admin, "name=beta").await["accounts_count"], 0);
    assert_eq!(app.list(&admin, "name=fresh").await["accounts_count"], 1);
    // And the deleted name is free again.
    app.account(&admin, "beta", json!({})).await;
}

both_engines!(concurrent_writes_are_serialized_without_errors);
async fn concurrent_writes_are_serialized_without_errors() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..24 {
        let req = app.req(&admin, Method::POST, "/api/accounts/");
        // Half race for one name; the rest are distinct.
        let name = if i % 2 == 0 {
            "Contested".to_string()
        } else {
            format!("Distinct {i}")
        };
        set.spawn(send(
            req.json(&json!({"name": name, "tags": ["race", format!("t{i}")]})),
        ));
    }
    let mut created = 0;
    let mut refused = 0;
    while let Some(res) = set.join_next().await {
        let (status, body) = res.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::BAD_REQUEST => {
                assert_field_error(&body, "name");
                refused += 1;
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!((created, refused), (13, 11));
    let list = app.list(&admin, "tags=race&limit=100").await;
    assert_eq!(list["accounts_count"], 13);
}

both_engines!(two_files_in_one_request_are_refused_and_leave_nothing);
async fn two_files_in_one_request_are_refused_and_leave_nothing() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    let acc = id_of(&app.account(&admin, "Files", json!({})).await);
    let form = Form::new()
        .part(
            "attachment",
            Part::bytes(vec![1u8; 1000]).file_name("one.bin"),
        )
        .part(
            "account_attachment",
            Part::bytes(vec![2u8; 1000]).file_name("two.bin"),
        );
    let (status, body) = send(
        app.req(&admin, Method::POST, &format!("/api/accounts/{acc}/"))
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], true);
    assert_eq!(app.file_count().await, 0);
    // A file part in a field of another name is no attachment.
    let form = Form::new().part(
        "document",
        Part::bytes(b"text".to_vec()).file_name("doc.txt"),
    );
    let (status, _) = send(
        app.req(&admin, Method::POST, &format!("/api/accounts/{acc}/"))
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(app.file_count().await, 0);
    // An update with a file discards it.
    let form = Form::new()
        .text("phone", "+1")
        .part("attachment", Part::bytes(vec![3u8; 10]).file_name("x.bin"));
    let (status, out) = send(
        app.req(&admin, Method::PUT, &format!("/api/accounts/{acc}/"))
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["phone"], "+1");
    assert_eq!(app.file_count().await, 0);
}

both_engines!(downloads_keep_unicode_file_names_and_are_not_sniffed);
async fn downloads_keep_unicode_file_names_and_are_not_sniffed() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    let acc = id_of(&app.account(&admin, "Names", json!({})).await);
    let form = Form::new().part(
        "attachment",
        Part::bytes(b"<script>alert(1)</script>".to_vec())
            .file_name("Angebot Müller \"final\".html")
            .mime_str("text/html")
            .unwrap(),
    );
    let (status, added) = send(
        app.req(&admin, Method::POST, &format!("/api/accounts/{acc}/"))
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(
        added["attachment"]["file_name"],
        "Angebot Müller \"final\".html"
    );
    let res = app
        .req(
            &admin,
            Method::GET,
            added["attachment"]["attachment"].as_str().unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cd = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(
        cd.contains("filename*=UTF-8''Angebot%20M%C3%BCller%20%22final%22.html"),
        "{cd}"
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
}

both_engines!(a_scheduled_mail_joins_the_outbox_when_due);
async fn a_scheduled_mail_joins_the_outbox_when_due() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    let id = id_of(&app.account(&admin, "Soon", json!({})).await);
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let (status, sent) = app
        .post(
            &admin,
            &format!("/api/accounts/{id}/create_mail/"),
            json!({"recipients": ["x@client.com"], "subject": "Soon", "html": "", "scheduled_later": "true", "scheduled_date_time": soon}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let email_id = Uuid::parse_str(sent["email_id"].as_str().unwrap()).unwrap();
    let state = app
        .db(move |tx| crmtui::server::store::mail::state(tx, email_id))
        .await;
    assert_eq!(state.as_deref(), Some("scheduled"));
    // The mailer checks due times every few seconds; without SMTP the mail waits, queued.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let state = app
            .db(move |tx| crmtui::server::store::mail::state(tx, email_id))
            .await;
        if state.as_deref() == Some("queued") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still {state:?}");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    // Deleting the account keeps the mail (the outbox never drops one silently).
    let (status, _) = app.delete(&admin, &format!("/api/accounts/{id}/")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let state = app
        .db(move |tx| crmtui::server::store::mail::state(tx, email_id))
        .await;
    assert_eq!(state.as_deref(), Some("queued"));
}

/// Every account's links as the link tables hold them: `id → (assigned, teams, contacts, tags)`,
/// each sorted.
type Links = std::collections::BTreeMap<String, [Vec<String>; 4]>;

async fn links_in_tables(app: &TestApp) -> Links {
    app.db(|tx| {
        let mut out = Links::new();
        for id in tx.rows("SELECT CAST(id AS TEXT) FROM accounts", &[], |r| r.text(0))? {
            out.insert(id, Default::default());
        }
        for (i, sql) in [
            "SELECT CAST(a.id AS TEXT), CAST(l.user_id AS TEXT) FROM account_assignees l JOIN accounts a ON a.pk = l.account_pk",
            "SELECT CAST(a.id AS TEXT), CAST(l.team_id AS TEXT) FROM account_teams l JOIN accounts a ON a.pk = l.account_pk",
            "SELECT CAST(a.id AS TEXT), CAST(l.contact_id AS TEXT) FROM account_contacts l JOIN accounts a ON a.pk = l.account_pk",
            "SELECT CAST(a.id AS TEXT), t.name FROM account_tags l JOIN accounts a ON a.pk = l.account_pk JOIN tags t ON t.id = l.tag_id",
        ]
        .into_iter()
        .enumerate()
        {
            for (id, v) in tx.rows(sql, &[], |r| Ok((r.text(0)?, r.text(1)?)))? {
                out.get_mut(&id).unwrap()[i].push(v);
            }
        }
        for v in out.values_mut() {
            v.iter_mut().for_each(|l| l.sort());
        }
        Ok(out)
    })
    .await
}

fn links_of(item: &Value) -> [Vec<String>; 4] {
    let list = |k: &str| {
        let mut v: Vec<String> = item[k]
            .as_array()
            .unwrap_or_else(|| panic!("{k}: {item}"))
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    [
        list("assigned_to"),
        list("teams"),
        list("contacts"),
        list("tags"),
    ]
}

/// The list, the detail and the link tables agree on every account's links.
async fn assert_links_agree(app: &TestApp, who: &Session, when: &str) {
    let truth = links_in_tables(app).await;
    let list = app.list(who, "limit=1000").await;
    let items = all_list(&list);
    assert_eq!(items.len(), truth.len(), "{when}");
    for item in items {
        let id = id_of(item);
        assert_eq!(links_of(item), truth[&id], "{when}: list item {id}");
        let (_, d) = app.get(who, &format!("/api/accounts/{id}/")).await;
        assert_eq!(
            links_of(&d["account_obj"]),
            truth[&id],
            "{when}: detail account_obj {id}"
        );
        let objs = |k: &str| {
            let mut v: Vec<String> = d[k].as_array().unwrap().iter().map(id_of).collect();
            v.sort();
            v
        };
        assert_eq!(
            objs("assigned_to"),
            truth[&id][0],
            "{when}: detail assigned_to objects {id}"
        );
        assert_eq!(
            objs("teams"),
            truth[&id][1],
            "{when}: detail teams objects {id}"
        );
        assert_eq!(
            objs("contacts"),
            truth[&id][2],
            "{when}: detail contacts objects {id}"
        );
        let mut tags: Vec<String> = d["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        tags.sort();
        assert_eq!(tags, truth[&id][3], "{when}: detail tags {id}");
    }
}

both_engines!(links_shown_always_match_the_link_tables);
async fn links_shown_always_match_the_link_tables() {
    let app = TestApp::start().await;
    let admin = app.admin("Demo Org", "a@demo.test").await;
    app.db(|tx| crmtui::server::store::seed::seed_demo(tx, "Demo Org", 25))
        .await;
    assert_links_agree(&app, &admin, "after seeding").await;

    let u = app.user("Demo Org", "u@demo.test", Role::User).await;
    let c1 = contact(&app, &admin, "Linda").await;
    let c2 = contact(&app, &admin, "Lars").await;
    let t = team(&app, &admin, "Linkers", vec![]).await;
    let acc = id_of(
        &app.account(
            &admin,
            "Linked Co",
            json!({"contacts": [c1, c2], "assigned_to": [u.id, admin.id], "teams": [t], "tags": ["one", "Two"]}),
        )
        .await,
    );
    assert_links_agree(&app, &admin, "after a create").await;
    let form = Form::new()
        .text("name", "Linked Multipart")
        .text("contacts", json!([c1]).to_string())
        .text("tags", "three, one");
    let (status, _) = send(
        app.req(&admin, Method::POST, "/api/accounts/")
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_links_agree(&app, &admin, "after a multipart create").await;

    let (status, _) = app
        .put(
            &admin,
            &format!("/api/accounts/{acc}/"),
            json!({"assigned_to": [u.id], "tags": ["two", "four"], "teams": []}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_links_agree(&app, &admin, "after an update").await;
    let (status, _) = app
        .put(
            &admin,
            &format!("/api/accounts/{acc}/"),
            json!({"phone": "+1"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_links_agree(&app, &admin, "after an update without links").await;

    let (status, _) = app.delete(&admin, &format!("/api/contacts/{c1}/")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_links_agree(&app, &admin, "after deleting a linked contact").await;

    // The assignee's own view agrees too.
    let list = app.list(&u, "limit=1000").await;
    assert!(all_list(&list).iter().any(|a| id_of(a) == acc));
    let truth = links_in_tables(&app).await;
    for item in all_list(&list) {
        assert_eq!(links_of(item), truth[&id_of(item)], "USER view");
    }
}

both_engines!(mail_goes_out_over_smtp_when_configured);
async fn mail_goes_out_over_smtp_when_configured() {
    let (port, mut inbox) = fake_smtp().await;
    let app = TestApp::with(smtp_to(port)).await;
    let ana = app.admin("Org A", "ana@a.example").await;
    let id = app.account(&ana, "Mailed Inc", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = app
        .post(
            &ana,
            &format!("/api/accounts/{id}/create_mail/"),
            json!({"recipients": ["client@example.org"], "subject": "Quarterly review",
                   "html": "<p>Dear client</p>", "scheduled_later": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let email_id: Uuid = body["email_id"].as_str().unwrap().parse().unwrap();

    let message = tokio::time::timeout(std::time::Duration::from_secs(10), inbox.recv())
        .await
        .expect("the mail reaches the SMTP server")
        .unwrap();
    assert!(message.contains("Subject: Quarterly review"), "{message}");
    assert!(message.contains("To: client@example.org"), "{message}");
    assert!(message.contains("From: crm@example.com"), "{message}");
    assert!(message.contains("<p>Dear client</p>"), "{message}");

    // The outbox records the delivery.
    let mut state = None;
    for _ in 0..50 {
        state = app
            .db(move |tx| crmtui::server::store::mail::state(tx, email_id))
            .await;
        if state.as_deref() == Some("sent") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(state.as_deref(), Some("sent"));
}

both_engines!(stored_row_json_matches_the_records_and_is_filled_at_start);
/// The page copies each account's and contact's stored JSON (`row_json`): it must say what the
/// detail and contact endpoints say after every kind of write, and rows stored before the column
/// existed (NULL) must read the same, and be filled when a core opens the database.
async fn stored_row_json_matches_the_records_and_is_filled_at_start() {
    let app = TestApp::start().await;
    let admin = app.admin("Demo Org", "a@demo.test").await;
    app.db(|tx| crmtui::server::store::seed::seed_demo(tx, "Demo Org", 12))
        .await;
    let c1 = contact(&app, &admin, "Zoë").await;
    let acc = id_of(
        &app.account(
            &admin,
            "Quoted \"Co\"\n",
            json!({"contacts": [c1], "tags": ["x"]}),
        )
        .await,
    );
    let (status, _) = app
        .put(
            &admin,
            &format!("/api/contacts/{c1}/"),
            json!({"last_name": "Renamed"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .put(
            &admin,
            &format!("/api/accounts/{acc}/"),
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let before = app.list(&admin, "limit=100").await;
    row_json_agrees(&app, &admin, &before).await;

    app.db(|tx| {
        tx.exec("UPDATE accounts SET row_json = NULL", &[])?;
        tx.exec("UPDATE contacts SET row_json = NULL", &[])
    })
    .await;
    assert_eq!(
        app.list(&admin, "limit=100").await,
        before,
        "rows without JSON"
    );

    // A core opening the database fills the rows in. (It closes on this blocking thread: the
    // PostgreSQL client may not be dropped on an async one.)
    let settings = (*app.core.state.settings).clone();
    tokio::task::spawn_blocking(move || crmtui::server::Core::open(settings).map(drop))
        .await
        .unwrap()
        .expect("core reopens");
    assert_eq!(
        app.count("SELECT count(*) FROM accounts WHERE row_json IS NULL")
            .await
            + app
                .count("SELECT count(*) FROM contacts WHERE row_json IS NULL")
                .await,
        0
    );
    assert_eq!(
        app.list(&admin, "limit=100").await,
        before,
        "after the fill"
    );
}

/// Each account and contact of `list` is what its own endpoint says.
async fn row_json_agrees(app: &TestApp, admin: &Session, list: &Value) {
    for item in all_list(list) {
        let (status, detail) = app
            .get(admin, &format!("/api/accounts/{}/", id_of(item)))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(item, &detail["account_obj"], "account");
    }
    for c in list["contacts"].as_array().unwrap() {
        let (status, one) = app
            .get(admin, &format!("/api/contacts/{}/", id_of(c)))
            .await;
        assert_eq!(status, StatusCode::OK);
        // The page's contact keeps the accounts' shape; each of its keys says what the
        // contact's own record says.
        for (key, value) in c.as_object().unwrap() {
            assert_eq!(value, &one["contact_obj"][key], "contact {key}");
        }
    }
    assert!(
        list["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["last_name"] == "Renamed"),
        "the renamed contact is on the page"
    );
}
