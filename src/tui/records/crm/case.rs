//! Cases: the support queue. Open ones (new, assigned, pending) first.

use super::{Tab, View, cell, col, value_text};
use crate::client::records::Half;
use crate::model::kinds::CASE;
use crate::model::record::Record;
use crate::tui::records::ViewId;
use crate::tui::theme::Theme;

pub static VIEW: View = View {
    id: ViewId::Cases,
    kind: &CASE,
    noun: "case",
    a_noun: "a case",
    plural: "cases",
    title: "Cases",
    tabs: &[
        Tab {
            name: "open",
            title: " Open cases ",
            params: &[("status", "New,Assigned,Pending")],
            half: Half::Open,
        },
        Tab {
            name: "all",
            title: " All cases ",
            params: &[],
            half: Half::Open,
        },
    ],
    columns: &[
        col!("Name", 0, 0, |_, r| cell(r, "name")),
        col!(
            "Status",
            9,
            36,
            |_, r| value_text(&CASE, r, "status"),
            |t: &Theme, r: &Record| if super::CASE_DONE.contains(&r.text("status").as_str()) {
                t.closed()
            } else {
                t.open()
            }
        ),
        col!(
            "Priority",
            8,
            36,
            |_, r| value_text(&CASE, r, "priority"),
            |t: &Theme, r: &Record| match r.text("priority").as_str() {
                "Urgent" => t.error(),
                "High" => t.warn(),
                _ => t.dim(),
            }
        ),
        col!("Type", 9, 62, |_, r| value_text(&CASE, r, "case_type")),
        col!("Account", 16, 84, |_, r| cell(r, "account")),
    ],
    name: |r| cell(r, "name"),
    status: Some("status"),
    summary: &["status", "priority"],
    text_filter: "search",
    detail: &[
        "account",
        "status",
        "priority",
        "case_type",
        "closed_on",
        "resolved_at",
        "description",
    ],
    form: &[
        "name",
        "account",
        "status",
        "priority",
        "case_type",
        "description",
    ],
    done: super::CASE_DONE,
    one_of: &[],
};
