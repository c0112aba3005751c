//! Contacts, opportunities, cases and tasks over HTTP on both engines: every field and enum,
//! each list's filters alone and combined with its totals, each kind's own rules (contacts'
//! accounts, stages, closing, one parent) and what deleting one does to the records naming it.

mod common;

use common::*;
use crmtui::model::Role;
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

async fn get_ok(app: &TestApp, who: &Session, path: &str) -> Value {
    let (status, body) = app.get(who, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

async fn patch_ok(app: &TestApp, who: &Session, path: &str, body: Value) -> Value {
    let (status, out) = app.patch(who, path, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "PATCH {path} {body}: {out}");
    out
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Asserts that `record` holds each key of `want` with its value.
#[track_caller]
fn assert_has(record: &Value, want: Value) {
    for (key, value) in want.as_object().unwrap() {
        assert_eq!(&record[key], value, "{key}: {record}");
    }
}

both_engines!(contacts_fields_accounts_and_filters);
async fn contacts_fields_accounts_and_filters() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    let (_, team) = app
        .post(&admin, "/api/teams/", json!({"name": "Desk"}))
        .await;
    let acc = id_of(&app.account(&admin, "Primary Co", json!({})).await);
    let contact = app
        .create(
            &admin,
            "contacts",
            json!({
                "first_name": "Ada", "last_name": "King", "email": "Ada@King.test",
                "phone": "+1 555 0100", "organization": "Kingdom", "title": "CEO",
                "department": "Board", "do_not_call": true,
                "linkedin_url": "https://linkedin.test/ada", "address_line": "1 Way",
                "city": "Leeds", "state": "YK", "postcode": "LS1", "country": "gb",
                "description": "Key person", "source": "referral", "is_active": false,
                "account": acc, "assigned_to": [user.id], "teams": [team["id"]],
                "tags": ["board"],
            }),
        )
        .await;
    let id = id_of(&contact);
    assert_has(
        &contact,
        json!({
            "first_name": "Ada", "last_name": "King", "email": "Ada@King.test",
            "phone": "+1 555 0100", "organization": "Kingdom", "title": "CEO",
            "department": "Board", "do_not_call": true,
            "linkedin_url": "https://linkedin.test/ada", "address_line": "1 Way",
            "city": "Leeds", "state": "YK", "postcode": "LS1", "country": "GB",
            "description": "Key person", "source": "referral", "is_active": false,
            "account": acc, "account_detail": {"id": acc, "name": "Primary Co"},
            "linked_accounts": [{"id": acc, "name": "Primary Co"}],
            "assigned_to": [user.id], "teams": [team["id"]], "tags": ["board"],
            "created_by": admin.id,
        }),
    );
    // Today's clients read the first contacts API's `created_on` and `org`.
    assert_eq!(contact["created_on"], contact["created_at"]);
    assert_eq!(contact["org"], json!(admin.org));
    let parsed: crmtui::model::Contact = serde_json::from_value(contact.clone()).unwrap();
    assert_eq!(parsed.full_name(), "Ada King");
    // Defaults.
    let plain = app
        .create(
            &admin,
            "contacts",
            json!({"first_name": "Bo", "last_name": "Plain"}),
        )
        .await;
    assert_has(
        &plain,
        json!({"do_not_call": false, "is_active": true, "account": null,
               "account_detail": null, "linked_accounts": [], "source": null, "email": ""}),
    );
    // Setting the primary account also lists the contact on the account.
    let acc_detail = get_ok(&app, &admin, &format!("/api/accounts/{acc}/")).await;
    assert_eq!(pluck(&acc_detail["contacts"], "id"), vec![id.clone()]);
    assert_eq!(acc_detail["account_obj"]["contacts"], json!([id]));
    // Linked through another account's `contacts` too.
    let second = app
        .account(&admin, "Another Co", json!({"contacts": [id]}))
        .await;
    let c = get_ok(&app, &admin, &format!("/api/contacts/{id}/")).await;
    assert_eq!(
        c["contact_obj"]["linked_accounts"],
        json!([{"id": second["id"], "name": "Another Co"}, {"id": acc, "name": "Primary Co"}])
    );
    assert_eq!(c["contact_obj"]["account"], json!(acc));

    // Email is unique per org in any case; keeping one's own is fine.
    let (status, out) = app
        .post(
            &admin,
            "/api/contacts/",
            json!({"first_name": "X", "last_name": "Y", "email": "ada@KING.test"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "email");
    patch_ok(
        &app,
        &admin,
        &format!("/api/contacts/{id}/"),
        json!({"email": "ADA@king.test"}),
    )
    .await;
    let (status, out) = app
        .patch(
            &admin,
            &format!("/api/contacts/{}/", id_of(&plain)),
            json!({"email": "ada@king.TEST"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "email");

    // Every lead source is a contact source.
    for (i, source) in [
        "call",
        "walk-in",
        "directory or marketplace",
        "linkedin ads",
    ]
    .iter()
    .enumerate()
    {
        let out = patch_ok(
            &app,
            &admin,
            &format!("/api/contacts/{}/", id_of(&plain)),
            json!({"source": source}),
        )
        .await;
        assert_eq!(out["source"], *source, "{i}");
    }
}

both_engines!(contacts_list_counts_filters_and_visibility);
async fn contacts_list_counts_filters_and_visibility() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    let handled = id_of(
        &app.account(&admin, "Handled", json!({"assigned_to": [user.id]}))
            .await,
    );
    for body in [
        json!({"first_name": "Anna", "last_name": "Smith", "email": "anna@smith.test",
               "phone": "+47 111", "city": "Oslo", "tags": ["gold"]}),
        json!({"first_name": "Ben", "last_name": "Annan", "email": "ben@b.test",
               "phone": "+47 222", "city": "Bergen", "is_active": false}),
        json!({"first_name": "Cleo", "last_name": "Ray", "email": "cleo@ray.test",
               "phone": "+33 333", "city": "oslo", "assigned_to": [user.id], "tags": ["Gold", "new"]}),
        json!({"first_name": "Dan", "last_name": "Ode", "email": "dan@smith.test",
               "phone": "+33 444", "city": "Paris", "is_active": false, "account": handled}),
    ] {
        app.create(&admin, "contacts", body).await;
    }
    let list = |query: String| {
        let app = &app;
        let admin = &admin;
        async move { get_ok(app, admin, &format!("/api/contacts/?{query}")).await }
    };
    let all = list(String::new()).await;
    assert_eq!(
        pluck(&all["contact_obj_list"], "first_name"),
        ["Dan", "Cleo", "Ben", "Anna"]
    );
    assert_eq!(all["contacts_count"], 4);
    assert_eq!(all["active_count"], 2);
    assert_eq!(all["inactive_count"], 2);
    assert_eq!(all["offset"], Value::Null);
    let uid = user.id.to_string();
    for (query, want, active, inactive) in [
        ("name=ann".to_string(), strings(&["Ben", "Anna"]), 1, 1),
        ("name=RAY".into(), strings(&["Cleo"]), 1, 0),
        ("name=cleo%20r".into(), strings(&["Cleo"]), 1, 0),
        ("search=BEN%20ANNAN".into(), strings(&["Ben"]), 0, 1),
        ("email=smith".into(), strings(&["Dan", "Anna"]), 1, 1),
        ("phone=%2B33".into(), strings(&["Dan", "Cleo"]), 1, 1),
        ("city=OSLO".into(), strings(&["Cleo", "Anna"]), 2, 0),
        ("search=ann".into(), strings(&["Ben", "Anna"]), 1, 1),
        ("search=ray.test".into(), strings(&["Cleo"]), 1, 0),
        ("search=222".into(), strings(&["Ben"]), 0, 1),
        // is_active narrows the page, never the two counts.
        ("is_active=true".into(), strings(&["Cleo", "Anna"]), 2, 2),
        ("is_active=false".into(), strings(&["Dan", "Ben"]), 2, 2),
        ("tags=gold".into(), strings(&["Cleo", "Anna"]), 2, 0),
        ("tags=new,none".into(), strings(&["Cleo"]), 1, 0),
        (format!("assigned_to={uid}"), strings(&["Cleo"]), 1, 0),
        (
            format!("created_at__gte={}", day(0)),
            strings(&["Dan", "Cleo", "Ben", "Anna"]),
            2,
            2,
        ),
        (format!("created_at__lte={}", day(-1)), strings(&[]), 0, 0),
        // Combined.
        (
            "city=oslo&tags=gold&name=cle".into(),
            strings(&["Cleo"]),
            1,
            0,
        ),
        (
            "email=smith&is_active=false".into(),
            strings(&["Dan"]),
            1,
            1,
        ),
        ("search=a&city=paris".into(), strings(&["Dan"]), 0, 1),
    ] {
        let body = list(query.clone()).await;
        assert_eq!(
            pluck(&body["contact_obj_list"], "first_name"),
            want,
            "?{query}"
        );
        assert_eq!(body["contacts_count"], json!(want.len()), "?{query}");
        assert_eq!(body["active_count"], active, "?{query}");
        assert_eq!(body["inactive_count"], inactive, "?{query}");
    }
    // The USER sees what they are assigned, and the contacts of accounts assigned to them.
    let mine = get_ok(&app, &user, "/api/contacts/").await;
    assert_eq!(
        pluck(&mine["contact_obj_list"], "first_name"),
        ["Dan", "Cleo"]
    );
    assert_eq!(mine["active_count"], 1);
    assert_eq!(mine["inactive_count"], 1);
    let dan = mine["contact_obj_list"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, detail) = app.get(&user, &format!("/api/contacts/{dan}/")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["can_delete"], false);
    patch_ok(
        &app,
        &user,
        &format!("/api/contacts/{dan}/"),
        json!({"title": "Boss"}),
    )
    .await;
    let (status, _) = app.delete(&user, &format!("/api/contacts/{dan}/")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Off the account, out of sight.
    app.put(
        &admin,
        &format!("/api/accounts/{handled}/"),
        json!({"assigned_to": []}),
    )
    .await;
    let (status, _) = app.get(&user, &format!("/api/contacts/{dan}/")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

both_engines!(contact_detail_lists_and_delete_unlinks);
async fn contact_detail_lists_and_delete_unlinks() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    let contact = app
        .create(
            &admin,
            "contacts",
            json!({"first_name": "Hub", "last_name": "Person", "assigned_to": [user.id]}),
        )
        .await;
    let cid = id_of(&contact);
    let acc = id_of(
        &app.account(&admin, "Holder", json!({"contacts": [cid]}))
            .await,
    );
    let mut made = Vec::new();
    for (path, body) in [
        (
            "opportunities",
            json!({"name": "Seen deal", "assigned_to": [user.id]}),
        ),
        ("opportunities", json!({"name": "Unseen deal"})),
        (
            "cases",
            json!({"name": "Seen case", "status": "New", "priority": "Low", "assigned_to": [user.id]}),
        ),
        (
            "tasks",
            json!({"title": "Unseen task", "status": "New", "priority": "Low"}),
        ),
        ("leads", json!({"title": "Lead", "assigned_to": [user.id]})),
    ] {
        let mut body = body;
        body["contacts"] = json!([cid]);
        let rec = app.create(&admin, path, body).await;
        assert_eq!(
            rec["contacts"],
            json!([{"id": cid, "first_name": "Hub", "last_name": "Person", "email": ""}])
        );
        made.push((path, id_of(&rec)));
    }
    let d = get_ok(&app, &admin, &format!("/api/contacts/{cid}/")).await;
    assert_eq!(
        pluck(&d["opportunities"], "name"),
        ["Unseen deal", "Seen deal"]
    );
    assert_eq!(pluck(&d["cases"], "name"), ["Seen case"]);
    assert_eq!(pluck(&d["tasks"], "title"), ["Unseen task"]);
    let d = get_ok(&app, &user, &format!("/api/contacts/{cid}/")).await;
    assert_eq!(pluck(&d["opportunities"], "name"), ["Seen deal"]);
    assert_eq!(pluck(&d["cases"], "name"), ["Seen case"]);
    assert_eq!(d["tasks"], json!([]));

    // A USER replacing a record's contacts keeps the links they cannot see.
    let hidden = app
        .create(
            &admin,
            "contacts",
            json!({"first_name": "Zed", "last_name": "Hidden"}),
        )
        .await;
    let deal = &made[0].1;
    patch_ok(
        &app,
        &admin,
        &format!("/api/opportunities/{deal}/"),
        json!({"contacts": [cid, hidden["id"]]}),
    )
    .await;
    let out = patch_ok(
        &app,
        &user,
        &format!("/api/opportunities/{deal}/"),
        json!({"contacts": []}),
    )
    .await;
    assert_eq!(ids(&out["contacts"]), [id_of(&hidden)]);
    let (status, out) = app
        .patch(
            &user,
            &format!("/api/opportunities/{deal}/"),
            json!({"contacts": [hidden["id"]]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "contacts");

    // Deleting the contact unlinks it everywhere.
    let (status, _) = app.delete(&admin, &format!("/api/contacts/{cid}/")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for (path, id) in &made {
        let (status, d) = app.get(&admin, &format!("/api/{path}/{id}/")).await;
        assert_eq!(status, StatusCode::OK);
        let obj = d
            .as_object()
            .unwrap()
            .iter()
            .find(|(k, _)| k.ends_with("_obj"))
            .unwrap()
            .1;
        assert!(!obj["contacts"].to_string().contains(&cid), "{path}: {obj}");
    }
    let a = get_ok(&app, &admin, &format!("/api/accounts/{acc}/")).await;
    assert_eq!(a["contacts"], json!([]));
    assert_eq!(a["account_obj"]["contacts"], json!([]));
}

const OLD_STAMP: &str = "2001-01-01T00:00:00Z";

/// Sets a deal's `stage_changed_at` far back, so that a new stamp shows.
async fn age_stage_stamp(app: &TestApp, id: Uuid) {
    app.db(move |db| {
        let old = chrono::DateTime::parse_from_rfc3339(OLD_STAMP)
            .unwrap()
            .with_timezone(&chrono::Utc);
        db.exec(
            "UPDATE opportunities SET stage_changed_at = $1 WHERE id = $2",
            &[&old, &id],
        )
    })
    .await;
}

both_engines!(opportunity_fields_stages_and_closing);
async fn opportunity_fields_stages_and_closing() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    let acc = id_of(&app.account(&admin, "Buyer", json!({})).await);
    let deal = app
        .create(
            &admin,
            "opportunities",
            json!({"name": "Big one", "account": acc, "opportunity_type": "RENEWAL",
                   "currency": "eur", "amount": 1000, "lead_source": "google ads",
                   "description": "d", "closed_on": "2030-05-01", "is_active": true,
                   "assigned_to": [user.id], "tags": ["q3"]}),
        )
        .await;
    assert_has(
        &deal,
        json!({"name": "Big one", "account": {"id": acc, "name": "Buyer"},
               "stage": "PROSPECTING", "stage_label": "Prospecting", "stage_kind": "open",
               "opportunity_type": "RENEWAL", "currency": "EUR", "amount": "1000.00",
               "probability": 10, "closed_on": "2030-05-01", "lead_source": "google ads",
               "description": "d", "is_active": true, "closed_by": null,
               "assigned_to": [user.id], "tags": ["q3"], "contacts": [], "teams": []}),
    );
    assert!(deal["stage_changed_at"].is_string(), "{deal}");
    let path = format!("/api/opportunities/{}/", id_of(&deal));
    // Every type is taken; the name is unique per org in any case.
    for t in [
        "NEW_BUSINESS",
        "EXISTING_BUSINESS",
        "RENEWAL",
        "UPSELL",
        "CROSS_SELL",
    ] {
        let out = patch_ok(&app, &admin, &path, json!({"opportunity_type": t})).await;
        assert_eq!(out["opportunity_type"], t);
    }
    app.create(&admin, "opportunities", json!({"name": "ÄRGER"}))
        .await;
    for name in ["BIG ONE", " big one ", "ärger"] {
        let (status, out) = app
            .post(&admin, "/api/opportunities/", json!({"name": name}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {out}");
        assert_field_error(&out, "name");
    }
    // Read-only fields are not written.
    let id = Uuid::parse_str(&id_of(&deal)).unwrap();
    age_stage_stamp(&app, id).await;
    let out = patch_ok(
        &app,
        &admin,
        &path,
        json!({"closed_by": admin.id, "stage_changed_at": "2002-01-01T00:00:00Z",
               "stage_label": "x", "stage_kind": "won"}),
    )
    .await;
    assert_eq!(out["closed_by"], Value::Null);
    assert_eq!(out["stage_changed_at"], OLD_STAMP);
    assert_eq!(out["stage_kind"], "open");
    // A change that is not of stage keeps the stamp and the probability.
    let out = patch_ok(&app, &admin, &path, json!({"probability": 33})).await;
    assert_eq!(out["probability"], 33);
    assert_eq!(out["stage_changed_at"], OLD_STAMP);

    // Each open stage sets its probability and stamps the change; a sent one wins.
    for (stage, label, probability) in [
        ("QUALIFICATION", "Qualification", 25),
        ("PROPOSAL", "Proposal", 50),
        ("NEGOTIATION", "Negotiation", 75),
    ] {
        age_stage_stamp(&app, id).await;
        let out = patch_ok(&app, &user, &path, json!({"stage": stage})).await;
        assert_has(
            &out,
            json!({"stage": stage, "stage_label": label, "stage_kind": "open",
                   "probability": probability, "closed_by": null}),
        );
        assert!(
            out["stage_changed_at"].as_str().unwrap() > "2026",
            "{stage}: {out}"
        );
    }
    let out = patch_ok(
        &app,
        &admin,
        &path,
        json!({"stage": "PROPOSAL", "probability": 60}),
    )
    .await;
    assert_eq!(out["probability"], 60);
    // The same stage again is no change.
    age_stage_stamp(&app, id).await;
    let out = patch_ok(&app, &admin, &path, json!({"stage": "PROPOSAL"})).await;
    assert_eq!(out["probability"], 60);
    assert_eq!(out["stage_changed_at"], OLD_STAMP);

    // Won: the caller closes it, the stored close date stays.
    let out = patch_ok(&app, &user, &path, json!({"stage": "CLOSED_WON"})).await;
    assert_has(
        &out,
        json!({"stage_kind": "won", "stage_label": "Closed Won", "probability": 100,
               "closed_by": user.id, "closed_on": "2030-05-01"}),
    );
    // Reopening clears closed_by; lost without a date dates it today.
    let out = patch_ok(
        &app,
        &admin,
        &path,
        json!({"stage": "NEGOTIATION", "closed_on": null}),
    )
    .await;
    assert_has(
        &out,
        json!({"closed_by": null, "stage_kind": "open", "closed_on": null}),
    );
    let out = patch_ok(&app, &admin, &path, json!({"stage": "CLOSED_LOST"})).await;
    assert_has(
        &out,
        json!({"stage_kind": "lost", "probability": 0, "closed_by": admin.id,
               "closed_on": day(0)}),
    );
    // A sent date wins.
    let out = patch_ok(
        &app,
        &admin,
        &path,
        json!({"stage": "CLOSED_WON", "closed_on": "2029-12-31"}),
    )
    .await;
    assert_has(
        &out,
        json!({"closed_on": "2029-12-31", "closed_by": admin.id}),
    );

    // Won needs an amount: stored or sent.
    let bare = app
        .create(&admin, "opportunities", json!({"name": "No money"}))
        .await;
    let bare_path = format!("/api/opportunities/{}/", id_of(&bare));
    for body in [
        json!({"stage": "CLOSED_WON"}),
        json!({"stage": "CLOSED_WON", "amount": null}),
        json!({"stage": "CLOSED_WON", "amount": ""}),
    ] {
        let (status, out) = app.patch(&admin, &bare_path, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
        assert_field_error(&out, "amount");
    }
    let (status, out) = app
        .post(
            &admin,
            "/api/opportunities/",
            json!({"name": "Born won", "stage": "CLOSED_WON"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "amount");
    let after = get_ok(&app, &admin, &bare_path).await;
    assert_eq!(after["opportunity_obj"]["stage"], "PROSPECTING");
    let out = patch_ok(
        &app,
        &admin,
        &bare_path,
        json!({"stage": "CLOSED_WON", "amount": "0"}),
    )
    .await;
    assert_has(
        &out,
        json!({"stage": "CLOSED_WON", "amount": "0.00", "closed_on": day(0)}),
    );
    // Created closed.
    let born = app
        .create(
            &admin,
            "opportunities",
            json!({"name": "Born lost", "stage": "CLOSED_LOST", "probability": 5}),
        )
        .await;
    assert_has(
        &born,
        json!({"closed_by": admin.id, "closed_on": day(0), "probability": 5, "stage_kind": "lost"}),
    );
}

both_engines!(opportunity_list_filters_and_totals);
async fn opportunity_list_filters_and_totals() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    let a1 = id_of(&app.account(&admin, "One", json!({})).await);
    let a2 = id_of(&app.account(&admin, "Two", json!({})).await);
    for body in [
        json!({"name": "Alpha deal", "account": a1, "stage": "PROSPECTING", "amount": "100",
               "lead_source": "call", "closed_on": "2030-01-15", "assigned_to": [user.id]}),
        json!({"name": "Beta", "account": a1, "stage": "NEGOTIATION", "amount": "200.50",
               "lead_source": "email", "closed_on": "2030-02-15", "tags": ["hot"]}),
        json!({"name": "Gamma deal", "account": a2, "stage": "CLOSED_WON", "amount": "300",
               "lead_source": "call", "closed_on": "2030-03-15", "assigned_to": [user.id]}),
        json!({"name": "Delta", "stage": "CLOSED_LOST", "amount": "50", "currency": "EUR",
               "closed_on": "2030-04-15", "tags": ["HOT", "cold"]}),
    ] {
        app.create(&admin, "opportunities", body).await;
    }
    let list = |who: &Session, query: String| {
        let (app, who) = (&app, who.clone());
        async move { get_ok(app, &who, &format!("/api/opportunities/?{query}")).await }
    };
    let all = list(&admin, String::new()).await;
    assert_eq!(
        pluck(&all["opportunities"], "name"),
        ["Delta", "Gamma deal", "Beta", "Alpha deal"]
    );
    assert_eq!(all["opportunities_count"], 4);
    // Mixed currencies: no top sums, each currency's own.
    assert_eq!(
        all["totals"],
        json!({"count": 4, "amount_sum": null, "weighted_sum": null, "by_currency": {
            "EUR": {"amount_sum": "50.00", "weighted_sum": "0.00"},
            "USD": {"amount_sum": "600.50", "weighted_sum": "460.37"},
        }})
    );
    assert_eq!(all["stage"].as_array().unwrap().len(), 6);
    assert_eq!(all["stage"][4], json!(["CLOSED_WON", "Closed Won"]));
    assert_eq!(all["lead_source"].as_array().unwrap().len(), 15);

    let uid = user.id.to_string();
    for (query, want) in [
        (
            "name=DEAL".to_string(),
            strings(&["Gamma deal", "Alpha deal"]),
        ),
        ("search=et".into(), strings(&["Beta"])),
        (format!("account={a1}"), strings(&["Beta", "Alpha deal"])),
        (
            format!("account={a1},{a2}"),
            strings(&["Gamma deal", "Beta", "Alpha deal"]),
        ),
        ("stage=CLOSED_WON".into(), strings(&["Gamma deal"])),
        (
            "stage=CLOSED_WON&stage=PROSPECTING".into(),
            strings(&["Gamma deal", "Alpha deal"]),
        ),
        (
            "lead_source=call".into(),
            strings(&["Gamma deal", "Alpha deal"]),
        ),
        (
            "closed_on__gte=2030-02-15".into(),
            strings(&["Delta", "Gamma deal", "Beta"]),
        ),
        ("closed_on__lte=2030-02-14".into(), strings(&["Alpha deal"])),
        (
            "amount__gte=200.50".into(),
            strings(&["Gamma deal", "Beta"]),
        ),
        ("amount__lte=100".into(), strings(&["Delta", "Alpha deal"])),
        ("open=true".into(), strings(&["Beta", "Alpha deal"])),
        ("tags=hot".into(), strings(&["Delta", "Beta"])),
        (
            format!("assigned_to={uid}"),
            strings(&["Gamma deal", "Alpha deal"]),
        ),
        (format!("created_at__lte={}", day(-1)), strings(&[])),
        // Combined.
        (
            "lead_source=call&open=true".into(),
            strings(&["Alpha deal"]),
        ),
        (
            "amount__gte=60&amount__lte=250&tags=hot".into(),
            strings(&["Beta"]),
        ),
        (
            format!("account={a1}&closed_on__gte=2030-02-01&name=b"),
            strings(&["Beta"]),
        ),
    ] {
        let body = list(&admin, query.clone()).await;
        assert_eq!(pluck(&body["opportunities"], "name"), want, "?{query}");
        assert_eq!(body["opportunities_count"], json!(want.len()), "?{query}");
        assert_eq!(body["totals"]["count"], json!(want.len()), "?{query}");
    }
    // One currency: the top sums are given; totals cover all matches, not the page.
    let body = list(&admin, "lead_source=call&limit=1".into()).await;
    assert_eq!(pluck(&body["opportunities"], "name"), ["Gamma deal"]);
    assert_eq!(body["offset"], 1);
    assert_eq!(
        body["totals"],
        json!({"count": 2, "amount_sum": "400.00", "weighted_sum": "310.00",
               "by_currency": {"USD": {"amount_sum": "400.00", "weighted_sum": "310.00"}}})
    );
    let body = list(&admin, "name=nothing".into()).await;
    assert_eq!(
        body["totals"],
        json!({"count": 0, "amount_sum": "0.00", "weighted_sum": "0.00", "by_currency": {}})
    );
    // The USER's totals are of what they see.
    let body = list(&user, String::new()).await;
    assert_eq!(
        pluck(&body["opportunities"], "name"),
        ["Gamma deal", "Alpha deal"]
    );
    assert_eq!(body["totals"]["amount_sum"], "400.00");
}

both_engines!(case_fields_closing_and_account);
async fn case_fields_closing_and_account() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    let acc = id_of(&app.account(&admin, "Client", json!({})).await);
    let other_acc = id_of(&app.account(&admin, "Other client", json!({})).await);
    let case = app
        .create(
            &admin,
            "cases",
            json!({"name": "Broken login", "status": "New", "priority": "Urgent",
                   "case_type": "Incident", "account": acc, "description": "Cannot log in",
                   "closed_on": "2030-01-01", "assigned_to": [user.id]}),
        )
        .await;
    assert_has(
        &case,
        json!({"name": "Broken login", "status": "New", "priority": "Urgent",
               "case_type": "Incident", "account": {"id": acc, "name": "Client"},
               "description": "Cannot log in", "is_active": true, "closed_on": null,
               "resolved_at": null}),
    );
    let path = format!("/api/cases/{}/", id_of(&case));
    for t in ["Question", "Problem"] {
        assert_eq!(
            patch_ok(&app, &admin, &path, json!({"case_type": t})).await["case_type"],
            t
        );
    }
    assert_eq!(
        patch_ok(&app, &admin, &path, json!({"case_type": null})).await["case_type"],
        Value::Null
    );
    for p in ["Low", "Normal", "High", "Urgent"] {
        assert_eq!(
            patch_ok(&app, &admin, &path, json!({"priority": p})).await["priority"],
            p
        );
    }
    // The account is set at creation: sending it back is fine, another is not.
    patch_ok(&app, &admin, &path, json!({"account": acc})).await;
    for other in [json!(other_acc), Value::Null] {
        let (status, out) = app.patch(&admin, &path, json!({"account": other})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
        assert_field_error(&out, "account");
    }
    // Open statuses never keep a closing date.
    let out = patch_ok(&app, &admin, &path, json!({"status": "Assigned"})).await;
    assert_eq!(out["closed_on"], Value::Null);
    let out = patch_ok(&app, &admin, &path, json!({"closed_on": "2030-01-01"})).await;
    assert_eq!(
        out["closed_on"],
        Value::Null,
        "an open case kept closed_on: {out}"
    );
    // Closing dates it today and stamps resolved_at.
    let out = patch_ok(&app, &user, &path, json!({"status": "Closed"})).await;
    assert_eq!(out["closed_on"], day(0));
    let resolved = out["resolved_at"].clone();
    assert!(resolved.as_str().is_some_and(|s| s.ends_with('Z')), "{out}");
    // Closed again with a date: the date changes, resolved_at stays.
    let out = patch_ok(
        &app,
        &admin,
        &path,
        json!({"status": "Closed", "closed_on": "2029-06-01"}),
    )
    .await;
    assert_eq!(out["closed_on"], "2029-06-01");
    assert_eq!(out["resolved_at"], resolved);
    let out = patch_ok(&app, &admin, &path, json!({"description": "still closed"})).await;
    assert_eq!(out["closed_on"], "2029-06-01");
    // Leaving Closed clears both, to any other status.
    for status in ["Pending", "Rejected", "Duplicate", "New"] {
        patch_ok(&app, &admin, &path, json!({"status": "Closed"})).await;
        let out = patch_ok(&app, &admin, &path, json!({"status": status})).await;
        assert_has(
            &out,
            json!({"status": status, "closed_on": null, "resolved_at": null}),
        );
    }
    // Created closed, with a date.
    let closed = app
        .create(
            &admin,
            "cases",
            json!({"name": "Done", "status": "Closed", "priority": "Low", "closed_on": "2028-02-29"}),
        )
        .await;
    assert_eq!(closed["closed_on"], "2028-02-29");
    assert!(closed["resolved_at"].is_string());

    // The name is unique among the cases the caller sees (any case), as 1.x.
    let (status, out) = app
        .post(
            &admin,
            "/api/cases/",
            json!({"name": "broken LOGIN", "status": "New", "priority": "Low"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "name");
    let (status, out) = app
        .post(
            &user,
            "/api/cases/",
            json!({"name": "done", "status": "New", "priority": "Low"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    let (status, out) = app
        .post(
            &user,
            "/api/cases/",
            json!({"name": "BROKEN login", "status": "New", "priority": "Low"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "name");
    // Renaming onto a name the caller sees is refused too; keeping one's own is fine.
    let (status, out) = app.patch(&admin, &path, json!({"name": "DONE"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "name");
    patch_ok(&app, &admin, &path, json!({"name": "Broken LOGIN"})).await;
}

both_engines!(case_list_filters_counts_and_ordering);
async fn case_list_filters_counts_and_ordering() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    let acc = id_of(&app.account(&admin, "Client", json!({})).await);
    for (name, status, priority, case_type, desc, with_acc, mine) in [
        (
            "Bravo",
            "New",
            "Urgent",
            Some("Incident"),
            "printer on fire",
            true,
            true,
        ),
        (
            "alpha",
            "Pending",
            "Low",
            Some("Question"),
            "how to",
            false,
            false,
        ),
        ("Delta", "Closed", "Urgent", None, "fire out", true, false),
        (
            "Charlie",
            "Assigned",
            "High",
            Some("Problem"),
            "slow",
            false,
            true,
        ),
        (
            "Echo",
            "Rejected",
            "Normal",
            Some("Incident"),
            "",
            false,
            false,
        ),
        (
            "Foxtrot",
            "Assigned",
            "Urgent",
            None,
            "Fire drill",
            false,
            false,
        ),
    ] {
        let mut body = json!({"name": name, "status": status, "priority": priority,
                              "case_type": case_type, "description": desc});
        if with_acc {
            body["account"] = json!(acc);
        }
        if mine {
            body["assigned_to"] = json!([user.id]);
        }
        app.create(&admin, "cases", body).await;
    }
    let list = |who: &Session, query: String| {
        let (app, who) = (&app, who.clone());
        async move { get_ok(app, &who, &format!("/api/cases/?{query}")).await }
    };
    let all = list(&admin, String::new()).await;
    assert_eq!(
        pluck(&all["cases"], "name"),
        ["Foxtrot", "Echo", "Charlie", "Delta", "alpha", "Bravo"]
    );
    assert_eq!(all["cases_count"], 6);
    assert_eq!(all["open_count"], 4);
    assert_eq!(all["urgent_count"], 2);
    assert_eq!(all["status"].as_array().unwrap().len(), 6);
    assert_eq!(
        all["priority"],
        json!([
            ["Low", "Low"],
            ["Normal", "Normal"],
            ["High", "High"],
            ["Urgent", "Urgent"]
        ])
    );
    assert_eq!(all["type_of_case"].as_array().unwrap().len(), 3);
    for (query, want, open, urgent) in [
        ("name=ALPHA".to_string(), strings(&["alpha"]), 1, 0),
        (
            "search=fire".into(),
            strings(&["Foxtrot", "Delta", "Bravo"]),
            2,
            2,
        ),
        ("search=char".into(), strings(&["Charlie"]), 1, 0),
        (
            "status=Assigned".into(),
            strings(&["Foxtrot", "Charlie"]),
            2,
            1,
        ),
        (
            "status=Closed,Rejected".into(),
            strings(&["Echo", "Delta"]),
            0,
            0,
        ),
        (
            "priority=Urgent".into(),
            strings(&["Foxtrot", "Delta", "Bravo"]),
            2,
            2,
        ),
        (
            "priority=Low&priority=High".into(),
            strings(&["Charlie", "alpha"]),
            2,
            0,
        ),
        (
            "case_type=Incident".into(),
            strings(&["Echo", "Bravo"]),
            1,
            1,
        ),
        (format!("account={acc}"), strings(&["Delta", "Bravo"]), 1, 1),
        ("tags=none".into(), strings(&[]), 0, 0),
        (
            format!("assigned_to={}", user.id),
            strings(&["Charlie", "Bravo"]),
            2,
            1,
        ),
        // Combined.
        (
            "search=fire&status=New,Assigned&priority=Urgent".into(),
            strings(&["Foxtrot", "Bravo"]),
            2,
            2,
        ),
        (
            format!("account={acc}&case_type=Incident"),
            strings(&["Bravo"]),
            1,
            1,
        ),
        // Ordering: by name, by severity (then newest first), descending.
        (
            "ordering=name".into(),
            strings(&["alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"]),
            4,
            2,
        ),
        (
            "ordering=-name".into(),
            strings(&["Foxtrot", "Echo", "Delta", "Charlie", "Bravo", "alpha"]),
            4,
            2,
        ),
        // Ties follow the direction asked for: oldest first here.
        (
            "ordering=priority".into(),
            strings(&["alpha", "Echo", "Charlie", "Bravo", "Delta", "Foxtrot"]),
            4,
            2,
        ),
        (
            "ordering=-priority".into(),
            strings(&["Foxtrot", "Delta", "Bravo", "Charlie", "Echo", "alpha"]),
            4,
            2,
        ),
        (
            "ordering=created_at".into(),
            strings(&["Bravo", "alpha", "Delta", "Charlie", "Echo", "Foxtrot"]),
            4,
            2,
        ),
        (
            "ordering=-created_at&limit=2".into(),
            strings(&["Foxtrot", "Echo"]),
            4,
            2,
        ),
    ] {
        let body = list(&admin, query.clone()).await;
        assert_eq!(pluck(&body["cases"], "name"), want, "?{query}");
        if !query.contains("limit") {
            assert_eq!(body["cases_count"], json!(want.len()), "?{query}");
        }
        assert_eq!(body["open_count"], open, "?{query}");
        assert_eq!(body["urgent_count"], urgent, "?{query}");
    }
    let mine = list(&user, String::new()).await;
    assert_eq!(pluck(&mine["cases"], "name"), ["Charlie", "Bravo"]);
    assert_eq!(mine["urgent_count"], 1);
}

both_engines!(task_fields_parents_and_completion);
async fn task_fields_parents_and_completion() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    let acc = id_of(&app.account(&admin, "Parent acc", json!({})).await);
    let deal = id_of(
        &app.create(&admin, "opportunities", json!({"name": "Parent deal"}))
            .await,
    );
    let case = id_of(
        &app.create(
            &admin,
            "cases",
            json!({"name": "Parent case", "status": "New", "priority": "Low"}),
        )
        .await,
    );
    let lead = id_of(
        &app.create(
            &admin,
            "leads",
            json!({"first_name": "Lee", "last_name": "Dee"}),
        )
        .await,
    );
    let mail_lead = id_of(
        &app.create(&admin, "leads", json!({"email": "only@mail.test"}))
            .await,
    );
    let task = app
        .create(
            &admin,
            "tasks",
            json!({"title": "Call back", "status": "In Progress", "priority": "High",
                   "due_date": "2030-07-01", "description": "soon", "account": acc,
                   "assigned_to": [user.id]}),
        )
        .await;
    assert_has(
        &task,
        json!({"title": "Call back", "status": "In Progress", "priority": "High",
               "due_date": "2030-07-01", "description": "soon",
               "account": {"id": acc, "name": "Parent acc"}, "opportunity": null,
               "case": null, "lead": null}),
    );
    let path = format!("/api/tasks/{}/", id_of(&task));
    // Each parent reads as {id, name}; a lead's name is "first last", else its email.
    for (key, id, name) in [
        ("opportunity", &deal, "Parent deal"),
        ("case", &case, "Parent case"),
        ("lead", &lead, "Lee Dee"),
        ("lead", &mail_lead, "only@mail.test"),
        ("account", &acc, "Parent acc"),
    ] {
        let mut body = json!({"account": null, "opportunity": null, "case": null, "lead": null});
        body[key] = json!(id);
        let out = patch_ok(&app, &admin, &path, body).await;
        assert_eq!(out[key], json!({"id": id, "name": name}), "{out}");
    }
    // Two parents: 400 on `account`, whether sent together or added to the stored one.
    for body in [
        json!({"opportunity": deal}),
        json!({"lead": lead, "case": case, "account": null}),
    ] {
        let (status, out) = app.patch(&admin, &path, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {out}");
        assert_field_error(&out, "account");
    }
    let (status, out) = app
        .post(
            &admin,
            "/api/tasks/",
            json!({"title": "Two", "status": "New", "priority": "Low", "case": case, "lead": lead}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "account");
    // Statuses and priorities.
    for p in ["Low", "Medium", "High"] {
        assert_eq!(
            patch_ok(&app, &admin, &path, json!({"priority": p})).await["priority"],
            p
        );
    }
    // Completing writes the status only.
    let before = get_ok(&app, &admin, &path).await["task_obj"].clone();
    let out = patch_ok(&app, &user, &path, json!({"status": "Completed"})).await;
    assert_eq!(out["status"], "Completed");
    for key in [
        "title",
        "priority",
        "due_date",
        "description",
        "account",
        "assigned_to",
    ] {
        assert_eq!(out[key], before[key], "{key}");
    }
    // Deleting a parent unlinks the task.
    let (status, _) = app.delete(&admin, &format!("/api/accounts/{acc}/")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let t = get_ok(&app, &admin, &path).await;
    assert_eq!(t["task_obj"]["account"], Value::Null);
    for (key, kind) in [
        ("lead", "leads"),
        ("case", "cases"),
        ("opportunity", "opportunities"),
    ] {
        let id = match key {
            "lead" => &lead,
            "case" => &case,
            _ => &deal,
        };
        patch_ok(&app, &admin, &path, json!({key: id})).await;
        let (status, _) = app.delete(&admin, &format!("/api/{kind}/{id}/")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let t = get_ok(&app, &admin, &path).await;
        assert_eq!(t["task_obj"][key], Value::Null, "{key}");
    }
    // A parent the USER cannot open is refused.
    let hidden = id_of(
        &app.create(&admin, "opportunities", json!({"name": "Hidden"}))
            .await,
    );
    let (status, out) = app
        .patch(&user, &path, json!({"opportunity": hidden}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "opportunity");
}

both_engines!(task_list_filters_and_totals);
async fn task_list_filters_and_totals() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    let acc = id_of(&app.account(&admin, "Acc", json!({})).await);
    let deal = id_of(
        &app.create(&admin, "opportunities", json!({"name": "Deal"}))
            .await,
    );
    let case = id_of(
        &app.create(
            &admin,
            "cases",
            json!({"name": "Case", "status": "New", "priority": "Low"}),
        )
        .await,
    );
    let lead = id_of(&app.create(&admin, "leads", json!({"title": "Lead"})).await);
    for (title, status, priority, due, parent, mine) in [
        (
            "Late call",
            "New",
            "High",
            Some(day(-3)),
            ("account", acc.clone()),
            true,
        ),
        (
            "Late done",
            "Completed",
            "Low",
            Some(day(-3)),
            ("account", acc.clone()),
            false,
        ),
        (
            "Today mail",
            "In Progress",
            "Medium",
            Some(day(0)),
            ("opportunity", deal.clone()),
            false,
        ),
        (
            "Week call",
            "New",
            "Low",
            Some(day(6)),
            ("case", case.clone()),
            true,
        ),
        (
            "Far off",
            "New",
            "High",
            Some(day(7)),
            ("lead", lead.clone()),
            false,
        ),
        (
            "Someday",
            "In Progress",
            "Low",
            None,
            ("", String::new()),
            false,
        ),
    ] {
        let mut body =
            json!({"title": title, "status": status, "priority": priority, "due_date": due});
        if !parent.0.is_empty() {
            body[parent.0] = json!(parent.1);
        }
        if mine {
            body["assigned_to"] = json!([user.id]);
        }
        app.create(&admin, "tasks", body).await;
    }
    let list = |who: &Session, query: String| {
        let (app, who) = (&app, who.clone());
        async move { get_ok(app, &who, &format!("/api/tasks/?{query}")).await }
    };
    let all = list(&admin, String::new()).await;
    assert_eq!(
        pluck(&all["tasks"], "title"),
        [
            "Someday",
            "Far off",
            "Week call",
            "Today mail",
            "Late done",
            "Late call"
        ]
    );
    assert_eq!(
        all["totals"],
        json!({"count": 6, "open": 5, "overdue": 1, "due_today": 1, "due_this_week": 2,
               "no_due_date": 1, "unassigned": 3})
    );
    assert_eq!(
        all["status"],
        json!([
            ["New", "New"],
            ["In Progress", "In Progress"],
            ["Completed", "Completed"]
        ])
    );
    assert_eq!(all["priority"].as_array().unwrap().len(), 3);
    for (query, want) in [
        (
            "title=CALL".to_string(),
            strings(&["Week call", "Late call"]),
        ),
        ("search=late".into(), strings(&["Late done", "Late call"])),
        ("status=Completed".into(), strings(&["Late done"])),
        (
            "status=New,In%20Progress&priority=Low".into(),
            strings(&["Someday", "Week call"]),
        ),
        ("priority=High".into(), strings(&["Far off", "Late call"])),
        (
            format!("due_date__gte={}", day(0)),
            strings(&["Far off", "Week call", "Today mail"]),
        ),
        (
            format!("due_date__lte={}", day(0)),
            strings(&["Today mail", "Late done", "Late call"]),
        ),
        (
            format!("account={acc}"),
            strings(&["Late done", "Late call"]),
        ),
        (format!("opportunity={deal}"), strings(&["Today mail"])),
        (format!("case={case}"), strings(&["Week call"])),
        (format!("lead={lead}"), strings(&["Far off"])),
        (
            format!("assigned_to={}", user.id),
            strings(&["Week call", "Late call"]),
        ),
        (format!("account={acc}&status=New"), strings(&["Late call"])),
        (
            format!("due_date__gte={}&due_date__lte={}&title=a", day(-5), day(6)),
            strings(&["Week call", "Today mail", "Late done", "Late call"]),
        ),
    ] {
        let body = list(&admin, query.clone()).await;
        assert_eq!(pluck(&body["tasks"], "title"), want, "?{query}");
        assert_eq!(body["tasks_count"], json!(want.len()), "?{query}");
        assert_eq!(body["totals"]["count"], json!(want.len()), "?{query}");
    }
    let body = list(&admin, format!("account={acc}")).await;
    assert_eq!(
        body["totals"],
        json!({"count": 2, "open": 1, "overdue": 1, "due_today": 0, "due_this_week": 0,
               "no_due_date": 0, "unassigned": 0})
    );
    let mine = list(&user, String::new()).await;
    assert_eq!(pluck(&mine["tasks"], "title"), ["Week call", "Late call"]);
    assert_eq!(mine["totals"]["overdue"], 1);
    assert_eq!(mine["totals"]["due_this_week"], 1);
    assert_eq!(mine["totals"]["unassigned"], 0);
}

both_engines!(totals_of_large_amounts_do_not_overflow);
async fn totals_of_large_amounts_do_not_overflow() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    // The largest amount at 100%: 93 of them pass what 64 bits hold, in cents times percent.
    for i in 0..93 {
        app.create(
            &admin,
            "opportunities",
            json!({"name": format!("Huge {i}"), "amount": "10000000000000", "probability": 100}),
        )
        .await;
    }
    let body = get_ok(&app, &admin, "/api/opportunities/?limit=1").await;
    assert_eq!(
        body["totals"],
        json!({"count": 93, "amount_sum": "930000000000000.00",
               "weighted_sum": "930000000000000.00", "by_currency": {"USD": {
                   "amount_sum": "930000000000000.00", "weighted_sum": "930000000000000.00"}}})
    );
    let d = get_ok(&app, &admin, "/api/dashboard/").await;
    assert_eq!(
        d["pipeline_by_stage"]["PROSPECTING"]["value"],
        "930000000000000.00"
    );
    // One more than the largest amount is refused, never stored.
    let (status, out) = app
        .post(
            &admin,
            "/api/opportunities/",
            json!({"name": "Too big", "amount": "10000000000000.01"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "amount");
}
