//! Leads: open ones to work, closed ones to look back on (converted leads are never listed).

use super::{Tab, View, cell, col, person, value_text};
use crate::client::records::Half;
use crate::model::kinds::LEAD;
use crate::tui::records::ViewId;
use crate::tui::theme::Theme;

pub static VIEW: View = View {
    id: ViewId::Leads,
    kind: &LEAD,
    noun: "lead",
    a_noun: "a lead",
    plural: "leads",
    title: "Leads",
    tabs: &[
        Tab {
            name: "open",
            title: " Open leads ",
            params: &[],
            half: Half::Open,
        },
        Tab {
            name: "closed",
            title: " Closed leads ",
            params: &[],
            half: Half::Closed,
        },
    ],
    columns: &[
        col!("Name", 0, 0, |_, r| name(r)),
        col!("Company", 16, 60, |_, r| cell(r, "company_name")),
        col!(
            "Status",
            10,
            36,
            |_, r| value_text(&LEAD, r, "status"),
            |t: &Theme, r| if r.text("status") == "closed" {
                t.closed()
            } else {
                t.open()
            }
        ),
        col!(
            "Rating",
            6,
            36,
            |_, r| value_text(&LEAD, r, "rating"),
            |t: &Theme, r| if r.text("rating") == "HOT" {
                t.warn()
            } else {
                t.dim()
            }
        ),
        col!("Source", 12, 84, |_, r| value_text(&LEAD, r, "source")),
        col!("Follow-up", 10, 96, |_, r| cell(r, "next_follow_up")),
    ],
    name,
    status: Some("status"),
    summary: &["company_name", "status", "rating"],
    text_filter: "search",
    detail: &[
        "title",
        "company_name",
        "job_title",
        "status",
        "rating",
        "source",
        "email",
        "phone",
        "website",
        "industry",
        "opportunity_amount",
        "probability",
        "close_date",
        "last_contacted",
        "next_follow_up",
        "city",
        "country",
        "description",
    ],
    form: &[
        "first_name",
        "last_name",
        "email",
        "phone",
        "company_name",
        "title",
        "status",
        "source",
        "rating",
        "opportunity_amount",
        "next_follow_up",
        "description",
    ],
    done: &["closed", "converted"],
    one_of: &[],
};

fn name(r: &crate::model::record::Record) -> String {
    person(r, &["title", "company_name", "email"])
}
