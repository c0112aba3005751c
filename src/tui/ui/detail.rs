//! The detail pane of any kind of record (drawn from the kind's detail layout) and the thread
//! pane (comments and attachments).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::model::{Attachment, Comment};
use crate::tui::app::App;
use crate::tui::app::views::{shown_id, shown_row};
use crate::tui::keymap::Action;
use crate::tui::panes::thread::human_bytes;
use crate::tui::panes::{DetailPane, ListPane, Pane};
use crate::tui::records::{Link, RecordKind, Row, ViewId};
use crate::tui::sanitize;

use super::{ago, thousands, when};

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

/// How a detail pane was drawn: the furthest it can scroll, and the scroll it used (moved to
/// keep the selected link in view).
pub struct DetailDrawn {
    pub max_scroll: u16,
    pub scroll: u16,
}

/// Draws the detail pane of the view on screen (`None`: nothing shown).
pub fn draw_detail(frame: &mut Frame, app: &App, area: Rect) -> Option<DetailDrawn> {
    match app.view() {
        Some(ViewId::Accounts) => draw_record(frame, app, &app.list, &app.detail, area),
        Some(v) => {
            let p = app.record_panes(v)?;
            draw_record(frame, app, &p.list, &p.detail, area)
        }
        None => None,
    }
}

/// The detail pane of any kind of record, from the kind's detail layout, then its links as
/// rows to open.
fn draw_record<K: RecordKind>(
    frame: &mut Frame,
    app: &App,
    list: &ListPane<K>,
    pane: &DetailPane<K>,
    area: Rect,
) -> Option<DetailDrawn> {
    let focused = app.pane == Pane::Detail;
    let t = app.theme;
    let width = area.width.saturating_sub(2) as usize;
    let shown = shown_id(list, pane);
    let Some(row) = shown_row(list, pane) else {
        let title = format!(" {} ", sanitize::capitalized(pane.kind.noun()));
        let b = block(app, title, None, focused);
        let text = match (shown, &pane.error) {
            (Some(id), Some((e_id, e))) if id == *e_id => {
                Line::styled(sanitize::fit(e, width), t.error())
            }
            (Some(_), _) => Line::styled(" loading…", t.dim()),
            (None, _) => Line::styled(" nothing selected", t.dim()),
        };
        frame.render_widget(Paragraph::new(text).block(b), area);
        return None;
    };
    let badge = pane.kind.badge(row, &t);
    // The title gives way to the badge, with a column between them.
    let badge_w = badge.as_ref().map_or(0, |b| b.width() + 1);
    let title = format!(
        " {} ",
        sanitize::fit(&pane.kind.title(row), width.saturating_sub(badge_w + 4))
    );
    let b = block(app, title, badge, focused);
    let detail = pane.get(&row.id());
    let mut lines = pane.kind.detail_lines(&app.draw_ctx(), row, detail, width);
    match (detail, &pane.error) {
        (Some(_), _) => {}
        (None, Some((id, e))) if *id == row.id() => {
            lines.push(Line::styled(sanitize::fit(e, width), t.error()))
        }
        (None, _) => lines.push(Line::styled("loading…", t.dim())),
    }
    let mut selected_line = None;
    if let Some(d) = detail {
        let links = pane.kind.links(d);
        let cursor = pane.link_active.then_some(pane.link);
        selected_line = link_lines(app, &links, cursor, focused, width, &mut lines);
    }
    let inner_h = area.height.saturating_sub(2);
    let max_scroll = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_sub(inner_h);
    let mut scroll = pane.scroll.min(max_scroll);
    if let Some(at) = selected_line.filter(|_| focused) {
        let at = u16::try_from(at).unwrap_or(u16::MAX);
        // Keep the selected link in view, its heading too when it is the first.
        if at < scroll {
            scroll = at.saturating_sub(1);
        } else if inner_h > 0 && at >= scroll + inner_h {
            scroll = at + 1 - inner_h;
        }
    }
    frame.render_widget(Paragraph::new(lines).block(b).scroll((scroll, 0)), area);
    Some(DetailDrawn { max_scroll, scroll })
}

/// The links under their headings, the selected one marked; returns its line.
pub(super) fn link_lines(
    app: &App,
    links: &[Link],
    cursor: Option<usize>,
    focused: bool,
    width: usize,
    lines: &mut Vec<Line<'static>>,
) -> Option<usize> {
    let headings = Headings {
        spaced: true,
        totals: &[],
    };
    link_lines_spaced(app, links, cursor, focused, width, headings, lines)
}

/// How [`link_lines_spaced`] heads its sections.
pub(super) struct Headings<'a> {
    /// A blank line above each heading.
    pub spaced: bool,
    /// How many records a section has in all, by heading, where it shows only the first.
    pub totals: &'a [(&'static str, i64)],
}

/// [`link_lines`], headed as `headings` says.
pub(super) fn link_lines_spaced(
    app: &App,
    links: &[Link],
    cursor: Option<usize>,
    focused: bool,
    width: usize,
    headings: Headings<'_>,
    lines: &mut Vec<Line<'static>>,
) -> Option<usize> {
    let t = app.theme;
    let mut selected = None;
    let mut section = "";
    for (i, l) in links.iter().enumerate() {
        if l.section != section {
            section = l.section;
            let n = links.iter().filter(|x| x.section == section).count();
            if headings.spaced {
                lines.push(Line::raw(""));
            }
            let heading = match headings.totals.iter().find(|(h, _)| *h == section) {
                Some(&(_, total)) if total > n as i64 => {
                    format!("{section} ({n} of {})", thousands(total))
                }
                _ => format!("{section} ({n})"),
            };
            lines.push(Line::styled(heading, t.title()));
        }
        let is = cursor.is_some_and(|c| i == c.min(links.len().saturating_sub(1)));
        let marker = if is && focused { "▶ " } else { "  " };
        let text = sanitize::truncate(&format!("{marker}{}", l.text), width).into_owned();
        let style = match (is, focused) {
            (true, true) => t.selected(),
            (true, false) => t.selected_unfocused(),
            _ => Style::default(),
        };
        if is {
            selected = Some(lines.len());
        }
        lines.push(Line::styled(text, style));
    }
    selected
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
        frame.render_widget(
            Paragraph::new(hint)
                .block(b)
                .wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
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
        // A case's internal notes come after its comments, under their own heading.
        if c.is_internal == Some(true)
            && (i == 0 || thread.comments[i - 1].is_internal != Some(true))
        {
            lines.push(Line::styled("🔒 Internal notes (staff only)", t.warn()));
            items.push(None);
        }
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
