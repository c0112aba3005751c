//! Leads over HTTP on both engines: every field and enum, the open and closed halves of the
//! list and each filter, and conversion into an account, a contact and a deal as the CRM
//! contract's five steps say, all or nothing.

mod common;

use common::*;
use crmtui::model::Role;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

async fn leads(app: &TestApp, who: &Session, query: &str) -> Value {
    let (status, body) = app.get(who, &format!("/api/leads/?{query}")).await;
    assert_eq!(status, StatusCode::OK, "?{query}: {body}");
    body
}

/// Titles of the open half, then of the closed half.
type Halves = (Vec<String>, Vec<String>);

/// The titles of both halves: open, then closed.
fn titles(body: &Value) -> Halves {
    (
        pluck(&body["open_leads"]["open_leads"], "title"),
        pluck(&body["close_leads"]["close_leads"], "title"),
    )
}

both_engines!(lead_fields_and_enums_round_trip);
async fn lead_fields_and_enums_round_trip() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    let (_, team) = app
        .post(&admin, "/api/teams/", json!({"name": "Sales"}))
        .await;
    let contact = app
        .create(
            &admin,
            "contacts",
            json!({"first_name": "Con", "last_name": "Tact", "email": "con@x.test"}),
        )
        .await;
    let body = json!({
        "title": "  Big deal  ",
        "salutation": "Dr",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "Ada@Engines.test",
        "phone": "+44 20 1234",
        "job_title": "CTO",
        "company_name": "Engines Ltd",
        "website": "https://engines.test",
        "linkedin_url": "https://linkedin.test/ada",
        "status": "in process",
        "source": "partner",
        "industry": "MANUFACTURING",
        "rating": "WARM",
        "opportunity_amount": "1200.5",
        "currency": "gbp",
        "probability": 40,
        "close_date": "2030-01-31",
        "last_contacted": "2024-02-29",
        "next_follow_up": "2030-01-02",
        "description": "Met at a fair",
        "is_active": false,
        "address_line": "1 Analytical St",
        "city": "London",
        "state": "LDN",
        "postcode": "N1 9GU",
        "country": "gb",
        "contacts": [contact["id"]],
        "assigned_to": [user.id],
        "teams": [team["id"]],
        "tags": ["VIP", "fair", "vip"],
    });
    let lead = app.create(&admin, "leads", body).await;
    let want = json!({
        "title": "Big deal", "salutation": "Dr", "first_name": "Ada", "last_name": "Lovelace",
        "email": "Ada@Engines.test", "phone": "+44 20 1234", "job_title": "CTO",
        "company_name": "Engines Ltd", "website": "https://engines.test",
        "linkedin_url": "https://linkedin.test/ada", "status": "in process", "source": "partner",
        "industry": "MANUFACTURING", "rating": "WARM", "opportunity_amount": "1200.50",
        "currency": "GBP", "probability": 40, "close_date": "2030-01-31",
        "last_contacted": "2024-02-29", "next_follow_up": "2030-01-02",
        "description": "Met at a fair", "is_active": false, "address_line": "1 Analytical St",
        "city": "London", "state": "LDN", "postcode": "N1 9GU", "country": "GB",
        "contacts": [{"id": contact["id"], "first_name": "Con", "last_name": "Tact",
                      "email": "con@x.test"}],
        "assigned_to": [user.id], "teams": [team["id"]], "tags": ["fair", "VIP"],
        "created_by": admin.id,
    });
    for (key, value) in want.as_object().unwrap() {
        assert_eq!(&lead[key], value, "{key}: {lead}");
    }
    for key in ["created_at", "updated_at"] {
        assert!(
            lead[key].as_str().is_some_and(|s| s.ends_with('Z')),
            "{key}: {lead}"
        );
    }
    // The detail answers the same record under `lead_obj`.
    let id = id_of(&lead);
    let (_, detail) = app.get(&user, &format!("/api/leads/{id}/")).await;
    assert_eq!(detail["lead_obj"], lead);
    assert_eq!(detail["can_delete"], json!(false));
    assert_eq!(detail["comments"], json!([]));

    // Defaults, and a minimal lead: any one of the naming fields will do.
    for key in ["title", "first_name", "last_name", "company_name", "email"] {
        let value = if key == "email" {
            "only@x.test"
        } else {
            "Only"
        };
        let lead = app.create(&admin, "leads", json!({key: value})).await;
        assert_eq!(lead[key], value);
        assert_eq!(lead["currency"], "USD");
        assert_eq!(lead["probability"], 0);
        assert_eq!(lead["is_active"], true);
        assert_eq!(lead["status"], Value::Null);
        assert_eq!(lead["opportunity_amount"], Value::Null);
        assert_eq!(lead["contacts"], json!([]));
        let (status, _) = app
            .delete(&admin, &format!("/api/leads/{}/", id_of(&lead)))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }

    // Every enum value is taken, and the list sends the choices as pairs.
    let list = leads(&app, &admin, "").await;
    assert_eq!(list["status"].as_array().unwrap().len(), 5);
    assert_eq!(list["status"][1], json!(["in process", "In Process"]));
    assert_eq!(list["source"].as_array().unwrap().len(), 15);
    assert_eq!(list["source"][13], json!(["referral", "Referral"]));
    for pair in list["source"].as_array().unwrap() {
        let (status, out) = app
            .patch(
                &admin,
                &format!("/api/leads/{id}/"),
                json!({"source": pair[0]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{out}");
        assert_eq!(out["source"], pair[0]);
    }
    for status_value in ["assigned", "in process", "recycled", "closed"] {
        let (status, out) = app
            .patch(
                &admin,
                &format!("/api/leads/{id}/"),
                json!({"status": status_value}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{out}");
        assert_eq!(out["status"], status_value);
    }
    for rating in ["HOT", "WARM", "COLD"] {
        let (_, out) = app
            .patch(
                &admin,
                &format!("/api/leads/{id}/"),
                json!({"rating": rating}),
            )
            .await;
        assert_eq!(out["rating"], rating);
    }
    // null and "" clear what may be empty; PATCH leaves what it does not name.
    let (status, out) = app
        .patch(
            &admin,
            &format!("/api/leads/{id}/"),
            json!({"rating": null, "status": "", "close_date": null, "opportunity_amount": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    for key in ["rating", "status", "close_date", "opportunity_amount"] {
        assert_eq!(out[key], Value::Null, "{key}");
    }
    assert_eq!(out["title"], "Big deal");
    assert_eq!(out["tags"], json!(["fair", "VIP"]));

    // Email is unique per org in any case; another org may reuse it.
    let (status, out) = app
        .post(&admin, "/api/leads/", json!({"email": "ADA@engines.TEST"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "email");
    let other = app.admin("Other", "other@other.test").await;
    app.create(&other, "leads", json!({"email": "ada@engines.test"}))
        .await;
    // Case folds beyond ASCII too.
    app.create(
        &admin,
        "leads",
        json!({"last_name": "ÖRSTED", "email": "ÄDA@x.test"}),
    )
    .await;
    let (status, out) = app
        .post(&admin, "/api/leads/", json!({"email": "äda@x.test"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "email");
    let found = leads(&app, &admin, "name=%C3%B6rsted").await;
    assert_eq!(
        pluck(&found["open_leads"]["open_leads"], "last_name"),
        ["ÖRSTED"]
    );
    // Clearing every naming field is refused on update too.
    let bare = app.create(&admin, "leads", json!({"title": "Bare"})).await;
    let (status, out) = app
        .patch(
            &admin,
            &format!("/api/leads/{}/", id_of(&bare)),
            json!({"title": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "title");
}

both_engines!(lead_list_halves_and_filters);
async fn lead_list_halves_and_filters() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    let rows = [
        json!({"title": "L1", "first_name": "Anna", "last_name": "Berg", "email": "anna@berg.test",
               "city": "Oslo", "company_name": "Fjord AS", "source": "call", "status": "assigned",
               "rating": "HOT", "close_date": "2030-01-10", "next_follow_up": "2030-01-01",
               "tags": ["nordic"], "assigned_to": [user.id]}),
        json!({"title": "L2", "first_name": "Björn", "last_name": "Anders", "email": "b@x.test",
               "city": "Bergen", "company_name": "Skog", "source": "email", "status": "in process",
               "rating": "COLD", "close_date": "2030-02-10", "tags": ["Nordic", "big"]}),
        json!({"title": "L3", "first_name": "Carl", "last_name": "Zed", "email": "carl@zed.test",
               "city": "Paris", "company_name": "Bergamo SpA", "source": "call", "status": "closed",
               "rating": "HOT", "close_date": "2030-03-10", "next_follow_up": "2030-01-01"}),
        json!({"title": "L4", "first_name": "Dora", "last_name": "Ek", "email": "dora@ek.test",
               "city": "oslo", "source": "web form", "status": "recycled",
               "rating": "WARM", "assigned_to": [user.id]}),
        json!({"title": "L5", "company_name": "Nameless", "city": "Rome"}),
    ];
    for body in rows {
        app.create(&admin, "leads", body).await;
    }
    // A converted lead is never listed, in either half.
    let conv = app
        .create(
            &admin,
            "leads",
            json!({"title": "L6", "city": "Oslo", "status": "assigned"}),
        )
        .await;
    let conv = Uuid::parse_str(&id_of(&conv)).unwrap();
    app.db(move |db| {
        db.exec(
            "UPDATE leads SET status = 'converted' WHERE id = $1",
            &[&conv],
        )
    })
    .await;

    let all = leads(&app, &admin, "").await;
    let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(titles(&all), (s(&["L5", "L4", "L2", "L1"]), s(&["L3"])));
    assert_eq!(all["open_leads"]["leads_count"], 4);
    assert_eq!(all["close_leads"]["leads_count"], 1);
    // The halves page alone.
    let page = leads(&app, &admin, "limit=1&offset=1").await;
    assert_eq!(titles(&page), (s(&["L4"]), s(&[])));
    assert_eq!(page["open_leads"]["offset"], 2);
    assert_eq!(page["close_leads"]["offset"], Value::Null);
    assert_eq!(page["close_leads"]["leads_count"], 1);
    let page = leads(&app, &admin, "limit=1").await;
    assert_eq!(titles(&page), (s(&["L5"]), s(&["L3"])));
    assert_eq!(page["close_leads"]["offset"], Value::Null);

    let uid = user.id.to_string();
    let cases: Vec<(String, Halves)> = vec![
        ("name=berg".into(), (s(&["L1"]), s(&[]))),
        ("name=ANDERS".into(), (s(&["L2"]), s(&[]))),
        ("name=björn".into(), (s(&["L2"]), s(&[]))),
        ("name=anna%20BERG".into(), (s(&["L1"]), s(&[]))),
        ("search=carl%20z".into(), (s(&[]), s(&["L3"]))),
        ("email=ZED".into(), (s(&[]), s(&["L3"]))),
        ("city=OSLO".into(), (s(&["L4", "L1"]), s(&[]))),
        ("search=berg".into(), (s(&["L1"]), s(&["L3"]))),
        ("search=nameless".into(), (s(&["L5"]), s(&[]))),
        ("search=ek.test".into(), (s(&["L4"]), s(&[]))),
        ("source=call".into(), (s(&["L1"]), s(&["L3"]))),
        ("source=web%20form".into(), (s(&["L4"]), s(&[]))),
        ("status=assigned".into(), (s(&["L1"]), s(&[]))),
        (
            "status=assigned,recycled".into(),
            (s(&["L4", "L1"]), s(&[])),
        ),
        (
            "status=assigned&status=closed".into(),
            (s(&["L1"]), s(&["L3"])),
        ),
        ("status=converted".into(), (s(&[]), s(&[]))),
        ("rating=HOT".into(), (s(&["L1"]), s(&["L3"]))),
        (
            "close_date__gte=2030-02-10".into(),
            (s(&["L2"]), s(&["L3"])),
        ),
        (
            "close_date__lte=2030-02-10".into(),
            (s(&["L2", "L1"]), s(&[])),
        ),
        (
            "close_date__gte=2030-01-11&close_date__lte=2030-03-09".into(),
            (s(&["L2"]), s(&[])),
        ),
        ("next_follow_up=2030-01-01".into(), (s(&["L1"]), s(&["L3"]))),
        ("next_follow_up=2030-01-02".into(), (s(&[]), s(&[]))),
        ("open=true".into(), (s(&["L5", "L4", "L2", "L1"]), s(&[]))),
        (
            "open=false".into(),
            (s(&["L5", "L4", "L2", "L1"]), s(&["L3"])),
        ),
        ("tags=NORDIC".into(), (s(&["L2", "L1"]), s(&[]))),
        ("tags=big,none".into(), (s(&["L2"]), s(&[]))),
        (format!("assigned_to={uid}"), (s(&["L4", "L1"]), s(&[]))),
        (
            "created_at__gte=2000-01-01".into(),
            (s(&["L5", "L4", "L2", "L1"]), s(&["L3"])),
        ),
        ("created_at__lte=2000-01-01".into(), (s(&[]), s(&[]))),
        (format!("created_at__gte={}", day(1)), (s(&[]), s(&[]))),
        (
            format!("created_at__lte={}", day(0)),
            (s(&["L5", "L4", "L2", "L1"]), s(&["L3"])),
        ),
        // Combined: AND.
        ("city=oslo&rating=HOT".into(), (s(&["L1"]), s(&[]))),
        ("source=call&open=true".into(), (s(&["L1"]), s(&[]))),
        (
            "search=b&status=in%20process,closed&tags=nordic".into(),
            (s(&["L2"]), s(&[])),
        ),
        (
            format!("assigned_to={uid}&city=oslo&status=recycled"),
            (s(&["L4"]), s(&[])),
        ),
        ("name=carl&rating=COLD".into(), (s(&[]), s(&[]))),
    ];
    for (query, want) in cases {
        let body = leads(&app, &admin, &query).await;
        assert_eq!(titles(&body), want, "?{query}");
        assert_eq!(
            body["open_leads"]["leads_count"],
            json!(want.0.len()),
            "?{query}"
        );
        assert_eq!(
            body["close_leads"]["leads_count"],
            json!(want.1.len()),
            "?{query}"
        );
    }
    // The USER sees what is assigned to them only.
    let mine = leads(&app, &user, "").await;
    assert_eq!(titles(&mine), (s(&["L4", "L1"]), s(&[])));
    let mine = leads(&app, &user, "city=oslo&rating=WARM").await;
    assert_eq!(titles(&mine), (s(&["L4"]), s(&[])));
}

/// How many rows each table of the conversion holds.
async fn totals(app: &TestApp) -> [i64; 4] {
    [
        app.count("SELECT count(*) FROM accounts").await,
        app.count("SELECT count(*) FROM contacts").await,
        app.count("SELECT count(*) FROM opportunities").await,
        app.count("SELECT count(*) FROM leads WHERE status = 'converted'")
            .await,
    ]
}

both_engines!(conversion_makes_account_contact_and_deal);
async fn conversion_makes_account_contact_and_deal() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    let (_, team) = app
        .post(&admin, "/api/teams/", json!({"name": "Sales"}))
        .await;
    let known = app
        .create(
            &admin,
            "contacts",
            json!({"first_name": "Known", "last_name": "Person", "assigned_to": [user.id]}),
        )
        .await;
    let lead = app
        .create(
            &admin,
            "leads",
            json!({
                "first_name": "Ada", "last_name": "Byron", "email": "ada@engines.test",
                "phone": "+1 555", "company_name": "Engines Ltd", "job_title": "CTO",
                "website": "https://engines.test", "industry": "MANUFACTURING",
                "address_line": "1 Main St", "city": "London", "state": "LDN",
                "postcode": "N1", "country": "GB", "opportunity_amount": "5000",
                "currency": "EUR", "close_date": "2030-06-30", "source": "partner",
                "status": "in process", "assigned_to": [user.id], "teams": [team["id"]],
                "tags": ["vip"], "contacts": [known["id"]],
            }),
        )
        .await;
    let id = id_of(&lead);
    let path = format!("/api/leads/{id}/");
    let (status, _) = app
        .post(&admin, &path, json!({"comment": "called twice"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let form = Form::new().part(
        "lead_attachment",
        Part::bytes(b"brochure".to_vec()).file_name("brochure.txt"),
    );
    let (status, added) = send(app.req(&admin, Method::POST, &path).multipart(form)).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let file = id_of(&added["attachment"]);
    let before = totals(&app).await;

    // The USER assignee converts it, saving another key in the same call.
    let (status, out) = app
        .patch(
            &user,
            &path,
            json!({"status": "converted", "description": "won it"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["status"], "converted");
    assert_eq!(out["description"], "won it");
    assert_eq!(
        totals(&app).await,
        [before[0] + 1, before[1] + 1, before[2] + 1, 1]
    );
    let account = out["account_id"].as_str().expect("account_id").to_string();
    let contact = out["contact_id"].as_str().expect("contact_id").to_string();
    let deal = out["opportunity_id"]
        .as_str()
        .expect("opportunity_id")
        .to_string();

    // 1-2. A new open account from the lead, with its people, teams, tags, contacts, thread.
    let (status, acc) = app.get(&user, &format!("/api/accounts/{account}/")).await;
    assert_eq!(status, StatusCode::OK, "{acc}");
    let a = &acc["account_obj"];
    for (key, value) in [
        ("name", "Engines Ltd"),
        ("status", "open"),
        ("website", "https://engines.test"),
        ("billing_address_line", "1 Main St"),
        ("billing_city", "London"),
        ("billing_state", "LDN"),
        ("billing_postcode", "N1"),
        ("billing_country", "GB"),
    ] {
        assert_eq!(a[key], value, "{key}: {a}");
    }
    assert_eq!(a["assigned_to"], json!([user.id]));
    assert_eq!(a["teams"], json!([team["id"]]));
    assert_eq!(a["tags"], json!(["vip"]));
    let mut linked = pluck(&acc["contacts"], "id");
    linked.sort();
    let mut want = vec![contact.clone(), id_of(&known)];
    want.sort();
    assert_eq!(linked, want);
    assert_eq!(pluck(&acc["comments"], "comment"), ["called twice"]);
    assert_eq!(pluck(&acc["attachments"], "id"), vec![file.clone()]);
    let res = app
        .raw(Method::GET, &format!("/api/attachments/{file}/download/"))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(&res.bytes().await.unwrap()[..], b"brochure");

    // 3. A new contact from the lead.
    let (status, c) = app.get(&user, &format!("/api/contacts/{contact}/")).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    let c = &c["contact_obj"];
    for (key, value) in [
        ("first_name", json!("Ada")),
        ("last_name", json!("Byron")),
        ("email", json!("ada@engines.test")),
        ("phone", json!("+1 555")),
        ("organization", json!("Engines Ltd")),
        ("title", json!("CTO")),
        ("city", json!("London")),
        ("country", json!("GB")),
        ("source", json!("partner")),
        ("account", json!(account)),
        ("assigned_to", json!([user.id])),
    ] {
        assert_eq!(c[key], value, "{key}: {c}");
    }
    assert_eq!(
        c["linked_accounts"],
        json!([{"id": account, "name": "Engines Ltd"}])
    );

    // 4. The deal.
    let (status, d) = app.get(&user, &format!("/api/opportunities/{deal}/")).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let d = &d["opportunity_obj"];
    for (key, value) in [
        ("name", json!("Engines Ltd - Ada Byron")),
        ("stage", json!("QUALIFICATION")),
        ("amount", json!("5000.00")),
        ("currency", json!("EUR")),
        ("probability", json!(25)),
        ("closed_on", json!("2030-06-30")),
        ("lead_source", json!("partner")),
        ("account", json!({"id": account, "name": "Engines Ltd"})),
        ("assigned_to", json!([user.id])),
        ("teams", json!([team["id"]])),
        ("tags", json!(["vip"])),
    ] {
        assert_eq!(d[key], value, "{key}: {d}");
    }
    assert_eq!(ids(&d["contacts"]), want);

    // 5. The lead is converted: off both halves, its thread moved; still readable.
    let list = leads(&app, &admin, "").await;
    assert_eq!(list["open_leads"]["leads_count"], 0);
    assert_eq!(list["close_leads"]["leads_count"], 0);
    let (status, detail) = app.get(&admin, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["lead_obj"]["status"], "converted");
    assert_eq!(detail["comments"], json!([]));
    assert_eq!(detail["attachments"], json!([]));

    // Converting twice, or back, is refused on `status`, and writes nothing.
    let before = totals(&app).await;
    for body in [
        json!({"status": "converted"}),
        json!({"is_converted": true}),
        json!({"status": "assigned"}),
        json!({"status": null}),
    ] {
        let (status, out) = app.patch(&admin, &path, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {out}");
        assert_field_error(&out, "status");
    }
    assert_eq!(totals(&app).await, before);
    let (_, detail) = app.get(&admin, &path).await;
    assert_eq!(detail["lead_obj"]["status"], "converted");
}

both_engines!(conversion_reuses_what_exists);
async fn conversion_reuses_what_exists() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let acme = id_of(&app.account(&admin, "ACME Corp", json!({})).await);
    let existing = app
        .create(
            &admin,
            "contacts",
            json!({"first_name": "Eve", "last_name": "Old", "email": "EVE@acme.test"}),
        )
        .await;
    app.create(
        &admin,
        "opportunities",
        json!({"name": "acme corp - Eve Adams"}),
    )
    .await;
    let before = totals(&app).await;

    // Created converted: the account by company (any case), the contact by email (any case),
    // a free deal name, the sent probability.
    let (status, out) = app
        .post(
            &admin,
            "/api/leads/",
            json!({"first_name": "Eve", "last_name": "Adams", "email": "eve@ACME.test",
                   "company_name": "acme corp", "probability": 60, "status": "converted"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    assert_eq!(out["account_id"], json!(acme));
    assert_eq!(out["contact_id"], existing["id"]);
    assert_eq!(
        totals(&app).await,
        [before[0], before[1], before[2] + 1, before[3] + 1]
    );
    let deal = out["opportunity_id"].as_str().unwrap();
    let (_, d) = app
        .get(&admin, &format!("/api/opportunities/{deal}/"))
        .await;
    assert_eq!(d["opportunity_obj"]["name"], "acme corp - Eve Adams (2)");
    assert_eq!(d["opportunity_obj"]["probability"], 60);
    assert_eq!(d["opportunity_obj"]["amount"], Value::Null);
    assert_eq!(ids(&d["opportunity_obj"]["contacts"]), [id_of(&existing)]);
    // The contact had no account: it gets this one, and the account lists it.
    let (_, c) = app
        .get(&admin, &format!("/api/contacts/{}/", id_of(&existing)))
        .await;
    assert_eq!(c["contact_obj"]["account"], json!(acme));
    assert_eq!(c["contact_obj"]["first_name"], "Eve");
    assert_eq!(c["contact_obj"]["last_name"], "Old");
    let (_, a) = app.get(&admin, &format!("/api/accounts/{acme}/")).await;
    assert_eq!(pluck(&a["contacts"], "id"), [id_of(&existing)]);

    // A contact with another primary account keeps it, and joins this account's contacts.
    let elsewhere = id_of(&app.account(&admin, "Elsewhere", json!({})).await);
    let kept = app
        .create(
            &admin,
            "contacts",
            json!({"first_name": "Kim", "last_name": "Kept", "email": "kim@kept.test",
                   "account": elsewhere}),
        )
        .await;
    let (status, out) = app
        .post(
            &admin,
            "/api/leads/",
            json!({"first_name": "Kim", "email": "kim@kept.test", "company_name": "ACME corp",
                   "status": "converted"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    assert_eq!(out["contact_id"], kept["id"]);
    let (_, c) = app
        .get(&admin, &format!("/api/contacts/{}/", id_of(&kept)))
        .await;
    assert_eq!(c["contact_obj"]["account"], json!(elsewhere));
    let mut linked = pluck(&c["contact_obj"]["linked_accounts"], "name");
    linked.sort();
    assert_eq!(linked, ["ACME Corp", "Elsewhere"]);

    // No company: the account is named after the person; the deal too.
    let (status, out) = app
        .post(
            &admin,
            "/api/leads/",
            json!({"first_name": "Solo", "last_name": "Trader", "email": "solo@x.test",
                   "is_converted": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    assert_eq!(out["status"], "converted");
    let (_, a) = app
        .get(
            &admin,
            &format!("/api/accounts/{}/", out["account_id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(a["account_obj"]["name"], "Solo Trader");
    let (_, d) = app
        .get(
            &admin,
            &format!(
                "/api/opportunities/{}/",
                out["opportunity_id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(d["opportunity_obj"]["name"], "Solo Trader");
    assert_eq!(d["opportunity_obj"]["probability"], 25);

    // No amount, first name or company: no deal; the contact is still made.
    let before = totals(&app).await;
    let (status, out) = app
        .post(
            &admin,
            "/api/leads/",
            json!({"last_name": "Nofirst", "email": "nf@x.test", "status": "converted"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    assert_eq!(out["opportunity_id"], Value::Null);
    assert!(out["contact_id"].is_string(), "{out}");
    assert_eq!(
        totals(&app).await,
        [before[0] + 1, before[1] + 1, before[2], before[3] + 1]
    );
}

both_engines!(failed_conversion_writes_nothing);
async fn failed_conversion_writes_nothing() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    // An account the USER cannot open, and a lead of theirs whose company names it.
    app.account(&admin, "Hidden Inc", json!({})).await;
    let lead = app
        .create(
            &user,
            "leads",
            json!({"first_name": "Hal", "last_name": "Hide", "email": "hal@hidden.test",
                   "company_name": "hidden inc", "opportunity_amount": "10",
                   "status": "assigned", "tags": ["t"]}),
        )
        .await;
    let path = format!("/api/leads/{}/", id_of(&lead));
    let (status, _) = app.post(&user, &path, json!({"comment": "stays"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, before_detail) = app.get(&user, &path).await;
    let before = totals(&app).await;

    let (status, out) = app
        .patch(
            &user,
            &path,
            json!({"status": "converted", "description": "not saved", "rating": "HOT"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "status");
    assert_eq!(totals(&app).await, before);
    let (_, after) = app.get(&user, &path).await;
    assert_eq!(after, before_detail);
    assert_eq!(app.count("SELECT count(*) FROM tags").await, 1);
    // Created converted: nothing at all is made, not even the lead.
    let (status, out) = app
        .post(
            &user,
            "/api/leads/",
            json!({"first_name": "Hal", "email": "hal2@hidden.test",
                   "company_name": "HIDDEN INC", "status": "converted"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "status");
    assert_eq!(totals(&app).await, before);
    assert_eq!(app.count("SELECT count(*) FROM leads").await, 1);

    // No email: 400 on it, nothing saved.
    let bare = app
        .create(
            &admin,
            "leads",
            json!({"first_name": "No", "company_name": "Mail Co"}),
        )
        .await;
    let bare_path = format!("/api/leads/{}/", id_of(&bare));
    let (status, out) = app
        .patch(
            &admin,
            &bare_path,
            json!({"status": "converted", "city": "Nowhere"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "email");
    let (_, after) = app.get(&admin, &bare_path).await;
    assert_eq!(after["lead_obj"]["city"], "");
    assert_eq!(after["lead_obj"]["status"], Value::Null);
    assert_eq!(totals(&app).await, before);
    // Sending the email with the conversion works.
    let (status, out) = app
        .patch(
            &admin,
            &bare_path,
            json!({"is_converted": true, "email": "no@mail.test"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["status"], "converted");
    assert_eq!(out["email"], "no@mail.test");

    // A contact with the lead's email the USER cannot open is left alone: a new one is made.
    let hidden = app
        .create(
            &admin,
            "contacts",
            json!({"first_name": "Secret", "last_name": "Contact", "email": "sam@open.test"}),
        )
        .await;
    let visible = app
        .create(
            &user,
            "contacts",
            json!({"first_name": "Vis", "last_name": "Ible"}),
        )
        .await;
    let lead = app
        .create(
            &admin,
            "leads",
            json!({"first_name": "Sam", "last_name": "Open", "email": "sam@open.test",
                   "company_name": "Open Co", "assigned_to": [user.id],
                   "contacts": [hidden["id"], visible["id"]]}),
        )
        .await;
    let (status, out) = app
        .patch(
            &user,
            &format!("/api/leads/{}/", id_of(&lead)),
            json!({"status": "converted"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_ne!(out["contact_id"], hidden["id"]);
    let (_, hidden_after) = app
        .get(&admin, &format!("/api/contacts/{}/", id_of(&hidden)))
        .await;
    assert_eq!(hidden_after["contact_obj"]["account"], Value::Null);
    assert_eq!(hidden_after["contact_obj"]["linked_accounts"], json!([]));
    // The account gains only the contacts the USER may open (and the new one).
    let account = out["account_id"].as_str().unwrap();
    let (_, acc) = app.get(&admin, &format!("/api/accounts/{account}/")).await;
    let mut want = vec![
        id_of(&visible),
        out["contact_id"].as_str().unwrap().to_string(),
    ];
    want.sort();
    assert_eq!(ids(&acc["contacts"]), want);
}

both_engines!(a_file_sent_with_the_conversion_goes_with_the_thread);
async fn a_file_sent_with_the_conversion_goes_with_the_thread() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let lead = app
        .create(
            &admin,
            "leads",
            json!({"company_name": "Filed Co", "email": "f@filed.test"}),
        )
        .await;
    let path = format!("/api/leads/{}/", id_of(&lead));
    let (status, _) = app.post(&admin, &path, json!({"comment": "before"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let form = Form::new().text("status", "converted").part(
        "lead_attachment",
        Part::bytes(b"signed".to_vec()).file_name("signed.pdf"),
    );
    let (status, out) = send(app.req(&admin, Method::PUT, &path).multipart(form)).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let account = out["account_id"].as_str().unwrap();
    let (_, acc) = app.get(&admin, &format!("/api/accounts/{account}/")).await;
    assert_eq!(pluck(&acc["comments"], "comment"), ["before"]);
    assert_eq!(
        pluck(&acc["attachments"], "file_name"),
        ["signed.pdf"],
        "{acc}"
    );
    let (_, detail) = app.get(&admin, &path).await;
    assert_eq!(detail["attachments"], json!([]));
}
