//! Waivers: `[[waiver]]` entries in the config that accept a failing finding for a while.
//!
//! A waiver names a check id, a resource pattern (an ARN, a name, or a glob over either),
//! a reason, an owner and an expiry date. During evaluation, a **failing** finding of that
//! check whose resource ARN or name matches the pattern becomes `suppressed` and carries the
//! waiver ([`WaiverRef`]); `pass`, `error` and `not_applicable` findings are never touched.
//! A waiver is valid up to and including its `expires` day (UTC); from the next day on it
//! suppresses nothing, and SL902 reports it — as it reports a waiver that suppressed nothing.
//!
//! Like every other part of evaluation this is pure: "expired" is judged as of the `now`
//! passed to [`apply`], never the wall clock.
//!
//! This module knows neither the config's error type nor the check registry: validation
//! takes a constructor for the caller's error, and whether a waiver's check exists is asked
//! of a predicate the caller passes ([`check_known`]; the app passes the registry).

use chrono::{DateTime, NaiveDate, Utc};
use globset::{GlobBuilder, GlobMatcher};
use serde::{Deserialize, Deserializer, Serialize};

use crate::report::Finding;
use crate::vocab::{Status, WAIVER_CHECK, WaiverRef};

/// One `[[waiver]]` entry as written. Every field defaults to empty so that validation, not
/// the TOML parser, reports a missing key — by waiver index and key name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawWaiver {
    /// The check id, e.g. `SL101`.
    pub check: String,
    /// A resource ARN or name, or a glob over either (`prod/payments/*`).
    pub resource: String,
    /// Why the risk is accepted. Required.
    pub reason: String,
    /// Last day the waiver applies, `YYYY-MM-DD` (UTC). Required.
    #[serde(deserialize_with = "date_text")]
    pub expires: String,
    /// Who accepted the risk (a team or a person). Required.
    pub owner: String,
}

/// `expires` may be written as a string (`"2026-12-31"`) or as a TOML date (`2026-12-31`).
fn date_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum DateInput {
        Text(String),
        Toml(toml::value::Datetime),
    }
    match DateInput::deserialize(d) {
        Ok(DateInput::Text(s)) => Ok(s),
        Ok(DateInput::Toml(dt)) => Ok(dt.to_string()),
        Err(_) => Err(serde::de::Error::custom(
            "expected a date such as \"2026-12-31\"",
        )),
    }
}

/// A validated waiver.
#[derive(Debug, Clone)]
pub struct Waiver {
    /// Position in the config's `[[waiver]]` list, from 0 (`waiver[0]`).
    pub index: usize,
    /// The canonical check id.
    pub check: String,
    /// The resource pattern as written.
    pub resource: String,
    matcher: GlobMatcher,
    pub reason: String,
    pub owner: String,
    /// The last day the waiver applies (UTC).
    pub expires: NaiveDate,
}

impl Waiver {
    /// `waiver[2]`: how messages and the SL902 resource name the waiver.
    pub fn label(&self) -> String {
        format!("waiver[{}]", self.index)
    }

    /// True when the finding is of this waiver's check and its resource ARN or name matches
    /// the pattern. Says nothing about status or expiry.
    pub fn matches(&self, f: &Finding) -> bool {
        f.check_id == self.check
            && (self.matcher.is_match(&*f.resource.arn)
                || (!f.resource.name.is_empty() && self.matcher.is_match(&*f.resource.name)))
    }

    /// True from the day after `expires` (UTC) on.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now.date_naive() > self.expires
    }

    pub fn to_ref(&self) -> WaiverRef {
        WaiverRef {
            index: self.index,
            resource: self.resource.clone(),
            reason: self.reason.clone(),
            owner: self.owner.clone(),
            expires: self.expires,
        }
    }
}

/// Turns each failing finding matched by a waiver that has not expired as of `now` into a
/// `suppressed` one carrying that waiver (the first matching one, in config order).
pub fn apply(waivers: &[Waiver], findings: &mut [Finding], now: DateTime<Utc>) {
    let live: Vec<&Waiver> = waivers.iter().filter(|w| !w.is_expired(now)).collect();
    if live.is_empty() {
        return;
    }
    for f in findings.iter_mut().filter(|f| f.status == Status::Fail) {
        if let Some(w) = live.iter().find(|w| w.matches(f)) {
            f.status = Status::Suppressed;
            f.waiver = Some(Box::new(w.to_ref()));
        }
    }
}

/// Validates the `[[waiver]]` entries. Errors name the waiver and key: `waiver[2].expires`;
/// `invalid(key, message)` makes the caller's error. Check ids are canonicalised (trimmed,
/// upper case) but not looked up: see [`check_known`].
pub fn validate_all<E>(
    raw: &[RawWaiver],
    invalid: &dyn Fn(&str, String) -> E,
) -> Result<Vec<Waiver>, E> {
    raw.iter()
        .enumerate()
        .map(|(i, w)| validate(i, w, invalid))
        .collect()
}

/// The first waiver (in config order) whose check is not a known check id, as the error
/// `invalid(key, message)` makes: `waiver[2].check`: unknown check "SL999" …. `is_known` gets
/// the canonical id (`SL101`); `raw` and `waivers` are the entries as written and validated.
pub fn check_known<E>(
    raw: &[RawWaiver],
    waivers: &[Waiver],
    is_known: &dyn Fn(&str) -> bool,
    invalid: &dyn Fn(&str, String) -> E,
) -> Result<(), E> {
    match waivers.iter().find(|w| !is_known(&w.check)) {
        None => Ok(()),
        Some(w) => Err(invalid(
            &format!("waiver[{}].check", w.index),
            format!(
                "unknown check {:?}: use a check id such as \"SL101\" (`secretlens checks` lists them)",
                raw.get(w.index)
                    .map_or(w.check.as_str(), |r| r.check.as_str())
            ),
        )),
    }
}

fn validate<E>(
    index: usize,
    w: &RawWaiver,
    invalid: &dyn Fn(&str, String) -> E,
) -> Result<Waiver, E> {
    let key = |k: &str| format!("waiver[{index}].{k}");
    let required = |k: &str, v: &str| {
        if v.trim().is_empty() {
            Err(invalid(&key(k), "required: a non-empty string".to_string()))
        } else {
            Ok(())
        }
    };
    required("check", &w.check)?;
    let check = w.check.trim().to_ascii_uppercase();
    if check == WAIVER_CHECK {
        return Err(invalid(
            &key("check"),
            format!(
                "{WAIVER_CHECK} reports the waivers themselves and cannot be waived: remove or renew the waiver it reports"
            ),
        ));
    }
    required("resource", &w.resource)?;
    if w.resource.trim() != w.resource {
        return Err(invalid(
            &key("resource"),
            format!("{:?} has surrounding spaces", w.resource),
        ));
    }
    let matcher = GlobBuilder::new(&w.resource)
        .literal_separator(false)
        .build()
        .map_err(|e| {
            invalid(
                &key("resource"),
                format!("invalid glob {:?}: {}", w.resource, e.kind()),
            )
        })?
        .compile_matcher();
    required("reason", &w.reason)?;
    required("owner", &w.owner)?;
    required("expires", &w.expires)?;
    let expires = parse_date(w.expires.trim()).ok_or_else(|| {
        invalid(
            &key("expires"),
            format!(
                "invalid date {:?}: expected YYYY-MM-DD, e.g. \"2026-12-31\"",
                w.expires
            ),
        )
    })?;
    Ok(Waiver {
        index,
        check,
        resource: w.resource.clone(),
        matcher,
        reason: w.reason.trim().to_string(),
        owner: w.owner.trim().to_string(),
        expires,
    })
}

/// Strictly `YYYY-MM-DD`.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{self, now};
    use crate::config::Config;
    use crate::vocab::Severity;

    fn cfg(toml: &str) -> Config {
        parse(toml).unwrap_or_else(|e| panic!("{e}"))
    }

    /// As `app::load_config` loads a config: its waivers' checks looked up in the registry.
    fn parse(toml: &str) -> Result<Config, crate::config::ConfigError> {
        let c = Config::from_toml("x.toml", toml)?;
        c.check_waiver_ids("x.toml", &|id| crate::checks::meta(id).is_some())?;
        Ok(c)
    }

    fn waiver_toml(check: &str, resource: &str, expires: &str) -> String {
        format!(
            "[[waiver]]\ncheck = \"{check}\"\nresource = \"{resource}\"\nreason = \"accepted until the migration\"\nexpires = \"{expires}\"\nowner = \"team-payments\"\n"
        )
    }

    /// SL101 fails on `prod/app/off` and `dev/app/off`, passes on `prod/app/on`.
    fn findings() -> Vec<Finding> {
        let mut on = testutil::secret("prod/app/on");
        on.rotation_enabled = Some(true);
        let inv = testutil::inventory(vec![
            on,
            testutil::secret("prod/app/off"),
            testutil::secret("dev/app/off"),
        ]);
        let sl101 = crate::checks::ALL
            .iter()
            .find(|c| c.id() == "SL101")
            .expect("SL101 is registered");
        testutil::run(*sl101, &inv)
    }

    fn status(findings: &[Finding], name: &str) -> Status {
        testutil::status_of(findings, name)
    }

    #[test]
    fn an_exact_arn_suppresses_only_that_fail() {
        let mut f = findings();
        let arn = f
            .iter()
            .find(|f| f.resource.name.as_ref() == "prod/app/off")
            .unwrap()
            .resource
            .arn
            .clone();
        let c = cfg(&waiver_toml("SL101", &arn, "2026-12-31"));
        apply(&c.waivers, &mut f, now());
        assert_eq!(status(&f, "prod/app/off"), Status::Suppressed);
        assert_eq!(status(&f, "dev/app/off"), Status::Fail);
        assert_eq!(status(&f, "prod/app/on"), Status::Pass);
        let w = f
            .iter()
            .find(|f| f.resource.name.as_ref() == "prod/app/off")
            .unwrap()
            .waiver
            .clone()
            .unwrap();
        assert_eq!(w.reason, "accepted until the migration");
        assert_eq!(w.owner, "team-payments");
        assert_eq!(w.expires.to_string(), "2026-12-31");
        assert_eq!(w.index, 0);
        assert!(
            f.iter()
                .filter(|f| f.status != Status::Suppressed)
                .all(|f| f.waiver.is_none())
        );
    }

    #[test]
    fn a_name_glob_matches_across_slashes_and_only_fails() {
        let mut f = findings();
        let c = cfg(&waiver_toml("SL101", "prod/*", "2026-12-31"));
        apply(&c.waivers, &mut f, now());
        assert_eq!(status(&f, "prod/app/off"), Status::Suppressed);
        assert_eq!(
            status(&f, "prod/app/on"),
            Status::Pass,
            "a pass is never suppressed"
        );
        assert_eq!(status(&f, "dev/app/off"), Status::Fail);

        let mut f = findings();
        let c = cfg(&waiver_toml("SL101", "*/app/off", "2026-12-31"));
        apply(&c.waivers, &mut f, now());
        assert_eq!(status(&f, "prod/app/off"), Status::Suppressed);
        assert_eq!(status(&f, "dev/app/off"), Status::Suppressed);
    }

    #[test]
    fn error_and_not_applicable_are_never_suppressed() {
        let mut f = findings();
        f[0].status = Status::Error;
        f[1].status = Status::NotApplicable;
        let c = cfg(&waiver_toml("SL101", "*", "2026-12-31"));
        apply(&c.waivers, &mut f, now());
        assert_eq!(f[0].status, Status::Error);
        assert_eq!(f[1].status, Status::NotApplicable);
        assert!(f[0].waiver.is_none() && f[1].waiver.is_none());
        assert_eq!(f[2].status, Status::Suppressed);
    }

    #[test]
    fn another_check_id_does_not_match() {
        let mut f = findings();
        let c = cfg(&waiver_toml("SL104", "*", "2026-12-31"));
        apply(&c.waivers, &mut f, now());
        assert!(f.iter().all(|f| f.status != Status::Suppressed));
    }

    #[test]
    fn a_waiver_applies_through_its_expiry_day_and_not_after() {
        // now() is 2026-06-01T00:00Z.
        let mut f = findings();
        let c = cfg(&waiver_toml("SL101", "prod/app/off", "2026-06-01"));
        apply(&c.waivers, &mut f, now());
        assert_eq!(
            status(&f, "prod/app/off"),
            Status::Suppressed,
            "the expiry day itself counts"
        );
        assert!(!c.waivers[0].is_expired(now() + chrono::Duration::hours(23)));

        let mut f = findings();
        let c = cfg(&waiver_toml("SL101", "prod/app/off", "2026-05-31"));
        assert!(c.waivers[0].is_expired(now()));
        apply(&c.waivers, &mut f, now());
        assert_eq!(
            status(&f, "prod/app/off"),
            Status::Fail,
            "an expired waiver suppresses nothing"
        );
    }

    #[test]
    fn the_first_live_waiver_wins() {
        let mut f = findings();
        let toml = waiver_toml("SL101", "prod/app/off", "2020-01-01")
            + &waiver_toml("SL101", "prod/*", "2026-12-31");
        let c = cfg(&toml);
        apply(&c.waivers, &mut f, now());
        let w = f
            .iter()
            .find(|f| f.resource.name.as_ref() == "prod/app/off")
            .unwrap()
            .waiver
            .clone()
            .unwrap();
        assert_eq!(w.index, 1, "waiver[0] has expired");
    }

    #[test]
    fn suppressed_findings_never_count_for_fail_on() {
        let inv = testutil::inventory(vec![testutil::secret("prod/app/off")]);
        let report = crate::evaluate::evaluate(
            &inv,
            &cfg(&waiver_toml("SL101", "prod/app/off", "2026-12-31")),
            now(),
        );
        let sl101: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.check_id == "SL101")
            .collect();
        assert_eq!(sl101[0].status, Status::Suppressed);
        let plain = crate::evaluate::evaluate(&inv, &Config::default(), now());
        assert_eq!(
            report.failing_at_or_above(Severity::High) + 1,
            plain.failing_at_or_above(Severity::High),
            "the suppressed high fail no longer counts"
        );
        assert_eq!(report.summary.by_status.get(&Status::Suppressed), Some(&1));
    }

    #[test]
    fn validation_names_the_waiver_and_the_key() {
        let full = |check: &str, resource: &str, reason: &str, expires: &str, owner: &str| {
            format!(
                "[[waiver]]\ncheck = \"SL101\"\nresource = \"x\"\nreason = \"r\"\nexpires = \"2026-12-31\"\nowner = \"o\"\n\
                 [[waiver]]\ncheck = \"{check}\"\nresource = \"{resource}\"\nreason = \"{reason}\"\nexpires = \"{expires}\"\nowner = \"{owner}\"\n"
            )
        };
        for (toml, key, needle) in [
            (
                full("SL999", "x", "r", "2026-12-31", "o"),
                "waiver[1].check",
                "unknown check",
            ),
            (
                full("", "x", "r", "2026-12-31", "o"),
                "waiver[1].check",
                "required",
            ),
            (
                full("SL902", "x", "r", "2026-12-31", "o"),
                "waiver[1].check",
                "cannot be waived",
            ),
            (
                full("SL101", "", "r", "2026-12-31", "o"),
                "waiver[1].resource",
                "required",
            ),
            (
                full("SL101", "prod/[a", "r", "2026-12-31", "o"),
                "waiver[1].resource",
                "invalid glob",
            ),
            (
                full("SL101", "x", "  ", "2026-12-31", "o"),
                "waiver[1].reason",
                "required",
            ),
            (
                full("SL101", "x", "r", "2026-12-31", ""),
                "waiver[1].owner",
                "required",
            ),
            (
                full("SL101", "x", "r", "", "o"),
                "waiver[1].expires",
                "required",
            ),
            (
                full("SL101", "x", "r", "2026-13-01", "o"),
                "waiver[1].expires",
                "invalid date",
            ),
            (
                full("SL101", "x", "r", "31/12/2026", "o"),
                "waiver[1].expires",
                "invalid date",
            ),
            (
                full("SL101", "x", "r", "2026-2-1", "o"),
                "waiver[1].expires",
                "invalid date",
            ),
        ] {
            let e = parse(&toml).unwrap_err().to_string();
            assert!(e.contains(&format!("`{key}`")), "{toml}\n→ {e}");
            assert!(e.contains(needle), "{toml}\n→ {e}");
            assert!(!e.contains('\n'), "{e}");
        }
        // A missing key is reported like an empty one.
        let e = Config::from_toml("x.toml", "[[waiver]]\ncheck = \"SL101\"\nresource = \"x\"\nexpires = \"2026-12-31\"\nowner = \"o\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`waiver[0].reason`: required"), "{e}");
        // Unknown keys are rejected.
        let e = Config::from_toml(
            "x.toml",
            &(waiver_toml("SL101", "x", "2026-12-31") + "until = \"x\"\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("until"), "{e}");
    }

    #[test]
    fn expires_may_be_a_toml_date_and_check_ids_are_case_insensitive() {
        let c = cfg(
            "[[waiver]]\ncheck = \"sl101\"\nresource = \"x\"\nreason = \"r\"\nexpires = 2026-12-31\nowner = \"o\"\n",
        );
        assert_eq!(c.waivers[0].check, "SL101");
        assert_eq!(c.waivers[0].expires.to_string(), "2026-12-31");
        let e = Config::from_toml(
            "x.toml",
            "[[waiver]]\ncheck = \"SL101\"\nresource = \"x\"\nreason = \"r\"\nexpires = 2026-12-31T00:00:00Z\nowner = \"o\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("`waiver[0].expires`: invalid date"), "{e}");
    }
}
