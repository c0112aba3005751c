//! The account filter: its form (`f`), its bar under the header, and its `:filter` grammar.

use ratatui::text::{Line, Span};

use super::split_tags;
use crate::model::{AccountFilter, AccountStatus};
use crate::tui::overlay::form::{Field, FieldKind, Form};
use crate::tui::sanitize;
use crate::tui::theme::Theme;

/// The filter form (`f`), opened with the current filter.
pub fn filter_form(f: &AccountFilter) -> Form {
    let v = |s: &Option<String>| s.clone().unwrap_or_default();
    Form::new(
        "Filter accounts",
        vec![
            Field::new("name", "Name", FieldKind::Line, &v(&f.name)),
            Field::new("city", "City", FieldKind::Line, &v(&f.city)),
            Field::new("industry", "Industry", FieldKind::Line, &v(&f.industry)),
            Field::new("tags", "Tags", FieldKind::Line, &f.tags.join(", ")),
        ],
    )
    .with_note("substrings, any case · tags: any of a, b · empty = any")
}

/// The filter the filter form describes.
pub fn filter_from_form(form: &Form) -> AccountFilter {
    let opt = |k: &str| Some(form.value(k).trim().to_string()).filter(|v| !v.is_empty());
    AccountFilter {
        name: opt("name"),
        city: opt("city"),
        industry: opt("industry"),
        tags: split_tags(&form.value("tags")),
        status: None,
    }
}

const FILTER_KEYS: [&str; 6] = ["name", "city", "industry", "tags", "tag", "status"];

/// `city=paris industry=tech tags=a,b name=acme status=closed`, or a bare word for the name:
/// the filter and the tab it asks for. Values may be quoted (`city="san francisco"`) or use
/// `+` for spaces; an unknown key is an error, not a name.
pub fn parse_filter(expr: &str) -> Result<(AccountFilter, Option<AccountStatus>), String> {
    let parts = split_words(expr).map_err(|e| format!(":filter: {e}"))?;
    let mut f = AccountFilter::default();
    let mut words = Vec::new();
    let mut tab = None;
    for part in &parts {
        let pair = part.split_once('=').or_else(|| {
            part.split_once(':')
                .filter(|(k, _)| FILTER_KEYS.contains(&k.to_ascii_lowercase().as_str()))
        });
        let Some((k, v)) = pair else {
            words.push(part.clone());
            continue;
        };
        match k.to_ascii_lowercase().as_str() {
            "city" => f.city = Some(v.to_string()),
            "industry" => f.industry = Some(v.to_string()),
            "name" => f.name = Some(v.to_string()),
            "tags" | "tag" => f.tags = split_tags(v),
            "status" => match AccountStatus::parse(&v.to_ascii_lowercase()) {
                Some(s) => tab = Some(s),
                // Silently ignoring it would show the wrong list as if filtered.
                None => {
                    return Err(format!(
                        "status={}: use open or closed",
                        sanitize::fit(v, 20)
                    ));
                }
            },
            _ => {
                return Err(format!(
                    ":filter {}=…: unknown filter (name=, city=, industry=, tags=, status=)",
                    sanitize::fit(k, 20)
                ));
            }
        }
    }
    if !words.is_empty() {
        f.name = Some(words.join(" "));
    }
    Ok((f, tab))
}

/// Words of a filter expression: whitespace separates them except inside `"…"` or `'…'`;
/// outside quotes a `+` is a space.
fn split_words(expr: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in expr.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, '+') => {
                cur.push(' ');
                in_word = true;
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("a quote is not closed".into());
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

/// The filter bar under the header: the `/` key, then every filter with `any` for unset ones.
pub fn filter_bar(theme: &Theme, filter_key: String, f: &AccountFilter) -> Line<'static> {
    let t = theme;
    let any = |v: &Option<String>| {
        v.as_deref()
            .map(|s| sanitize::fit(s, 20))
            .unwrap_or_else(|| "any".into())
    };
    let tags = if f.tags.is_empty() {
        "any".to_string()
    } else {
        sanitize::fit(&f.tags.join(","), 24)
    };
    let value = |v: String| {
        if v == "any" {
            Span::styled(v, t.dim())
        } else {
            Span::styled(v, t.accent())
        }
    };
    let name = f
        .name
        .as_deref()
        .map(|s| sanitize::fit(s, 30))
        .unwrap_or_default();
    Line::from(vec![
        Span::styled(format!(" {filter_key} "), t.key()),
        if name.is_empty() {
            Span::styled("name", t.dim())
        } else {
            Span::styled(format!("name:{name}"), t.accent())
        },
        Span::raw("  city:"),
        value(any(&f.city)),
        Span::raw("  industry:"),
        value(any(&f.industry)),
        Span::raw("  tags:"),
        value(tags),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_expressions() {
        let (f, tab) = parse_filter(r#"city="san francisco" tags=a,b acme+corp status=Closed"#)
            .expect("valid");
        assert_eq!(f.city.as_deref(), Some("san francisco"));
        assert_eq!(f.tags, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(f.name.as_deref(), Some("acme corp"));
        assert_eq!(tab, Some(AccountStatus::Closed));
        assert!(parse_filter("bogus=1").is_err_and(|e| e.contains("unknown filter")));
        assert!(parse_filter("status=shut").is_err_and(|e| e.contains("open or closed")));
        assert!(parse_filter("city=\"open").is_err_and(|e| e.contains("quote")));
    }
}
