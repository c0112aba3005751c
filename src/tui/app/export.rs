//! `:export PATH`: the filtered list, every page, to a CSV or JSON file (the worker fetches and
//! writes it, see [`crate::tui::export`]); progress in the status line, `Esc` cancels, an existing
//! file is replaced only after a yes.

use std::path::PathBuf;

use super::App;
use super::views::Screen;
use crate::tui::keymap::Action;
use crate::tui::msg::{Cmd, ExportFormat, ExportJob, ExportSource, ReqId, TaskError};
use crate::tui::overlay::{Confirm, Overlay};
use crate::tui::panes::thread::{expand_home, human_bytes};
use crate::tui::records::ViewId;
use crate::tui::requests::Purpose;
use crate::tui::sanitize;

/// Rows per request while exporting: fewer round trips than the list's pages.
const EXPORT_PAGE: usize = 500;

impl App {
    /// `:export PATH`.
    pub(super) fn export(&mut self, raw: &str) {
        let raw = raw.trim();
        if raw.is_empty() {
            self.error(":export PATH.csv or PATH.json");
            return;
        }
        self.export_to(expand_home(raw), false);
    }

    pub(super) fn export_to(&mut self, path: PathBuf, overwrite: bool) {
        let shown = sanitize::fit(&path.display().to_string(), 40);
        let Some(format) = ExportFormat::from_path(&path) else {
            self.error(format!(
                ":export {shown}: the name must end in .csv or .json"
            ));
            return;
        };
        if self.requests.export().is_some() {
            let esc = self.keymap.hint(Action::Back);
            self.warn(format!("an export is running ({esc} cancels it)"));
            return;
        }
        if !self.live() {
            self.error("cannot export: not connected");
            return;
        }
        let source = match self.screen {
            Screen::List(ViewId::Accounts) => ExportSource::Accounts {
                filter: self.list.filter.clone(),
                tab: self.list.tab,
            },
            Screen::List(view) => {
                let Some(panes) = self.record_panes(view) else {
                    self.error("cannot export: this list is not loaded");
                    return;
                };
                let list = &panes.list;
                let (params, half) = list.kind.list_query(&list.filter, list.tab);
                ExportSource::Records { view, half, params }
            }
            Screen::Dashboard => {
                self.error(":export writes a list: open one first (:accounts, :cases…)");
                return;
            }
        };
        let job = ExportJob {
            path,
            format,
            source,
            limit: EXPORT_PAGE,
            overwrite,
        };
        self.requests
            .send(Cmd::Export(Box::new(job)), "exporting", Purpose::Export);
        self.progress(format!("exporting to {shown}…"));
    }

    /// `Esc` with an export running stops it; `true` if there was one.
    pub(super) fn cancel_export(&mut self) -> bool {
        let Some(req) = self.requests.export() else {
            return false;
        };
        self.requests.finish(req);
        self.requests.notify(Cmd::Cancel { req });
        self.info("export cancelled; nothing was written");
        true
    }

    /// `Esc` during a download or an upload: it stops, and leaves no file behind.
    pub(super) fn cancel_transfer(&mut self) -> bool {
        let Some(req) = self.requests.transfer() else {
            return false;
        };
        self.requests.finish(req);
        self.requests.notify(Cmd::Cancel { req });
        self.transfer_started = None;
        if let Some(Overlay::Form(_, form)) = &mut self.overlay
            && form.pending == Some(req)
        {
            self.overlay = None;
        }
        self.info("transfer cancelled; nothing was kept");
        true
    }

    /// A download or upload moved on: bytes, total and rate in the status line.
    pub(super) fn on_transfer(&mut self, req: ReqId, done: u64, total: Option<u64>) {
        if !self.requests.contains(req) {
            return;
        }
        let started = *self.transfer_started.get_or_insert(self.now);
        let secs = self.now.saturating_duration_since(started).as_secs_f64();
        let rate = if secs > 0.2 {
            format!(" · {}/s", human_bytes((done as f64 / secs) as u64))
        } else {
            String::new()
        };
        let of = total.map_or(String::new(), |t| format!(" of {}", human_bytes(t)));
        let esc = self.keymap.hint(Action::Back);
        let what = self.requests.get(req).map_or("transferring", |r| r.label);
        self.progress(format!(
            "{what}: {}{of}{rate} · {esc} cancels",
            human_bytes(done)
        ));
    }

    pub(super) fn on_export_progress(&mut self, req: ReqId, done: usize, total: usize) {
        if self.requests.contains(req) {
            let esc = self.keymap.hint(Action::Back);
            self.progress(format!("exporting: {done}/{total} rows · {esc} cancels"));
        }
    }

    pub(super) fn on_exported(
        &mut self,
        req: ReqId,
        path: PathBuf,
        result: Result<usize, TaskError>,
    ) {
        // Cancelled: whatever comes now is not news.
        if self.requests.finish(req).is_none() {
            return;
        }
        let shown = sanitize::fit(&path.display().to_string(), 40);
        match result {
            Ok(n) => {
                let rows = if n == 1 { "row" } else { "rows" };
                self.info(format!("exported {n} {rows} to {shown}"));
            }
            Err(TaskError::Field(e)) if e.is_exists() => {
                self.status = None;
                self.overlay = Some(Overlay::Confirm {
                    text: format!("{shown} exists. Replace it?"),
                    what: Confirm::ReplaceExport(path),
                });
            }
            Err(TaskError::Field(e)) => self.error(format!("cannot export to {shown}: {e}")),
            Err(TaskError::Client(e)) => self.failed("exporting", &e),
        }
    }
}
