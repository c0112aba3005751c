//! The account list: only the visible rows are built, whatever the size of the org.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};

use crate::model::{Account, AccountStatus};
use crate::tui::app::{App, Link, Pane};
use crate::tui::keymap::Action;
use crate::tui::sanitize;

/// A column: title, width (0 = fill), the smallest list width that shows it, and its cell text.
struct Col {
    title: &'static str,
    width: u16,
    min_list_width: u16,
    cell: fn(&App, &Account) -> String,
}

const COLS: &[Col] = &[
    Col {
        title: "Name",
        width: 0,
        min_list_width: 0,
        cell: |_, a| sanitize::line(&a.name).into_owned(),
    },
    Col {
        title: "City",
        width: 11,
        min_list_width: 30,
        cell: |_, a| sanitize::line(&a.billing_city).into_owned(),
    },
    Col {
        title: "Industry",
        width: 11,
        min_list_width: 46,
        cell: |_, a| sanitize::line(&a.industry).into_owned(),
    },
    Col {
        title: "Status",
        width: 6,
        min_list_width: 64,
        cell: |_, a| match a.status {
            AccountStatus::Open => "open".into(),
            AccountStatus::Closed => "closed".into(),
        },
    },
    Col {
        title: "Tags",
        width: 16,
        min_list_width: 80,
        cell: |_, a| sanitize::line(&a.tags.join(", ")).into_owned(),
    },
    Col {
        title: "Assigned",
        width: 12,
        min_list_width: 84,
        cell: |app, a| {
            a.assigned_to
                .iter()
                .map(|u| app.user_name(u))
                .collect::<Vec<_>>()
                .join(", ")
        },
    },
];

/// Draws the list; returns how many rows it shows at once.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) -> usize {
    let focused = app.pane == Pane::List;
    let t = app.theme;
    let title = match app.tab {
        AccountStatus::Open => " Open accounts ",
        AccountStatus::Closed => " Closed accounts ",
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(focused))
        .title(Span::styled(title, t.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // One row is the table header.
    let rows_visible = inner.height.saturating_sub(1) as usize;

    let total = app.total();
    if total == 0 {
        frame.render_widget(
            Paragraph::new(empty_message(app)).wrap(Wrap { trim: true }),
            inner,
        );
        return rows_visible.max(1);
    }
    let cursor = app.cursor();
    // Keep the cursor visible (the height may just have changed; the state follows the same
    // rule once it learns the height).
    let scroll = visible_scroll(app.scroll, cursor, rows_visible);
    let cols: Vec<&Col> = COLS
        .iter()
        .filter(|c| inner.width >= c.min_list_width)
        .collect();
    let widths: Vec<Constraint> = cols
        .iter()
        .map(|c| {
            if c.width == 0 {
                Constraint::Fill(1)
            } else {
                Constraint::Length(c.width)
            }
        })
        .collect();
    // Cell widths after layout, to cut long text with an ellipsis ourselves.
    let fixed: u16 = cols.iter().map(|c| c.width + 1).sum();
    let name_width = inner.width.saturating_sub(fixed) as usize;

    let end = (scroll + rows_visible).min(total);
    let mut rows = Vec::with_capacity(end.saturating_sub(scroll));
    for row in scroll..end {
        let marker = if row == cursor { "▶" } else { " " };
        let r = match app.window().get(row) {
            Some(a) => {
                let cells: Vec<Span> = cols
                    .iter()
                    .map(|c| {
                        let w = if c.width == 0 {
                            name_width.saturating_sub(1)
                        } else {
                            c.width as usize
                        };
                        let text = sanitize::truncate(&(c.cell)(app, a), w).into_owned();
                        if c.width == 0 {
                            Span::raw(format!("{marker}{text}"))
                        } else if c.title == "Status" {
                            Span::styled(
                                text,
                                if a.status == AccountStatus::Open {
                                    t.open()
                                } else {
                                    t.closed()
                                },
                            )
                        } else {
                            Span::raw(text)
                        }
                    })
                    .collect();
                Row::new(cells)
            }
            None => Row::new(vec![Span::styled(format!("{marker}…"), t.dim())]),
        };
        let r = if row == cursor {
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
    let header = Row::new(cols.iter().map(|c| {
        Span::styled(
            if c.width == 0 {
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

fn empty_message(app: &App) -> Vec<Line<'static>> {
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
    if app.window().total().is_none() {
        if let Some(e) = &app.list_error {
            return vec![
                Line::styled(format!(" {}", sanitize::line(e)), t.error()),
                Line::raw(format!(" {} tries again", k(Action::Refresh))),
            ];
        }
        return vec![Line::styled(" loading…", t.dim())];
    }
    if !app.filter.is_empty() {
        return vec![
            Line::raw(" No account matches the filter."),
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
    let other = if app.tab == AccountStatus::Open {
        "closed"
    } else {
        "open"
    };
    vec![
        Line::raw(format!(
            " No {} accounts yet.",
            if app.tab == AccountStatus::Open {
                "open"
            } else {
                "closed"
            }
        )),
        Line::raw(""),
        Line::from(vec![
            Span::raw(" Press "),
            Span::styled(k(Action::New), t.key()),
            Span::raw(" to create an account,"),
        ]),
        Line::from(vec![
            Span::raw(" "),
            Span::styled(k(Action::ToggleView), t.key()),
            Span::raw(format!(" to see the {other} ones,")),
        ]),
        Line::from(vec![
            Span::raw(" "),
            Span::styled(k(Action::Help), t.key()),
            Span::raw(" for every key."),
        ]),
    ]
}
