//! `crmtui admin seed-demo`: believable, linked demo data for every resource, fast.
//!
//! **seed-demo's ratios** (benchmarks quote them), per account, on average:
//!
//! | record | per account | how |
//! | --- | --- | --- |
//! | contacts | 2 (1–3) | the account is their primary account and lists them; new fields filled |
//! | leads | 1 (0–2) | every status: 25% assigned, 25% in process, 15% converted, 10% recycled, 10% closed, 15% none |
//! | opportunities | 1.15 (0–2, plus one per converted lead) | every stage; contacts linked; closed ones carry `closed_by`/`closed_on` |
//! | cases | 0.7 (0–2) | every status and priority; closed ones carry `closed_on`/`resolved_at` |
//! | tasks | 1.5 (0–3) | one parent at most (account 40%, deal 20%, case 15%, lead 10%, none 15%); overdue, due today, this week, later, undated, completed |
//! | invoices | 0.5 (0–2) | every stored status, some overdue; line items; payments for paid and partially paid ones |
//! | comments | 1.5 on the account, 0.25 on each other record | |
//!
//! So 100,000 accounts make about 200k contacts, 100k leads, 115k deals, 70k cases, 150k tasks
//! and 50k invoices. Every record is assigned to one or two of four demo users, some to a team,
//! most tagged. Converted leads are linked as conversion leaves them: their company is the
//! account's name, their email its contact's, and the deal "company - first last" exists.
//!
//! Speed: rows are generated for a chunk of accounts, then written table by table (parents
//! first) as multi-row `INSERT … VALUES`, so PostgreSQL pays one round trip per few hundred rows
//! rather than one per row (SQLite takes 16 rows a statement). Statement sizes are powers of two, so a handful of statement shapes
//! per table is prepared once and reused.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use uuid::Uuid;

use super::db::{Db, Engine, Param};
use super::records::Val;
use super::{account_row, directory, fold, links, now};
use crate::model::kinds::{LEAD_SOURCES, PAYMENT_METHODS, STAGE_PROBABILITY, STAGES};
use crate::model::record::money;
use crate::model::{Account, AccountStatus, Contact, Role};
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
/// City, state, ISO 3166 alpha-2 country, currency of the place.
const CITIES: &[(&str, &str, &str, &str)] = &[
    ("New York", "NY", "US", "USD"),
    ("Chicago", "IL", "US", "USD"),
    ("Austin", "TX", "US", "USD"),
    ("San Francisco", "CA", "US", "USD"),
    ("Seattle", "WA", "US", "USD"),
    ("Boston", "MA", "US", "USD"),
    ("London", "", "GB", "GBP"),
    ("Manchester", "", "GB", "GBP"),
    ("Berlin", "", "DE", "EUR"),
    ("München", "", "DE", "EUR"),
    ("Paris", "", "FR", "EUR"),
    ("Lyon", "", "FR", "EUR"),
    ("Toronto", "ON", "CA", "CAD"),
    ("São Paulo", "SP", "BR", "BRL"),
    ("Tokyo", "", "JP", "JPY"),
    ("Bengaluru", "KA", "IN", "INR"),
    ("Sydney", "NSW", "AU", "AUD"),
    ("Zürich", "", "CH", "CHF"),
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
const JOB_TITLES: &[&str] = &[
    "CEO",
    "CTO",
    "CFO",
    "Head of Operations",
    "Procurement Lead",
    "IT Manager",
    "Office Manager",
    "Buyer",
    "VP Sales",
];
const DEPARTMENTS: &[&str] = &["Executive", "IT", "Finance", "Operations", "Purchasing"];
const ACCOUNT_NOTES: &[&str] = &[
    "Follow-up meeting scheduled for next week.",
    "Contract renewal due in March.",
    "Asked for a quote on the premium plan.",
    "Called about an invoice discrepancy; resolved.",
    "Champion left the company, need a new contact.",
    "Very happy with onboarding.\nWants a case study.",
];
const RECORD_NOTES: &[&str] = &[
    "Left a voicemail, will try again Thursday.",
    "Sent the deck and pricing sheet.",
    "They are comparing us with two other vendors.",
    "Budget confirmed for next quarter.",
    "Waiting on their legal team.",
    "Spoke with the team lead; next step agreed.",
];
const INTERNAL_NOTES: &[&str] = &[
    "Reproduced on staging; engineering ticket filed.",
    "Customer is on the legacy plan, check entitlements first.",
    "Escalated to tier 2.",
];
const LEAD_TITLES: &[&str] = &[
    "Website redesign inquiry",
    "Pricing request",
    "Demo request",
    "Partnership proposal",
    "Bulk order question",
    "Trial sign-up follow-up",
];
const CASE_SUBJECTS: &[&str] = &[
    "Login fails after password reset",
    "Invoice total does not match contract",
    "Feature request: bulk export",
    "Data export times out",
    "Sync with calendar stopped",
    "Cannot add new users",
    "Report shows wrong currency",
    "Mobile app crashes on start",
    "Question about API limits",
    "Duplicate records after import",
];
const TASK_TITLES: &[&str] = &[
    "Send proposal",
    "Schedule QBR",
    "Call back",
    "Prepare renewal",
    "Book onsite visit",
    "Review contract draft",
    "Send follow-up email",
    "Update forecast",
];
const INVOICE_ITEMS: &[(&str, i64)] = &[
    ("Platform subscription (annual)", 1_200_000),
    ("Additional seats", 24_000),
    ("Implementation services (day)", 120_000),
    ("Premium support", 300_000),
    ("Training workshop", 180_000),
    ("Data migration", 450_000),
];
/// Payment terms with their days.
const TERMS: &[(&str, i64)] = &[
    ("DUE_ON_RECEIPT", 0),
    ("NET_15", 15),
    ("NET_30", 30),
    ("NET_45", 45),
    ("NET_60", 60),
    ("CUSTOM", 20),
];

/// Most placeholders in one statement: far below both engines' limits (SQLite 32,766,
/// PostgreSQL 65,535), large enough that a round trip carries hundreds of rows.
const MAX_PARAMS: usize = 8192;
/// Most rows per statement on SQLite, where there is no round trip to save: a statement
/// writing many rows keeps a statement journal of every page it changes (to undo itself on a
/// failure), which costs more than it saves beyond a few rows.
const SQLITE_ROWS: usize = 16;
/// Accounts generated before their rows are written.
const CHUNK: usize = 1000;

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// One of `items` by weight.
fn weighted<'a, T>(rng: &mut StdRng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut n = rng.random_range(0..total);
    for (item, w) in items {
        if n < *w {
            return item;
        }
        n -= w;
    }
    &items[items.len() - 1].0
}

/// Lower-case ASCII letters and digits of `s`, accents dropped: a safe email local part.
fn ascii(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            let c = match c {
                'á' | 'à' | 'ã' | 'â' | 'ä' => 'a',
                'é' | 'è' | 'ê' | 'ë' => 'e',
                'í' | 'ì' | 'î' => 'i',
                'ó' | 'ò' | 'õ' | 'ô' | 'ö' => 'o',
                'ú' | 'ù' | 'û' | 'ü' => 'u',
                'ç' => 'c',
                c => c,
            };
            c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase())
        })
        .collect()
}

fn text(s: impl Into<String>) -> Val {
    Val::Text(s.into())
}

fn opt_text(s: Option<impl Into<String>>) -> Val {
    Val::OptText(s.map(Into::into))
}

fn id(u: Uuid) -> Val {
    Val::Id(Some(u))
}

fn stamp(t: DateTime<Utc>) -> Val {
    Val::Stamp(Some(t))
}

/// The largest power of two not above `n` (`n` ≥ 1).
fn floor_pow2(n: usize) -> usize {
    1 << (usize::BITS - 1 - n.leading_zeros())
}

/// Rows waiting to be written to one table.
struct Table {
    name: &'static str,
    cols: &'static [&'static str],
    vals: Vec<Val>,
    /// The insert of n rows, by n.
    sql: HashMap<usize, String>,
}

impl Table {
    fn new(name: &'static str, cols: &'static [&'static str]) -> Table {
        Table {
            name,
            cols,
            vals: Vec::new(),
            sql: HashMap::new(),
        }
    }

    fn push<const N: usize>(&mut self, row: [Val; N]) {
        debug_assert_eq!(N, self.cols.len(), "{}", self.name);
        self.vals.extend(row);
    }

    /// Writes every waiting row, in statements of a power of two rows each.
    fn flush(&mut self, db: &Db<'_>) -> Result<(), ApiError> {
        let width = self.cols.len();
        let cap = match db.engine() {
            Engine::Sqlite => SQLITE_ROWS,
            Engine::Postgres => usize::MAX,
        };
        let most = floor_pow2((MAX_PARAMS / width).max(1)).min(cap);
        let mut rest = self.vals.len() / width;
        let mut start = 0;
        while rest > 0 {
            let n = if rest >= most { most } else { floor_pow2(rest) };
            let (name, cols) = (self.name, self.cols);
            let sql = self
                .sql
                .entry(n)
                .or_insert_with(|| insert_sql(name, cols, n));
            let params: Vec<&dyn Param> = self.vals[start * width..(start + n) * width]
                .iter()
                .map(|v| v as &dyn Param)
                .collect();
            db.exec(sql, &params)?;
            start += n;
            rest -= n;
        }
        self.vals.clear();
        Ok(())
    }
}

fn insert_sql(table: &str, cols: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
    let mut mark = 1;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols.len() {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${mark}"));
            mark += 1;
        }
        sql.push(')');
    }
    sql
}

/// Every table the seed writes, in an order where parents come before what references them.
struct Tables {
    accounts: Table,
    contacts: Table,
    account_contacts: Table,
    account_assignees: Table,
    account_teams: Table,
    account_tags: Table,
    leads: Table,
    opportunities: Table,
    cases: Table,
    tasks: Table,
    invoices: Table,
    payments: Table,
    links: Table,
    tags: Table,
    comments: Table,
}

impl Tables {
    fn new() -> Tables {
        Tables {
            accounts: Table::new(
                "accounts",
                &[
                    "pk",
                    "id",
                    "org_id",
                    "name",
                    "name_key",
                    "email",
                    "phone",
                    "industry",
                    "description",
                    "website",
                    "status",
                    "billing_address_line",
                    "billing_street",
                    "billing_city",
                    "billing_state",
                    "billing_postcode",
                    "billing_country",
                    "created_on",
                    "created_by",
                    "assigned_json",
                    "teams_json",
                    "contacts_json",
                    "tags_json",
                    "row_json",
                ],
            ),
            contacts: Table::new(
                "contacts",
                &[
                    "id",
                    "org_id",
                    "first_name",
                    "last_name",
                    "email",
                    "phone",
                    "title",
                    "description",
                    "created_on",
                    "created_by",
                    "row_json",
                    "organization",
                    "department",
                    "do_not_call",
                    "linkedin_url",
                    "address_line",
                    "city",
                    "state",
                    "postcode",
                    "country",
                    "source",
                    "is_active",
                    "account_id",
                    "updated_at",
                ],
            ),
            account_contacts: Table::new("account_contacts", &["account_pk", "contact_id"]),
            account_assignees: Table::new("account_assignees", &["account_pk", "user_id"]),
            account_teams: Table::new("account_teams", &["account_pk", "team_id"]),
            account_tags: Table::new("account_tags", &["account_pk", "tag_id"]),
            leads: Table::new(
                "leads",
                &[
                    "id",
                    "org_id",
                    "title",
                    "salutation",
                    "first_name",
                    "last_name",
                    "email",
                    "phone",
                    "job_title",
                    "company_name",
                    "website",
                    "linkedin_url",
                    "status",
                    "source",
                    "industry",
                    "rating",
                    "opportunity_amount",
                    "currency",
                    "probability",
                    "close_date",
                    "last_contacted",
                    "next_follow_up",
                    "address_line",
                    "city",
                    "state",
                    "postcode",
                    "country",
                    "description",
                    "is_active",
                    "created_at",
                    "updated_at",
                    "created_by",
                ],
            ),
            opportunities: Table::new(
                "opportunities",
                &[
                    "id",
                    "org_id",
                    "name",
                    "account_id",
                    "stage",
                    "opportunity_type",
                    "currency",
                    "amount",
                    "probability",
                    "closed_on",
                    "lead_source",
                    "description",
                    "is_active",
                    "closed_by",
                    "stage_changed_at",
                    "created_at",
                    "updated_at",
                    "created_by",
                ],
            ),
            cases: Table::new(
                "cases",
                &[
                    "id",
                    "org_id",
                    "name",
                    "status",
                    "priority",
                    "case_type",
                    "account_id",
                    "closed_on",
                    "resolved_at",
                    "description",
                    "is_active",
                    "created_at",
                    "updated_at",
                    "created_by",
                ],
            ),
            tasks: Table::new(
                "tasks",
                &[
                    "id",
                    "org_id",
                    "title",
                    "status",
                    "priority",
                    "due_date",
                    "description",
                    "account_id",
                    "opportunity_id",
                    "case_id",
                    "lead_id",
                    "created_at",
                    "updated_at",
                    "created_by",
                ],
            ),
            invoices: Table::new(
                "invoices",
                &[
                    "id",
                    "org_id",
                    "invoice_number",
                    "invoice_title",
                    "status",
                    "account_id",
                    "contact_id",
                    "opportunity_id",
                    "client_name",
                    "issue_date",
                    "due_date",
                    "payment_terms",
                    "currency",
                    "total_amount",
                    "amount_paid",
                    "sent_at",
                    "paid_at",
                    "cancelled_at",
                    "line_items",
                    "created_at",
                    "updated_at",
                    "created_by",
                ],
            ),
            payments: Table::new(
                "invoice_payments",
                &[
                    "id",
                    "invoice_id",
                    "amount",
                    "payment_method",
                    "payment_date",
                    "reference_number",
                    "notes",
                    "created_at",
                    "created_by",
                ],
            ),
            links: Table::new(
                "record_links",
                &["org_id", "record_kind", "record_id", "rel", "target"],
            ),
            tags: Table::new("record_tags", &["record_kind", "record_id", "tag_id"]),
            comments: Table::new(
                "comments",
                &[
                    "id",
                    "org_id",
                    "record_kind",
                    "record_id",
                    "comment",
                    "commented_on",
                    "commented_by",
                    "is_internal",
                ],
            ),
        }
    }

    fn flush(&mut self, db: &Db<'_>) -> Result<(), ApiError> {
        for t in [
            &mut self.accounts,
            &mut self.contacts,
            &mut self.account_contacts,
            &mut self.account_assignees,
            &mut self.account_teams,
            &mut self.account_tags,
            &mut self.leads,
            &mut self.opportunities,
            &mut self.cases,
            &mut self.tasks,
            &mut self.invoices,
            &mut self.payments,
            &mut self.links,
            &mut self.tags,
            &mut self.comments,
        ] {
            t.flush(db)?;
        }
        Ok(())
    }
}

/// A contact of the account being generated.
struct Person {
    id: Uuid,
    first: &'static str,
    last: &'static str,
    email: String,
}

/// What the account being generated has so far, for its records to link to.
struct Family {
    id: Uuid,
    name: String,
    slug: String,
    created: DateTime<Utc>,
    city: (&'static str, &'static str, &'static str, &'static str),
    contacts: Vec<Person>,
    /// Deals: id, currency, whether won.
    deals: Vec<(Uuid, &'static str, bool)>,
    deal_names: Vec<String>,
    cases: Vec<Uuid>,
    leads: Vec<Uuid>,
}

struct Seeder {
    rng: StdRng,
    org: Uuid,
    users: Vec<Uuid>,
    teams: Vec<Uuid>,
    tag_ids: Vec<i64>,
    now: DateTime<Utc>,
    today: NaiveDate,
    /// Where [`Seeder::new_id`]'s timestamps start, in Unix milliseconds, and how far it is.
    id_base: u64,
    id_seq: u64,
    /// Running numbers that keep names unique across runs on the same org.
    lead_no: i64,
    case_no: i64,
    invoice_no: i64,
    t: Tables,
}

/// Fills `org` (created if missing) with `count` accounts and their related records (see the
/// module's ratios). Demo users get an unusable password: they are there to be assigned, not
/// to sign in.
pub fn seed_demo(db: &Db<'_>, org_name: &str, count: usize) -> Result<Uuid, ApiError> {
    if db.engine() != Engine::Sqlite {
        return fill(db, org_name, count);
    }
    // SQLite: a page cache big enough for the indexes being filled while this transaction
    // runs (the connection's own is a few MiB; pages spilled from it are written to the WAL
    // again and again), then the connection's own again, on failure too.
    let own = db.one("PRAGMA cache_size", &[], |r| r.i64(0))?;
    db.batch(&format!("PRAGMA cache_size = -{SEED_CACHE_KIB}"))?;
    let out = fill(db, org_name, count);
    db.batch(&format!("PRAGMA cache_size = {own}"))?;
    out
}

/// SQLite's page cache while seeding, in KiB.
const SEED_CACHE_KIB: i64 = 256 * 1024;

fn fill(db: &Db<'_>, org_name: &str, count: usize) -> Result<Uuid, ApiError> {
    let org = directory::ensure_org(db, org_name)?;
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
    let tag_ids = TAGS
        .iter()
        .map(|t| links::ensure_tag(db, org, t))
        .collect::<Result<Vec<_>, _>>()?;
    let in_org = |table: &str| {
        db.one(
            &format!("SELECT count(*) FROM {table} WHERE org_id = $1"),
            &[&org],
            |r| r.i64(0),
        )
    };
    let taken = in_org("accounts")?;
    let now = now();
    let mut seeder = Seeder {
        rng: StdRng::seed_from_u64(count as u64 ^ 0x5eed),
        org,
        users,
        teams,
        tag_ids,
        now,
        today: now.date_naive(),
        id_base: u64::try_from((now - Duration::days(3 * 365)).timestamp_millis()).unwrap_or(0),
        id_seq: 0,
        lead_no: in_org("leads")?,
        case_no: in_org("cases")?,
        invoice_no: in_org("invoices")?,
        t: Tables::new(),
    };
    let start = now - Duration::days(3 * 365);
    let span = 3 * 365 * 24 * 3600;
    let mut done = 0;
    while done < count {
        let n = CHUNK.min(count - done);
        let pks = reserve_pks(db, n)?;
        for (k, pk) in pks.into_iter().enumerate() {
            let i = done + k;
            // Spread over three years, in order, so the newest-first list reads naturally.
            let created = start + Duration::seconds(span * (i as i64 + 1) / (count as i64 + 1));
            seeder.account(pk, taken + i as i64 + 1, created)?;
        }
        seeder.t.flush(db)?;
        done += n;
    }
    Ok(org)
}

/// Integer keys for `n` new accounts. SQLite has one writer, and this transaction is it; on
/// PostgreSQL the keys come from the column's sequence, so concurrent inserts never collide.
fn reserve_pks(db: &Db<'_>, n: usize) -> Result<Vec<i64>, ApiError> {
    match db.engine() {
        Engine::Sqlite => {
            let top = db.one("SELECT coalesce(max(pk), 0) FROM accounts", &[], |r| {
                r.i64(0)
            })?;
            Ok((1..=n as i64).map(|k| top + k).collect())
        }
        Engine::Postgres => db.rows(
            "SELECT nextval(pg_get_serial_sequence('accounts', 'pk'))
             FROM generate_series(1, $1::bigint)",
            &[&(n as i64)],
            |r| r.i64(0),
        ),
    }
}

impl Seeder {
    /// A moment within `max_hours` after `after`, never in the future: recent records spread
    /// over the time left rather than piling up on now.
    fn after(&mut self, after: DateTime<Utc>, max_hours: i64) -> DateTime<Utc> {
        let room = (self.now - after).num_seconds().min(max_hours * 3600);
        if room < 120 {
            return after.max(self.now - Duration::seconds(60)).min(self.now);
        }
        after + Duration::seconds(self.rng.random_range(60..room))
    }

    /// A new id, in creation order: a version 7 UUID whose timestamp counts up by a millisecond
    /// per id from three years ago. Appended ids keep every index insert at the end of its
    /// B-tree (random ones touch a random page of an index larger than the cache each time,
    /// which made seeding I/O-bound).
    fn new_id(&mut self) -> Uuid {
        self.id_seq += 1;
        // From the thread's generator, not the seeded one: ids of two runs never repeat.
        let random: [u8; 10] = rand::random();
        uuid::Builder::from_unix_timestamp_millis(self.id_base + self.id_seq, &random).into_uuid()
    }

    /// A day between `lo` and `hi` days from today.
    fn day(&mut self, lo: i64, hi: i64) -> Option<NaiveDate> {
        Some(self.today + Duration::days(self.rng.random_range(lo..=hi)))
    }

    fn user(&mut self) -> Uuid {
        *pick(&mut self.rng, &self.users)
    }

    /// One user, sometimes two.
    fn assignees(&mut self) -> Vec<Uuid> {
        let first = self.user();
        let mut out = vec![first];
        if self.rng.random_bool(0.15) {
            let second = self.user();
            if second != first {
                out.push(second);
            }
        }
        out
    }

    /// `n` distinct tags, as indexes into [`TAGS`].
    fn some_tags(&mut self, n: usize) -> Vec<usize> {
        let mut out = Vec::new();
        while out.len() < n.min(TAGS.len()) {
            let k = self.rng.random_range(0..TAGS.len());
            if !out.contains(&k) {
                out.push(k);
            }
        }
        out
    }

    fn link(&mut self, kind: &'static str, record: Uuid, rel: &'static str, target: Uuid) {
        self.t
            .links
            .push([id(self.org), text(kind), id(record), text(rel), id(target)]);
    }

    /// Assignees, a team for some, and up to `max_tags` tags (none when 0) of a record.
    fn owners(&mut self, kind: &'static str, record: Uuid, assign: f64, max_tags: usize) {
        if self.rng.random_bool(assign) {
            for u in self.assignees() {
                self.link(kind, record, "assigned_to", u);
            }
        }
        if self.rng.random_bool(0.25) {
            let team = *pick(&mut self.rng, &self.teams);
            self.link(kind, record, "teams", team);
        }
        if max_tags > 0 {
            let n = self.rng.random_range(0..=max_tags);
            for k in self.some_tags(n) {
                self.t
                    .tags
                    .push([text(kind), id(record), Val::Int(self.tag_ids[k])]);
            }
        }
    }

    fn comment(&mut self, kind: &'static str, record: Uuid, body: &str, at: DateTime<Utc>) {
        self.comment_as(kind, record, body, at, false);
    }

    fn comment_as(
        &mut self,
        kind: &'static str,
        record: Uuid,
        body: &str,
        at: DateTime<Utc>,
        internal: bool,
    ) {
        let by = self.user();
        let comment = self.new_id();
        self.t.comments.push([
            id(comment),
            id(self.org),
            text(kind),
            id(record),
            text(body),
            stamp(at),
            id(by),
            Val::Bool(internal),
        ]);
    }

    /// A comment on about a quarter of the records.
    fn maybe_comment(&mut self, kind: &'static str, record: Uuid, created: DateTime<Utc>) {
        if self.rng.random_bool(0.25) {
            let at = self.after(created, 500);
            let body = *pick(&mut self.rng, RECORD_NOTES);
            self.comment(kind, record, body, at);
        }
    }

    fn phone(&mut self) -> String {
        format!(
            "+1 555 {:03} {:04}",
            self.rng.random_range(0..1000),
            self.rng.random_range(0..10000)
        )
    }

    fn source(&mut self) -> &'static str {
        pick(&mut self.rng, LEAD_SOURCES).0
    }

    fn currency(&mut self, local: &'static str) -> &'static str {
        // Mostly USD; the rest in the currency of the place.
        if local == "USD" || self.rng.random_bool(0.85) {
            "USD"
        } else {
            local
        }
    }

    fn account(&mut self, pk: i64, serial: i64, created: DateTime<Utc>) -> Result<(), ApiError> {
        let city = *pick(&mut self.rng, CITIES);
        let name = format!(
            "{} {} {}",
            pick(&mut self.rng, PREFIXES),
            pick(&mut self.rng, SUFFIXES),
            serial
        );
        let slug = ascii(&name);
        let mut fam = Family {
            id: self.new_id(),
            name,
            slug,
            created,
            city,
            contacts: Vec::new(),
            deals: Vec::new(),
            deal_names: Vec::new(),
            cases: Vec::new(),
            leads: Vec::new(),
        };
        for _ in 0..self.rng.random_range(1..=3) {
            self.contact(&mut fam);
        }
        let mut assigned = vec![self.user()];
        let mut teams = if self.rng.random_bool(0.5) {
            vec![*pick(&mut self.rng, &self.teams)]
        } else {
            vec![]
        };
        let n_tags = self.rng.random_range(1..=3);
        let mut tags = self.some_tags(n_tags);
        // The JSON copies are in the order `links::refresh_link_copies` writes them.
        assigned.sort();
        teams.sort();
        tags.sort_by_key(|k| fold(TAGS[*k]));
        let mut contacts: Vec<Uuid> = fam.contacts.iter().map(|c| c.id).collect();
        contacts.sort();
        let account = Account {
            id: fam.id,
            name: fam.name.clone(),
            email: format!("contact@{}.example", fam.slug),
            phone: self.phone(),
            industry: pick(&mut self.rng, crate::model::INDUSTRIES).to_string(),
            description: format!("{} is a demo account in {}.", fam.name, city.0),
            website: format!("https://{}.example", fam.slug),
            status: if self.rng.random_bool(0.85) {
                AccountStatus::Open
            } else {
                AccountStatus::Closed
            },
            billing_address_line: format!("{} Market St", self.rng.random_range(1..999)),
            billing_street: format!("Suite {}", self.rng.random_range(100..999)),
            billing_city: city.0.to_string(),
            billing_state: city.1.to_string(),
            billing_postcode: format!("{:05}", self.rng.random_range(10000..99999)),
            billing_country: city.2.to_string(),
            created_on: created,
            created_by: Some(self.user()),
            org: self.org,
            contacts: contacts.clone(),
            assigned_to: assigned.clone(),
            teams: teams.clone(),
            tags: tags.iter().map(|k| TAGS[*k].to_string()).collect(),
        };
        let json_of = |v: serde_json::Value| v.to_string();
        let a = &account;
        self.t.accounts.push([
            Val::Int(pk),
            id(a.id),
            id(self.org),
            text(a.name.clone()),
            text(fold(&a.name)),
            text(a.email.clone()),
            text(a.phone.clone()),
            text(a.industry.clone()),
            text(a.description.clone()),
            text(a.website.clone()),
            text(a.status.as_str()),
            text(a.billing_address_line.clone()),
            text(a.billing_street.clone()),
            text(a.billing_city.clone()),
            text(a.billing_state.clone()),
            text(a.billing_postcode.clone()),
            text(a.billing_country.clone()),
            stamp(created),
            Val::Id(a.created_by),
            text(json_of(json!(assigned))),
            text(json_of(json!(teams))),
            text(json_of(json!(contacts))),
            text(json_of(json!(a.tags))),
            text(account_row::to_json(a)?),
        ]);
        for c in &contacts {
            self.t.account_contacts.push([Val::Int(pk), id(*c)]);
        }
        for u in &assigned {
            self.t.account_assignees.push([Val::Int(pk), id(*u)]);
        }
        for t in &teams {
            self.t.account_teams.push([Val::Int(pk), id(*t)]);
        }
        for k in &tags {
            self.t
                .account_tags
                .push([Val::Int(pk), Val::Int(self.tag_ids[*k])]);
        }
        for _ in 0..self.rng.random_range(0..=3) {
            let at = self.after(created, 2000);
            let body = *pick(&mut self.rng, ACCOUNT_NOTES);
            self.comment("account", fam.id, body, at);
        }
        for _ in 0..self.rng.random_range(0..=2) {
            self.lead(&mut fam);
        }
        for _ in 0..self.rng.random_range(0..=2) {
            self.deal(&mut fam, None);
        }
        let n_cases = weighted(&mut self.rng, &[(0, 45), (1, 40), (2, 15)]);
        for _ in 0..*n_cases {
            self.case(&mut fam);
        }
        for _ in 0..self.rng.random_range(0..=3) {
            self.task(&fam);
        }
        let n_invoices = weighted(&mut self.rng, &[(0, 60), (1, 30), (2, 10)]);
        for _ in 0..*n_invoices {
            self.invoice(&fam);
        }
        Ok(())
    }

    fn contact(&mut self, fam: &mut Family) {
        let first = *pick(&mut self.rng, FIRST);
        let last = *pick(&mut self.rng, LAST);
        let mut email = format!("{}.{}@{}.example", ascii(first), ascii(last), fam.slug);
        if fam.contacts.iter().any(|c| c.email == email) {
            email = format!(
                "{}.{}{}@{}.example",
                ascii(first),
                ascii(last),
                fam.contacts.len() + 1,
                fam.slug
            );
        }
        let created = self.after(fam.created, 48);
        let by = self.user();
        let contact = Contact {
            id: self.new_id(),
            first_name: first.to_string(),
            last_name: last.to_string(),
            email: email.clone(),
            phone: self.phone(),
            title: pick(&mut self.rng, JOB_TITLES).to_string(),
            description: if self.rng.random_bool(0.3) {
                format!("Met at the {} kickoff.", fam.name)
            } else {
                String::new()
            },
            org: self.org,
            created_on: created,
            created_by: Some(by),
        };
        // The contact's own JSON as `contacts::refresh_json` writes it; it cannot fail for
        // these plain strings, and an empty copy is rebuilt at start-up.
        let row_json = serde_json::to_string(&contact).ok();
        // Most live where their company is.
        let city = if self.rng.random_bool(0.7) {
            fam.city
        } else {
            *pick(&mut self.rng, CITIES)
        };
        let linkedin = if self.rng.random_bool(0.5) {
            format!(
                "https://www.linkedin.com/in/{}-{}-{}",
                ascii(first),
                ascii(last),
                self.rng.random_range(100..999)
            )
        } else {
            String::new()
        };
        let source = self.rng.random_bool(0.8).then(|| self.source());
        let c = &contact;
        let row = [
            id(c.id),
            id(self.org),
            text(first),
            text(last),
            text(email.clone()),
            text(c.phone.clone()),
            text(c.title.clone()),
            text(c.description.clone()),
            stamp(created),
            id(by),
            Val::OptText(row_json),
            text(fam.name.clone()),
            text(*pick(&mut self.rng, DEPARTMENTS)),
            Val::Bool(self.rng.random_bool(0.05)),
            text(linkedin),
            text(format!("{} Harbor Rd", self.rng.random_range(1..400))),
            text(city.0),
            text(city.1),
            text(format!("{:05}", self.rng.random_range(10000..99999))),
            text(city.2),
            opt_text(source),
            Val::Bool(self.rng.random_bool(0.9)),
            id(fam.id),
            stamp(created),
        ];
        self.t.contacts.push(row);
        self.owners("contact", c.id, 0.6, 1);
        self.maybe_comment("contact", c.id, created);
        fam.contacts.push(Person {
            id: contact.id,
            first,
            last,
            email,
        });
    }

    fn lead(&mut self, fam: &mut Family) {
        let status = *weighted(
            &mut self.rng,
            &[
                (Some("assigned"), 25),
                (Some("in process"), 25),
                (Some("converted"), 15),
                (Some("recycled"), 10),
                (Some("closed"), 10),
                (None, 15),
            ],
        );
        self.lead_no += 1;
        let lead = self.new_id();
        let created = self.after(fam.created, 2000);
        let source = self.source();
        let rating = *weighted(
            &mut self.rng,
            &[
                (Some("HOT"), 25),
                (Some("WARM"), 40),
                (Some("COLD"), 25),
                (None, 10),
            ],
        );
        let local = fam.city.3;
        let currency = self.currency(local);
        let amount = self
            .rng
            .random_bool(0.75)
            .then(|| self.rng.random_range(10..2500) * 10_000);
        let converted = status == Some("converted");
        // A converted lead was this account's contact before it became one: same company,
        // name and email (conversion step 3 matches the contact by email).
        let (first, last, email, company, city) = if converted {
            let p = &fam.contacts[0];
            (p.first, p.last, p.email.clone(), fam.name.clone(), fam.city)
        } else {
            let first = *pick(&mut self.rng, FIRST);
            let last = *pick(&mut self.rng, LAST);
            let company = format!(
                "{} {}",
                pick(&mut self.rng, PREFIXES),
                pick(&mut self.rng, SUFFIXES)
            );
            let email = if self.rng.random_bool(0.9) {
                format!(
                    "{}.{}{}@{}.example",
                    ascii(first),
                    ascii(last),
                    self.lead_no,
                    ascii(&company)
                )
            } else {
                String::new()
            };
            (first, last, email, company, *pick(&mut self.rng, CITIES))
        };
        let probability = match status {
            Some("assigned") => self.rng.random_range(1..=3) * 10,
            Some("in process") => self.rng.random_range(3..=7) * 10,
            Some("converted") => self.rng.random_range(6..=9) * 10,
            Some("recycled") => 10,
            Some("closed") => 0,
            _ => 0,
        };
        let live = matches!(status, Some("assigned" | "in process") | None);
        let follow_up = if live {
            let today = self.today;
            match self.rng.random_range(0..100) {
                0..20 => Some(today),
                20..65 => Some(today + Duration::days(self.rng.random_range(1..30))),
                65..80 => Some(today - Duration::days(self.rng.random_range(1..20))),
                _ => None,
            }
        } else {
            None
        };
        let contacted = (status.is_some() && self.rng.random_bool(0.8)).then(|| {
            let since = (self.now - created).num_days().max(1);
            self.today - Duration::days(self.rng.random_range(0..since.min(90)))
        });
        let close_date = self
            .rng
            .random_bool(0.6)
            .then(|| created.date_naive() + Duration::days(self.rng.random_range(30..120)));
        let website = format!("https://{}.example", ascii(&company));
        let linkedin = self
            .rng
            .random_bool(0.4)
            .then(|| format!("https://www.linkedin.com/company/{}", ascii(&company)));
        let by = self.user();
        let row = [
            id(lead),
            id(self.org),
            text(*pick(&mut self.rng, LEAD_TITLES)),
            text(*pick(&mut self.rng, &["", "Mr", "Ms", "Dr"])),
            text(first),
            text(last),
            text(email),
            text(self.phone()),
            text(*pick(&mut self.rng, JOB_TITLES)),
            text(company.clone()),
            text(website),
            text(linkedin.unwrap_or_default()),
            opt_text(status),
            text(source),
            text(*pick(&mut self.rng, crate::model::INDUSTRIES)),
            opt_text(rating),
            Val::OptInt(amount),
            text(currency),
            Val::Int(probability),
            Val::Date(close_date),
            Val::Date(contacted),
            Val::Date(follow_up),
            text(format!("{} Elm St", self.rng.random_range(1..900))),
            text(city.0),
            text(city.1),
            text(format!("{:05}", self.rng.random_range(10000..99999))),
            text(city.2),
            text(if self.rng.random_bool(0.4) {
                format!("Came in through {source}.")
            } else {
                String::new()
            }),
            Val::Bool(status != Some("closed") || self.rng.random_bool(0.3)),
            stamp(created),
            stamp(created),
            id(by),
        ];
        self.t.leads.push(row);
        self.owners("lead", lead, 0.85, 2);
        if converted {
            let contact = fam.contacts[0].id;
            self.link("lead", lead, "contacts", contact);
            let deal = Deal {
                name: format!("{} - {first} {last}", fam.name),
                amount,
                currency,
                probability,
                source,
                contact,
                created,
            };
            self.deal(fam, Some(deal));
        } else {
            if source == "existing customer" {
                let contact = pick(&mut self.rng, &fam.contacts).id;
                self.link("lead", lead, "contacts", contact);
            }
            self.maybe_comment("lead", lead, created);
            fam.leads.push(lead);
        }
    }

    /// A deal of the account; `from` when a converted lead became it.
    fn deal(&mut self, fam: &mut Family, from: Option<Deal>) {
        let deal = self.new_id();
        let stage_ix = if from.is_some() {
            // Conversion makes it QUALIFICATION; it has moved on since.
            *weighted(
                &mut self.rng,
                &[(1, 35), (2, 25), (3, 15), (4, 15), (5, 10)],
            )
        } else {
            *weighted(
                &mut self.rng,
                &[(0, 20), (1, 18), (2, 16), (3, 12), (4, 20), (5, 14)],
            )
        };
        let stage = STAGES[stage_ix].0;
        let closed = stage_ix >= 4;
        let kind = *weighted(
            &mut self.rng,
            &[
                ("NEW_BUSINESS", 35),
                ("EXISTING_BUSINESS", 15),
                ("RENEWAL", 25),
                ("UPSELL", 15),
                ("CROSS_SELL", 10),
            ],
        );
        let created = match &from {
            Some(d) => self.after(d.created, 24),
            None => self.after(fam.created, 2000),
        };
        let base_name = match &from {
            Some(d) => d.name.clone(),
            None => format!(
                "{} - {} {}",
                fam.name,
                crate::model::kinds::label(crate::model::kinds::OPPORTUNITY_TYPES, kind),
                created.format("%Y")
            ),
        };
        // Unique per org: account names are, so only this account's deals can clash.
        let mut name = base_name.clone();
        let mut n = 1;
        while fam.deal_names.contains(&name) {
            n += 1;
            name = format!("{base_name} ({n})");
        }
        fam.deal_names.push(name.clone());
        let local = fam.city.3;
        let currency = match &from {
            Some(d) => d.currency,
            None => self.currency(local),
        };
        let amount = match &from {
            Some(d) => d.amount,
            // Won deals always have an amount; early ones sometimes have none yet.
            None if stage_ix < 2 && self.rng.random_bool(0.15) => None,
            None => Some(self.rng.random_range(20..5000) * 10_000),
        };
        let amount = if stage == "CLOSED_WON" {
            amount.or(Some(500_000))
        } else {
            amount
        };
        let default_probability = STAGE_PROBABILITY[stage_ix];
        let probability = if let (Some(d), 1) = (&from, stage_ix) {
            // Still where conversion left it: the lead's probability.
            d.probability
        } else if closed || self.rng.random_bool(0.7) {
            default_probability
        } else {
            (default_probability + self.rng.random_range(-1..=1) * 5).clamp(0, 100)
        };
        let stage_changed = self.after(created, 1500);
        let (closed_on, closed_by) = if closed {
            (Some(stage_changed.date_naive()), Some(self.user()))
        } else {
            // Expected close: mostly ahead, some slipped past.
            let ahead = self.rng.random_range(-30..180);
            (Some(self.today + Duration::days(ahead)), None)
        };
        let lead_source = match &from {
            Some(d) => Some(d.source),
            None => self.rng.random_bool(0.8).then(|| self.source()),
        };
        let by = self.user();
        let row = [
            id(deal),
            id(self.org),
            text(name),
            id(fam.id),
            text(stage),
            text(kind),
            text(currency),
            Val::OptInt(amount),
            Val::Int(probability),
            Val::Date(closed_on),
            opt_text(lead_source),
            text(if self.rng.random_bool(0.5) {
                format!(
                    "{} for {}.",
                    kind.replace('_', " ").to_lowercase(),
                    fam.name
                )
            } else {
                String::new()
            }),
            Val::Bool(true),
            Val::Id(closed_by),
            stamp(stage_changed),
            stamp(created),
            stamp(stage_changed),
            id(by),
        ];
        self.t.opportunities.push(row);
        self.owners("opportunity", deal, 0.9, 2);
        match &from {
            Some(d) => self.link("opportunity", deal, "contacts", d.contact),
            None => {
                let n = self.rng.random_range(1..=2).min(fam.contacts.len());
                for k in 0..n {
                    let c = fam.contacts[k].id;
                    self.link("opportunity", deal, "contacts", c);
                }
            }
        }
        self.maybe_comment("opportunity", deal, created);
        fam.deals.push((deal, currency, stage == "CLOSED_WON"));
    }

    fn case(&mut self, fam: &mut Family) {
        let case = self.new_id();
        self.case_no += 1;
        let status = *weighted(
            &mut self.rng,
            &[
                ("New", 20),
                ("Assigned", 20),
                ("Pending", 15),
                ("Closed", 30),
                ("Rejected", 8),
                ("Duplicate", 7),
            ],
        );
        let priority = *weighted(
            &mut self.rng,
            &[("Low", 25), ("Normal", 40), ("High", 25), ("Urgent", 10)],
        );
        let case_type = *weighted(
            &mut self.rng,
            &[
                (Some("Question"), 35),
                (Some("Incident"), 35),
                (Some("Problem"), 20),
                (None, 10),
            ],
        );
        let subject = *pick(&mut self.rng, CASE_SUBJECTS);
        // Unique among the cases anyone sees, and within the 64 characters a name may have.
        let name = format!("{subject} #{}", self.case_no);
        let created = self.after(fam.created, 4000);
        let resolved = (status == "Closed").then(|| self.after(created, 200));
        let by = self.user();
        let row = [
            id(case),
            id(self.org),
            text(name),
            text(status),
            text(priority),
            opt_text(case_type),
            id(fam.id),
            Val::Date(resolved.map(|t| t.date_naive())),
            Val::Stamp(resolved),
            text(format!(
                "{subject}. Reported by {} at {}.",
                fam.contacts[0].first, fam.name
            )),
            Val::Bool(true),
            stamp(created),
            stamp(resolved.unwrap_or(created)),
            id(by),
        ];
        self.t.cases.push(row);
        self.owners("case", case, 0.85, 1);
        let contact = pick(&mut self.rng, &fam.contacts).id;
        self.link("case", case, "contacts", contact);
        self.maybe_comment("case", case, created);
        if self.rng.random_bool(0.2) {
            let at = self.after(created, 100);
            let body = *pick(&mut self.rng, INTERNAL_NOTES);
            self.comment_as("case", case, body, at, true);
        }
        fam.cases.push(case);
    }

    fn task(&mut self, fam: &Family) {
        let task = self.new_id();
        let status = *weighted(
            &mut self.rng,
            &[("New", 40), ("In Progress", 25), ("Completed", 35)],
        );
        let priority = *weighted(&mut self.rng, &[("Low", 30), ("Medium", 45), ("High", 25)]);
        let today = self.today;
        // Due: overdue, today, this week, later, or none; completed ones mostly in the past.
        let due = if status == "Completed" {
            match self.rng.random_range(0..10) {
                0..7 => self.day(-120, -1),
                7..9 => self.day(0, 14),
                _ => None,
            }
        } else {
            match self.rng.random_range(0..100) {
                0..20 => self.day(-30, -1),
                20..30 => Some(today),
                30..45 => self.day(1, 6),
                45..75 => self.day(7, 90),
                _ => None,
            }
        };
        // Open work was created recently; the rest any time since the account.
        let recent = (self.now - Duration::days(45)).max(fam.created);
        let created = match due {
            Some(d) if status != "Completed" && d >= today - Duration::days(30) => {
                self.after(recent, 24 * 40)
            }
            _ => self.after(fam.created, 4000),
        };
        let (mut account, mut deal, mut case, mut lead) = (None, None, None, None);
        match self.rng.random_range(0..100) {
            0..40 => account = Some(fam.id),
            40..60 if !fam.deals.is_empty() => {
                deal = Some(pick(&mut self.rng, &fam.deals).0);
            }
            60..75 if !fam.cases.is_empty() => case = Some(*pick(&mut self.rng, &fam.cases)),
            75..85 if !fam.leads.is_empty() => lead = Some(*pick(&mut self.rng, &fam.leads)),
            85..100 => {}
            // The wanted parent does not exist for this account: the account instead.
            _ => account = Some(fam.id),
        }
        let title = *pick(&mut self.rng, TASK_TITLES);
        let by = self.user();
        let row = [
            id(task),
            id(self.org),
            text(title),
            text(status),
            text(priority),
            Val::Date(due),
            text(if self.rng.random_bool(0.4) {
                format!("{title} for {}.", fam.name)
            } else {
                String::new()
            }),
            Val::Id(account),
            Val::Id(deal),
            Val::Id(case),
            Val::Id(lead),
            stamp(created),
            stamp(created),
            id(by),
        ];
        self.t.tasks.push(row);
        // Some tasks are nobody's yet (the totals count them as unassigned).
        self.owners("task", task, 0.85, 1);
        if self.rng.random_bool(0.3) {
            let contact = pick(&mut self.rng, &fam.contacts).id;
            self.link("task", task, "contacts", contact);
        }
        self.maybe_comment("task", task, created);
    }

    fn invoice(&mut self, fam: &Family) {
        let invoice = self.new_id();
        self.invoice_no += 1;
        let status = *weighted(
            &mut self.rng,
            &[
                ("Draft", 15),
                ("Sent", 20),
                ("Viewed", 10),
                ("Paid", 30),
                ("Partially_Paid", 10),
                ("Pending", 8),
                ("Cancelled", 7),
            ],
        );
        let (terms, term_days) = *pick(&mut self.rng, TERMS);
        let owing = matches!(status, "Sent" | "Viewed" | "Partially_Paid" | "Pending");
        // Owing invoices are overdue 40% of the time (derived: unpaid and past due).
        let issue = if owing && self.rng.random_bool(0.6) {
            self.today - Duration::days(self.rng.random_range(0..=term_days))
        } else if status == "Draft" {
            self.today + Duration::days(self.rng.random_range(0..10))
        } else {
            let since = (self.today - fam.created.date_naive()).num_days().max(1);
            self.today
                - Duration::days(self.rng.random_range(term_days + 1..=since + term_days + 1))
        };
        let issue = issue.max(fam.created.date_naive());
        let due = issue + Duration::days(term_days);
        let deal = fam
            .deals
            .iter()
            .find(|d| d.2)
            .filter(|_| self.rng.random_bool(0.5))
            .copied();
        let currency = match deal {
            Some((_, c, _)) => c,
            None => self.currency(fam.city.3),
        };
        let mut lines = Vec::new();
        let mut total = 0;
        for _ in 0..self.rng.random_range(1..=3) {
            let (item, price) = *pick(&mut self.rng, INVOICE_ITEMS);
            let quantity = self.rng.random_range(1..=5);
            total += price * quantity;
            lines.push(json!({
                "name": item,
                "quantity": quantity,
                "unit_price": money::format(price),
                "total": money::format(price * quantity),
            }));
        }
        let paid = match status {
            "Paid" => total,
            "Partially_Paid" => total * self.rng.random_range(2..=8) / 10,
            _ => 0,
        };
        let sent = (status != "Draft").then(|| {
            let t = issue.and_hms_opt(9, 0, 0).unwrap_or_default().and_utc();
            t.min(self.now)
        });
        let issue_stamp = sent.unwrap_or(fam.created);
        let mut last_payment = None;
        if paid > 0 {
            // A paid invoice sometimes came in two instalments.
            let parts = if status == "Paid" && self.rng.random_bool(0.2) {
                vec![paid / 2, paid - paid / 2]
            } else {
                vec![paid]
            };
            let mut at = issue_stamp;
            for amount in parts {
                at = self.after(at, 24 * 20);
                let method = pick(&mut self.rng, PAYMENT_METHODS).0;
                let by = self.user();
                let payment = self.new_id();
                self.t.payments.push([
                    id(payment),
                    id(invoice),
                    Val::Int(amount),
                    text(method),
                    Val::Date(Some(at.date_naive())),
                    text(format!("TRX-{:08}", self.rng.random_range(0..100_000_000))),
                    text(""),
                    stamp(at),
                    id(by),
                ]);
            }
            last_payment = Some(at);
        }
        let paid_at = last_payment.filter(|_| status == "Paid");
        let cancelled_at = (status == "Cancelled").then(|| self.after(issue_stamp, 24 * 20));
        let created =
            (issue_stamp - Duration::hours(self.rng.random_range(1..72))).max(fam.created);
        let contact = &fam.contacts[0];
        let title = *pick(
            &mut self.rng,
            &[
                "Annual subscription",
                "Implementation services",
                "Support renewal",
                "Expansion seats",
                "Professional services",
            ],
        );
        let by = self.user();
        let row = [
            id(invoice),
            id(self.org),
            text(format!("INV-{}-{:06}", issue.format("%Y"), self.invoice_no)),
            text(format!("{title} {}", issue.format("%b %Y"))),
            text(status),
            id(fam.id),
            id(contact.id),
            Val::Id(deal.map(|d| d.0)),
            text(fam.name.clone()),
            Val::Date(Some(issue)),
            Val::Date(Some(due)),
            text(terms),
            text(currency),
            Val::Int(total),
            Val::Int(paid),
            Val::Stamp(sent),
            Val::Stamp(paid_at),
            Val::Stamp(cancelled_at),
            text(serde_json::Value::Array(lines).to_string()),
            stamp(created),
            stamp(paid_at.or(cancelled_at).or(sent).unwrap_or(created)),
            id(by),
        ];
        self.t.invoices.push(row);
        self.owners("invoice", invoice, 0.8, 0);
        self.maybe_comment("invoice", invoice, created);
    }
}

/// What a converted lead hands to the deal it becomes.
struct Deal {
    name: String,
    amount: Option<i64>,
    currency: &'static str,
    probability: i64,
    source: &'static str,
    contact: Uuid,
    created: DateTime<Utc>,
}
