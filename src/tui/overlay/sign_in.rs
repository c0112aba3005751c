//! The sign-in form, at start-up without a session or when the session died.

use super::form::{Field, FieldKind, Form};
use crate::tui::keymap::{Action, Keymap};
use crate::tui::msg::Ready;

pub fn form(ready: Option<&Ready>, keymap: &Keymap) -> Form {
    let email = ready
        .and_then(|r| r.user.as_ref().map(|u| u.1.clone()))
        .unwrap_or_default();
    let server = ready.map(|r| r.server.as_str()).unwrap_or("the server");
    let mut form = Form::new(
        format!("Sign in to {server}"),
        vec![
            Field::new("email", "Email", FieldKind::Line, &email),
            Field::new("password", "Password", FieldKind::Secret, ""),
        ],
    )
    .with_note(if ready.is_some_and(|r| r.needs_sign_in) {
        format!(
            "{} sign in · {} quits",
            keymap.hint(Action::Submit),
            keymap.hint(Action::Cancel)
        )
    } else {
        "the screen stays as it is; you continue where you were".to_string()
    });
    if !email.is_empty() {
        form.focus_key("password");
    }
    form
}
