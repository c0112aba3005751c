//! The mouse (`[ui] mouse = true`): the wheel scrolls the pane under the pointer, a click
//! focuses the pane and selects the list row or the thread item under it. Where things are
//! comes from the layout of the last frame drawn, so a click means what the user saw.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::App;
use crate::tui::panes::Pane;

/// Rows per wheel notch.
const WHEEL_ROWS: isize = 3;

impl App {
    pub fn on_mouse(&mut self, ev: MouseEvent) {
        // Off, or an overlay has the keys: a stray click must not act behind it.
        if !self.mouse || self.overlay.is_some() {
            return;
        }
        let Some(pane) = self.layout.pane_at(ev.column, ev.row) else {
            return;
        };
        match ev.kind {
            MouseEventKind::ScrollDown => self.scroll_pane(pane, WHEEL_ROWS),
            MouseEventKind::ScrollUp => self.scroll_pane(pane, -WHEEL_ROWS),
            MouseEventKind::Down(MouseButton::Left) => {
                self.pane = pane;
                if pane == Pane::List
                    && let Some(row) = self.layout.list_row_at(ev.column, ev.row)
                    && row < self.total()
                {
                    self.set_cursor(row);
                }
                if pane == Pane::Thread
                    && let Some(item) = self.layout.thread_item_at(ev.column, ev.row)
                {
                    self.select_thread_item(item);
                }
            }
            _ => return,
        }
        self.dirty = true;
    }

    /// Scrolls `pane` (not necessarily the focused one) by `delta` rows.
    fn scroll_pane(&mut self, pane: Pane, delta: isize) {
        match pane {
            Pane::List => {
                let (list, mut io) = self.list_io();
                let changed = list.move_by(delta, &mut io);
                self.after_move(changed);
            }
            Pane::Detail => self.detail.scroll_by(delta),
            Pane::Thread => {
                let len = self.thread_len();
                self.thread.move_by(delta, len);
            }
        }
    }
}
