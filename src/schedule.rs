//! Rotation schedules: the longest interval between two rotations a schedule allows.
//!
//! Secrets Manager takes either `AutomaticallyAfterDays` or a `ScheduleExpression`:
//! `rate(N days)` / `rate(N hours)`, or an AWS (EventBridge-style) `cron(min hour dom month dow
//! year)`. A cron schedule has no single period, so [`max_interval_days`] enumerates the days it
//! fires on over [`WINDOW_DAYS`] from an anchor and returns the longest gap between two
//! consecutive firings (day granularity, refined by the times of day it fires at).

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::inventory::RotationRules;

crate::error::message_error!(
    /// A rotation schedule that cannot be understood (the reason, for the finding's message).
    pub ScheduleError
);

/// How far ahead a cron schedule is enumerated: five years, so that schedules tied to leap days
/// or rare weekday/date combinations fire at least once more.
pub const WINDOW_DAYS: i64 = 5 * 366;

const MINUTES_PER_DAY: i64 = 24 * 60;

/// The longest gap, in days, between two consecutive rotations the rules schedule, looking
/// forward from `anchor`. `Ok(None)` when the rules give no schedule; `Err` with a message
/// when the expression cannot be understood.
///
/// A `ScheduleExpression` wins over `AutomaticallyAfterDays` when both are present (that is
/// what Secrets Manager does). A schedule firing several times a day gives a fraction of a day.
/// For a cron schedule that stops firing (a bounded year field), the gap after its last firing
/// in the window counts, so the result never understates the interval.
pub fn max_interval_days(
    rules: &RotationRules,
    anchor: DateTime<Utc>,
) -> Result<Option<f64>, ScheduleError> {
    if let Some(expr) = rules
        .schedule_expression
        .as_deref()
        .filter(|e| !e.trim().is_empty())
    {
        return expression_interval_days(expr, anchor).map(Some);
    }
    match rules.automatically_after_days {
        Some(d) if d >= 1 => Ok(Some(d as f64)),
        Some(d) => {
            Err(format!("AutomaticallyAfterDays is {d}, not a positive number of days").into())
        }
        None => Ok(None),
    }
}

/// The longest interval, in days, of one `rate(…)` or `cron(…)` expression.
pub fn expression_interval_days(expr: &str, anchor: DateTime<Utc>) -> Result<f64, ScheduleError> {
    let t = expr.trim();
    let body = |prefix: &str| -> Option<&str> {
        let head = t.get(..prefix.len())?;
        if !head.eq_ignore_ascii_case(prefix) {
            return None;
        }
        t[prefix.len()..].strip_suffix(')')
    };
    if let Some(inner) = body("rate(") {
        rate_days(inner).map_err(|e| ScheduleError(format!("schedule expression {expr:?}: {e}")))
    } else if let Some(inner) = body("cron(") {
        let cron = Cron::parse(inner).map_err(|e| format!("schedule expression {expr:?}: {e}"))?;
        cron.max_gap_days(anchor.date_naive())
            .map_err(|e| ScheduleError(format!("schedule expression {expr:?}: {e}")))
    } else {
        Err(format!("schedule expression {expr:?} is neither rate(…) nor cron(…)").into())
    }
}

fn rate_days(inner: &str) -> Result<f64, ScheduleError> {
    let parts: Vec<&str> = inner.split_whitespace().collect();
    let [n, unit] = parts.as_slice() else {
        return Err("rate() takes a number and a unit, e.g. rate(30 days)"
            .to_string()
            .into());
    };
    let n: u32 = n
        .parse()
        .map_err(|_| format!("{n:?} is not a whole number"))?;
    if n == 0 {
        return Err("the rate must be at least 1".to_string().into());
    }
    match unit.to_ascii_lowercase().as_str() {
        "day" | "days" => Ok(f64::from(n)),
        "hour" | "hours" => Ok(f64::from(n) / 24.0),
        other => Err(format!(
            "unit {other:?} is not supported (Secrets Manager uses hours or days)"
        )
        .into()),
    }
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
/// AWS numbering: 1 = SUN … 7 = SAT.
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// A parsed AWS cron expression.
#[derive(Debug)]
struct Cron {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    /// `None` for `?`.
    dom: Option<Vec<DomItem>>,
    months: Vec<bool>,
    /// `None` for `?`.
    dow: Option<Vec<DowItem>>,
    /// Index 0 = 1970; `None` for `*`.
    years: Option<Vec<bool>>,
}

#[derive(Debug)]
enum DomItem {
    Days(Vec<bool>),
    Last,
    LastWeekday,
    NearestWeekday(u32),
}

#[derive(Debug)]
enum DowItem {
    Days(Vec<bool>),
    /// `2#1`: the n-th such weekday of the month.
    Nth(u32, u32),
    /// `6L`: the last such weekday of the month.
    LastOf(u32),
}

const FIRST_YEAR: u32 = 1970;
const LAST_YEAR: u32 = 2199;

impl Cron {
    fn parse(inner: &str) -> Result<Cron, ScheduleError> {
        let f: Vec<&str> = inner.split_whitespace().collect();
        if f.len() != 6 {
            return Err(format!(
                "cron() takes 6 fields (minutes hours day-of-month month day-of-week year), got {}",
                f.len()
            )
            .into());
        }
        let minutes = parse_set(f[0], 0, 59, None, "minutes")?;
        let hours = parse_set(f[1], 0, 23, None, "hours")?;
        let months = parse_set(f[3], 1, 12, Some(&MONTHS), "month")?;
        let years = if f[5] == "*" {
            None
        } else {
            Some(parse_set(f[5], FIRST_YEAR, LAST_YEAR, None, "year")?)
        };
        let dom = if f[2] == "?" {
            None
        } else {
            Some(parse_dom(f[2])?)
        };
        let dow = if f[4] == "?" {
            None
        } else {
            Some(parse_dow(f[4])?)
        };
        match (&dom, &dow) {
            (Some(_), Some(_)) => Err("one of day-of-month and day-of-week must be `?`"
                .to_string()
                .into()),
            (None, None) => Err("day-of-month and day-of-week cannot both be `?`"
                .to_string()
                .into()),
            _ => Ok(Cron {
                minutes,
                hours,
                dom,
                months,
                dow,
                years,
            }),
        }
    }

    fn matches(&self, d: NaiveDate) -> bool {
        if let Some(years) = &self.years {
            let y = d.year();
            if y < FIRST_YEAR as i32
                || y > LAST_YEAR as i32
                || !years[(y as u32 - FIRST_YEAR) as usize]
            {
                return false;
            }
        }
        if !self.months[d.month() as usize] {
            return false;
        }
        let last = last_day_of_month(d);
        let day = d.day();
        if let Some(items) = &self.dom {
            return items.iter().any(|it| match it {
                DomItem::Days(set) => set[day as usize],
                DomItem::Last => day == last,
                DomItem::LastWeekday => day == nearest_weekday(d, last, last),
                DomItem::NearestWeekday(n) => *n <= last && day == nearest_weekday(d, *n, last),
            });
        }
        let aws_dow = d.weekday().num_days_from_sunday() + 1;
        self.dow.iter().flatten().any(|it| match it {
            DowItem::Days(set) => set[aws_dow as usize],
            DowItem::Nth(x, n) => aws_dow == *x && (day - 1) / 7 + 1 == *n,
            DowItem::LastOf(x) => aws_dow == *x && day + 7 > last,
        })
    }

    /// Minutes of the day the schedule fires at, sorted.
    fn times(&self) -> Vec<i64> {
        let mut t = Vec::new();
        for (h, &hon) in self.hours.iter().enumerate() {
            for (m, &mon) in self.minutes.iter().enumerate() {
                if hon && mon {
                    t.push(h as i64 * 60 + m as i64);
                }
            }
        }
        t
    }

    fn max_gap_days(&self, start: NaiveDate) -> Result<f64, ScheduleError> {
        let fire_days: Vec<i64> = (0..WINDOW_DAYS)
            .filter(|&i| self.matches(start + Duration::days(i)))
            .collect();
        let Some(&last) = fire_days.last() else {
            return Err(format!(
                "it never fires between {start} and {}",
                start + Duration::days(WINDOW_DAYS - 1)
            )
            .into());
        };
        let times = self.times();
        let (Some(&t_first), Some(&t_last)) = (times.first(), times.last()) else {
            return Err("it selects no time of day".to_string().into());
        };
        // Longest gap in whole days between firing days; the gap after the last firing in the
        // window is a lower bound of the real one, so counting it never overstates.
        let day_gap = fire_days
            .windows(2)
            .map(|w| w[1] - w[0])
            .chain(std::iter::once(WINDOW_DAYS - last))
            .max()
            .unwrap_or(WINDOW_DAYS);
        let across_days = day_gap * MINUTES_PER_DAY - (t_last - t_first);
        let within_day = times.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
        Ok(across_days.max(within_day) as f64 / MINUTES_PER_DAY as f64)
    }
}

fn last_day_of_month(d: NaiveDate) -> u32 {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|n| n.pred_opt())
        .map_or(28, |n| n.day())
}

/// The weekday (Mon–Fri) of `d`'s month nearest to day `n`, never crossing into another month.
fn nearest_weekday(d: NaiveDate, n: u32, last: u32) -> u32 {
    let Some(target) = d.with_day(n) else {
        return 0;
    };
    match target.weekday().num_days_from_monday() {
        5 if n == 1 => n + 2,    // Saturday the 1st → Monday the 3rd
        5 => n - 1,              // Saturday → Friday
        6 if n == last => n - 2, // Sunday the last → Friday
        6 => n + 1,              // Sunday → Monday
        _ => n,
    }
}

/// A number or a name (`JAN`, `MON`, 1-based).
fn parse_value(
    s: &str,
    min: u32,
    max: u32,
    names: Option<&[&str]>,
    field: &str,
) -> Result<u32, ScheduleError> {
    let v = if let Ok(v) = s.parse::<u32>() {
        v
    } else if let Some(pos) = names.and_then(|n| n.iter().position(|x| x.eq_ignore_ascii_case(s))) {
        pos as u32 + 1
    } else {
        return Err(format!("{field}: {s:?} is not a valid value").into());
    };
    if v < min || v > max {
        return Err(format!("{field}: {v} is outside {min}-{max}").into());
    }
    Ok(v)
}

/// A comma list of `*`, `a`, `a-b`, each optionally with `/step`. Returns a bitmap indexed by
/// value (years: by value − 1970).
fn parse_set(
    field_text: &str,
    min: u32,
    max: u32,
    names: Option<&[&str]>,
    field: &str,
) -> Result<Vec<bool>, ScheduleError> {
    let offset = if min >= FIRST_YEAR { FIRST_YEAR } else { 0 };
    let mut set = vec![false; (max - offset + 1) as usize];
    for item in field_text.split(',') {
        for v in parse_item(item, min, max, names, field)? {
            set[(v - offset) as usize] = true;
        }
    }
    Ok(set)
}

fn parse_item(
    item: &str,
    min: u32,
    max: u32,
    names: Option<&[&str]>,
    field: &str,
) -> Result<Vec<u32>, ScheduleError> {
    let (range, step) = match item.split_once('/') {
        Some((r, s)) => {
            let step: u32 = s
                .parse()
                .map_err(|_| format!("{field}: step {s:?} is not a whole number"))?;
            if step == 0 {
                return Err(format!("{field}: step must be at least 1").into());
            }
            (r, Some(step))
        }
        None => (item, None),
    };
    let (lo, hi) = if range == "*" {
        (min, max)
    } else if let Some((a, b)) = range.split_once('-') {
        let (a, b) = (
            parse_value(a, min, max, names, field)?,
            parse_value(b, min, max, names, field)?,
        );
        if a > b {
            return Err(format!("{field}: range {range:?} runs backwards").into());
        }
        (a, b)
    } else {
        let a = parse_value(range, min, max, names, field)?;
        // `a/n` runs from a to the end of the field; a bare `a` is just a.
        (a, if step.is_some() { max } else { a })
    };
    Ok((lo..=hi).step_by(step.unwrap_or(1) as usize).collect())
}

fn parse_dom(text: &str) -> Result<Vec<DomItem>, ScheduleError> {
    text.split(',')
        .map(|item| {
            let up = item.to_ascii_uppercase();
            if up == "L" {
                Ok(DomItem::Last)
            } else if up == "LW" {
                Ok(DomItem::LastWeekday)
            } else if let Some(n) = up.strip_suffix('W') {
                parse_value(n, 1, 31, None, "day-of-month").map(DomItem::NearestWeekday)
            } else {
                let mut set = vec![false; 32];
                for v in parse_item(item, 1, 31, None, "day-of-month")? {
                    set[v as usize] = true;
                }
                Ok(DomItem::Days(set))
            }
        })
        .collect()
}

fn parse_dow(text: &str) -> Result<Vec<DowItem>, ScheduleError> {
    let field = "day-of-week";
    text.split(',')
        .map(|item| {
            let up = item.to_ascii_uppercase();
            if up == "L" {
                // `L` alone: the last day of the week, Saturday.
                let mut set = vec![false; 8];
                set[7] = true;
                Ok(DowItem::Days(set))
            } else if let Some((d, n)) = up.split_once('#') {
                let d = parse_value(d, 1, 7, Some(&DAYS), field)?;
                let n = parse_value(n, 1, 5, None, field)?;
                Ok(DowItem::Nth(d, n))
            } else if let Some(d) = up.strip_suffix('L') {
                parse_value(d, 1, 7, Some(&DAYS), field).map(DowItem::LastOf)
            } else {
                let mut set = vec![false; 8];
                for v in parse_item(item, 1, 7, Some(&DAYS), field)? {
                    set[v as usize] = true;
                }
                Ok(DowItem::Days(set))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn anchor() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
            .single()
            .expect("valid date")
    }

    fn expr(e: &str) -> Result<f64, ScheduleError> {
        let rules = RotationRules {
            schedule_expression: Some(e.to_string()),
            ..Default::default()
        };
        max_interval_days(&rules, anchor()).map(|d| d.expect("an expression gives an interval"))
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 0.01
    }

    #[test]
    fn automatically_after_days() {
        let rules = RotationRules {
            automatically_after_days: Some(30),
            ..Default::default()
        };
        assert_eq!(max_interval_days(&rules, anchor()), Ok(Some(30.0)));
        assert_eq!(
            max_interval_days(&RotationRules::default(), anchor()),
            Ok(None)
        );
        let zero = RotationRules {
            automatically_after_days: Some(0),
            ..Default::default()
        };
        assert!(max_interval_days(&zero, anchor()).is_err());
    }

    #[test]
    fn expression_wins_over_days() {
        let rules = RotationRules {
            automatically_after_days: Some(30),
            schedule_expression: Some("rate(10 days)".into()),
            ..Default::default()
        };
        assert_eq!(max_interval_days(&rules, anchor()), Ok(Some(10.0)));
    }

    #[test]
    fn rates() {
        assert_eq!(expr("rate(30 days)"), Ok(30.0));
        assert_eq!(expr("rate(1 day)"), Ok(1.0));
        assert!(close(expr("rate(4 hours)").expect("parses"), 0.1667));
        assert_eq!(expr("rate(24 hours)"), Ok(1.0));
    }

    #[test]
    fn crons() {
        // 1st and 15th: 14 days, then 16 or 17 days from the 15th to the next 1st (31-day months).
        assert_eq!(expr("cron(0 16 1,15 * ? *)"), Ok(17.0));
        // Quarterly on the 1st: Jul→Oct and Oct→Jan are 92 days.
        assert_eq!(expr("cron(0 8 1 */3 ? *)"), Ok(92.0));
        assert_eq!(expr("cron(0 0 ? * MON *)"), Ok(7.0));
        // First Monday of the month: 28 or 35 days apart.
        assert_eq!(expr("cron(0 0 ? * 2#1 *)"), Ok(35.0));
        assert_eq!(expr("cron(0 0 ? * MON#1 *)"), Ok(35.0));
        // Daily, several times a day: the longest gap within the day.
        assert!(close(
            expr("cron(0 */4 * * ? *)").expect("parses"),
            4.0 / 24.0
        ));
        assert!(close(expr("cron(0 8,20 * * ? *)").expect("parses"), 0.5));
        assert_eq!(expr("cron(30 2 * * ? *)"), Ok(1.0));
        // Two times a day on the 1st only: the gap is from 20:00 on the 1st to 08:00 on the next 1st.
        assert!(close(
            expr("cron(0 8,20 1 * ? *)").expect("parses"),
            31.0 - 0.5
        ));
        // Weekdays: Friday to Monday.
        assert_eq!(expr("cron(0 0 ? * MON-FRI *)"), Ok(3.0));
        assert_eq!(expr("cron(0 0 ? * 2-6 *)"), Ok(3.0));
        // Last day of the month; last Friday of the month.
        assert_eq!(expr("cron(0 0 L * ? *)"), Ok(31.0));
        assert_eq!(expr("cron(0 0 ? * 6L *)"), Ok(35.0));
        // Month names, yearly.
        assert_eq!(expr("cron(0 0 1 JAN,JUL ? *)"), Ok(184.0));
        assert_eq!(expr("cron(0 0 1 1 ? *)"), Ok(366.0));
        // Steps from a start value: 1, 11, 21, 31; from the 21st to the next 1st is 10 days at most.
        assert_eq!(expr("cron(0 0 1/10 * ? *)"), Ok(10.0));
        // Nearest weekday to the 15th / last weekday: at most 4 days more than a month.
        assert!(expr("cron(0 0 15W * ? *)").expect("parses") <= 35.0);
        assert!(expr("cron(0 0 LW * ? *)").expect("parses") <= 35.0);
    }

    #[test]
    fn a_schedule_that_stops_is_not_understated() {
        // Fires monthly in 2026 only: the gap after the last firing reaches the window end.
        let d = expr("cron(0 0 1 * ? 2026)").expect("parses");
        assert!(d > 1000.0, "{d}");
    }

    #[test]
    fn bad_expressions() {
        for bad in [
            "",
            "every 30 days",
            "rate(30)",
            "rate(0 days)",
            "rate(30 weeks)",
            "rate(x days)",
            "cron(0 0 * * *)",
            "cron(0 0 * * * *)",
            "cron(0 0 ? * ? *)",
            "cron(61 0 1 * ? *)",
            "cron(0 0 32 * ? *)",
            "cron(0 0 1 FOO ? *)",
            "cron(0 0 ? * 8 *)",
            "cron(0 0 ? * MON#6 *)",
            "cron(0 0 5-1 * ? *)",
            "cron(0 0 */0 * ? *)",
            "cron(0 0 1 1 ? 2020)",
            "cron(0 0 31 2 ? *)",
        ] {
            let rules = RotationRules {
                schedule_expression: Some(bad.to_string()),
                automatically_after_days: Some(30),
                ..Default::default()
            };
            match max_interval_days(&rules, anchor()) {
                Err(e) => assert!(!e.0.is_empty()),
                // An empty expression falls back to AutomaticallyAfterDays.
                Ok(v) if bad.is_empty() => assert_eq!(v, Some(30.0)),
                Ok(v) => panic!("{bad:?} gave {v:?}"),
            }
        }
        let e = expr("cron(0 0 31 2 ? *)").unwrap_err();
        assert!(e.0.contains("never fires"), "{e}");
    }
}
