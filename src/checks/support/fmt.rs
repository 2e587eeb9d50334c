//! Formatting for messages and evidence.

use chrono::{DateTime, Utc};

/// A date as RFC 3339 text, for evidence.
pub(crate) fn rfc3339(d: Option<DateTime<Utc>>) -> Option<String> {
    d.map(|d| d.to_rfc3339())
}

/// A date as `YYYY-MM-DD`, for messages.
pub(crate) fn ymd(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// How long ago, for messages: `today`, `1 day ago`, `12 days ago` (negative: in the future).
pub(crate) fn ago(days: i64) -> String {
    match days {
        0 => "today".to_string(),
        1 => "1 day ago".to_string(),
        d if d < 0 => format!("in {} days", -d),
        d => format!("{d} days ago"),
    }
}

/// Days for messages: whole numbers without decimals, fractions with two.
pub(crate) fn fmt_days(days: f64) -> String {
    if (days - days.round()).abs() < 1e-9 {
        format!("{days:.0}")
    } else {
        format!("{days:.2}")
    }
}

/// A duration of (possibly fractional) days.
pub(crate) fn days_duration(days: f64) -> chrono::Duration {
    chrono::Duration::seconds((days * 86_400.0).round() as i64)
}

/// At most `n` items joined with ", ", then "and K more".
pub(crate) fn list_bounded(items: &[String], n: usize) -> String {
    let shown = items.iter().take(n).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > n {
        format!("{shown} and {} more", items.len() - n)
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ago_reads_naturally() {
        assert_eq!(super::ago(0), "today");
        assert_eq!(super::ago(1), "1 day ago");
        assert_eq!(super::ago(91), "91 days ago");
        assert_eq!(super::ago(-3), "in 3 days");
    }
}
