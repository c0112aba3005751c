//! `crmtui admin seed-demo`: realistic demo data, fast (one transaction, cached statements).

use chrono::{Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use super::accounts::{self, AccountFields, AccountLinks};
use super::contacts::{self, ContactFields};
use super::db::Db;
use super::directory;
use super::fold;
use super::threads::RecordKind;
use crate::model::{AccountStatus, ContactInput, Patch, Role};
use crate::server::error::ApiError;

const PREFIXES: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Hooli",
    "Vandelay",
    "Pied Piper",
    "Aperture",
    "Black Mesa",
    "Oscorp",
    "Gringotts",
    "Monarch",
    "Nakatomi",
    "Massive Dynamic",
    "Dunder",
    "Sterling",
    "Prestige",
    "Blue Sun",
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Litware",
    "Adventure",
    "Alpine",
    "Coho",
];
const SUFFIXES: &[&str] = &[
    "Corporation",
    "Inc",
    "Ltd",
    "Group",
    "Holdings",
    "Labs",
    "Systems",
    "Partners",
    "Co-op",
    "Industries",
    "Logistics",
    "Foods",
    "Media",
    "Analytics",
    "Energy",
    "Health",
    "Robotics",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("New York", "NY", "USA"),
    ("Chicago", "IL", "USA"),
    ("Austin", "TX", "USA"),
    ("San Francisco", "CA", "USA"),
    ("Seattle", "WA", "USA"),
    ("Boston", "MA", "USA"),
    ("London", "", "UK"),
    ("Manchester", "", "UK"),
    ("Berlin", "", "Germany"),
    ("München", "", "Germany"),
    ("Paris", "", "France"),
    ("Lyon", "", "France"),
    ("Toronto", "ON", "Canada"),
    ("São Paulo", "SP", "Brazil"),
    ("Tokyo", "", "Japan"),
    ("Bengaluru", "KA", "India"),
    ("Sydney", "NSW", "Australia"),
    ("Zürich", "", "Switzerland"),
];
const TAGS: &[&str] = &[
    "enterprise",
    "smb",
    "partner",
    "priority",
    "renewal",
    "churn-risk",
    "vip",
    "prospect",
    "reseller",
    "government",
];
const FIRST: &[&str] = &[
    "Ana", "Raj", "Mei", "Lars", "Fatima", "John", "Olga", "Kenji", "Amara", "Diego", "Sofia",
    "Noah", "Priya", "Tomás", "Chloé", "Yusuf",
];
const LAST: &[&str] = &[
    "Silva", "Patel", "Chen", "Berg", "Haddad", "Smith", "Ivanova", "Tanaka", "Okafor", "García",
    "Rossi", "Müller", "Kowalski", "Dubois", "Kaya", "Nguyen",
];
const COMMENTS: &[&str] = &[
    "Follow-up meeting scheduled for next week.",
    "Contract renewal due in March.",
    "Asked for a quote on the premium plan.",
    "Called about an invoice discrepancy; resolved.",
    "Champion left the company, need a new contact.",
    "Very happy with onboarding.\nWants a case study.",
];
const STAGES: &[&str] = &[
    "PROSPECTING",
    "QUALIFICATION",
    "PROPOSAL",
    "NEGOTIATION",
    "CLOSED WON",
    "CLOSED LOST",
];
const CASE_STATUS: &[&str] = &["New", "Assigned", "Pending", "Closed"];
const PRIORITY: &[&str] = &["Low", "Normal", "High", "Urgent"];
const TASK_STATUS: &[&str] = &["New", "In Progress", "Completed"];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Fills `org` (created if missing) with `count` accounts and their related records. Demo users
/// get an unusable password: they are there to be assigned, not to sign in.
pub fn seed_demo(db: &Db<'_>, org_name: &str, count: usize) -> Result<Uuid, ApiError> {
    let org = directory::ensure_org(db, org_name)?;
    let mut rng = StdRng::seed_from_u64(count as u64 ^ 0x5eed);
    let mut users = Vec::new();
    for first in ["ana", "raj", "mei", "lars"] {
        let email = format!("{first}@demo.crmtui.invalid");
        users.push(directory::ensure_member(db, org, &email, "!", Role::User)?);
    }
    let mut teams = Vec::new();
    for name in ["Support", "Sales", "Success"] {
        let existing = directory::org_teams(db, org)?
            .into_iter()
            .find(|t| t.name == name);
        let team = match existing {
            Some(t) => t,
            None => {
                directory::create_team(db, org, name, &format!("The {name} team"), &users[..2])?
            }
        };
        teams.push(team.id);
    }
    let start = Utc::now() - Duration::days(3 * 365);
    let span = (3 * 365 * 24 * 3600) as i64;
    let taken = db.one(
        "SELECT count(*) FROM accounts WHERE org_id = $1",
        &[&org],
        |r| r.i64(0),
    )?;

    for i in 0..count {
        let (city, state, country) = *pick(&mut rng, CITIES);
        let serial = taken as usize + i + 1;
        let name = format!(
            "{} {} {}",
            pick(&mut rng, PREFIXES),
            pick(&mut rng, SUFFIXES),
            serial
        );
        let slug: String = name
            .to_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let fields = AccountFields {
            email: format!("contact@{slug}.example"),
            phone: format!(
                "+1 555 {:03} {:04}",
                rng.random_range(0..1000),
                rng.random_range(0..10000)
            ),
            industry: pick(&mut rng, crate::model::INDUSTRIES).to_string(),
            description: format!("{name} is a demo account in {city}."),
            website: format!("https://{slug}.example"),
            status: if rng.random_bool(0.85) {
                AccountStatus::Open
            } else {
                AccountStatus::Closed
            },
            billing_address_line: format!("{} Market St", rng.random_range(1..999)),
            billing_street: format!("Suite {}", rng.random_range(100..999)),
            billing_city: city.to_string(),
            billing_state: state.to_string(),
            billing_postcode: format!("{:05}", rng.random_range(10000..99999)),
            billing_country: country.to_string(),
            name,
        };
        // Spread over three years, in order, so the newest-first list reads naturally.
        let created = start + Duration::seconds(span * (i as i64 + 1) / (count as i64 + 1));
        let id = Uuid::new_v4();
        let pk = accounts::insert_row(
            db,
            org,
            id,
            Some(*pick(&mut rng, &users)),
            &fields,
            &created,
        )?;

        let n_contacts = rng.random_range(1..=2);
        let mut contacts = Vec::new();
        for _ in 0..n_contacts {
            let first = *pick(&mut rng, FIRST);
            let last = *pick(&mut rng, LAST);
            let input = ContactInput {
                first_name: Patch::Value(first.to_string()),
                last_name: Patch::Value(last.to_string()),
                email: Patch::Value(
                    format!("{}.{}@{slug}.example", fold(first), fold(last)).replace(' ', ""),
                ),
                phone: Patch::Value(format!("+1 555 {:04}", rng.random_range(0..10000))),
                title: Patch::Value(
                    pick(&mut rng, &["CEO", "CTO", "Buyer", "Office manager"]).to_string(),
                ),
                description: Patch::Absent,
            };
            // Demo names are ASCII-safe for email local parts only after folding; tolerate the rest.
            let fields = ContactFields::merge(None, input).or_else(|_| {
                ContactFields::merge(
                    None,
                    ContactInput {
                        first_name: Patch::Value(first.into()),
                        ..Default::default()
                    },
                )
            })?;
            contacts.push(contacts::insert(db, org, None, &fields)?);
        }
        let links = AccountLinks {
            contacts: Some(contacts),
            assigned_to: Some(vec![*pick(&mut rng, &users)]),
            teams: Some(if rng.random_bool(0.5) {
                vec![*pick(&mut rng, &teams)]
            } else {
                vec![]
            }),
            tags: Some(
                (0..rng.random_range(1..=3))
                    .map(|_| pick(&mut rng, TAGS).to_string())
                    .collect(),
            ),
        };
        accounts::set_links(db, org, pk, &links)?;
        seed_related(db, &mut rng, org, (pk, id), &users, &created)?;
    }
    Ok(org)
}

fn seed_related(
    db: &Db<'_>,
    rng: &mut StdRng,
    org: Uuid,
    (pk, account): (i64, Uuid),
    users: &[Uuid],
    created: &chrono::DateTime<Utc>,
) -> Result<(), ApiError> {
    // Activity after the account was created, but never in the future.
    let now = Utc::now();
    let when = |rng: &mut StdRng| {
        let t = (*created + Duration::hours(rng.random_range(1..2000))).min(now);
        chrono::DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
    };
    let day = |rng: &mut StdRng| created.date_naive() + Duration::days(rng.random_range(10..400));
    for _ in 0..rng.random_range(0..=3) {
        db.exec(
            "INSERT INTO comments (id, org_id, record_kind, record_id, comment, commented_on,
                                   commented_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &Uuid::new_v4(),
                &org,
                &RecordKind::Account.as_str(),
                &account,
                &pick_str(rng, COMMENTS),
                &when(rng),
                &pick_id(rng, users),
            ],
        )?;
    }
    for _ in 0..rng.random_range(0..=2) {
        db.exec(
            "INSERT INTO opportunities (id, org_id, account_pk, name, stage, amount, currency,
                                        probability, closed_on, created_on)
             VALUES ($1, $2, $3, $4, $5, $6, 'USD', $7, $8, $9)",
            &[
                &Uuid::new_v4(),
                &org,
                &pk,
                &format!(
                    "{} deal",
                    &pick_str(rng, &["Renewal", "Upsell", "Pilot", "Expansion"])
                ),
                &pick_str(rng, STAGES),
                &format!("{}.00", rng.random_range(1..500) * 1000),
                &(rng.random_range(0..=10i64) * 10),
                &day(rng),
                &when(rng),
            ],
        )?;
    }
    if rng.random_bool(0.4) {
        db.exec(
            "INSERT INTO cases (id, org_id, account_pk, name, status, priority, case_type,
                                created_on)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &Uuid::new_v4(),
                &org,
                &pk,
                &pick_str(
                    rng,
                    &[
                        "Login fails",
                        "Invoice wrong",
                        "Feature request",
                        "Data export",
                    ],
                ),
                &pick_str(rng, CASE_STATUS),
                &pick_str(rng, PRIORITY),
                &pick_str(rng, &["Question", "Incident", "Problem"]),
                &when(rng),
            ],
        )?;
    }
    for _ in 0..rng.random_range(0..=2) {
        db.exec(
            "INSERT INTO tasks (id, org_id, account_pk, title, status, priority, due_date,
                                created_on)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &Uuid::new_v4(),
                &org,
                &pk,
                &pick_str(
                    rng,
                    &[
                        "Send proposal",
                        "Schedule QBR",
                        "Call back",
                        "Prepare renewal",
                    ],
                ),
                &pick_str(rng, TASK_STATUS),
                &pick_str(rng, PRIORITY),
                &day(rng),
                &when(rng),
            ],
        )?;
    }
    if rng.random_bool(0.3) {
        db.exec(
            "INSERT INTO invoices (id, org_id, account_pk, invoice_title, invoice_number, status,
                                   total_amount, currency, due_date, created_on)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'USD', $8, $9)",
            &[
                &Uuid::new_v4(),
                &org,
                &pk,
                &"Subscription",
                &format!("INV-{:06}", rng.random_range(0..1_000_000)),
                &pick_str(rng, &["Draft", "Sent", "Paid", "Overdue"]),
                &format!("{}.00", rng.random_range(1..100) * 100),
                &day(rng),
                &when(rng),
            ],
        )?;
    }
    Ok(())
}

fn pick_str(rng: &mut StdRng, items: &[&'static str]) -> &'static str {
    items[rng.random_range(0..items.len())]
}

fn pick_id(rng: &mut StdRng, items: &[Uuid]) -> Uuid {
    *pick(rng, items)
}
