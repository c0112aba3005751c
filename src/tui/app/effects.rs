//! What reaches outside the app through the terminal: copying (`y`, OSC 52), opening links
//! (`o`) and the external editor (`ctrl-e`). The app only decides and queues an
//! [`Effect`]; the runtime, which owns the terminal, does it.

use super::App;
use crate::tui::clipboard;
use crate::tui::msg::Effect;
use crate::tui::overlay::form::Form;
use crate::tui::overlay::pick::{Choice, Pick, Verb};
use crate::tui::overlay::{FormKind, Overlay};
use crate::tui::panes::{Pane, ThreadItem};
use crate::tui::records::account;
use crate::tui::sanitize;

impl App {
    /// `y`: in the thread, the selected comment (or file name); elsewhere a choice of the
    /// record's values.
    pub(super) fn copy(&mut self) {
        if self.pane == Pane::Thread {
            let item = match self.thread_item() {
                Some(ThreadItem::Comment(c)) => Some(("the comment", c.comment.clone())),
                Some(ThreadItem::Attachment(a)) => Some(("the file name", a.file_name.clone())),
                None => None,
            };
            match item {
                Some((what, text)) => self.copy_text(what, text),
                None => self.warn("nothing selected to copy"),
            }
            return;
        }
        let Some(a) = self.selected() else {
            self.warn("nothing selected to copy");
            return;
        };
        let choices = account::copy_choices(a);
        self.overlay = Some(Overlay::Pick(Pick {
            verb: Verb::Copy,
            choices,
        }));
    }

    /// `o` on an attachment: with a local display, downloaded to a private temp dir and opened;
    /// over SSH its link is copied.
    fn open_attachment(&mut self, link: String, file_name: String) {
        if self.desktop {
            let cmd = crate::tui::msg::Cmd::OpenAttachment { link, file_name };
            let req = self.requests.send(
                cmd,
                "downloading to open",
                crate::tui::requests::Purpose::Transfer,
            );
            self.open_after = Some(req);
            return;
        }
        let base = self
            .ready
            .as_ref()
            .map(|r| r.base_url.clone())
            .unwrap_or_default();
        let url = match url::Url::parse(&base).and_then(|b| b.join(&link)) {
            Ok(u) => u.to_string(),
            Err(_) => link,
        };
        self.open_url("the file's link (it needs your sign-in)", url);
    }

    /// `o`: the website or the email of the record, straight away when there is only one; in
    /// the comments pane, the selected attachment.
    pub(super) fn open_link(&mut self) {
        if self.pane == Pane::Thread {
            match self.thread_item() {
                Some(ThreadItem::Attachment(a)) => {
                    let link = if a.attachment.is_empty() {
                        format!("api/accounts/attachment/{}/", a.id)
                    } else {
                        a.attachment.clone()
                    };
                    let name = a.file_name.clone();
                    self.open_attachment(link, name);
                }
                _ => self.warn("select an attachment to open it"),
            }
            return;
        }
        let Some(a) = self.selected() else {
            self.warn("nothing selected to open");
            return;
        };
        let mut choices = account::open_choices(a);
        match choices.len() {
            0 => self.warn("this account has no website or email to open"),
            1 => {
                let only = choices.remove(0);
                self.picked(Verb::Open, only);
            }
            _ => {
                self.overlay = Some(Overlay::Pick(Pick {
                    verb: Verb::Open,
                    choices,
                }));
            }
        }
    }

    pub(super) fn picked(&mut self, verb: Verb, choice: Choice) {
        match verb {
            Verb::Copy => self.copy_text(choice.label, choice.value),
            Verb::Open => self.open_url(choice.label, choice.value),
            Verb::Triage => self.triage_picked(&choice.value),
        }
    }

    /// Copies a record's id.
    pub(super) fn copy_id(&mut self, id: uuid::Uuid) {
        self.copy_text("the id", id.to_string());
    }

    /// Puts `text` on the clipboard and says what was copied.
    fn copy_text(&mut self, what: &str, text: String) {
        if !self.clipboard {
            self.warn("the clipboard is off ([ui] clipboard = \"off\" in the config)");
            return;
        }
        if text.trim().is_empty() {
            self.warn(format!("{what} is empty: nothing copied"));
            return;
        }
        if text.len() > clipboard::MAX_BYTES {
            self.warn(format!(
                "{what} is too long for the terminal's clipboard ({} bytes)",
                text.len()
            ));
            return;
        }
        let first = text.lines().next().unwrap_or_default();
        self.info(format!("copied {what}: {}", sanitize::fit(first, 48)));
        self.effects.push(Effect::Copy(text));
    }

    /// Opens `url` with the desktop's opener; without a local display (over SSH) copies it.
    fn open_url(&mut self, what: &str, url: String) {
        let shown = sanitize::fit(&url, 48);
        if self.desktop {
            self.info(format!("opening {what}: {shown}"));
            self.effects.push(Effect::Open(url));
        } else if self.clipboard {
            self.info(format!("no local display: copied {what} instead: {shown}"));
            self.effects.push(Effect::Copy(url));
        } else {
            self.warn(format!(
                "no local display and the clipboard is off: {shown}"
            ));
        }
    }

    /// `ctrl-e` in a comment or mail: the long text goes to `$EDITOR`; the form stays open and
    /// gets the text back ([`App::on_edited`]).
    pub(super) fn external_editor(&mut self, kind: FormKind, mut form: Box<Form>) {
        if form.focus_long_text() {
            let text = form.focused().map(|f| f.value()).unwrap_or_default();
            self.effects.push(Effect::Edit(text));
        }
        self.overlay = Some(Overlay::Form(kind, form));
    }

    /// The external editor is done.
    pub(super) fn on_edited(&mut self, result: Result<String, String>) {
        match (result, &mut self.overlay) {
            (Ok(text), Some(Overlay::Form(_, form))) => {
                form.set_focused_value(&text);
                self.info("text taken from the editor");
            }
            (Ok(_), _) => self.warn("the editor is done, but its form was closed"),
            (Err(e), _) => self.warn(format!("{e}; the draft is unchanged")),
        }
    }
}
