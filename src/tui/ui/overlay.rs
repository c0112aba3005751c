//! What is drawn over the panes: help, forms, confirmations, the command and filter lines.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::app::App;
use crate::tui::keymap::{Action, Context};
use crate::tui::overlay::Overlay;
use crate::tui::overlay::form::{Field, FieldKind, Form};
use crate::tui::overlay::pick::Pick;
use crate::tui::sanitize;

/// A rectangle of at most `w` x `h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Draws the overlay, if any; returns the furthest the help can scroll when it is shown.
pub fn draw(
    frame: &mut Frame,
    app: &App,
    area: Rect,
    filter_bar: Rect,
    status: Rect,
) -> Option<u16> {
    let t = app.theme;
    match &app.overlay {
        None => {}
        Some(Overlay::Help { scroll }) => {
            return Some(draw_help(frame, app, *scroll, area, status));
        }
        Some(Overlay::Command(input)) => {
            let row = Rect {
                height: 1,
                ..status
            };
            frame.render_widget(Clear, row);
            let [p, rest] =
                Layout::horizontal([Constraint::Length(1), Constraint::Fill(1)]).areas(row);
            frame.render_widget(Paragraph::new(Span::styled(":", t.key())), p);
            frame.render_widget(input, rest);
        }
        Some(Overlay::FilterName { input, .. }) => {
            frame.render_widget(Clear, filter_bar);
            let [p, rest] =
                Layout::horizontal([Constraint::Length(8), Constraint::Fill(1)]).areas(filter_bar);
            frame.render_widget(Paragraph::new(Span::styled(" / name ", t.accent())), p);
            frame.render_widget(input, rest);
        }
        Some(Overlay::Confirm { text, .. }) => draw_confirm(frame, app, text, area),
        Some(Overlay::Pick(pick)) => draw_pick(frame, app, pick, area),
        Some(Overlay::Form(_, form)) => draw_form(frame, &t, form, area, status),
    }
    None
}

/// What the keys do here: on this kind of record, in this pane (first in the help).
fn here_help(app: &App) -> Vec<Line<'static>> {
    use crate::tui::records::ViewId;
    let t = app.theme;
    let k = |a: Action| app.keymap.hint(a);
    let (title, mut rows): (String, Vec<(String, String)>) = match app.view() {
        None => (
            "Here: the dashboard".into(),
            vec![
                (
                    format!("{}/{}", k(Action::Down), k(Action::Up)),
                    "move among the urgent records".into(),
                ),
                (k(Action::Open), "open the record (esc comes back)".into()),
                (k(Action::Refresh), "count again".into()),
            ],
        ),
        Some(ViewId::Accounts) => (
            "Here: accounts".into(),
            vec![(k(Action::CloseReopen), "close or reopen the account".into())],
        ),
        Some(v) => {
            let w = crate::tui::records::crm::view(v);
            let noun = w.map_or("record", |w| w.noun);
            let actions = match v {
                ViewId::Cases => "close, reopen",
                ViewId::Tasks => "complete, reopen",
                ViewId::Opportunities => "n next stage, w won, l lost, r reopen",
                ViewId::Leads => "v convert (asks first), c close, r reopen",
                ViewId::Invoices => "s send, p mark paid, x cancel (each asks first)",
                _ => "none",
            };
            (format!("Here: {}", w.map_or("records", |w| w.plural)), {
                let mut rows = Vec::new();
                if actions != "none" {
                    rows.push((k(Action::CloseReopen), format!("the {noun}'s next step")));
                    rows.push((k(Action::Triage), format!("every action: {actions}")));
                }
                let plural = w.map_or("list", |w| w.plural);
                rows.push((k(Action::Filter), format!("search the {plural}")));
                let keys: Vec<String> = w
                    .map(|w| {
                        w.kind
                            .filters
                            .iter()
                            .filter_map(|f| match f {
                                crate::model::record::Filter::Exact(p) => Some(p.to_string()),
                                _ => None,
                            })
                            .take(4)
                            .collect()
                    })
                    .unwrap_or_default();
                rows.push((
                    k(Action::FilterForm),
                    format!("filter by key=value: {}", keys.join(", ")),
                ));
                rows
            })
        }
    };
    if app.view().is_some() {
        rows.push((
            k(Action::Open),
            "in the detail: open the selected related record".into(),
        ));
    }
    if !app.trail.is_empty() {
        rows.push((
            k(Action::Back),
            "back to the record it was opened from".into(),
        ));
    }
    let mut lines = vec![Line::styled(title, t.title())];
    for (key, text) in rows {
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<22}", sanitize::truncate(&key, 21)), t.key()),
            Span::raw(text),
        ]));
    }
    lines.push(Line::raw(""));
    lines
}

/// The help, built from the live keymap; returns the furthest it can scroll.
fn draw_help(frame: &mut Frame, app: &App, scroll: u16, area: Rect, status: Rect) -> u16 {
    let t = app.theme;
    let r = centered(area, 84, area.height.saturating_sub(2));
    let inner_w = r.width.saturating_sub(2) as usize;
    // An entry's text wraps under itself, right of its key column (`indent` wide).
    let entry = |key: Span<'static>, indent: usize, text: &str, tail: Option<Span<'static>>| {
        let parts = sanitize::wrap(text, inner_w.saturating_sub(indent).max(10));
        let last = parts.len().saturating_sub(1);
        let mut key = Some(key);
        parts
            .into_iter()
            .enumerate()
            .map(|(j, part)| {
                let lead = key.take().unwrap_or_else(|| Span::raw(" ".repeat(indent)));
                let mut spans = vec![lead, Span::raw(part)];
                if j == last
                    && let Some(tail) = &tail
                {
                    spans.push(tail.clone());
                }
                Line::from(spans)
            })
            .collect::<Vec<_>>()
    };
    let rows = app.keymap.help_rows();
    let mut lines = here_help(app);
    for (ctx, title) in [
        (Context::Normal, "Browsing"),
        (Context::Form, "In forms and editors"),
    ] {
        lines.push(Line::styled(title, t.title()));
        for (keys, name, help, c) in &rows {
            // Read-only: what cannot be done is not offered.
            let refused =
                app.browse_only() && Action::ALL.iter().any(|a| a.name() == *name && a.writes());
            if *c == ctx && !refused {
                let key = Span::styled(format!("  {:<22}", sanitize::truncate(keys, 21)), t.key());
                let name = Span::styled(format!(" ({name})"), t.dim());
                lines.extend(entry(key, 24, help, Some(name)));
            }
        }
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled("Commands", t.title()));
    for &(cmd, help) in crate::tui::overlay::command::HELP {
        lines.extend(entry(
            Span::styled(format!("  {cmd:<30}"), t.key()),
            32,
            help,
            None,
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Keys are remapped in the config file's [keys] table, e.g. quit = [\"q\", \"ctrl-c\"].",
        t.dim(),
    ));
    let max = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_sub(r.height.saturating_sub(2));
    clear_status_under(frame, r, status);
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(t.accent())
        .title(Span::styled(" Help — esc closes, j/k scroll ", t.title()));
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines).block(b).scroll((scroll.min(max), 0)),
        r,
    );
    max
}

/// The values `y` copies (or `o` opens), one letter each.
fn draw_pick(frame: &mut Frame, app: &App, pick: &Pick, area: Rect) {
    let t = app.theme;
    let w = 56.min(area.width.saturating_sub(2)).max(10);
    let inner = w.saturating_sub(4) as usize;
    let mut body: Vec<Line> = pick
        .choices
        .iter()
        .map(|c| {
            let label = c.label.trim_start_matches("the ");
            let value_w = inner.saturating_sub(12);
            // A triage action is its label alone (its value is only its place in the list).
            if pick.verb == crate::tui::overlay::pick::Verb::Triage {
                return Line::from(vec![
                    Span::styled(format!("{} ", c.key), t.key()),
                    Span::raw(label.to_string()),
                ]);
            }
            Line::from(vec![
                Span::styled(format!("{} ", c.key), t.key()),
                Span::raw(format!("{label:<9} ")),
                Span::styled(sanitize::fit(&c.value, value_w), t.dim()),
            ])
        })
        .collect();
    body.push(Line::raw(""));
    body.push(Line::from(vec![
        Span::styled(app.keymap.hint(Action::Cancel), t.key()),
        Span::raw(" cancel"),
    ]));
    let h = body.len() as u16 + 2;
    let r = centered(area, w, h);
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(t.accent())
        .title(Span::styled(pick.verb.title(), t.title()));
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(body).block(b), r);
}

fn draw_confirm(frame: &mut Frame, app: &App, text: &str, area: Rect) {
    let t = app.theme;
    let w = 60.min(area.width.saturating_sub(2)).max(10);
    let lines = sanitize::wrap(&sanitize::line(text), w.saturating_sub(4) as usize);
    let h = lines.len() as u16 + 4;
    let r = centered(area, w, h);
    let mut body: Vec<Line> = lines.into_iter().map(Line::raw).collect();
    body.push(Line::raw(""));
    body.push(Line::from(vec![
        Span::styled(app.keymap.hint(Action::Confirm), t.key()),
        Span::raw(" yes · "),
        Span::styled("n", t.key()),
        Span::raw("/"),
        Span::styled(app.keymap.hint(Action::Cancel), t.key()),
        Span::raw(" no"),
    ]));
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(t.warn())
        .title(Span::styled(" Confirm ", t.title()));
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(body).block(b).wrap(Wrap { trim: false }), r);
}

/// The form's fields in `inner`, `fields_h` rows of it, scrolled so that the focused one shows.
fn draw_fields(
    frame: &mut Frame,
    t: &crate::tui::theme::Theme,
    form: &Form,
    inner: Rect,
    fields_h: u16,
) {
    // Scroll the fields so that the focused one is visible.
    let label_w = label_width(form, inner.width);
    let errors: Vec<Vec<String>> = form
        .fields
        .iter()
        .map(|f| error_lines(form, f, inner.width, label_w))
        .collect();
    let mut offsets = Vec::new();
    let mut y = 0u16;
    for (f, e) in form.fields.iter().zip(&errors) {
        offsets.push(y);
        y += f.height() + e.len() as u16;
    }
    let focus_end = form
        .fields
        .get(form.focus)
        .map(|f| offsets[form.focus] + f.height() + errors[form.focus].len() as u16)
        .unwrap_or(0);
    let scroll = focus_end.saturating_sub(fields_h);
    let mut suggest_at = None;

    for (i, f) in form.fields.iter().enumerate() {
        let top = offsets[i];
        if top < scroll {
            continue;
        }
        let rel = top - scroll;
        if rel + 1 > fields_h {
            break;
        }
        let row = Rect {
            y: inner.y + rel,
            height: f.height().min(fields_h - rel),
            ..inner
        };
        // As many of its error lines as there is room for under the field.
        let room = fields_h.saturating_sub(rel + row.height) as usize;
        let error = &errors[i][..errors[i].len().min(room)];
        draw_field(frame, t, f, i == form.focus, error, row, label_w);
        if i == form.focus {
            suggest_at = Some(row);
        }
    }
    if let (Some(row), Some(s)) = (suggest_at, &form.suggest)
        && s.field == form.focus
    {
        draw_suggest(frame, t, s, row, inner, label_w);
    }
}

/// A link field's matches, in a box under the field (over the fields below it).
fn draw_suggest(
    frame: &mut Frame,
    t: &crate::tui::theme::Theme,
    s: &crate::tui::overlay::form::Suggest,
    row: Rect,
    inner: Rect,
    label_w: u16,
) {
    let lines: Vec<Line> = if s.pending.is_some() && s.rows.is_empty() {
        vec![Line::styled("searching…", t.dim())]
    } else {
        s.rows
            .iter()
            .enumerate()
            .map(|(i, (_, name))| {
                let style = if s.cursor == Some(i) {
                    t.selected()
                } else {
                    t.title()
                };
                Line::styled(sanitize::line(name).into_owned(), style)
            })
            .collect()
    };
    if lines.is_empty() {
        return;
    }
    let x = row.x + label_w.min(row.width);
    let below = inner.bottom().saturating_sub(row.bottom());
    let h = (lines.len() as u16 + 2).min(below);
    if h < 3 {
        return;
    }
    let area = Rect {
        x,
        y: row.bottom(),
        width: inner.right().saturating_sub(x).min(44),
        height: h,
    };
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.accent()),
        ),
        area,
    );
}

/// A field in `row` (as high as the field): its label, its editor, and its error under it.
fn draw_field(
    frame: &mut Frame,
    t: &crate::tui::theme::Theme,
    f: &Field,
    focused: bool,
    error: &[String],
    row: Rect,
    label_w: u16,
) {
    let label_w = label_w.min(row.width);
    let label_area = Rect {
        width: label_w,
        height: 1,
        ..row
    };
    let style = if focused { t.accent() } else { t.dim() };
    frame.render_widget(
        Paragraph::new(Span::styled(
            sanitize::truncate(&f.label, (label_w as usize).saturating_sub(1)).into_owned(),
            style,
        )),
        label_area,
    );
    let value_area = Rect {
        x: row.x + label_w,
        width: row.width.saturating_sub(label_w),
        ..row
    };
    if let FieldKind::Choice(_) = f.kind {
        // A picker: the choice between arrows that say how to change it.
        let value = f.value();
        let shown = if value.is_empty() {
            "—".to_string()
        } else {
            sanitize::line(&value).into_owned()
        };
        let text = if focused {
            format!("◂ {shown} ▸")
        } else {
            format!("  {shown}")
        };
        frame.render_widget(
            Paragraph::new(Span::styled(
                sanitize::truncate(&text, value_area.width as usize).into_owned(),
                if focused {
                    t.selected()
                } else {
                    ratatui::style::Style::default()
                },
            )),
            value_area,
        );
    } else if f.kind == FieldKind::Multi {
        // The editor's left rule, drawn around it (drawing does not restyle the editor).
        let rule = Block::default().borders(Borders::LEFT).border_style(style);
        let text_area = rule.inner(value_area);
        frame.render_widget(rule, value_area);
        frame.render_widget(&f.input, text_area);
    } else {
        frame.render_widget(&f.input, value_area);
    }
    if !error.is_empty() {
        let err_area = Rect {
            y: row.y + row.height,
            height: error.len() as u16,
            ..value_area
        };
        let lines: Vec<Line> = error
            .iter()
            .map(|l| Line::styled(l.clone(), t.error()))
            .collect();
        frame.render_widget(Paragraph::new(lines), err_area);
    }
}

/// A field's error as drawn under it, wrapped to the value column of a form `width` wide
/// whose labels take `label_w` (none when the field has no error).
fn error_lines(form: &Form, f: &Field, width: u16, label_w: u16) -> Vec<String> {
    form.errors
        .get(f.key)
        .map(|e| {
            let text = format!("↳ {}", sanitize::line(e));
            sanitize::wrap(&text, width.saturating_sub(label_w) as usize)
        })
        .unwrap_or_default()
}

/// A box reaching into the status rows hides them whole: a status message cut by the box's
/// edges would read as garbage beside it.
fn clear_status_under(frame: &mut Frame, r: Rect, status: Rect) {
    if r.bottom() > status.y && r.y < status.bottom() {
        frame.render_widget(Clear, status);
    }
}

/// The narrowest label column of a form.
const LABEL: u16 = 12;

/// The label column of `form` drawn `width` wide: as wide as its longest label (and a space),
/// from [`LABEL`] to 20 columns, never more than a third of the form.
fn label_width(form: &Form, width: u16) -> u16 {
    let longest = form
        .fields
        .iter()
        .map(|f| sanitize::width(&f.label) as u16 + 2)
        .max()
        .unwrap_or(LABEL);
    longest
        .clamp(LABEL, 20)
        .min((width / 3).max(LABEL.min(width)))
}

fn draw_form(
    frame: &mut Frame,
    t: &crate::tui::theme::Theme,
    form: &Form,
    area: Rect,
    status: Rect,
) {
    // At 80 columns or so the form takes the whole width: a column left at either side would
    // show bits of the panes (and the status line) beside it.
    let w = if area.width <= 84 { area.width } else { 78 };
    // It never covers the header (where am I, online or not), however many error lines it grows.
    let area = Rect {
        y: area.y + area.height.min(1),
        height: area.height.saturating_sub(1),
        ..area
    };
    // Rows: each field and its error's lines, the note and the form-wide error.
    let inner_w = w.saturating_sub(2);
    let label_w = label_width(form, inner_w);
    let field_rows: u16 = form
        .fields
        .iter()
        .map(|f| f.height() + error_lines(form, f, inner_w, label_w).len() as u16)
        .sum();
    let extra = u16::from(form.note.is_some()) + u16::from(form.errors.contains_key("")) + 1;
    let h = (field_rows + extra + 2).min(area.height);
    let r = centered(area, w, h);
    let title = if form.busy {
        format!(" {} — working… ", form.title)
    } else {
        format!(" {} ", form.title)
    };
    let b = Block::default()
        .borders(Borders::ALL)
        .border_style(t.accent())
        .title(Span::styled(sanitize::line(&title).into_owned(), t.title()));
    let inner = b.inner(r);
    clear_status_under(frame, r, status);
    frame.render_widget(Clear, r);
    frame.render_widget(b, r);

    let footer_rows = extra.min(inner.height.saturating_sub(1));
    let fields_h = inner.height.saturating_sub(footer_rows);
    draw_fields(frame, t, form, inner, fields_h);
    let mut footer = Vec::new();
    if let Some(e) = form.errors.get("") {
        footer.push(Line::styled(sanitize::line(e).into_owned(), t.error()));
    }
    if let Some(n) = &form.note {
        footer.push(Line::styled(n.clone(), t.dim()));
    }
    let fy = inner.y + fields_h;
    let footer_area = Rect {
        x: inner.x,
        y: fy,
        width: inner.width,
        height: inner.height.saturating_sub(fields_h),
    };
    frame.render_widget(
        Paragraph::new(footer).wrap(Wrap { trim: true }),
        footer_area,
    );
}
