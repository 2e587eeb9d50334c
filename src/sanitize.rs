//! The shared sanitiser for text that came from AWS (or any other untrusted source) before
//! it is shown: names, ARNs, tags, descriptions, policies and error messages can carry
//! terminal escape sequences, bidi overrides and invisible characters. Every renderer passes
//! such text through [`clean`] or [`clean_multiline`]; HTML escaping comes on top of that.

use std::fmt::Write as _;

/// Characters that can make displayed text lie: bidi embeddings/overrides/isolates and
/// invisible joiners.
fn is_deceptive(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
    )
}

fn clean_impl(s: &str, keep_newlines: bool) -> String {
    if !s.chars().any(|c| c.is_control() || is_deceptive(c)) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if keep_newlines && (c == '\n' || c == '\t') {
            out.push(c);
        } else if c.is_control() || is_deceptive(c) {
            let _ = write!(out, "[U+{:04X}]", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Makes control characters (escape sequences, newlines) and bidi/invisible characters
/// visible as `[U+202E]`, so that untrusted text shows what it is.
pub fn clean(s: &str) -> String {
    clean_impl(s, false)
}

/// [`clean`], keeping newlines and tabs (for policies, descriptions and prose).
pub fn clean_multiline(s: &str) -> String {
    clean_impl(s, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_makes_hostile_characters_visible() {
        assert_eq!(clean("plain/name"), "plain/name");
        assert_eq!(clean("a\u{202e}b"), "a[U+202E]b");
        assert_eq!(clean("\u{1b}[31mred"), "[U+001B][31mred");
        assert_eq!(clean("two\nlines"), "two[U+000A]lines");
        assert_eq!(clean_multiline("two\nlines\u{2066}"), "two\nlines[U+2066]");
    }
}
