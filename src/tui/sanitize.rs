//! Making text from the API safe to draw.
//!
//! Server text may hold tabs, newlines, control characters, escape sequences or bidi overrides.
//! Drawn as is, they would move the cursor, recolour the terminal or break the layout. Everything
//! the UI shows from the network goes through [`line()`] (one line) or [`lines`] (multi-line).

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

const TAB: usize = 4;

/// Invisible characters that change the layout: zero-width spaces and joiners, bidi controls,
/// and the variation selectors, which widen some emoji to two columns in one terminal and not
/// in another (and not in the per-character count that cuts and wraps use).
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{00AD}'
        | '\u{FE0E}' | '\u{FE0F}')
}

/// One line: escape sequences and control characters removed, tabs and newlines turned into
/// spaces.
pub fn line(s: &str) -> Cow<'_, str> {
    if s.chars()
        .all(|c| !c.is_control() && !is_invisible_format(c))
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    clean_into(s, &mut out, true);
    Cow::Owned(out)
}

/// Several lines: like [`line()`] but newlines split lines and tabs expand to the next stop.
pub fn lines(s: &str) -> Vec<String> {
    let mut out = String::with_capacity(s.len());
    clean_into(s, &mut out, false);
    out.split('\n').map(str::to_string).collect()
}

fn clean_into(s: &str, out: &mut String, single: bool) {
    let mut chars = s.chars().peekable();
    let mut col = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI / OSC introducers.
            '\u{9b}' => skip_params(&mut chars),
            '\u{9d}' => skip_string(&mut chars),
            '\t' => {
                let n = if single { 1 } else { TAB - col % TAB };
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            '\r' => {
                if chars.peek() != Some(&'\n') && single {
                    out.push(' ');
                    col += 1;
                }
            }
            '\n' => {
                if single {
                    out.push(' ');
                    col += 1;
                } else {
                    out.push('\n');
                    col = 0;
                }
            }
            c if c.is_control() || is_invisible_format(c) => {}
            c => {
                out.push(c);
                col += c.width().unwrap_or(0);
            }
        }
    }
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_params(chars),
        Some(']') | Some('P') | Some('_') | Some('^') | Some('X') => skip_string(chars),
        // Two-character sequences (ESC c, ESC 7, ...) and charset designations (ESC ( B).
        Some('(') | Some(')') | Some('*') | Some('+') | Some('#') | Some('%') => {
            chars.next();
        }
        _ => {}
    }
}

/// CSI: parameters and intermediates up to a final byte in `@`..=`~`.
fn skip_params(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('@'..='~').contains(&c) {
            break;
        }
    }
}

/// OSC/DCS/...: up to BEL or ESC \ (string terminator).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

/// Display width in terminal columns.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts `s` to at most `max` columns, ending with `…` when cut. Never splits a wide character.
pub fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    Cow::Owned(out)
}

/// [`line()`] then [`truncate`].
pub fn fit(s: &str, max: usize) -> String {
    truncate(&line(s), max).into_owned()
}

/// Cuts `s` (already one clean line) to `max` columns in the middle, so that both the start
/// (what failed) and the end (the hint: "— press L to sign in") stay visible.
pub fn truncate_middle(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max < 8 {
        return truncate(s, max);
    }
    // The tail gets what it needs up to two thirds of the room; the head the rest.
    let budget = max - 1;
    let tail_room = budget * 2 / 3;
    let hint = s.rfind(" — ").map(|i| &s[i..]).unwrap_or("");
    let tail_w = if !hint.is_empty() && width(hint) <= tail_room {
        width(hint)
    } else {
        budget / 2
    };
    let head_w = budget - tail_w;
    let mut head = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > head_w {
            break;
        }
        used += w;
        head.push(c);
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > tail_w {
            break;
        }
        used += w;
        tail.push(c);
    }
    let tail: String = tail.into_iter().rev().collect();
    Cow::Owned(format!("{}…{}", head.trim_end(), tail))
}

/// Wraps `text` (already clean, one line) into lines of at most `max` columns, breaking at spaces
/// where possible.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_w = 0;
    for word in text.split(' ') {
        let w = width(word);
        if cur_w > 0 && cur_w + 1 + w > max {
            out.push(std::mem::take(&mut cur));
            cur_w = 0;
        }
        if w > max {
            // A word longer than the line: hard-break it.
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if cur_w + cw > max {
                    out.push(std::mem::take(&mut cur));
                    cur_w = 0;
                }
                cur.push(c);
                cur_w += cw;
            }
            continue;
        }
        if cur_w > 0 {
            cur.push(' ');
            cur_w += 1;
        }
        cur.push_str(word);
        cur_w += w;
    }
    out.push(cur);
    out
}

/// The word with its first letter in upper case: "case" → "Case".
pub fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_middle_is_cut_and_the_hint_kept() {
        let s = "loading accounts: session expired: the token was refused by the server for a long reason — press L to sign in again";
        let out = truncate_middle(s, 78);
        assert!(width(&out) <= 78, "{out}");
        assert!(out.ends_with("press L to sign in again"), "{out}");
        assert!(out.starts_with("loading accounts"), "{out}");
        assert_eq!(truncate_middle("short", 78), "short");
    }

    #[test]
    fn strips_escapes_and_controls() {
        assert_eq!(line("a\x1b[31mred\x1b[0m b"), "ared b");
        assert_eq!(line("x\x1b]0;title\x07y"), "xy");
        assert_eq!(line("x\x1b]8;;http://e\x1b\\link\x1b]8;;\x1b\\y"), "xlinky");
        assert_eq!(
            line("tab\there\r\nnext\u{7}\u{202E}evil"),
            "tab here nextevil"
        );
        assert_eq!(line("plain"), "plain");
    }

    #[test]
    fn multi_line_expands_tabs() {
        assert_eq!(
            lines("a\tb\nc\x1b[2Jd"),
            vec!["a   b".to_string(), "cd".to_string()]
        );
    }

    #[test]
    fn truncates_by_width() {
        assert_eq!(truncate("東京都港区", 5), "東京…");
        assert_eq!(width(&truncate("東京都港区", 5)), 5);
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 1), "…");
        assert_eq!(truncate("abcd", 0), "");
    }

    #[test]
    fn wraps_words_and_long_words() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
    }
}
