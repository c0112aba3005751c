//! Drawing. `draw` reads the app state and changes nothing: it returns the [`ScreenLayout`] it
//! used (how many list rows fit, how far the detail and help can scroll), and the runtime feeds
//! that back with [`App::on_layout`]. Every screen can be snapshot-tested on a `TestBackend`.

mod dashboard;
mod detail;
mod list;
mod overlay;

pub use list::visible_scroll;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::views::Screen;
use super::app::{App, Level, Link};
use super::keymap::Action;
use super::panes::ListPane;
use super::panes::Pane;
use super::records::crm::RecordFilter;
use super::records::{RecordKind, ViewId, account};
use super::sanitize;

pub const SPINNER: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Below this the panes stack into one (the focused one).
const SPLIT_MIN_WIDTH: u16 = 72;

/// The sizes a frame was drawn with, for the state to follow (see [`App::on_layout`]). `None`:
/// that part was not drawn.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreenLayout {
    /// Rows of the list shown at once.
    pub list_rows: Option<usize>,
    /// The furthest the detail pane can scroll.
    pub detail_max_scroll: Option<u16>,
    /// The scroll the detail pane was drawn with (it follows the selected link).
    pub detail_scroll: Option<u16>,
    /// The furthest the help can scroll.
    pub help_max_scroll: Option<u16>,
    /// Where each pane was drawn (for the mouse); `None`: not on screen.
    pub list_area: Option<Rect>,
    pub detail_area: Option<Rect>,
    pub thread_area: Option<Rect>,
    /// The list's rows: the screen row of the first one and the list row it shows.
    pub list_rows_at: Option<(u16, usize)>,
    /// The thread's item on each of its visible lines (`None`: a heading).
    pub thread_lines: Vec<Option<usize>>,
}

impl ScreenLayout {
    /// The pane drawn at a screen cell.
    pub fn pane_at(&self, column: u16, row: u16) -> Option<Pane> {
        let pos = ratatui::layout::Position::new(column, row);
        [
            (Pane::List, self.list_area),
            (Pane::Detail, self.detail_area),
            (Pane::Thread, self.thread_area),
        ]
        .into_iter()
        .find(|(_, r)| r.is_some_and(|r| r.contains(pos)))
        .map(|(p, _)| p)
    }

    /// The thread item drawn at a screen cell.
    pub fn thread_item_at(&self, column: u16, y: u16) -> Option<usize> {
        let area = self.thread_area?;
        let inside = column > area.x && column + 1 < area.x + area.width;
        let line = usize::from(y.checked_sub(area.y + 1)?);
        if !inside {
            return None;
        }
        self.thread_lines.get(line).copied().flatten()
    }

    /// The list row drawn at screen row `y`, if a row of the list is there.
    pub fn list_row_at(&self, column: u16, y: u16) -> Option<usize> {
        let area = self.list_area?;
        let (first_y, first_row) = self.list_rows_at?;
        let last_y = area.y + area.height.saturating_sub(1);
        let inside = column > area.x && column + 1 < area.x + area.width;
        (inside && y >= first_y && y < last_y).then(|| first_row + usize::from(y - first_y))
    }
}

pub fn draw(frame: &mut Frame, app: &App) -> ScreenLayout {
    let mut layout = ScreenLayout::default();
    let area = frame.area();
    if area.width < 24 || area.height < 6 {
        let text = sanitize::truncate("crmtui: window too small", area.width as usize).into_owned();
        frame.render_widget(Paragraph::new(text), area);
        layout.list_rows = Some(1);
        return layout;
    }
    let two_status_rows = area.height >= 12;
    let [header, filter_bar, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(if two_status_rows { 2 } else { 1 }),
    ])
    .areas(area);

    draw_header(frame, app, header);
    draw_filter_bar(frame, app, filter_bar);

    if app.screen == Screen::Dashboard {
        layout.detail_area = Some(body);
        dashboard::draw(frame, app, body);
    } else if area.width >= SPLIT_MIN_WIDTH {
        let list_pct = if area.width >= 120 { 55 } else { 52 };
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(list_pct), Constraint::Fill(1)]).areas(body);
        // In u32: `height * 11` overflows u16 on very tall terminals.
        let detail_rows = u16::try_from(u32::from(right.height) * 11 / 20)
            .unwrap_or(u16::MAX)
            .max(6);
        let [top, bottom] =
            Layout::vertical([Constraint::Length(detail_rows), Constraint::Fill(1)]).areas(right);
        draw_list(frame, app, left, &mut layout);
        detail_drawn(&mut layout, detail::draw_detail(frame, app, top));
        layout.detail_area = Some(top);
        layout.thread_lines = detail::draw_thread(frame, app, bottom);
        layout.thread_area = Some(bottom);
    } else {
        match app.pane {
            Pane::List => draw_list(frame, app, body, &mut layout),
            Pane::Detail => {
                detail_drawn(&mut layout, detail::draw_detail(frame, app, body));
                layout.detail_area = Some(body);
            }
            Pane::Thread => {
                layout.thread_lines = detail::draw_thread(frame, app, body);
                layout.thread_area = Some(body);
            }
        }
    }
    draw_status(frame, app, status);
    layout.help_max_scroll = overlay::draw(frame, app, area, filter_bar, status);
    layout
}

fn detail_drawn(layout: &mut ScreenLayout, drawn: Option<detail::DetailDrawn>) {
    if let Some(d) = drawn {
        layout.detail_max_scroll = Some(d.max_scroll);
        layout.detail_scroll = Some(d.scroll);
    }
}

/// The list of the view on screen, and where its rows went.
fn draw_list(frame: &mut Frame, app: &App, area: Rect, layout: &mut ScreenLayout) {
    match app.view() {
        Some(ViewId::Accounts) => draw_list_of(frame, app, &app.list, area, layout),
        Some(v) => {
            if let Some(p) = app.record_panes(v) {
                draw_list_of(frame, app, &p.list, area, layout);
            }
        }
        None => {}
    }
}

fn draw_list_of<K: RecordKind>(
    frame: &mut Frame,
    app: &App,
    pane: &ListPane<K>,
    area: Rect,
    layout: &mut ScreenLayout,
) {
    let rows = list::draw(frame, app, pane, area, !app.detail_focused_elsewhere());
    layout.list_rows = Some(rows);
    layout.list_area = Some(area);
    // Inside the border, under the header row; scrolled as the draw scrolled it.
    let scroll = visible_scroll(pane.scroll, pane.cursor(), rows);
    layout.list_rows_at = Some((area.y.saturating_add(2), scroll));
}

fn thousands(n: i64) -> String {
    // unsigned_abs: `i64::MIN.abs()` panics.
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn draw_header(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let mut left = vec![Span::styled(" crmtui", t.title())];
    if let Some(p) = &app.profile {
        left.push(Span::styled(
            format!(" [{}]", sanitize::fit(p, 16)),
            t.accent(),
        ));
    }
    if let Some(r) = &app.ready {
        if let Some(org) = &r.org_name {
            left.push(Span::raw(" · "));
            left.push(Span::raw(sanitize::fit(org, 24)));
        }
        if area.width >= 90 {
            left.push(Span::styled(
                format!(" · {}", sanitize::fit(&r.server, 28)),
                t.dim(),
            ));
        }
    }
    if app.read_only {
        left.push(Span::styled(" · read-only", t.warn()));
    }
    // The trail takes what the rest of the header leaves (added once that is known).
    let trail = app.trail_labels();
    if trail.is_empty() {
        match app.view() {
            Some(ViewId::Accounts) => counts_spans(app, &app.list, &mut left),
            Some(v) => {
                if let Some(p) = app.record_panes(v) {
                    left.push(Span::styled(format!("   {}", view_title(v)), t.title()));
                    counts_spans(app, &p.list, &mut left);
                }
            }
            None => left.push(Span::styled("   Dashboard", t.title())),
        }
    }
    let mut right = Vec::new();
    match &app.link {
        Link::Starting => right.push(Span::styled("starting… ", t.dim())),
        // On the offline cache: how old what is shown may be.
        Link::Down(_) if app.offline.is_some() => {
            let age = app
                .offline
                .as_ref()
                .and_then(|o| o.since)
                .map(|at| format!(" {}", ago(app.now_utc(), at)))
                .unwrap_or_default();
            right.push(Span::styled(format!("offline · cached{age} "), t.warn()));
        }
        Link::Down(_) => right.push(Span::styled("✗ offline ", t.error())),
        Link::SignedOut => right.push(Span::styled("✗ signed out ", t.warn())),
        Link::Failed(_) => right.push(Span::styled("✗ not started ", t.error())),
        Link::Up => {}
    }
    if let Some(label) = app.busy_label() {
        right.push(Span::styled(
            SPINNER[app.spinner % SPINNER.len()],
            t.accent(),
        ));
        // The label only where it does not crowd the counts.
        if area.width >= 100 {
            right.push(Span::raw(format!(" {label}…")));
        }
        right.push(Span::raw(" "));
    }
    let help = [
        Span::styled(app.keymap.hint(Action::Help), t.key()),
        Span::styled(" help ", t.dim()),
    ];
    // Offline, the cache's age must not cut the counts short (a "closed 4" for 41): the help
    // hint gives way first.
    let widths = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    let crowded = widths(&left) + widths(&right) + widths(&help) > area.width as usize;
    if !(app.offline.is_some() && crowded) {
        right.extend(help);
    }
    if !trail.is_empty() {
        let room = (area.width as usize).saturating_sub(widths(&left) + widths(&right) + 3);
        left.push(Span::raw("   "));
        left.push(Span::styled(trail_text(&trail, room.max(20)), t.accent()));
    }
    let right_line = Line::from(right);
    let rw = right_line.width() as u16;
    let [l, r] = Layout::horizontal([Constraint::Fill(1), Constraint::Length(rw.min(area.width))])
        .areas(area);
    frame.render_widget(Paragraph::new(Line::from(left)), l);
    frame.render_widget(Paragraph::new(right_line), r);
}

fn draw_filter_bar(frame: &mut Frame, app: &App, area: Rect) {
    let key = app.keymap.hint(Action::Filter);
    let line = match app.view() {
        Some(ViewId::Accounts) => account::filter_bar(&app.theme, key, &app.list.filter),
        Some(v) => match app.record_panes(v) {
            Some(p) => record_filter_bar(app, &p.list.filter, &key),
            None => Line::raw(""),
        },
        None => Line::styled(
            " Enter opens a row · :accounts :contacts :leads :opps :cases :tasks :invoices",
            app.theme.dim(),
        ),
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The filter of a record list: its text and `key=value` pairs, or how to filter.
fn record_filter_bar(app: &App, f: &RecordFilter, key: &str) -> Line<'static> {
    let t = &app.theme;
    if f.is_empty() {
        return Line::from(vec![
            Span::styled(" no filter · ", t.dim()),
            Span::styled(key.to_string(), t.key()),
            Span::styled(" search · ", t.dim()),
            Span::styled(app.keymap.hint(Action::FilterForm), t.key()),
            Span::styled(" key=value", t.dim()),
        ]);
    }
    let mut parts: Vec<String> = f.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    if let Some(text) = &f.text {
        parts.insert(0, format!("{text:?}"));
    }
    Line::from(vec![
        Span::styled(" filter: ", t.accent()),
        Span::raw(sanitize::line(&parts.join(" ")).into_owned()),
        Span::styled(
            format!("  ({} clears)", app.keymap.hint(Action::ClearFilter)),
            t.dim(),
        ),
    ])
}

/// The trail in at most `width` columns: each step cut alike so that every `›` stays, and
/// the oldest steps left out (as `…`) when even that does not fit.
fn trail_text(steps: &[String], width: usize) -> String {
    let whole = steps.join(" › ");
    if sanitize::width(&whole) <= width {
        return whole;
    }
    for skip in 0..steps.len() {
        let shown = &steps[skip..];
        let lead = if skip > 0 { 4 } else { 0 };
        let seps = 3 * shown.len().saturating_sub(1);
        let per = width.saturating_sub(lead + seps) / shown.len().max(1);
        if per >= 10 || shown.len() == 1 {
            let parts: Vec<String> = shown.iter().map(|s| sanitize::fit(s, per.max(1))).collect();
            let text = parts.join(" › ");
            return if skip > 0 {
                format!("… › {text}")
            } else {
                text
            };
        }
    }
    sanitize::fit(&whole, width)
}

/// A view's name in the header.
fn view_title(v: ViewId) -> &'static str {
    crate::tui::records::crm::view(v).map_or("Accounts", |w| w.title)
}

/// Every tab's count (`open 1,204 │ closed 88`), the shown one highlighted.
fn counts_spans<K: RecordKind>(
    app: &App,
    list: &super::panes::ListPane<K>,
    spans: &mut Vec<Span<'static>>,
) {
    let t = &app.theme;
    let Some(totals) = &list.totals else { return };
    spans.push(Span::raw("   "));
    for (i, (tab, n)) in totals.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" │ ", t.dim()));
        }
        let style = if *tab == list.tab {
            t.accent()
        } else {
            t.dim()
        };
        spans.push(Span::styled(
            format!("{} {}", list.kind.tab_name(*tab), thousands(*n)),
            style,
        ));
    }
}

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let (cursor, total) = app.position();
    let pos = if total > 0 {
        format!(
            " {}/{} ",
            thousands(cursor as i64 + 1),
            thousands(total as i64)
        )
    } else {
        " ".into()
    };
    let avail = (area.width as usize).saturating_sub(sanitize::width(&pos));
    let mut hints = hints_line(app, area.width as usize);
    let status_line = app.status.as_ref().map(|s| {
        let style = match s.level {
            Level::Info => t.ok(),
            Level::Warn => t.warn(),
            Level::Error => t.error(),
        };
        let text = sanitize::line(&s.text);
        // A message too long for its line takes the hints' line too (until it goes), so that
        // an error is read whole rather than cut in the middle.
        let mut wrapped = sanitize::wrap(&text, avail);
        let first = if wrapped.len() > 1 && area.height >= 2 {
            let rest = wrapped.split_off(1).join(" ");
            hints = Line::from(vec![
                Span::raw(" ".repeat(sanitize::width(&pos))),
                Span::styled(sanitize::truncate(&rest, avail).into_owned(), style),
            ]);
            wrapped.remove(0)
        } else {
            sanitize::truncate_middle(&text, avail).into_owned()
        };
        Line::from(vec![
            Span::styled(pos.clone(), t.dim()),
            Span::styled(first, style),
        ])
    });
    if area.height >= 2 {
        let [a, b] = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
        let first = status_line.unwrap_or_else(|| Line::from(Span::styled(pos, t.dim())));
        frame.render_widget(Paragraph::new(first), a);
        frame.render_widget(Paragraph::new(hints), b);
    } else {
        frame.render_widget(Paragraph::new(status_line.unwrap_or(hints)), area);
    }
}

/// The keys for what can be done next, from the live keymap.
fn hints_line(app: &App, width: usize) -> Line<'static> {
    let t = &app.theme;
    let k = |a: Action| app.keymap.hint(a);
    let items = hint_items(app);
    // Read-only or offline: write keys are not offered.
    let items = items
        .into_iter()
        .filter(|(a, _)| !(app.browse_only() && a.writes()))
        .map(|(a, label)| (k(a), label));
    // Only whole hints: the ones that do not fit are left out (all are in `?` help).
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (i, (key, label)) in items.enumerate() {
        let sep = if i > 0 { 3 } else { 0 };
        let w = sep + sanitize::width(&key) + 1 + sanitize::width(label);
        if used + w > width {
            break;
        }
        used += w;
        if i > 0 {
            spans.push(Span::styled(" · ", t.dim()));
        }
        spans.push(Span::styled(key, t.key()));
        spans.push(Span::raw(format!(" {label}")));
    }
    Line::from(spans)
}

/// The hints of the pane in focus, for the kind of record shown.
fn hint_items(app: &App) -> Vec<(Action, &'static str)> {
    let view = match app.view() {
        None => {
            return vec![
                (Action::Open, "open"),
                (Action::Refresh, "refresh"),
                (Action::Back, "back"),
                (Action::Command, ":cases :tasks …"),
                (Action::Quit, "quit"),
            ];
        }
        Some(v) => v,
    };
    let has_links = !app.shown_links().is_empty();
    let crm = crate::tui::records::crm::view(view);
    let first = app.first_triage_label();
    match (app.pane, crm) {
        (Pane::Thread, _) => vec![
            (Action::Comment, "comment"),
            (Action::Edit, "edit"),
            (Action::Delete, "delete"),
            (Action::Attach, "attach"),
            (Action::Download, "save file"),
            (Action::Copy, "copy"),
            (Action::Back, "back"),
        ],
        (Pane::List, None) => vec![
            (Action::Open, "open"),
            (Action::Filter, "filter"),
            (Action::FilterForm, "filters"),
            (Action::NextTab, app.list.kind.tab_name(app.list.next_tab())),
            (Action::New, "new"),
            (Action::Edit, "edit"),
            (Action::Delete, "delete"),
            (Action::Comment, "comment"),
            (Action::Mail, "mail"),
            (Action::Command, "cmd"),
            (Action::Quit, "quit"),
        ],
        (Pane::Detail, None) => {
            let mut v = Vec::new();
            if has_links {
                v.push((Action::Open, "related"));
            }
            let x = match app.selected().map(|a| a.status) {
                Some(crate::model::AccountStatus::Closed) => "reopen account",
                _ => "close account",
            };
            v.extend([
                (Action::Edit, "edit"),
                (Action::CloseReopen, x),
                (Action::Comment, "comment"),
                (Action::Mail, "mail"),
                (Action::Attach, "attach"),
                (Action::Delete, "delete"),
                (Action::Copy, "copy"),
                (Action::OpenLink, "open link"),
                (Action::Back, "back"),
            ]);
            v
        }
        (pane, Some(w)) => {
            let mut v = Vec::new();
            match pane {
                Pane::List => v.extend([(Action::Open, "open"), (Action::Filter, "search")]),
                _ if has_links => v.push((Action::Open, "related")),
                _ => {}
            }
            if let Some(label) = first {
                v.push((Action::CloseReopen, label));
                v.push((Action::Triage, "actions"));
            }
            if pane == Pane::List {
                let next = app
                    .record_panes(view)
                    .map_or("all", |p| p.list.kind.tab_name(p.list.next_tab()));
                v.push((Action::NextTab, next));
                v.push((Action::FilterForm, "filters"));
            }
            if !w.form.is_empty() {
                v.extend([(Action::New, "new"), (Action::Edit, "edit")]);
            }
            v.push((Action::Comment, "comment"));
            if view != ViewId::Invoices {
                v.push((Action::Delete, "delete"));
            }
            v.extend([
                (Action::Back, "back"),
                (Action::Command, "cmd"),
                (Action::Quit, "quit"),
            ]);
            v
        }
    }
}

/// Relative time: "just now", "5m ago", "3h ago", "yesterday", "4d ago", or the date.
pub fn ago(now: chrono::DateTime<chrono::Utc>, t: chrono::DateTime<chrono::Utc>) -> String {
    let secs = (now - t).num_seconds();
    if secs < -60 {
        // A time ahead of our clock (a scheduled item, or clock skew): say so.
        let ahead = ago(t, now);
        return if ahead == "yesterday" {
            "tomorrow".into()
        } else {
            format!("in {}", ahead.trim_end_matches(" ago"))
        };
    }
    match secs {
        s if s < 60 => "just now".into(),
        s if s < 3600 => format!("{}m ago", s / 60),
        s if s < 86_400 => format!("{}h ago", s / 3600),
        s if s < 2 * 86_400 => "yesterday".into(),
        s if s < 30 * 86_400 => format!("{}d ago", s / 86_400),
        s if s < 365 * 86_400 => format!("{}mo ago", s / (30 * 86_400)),
        s => format!("{}y ago", s / (365 * 86_400)),
    }
}

/// Absolute time in the local zone, or in UTC (`utc`: under a fixed test clock).
pub fn when(utc: bool, t: chrono::DateTime<chrono::Utc>) -> String {
    if utc {
        return t.format("%Y-%m-%d %H:%M UTC").to_string();
    }
    t.with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_trail_keeps_its_steps_and_fits() {
        let steps: Vec<String> = [
            "Acme Corporation International",
            "Case: Login broken after the update",
            "Task: Call Jane back tomorrow",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let text = super::trail_text(&steps, 40);
        assert!(crate::tui::sanitize::width(&text) <= 40, "{text}");
        assert_eq!(text.matches(" › ").count(), 2, "{text}");
        let many = vec!["Step number one".to_string(); 8];
        let text = super::trail_text(&many, 40);
        assert!(
            text.starts_with("… › ") && crate::tui::sanitize::width(&text) <= 40,
            "{text}"
        );
        assert_eq!(super::trail_text(&steps[..1], 80), steps[0]);
    }

    #[test]
    fn thousands_groups() {
        assert_eq!(super::thousands(1204), "1,204");
        assert_eq!(super::thousands(100_000), "100,000");
        assert_eq!(super::thousands(12), "12");
        assert_eq!(super::thousands(-1204), "-1,204");
        assert_eq!(super::thousands(i64::MIN), "-9,223,372,036,854,775,808");
    }
}
