//! Who may do what: sign-in, tokens, the org header, tenancy between orgs and the roles within
//! one, and the `admin create-user` command.

mod common;

use common::*;
use crmtui::model::Role;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

both_engines!(login_refresh_profile_and_hashed_passwords);
async fn login_refresh_profile_and_hashed_passwords() {
    let app = TestApp::start().await;
    let admin = app.admin("Org One", "Boss@Org.test").await;

    let (status, body) = app.login("boss@org.test", "wrong password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_message_error(&body);
    let (status, body) = app.login("nobody@org.test", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_message_error(&body);
    let (status, body) = send(
        app.raw(Method::POST, "/api/auth/login/")
            .json(&json!({"email": "boss@org.test"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], true);

    // The shape; email matching ignores case.
    let (status, body) = app.login("BOSS@org.TEST", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["access_token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );
    assert!(
        body["refresh_token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );
    assert_eq!(
        body["user"],
        json!({"id": admin.id, "email": "Boss@Org.test"})
    );
    assert_eq!(
        body["organizations"],
        json!([{"id": admin.org, "name": "Org One", "role": "ADMIN"}])
    );

    // Refresh gives a working access token, in Django-CRM's shape.
    let (status, body) = send(
        app.raw(Method::POST, "/api/auth/refresh-token/")
            .json(&json!({"refresh": admin.refresh})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let access = body["access"].as_str().expect("access").to_string();
    let fresh = Session {
        token: access,
        ..admin.clone()
    };
    let (status, profile) = app.get(&fresh, "/api/profile/").await;
    assert_eq!(status, StatusCode::OK, "{profile}");
    assert_eq!(
        profile["user"],
        json!({"id": admin.id, "email": "Boss@Org.test"})
    );
    assert_eq!(
        profile["org"],
        json!({"id": admin.org, "name": "Org One", "role": "ADMIN"})
    );
    // An access token is no refresh token, and garbage is neither.
    for refresh in [admin.token.as_str(), "garbage", ""] {
        let (status, body) = send(
            app.raw(Method::POST, "/api/auth/refresh-token/")
                .json(&json!({"refresh": refresh})),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{refresh}: {body}");
        assert_message_error(&body);
    }

    // Passwords are slow salted hashes, never plain.
    let hashes: Vec<String> = app
        .db(|tx| tx.rows("SELECT password_hash FROM users", &[], |r| r.text(0)))
        .await;
    app.user("Org One", "second@org.test", Role::User).await;
    assert!(!hashes.is_empty());
    for h in &hashes {
        assert!(h.starts_with("$argon2"), "{h}");
        assert!(!h.contains(PASSWORD));
    }
    let two: Vec<String> = app
        .db(|tx| {
            tx.rows(
                "SELECT password_hash FROM users ORDER BY email_key",
                &[],
                |r| r.text(0),
            )
        })
        .await;
    assert_eq!(two.len(), 2);
    assert_ne!(two[0], two[1], "same password, same hash: no salt");
}

/// Unpadded base64url, as JWTs use it.
fn b64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn mint(secret: &[u8], sub: Uuid, typ: &str, exp_offset: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"sub": sub, "iat": now - 3600, "exp": now + exp_offset, "typ": typ, "jti": Uuid::new_v4()});
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap()
}

both_engines!(tokens_are_checked_everywhere);
async fn tokens_are_checked_everywhere() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    let account = id_of(&app.account(&admin, "Tok", json!({})).await);
    let (_, added) = app
        .post(
            &admin,
            &format!("/api/accounts/{account}/"),
            json!({"comment": "c"}),
        )
        .await;
    let comment = id_of(&added["comment"]);
    let secret: Vec<u8> = app
        .db(|tx| {
            tx.one(
                "SELECT value FROM settings WHERE key = 'jwt_secret'",
                &[],
                |r| r.bytes(0),
            )
        })
        .await;

    // Sanity: a token minted here with the core's key works, so the failures below are real.
    let good = mint(&secret, admin.id, "access", 600);
    let (status, _) = send(app.raw(Method::GET, "/api/profile/").bearer_auth(&good)).await;
    assert_eq!(status, StatusCode::OK);

    let expired = mint(&secret, admin.id, "access", -600);
    let wrong_key = mint(b"not the key of this workspace!!!", admin.id, "access", 600);
    let unknown_user = mint(&secret, Uuid::new_v4(), "access", 600);
    let auths: Vec<(&str, Option<String>)> = vec![
        ("none", None),
        ("bad", Some("Bearer not.a.jwt".into())),
        ("empty bearer", Some("Bearer ".into())),
        ("basic", Some("Basic YTpi".into())),
        ("no scheme", Some(admin.token.clone())),
        ("expired", Some(format!("Bearer {expired}"))),
        ("wrong key", Some(format!("Bearer {wrong_key}"))),
        (
            "refresh as access",
            Some(format!("Bearer {}", admin.refresh)),
        ),
        ("unknown user", Some(format!("Bearer {unknown_user}"))),
    ];
    let calls = [
        (Method::GET, "/api/accounts/".to_string()),
        (Method::GET, format!("/api/accounts/{account}/")),
        (Method::POST, "/api/accounts/".to_string()),
        (Method::PUT, format!("/api/accounts/comment/{comment}/")),
        (
            Method::DELETE,
            format!("/api/accounts/attachment/{}/", Uuid::new_v4()),
        ),
        (Method::GET, "/api/profile/".to_string()),
        (Method::GET, "/api/contacts/".to_string()),
        (Method::GET, "/api/users/".to_string()),
        (Method::GET, "/api/teams/".to_string()),
    ];
    for (what, auth) in &auths {
        for (method, path) in &calls {
            let mut req = app
                .raw(method.clone(), path)
                .header("organization-id", admin.org.to_string());
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            let (status, body) = send(req.json(&json!({"name": "x", "comment": "y"}))).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{what}: {method} {path}: {body}"
            );
            assert_message_error(&body);
        }
    }
    // Forged tokens: `alg: none`, another algorithm, a tampered payload.
    let b64 = |v: &Value| b64url(v.to_string().as_bytes());
    let claims = json!({"sub": admin.id, "iat": 0, "exp": 4_000_000_000i64, "typ": "access", "jti": Uuid::new_v4()});
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims)
    );
    let parts: Vec<&str> = good.split('.').collect();
    // The encoder is right, so the forgeries below are well-formed.
    assert_eq!(b64url(br#"{"typ":"JWT","alg":"HS256"}"#), parts[0]);
    let mut admin_claims = claims.clone();
    admin_claims["sub"] = json!(Uuid::new_v4());
    let tampered = format!("{}.{}.{}", parts[0], b64(&admin_claims), parts[2]);
    let hs512 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(&secret),
    )
    .unwrap();
    for (what, token) in [("alg none", none), ("tampered", tampered), ("HS512", hs512)] {
        let (status, body) = send(app.raw(Method::GET, "/api/profile/").bearer_auth(&token)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
    }
    // Demo users (unusable password "!") cannot sign in.
    app.db(|tx| crmtui::server::store::seed::seed_demo(tx, "Demo Org", 1).map(|_| ()))
        .await;
    let (status, _) = app.login("ana@demo.crmtui.invalid", "!").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The expired one says so.
    let (_, body) = send(app.raw(Method::GET, "/api/profile/").bearer_auth(&expired)).await;
    assert!(
        body["errors"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("expired"),
        "{body}"
    );
    // Nothing was changed by any of them.
    let (_, d) = app.get(&admin, &format!("/api/accounts/{account}/")).await;
    assert_eq!(d["comments"][0]["comment"], "c");
    assert_eq!(app.list(&admin, "").await["accounts_count"], 1);
}

both_engines!(org_header_rules);
async fn org_header_rules() {
    let app = TestApp::start().await;
    let solo = app.user("Solo Org", "solo@x.test", Role::User).await;
    let multi_a = app.admin("Org A", "multi@x.test").await;
    let multi_b = app.user("Org B", "multi@x.test", Role::User).await;
    assert_eq!(multi_a.id, multi_b.id);
    let multi = Session {
        token: multi_b.token.clone(),
        ..multi_a.clone()
    };
    app.account(&multi_a, "In A", json!({})).await;

    // Not a UUID: 400 naming the header (both spellings).
    for (header, value) in [
        ("organization-id", "not-a-uuid"),
        ("organization-id", ""),
        ("org", "123"),
    ] {
        let (status, body) = send(
            app.raw(Method::GET, "/api/accounts/")
                .bearer_auth(&solo.token)
                .header(header, value),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{header}: {value}: {body}");
        assert_field_error(&body, "organization-id");
    }
    // Not a member: 403.
    for org in [multi_a.org, Uuid::new_v4()] {
        let (status, body) = app.get(&solo.in_org(org), "/api/accounts/").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_message_error(&body);
        let (status, _) = app
            .post(
                &solo.in_org(org),
                "/api/accounts/",
                json!({"name": "Sneaky"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    // One org, no header: works there.
    let (status, body) = send(
        app.raw(Method::POST, "/api/accounts/")
            .bearer_auth(&solo.token)
            .json(&json!({"name": "Solo Co"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["org"], json!(solo.org));
    // Several orgs, no header: 400 naming the header.
    let (status, body) = send(
        app.raw(Method::GET, "/api/accounts/")
            .bearer_auth(&multi.token),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_field_error(&body, "organization-id");
    let (status, _) = send(
        app.raw(Method::GET, "/api/profile/")
            .bearer_auth(&multi.token),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The `org` alias picks the org, with the role there.
    let (status, body) = send(
        app.raw(Method::GET, "/api/accounts/")
            .bearer_auth(&multi.token)
            .header("org", multi_a.org.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(all_names(&body), ["In A"]);
    let (status, body) = send(
        app.raw(Method::GET, "/api/profile/")
            .bearer_auth(&multi.token)
            .header("org", multi_b.org.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["org"]["role"], "USER");
    assert_eq!(body["org"]["name"], "Org B");
    let (_, body) = app.get(&multi.in_org(multi_b.org), "/api/accounts/").await;
    assert_eq!(body["accounts_count"], 0);
    // Login lists both orgs.
    let (_, body) = app.login("multi@x.test", PASSWORD).await;
    assert_eq!(body["organizations"].as_array().unwrap().len(), 2, "{body}");
}

both_engines!(records_never_cross_orgs);
async fn records_never_cross_orgs() {
    let app = TestApp::start().await;
    let a = app.admin("Org A", "a@a.test").await;
    let a_user = app.user("Org A", "u@a.test", Role::User).await;
    let b = app.admin("Org B", "b@b.test").await;
    let (_, team_a) = app.post(&a, "/api/teams/", json!({"name": "A team"})).await;
    let (_, contact_a) = app
        .post(
            &a,
            "/api/contacts/",
            json!({"first_name": "Ann", "last_name": "Ash"}),
        )
        .await;
    let acc = id_of(
        &app.account(&a, "Shared Name", json!({"assigned_to": [a_user.id]}))
            .await,
    );
    let form = Form::new().text("comment", "secret").part(
        "attachment",
        Part::bytes(b"secret bytes".to_vec()).file_name("s.txt"),
    );
    let (status, added) = send(
        app.req(&a, Method::POST, &format!("/api/accounts/{acc}/"))
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let comment = id_of(&added["comment"]);
    let attachment = id_of(&added["attachment"]);

    // Same name in another org is fine; in the same org it is taken, whatever the case.
    app.account(&b, "Shared Name", json!({})).await;
    let (status, body) = app
        .post(&a, "/api/accounts/", json!({"name": "  sHARED nAME "}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_field_error(&body, "name");
    let other = id_of(&app.account(&a, "Other", json!({})).await);
    let (status, body) = app
        .put(
            &a,
            &format!("/api/accounts/{other}/"),
            json!({"name": "SHARED NAME"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_field_error(&body, "name");
    // Renaming to itself in another case is no clash.
    let (status, _) = app
        .put(
            &a,
            &format!("/api/accounts/{acc}/"),
            json!({"name": "shared name"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // B sees nothing of A's.
    let list = app.list(&b, "limit=100").await;
    assert_eq!(all_names(&list), ["Shared Name"]);
    assert_eq!(list["accounts_count"], 1);
    assert!(
        list["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["email"] == "b@b.test"),
        "{list}"
    );
    assert_eq!(list["teams"], json!([]));
    let acc_path = format!("/api/accounts/{acc}/");
    let b_calls: Vec<(Method, String, Value)> = vec![
        (Method::GET, acc_path.clone(), Value::Null),
        (Method::PUT, acc_path.clone(), json!({"name": "Hijacked"})),
        (Method::PATCH, acc_path.clone(), json!({"status": "closed"})),
        (Method::DELETE, acc_path.clone(), Value::Null),
        (Method::POST, acc_path.clone(), json!({"comment": "hi"})),
        (
            Method::POST,
            format!("{acc_path}create_mail/"),
            json!({"recipients": ["x@y.co"], "subject": "s"}),
        ),
        (
            Method::PUT,
            format!("/api/accounts/comment/{comment}/"),
            json!({"comment": "mine now"}),
        ),
        (
            Method::DELETE,
            format!("/api/accounts/comment/{comment}/"),
            Value::Null,
        ),
        (
            Method::GET,
            format!("/api/accounts/attachment/{attachment}/"),
            Value::Null,
        ),
        (
            Method::DELETE,
            format!("/api/accounts/attachment/{attachment}/"),
            Value::Null,
        ),
        (
            Method::GET,
            format!("/api/contacts/{}/", id_of(&contact_a)),
            Value::Null,
        ),
        (
            Method::PUT,
            format!("/api/contacts/{}/", id_of(&contact_a)),
            json!({"first_name": "Bob", "last_name": "Bell"}),
        ),
        (
            Method::DELETE,
            format!("/api/contacts/{}/", id_of(&contact_a)),
            Value::Null,
        ),
    ];
    for (method, path, body) in &b_calls {
        // With B's org header, and (for the header-optional routes) without any.
        for with_header in [true, false] {
            let mut req = app.raw(method.clone(), path).bearer_auth(&b.token);
            if with_header {
                req = req.header("organization-id", b.org.to_string());
            }
            if !body.is_null() {
                req = req.json(body);
            }
            let (status, out) = send(req).await;
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{method} {path} (header: {with_header}): {out}"
            );
            assert_message_error(&out);
        }
        // Naming A's org: not a member there. The record routes answer 404 (no hint), the
        // org-scoped ones 403.
        let mut req = app
            .raw(method.clone(), path)
            .bearer_auth(&b.token)
            .header("organization-id", a.org.to_string());
        if !body.is_null() {
            req = req.json(body);
        }
        let (status, out) = send(req).await;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
            "{method} {path}: {status} {out}"
        );
    }

    // A's ids are not B's to link.
    for (field, value) in [
        ("assigned_to", json!([a.id])),
        ("assigned_to", json!([a_user.id])),
        ("teams", json!([id_of(&team_a)])),
        ("contacts", json!([id_of(&contact_a)])),
        ("contacts", json!([Uuid::new_v4()])),
    ] {
        let (status, body) = app
            .post(
                &b,
                "/api/accounts/",
                json!({"name": "Linker", field: value}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {body}");
        assert_field_error(&body, field);
        let b_acc = id_of(&app.list(&b, "").await["open_accounts"][0]);
        let (status, body) = app
            .put(
                &b,
                &format!("/api/accounts/{b_acc}/"),
                json!({field: value}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "update {field}: {body}");
        assert_field_error(&body, field);
    }
    let (status, body) = app
        .post(&b, "/api/teams/", json!({"name": "T", "users": [a.id]}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_field_error(&body, "users");
    assert_eq!(app.list(&b, "").await["accounts_count"], 1);

    // A's records are intact.
    let (status, d) = app.get(&a, &acc_path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(d["account_obj"]["name"], "shared name");
    assert_eq!(d["comments"][0]["comment"], "secret");
    assert_eq!(d["attachments"].as_array().unwrap().len(), 1);
    assert_eq!(app.file_count().await, 1);
    let (status, _) = app
        .get(&a, &format!("/api/contacts/{}/", id_of(&contact_a)))
        .await;
    assert_eq!(status, StatusCode::OK);
}

both_engines!(a_user_sees_and_changes_only_their_accounts);
async fn a_user_sees_and_changes_only_their_accounts() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let u1 = app.user("Org", "u1@org.test", Role::User).await;
    let u2 = app.user("Org", "u2@org.test", Role::User).await;
    let hidden = id_of(&app.account(&admin, "Hidden Acme", json!({})).await);
    let assigned = id_of(
        &app.account(
            &admin,
            "Assigned Acme",
            json!({"assigned_to": [u1.id], "status": "closed"}),
        )
        .await,
    );
    let own = id_of(&app.account(&u1, "Own Acme", json!({})).await);
    let u2_own = id_of(&app.account(&u2, "U2 Acme", json!({})).await);

    // Lists and their counts.
    let list = app.list(&u1, "").await;
    assert_eq!(names(&list["open_accounts"]), ["Own Acme"]);
    assert_eq!(names(&list["closed_accounts"]), ["Assigned Acme"]);
    assert_eq!(
        (
            list["accounts_count"].clone(),
            list["open_accounts_count"].clone(),
            list["closed_accounts_count"].clone()
        ),
        (json!(2), json!(1), json!(1))
    );
    let list = app.list(&u1, "name=acme").await;
    assert_eq!(list["accounts_count"], 2, "{list}");
    let list = app.list(&u1, "name=hidden").await;
    assert_eq!(list["accounts_count"], 0, "{list}");
    let list = app.list(&admin, "").await;
    assert_eq!(list["accounts_count"], 4);
    let list = app.list(&u2, "").await;
    assert_eq!(all_names(&list), ["U2 Acme"]);

    // Invisible: 404 for everything.
    for (method, path, body) in [
        (Method::GET, format!("/api/accounts/{hidden}/"), Value::Null),
        (
            Method::PUT,
            format!("/api/accounts/{hidden}/"),
            json!({"phone": "1"}),
        ),
        (
            Method::DELETE,
            format!("/api/accounts/{hidden}/"),
            Value::Null,
        ),
        (
            Method::POST,
            format!("/api/accounts/{hidden}/"),
            json!({"comment": "hi"}),
        ),
        (
            Method::POST,
            format!("/api/accounts/{hidden}/create_mail/"),
            json!({"recipients": ["x@y.co"], "subject": "s"}),
        ),
        (
            Method::DELETE,
            format!("/api/accounts/{u2_own}/"),
            Value::Null,
        ),
    ] {
        let mut req = app.req(&u1, method.clone(), &path);
        if !body.is_null() {
            req = req.json(&body);
        }
        let (status, out) = send(req).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {out}");
    }
    // Assigned: may read, change and comment, not delete.
    let (status, _) = app.get(&u1, &format!("/api/accounts/{assigned}/")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, out) = app
        .put(
            &u1,
            &format!("/api/accounts/{assigned}/"),
            json!({"phone": "+1"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let (status, _) = app
        .post(
            &u1,
            &format!("/api/accounts/{assigned}/"),
            json!({"comment": "mine"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, out) = app.delete(&u1, &format!("/api/accounts/{assigned}/")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{out}");
    assert_message_error(&out);
    // Own: may delete.
    let (status, _) = app.delete(&u1, &format!("/api/accounts/{own}/")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // The admin may delete anyone's.
    let (status, _) = app
        .delete(&admin, &format!("/api/accounts/{u2_own}/"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Unassigned: gone from view.
    let (status, _) = app
        .put(
            &admin,
            &format!("/api/accounts/{assigned}/"),
            json!({"assigned_to": []}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.list(&u1, "").await["accounts_count"], 0);
    let (status, _) = app.get(&u1, &format!("/api/accounts/{assigned}/")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A USER may not create teams.
    let (status, out) = app.post(&u1, "/api/teams/", json!({"name": "Mine"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{out}");
}

both_engines!(only_admins_and_authors_change_comments_and_attachments);
async fn only_admins_and_authors_change_comments_and_attachments() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let u1 = app.user("Org", "u1@org.test", Role::User).await;
    let u2 = app.user("Org", "u2@org.test", Role::User).await;
    let u3 = app.user("Org", "u3@org.test", Role::User).await;
    let outsider = app.admin("Other Org", "out@other.test").await;
    // u1 also belongs to a second org, so requests without a header rely on the record's org.
    app.user("Second Org", "u1@org.test", Role::Admin).await;
    let acc = id_of(
        &app.account(&admin, "Shared", json!({"assigned_to": [u1.id, u2.id]}))
            .await,
    );
    let form = Form::new().text("comment", "by u1").part(
        "attachment",
        Part::bytes(b"u1 file".to_vec()).file_name("u1.txt"),
    );
    let (status, added) = send(
        app.req(&u1, Method::POST, &format!("/api/accounts/{acc}/"))
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let comment = format!("/api/accounts/comment/{}/", id_of(&added["comment"]));
    let attachment = format!("/api/accounts/attachment/{}/", id_of(&added["attachment"]));
    let edit = |who: &Session, with_org: bool, text: &str| {
        let mut req = app
            .raw(Method::PUT, &comment)
            .bearer_auth(&who.token)
            .json(&json!({"comment": text}));
        if with_org {
            req = req.header("organization-id", who.org.to_string());
        }
        send(req)
    };

    // Another visible user: 403. An invisible one (u3) and a non-member: 404.
    let (status, out) = edit(&u2, true, "by u2").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{out}");
    let (status, _) = send(app.req(&u2, Method::DELETE, &comment)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(app.req(&u2, Method::DELETE, &attachment)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for who in [&u3, &outsider] {
        let (status, out) = edit(who, false, "nope").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}: {out}", who.email);
        let (status, _) = send(app.raw(Method::DELETE, &comment).bearer_auth(&who.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = send(app.raw(Method::DELETE, &attachment).bearer_auth(&who.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = send(app.raw(Method::GET, &attachment).bearer_auth(&who.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    // A visible user may download.
    let res = app.req(&u2, Method::GET, &attachment).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"u1 file");

    // The author, with no org header though in two orgs: the record's org counts.
    let (status, out) = edit(&u1, false, "edited by u1").await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["comment"], "edited by u1");
    // Naming another org of theirs in the header: no such comment there.
    let u1_second = u1.in_org(
        app.login("u1@org.test", PASSWORD).await.1["organizations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == "Second Org")
            .map(|o| Uuid::parse_str(o["id"].as_str().unwrap()).unwrap())
            .unwrap(),
    );
    let (status, _) = edit(&u1_second, true, "wrong org").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The admin may edit and delete anyone's.
    let (status, out) = edit(&admin, true, "moderated").await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["comment"], "moderated");
    let (status, _) = send(app.req(&admin, Method::DELETE, &attachment)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.file_count().await, 0);
    let (status, _) = send(app.raw(Method::DELETE, &comment).bearer_auth(&u1.token)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = send(app.raw(Method::DELETE, &comment).bearer_auth(&u1.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, d) = app.get(&admin, &format!("/api/accounts/{acc}/")).await;
    assert_eq!(d["comments"], json!([]));
    assert_eq!(d["attachments"], json!([]));
}

both_engines!(admin_create_user_command);
async fn admin_create_user_command() {
    let app = TestApp::start().await;
    let db_args = app.db_args();
    let run = |email: &str, org: &str, role: &str, password: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_crmtui"))
            .args(["admin", "create-user"])
            .args(&db_args)
            .args([
                "--email",
                email,
                "--password-stdin",
                "--org",
                org,
                "--role",
                role,
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("binary runs");
        // The command may refuse before it reads stdin (a closed pipe then).
        let _ = child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes());
        child.wait_with_output().unwrap()
    };
    // Against the data dir of the running core.
    let out = run("cli@org.test", "CLI Org", "ADMIN", "s3cret-password");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let user_id = printed["user_id"].as_str().unwrap().to_string();
    let org_id = printed["org_id"].as_str().unwrap().to_string();
    assert!(
        Uuid::parse_str(&user_id).is_ok() && Uuid::parse_str(&org_id).is_ok(),
        "{printed}"
    );
    assert_eq!(printed.as_object().unwrap().len(), 2, "{printed}");

    let (status, body) = app.login("cli@org.test", "s3cret-password").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["id"], json!(user_id));
    assert_eq!(
        body["organizations"],
        json!([{"id": org_id, "name": "CLI Org", "role": "ADMIN"}])
    );

    // A second org for the same user.
    let out = run("cli@org.test", "Second CLI Org", "USER", "s3cret-password");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let second: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(second["user_id"], json!(user_id));
    assert_ne!(second["org_id"], json!(org_id));
    let (_, body) = app.login("cli@org.test", "s3cret-password").await;
    let roles: Vec<(String, String)> = body["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap().to_string(),
                o["role"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("CLI Org".into(), "ADMIN".into()),
            ("Second CLI Org".into(), "USER".into())
        ]
    );

    // Refusals: bad role, bad email, short password. Nothing is created by them.
    for (email, role, pw) in [
        ("x@org.test", "OWNER", "long enough pw"),
        ("not-an-email", "USER", "long enough pw"),
        ("y@org.test", "USER", "short"),
    ] {
        let out = run(email, "CLI Org", role, pw);
        assert!(!out.status.success(), "{email} {role} {pw}");
    }
    let (_, body) = app
        .get(
            &app.user("CLI Org", "probe@org.test", Role::Admin).await,
            "/api/users/",
        )
        .await;
    assert_eq!(body["users_count"], 2, "{body}");
}

both_engines!(deactivated_users_and_memberships_lose_access);
async fn deactivated_users_and_memberships_lose_access() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "a@org.test").await;
    let user = app.user("Org", "u@org.test", Role::User).await;
    let acc = id_of(&app.account(&user, "Mine", json!({})).await);
    let (_, added) = app
        .post(
            &user,
            &format!("/api/accounts/{acc}/"),
            json!({"comment": "c"}),
        )
        .await;
    let comment = id_of(&added["comment"]);

    // Membership off: 403 in that org, gone from login's list and the users list stays honest.
    let (uid, org) = (user.id, user.org);
    app.db(move |tx| {
        tx.exec(
            "UPDATE memberships SET is_active = FALSE WHERE user_id = $1 AND org_id = $2",
            &[&uid, &org],
        )?;
        Ok(())
    })
    .await;
    let (status, _) = app.get(&user, "/api/accounts/").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .put(
            &user,
            &format!("/api/accounts/comment/{comment}/"),
            json!({"comment": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, body) = app.login("u@org.test", PASSWORD).await;
    assert_eq!(body["organizations"], json!([]));
    let (_, users) = app.get(&admin, "/api/users/").await;
    let u = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "u@org.test")
        .cloned()
        .unwrap();
    assert_eq!(u["is_active"], false);

    // User off: every token and the password stop working.
    app.db(move |tx| {
        tx.exec(
            "UPDATE memberships SET is_active = TRUE WHERE user_id = $1",
            &[&uid],
        )?;
        tx.exec("UPDATE users SET is_active = FALSE WHERE id = $1", &[&uid])?;
        Ok(())
    })
    .await;
    let (status, _) = app.login("u@org.test", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(
        app.raw(Method::POST, "/api/auth/refresh-token/")
            .json(&json!({"refresh": user.refresh})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for (method, path) in [
        (Method::GET, "/api/accounts/".to_string()),
        (Method::GET, format!("/api/accounts/{acc}/")),
        (Method::PUT, format!("/api/accounts/comment/{comment}/")),
        (Method::DELETE, format!("/api/accounts/comment/{comment}/")),
        (
            Method::DELETE,
            format!("/api/accounts/attachment/{}/", Uuid::new_v4()),
        ),
    ] {
        let (status, body) = send(
            app.req(&user, method.clone(), &path)
                .json(&json!({"comment": "x"})),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}: {body}");
    }
    // The admin still sees the comment untouched.
    let (_, d) = app.get(&admin, &format!("/api/accounts/{acc}/")).await;
    assert_eq!(d["comments"][0]["comment"], "c");
}
