//! The list pane of any kind of record, drawn from the kind's column table: only the visible
//! rows are built, whatever the size of the org.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};

use crate::tui::app::{App, Link};
use crate::tui::keymap::Action;
use crate::tui::panes::{ListPane, Pane};
use crate::tui::records::{Column, RecordKind};
use crate::tui::sanitize;

/// Draws the list; returns how many rows it shows at once.
/// `marked`: the cursor's row is the record the detail shows (not so while the detail shows a
/// record opened from a link: then no row is marked).
pub fn draw<K: RecordKind>(
    frame: &mut Frame,
    app: &App,
    list: &ListPane<K>,
    area: Rect,
    marked: bool,
) -> usize {
    let focused = app.pane == Pane::List;
    let t = app.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(focused))
        .title(Span::styled(list.kind.list_title(list.tab), t.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // One row is the table header.
    let rows_visible = inner.height.saturating_sub(1) as usize;
    if list.total() == 0 {
        frame.render_widget(
            Paragraph::new(empty_message(app, list)).wrap(Wrap { trim: true }),
            inner,
        );
        return rows_visible.max(1);
    }
    let cols: Vec<&Column<K::Row>> = list
        .kind
        .columns()
        .iter()
        .filter(|c| inner.width >= c.min_list_width)
        .collect();
    // The first column carries the cursor's marker: one column more when its width is fixed.
    let widths: Vec<Constraint> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if c.width == 0 {
                Constraint::Fill(1)
            } else {
                Constraint::Length(c.width + u16::from(i == 0))
            }
        })
        .collect();
    let rows = table_rows(app, list, &cols, inner.width, rows_visible, focused, marked);
    let header = Row::new(cols.iter().enumerate().map(|(i, c)| {
        Span::styled(
            if i == 0 {
                format!(" {}", c.title)
            } else {
                c.title.to_string()
            },
            t.dim(),
        )
    }));
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    frame.render_widget(table, inner);
    rows_visible.max(1)
}

/// The rows in view, the cursor's marked.
fn table_rows<K: RecordKind>(
    app: &App,
    list: &ListPane<K>,
    cols: &[&Column<K::Row>],
    width: u16,
    rows_visible: usize,
    focused: bool,
    marked: bool,
) -> Vec<Row<'static>> {
    let t = app.theme;
    let cursor = list.cursor();
    // Keep the cursor visible (the height may just have changed; the state follows the same
    // rule once it learns the height).
    let scroll = visible_scroll(list.scroll, cursor, rows_visible);
    // Cell widths after layout, to cut long text with an ellipsis ourselves.
    let marker_col = cols.first().is_some_and(|c| c.width > 0);
    let fixed: u16 = cols.iter().map(|c| c.width + 1).sum::<u16>() + u16::from(marker_col);
    let fill_width = width.saturating_sub(fixed) as usize;
    let end = (scroll + rows_visible).min(list.total());
    let mut rows = Vec::with_capacity(end.saturating_sub(scroll));
    for row in scroll..end {
        let marker = if row == cursor && marked { "▶" } else { " " };
        let r = match list.window().get(row) {
            Some(record) => Row::new(
                cols.iter()
                    .enumerate()
                    .map(|(i, c)| cell(app, c, record, (i == 0).then_some(marker), fill_width))
                    .collect::<Vec<_>>(),
            ),
            None => Row::new(vec![Span::styled(format!("{marker}…"), t.dim())]),
        };
        let r = if row == cursor && marked {
            r.style(if focused {
                t.selected()
            } else {
                t.selected_unfocused()
            })
        } else {
            r
        };
        rows.push(r);
    }
    rows
}

/// One cell: the first column's starts with the cursor's marker (`lead`); a column with a
/// style uses it.
fn cell<R>(
    app: &App,
    c: &Column<R>,
    record: &R,
    lead: Option<&str>,
    fill_width: usize,
) -> Span<'static> {
    let w = if c.width == 0 {
        fill_width.saturating_sub(usize::from(lead.is_some()))
    } else {
        c.width as usize
    };
    let text = sanitize::truncate(&(c.cell)(&app.users, record), w).into_owned();
    let text = format!("{}{text}", lead.unwrap_or_default());
    match c.style {
        Some(style) if c.width > 0 => Span::styled(text, style(&app.theme, record)),
        _ => Span::raw(text),
    }
}

/// The first row to show so that the cursor is among `rows` rows from `scroll`.
pub fn visible_scroll(scroll: usize, cursor: usize, rows: usize) -> usize {
    if cursor < scroll {
        cursor
    } else if rows > 0 && cursor >= scroll + rows {
        cursor + 1 - rows
    } else {
        scroll
    }
}

/// What an empty list says: why it is empty, and what to do.
fn empty_message<K: RecordKind>(app: &App, list: &ListPane<K>) -> Vec<Line<'static>> {
    let t = &app.theme;
    let k = |a: Action| app.keymap.hint(a);
    match &app.link {
        Link::Starting => return vec![Line::styled(" starting…", t.dim())],
        Link::Down(e) => {
            return vec![
                Line::styled(format!(" {}", sanitize::line(e)), t.error()),
                Line::raw(" retrying every few seconds…"),
            ];
        }
        Link::Failed(e) => {
            return vec![
                Line::styled(format!(" {}", sanitize::line(e)), t.error()),
                Line::raw(" could not start — check the settings and the log, then run again"),
            ];
        }
        Link::SignedOut => {
            return vec![Line::raw(format!(
                " signed out — press {} to sign in",
                k(Action::SignIn)
            ))];
        }
        Link::Up => {}
    }
    if list.window().total().is_none() {
        if let Some(e) = &list.error {
            return vec![
                Line::styled(format!(" {}", sanitize::line(e)), t.error()),
                Line::raw(format!(" {} tries again", k(Action::Refresh))),
            ];
        }
        return vec![Line::styled(" loading…", t.dim())];
    }
    if !list.kind.filter_is_empty(&list.filter) {
        return vec![
            Line::raw(format!(" No {} matches the filter.", list.kind.noun())),
            Line::styled(
                format!(
                    " {} clears it · {} edits it",
                    k(Action::ClearFilter),
                    k(Action::FilterForm)
                ),
                t.dim(),
            ),
        ];
    }
    let mut lines = vec![
        Line::raw(format!(
            " No {} {}s yet.",
            list.kind.tab_name(list.tab),
            list.kind.noun()
        )),
        Line::raw(""),
    ];
    // Read-only or offline: creating is not offered.
    if !app.browse_only() {
        lines.push(Line::from(vec![
            Span::raw(" Press "),
            Span::styled(k(Action::New), t.key()),
            Span::raw(format!(" to create {},", list.kind.a_noun())),
        ]));
    }
    lines.extend([
        Line::from(vec![
            Span::raw(" "),
            Span::styled(k(Action::NextTab), t.key()),
            Span::raw(format!(
                " to see the {} ones,",
                list.kind.tab_name(list.next_tab())
            )),
        ]),
        Line::from(vec![
            Span::raw(" "),
            Span::styled(k(Action::Help), t.key()),
            Span::raw(" for every key."),
        ]),
    ]);
    lines
}
