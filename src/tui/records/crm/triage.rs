//! One-key triage: what each kind of record can be moved to from where it is (close a case,
//! complete a task, move a deal on, convert a lead, send an invoice…). The first action of a
//! record is what `x` does; `X` offers them all.

use serde_json::{Map, Value, json};

use crate::model::kinds::{CASE_OPEN, STAGES};
use crate::model::record::Record;
use crate::tui::records::ViewId;
use crate::tui::sanitize;

/// What an action sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// `PATCH` these keys.
    Patch(Map<String, Value>),
    /// `POST /api/<r>/{id}/<action>/` with this body.
    Action(&'static str, Map<String, Value>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Triage {
    pub key: char,
    /// For the picker: "close".
    pub label: &'static str,
    /// For the status line once done: "closed".
    pub done: &'static str,
    pub change: Change,
    /// The question asked first, for what cannot be undone.
    pub confirm: Option<String>,
}

fn patch(key: &str, value: &str) -> Change {
    let mut m = Map::new();
    m.insert(key.to_string(), json!(value));
    Change::Patch(m)
}

fn act(key: char, label: &'static str, done: &'static str, change: Change) -> Triage {
    Triage {
        key,
        label,
        done,
        change,
        confirm: None,
    }
}

/// The actions a record offers, the usual one first.
pub fn actions(view: ViewId, r: &Record) -> Vec<Triage> {
    let status = r.text("status");
    let name = |key: &str| sanitize::fit(&r.text(key), 40);
    match view {
        ViewId::Cases if CASE_OPEN.contains(&status.as_str()) => {
            vec![act('c', "close", "closed", patch("status", "Closed"))]
        }
        ViewId::Cases => vec![act('r', "reopen", "reopened", patch("status", "New"))],
        ViewId::Tasks if status == "Completed" => {
            vec![act('r', "reopen", "reopened", patch("status", "New"))]
        }
        ViewId::Tasks => vec![act(
            'c',
            "complete",
            "completed",
            patch("status", "Completed"),
        )],
        ViewId::Opportunities => {
            let stage = r.text("stage");
            let at = STAGES.iter().position(|(s, _)| *s == stage);
            if stage.starts_with("CLOSED_") {
                return vec![act(
                    'r',
                    "reopen",
                    "reopened",
                    patch("stage", "PROSPECTING"),
                )];
            }
            let mut out = Vec::new();
            // The open stages in order; the one after negotiation is a close, chosen apart.
            if let Some((next, _)) = at
                .and_then(|i| STAGES.get(i + 1))
                .filter(|(s, _)| !s.starts_with("CLOSED_"))
            {
                out.push(act('n', "next stage", "moved on", patch("stage", next)));
            }
            out.push(act('w', "close won", "won", patch("stage", "CLOSED_WON")));
            out.push(act(
                'l',
                "close lost",
                "lost",
                patch("stage", "CLOSED_LOST"),
            ));
            out
        }
        ViewId::Leads if status == "converted" => Vec::new(),
        ViewId::Leads => {
            let mut convert = act('v', "convert", "converted", patch("status", "converted"));
            convert.confirm = Some(format!(
                "Convert the lead {:?} into an account, a contact and a deal? This cannot be undone.",
                super::person(r, &["title", "company_name", "email"])
            ));
            let toggle = if status == "closed" {
                act('r', "reopen", "reopened", patch("status", "in process"))
            } else {
                act('c', "close", "closed", patch("status", "closed"))
            };
            vec![convert, toggle]
        }
        ViewId::Invoices => {
            let mut out = Vec::new();
            let number = name("invoice_number");
            if status == "Draft" {
                let mut send = act('s', "send", "sent", Change::Action("send", Map::new()));
                send.confirm = Some(format!(
                    "Mark invoice {number} as sent? A sent invoice cannot go back to draft."
                ));
                out.push(send);
            }
            if !matches!(status.as_str(), "Paid" | "Cancelled" | "Draft") {
                let mut paid = act(
                    'p',
                    "mark paid",
                    "marked paid",
                    Change::Action("mark-paid", Map::new()),
                );
                let due = super::value_text(&crate::model::kinds::INVOICE, r, "amount_due");
                let due = if due.is_empty() {
                    "what is due".to_string()
                } else {
                    due
                };
                paid.confirm = Some(format!(
                    "Record a payment of {due} on invoice {number}? Payments cannot be undone."
                ));
                out.push(paid);
            }
            if !matches!(status.as_str(), "Paid" | "Cancelled") {
                let mut cancel = act(
                    'x',
                    "cancel the invoice",
                    "cancelled",
                    Change::Action("cancel", Map::new()),
                );
                cancel.confirm = Some(format!("Cancel invoice {number}? This cannot be undone."));
                out.push(cancel);
            }
            out
        }
        ViewId::Accounts | ViewId::Contacts => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(v: Value) -> Record {
        match v {
            Value::Object(m) => Record(m),
            _ => Record::default(),
        }
    }

    #[test]
    fn each_kind_offers_its_next_step_first() {
        let open_case = rec(json!({"status": "Pending"}));
        assert_eq!(actions(ViewId::Cases, &open_case)[0].label, "close");
        let closed = rec(json!({"status": "Duplicate"}));
        assert_eq!(actions(ViewId::Cases, &closed)[0].label, "reopen");
        let deal = rec(json!({"stage": "NEGOTIATION"}));
        let labels: Vec<_> = actions(ViewId::Opportunities, &deal)
            .iter()
            .map(|t| t.label)
            .collect();
        assert_eq!(labels, ["close won", "close lost"]);
        let early = rec(json!({"stage": "PROSPECTING"}));
        assert_eq!(
            actions(ViewId::Opportunities, &early)[0].change,
            patch("stage", "QUALIFICATION")
        );
        let lead = rec(json!({"status": "assigned", "first_name": "Ann"}));
        assert!(actions(ViewId::Leads, &lead)[0].confirm.is_some());
        let paid = rec(json!({"status": "Paid"}));
        assert!(actions(ViewId::Invoices, &paid).is_empty());
        let draft = rec(json!({"status": "Draft"}));
        let keys: Vec<_> = actions(ViewId::Invoices, &draft)
            .iter()
            .map(|t| t.key)
            .collect();
        assert_eq!(keys, ['s', 'x']);
    }
}
