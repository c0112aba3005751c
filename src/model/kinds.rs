//! The record kinds beyond accounts, as the CRM contract settles them: one description each.

use super::record::{Choices, Field, Filter, Kind, Rel, Ty, Unique};

const fn f(name: &'static str, ty: Ty) -> Field {
    Field::new(name, ty)
}

const TEXT: Ty = Ty::Text(255);
const LONG: Ty = Ty::Text(10_000);
const PHONE: Ty = Ty::Text(64);

pub const LEAD_SOURCES: Choices = &[
    ("call", "Call"),
    ("email", "Email"),
    ("existing customer", "Existing Customer"),
    ("partner", "Partner"),
    ("public relations", "Public Relations"),
    ("campaign", "Campaign"),
    ("other", "Other"),
    ("web form", "Web Form"),
    ("meta ads", "Meta Ads"),
    ("google ads", "Google Ads"),
    ("linkedin ads", "LinkedIn Ads"),
    ("directory or marketplace", "Directory or Marketplace"),
    ("whatsapp", "WhatsApp"),
    ("referral", "Referral"),
    ("walk-in", "Walk-in"),
];

pub const LEAD_STATUS: Choices = &[
    ("assigned", "Assigned"),
    ("in process", "In Process"),
    ("converted", "Converted"),
    ("recycled", "Recycled"),
    ("closed", "Closed"),
];

pub const RATINGS: Choices = &[("HOT", "Hot"), ("WARM", "Warm"), ("COLD", "Cold")];

pub const STAGES: Choices = &[
    ("PROSPECTING", "Prospecting"),
    ("QUALIFICATION", "Qualification"),
    ("PROPOSAL", "Proposal"),
    ("NEGOTIATION", "Negotiation"),
    ("CLOSED_WON", "Closed Won"),
    ("CLOSED_LOST", "Closed Lost"),
];

/// Each stage's default probability, in [`STAGES`] order.
pub const STAGE_PROBABILITY: &[i64] = &[10, 25, 50, 75, 100, 0];

pub const OPPORTUNITY_TYPES: Choices = &[
    ("NEW_BUSINESS", "New Business"),
    ("EXISTING_BUSINESS", "Existing Business"),
    ("RENEWAL", "Renewal"),
    ("UPSELL", "Upsell"),
    ("CROSS_SELL", "Cross-sell"),
];

pub const CASE_STATUS: Choices = &[
    ("New", "New"),
    ("Assigned", "Assigned"),
    ("Pending", "Pending"),
    ("Closed", "Closed"),
    ("Rejected", "Rejected"),
    ("Duplicate", "Duplicate"),
];

/// The case statuses that count as open.
pub const CASE_OPEN: &[&str] = &["New", "Assigned", "Pending"];

/// Least to most severe: `ordering=priority` sorts by this.
pub const CASE_PRIORITY: Choices = &[
    ("Low", "Low"),
    ("Normal", "Normal"),
    ("High", "High"),
    ("Urgent", "Urgent"),
];

pub const CASE_TYPES: Choices = &[
    ("Question", "Question"),
    ("Incident", "Incident"),
    ("Problem", "Problem"),
];

pub const TASK_STATUS: Choices = &[
    ("New", "New"),
    ("In Progress", "In Progress"),
    ("Completed", "Completed"),
];

pub const TASK_PRIORITY: Choices = &[("Low", "Low"), ("Medium", "Medium"), ("High", "High")];

pub const INVOICE_STATUS: Choices = &[
    ("Draft", "Draft"),
    ("Sent", "Sent"),
    ("Viewed", "Viewed"),
    ("Paid", "Paid"),
    ("Partially_Paid", "Partially Paid"),
    ("Overdue", "Overdue"),
    ("Pending", "Pending"),
    ("Cancelled", "Cancelled"),
];

pub const PAYMENT_TERMS: Choices = &[
    ("DUE_ON_RECEIPT", "Due on Receipt"),
    ("NET_15", "Net 15"),
    ("NET_30", "Net 30"),
    ("NET_45", "Net 45"),
    ("NET_60", "Net 60"),
    ("CUSTOM", "Custom"),
];

pub const PAYMENT_METHODS: Choices = &[
    ("CASH", "Cash"),
    ("CHECK", "Check"),
    ("CREDIT_CARD", "Credit Card"),
    ("BANK_TRANSFER", "Bank Transfer"),
    ("PAYPAL", "PayPal"),
    ("STRIPE", "Stripe"),
    ("OTHER", "Other"),
];

const ALL_RELS: &[Rel] = &[Rel::AssignedTo, Rel::Teams, Rel::Contacts, Rel::Tags];
const OWN_RELS: &[Rel] = &[Rel::AssignedTo, Rel::Teams, Rel::Tags];

/// The address fields contacts and leads share.
macro_rules! address {
    () => {
        [
            f("address_line", TEXT),
            f("city", TEXT),
            f("state", TEXT),
            f("postcode", Ty::Text(64)),
            f("country", Ty::Country),
        ]
    };
}

const fn concat<const A: usize, const B: usize, const N: usize>(
    a: [Field; A],
    b: [Field; B],
) -> [Field; N] {
    let mut out = [f("", TEXT); N];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    while i < N {
        out[i] = b[i - A];
        i += 1;
    }
    out
}

const CONTACT_FIELDS: [Field; 18] = concat(
    [
        f("first_name", Ty::Text(255)).required(),
        f("last_name", Ty::Text(255)).required(),
        f("email", Ty::Email),
        f("phone", PHONE),
        f("organization", TEXT),
        f("title", TEXT),
        f("department", TEXT),
        f("do_not_call", Ty::Bool(false)),
        f("linkedin_url", Ty::Url),
        f("description", LONG),
        f("source", Ty::Choice(LEAD_SOURCES)),
        f("is_active", Ty::Bool(true)),
        f("account", Ty::RefId("account")),
    ],
    address!(),
);

/// A person's name as typed in a search box, "first last": filters match it beside each part.
/// Text filters read their columns over the alias `r`, hence the one inside.
const FULL_NAME: &str = "first_name || ' ' || r.last_name";

pub static CONTACT: Kind = Kind {
    name: "contact",
    path: "contacts",
    detail_key: "contact_obj",
    fields: &CONTACT_FIELDS,
    rels: OWN_RELS,
    filters: &[
        Filter::Text("name", &["first_name", "last_name", FULL_NAME]),
        Filter::Text("email", &["email"]),
        Filter::Text("phone", &["phone"]),
        Filter::Text("city", &["city"]),
        Filter::Text(
            "search",
            &["first_name", "last_name", FULL_NAME, "email", "phone"],
        ),
        Filter::Exact("is_active"),
    ],
    list_choices: &[],
    unique: Some(Unique::InOrg("email")),
};

const LEAD_FIELDS: [Field; 27] = concat(
    [
        f("title", TEXT),
        f("salutation", Ty::Text(64)),
        f("first_name", TEXT),
        f("last_name", TEXT),
        f("email", Ty::Email),
        f("phone", PHONE),
        f("job_title", TEXT),
        f("company_name", TEXT),
        f("website", Ty::Url),
        f("linkedin_url", Ty::Url),
        f("status", Ty::Choice(LEAD_STATUS)),
        f("source", Ty::Choice(LEAD_SOURCES)),
        f("industry", TEXT),
        f("rating", Ty::Choice(RATINGS)),
        f("opportunity_amount", Ty::Money),
        f("currency", Ty::Currency),
        f("probability", Ty::Percent),
        f("close_date", Ty::Date),
        f("last_contacted", Ty::Date),
        f("next_follow_up", Ty::Date),
        f("description", LONG),
        f("is_active", Ty::Bool(true)),
    ],
    address!(),
);

pub static LEAD: Kind = Kind {
    name: "lead",
    path: "leads",
    detail_key: "lead_obj",
    fields: &LEAD_FIELDS,
    rels: ALL_RELS,
    filters: &[
        Filter::Text("name", &["first_name", "last_name", FULL_NAME]),
        Filter::Text("email", &["email"]),
        Filter::Text("city", &["city"]),
        Filter::Text(
            "search",
            &[
                "first_name",
                "last_name",
                FULL_NAME,
                "company_name",
                "email",
            ],
        ),
        Filter::Exact("source"),
        Filter::Exact("status"),
        Filter::Exact("rating"),
        Filter::Range("close_date"),
        Filter::Day("next_follow_up"),
        Filter::Open,
    ],
    list_choices: &[("status", LEAD_STATUS), ("source", LEAD_SOURCES)],
    unique: Some(Unique::InOrg("email")),
};

pub static OPPORTUNITY: Kind = Kind {
    name: "opportunity",
    path: "opportunities",
    detail_key: "opportunity_obj",
    fields: &[
        f("name", TEXT).required(),
        f("account", Ty::Ref("account")),
        f("stage", Ty::Choice(STAGES)),
        f("opportunity_type", Ty::Choice(OPPORTUNITY_TYPES)),
        f("currency", Ty::Currency),
        f("amount", Ty::Money),
        f("probability", Ty::Percent),
        f("closed_on", Ty::Date),
        f("lead_source", Ty::Choice(LEAD_SOURCES)),
        f("description", LONG),
        f("is_active", Ty::Bool(true)),
        f("closed_by", Ty::User).read_only(),
        f("stage_changed_at", Ty::Stamp).read_only(),
    ],
    rels: ALL_RELS,
    filters: &[
        Filter::Text("name", &["name"]),
        Filter::Text("search", &["name"]),
        Filter::Exact("account"),
        Filter::Exact("stage"),
        Filter::Exact("lead_source"),
        Filter::Range("closed_on"),
        Filter::Range("amount"),
        Filter::Open,
    ],
    list_choices: &[("stage", STAGES), ("lead_source", LEAD_SOURCES)],
    unique: Some(Unique::InOrg("name")),
};

pub static CASE: Kind = Kind {
    name: "case",
    path: "cases",
    detail_key: "cases_obj",
    fields: &[
        f("name", Ty::Text(64)).required(),
        f("status", Ty::Choice(CASE_STATUS)).required(),
        f("priority", Ty::Choice(CASE_PRIORITY)).required(),
        f("case_type", Ty::Choice(CASE_TYPES)),
        f("account", Ty::Ref("account")).create_only(),
        f("closed_on", Ty::Date),
        f("resolved_at", Ty::Stamp).read_only(),
        f("description", LONG),
        f("is_active", Ty::Bool(true)),
    ],
    rels: ALL_RELS,
    filters: &[
        Filter::Text("name", &["name"]),
        Filter::Text("search", &["name", "description"]),
        Filter::Exact("status"),
        Filter::Exact("priority"),
        Filter::Exact("case_type"),
        Filter::Exact("account"),
    ],
    list_choices: &[
        ("status", CASE_STATUS),
        ("priority", CASE_PRIORITY),
        ("type_of_case", CASE_TYPES),
    ],
    unique: Some(Unique::AmongVisible("name")),
};

pub static TASK: Kind = Kind {
    name: "task",
    path: "tasks",
    detail_key: "task_obj",
    fields: &[
        f("title", Ty::Text(200)).required(),
        f("status", Ty::Choice(TASK_STATUS)).required(),
        f("priority", Ty::Choice(TASK_PRIORITY)).required(),
        f("due_date", Ty::Date),
        f("description", LONG),
        f("account", Ty::Ref("account")),
        f("opportunity", Ty::Ref("opportunity")),
        f("case", Ty::Ref("case")),
        f("lead", Ty::Ref("lead")),
    ],
    rels: ALL_RELS,
    filters: &[
        Filter::Text("title", &["title"]),
        Filter::Text("search", &["title"]),
        Filter::Exact("status"),
        Filter::Exact("priority"),
        Filter::Range("due_date"),
        Filter::Exact("account"),
        Filter::Exact("opportunity"),
        Filter::Exact("case"),
        Filter::Exact("lead"),
    ],
    list_choices: &[("status", TASK_STATUS), ("priority", TASK_PRIORITY)],
    unique: None,
};

pub static INVOICE: Kind = Kind {
    name: "invoice",
    path: "invoices",
    detail_key: "invoice",
    fields: &[
        f("invoice_number", TEXT).read_only(),
        f("invoice_title", TEXT).read_only(),
        f("status", Ty::Choice(INVOICE_STATUS)).read_only(),
        f("account", Ty::RefId("account")).read_only(),
        f("contact", Ty::RefId("contact")).read_only(),
        f("opportunity", Ty::RefId("opportunity")).read_only(),
        f("client_name", TEXT).read_only(),
        f("issue_date", Ty::Date).read_only(),
        f("due_date", Ty::Date).read_only(),
        f("payment_terms", Ty::Choice(PAYMENT_TERMS)).read_only(),
        f("currency", Ty::Currency).read_only(),
        f("total_amount", Ty::Money).read_only(),
        f("amount_paid", Ty::Money).read_only(),
        f("sent_at", Ty::Stamp).read_only(),
        f("paid_at", Ty::Stamp).read_only(),
        f("cancelled_at", Ty::Stamp).read_only(),
    ],
    rels: &[Rel::AssignedTo, Rel::Teams],
    filters: &[
        Filter::Text(
            "search",
            &["invoice_title", "invoice_number", "client_name"],
        ),
        Filter::Exact("status"),
        Filter::Exact("account"),
        Filter::Exact("contact"),
        Filter::Exact("opportunity"),
        Filter::RangeOne("issue_date"),
        Filter::RangeOne("due_date"),
    ],
    list_choices: &[],
    unique: None,
};

/// Every kind, for tools that walk them all (the OpenAPI document, tests).
pub static KINDS: &[&Kind] = &[&CONTACT, &LEAD, &OPPORTUNITY, &CASE, &TASK, &INVOICE];

/// The label of a choice, or the value itself.
pub fn label(choices: Choices, value: &str) -> &str {
    choices
        .iter()
        .find(|(v, _)| *v == value)
        .map_or(value, |(_, l)| l)
}
