//! Invoices over HTTP on both engines. The API neither creates nor edits them, so the tests
//! store them with SQL and read them back: fields, derived `Overdue`, 1.x's page, filters and
//! sorts, the status actions with their refusals, and the role rules.

mod common;

use chrono::NaiveDate;
use common::*;
use crmtui::model::Role;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

fn date(days: i64) -> Option<NaiveDate> {
    Some(chrono::Utc::now().date_naive() + chrono::Duration::days(days))
}

fn uuid(v: &Value) -> Option<Uuid> {
    Some(uuid_of(v))
}

async fn detail(app: &TestApp, who: &Session, id: &str) -> Value {
    let (status, body) = app.get(who, &format!("/api/invoices/{id}/")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["invoice"].clone()
}

async fn action(
    app: &TestApp,
    who: &Session,
    id: &str,
    name: &str,
    body: Value,
) -> (StatusCode, Value) {
    app.post(who, &format!("/api/invoices/{id}/{name}/"), body)
        .await
}

both_engines!(invoice_fields_and_derived_overdue);
async fn invoice_fields_and_derived_overdue() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let acc = app.account(&admin, "Billed Ltd", json!({})).await;
    let contact = app
        .create(
            &admin,
            "contacts",
            json!({"first_name": "Pay", "last_name": "Er", "email": "payer@billed.test"}),
        )
        .await;
    let deal = app
        .create(&admin, "opportunities", json!({"name": "Deal billed"}))
        .await;
    let lines = json!([
        {"name": "Hours", "quantity": "10", "unit_price": "90.00", "total": "900.00"},
        {"name": "Licence", "quantity": "1", "unit_price": "100.50", "total": "100.50"},
    ]);
    let id = app
        .invoice(
            &admin,
            NewInvoice {
                number: "INV-0001".into(),
                title: "March work".into(),
                status: "Sent".into(),
                account: uuid(&acc),
                contact: uuid(&contact),
                opportunity: uuid(&deal),
                client: "Billed Ltd".into(),
                issue_date: NaiveDate::from_ymd_opt(2030, 3, 1),
                due_date: NaiveDate::from_ymd_opt(2030, 3, 31),
                terms: Some("NET_30".into()),
                currency: "EUR".into(),
                total_cents: 100_050,
                paid_cents: 50_000,
                lines: lines.clone(),
                ..NewInvoice::default()
            },
        )
        .await;
    let (status, body) = app.get(&admin, &format!("/api/invoices/{id}/")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["comments"], json!([]));
    assert_eq!(body["attachments"], json!([]));
    let inv = &body["invoice"];
    let want = json!({
        "id": id, "invoice_number": "INV-0001", "invoice_title": "March work",
        "status": "Sent", "account": acc["id"], "contact": contact["id"],
        "opportunity": deal["id"], "account_name": "Billed Ltd", "contact_name": "Pay Er",
        "client_name": "Billed Ltd", "issue_date": "2030-03-01", "due_date": "2030-03-31",
        "payment_terms": "NET_30", "currency": "EUR", "total_amount": "1000.50",
        "amount_paid": "500.00", "amount_due": "500.50", "is_overdue": false,
        "sent_at": null, "paid_at": null, "cancelled_at": null, "line_items": lines,
        "created_by": admin.id, "assigned_to": [], "teams": [], "payments": [],
    });
    for (key, value) in want.as_object().unwrap() {
        assert_eq!(&inv[key], value, "{key}: {inv}");
    }
    assert_eq!(inv.get("tags"), None, "{inv}");

    // Overdue is derived: unpaid and past due. Not for drafts, paid or cancelled ones.
    let mut made = Vec::new();
    for (status, due, overdue) in [
        ("Sent", date(-1), true),
        ("Viewed", date(-10), true),
        ("Partially_Paid", date(-1), true),
        ("Pending", date(-1), true),
        ("Sent", date(0), false),
        ("Sent", None, false),
        ("Draft", date(-1), false),
        ("Paid", date(-1), false),
        ("Cancelled", date(-1), false),
    ] {
        let id = app
            .invoice(
                &admin,
                NewInvoice {
                    status: status.into(),
                    due_date: due,
                    ..NewInvoice::default()
                },
            )
            .await;
        let inv = detail(&app, &admin, &id).await;
        assert_eq!(inv["is_overdue"], json!(overdue), "{status} {due:?}");
        assert_eq!(
            inv["status"],
            if overdue { "Overdue" } else { status },
            "{status} {due:?}"
        );
        made.push((id, overdue));
    }
    // The list's rows are the same, without line items.
    let (status, page) = app.get(&admin, "/api/invoices/?limit=100").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["count"], 10);
    for row in page["results"].as_array().unwrap() {
        assert_eq!(row.get("line_items"), None, "{row}");
        let overdue = made
            .iter()
            .find(|(id, _)| row["id"] == json!(id))
            .is_some_and(|(_, o)| *o);
        assert_eq!(row["is_overdue"], json!(overdue), "{row}");
    }
    // Deleting the contact or the deal an invoice names unlinks it.
    for path in [
        format!("/api/contacts/{}/", id_of(&contact)),
        format!("/api/opportunities/{}/", id_of(&deal)),
    ] {
        let (status, _) = app.delete(&admin, &path).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{path}");
    }
    let inv = detail(&app, &admin, &id).await;
    assert_eq!(inv["contact"], Value::Null);
    assert_eq!(inv["contact_name"], Value::Null);
    assert_eq!(inv["opportunity"], Value::Null);
    assert_eq!(inv["account"], acc["id"]);
    let row = page["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == json!(id))
        .unwrap();
    assert_eq!(row["account_name"], "Billed Ltd");
    assert_eq!(row["amount_due"], "500.50");
}

both_engines!(invoice_list_page_filters_and_sorts);
async fn invoice_list_page_filters_and_sorts() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let acc = app.account(&admin, "A1", json!({})).await;
    let acc2 = app.account(&admin, "A2", json!({})).await;
    let contact = app
        .create(
            &admin,
            "contacts",
            json!({"first_name": "C", "last_name": "One"}),
        )
        .await;
    let deal = app
        .create(&admin, "opportunities", json!({"name": "D1"}))
        .await;
    let rows = [
        (
            "INV-1",
            "Alpha retainer",
            "Draft",
            Some(&acc),
            None,
            None,
            "Acme",
            1,
            -10,
            500,
            -50,
        ),
        (
            "INV-2",
            "Beta build",
            "Sent",
            Some(&acc),
            Some(&contact),
            None,
            "Bolt",
            5,
            -1,
            300,
            -40,
        ),
        (
            "INV-3",
            "Gamma audit",
            "Paid",
            Some(&acc2),
            None,
            Some(&deal),
            "Acme",
            10,
            20,
            900,
            -30,
        ),
        (
            "INV-4",
            "Delta support",
            "Sent",
            None,
            Some(&contact),
            Some(&deal),
            "Cog",
            15,
            30,
            100,
            -20,
        ),
        (
            "INV-5",
            "Echo retainer",
            "Cancelled",
            None,
            None,
            None,
            "Dyn",
            20,
            40,
            700,
            -10,
        ),
    ];
    for (number, title, status, account, contact, opportunity, client, issue, due, total, age) in
        rows
    {
        app.invoice(
            &admin,
            NewInvoice {
                number: number.into(),
                title: title.into(),
                status: status.into(),
                account: account.map(uuid_of),
                contact: contact.map(uuid_of),
                opportunity: opportunity.map(uuid_of),
                client: client.into(),
                issue_date: NaiveDate::from_ymd_opt(2030, 1, issue),
                due_date: date(due),
                total_cents: total * 100,
                age_secs: age,
                ..NewInvoice::default()
            },
        )
        .await;
    }
    let numbers = |body: &Value| pluck(&body["results"], "invoice_number");
    let list = |query: String| {
        let (app, admin) = (&app, &admin);
        async move {
            let (status, body) = app.get(admin, &format!("/api/invoices/?{query}")).await;
            assert_eq!(status, StatusCode::OK, "?{query}: {body}");
            body
        }
    };
    // 1.x's DRF page, newest first.
    let all = list(String::new()).await;
    assert_eq!(numbers(&all), ["INV-5", "INV-4", "INV-3", "INV-2", "INV-1"]);
    assert_eq!(all["count"], 5);
    assert_eq!(all["next"], Value::Null);
    assert_eq!(all["previous"], Value::Null);
    let page = list("limit=2".into()).await;
    assert_eq!(numbers(&page), ["INV-5", "INV-4"]);
    assert_eq!(page["next"], "/api/invoices/?limit=2&offset=2");
    assert_eq!(page["previous"], Value::Null);
    let page = list("limit=2&offset=2".into()).await;
    assert_eq!(numbers(&page), ["INV-3", "INV-2"]);
    assert_eq!(page["next"], "/api/invoices/?limit=2&offset=4");
    assert_eq!(page["previous"], "/api/invoices/?limit=2&offset=0");
    let page = list("limit=2&offset=4".into()).await;
    assert_eq!(numbers(&page), ["INV-1"]);
    assert_eq!(page["next"], Value::Null);
    let page = list("offset=50".into()).await;
    assert_eq!(page["results"], json!([]));
    assert_eq!(page["count"], 5);
    assert_eq!(page["next"], Value::Null);
    let page = list("limit=0".into()).await;
    assert_eq!(page["results"], json!([]));
    assert_eq!(page["count"], 5);

    let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let (a1, a2) = (id_of(&acc), id_of(&acc2));
    let (c1, d1) = (id_of(&contact), id_of(&deal));
    for (query, want) in [
        ("search=retainer".to_string(), s(&["INV-5", "INV-1"])),
        ("search=inv-3".into(), s(&["INV-3"])),
        ("search=ACME".into(), s(&["INV-3", "INV-1"])),
        // Overdue is matched as shown: INV-2 is past due.
        ("status=Overdue".into(), s(&["INV-2"])),
        ("status=Sent".into(), s(&["INV-4"])),
        ("status=Sent,Overdue".into(), s(&["INV-4", "INV-2"])),
        (
            "status=Paid&status=Cancelled".into(),
            s(&["INV-5", "INV-3"]),
        ),
        (format!("account={a1}"), s(&["INV-2", "INV-1"])),
        (
            format!("account={a1},{a2}"),
            s(&["INV-3", "INV-2", "INV-1"]),
        ),
        (format!("contact={c1}"), s(&["INV-4", "INV-2"])),
        (format!("opportunity={d1}"), s(&["INV-4", "INV-3"])),
        (
            "issue_date_gte=2030-01-10".into(),
            s(&["INV-5", "INV-4", "INV-3"]),
        ),
        ("issue_date_lte=2030-01-05".into(), s(&["INV-2", "INV-1"])),
        (
            format!("due_date_gte={}", day(0)),
            s(&["INV-5", "INV-4", "INV-3"]),
        ),
        (
            format!("due_date_lte={}", day(20)),
            s(&["INV-3", "INV-2", "INV-1"]),
        ),
        ("created_at__lte=2000-01-01".into(), s(&[])),
        // Combined.
        (format!("account={a1}&status=Draft"), s(&["INV-1"])),
        (
            format!("search=a&due_date_gte={}&issue_date_lte=2030-01-15", day(0)),
            s(&["INV-4", "INV-3"]),
        ),
        // Sorts.
        (
            "sort=total_amount".into(),
            s(&["INV-4", "INV-2", "INV-1", "INV-5", "INV-3"]),
        ),
        (
            "sort=-total_amount".into(),
            s(&["INV-3", "INV-5", "INV-1", "INV-2", "INV-4"]),
        ),
        (
            "sort=due_date".into(),
            s(&["INV-1", "INV-2", "INV-3", "INV-4", "INV-5"]),
        ),
        (
            "sort=-issue_date".into(),
            s(&["INV-5", "INV-4", "INV-3", "INV-2", "INV-1"]),
        ),
        (
            "sort=created_at".into(),
            s(&["INV-1", "INV-2", "INV-3", "INV-4", "INV-5"]),
        ),
        (
            "sort=-created_at".into(),
            s(&["INV-5", "INV-4", "INV-3", "INV-2", "INV-1"]),
        ),
        ("sort=status&limit=2".into(), s(&["INV-5", "INV-1"])),
    ] {
        let body = list(query.clone()).await;
        assert_eq!(numbers(&body), want, "?{query}");
        if !query.contains("limit") {
            assert_eq!(body["count"], json!(want.len()), "?{query}");
        }
    }
    for (query, param) in [
        ("status=Late", "status"),
        ("account=nope", "account"),
        ("contact=1", "contact"),
        ("opportunity=x", "opportunity"),
        ("issue_date_gte=2030-02-30", "issue_date_gte"),
        ("due_date_lte=tomorrow", "due_date_lte"),
        ("sort=invoice_title", "sort"),
        ("sort=-", "sort"),
        ("limit=-1", "limit"),
    ] {
        let (status, body) = app.get(&admin, &format!("/api/invoices/?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "?{query}: {body}");
        assert_field_error(&body, param);
    }
}

both_engines!(invoice_actions_and_their_refusals);
async fn invoice_actions_and_their_refusals() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let new = |status: &str, total: i64, paid: i64| NewInvoice {
        status: status.into(),
        total_cents: total,
        paid_cents: paid,
        due_date: date(-5),
        ..NewInvoice::default()
    };

    // send/: a draft becomes Sent (and, past due, reads Overdue).
    let draft = app.invoice(&admin, new("Draft", 10_000, 0)).await;
    let (status, out) = action(&app, &admin, &draft, "send", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let inv = &out["invoice"];
    assert_eq!(inv["status"], "Overdue");
    assert_eq!(inv["is_overdue"], true);
    assert!(
        inv["sent_at"].as_str().is_some_and(|s| s.ends_with('Z')),
        "{inv}"
    );
    assert!(inv["line_items"].is_array());
    let stored = app
        .count("SELECT count(*) FROM invoices WHERE status = 'Sent'")
        .await;
    assert_eq!(stored, 1, "Overdue is never stored");
    let (status, out) = action(&app, &admin, &draft, "send", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{out}");
    assert_field_error(&out, "status");

    // mark-paid/: a partial payment, then the rest by default.
    let (status, out) = action(
        &app,
        &admin,
        &draft,
        "mark-paid",
        json!({"amount": "30.00", "payment_method": "BANK_TRANSFER",
               "payment_date": "2030-01-02", "reference_number": "REF-1", "notes": "first"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let inv = &out["invoice"];
    assert_eq!(inv["status"], "Overdue", "partially paid and late: {inv}");
    assert_eq!(inv["amount_paid"], "30.00");
    assert_eq!(inv["amount_due"], "70.00");
    assert_eq!(inv["paid_at"], Value::Null);
    assert_eq!(
        app.count("SELECT count(*) FROM invoices WHERE status = 'Partially_Paid'")
            .await,
        1
    );
    let payment = &inv["payments"][0];
    assert_eq!(payment["amount"], "30.00");
    assert_eq!(payment["payment_method"], "BANK_TRANSFER");
    assert_eq!(payment["payment_date"], "2030-01-02");
    assert_eq!(payment["reference_number"], "REF-1");
    assert_eq!(payment["notes"], "first");
    // Refusals name the field and write nothing.
    let before = detail(&app, &admin, &draft).await;
    for (body, field) in [
        (json!({"amount": "70.01"}), "amount"),
        (json!({"amount": "0"}), "amount"),
        (json!({"amount": "-5"}), "amount"),
        (json!({"amount": "abc"}), "amount"),
        (json!({"amount": true}), "amount"),
        (json!({"payment_method": "GOLD"}), "payment_method"),
        (json!({"payment_method": 3}), "payment_method"),
        (json!({"payment_date": "2030-02-30"}), "payment_date"),
        (json!({"payment_date": 20300101}), "payment_date"),
        (json!({"notes": 5}), "notes"),
        (
            json!({"reference_number": "x".repeat(256)}),
            "reference_number",
        ),
    ] {
        let (status, out) = action(&app, &admin, &draft, "mark-paid", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {out}");
        assert_field_error(&out, field);
    }
    assert_eq!(detail(&app, &admin, &draft).await, before);
    let (status, out) = action(&app, &admin, &draft, "mark-paid", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let inv = &out["invoice"];
    assert_has_status(inv, "Paid");
    assert_eq!(inv["amount_paid"], "100.00");
    assert_eq!(inv["amount_due"], "0.00");
    assert_eq!(inv["is_overdue"], false);
    assert!(inv["paid_at"].is_string(), "{inv}");
    let second = &inv["payments"][1];
    assert_eq!(second["amount"], "70.00");
    assert_eq!(second["payment_method"], "OTHER");
    assert_eq!(second["payment_date"], json!(day(0)));
    // Paid: no send, pay or cancel.
    for name in ["send", "mark-paid", "cancel"] {
        let (status, out) = action(&app, &admin, &draft, name, json!({})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {out}");
        assert_field_error(&out, "status");
    }

    // The whole amount at once, as a number.
    let sent = app.invoice(&admin, new("Sent", 2_550, 0)).await;
    let (status, out) = action(&app, &admin, &sent, "mark-paid", json!({"amount": 25.5})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_has_status(&out["invoice"], "Paid");

    // cancel/: from any unpaid state; then nothing more.
    for from in ["Draft", "Sent", "Viewed", "Partially_Paid", "Pending"] {
        let id = app.invoice(&admin, new(from, 10_000, 1_000)).await;
        let (status, out) = action(&app, &admin, &id, "cancel", json!({})).await;
        assert_eq!(status, StatusCode::OK, "{from}: {out}");
        let inv = &out["invoice"];
        assert_has_status(inv, "Cancelled");
        assert!(inv["cancelled_at"].is_string(), "{inv}");
        assert_eq!(inv["is_overdue"], false);
        for name in ["send", "mark-paid", "cancel"] {
            let (status, out) = action(&app, &admin, &id, name, json!({})).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{from} then {name}: {out}");
            assert_field_error(&out, "status");
        }
        assert_eq!(detail(&app, &admin, &id).await["amount_paid"], "10.00");
    }
    // Only a draft is sent.
    for from in ["Sent", "Viewed", "Partially_Paid", "Pending"] {
        let id = app.invoice(&admin, new(from, 10_000, 0)).await;
        let (status, out) = action(&app, &admin, &id, "send", json!({})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{from}: {out}");
        assert_field_error(&out, "status");
    }

    // No create, edit or delete through the API.
    let (status, _) = app
        .post(&admin, "/api/invoices/", json!({"invoice_title": "x"}))
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    for method in [Method::PUT, Method::PATCH, Method::DELETE] {
        let (status, _) = send(
            app.req(&admin, method.clone(), &format!("/api/invoices/{sent}/"))
                .json(&json!({"status": "Draft"})),
        )
        .await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }
    assert_has_status(&detail(&app, &admin, &sent).await, "Paid");
}

#[track_caller]
fn assert_has_status(inv: &Value, status: &str) {
    assert_eq!(inv["status"], status, "{inv}");
}

both_engines!(invoice_role_rules);
async fn invoice_role_rules() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let creator = app.user("Org", "creator@org.test", Role::User).await;
    let assignee = app.user("Org", "assignee@org.test", Role::User).await;
    let stranger = app.user("Org", "stranger@org.test", Role::User).await;
    let other = app.admin("Other", "other@other.test").await;
    let id = app
        .invoice(
            &creator,
            NewInvoice {
                number: "INV-R".into(),
                assigned_to: vec![assignee.id],
                ..NewInvoice::default()
            },
        )
        .await;
    let theirs = app.invoice(&other, NewInvoice::default()).await;
    let path = format!("/api/invoices/{id}/");
    for (who, sees) in [
        (&admin, true),
        (&creator, true),
        (&assignee, true),
        (&stranger, false),
        (&other, false),
    ] {
        let (status, body) = app.get(who, &path).await;
        let want = if sees {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(status, want, "{}: {body}", who.email);
        let (_, page) = app.get(who, "/api/invoices/").await;
        let listed = pluck(&page["results"], "invoice_number");
        assert_eq!(listed.contains(&"INV-R".to_string()), sees, "{}", who.email);
        assert_eq!(page["count"], json!(listed.len()), "{}", who.email);
        if !sees {
            for name in ["send", "mark-paid", "cancel"] {
                let (status, _) = action(&app, who, &id, name, json!({})).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{} {name}", who.email);
            }
            let (status, _) = app
                .post(
                    who,
                    &format!("/api/invoices/{id}/comments/"),
                    json!({"comment": "x"}),
                )
                .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{}", who.email);
        }
    }
    assert_eq!(detail(&app, &admin, &id).await["status"], "Draft");
    // The assignee acts on it; the other org's invoice stays out of reach.
    let (status, out) = action(&app, &assignee, &id, "send", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    for bad in ["not-a-uuid", theirs.as_str(), &Uuid::new_v4().to_string()] {
        let (status, _) = app.get(&admin, &format!("/api/invoices/{bad}/")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        let (status, _) = action(&app, &admin, bad, "cancel", json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
    }
    assert_eq!(detail(&app, &other, &theirs).await["status"], "Draft");
    let (status, body) = send(app.raw(Method::GET, "/api/invoices/")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_message_error(&body);
    let (status, _) = send(app.raw(Method::POST, &format!("/api/invoices/{id}/cancel/"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
