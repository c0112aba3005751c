//! `:dashboard`: the counts, the urgent records as rows to open, and the pipeline by stage.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::detail::{Headings, link_lines_spaced};
use super::thousands;
use crate::model::{Dashboard, StageSum};
use crate::tui::app::App;
use crate::tui::sanitize;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = app.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(true))
        .title(Span::styled(" Dashboard ", t.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let Some(d) = &app.dashboard.data else {
        let text = match &app.dashboard.error {
            Some(e) => Line::styled(format!(" {}", sanitize::line(e)), t.error()),
            None => Line::styled(" loading…", t.dim()),
        };
        frame.render_widget(Paragraph::new(text), inner);
        return;
    };
    let c = &d.counts;
    let top = count_lines(app, c, width);
    let mut stages: Vec<_> = c.pipeline_by_stage.values().collect();
    stages.sort_by_key(|s| s.order);
    let pipeline_h = if inner.height >= 16 {
        stages.len() as u16 + 1
    } else {
        0
    };
    let [head, urgent_area, pipeline] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Fill(1),
        Constraint::Length(pipeline_h),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(top), head);

    let links = app.dashboard.links();
    let mut lines = Vec::new();
    // Compact: at 80x24 the four lists and the pipeline share 20 rows.
    let spaced = inner.height >= 30;
    let selected = link_lines_spaced(
        app,
        &links,
        Some(app.dashboard.cursor),
        true,
        width,
        Headings {
            spaced,
            totals: &app.dashboard.totals(),
        },
        &mut lines,
    );
    if links.is_empty() {
        lines.push(Line::styled("Nothing urgent.", t.ok()));
    }
    // The first blank line of the rows is the gap under the counts: drop it.
    if lines.first().is_some_and(|l| l.width() == 0) {
        lines.remove(0);
    }
    let h = urgent_area.height as usize;
    let scroll = selected.map_or(0, |s| (s + 1).saturating_sub(h));
    frame.render_widget(
        Paragraph::new(lines).scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        urgent_area,
    );

    if pipeline_h > 0 {
        frame.render_widget(
            Paragraph::new(pipeline_lines(app, c, &stages, width)),
            pipeline,
        );
    }
}

fn urgent(app: &App, n: i64) -> ratatui::style::Style {
    if n > 0 {
        app.theme.warn()
    } else {
        app.theme.ok()
    }
}

/// The counts, two lines cut to the width.
fn count_lines(app: &App, c: &Dashboard, width: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let u = &c.urgent_counts;
    let mut top = vec![
        Line::from(vec![
            Span::styled("Accounts ", t.dim()),
            Span::raw(thousands(c.accounts_count)),
            Span::styled(" · Contacts ", t.dim()),
            Span::raw(thousands(c.contacts_count)),
            Span::styled(" · Leads ", t.dim()),
            Span::raw(thousands(c.leads_count)),
            Span::styled(" · Deals ", t.dim()),
            Span::raw(thousands(c.opportunities_count)),
            Span::styled(" · Open cases ", t.dim()),
            Span::raw(thousands(c.cases_open_count)),
        ]),
        Line::from(vec![
            Span::styled("Overdue tasks ", t.dim()),
            Span::styled(thousands(u.overdue_tasks), urgent(app, u.overdue_tasks)),
            Span::styled(" · due today ", t.dim()),
            Span::styled(thousands(u.tasks_due_today), urgent(app, u.tasks_due_today)),
            Span::styled(" · follow-ups today ", t.dim()),
            Span::raw(thousands(u.followups_today)),
            Span::styled(" · hot leads ", t.dim()),
            Span::raw(thousands(u.hot_leads)),
        ]),
    ];
    for l in &mut top {
        // Cut to the width: a line that does not fit must not wrap into the next.
        let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
        if sanitize::width(&text) > width {
            *l = Line::raw(sanitize::truncate(&text, width).into_owned());
        }
    }
    top
}

/// The pipeline: each stage's count and value, with a bar.
fn pipeline_lines(
    app: &App,
    c: &Dashboard,
    stages: &[&StageSum],
    width: usize,
) -> Vec<Line<'static>> {
    let t = app.theme;
    let currency = c.currency.clone().unwrap_or_default();
    let mut p = vec![Line::styled(
        sanitize::truncate(
            &format!(
                "{:<14}{:>7}  {:>16}  bars: deals",
                "Pipeline",
                "deals",
                format!("value ({})", sanitize::fit(&currency, 3))
            ),
            width,
        )
        .into_owned(),
        t.title(),
    )];
    let max = stages.iter().map(|s| s.count).max().unwrap_or(0).max(1);
    let bar_w = width.saturating_sub(44).min(30);
    for s in stages {
        // In u128: a count near i64::MAX times the bar's width overflows 64 bits.
        let filled = (s.count.max(0) as u128 * bar_w as u128 / max as u128) as usize;
        let style = match s.kind.as_str() {
            "won" => t.ok(),
            "lost" => t.closed(),
            _ => t.accent(),
        };
        let text = format!(
            "{:<14}{:>7}  {:>16} ",
            sanitize::fit(&s.label, 13),
            thousands(s.count),
            sanitize::fit(&crate::tui::records::crm::grouped(&s.value), 16)
        );
        p.push(Line::from(vec![
            Span::raw(sanitize::truncate(&text, width).into_owned()),
            Span::styled("█".repeat(filled), style),
        ]));
    }
    p
}
