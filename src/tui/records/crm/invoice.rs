//! Invoices: read here, sent and paid with triage actions (never created or edited).

use super::{Tab, View, cell, col, value_text};
use crate::client::records::Half;
use crate::model::kinds::INVOICE;
use crate::model::record::Record;
use crate::tui::records::ViewId;
use crate::tui::theme::Theme;

pub static VIEW: View = View {
    id: ViewId::Invoices,
    kind: &INVOICE,
    noun: "invoice",
    a_noun: "an invoice",
    plural: "invoices",
    title: "Invoices",
    tabs: &[
        Tab {
            name: "unpaid",
            title: " Unpaid invoices ",
            params: &[("status", "Draft,Sent,Viewed,Partially_Paid,Overdue,Pending")],
            half: Half::Open,
        },
        Tab {
            name: "all",
            title: " All invoices ",
            params: &[],
            half: Half::Open,
        },
    ],
    columns: &[
        col!("Number", 16, 0, |_, r| cell(r, "invoice_number")),
        col!("Title", 0, 0, |_, r| name(r)),
        col!(
            "Status",
            14,
            60,
            |_, r| value_text(&INVOICE, r, "status"),
            |t: &Theme, r: &Record| match r.text("status").as_str() {
                "Paid" | "Cancelled" => t.closed(),
                "Overdue" => t.error(),
                _ => t.open(),
            }
        ),
        col!("Total", 16, 60, |_, r| value_text(
            &INVOICE,
            r,
            "total_amount"
        )),
        col!("Due", 10, 76, |_, r| cell(r, "due_date")),
        col!("Client", 16, 96, |_, r| cell(r, "client_name")),
    ],
    name,
    status: Some("status"),
    summary: &["invoice_number", "status", "total_amount"],
    text_filter: "search",
    detail: &[
        "invoice_number",
        "status",
        "client_name",
        "issue_date",
        "due_date",
        "payment_terms",
        "total_amount",
        "amount_paid",
        "amount_due",
        "sent_at",
        "paid_at",
        "cancelled_at",
    ],
    form: &[],
    done: &["Paid", "Cancelled"],
    one_of: &[],
};

fn name(r: &Record) -> String {
    let title = cell(r, "invoice_title");
    if title.is_empty() {
        cell(r, "invoice_number")
    } else {
        title
    }
}
