//! Tasks: what is still to do, then everything.

use super::{Tab, View, cell, col, value_text};
use crate::client::records::Half;
use crate::model::kinds::TASK;
use crate::model::record::Record;
use crate::tui::records::ViewId;
use crate::tui::theme::Theme;

pub static VIEW: View = View {
    id: ViewId::Tasks,
    kind: &TASK,
    noun: "task",
    a_noun: "a task",
    plural: "tasks",
    title: "Tasks",
    tabs: &[
        Tab {
            name: "to do",
            title: " Tasks to do ",
            params: &[("status", "New,In Progress")],
            half: Half::Open,
        },
        Tab {
            name: "all",
            title: " All tasks ",
            params: &[],
            half: Half::Open,
        },
    ],
    columns: &[
        col!("Title", 0, 0, |_, r| cell(r, "title")),
        col!(
            "Status",
            11,
            60,
            |_, r| value_text(&TASK, r, "status"),
            |t: &Theme, r: &Record| if r.text("status") == "Completed" {
                t.closed()
            } else {
                t.open()
            }
        ),
        col!(
            "Priority",
            8,
            36,
            |_, r| value_text(&TASK, r, "priority"),
            |t: &Theme, r: &Record| if r.text("priority") == "High" {
                t.warn()
            } else {
                t.dim()
            }
        ),
        col!("Due", 10, 36, |_, r| cell(r, "due_date")),
        col!("For", 18, 84, |_, r| parent(r)),
    ],
    name: |r| cell(r, "title"),
    status: Some("status"),
    summary: &["status", "priority", "due_date"],
    text_filter: "search",
    detail: &[
        "status",
        "priority",
        "due_date",
        "account",
        "opportunity",
        "case",
        "lead",
        "description",
    ],
    form: &[
        "title",
        "status",
        "priority",
        "due_date",
        "account",
        "case",
        "description",
    ],
    done: &["Completed"],
    one_of: &["account", "case"],
};

/// The record the task hangs off, by name.
fn parent(r: &Record) -> String {
    ["account", "opportunity", "case", "lead"]
        .iter()
        .map(|k| cell(r, k))
        .find(|v| !v.is_empty())
        .unwrap_or_default()
}
