//! Contacts: people, at accounts or not.

use super::{Tab, View, cell, col, person};
use crate::client::records::Half;
use crate::model::kinds::CONTACT;
use crate::tui::records::ViewId;

pub static VIEW: View = View {
    id: ViewId::Contacts,
    kind: &CONTACT,
    noun: "contact",
    a_noun: "a contact",
    plural: "contacts",
    title: "Contacts",
    tabs: &[
        Tab {
            name: "active",
            title: " Active contacts ",
            params: &[("is_active", "true")],
            half: Half::Open,
        },
        Tab {
            name: "inactive",
            title: " Inactive contacts ",
            params: &[("is_active", "false")],
            half: Half::Open,
        },
    ],
    columns: &[
        col!("Name", 0, 0, |_, r| person(r, &["email"])),
        col!("Email", 22, 36, |_, r| cell(r, "email")),
        col!("Phone", 14, 60, |_, r| cell(r, "phone")),
        col!("Organization", 14, 76, |_, r| cell(r, "organization")),
        col!("City", 11, 92, |_, r| cell(r, "city")),
    ],
    name: |r| person(r, &["email"]),
    status: None,
    summary: &["title", "email", "phone"],
    text_filter: "search",
    detail: &[
        "title",
        "organization",
        "department",
        "email",
        "phone",
        "linkedin_url",
        "do_not_call",
        "source",
        "address_line",
        "city",
        "state",
        "postcode",
        "country",
        "description",
    ],
    form: &[
        "first_name",
        "last_name",
        "email",
        "phone",
        "title",
        "organization",
        "department",
        "city",
        "country",
        "do_not_call",
        "account",
        "description",
    ],
    done: &[],
    one_of: &[],
};
