//! Opportunities (deals): the open pipeline, then every deal.

use super::{Tab, View, cell, col, value_text};
use crate::client::records::Half;
use crate::model::kinds::OPPORTUNITY;
use crate::model::record::Record;
use crate::tui::records::ViewId;
use crate::tui::theme::Theme;

pub static VIEW: View = View {
    id: ViewId::Opportunities,
    kind: &OPPORTUNITY,
    noun: "deal",
    a_noun: "a deal",
    plural: "deals",
    title: "Deals",
    tabs: &[
        Tab {
            name: "open",
            title: " Open deals ",
            params: &[("open", "true")],
            half: Half::Open,
        },
        Tab {
            name: "all",
            title: " All deals ",
            params: &[],
            half: Half::Open,
        },
    ],
    columns: &[
        col!("Name", 0, 0, |_, r| cell(r, "name")),
        col!(
            "Stage",
            13,
            36,
            |_, r| value_text(&OPPORTUNITY, r, "stage"),
            stage_style
        ),
        col!("Amount", 15, 54, |_, r| value_text(
            &OPPORTUNITY,
            r,
            "amount"
        )),
        col!("Prob", 4, 62, |_, r| value_text(
            &OPPORTUNITY,
            r,
            "probability"
        )),
        col!("Close", 10, 76, |_, r| cell(r, "closed_on")),
        col!("Account", 16, 96, |_, r| cell(r, "account")),
    ],
    name: |r| cell(r, "name"),
    status: Some("stage"),
    summary: &["stage", "amount", "probability"],
    text_filter: "name",
    detail: &[
        "account",
        "stage",
        "opportunity_type",
        "amount",
        "probability",
        "closed_on",
        "lead_source",
        "stage_changed_at",
        "description",
    ],
    form: &[
        "name",
        "account",
        "stage",
        "opportunity_type",
        "amount",
        "currency",
        "probability",
        "closed_on",
        "lead_source",
        "description",
    ],
    done: &["CLOSED_WON", "CLOSED_LOST"],
    one_of: &[],
};

fn stage_style(t: &Theme, r: &Record) -> ratatui::style::Style {
    match r.text("stage").as_str() {
        "CLOSED_WON" => t.ok(),
        "CLOSED_LOST" => t.closed(),
        _ => t.open(),
    }
}
