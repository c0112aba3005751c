//! The account's detail layout: the summary, then the records that hang off it.

use ratatui::text::{Line, Span};

use crate::model::{Account, AccountDetail};
use crate::tui::records::DrawCtx;
use crate::tui::records::crm::join;
use crate::tui::sanitize;
use crate::tui::ui::{ago, when};

/// The detail pane's lines: the summary, then (once the detail is in) the related records.
pub(super) fn lines(
    ctx: &DrawCtx<'_>,
    row: &Account,
    detail: Option<&AccountDetail>,
    width: usize,
) -> Vec<Line<'static>> {
    let mut lines = summary_lines(ctx, row, detail, width);
    if let Some(d) = detail {
        related_lines(ctx, d, width, &mut lines);
    }
    lines
}

/// `label value` with the label dimmed; empty values are left out by the caller.
fn kv(ctx: &DrawCtx<'_>, label: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<9}"), ctx.theme.dim()),
        Span::raw(value),
    ])
}

fn joined(parts: &[&String]) -> String {
    parts
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| sanitize::line(s).into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

fn summary_lines(
    ctx: &DrawCtx<'_>,
    a: &Account,
    detail: Option<&AccountDetail>,
    width: usize,
) -> Vec<Line<'static>> {
    let w = width.saturating_sub(9);
    let mut lines = Vec::new();
    if let Some(first) = industry_and_tags(ctx, a, width) {
        lines.push(first);
    }
    for (label, value) in [
        ("Email", &a.email),
        ("Phone", &a.phone),
        ("Website", &a.website),
    ] {
        if !value.is_empty() {
            lines.push(kv(ctx, label, sanitize::fit(value, w)));
        }
    }
    // Figures a BottleCRM server keeps (the core has none).
    if let Some(figures) = detail.and_then(|d| d.figures.as_ref()) {
        for (label, value) in figures.rows() {
            lines.push(kv(ctx, label, sanitize::fit(&value, w)));
        }
    }
    address_lines(ctx, a, w, &mut lines);
    let assigned: Vec<String> = match detail {
        Some(d) => d
            .assigned_to
            .iter()
            .map(|u| sanitize::line(&u.email).into_owned())
            .collect(),
        None => a.assigned_to.iter().map(|u| ctx.users.name(u)).collect(),
    };
    if !assigned.is_empty() {
        lines.push(kv(
            ctx,
            "Assigned",
            sanitize::truncate(&assigned.join(", "), w).into_owned(),
        ));
    }
    if let Some(d) = detail {
        counts_lines(ctx, d, width, w, &mut lines);
    }
    lines.push(created_line(ctx, a, w));
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

/// The industry and the tags, on the first line.
fn industry_and_tags(ctx: &DrawCtx<'_>, a: &Account, width: usize) -> Option<Line<'static>> {
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
    (!first.is_empty()).then(|| {
        Line::styled(
            sanitize::truncate(&first.join(" · "), width).into_owned(),
            ctx.theme.accent(),
        )
    })
}

/// When the account was created, and by whom.
fn created_line(ctx: &DrawCtx<'_>, a: &Account, w: usize) -> Line<'static> {
    let by = a
        .created_by
        .map(|u| format!(" by {}", ctx.users.name(&u)))
        .unwrap_or_default();
    let text = format!(
        "{} ({}){by}",
        when(ctx.utc, a.created_on),
        ago(ctx.now, a.created_on)
    );
    kv(ctx, "Created", sanitize::truncate(&text, w).into_owned())
}

/// The billing address on one or two lines.
fn address_lines(ctx: &DrawCtx<'_>, a: &Account, w: usize, lines: &mut Vec<Line<'static>>) {
    let street = joined(&[&a.billing_address_line, &a.billing_street]);
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
            ctx,
            "Address",
            sanitize::truncate(&street, w).into_owned(),
        ));
    }
    if !city.is_empty() {
        lines.push(kv(
            ctx,
            if street.is_empty() { "Address" } else { "" },
            sanitize::truncate(&city, w).into_owned(),
        ));
    }
}

/// The teams, and how many records of each kind hang off the account.
fn counts_lines(
    ctx: &DrawCtx<'_>,
    d: &AccountDetail,
    width: usize,
    w: usize,
    lines: &mut Vec<Line<'static>>,
) {
    if !d.teams.is_empty() {
        let teams = d
            .teams
            .iter()
            .map(|t| sanitize::line(&t.name).into_owned())
            .collect::<Vec<_>>()
            .join(", ");
        lines.push(kv(ctx, "Teams", sanitize::truncate(&teams, w).into_owned()));
    }
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
        ctx.theme.dim(),
    ));
}

fn section(
    ctx: &DrawCtx<'_>,
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
        ctx.theme.title(),
    ));
    for item in items {
        lines.push(Line::raw(
            sanitize::truncate(&format!("  {item}"), width).into_owned(),
        ));
    }
}

fn related_lines(
    ctx: &DrawCtx<'_>,
    d: &AccountDetail,
    width: usize,
    lines: &mut Vec<Line<'static>>,
) {
    let users = d
        .assigned_to
        .iter()
        .map(|u| join(&[&u.email, u.role.as_str()]))
        .collect();
    section(ctx, lines, "Assigned users", users, width);
    let teams = d
        .teams
        .iter()
        .map(|t| join(&[&t.name, &t.description]))
        .collect();
    section(ctx, lines, "Teams", teams, width);
}
