//! The detail pane of any kind of record (drawn from the kind's detail layout) and the thread
//! pane (comments and attachments).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::model::{Attachment, Comment};
use crate::tui::app::App;
use crate::tui::keymap::Action;
use crate::tui::panes::thread::human_bytes;
use crate::tui::panes::{DetailPane, Pane};
use crate::tui::records::{Accounts, RecordKind, Row};
use crate::tui::sanitize;

use super::{ago, when};

fn block<'a>(app: &App, title: String, right: Option<Span<'a>>, focused: bool) -> Block<'a> {
    let t = &app.theme;
    let mut b = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(focused))
        .title(Span::styled(title, t.title()));
    if let Some(r) = right {
        b = b.title_top(Line::from(r).right_aligned());
    }
    b
}

/// Draws the detail pane; returns the furthest it can scroll (`None`: nothing selected).
pub fn draw_detail(frame: &mut Frame, app: &App, area: Rect) -> Option<u16> {
    draw_record::<Accounts>(frame, app, app.selected(), &app.detail, area)
}

/// The detail pane of any kind of record, from the kind's detail layout.
fn draw_record<K: RecordKind>(
    frame: &mut Frame,
    app: &App,
    selected: Option<&K::Row>,
    pane: &DetailPane<K>,
    area: Rect,
) -> Option<u16> {
    let focused = app.pane == Pane::Detail;
    let t = app.theme;
    let width = area.width.saturating_sub(2) as usize;
    let Some(row) = selected else {
        let title = format!(" {} ", capitalized(K::NOUN));
        let b = block(app, title, None, focused);
        frame.render_widget(
            Paragraph::new(Line::styled(" nothing selected", t.dim())).block(b),
            area,
        );
        return None;
    };
    let title = format!(
        " {} ",
        sanitize::fit(&K::title(row), width.saturating_sub(10))
    );
    let badge = K::badge(row, &t);
    let b = block(app, title, badge, focused);
    let detail = pane.get(&row.id());
    let mut lines = K::detail_lines(&app.draw_ctx(), row, detail, width);
    match (detail, &pane.error) {
        (Some(_), _) => {}
        (None, Some((id, e))) if *id == row.id() => {
            lines.push(Line::styled(sanitize::fit(e, width), t.error()))
        }
        (None, _) => lines.push(Line::styled("loading…", t.dim())),
    }
    let inner_h = area.height.saturating_sub(2);
    let max_scroll = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_sub(inner_h);
    frame.render_widget(
        Paragraph::new(lines)
            .block(b)
            .scroll((pane.scroll.min(max_scroll), 0)),
        area,
    );
    Some(max_scroll)
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Draws the thread pane: the selected record's comments, then its attachments.
/// Draws the thread; returns the item shown on each of its visible lines (for the mouse).
pub fn draw_thread(frame: &mut Frame, app: &App, area: Rect) -> Vec<Option<usize>> {
    let focused = app.pane == Pane::Thread;
    let t = app.theme;
    let width = area.width.saturating_sub(2) as usize;
    let thread = app.selected_thread();
    let title = match &thread {
        Some(th) => format!(
            " Comments {} · Files {} ",
            th.comments.len(),
            th.attachments.len()
        ),
        None => " Comments ".to_string(),
    };
    let b = block(app, title, None, focused);
    let Some(thread) = thread else {
        frame.render_widget(Paragraph::new(Line::styled("", t.dim())).block(b), area);
        return Vec::new();
    };
    if thread.is_empty() {
        let hint = Line::from(vec![
            Span::styled("No comments yet. ", t.dim()),
            Span::styled(app.keymap.hint(Action::Comment), t.key()),
            Span::styled(" comments, ", t.dim()),
            Span::styled(app.keymap.hint(Action::Attach), t.key()),
            Span::styled(" attaches a file.", t.dim()),
        ]);
        frame.render_widget(Paragraph::new(hint).block(b), area);
        return Vec::new();
    }
    let cursor = app.thread.cursor.min(thread.len().saturating_sub(1));
    let style = |i: usize| -> Style {
        if i != cursor {
            t.title()
        } else if focused {
            t.selected()
        } else {
            t.selected_unfocused()
        }
    };
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut selected_range = (0usize, 0usize);
    // The item of each line, in step with `lines`.
    let mut items: Vec<Option<usize>> = Vec::new();
    for (i, c) in thread.comments.iter().enumerate() {
        let start = lines.len();
        comment_lines(app, c, width, style(i), &mut lines);
        items.resize(lines.len(), Some(i));
        if i == cursor {
            selected_range = (start, lines.len());
        }
    }
    if !thread.attachments.is_empty() {
        lines.push(Line::styled("Attachments", t.dim()));
        items.push(None);
    }
    for (j, a) in thread.attachments.iter().enumerate() {
        let i = thread.comments.len() + j;
        if i == cursor {
            selected_range = (lines.len(), lines.len() + 1);
        }
        lines.push(attachment_line(app, a, width, style(i)));
        items.push(Some(i));
    }
    // Scroll so that the selected item is in view.
    let h = area.height.saturating_sub(2) as usize;
    let scroll = selected_range.1.saturating_sub(h);
    let scroll = scroll.min(selected_range.0);
    frame.render_widget(
        Paragraph::new(lines)
            .block(b)
            .scroll((scroll.min(u16::MAX as usize) as u16, 0)),
        area,
    );
    items.into_iter().skip(scroll).take(h).collect()
}

/// A comment: who and when (in `head` style), then its text.
fn comment_lines(
    app: &App,
    c: &Comment,
    width: usize,
    head: Style,
    lines: &mut Vec<Line<'static>>,
) {
    let author = c
        .commented_by_user
        .as_ref()
        .map(|u| u.email.split('@').next().unwrap_or(&u.email).to_string())
        .or_else(|| c.commented_by.map(|u| app.user_name(&u)))
        .unwrap_or_else(|| "someone".into());
    let author = if app.is_me(c.commented_by) {
        "you".to_string()
    } else {
        author
    };
    let head_text = format!(
        "{} · {} · {}",
        sanitize::line(&author),
        ago(app.now_utc(), c.commented_on),
        when(app.clock.is_some(), c.commented_on)
    );
    lines.push(Line::styled(
        sanitize::truncate(&head_text, width).into_owned(),
        head,
    ));
    for para in sanitize::lines(&c.comment) {
        for l in sanitize::wrap(&para, width.saturating_sub(2).max(1)) {
            lines.push(Line::raw(format!("  {l}")));
        }
    }
}

/// An attachment on one line: name, size, who, when.
fn attachment_line(app: &App, a: &Attachment, width: usize, style: Style) -> Line<'static> {
    let size = if a.size > 0 {
        format!(" · {}", human_bytes(a.size as u64))
    } else {
        String::new()
    };
    let by = a
        .created_by
        .map(|u| format!(" · {}", app.user_name(&u)))
        .unwrap_or_default();
    let text = format!(
        "📎 {}{size}{by} · {}",
        sanitize::line(&a.file_name),
        ago(app.now_utc(), a.created_on)
    );
    Line::styled(sanitize::truncate(&text, width).into_owned(), style)
}
