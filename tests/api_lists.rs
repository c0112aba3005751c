//! The totals of an admin's unfiltered list come from counts kept by triggers (and a text
//! filter from a trigram index). Held here, on both engines, to the totals counted row by row
//! (the same list with a filter that every record passes) after each kind of write: bulk
//! seeding, create, update, assign, delete, lead conversion, account deletion, invoices stored
//! by SQL; and a USER's totals, which stay their own records'.

mod common;

use common::*;
use crmtui::model::Role;
use reqwest::StatusCode;
use serde_json::Value;

/// Every list's totals, as JSON pointers into its answer.
const TOTALS: &[(&str, &[&str])] = &[
    (
        "contacts",
        &["/contacts_count", "/active_count", "/inactive_count"],
    ),
    (
        "leads",
        &["/open_leads/leads_count", "/close_leads/leads_count"],
    ),
    ("opportunities", &["/opportunities_count", "/totals"]),
    ("cases", &["/cases_count", "/open_count", "/urgent_count"]),
    ("tasks", &["/tasks_count", "/totals"]),
    ("invoices", &["/count"]),
];

/// A filter every record passes, which makes the list count row by row.
const EVERY: &str = "created_at__gte=2000-01-01";

async fn totals(app: &TestApp, who: &Session, path: &str, query: &str) -> Vec<Value> {
    let (status, body) = app.get(who, &format!("/api/{path}/?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{path}?{query}: {body}");
    let pointers = TOTALS
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, t)| *t)
        .unwrap_or_default();
    pointers
        .iter()
        .map(|t| {
            body.pointer(t)
                .cloned()
                .unwrap_or_else(|| panic!("{path}: no {t} in {body}"))
        })
        .collect()
}

/// Asserts that every list's kept totals are the counted ones; returns them by list.
async fn agree(app: &TestApp, admin: &Session, after: &str) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for (path, _) in TOTALS {
        let kept = totals(app, admin, path, "").await;
        let counted = totals(app, admin, path, EVERY).await;
        assert_eq!(kept, counted, "{path} after {after}");
        out.push(kept);
    }
    for (path, tab) in tabs() {
        let kept = totals(app, admin, path, &tab).await;
        let counted = totals(app, admin, path, &format!("{tab}&{EVERY}")).await;
        assert_eq!(kept, counted, "{path}?{tab} after {after}");
    }
    dashboard_agrees(app, admin, after).await;
    out
}

/// Filters whose totals read the kept counts too (the TUI's tabs, the dashboard's lists), and
/// some beside them that must not (a bucket the counts do not tell apart: New alone of the
/// open tasks; `Sent` without `Overdue`, which a late sent invoice shows as).
fn tabs() -> Vec<(&'static str, String)> {
    let open_tasks = "status=New,In%20Progress";
    [
        ("contacts", "is_active=true".to_string()),
        ("contacts", "is_active=false".into()),
        ("leads", "status=assigned,in%20process".into()),
        ("leads", "status=closed".into()),
        ("opportunities", "open=true".into()),
        ("opportunities", "stage=PROSPECTING,CLOSED_WON".into()),
        ("cases", "status=New,Assigned,Pending".into()),
        (
            "cases",
            "priority=Urgent&status=New,Assigned,Pending".into(),
        ),
        ("tasks", open_tasks.into()),
        ("tasks", "status=Completed".into()),
        ("tasks", "status=New".into()),
        ("tasks", format!("{open_tasks}&due_date__lte={}", day(-1))),
        (
            "tasks",
            format!("{open_tasks}&due_date__gte={0}&due_date__lte={0}", day(0)),
        ),
        ("tasks", format!("due_date__gte={}", day(-1))),
        (
            "invoices",
            "status=Draft,Sent,Viewed,Partially_Paid,Overdue,Pending".into(),
        ),
        ("invoices", "status=Paid,Cancelled".into()),
        ("invoices", "status=Sent".into()),
    ]
    .into_iter()
    .collect()
}

/// An admin's dashboard reads the kept counts: held to the same figures counted from the lists.
async fn dashboard_agrees(app: &TestApp, admin: &Session, after: &str) {
    let (status, d) = app.get(admin, "/api/dashboard/").await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let counted = |path: &'static str, query: String, at: usize| async move {
        totals(app, admin, path, &format!("{query}&{EVERY}")).await[at].clone()
    };
    let tasks = counted("tasks", String::new(), 1).await;
    let pairs = [
        (
            "/contacts_count",
            counted("contacts", String::new(), 0).await,
        ),
        ("/leads_count", counted("leads", String::new(), 0).await),
        (
            "/opportunities_count",
            counted("opportunities", String::new(), 0).await,
        ),
        (
            "/cases_open_count",
            counted("cases", String::new(), 1).await,
        ),
        ("/urgent_counts/overdue_tasks", tasks["overdue"].clone()),
        ("/urgent_counts/tasks_due_today", tasks["due_today"].clone()),
        (
            "/urgent_counts/hot_leads",
            counted("leads", "rating=HOT&status=assigned,in%20process".into(), 0).await,
        ),
        (
            "/urgent_counts/followups_today",
            counted("leads", format!("next_follow_up={}", day(0)), 0).await,
        ),
    ];
    for (pointer, want) in pairs {
        assert_eq!(
            d.pointer(pointer),
            Some(&want),
            "dashboard {pointer} after {after}: {d}"
        );
    }
    for stage in ["PROSPECTING", "NEGOTIATION", "CLOSED_WON", "CLOSED_LOST"] {
        let deals = counted("opportunities", format!("stage={stage}"), 1).await;
        let usd = deals
            .pointer("/by_currency/USD/amount_sum")
            .cloned()
            .unwrap_or(json!("0.00"));
        let at = |k: &str| {
            d.pointer(&format!("/pipeline_by_stage/{stage}/{k}"))
                .cloned()
        };
        assert_eq!(
            at("count"),
            deals.get("count").cloned(),
            "{stage} after {after}"
        );
        assert_eq!(at("value"), Some(usd), "{stage} value after {after}: {d}");
    }
}

/// The tasks list's `totals` for `who`.
async fn task_totals(app: &TestApp, who: &Session) -> Value {
    totals(app, who, "tasks", "").await[1].clone()
}

fn n(v: &Value, key: &str) -> i64 {
    v[key].as_i64().unwrap_or_else(|| panic!("no {key} in {v}"))
}

both_engines!(kept_totals_match_counted_ones_after_every_write);
async fn kept_totals_match_counted_ones_after_every_write() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    let other = app.admin("Other", "admin@other.test").await;

    // Bulk: seed-demo's multi-row inserts, and links written by SQL.
    app.db(|tx| crmtui::server::store::seed::seed_demo(tx, "Org", 12).map(|_| ()))
        .await;
    let seeded = agree(&app, &admin, "seed-demo").await;
    assert!(
        seeded[4][0].as_i64().unwrap_or(0) > 0,
        "seed-demo made tasks: {seeded:?}"
    );

    // Create: every bucket the totals tell apart.
    let before = task_totals(&app, &admin).await;
    let task = |title: &str, extra: Value| {
        let mut body = json!({"title": title, "status": "New", "priority": "Medium"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().cloned().unwrap_or_default());
        body
    };
    let late = app
        .create(
            &admin,
            "tasks",
            task(
                "late",
                json!({"due_date": day(-2), "assigned_to": [user.id]}),
            ),
        )
        .await;
    let today = app
        .create(&admin, "tasks", task("today", json!({"due_date": day(0)})))
        .await;
    let soon = app
        .create(
            &user,
            "tasks",
            task("soon", json!({"due_date": day(3), "status": "In Progress"})),
        )
        .await;
    let undated = app
        .create(
            &admin,
            "tasks",
            task("undated", json!({"assigned_to": [admin.id]})),
        )
        .await;
    let done = app
        .create(
            &admin,
            "tasks",
            task("done", json!({"due_date": day(-5), "status": "Completed"})),
        )
        .await;
    let after = task_totals(&app, &admin).await;
    // Counted by hand: five tasks, four open; late, today and soon are due, soon and today
    // this week; today and soon have nobody assigned (soon's creator is not an assignee).
    for (key, added) in [
        ("count", 5),
        ("open", 4),
        ("overdue", 1),
        ("due_today", 1),
        ("due_this_week", 2),
        ("no_due_date", 1),
        ("unassigned", 2),
    ] {
        assert_eq!(
            n(&after, key) - n(&before, key),
            added,
            "{key}: {before} -> {after}"
        );
    }

    let c1 = app
        .create(
            &admin,
            "contacts",
            json!({"first_name": "Ines", "last_name": "Vale"}),
        )
        .await;
    let c2 = app
        .create(
            &user,
            "contacts",
            json!({"first_name": "Omar", "last_name": "Ng", "is_active": false}),
        )
        .await;
    let lead = app
        .create(
            &admin,
            "leads",
            json!({"title": "Big one", "status": "assigned",
                "email": "ola@nordvik.test", "company_name": "Nordvik Lists"}),
        )
        .await;
    let lead2 = app
        .create(&user, "leads", json!({"title": "Small one"}))
        .await;
    let deal = app
        .create(
            &admin,
            "opportunities",
            json!({"name": "Deal A", "amount": "1200.50",
                "currency": "EUR", "probability": 40}),
        )
        .await;
    let deal2 = app
        .create(
            &user,
            "opportunities",
            json!({"name": "Deal B", "amount": "99999999999.99"}),
        )
        .await;
    let case = app
        .create(
            &admin,
            "cases",
            json!({"name": "Broken", "status": "New", "priority": "Urgent"}),
        )
        .await;
    let case2 = app
        .create(
            &user,
            "cases",
            json!({"name": "Slow", "status": "Pending", "priority": "Low"}),
        )
        .await;
    agree(&app, &admin, "create").await;

    // Update: move records between buckets, assign and unassign.
    let patch = |path: &str, record: &Value, body: Value| {
        let path = format!("/api/{path}/{}/", id_of(record));
        let app = &app;
        let admin = &admin;
        async move {
            let (status, out) = app.patch(admin, &path, body).await;
            assert_eq!(status, StatusCode::OK, "{path}: {out}");
        }
    };
    patch("tasks", &late, json!({"status": "Completed"})).await;
    patch(
        "tasks",
        &today,
        json!({"due_date": day(1), "assigned_to": [user.id]}),
    )
    .await;
    patch("tasks", &undated, json!({"assigned_to": []})).await;
    patch("tasks", &done, json!({"status": "New", "due_date": null})).await;
    patch("tasks", &soon, json!({"title": "soon, renamed"})).await;
    patch("contacts", &c1, json!({"is_active": false})).await;
    patch(
        "contacts",
        &c2,
        json!({"is_active": true, "last_name": "Reyes"}),
    )
    .await;
    patch("leads", &lead2, json!({"status": "closed"})).await;
    patch(
        "opportunities",
        &deal,
        json!({"amount": "10.00", "currency": "USD"}),
    )
    .await;
    patch("opportunities", &deal2, json!({"probability": 90})).await;
    patch("opportunities", &deal2, json!({"stage": "CLOSED_WON"})).await;
    patch("cases", &case, json!({"status": "Closed"})).await;
    patch("cases", &case2, json!({"priority": "Urgent"})).await;
    agree(&app, &admin, "update").await;

    // Convert: a contact, an account and a deal appear; the lead leaves both halves.
    let (status, out) = app
        .patch(
            &admin,
            &format!("/api/leads/{}/", id_of(&lead)),
            json!({"status": "converted"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "convert: {out}");
    agree(&app, &admin, "conversion").await;

    // Delete, one by one and by an account's cascade.
    for (path, record) in [
        ("tasks", &soon),
        ("contacts", &c2),
        ("leads", &lead2),
        ("cases", &case2),
    ] {
        let (status, out) = app
            .delete(&admin, &format!("/api/{path}/{}/", id_of(record)))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{path}: {out}");
    }
    let account = app.account(&admin, "Cascade Ltd", json!({})).await;
    for name in ["Deal C", "Deal D"] {
        app.create(
            &admin,
            "opportunities",
            json!({"name": name, "amount": "5.00",
                   "account": account["id"]}),
        )
        .await;
    }
    app.create(
        &admin,
        "cases",
        json!({"name": "Gone", "status": "New", "priority": "High",
               "account": account["id"]}),
    )
    .await;
    agree(&app, &admin, "creates under an account").await;
    let (status, out) = app
        .delete(&admin, &format!("/api/accounts/{}/", id_of(&account)))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "account delete: {out}");
    agree(&app, &admin, "deletes").await;

    // Invoices stored by SQL (the API makes none).
    let before = totals(&app, &admin, "invoices", "").await;
    for _ in 0..3 {
        app.invoice(&admin, NewInvoice::default()).await;
    }
    let after = agree(&app, &admin, "invoices").await;
    assert_eq!(after[5][0].as_i64(), before[0].as_i64().map(|b| b + 3));

    // A USER counts only what they created or are assigned to (two tasks: the one they
    // created was deleted, `late` and `today` name them).
    let mine = totals(&app, &user, "tasks", "").await;
    assert_eq!(mine[0], json!(2), "{mine:?}");
    assert_eq!(n(&mine[1], "open"), 1, "late is completed: {mine:?}");
    assert_eq!(
        totals(&app, &user, "contacts", "").await,
        vec![json!(0), json!(0), json!(0)]
    );
    assert_eq!(
        totals(&app, &user, "cases", "").await,
        vec![json!(0), json!(0), json!(0)],
        "case2 is deleted"
    );

    // Another org's counts are its own.
    for (path, _) in TOTALS {
        let theirs = totals(&app, &other, path, "").await;
        assert_eq!(theirs, totals(&app, &other, path, EVERY).await, "{path}");
        assert_eq!(theirs[0], json!(0), "{path}: {theirs:?}");
    }
}

both_engines!(text_filters_find_substrings_of_any_length);
async fn text_filters_find_substrings_of_any_length() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let search = |path: &'static str, query: String| {
        let (app, admin) = (&app, &admin);
        async move {
            let (status, body) = app.get(admin, &format!("/api/{path}/?{query}")).await;
            assert_eq!(status, StatusCode::OK, "{path}?{query}: {body}");
            body
        }
    };
    let zoe = app
        .create(
            &admin,
            "contacts",
            json!({"first_name": "ZOË \"Zed\"", "last_name": "Åberg",
                "email": "zoe_100%@ex.test", "city": "Tromsø"}),
        )
        .await;
    app.create(
        &admin,
        "contacts",
        json!({"first_name": "Ola", "last_name": "Berg",
               "email": "ola@ex.test", "phone": "+47 100"}),
    )
    .await;
    let q = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    for (query, want) in [
        // Three characters or more: the trigram index (SQLite), any case.
        (format!("name={}", q("zoë \"zed")), vec!["ZOË \"Zed\""]),
        (format!("name={}", q("ë \"zed\" åb")), vec!["ZOË \"Zed\""]),
        (format!("search={}", q("BERG")), vec!["Ola", "ZOË \"Zed\""]),
        (format!("search={}", q("100")), vec!["Ola", "ZOË \"Zed\""]),
        (format!("search={}", q("_100%")), vec!["ZOË \"Zed\""]),
        (format!("email={}", q("0%@")), vec!["ZOË \"Zed\""]),
        (format!("city={}", q("TROMSØ")), vec!["ZOË \"Zed\""]),
        // Shorter: a scan, same answers.
        (format!("name={}", q("ë")), vec!["ZOË \"Zed\""]),
        (format!("search={}", q("%")), vec!["ZOË \"Zed\""]),
        (format!("search={}", q("_")), vec!["ZOË \"Zed\""]),
        (format!("phone={}", q("47")), vec!["Ola"]),
        (format!("name={}", q("la")), vec!["Ola"]),
        (format!("search={}", q("nobody")), vec![]),
    ] {
        let body = search("contacts", query.clone()).await;
        let mut got = pluck(&body["contact_obj_list"], "first_name");
        got.sort();
        assert_eq!(got, want, "{query}");
        assert_eq!(body["contacts_count"], json!(want.len()), "{query}");
    }
    // The index follows updates and deletes.
    let (status, _) = app
        .patch(
            &admin,
            &format!("/api/contacts/{}/", id_of(&zoe)),
            json!({"last_name": "Quist"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let body = search("contacts", "name=quist".into()).await;
    assert_eq!(body["contacts_count"], json!(1));
    let body = search("contacts", "name=berg".into()).await;
    assert_eq!(pluck(&body["contact_obj_list"], "first_name"), vec!["Ola"]);
    let (status, _) = app
        .delete(&admin, &format!("/api/contacts/{}/", id_of(&zoe)))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let body = search("contacts", "name=quist".into()).await;
    assert_eq!(body["contacts_count"], json!(0));

    // Every other kind's text filter, through its own index.
    app.create(
        &admin,
        "leads",
        json!({"title": "t", "first_name": "Anna", "last_name": "Lund",
               "company_name": "Fjord Tech"}),
    )
    .await;
    app.create(&admin, "opportunities", json!({"name": "Fjord renewal"}))
        .await;
    app.create(
        &admin,
        "cases",
        json!({"name": "Login", "status": "New", "priority": "Low",
               "description": "Fails at the fjord office"}),
    )
    .await;
    app.create(
        &admin,
        "tasks",
        json!({"title": "Call Fjord", "status": "New",
               "priority": "Low"}),
    )
    .await;
    app.invoice(
        &admin,
        NewInvoice {
            client: "Fjord Tech".into(),
            ..NewInvoice::default()
        },
    )
    .await;
    for (path, query, count, found) in [
        ("leads", "search=fjord", "/open_leads/leads_count", 1),
        ("leads", "search=fjordx", "/open_leads/leads_count", 0),
        ("leads", "name=a%20lu", "/open_leads/leads_count", 1),
        ("leads", "name=a%20lux", "/open_leads/leads_count", 0),
        ("opportunities", "name=FJORD", "/opportunities_count", 1),
        ("opportunities", "name=FJORDX", "/opportunities_count", 0),
        ("cases", "search=fjord", "/cases_count", 1),
        ("cases", "search=fjordx", "/cases_count", 0),
        ("tasks", "search=fjord", "/tasks_count", 1),
        ("tasks", "search=fjordx", "/tasks_count", 0),
        ("invoices", "search=fjord", "/count", 1),
        ("invoices", "search=fjordx", "/count", 0),
    ] {
        let body = search(path, query.into()).await;
        assert_eq!(
            body.pointer(count),
            Some(&json!(found)),
            "{path}?{query}: {body}"
        );
    }
}

both_engines!(kept_totals_survive_concurrent_writers);
async fn kept_totals_survive_concurrent_writers() {
    let app = TestApp::start().await;
    let admin = app.admin("Org", "admin@org.test").await;
    let user = app.user("Org", "user@org.test", Role::User).await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let status = if i % 2 == 0 { "New" } else { "Completed" };
        let task = app
            .create(
                &admin,
                "tasks",
                json!({"title": format!("t{i}"), "status": status,
                    "priority": "Low", "due_date": day(i % 3 - 1)}),
            )
            .await;
        tasks.push((id_of(&task), status));
    }
    for round in 0..3 {
        // Writers at once: tasks moving both ways between the same buckets, assigned and
        // unassigned, created, deleted; cases and contacts alongside.
        let mut writes = tokio::task::JoinSet::new();
        if let Some((id, _)) = tasks.pop() {
            let path = format!("/api/tasks/{id}/");
            writes.spawn(send(app.req(&admin, reqwest::Method::DELETE, &path)));
        }
        for (i, (id, status)) in tasks.iter_mut().enumerate() {
            let flipped = if *status == "New" { "Completed" } else { "New" };
            *status = flipped;
            let assignees = if (i + round) % 3 == 0 {
                json!([user.id])
            } else {
                json!([])
            };
            let path = format!("/api/tasks/{id}/");
            let body = json!({"status": flipped, "assigned_to": assignees});
            writes.spawn(send(
                app.req(&admin, reqwest::Method::PATCH, &path).json(&body),
            ));
        }
        for i in 0..6 {
            let body = json!({"title": format!("new {round} {i}"), "status": "New",
                              "priority": "High", "due_date": day(i % 2)});
            writes.spawn(send(
                app.req(&admin, reqwest::Method::POST, "/api/tasks/")
                    .json(&body),
            ));
            let body = json!({"name": format!("case {round} {i}"), "status": "New",
                              "priority": if i % 2 == 0 { "Urgent" } else { "Low" }});
            writes.spawn(send(
                app.req(&admin, reqwest::Method::POST, "/api/cases/")
                    .json(&body),
            ));
            let body = json!({"first_name": format!("c{round}{i}"), "last_name": "X",
                              "is_active": i % 2 == 0});
            writes.spawn(send(
                app.req(&user, reqwest::Method::POST, "/api/contacts/")
                    .json(&body),
            ));
        }
        while let Some(done) = writes.join_next().await {
            let (status, body) = done.expect("the request task ran");
            assert!(status.is_success(), "round {round}: {status} {body}");
        }
        let kept = agree(&app, &admin, &format!("round {round}")).await;
        // Tasks: the 24 made first, one deleted a round, six made a round.
        assert_eq!(
            kept[4][0],
            json!(24 - (round + 1) + 6 * (round + 1)),
            "round {round}"
        );
    }
}
