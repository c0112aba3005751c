//! The detail pane (every field and the related records) and the comment thread.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::model::{Account, AccountDetail, AccountStatus};
use crate::tui::app::{App, Pane, human_bytes};
use crate::tui::keymap::Action;
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

/// `label value` with the label dimmed; empty values are left out by the caller.
fn kv(app: &App, label: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<9}"), app.theme.dim()),
        Span::raw(value),
    ])
}

/// Draws the detail pane; returns the furthest it can scroll (`None`: nothing selected).
pub fn draw_detail(frame: &mut Frame, app: &App, area: Rect) -> Option<u16> {
    let focused = app.pane == Pane::Detail;
    let t = app.theme;
    let width = area.width.saturating_sub(2) as usize;
    let Some(account) = app.selected().cloned() else {
        let b = block(app, " Account ".into(), None, focused);
        frame.render_widget(
            Paragraph::new(Line::styled(" nothing selected", t.dim())).block(b),
            area,
        );
        return None;
    };
    let status = match account.status {
        AccountStatus::Open => Span::styled(" open ", t.open()),
        AccountStatus::Closed => Span::styled(" closed ", t.closed()),
    };
    let title = format!(
        " {} ",
        sanitize::fit(&account.name, width.saturating_sub(10))
    );
    let b = block(app, title, Some(status), focused);
    let detail = app.details.get(&account.id);
    let mut lines = summary_lines(app, &account, detail, width);
    match (detail, &app.detail_error) {
        (Some(d), _) => related_lines(app, d, width, &mut lines),
        (None, Some((id, e))) if *id == account.id => {
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
            .scroll((app.detail_scroll.min(max_scroll), 0)),
        area,
    );
    Some(max_scroll)
}

fn summary_lines(
    app: &App,
    a: &Account,
    detail: Option<&AccountDetail>,
    width: usize,
) -> Vec<Line<'static>> {
    let t = &app.theme;
    let w = width.saturating_sub(9);
    let mut lines = Vec::new();
    let mut first = Vec::new();
    if !a.industry.is_empty() {
        first.push(sanitize::line(&a.industry).into_owned());
    }
    if !a.tags.is_empty() {
        first.push(
            a.tags
                .iter()
                .map(|t| sanitize::line(t).into_owned())
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    if !first.is_empty() {
        lines.push(Line::styled(
            sanitize::truncate(&first.join(" · "), width).into_owned(),
            t.accent(),
        ));
    }
    for (label, value) in [
        ("Email", &a.email),
        ("Phone", &a.phone),
        ("Website", &a.website),
    ] {
        if !value.is_empty() {
            lines.push(kv(app, label, sanitize::fit(value, w)));
        }
    }
    let street = [&a.billing_address_line, &a.billing_street]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| sanitize::line(s).into_owned())
        .collect::<Vec<_>>()
        .join(", ");
    let city = [
        &a.billing_postcode,
        &a.billing_city,
        &a.billing_state,
        &a.billing_country,
    ]
    .iter()
    .filter(|s| !s.is_empty())
    .map(|s| sanitize::line(s).into_owned())
    .collect::<Vec<_>>()
    .join(" ");
    if !street.is_empty() {
        lines.push(kv(
            app,
            "Address",
            sanitize::truncate(&street, w).into_owned(),
        ));
    }
    if !city.is_empty() {
        lines.push(kv(
            app,
            if street.is_empty() { "Address" } else { "" },
            sanitize::truncate(&city, w).into_owned(),
        ));
    }
    let assigned: Vec<String> = match detail {
        Some(d) => d
            .assigned_to
            .iter()
            .map(|u| sanitize::line(&u.email).into_owned())
            .collect(),
        None => a.assigned_to.iter().map(|u| app.user_name(u)).collect(),
    };
    if !assigned.is_empty() {
        lines.push(kv(
            app,
            "Assigned",
            sanitize::truncate(&assigned.join(", "), w).into_owned(),
        ));
    }
    if let Some(d) = detail
        && !d.teams.is_empty()
    {
        let teams = d
            .teams
            .iter()
            .map(|t| sanitize::line(&t.name).into_owned())
            .collect::<Vec<_>>()
            .join(", ");
        lines.push(kv(app, "Teams", sanitize::truncate(&teams, w).into_owned()));
    }
    if let Some(d) = detail {
        let counts = format!(
            "Contacts {} · Deals {} · Cases {} · Tasks {} · Invoices {}",
            d.contacts.len(),
            d.opportunities.len(),
            d.cases.len(),
            d.tasks.len(),
            d.invoices.len()
        );
        lines.push(Line::styled(
            sanitize::truncate(&counts, width).into_owned(),
            t.dim(),
        ));
    }
    let by = a
        .created_by
        .map(|u| format!(" by {}", app.user_name(&u)))
        .unwrap_or_default();
    lines.push(kv(
        app,
        "Created",
        sanitize::truncate(
            &format!(
                "{} ({}){by}",
                when(app, a.created_on),
                ago(app.now_utc(), a.created_on)
            ),
            w,
        )
        .into_owned(),
    ));
    if let Some(d) = detail
        && !d.account_obj.description.is_empty()
    {
        lines.push(Line::raw(""));
        for para in sanitize::lines(&d.account_obj.description) {
            for l in sanitize::wrap(&para, width.max(1)) {
                lines.push(Line::raw(l));
            }
        }
    }
    lines
}

fn section(
    app: &App,
    lines: &mut Vec<Line<'static>>,
    title: &str,
    items: Vec<String>,
    width: usize,
) {
    if items.is_empty() {
        return;
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!("{title} ({})", items.len()),
        app.theme.title(),
    ));
    for item in items {
        lines.push(Line::raw(
            sanitize::truncate(&format!("  {item}"), width).into_owned(),
        ));
    }
}

fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| sanitize::line(p).into_owned())
        .collect::<Vec<_>>()
        .join(" · ")
}

fn related_lines(app: &App, d: &AccountDetail, width: usize, lines: &mut Vec<Line<'static>>) {
    section(
        app,
        lines,
        "Contacts",
        d.contacts
            .iter()
            .map(|c| join(&[&c.full_name(), &c.title, &c.email, &c.phone]))
            .collect(),
        width,
    );
    section(
        app,
        lines,
        "Opportunities",
        d.opportunities
            .iter()
            .map(|o| {
                let amount = format!("{} {}", o.amount, o.currency);
                let prob = format!("{}%", o.probability);
                join(&[&o.name, &o.stage, amount.trim(), &prob])
            })
            .collect(),
        width,
    );
    section(
        app,
        lines,
        "Cases",
        d.cases
            .iter()
            .map(|c| join(&[&c.name, &c.status, &c.priority, &c.case_type]))
            .collect(),
        width,
    );
    section(
        app,
        lines,
        "Tasks",
        d.tasks
            .iter()
            .map(|x| {
                let due = x.due_date.map(|d| format!("due {d}")).unwrap_or_default();
                join(&[&x.title, &x.status, &x.priority, &due])
            })
            .collect(),
        width,
    );
    section(
        app,
        lines,
        "Invoices",
        d.invoices
            .iter()
            .map(|i| {
                let total = format!("{} {}", i.total_amount, i.currency);
                join(&[&i.invoice_number, &i.invoice_title, &i.status, total.trim()])
            })
            .collect(),
        width,
    );
    section(
        app,
        lines,
        "Assigned users",
        d.assigned_to
            .iter()
            .map(|u| join(&[&u.email, u.role.as_str()]))
            .collect(),
        width,
    );
    section(
        app,
        lines,
        "Teams",
        d.teams
            .iter()
            .map(|t| join(&[&t.name, &t.description]))
            .collect(),
        width,
    );
}

pub fn draw_thread(frame: &mut Frame, app: &App, area: Rect) {
    let focused = app.pane == Pane::Comments;
    let t = app.theme;
    let width = area.width.saturating_sub(2) as usize;
    let detail = app.selected_detail().cloned();
    let title = match &detail {
        Some(d) => format!(
            " Comments {} · Files {} ",
            d.comments.len(),
            d.attachments.len()
        ),
        None => " Comments ".to_string(),
    };
    let b = block(app, title, None, focused);
    let Some(d) = detail else {
        frame.render_widget(Paragraph::new(Line::styled("", t.dim())).block(b), area);
        return;
    };
    if d.comments.is_empty() && d.attachments.is_empty() {
        let hint = Line::from(vec![
            Span::styled("No comments yet. ", t.dim()),
            Span::styled(app.keymap.hint(Action::Comment), t.key()),
            Span::styled(" comments, ", t.dim()),
            Span::styled(app.keymap.hint(Action::Attach), t.key()),
            Span::styled(" attaches a file.", t.dim()),
        ]);
        frame.render_widget(Paragraph::new(hint).block(b), area);
        return;
    }
    let now = app.now_utc();
    let cursor = app
        .thread_cursor
        .min((d.comments.len() + d.attachments.len()).saturating_sub(1));
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut selected_range = (0usize, 0usize);
    let sel_style = |i: usize| -> Style {
        if i != cursor {
            t.title()
        } else if focused {
            t.selected()
        } else {
            t.selected_unfocused()
        }
    };
    for (i, c) in d.comments.iter().enumerate() {
        let start = lines.len();
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
        let head = format!(
            "{} · {} · {}",
            sanitize::line(&author),
            ago(now, c.commented_on),
            when(app, c.commented_on)
        );
        lines.push(Line::styled(
            sanitize::truncate(&head, width).into_owned(),
            sel_style(i),
        ));
        for para in sanitize::lines(&c.comment) {
            for l in sanitize::wrap(&para, width.saturating_sub(2).max(1)) {
                lines.push(Line::raw(format!("  {l}")));
            }
        }
        if i == cursor {
            selected_range = (start, lines.len());
        }
    }
    if !d.attachments.is_empty() {
        lines.push(Line::styled("Attachments", t.dim()));
    }
    for (j, a) in d.attachments.iter().enumerate() {
        let i = d.comments.len() + j;
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
            ago(now, a.created_on)
        );
        if i == cursor {
            selected_range = (lines.len(), lines.len() + 1);
        }
        lines.push(Line::styled(
            sanitize::truncate(&text, width).into_owned(),
            sel_style(i),
        ));
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
}
