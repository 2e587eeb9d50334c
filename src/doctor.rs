//! `secretlens doctor` (issue 19): what a scheduled audit needs, checked before it depends on
//! it. Collection ([`crate::collect::doctor`]) establishes the caller's identity, calls each
//! region once and tests every permission of [`crate::permissions`]; this module judges the
//! result against the configuration and renders it as a table or JSON.
//!
//! Exit codes, like the audit's: 0 = ready (identity, every region reachable, every required
//! permission this configuration uses allowed; a missing optional permission is a warning,
//! listed with the checks that will report `error`); 1 = not ready (a required permission
//! denied or untestable, or a region unreachable); 2 = cannot run at all (the caller's identity
//! fails, bad input).

use std::fmt::Write as _;

use serde::Serialize;

use crate::config::Config;
use crate::operation::Operation;
use crate::permissions::{Feature, Need, Permission};
use crate::sanitize::clean;

/// What a permission test found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Allowed (the simulation says so, or the probe was not refused).
    Ok,
    /// Refused (AccessDenied, UnauthorizedOperation, or the simulation's deny).
    Denied,
    /// The test could not tell: throttled, HTTP 5xx after retries, no answer.
    Unknown,
    /// Not tested (see the detail).
    NotTested,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Denied => "denied",
            Verdict::Unknown => "unknown",
            Verdict::NotTested => "not tested",
        }
    }
}

/// What decided a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// `iam:SimulatePrincipalPolicy`.
    Simulated,
    /// A minimal read call (a not-found answer means allowed).
    Probed,
    /// The call itself (`sts:GetCallerIdentity`).
    Called,
    NotTested,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Simulated => "simulated",
            Method::Probed => "probed",
            Method::Called => "called",
            Method::NotTested => "not tested",
        }
    }
}

/// One permission's test.
#[derive(Debug, Clone)]
pub struct Test {
    pub operation: Operation,
    pub verdict: Verdict,
    pub method: Method,
    /// The error code and message, or what the test did.
    pub detail: String,
}

/// One region's reachability.
#[derive(Debug, Clone, Serialize)]
pub struct RegionCheck {
    pub region: String,
    pub reachable: bool,
    pub latency_ms: u64,
    /// The plain cause when unreachable; a note otherwise (e.g. ListSecrets denied).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What collection found.
#[derive(Debug, Clone)]
pub struct Facts {
    pub arn: String,
    pub account: String,
    /// The principal simulated (a role's ARN with its path for an assumed-role session).
    pub simulated_as: Option<String>,
    /// Why the simulation was not used, when it was not.
    pub simulation_skipped: Option<String>,
    /// Where the permission probes ran.
    pub probe_region: String,
    /// A note on the region list (`--regions all` could not be listed, …).
    pub regions_note: Option<String>,
    pub regions: Vec<RegionCheck>,
    pub tests: Vec<Test>,
}

/// The features this run's configuration and flags use.
#[derive(Debug, Clone)]
pub struct Usage {
    pub iam: bool,
    pub cloudtrail: bool,
    pub exposure: Vec<crate::inventory::ExposureSource>,
    pub organization: bool,
    pub all_regions: bool,
    pub assume_role: bool,
}

impl Usage {
    pub fn new(cfg: &Config, organization: bool, all_regions: bool, assume_role: bool) -> Usage {
        Usage {
            iam: cfg.raw.collection.iam,
            cloudtrail: cfg.raw.cloudtrail.enabled,
            exposure: cfg.raw.exposure.source_set(),
            organization,
            all_regions,
            assume_role,
        }
    }

    pub fn uses(&self, f: Feature) -> bool {
        match f {
            Feature::Identity | Feature::Core => true,
            Feature::Iam => self.iam,
            Feature::CloudTrail => self.cloudtrail,
            Feature::Exposure(s) => self.exposure.contains(&s),
            Feature::Organizations => self.organization,
            Feature::OrgPolicies => self.iam,
            Feature::AllRegions => self.all_regions,
            Feature::AssumeRole => self.assume_role,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Identity {
    pub arn: String,
    pub account: String,
    pub permission_test: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simulated_as: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simulation_skipped: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub action: &'static str,
    pub operation: String,
    pub feature: String,
    /// Required or optional in the README's least-privilege policy.
    pub need: Need,
    /// Whether this configuration and these flags make the audit call it.
    pub used: bool,
    /// A denied or untestable permission that makes the doctor exit 1.
    pub blocking: bool,
    pub result: Verdict,
    pub method: Method,
    pub detail: String,
    /// Checks that report `error` without it (SL901 fails for every gap besides).
    pub checks_affected: Vec<&'static str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub effect: &'static str,
}

/// The doctor's document (`--format json`).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub identity: Identity,
    pub probe_region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regions_note: Option<String>,
    pub regions: Vec<RegionCheck>,
    pub permissions: Vec<Row>,
    /// Messages for what is missing: `missing required …`, `warning: …`.
    pub problems: Vec<String>,
    pub ready: bool,
    pub exit_code: i32,
}

/// Judges `facts` against what the configuration uses.
pub fn judge(facts: &Facts, usage: &Usage) -> Report {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for p in crate::permissions::all() {
        let Permission {
            operation,
            action,
            feature,
            checks,
            effect,
        } = p;
        let test = facts.tests.iter().find(|t| &t.operation == operation);
        let (verdict, method, detail) = match test {
            Some(t) => (t.verdict, t.method, clean(&t.detail)),
            None => (Verdict::NotTested, Method::NotTested, String::new()),
        };
        let used = usage.uses(feature);
        let need = feature.need();
        // `--organization` cannot run at all without its listing.
        let must = used && (need == Need::Required || feature == Feature::Organizations);
        let missing = matches!(verdict, Verdict::Denied | Verdict::Unknown);
        let blocking = must && missing;
        if missing && used {
            let what = if verdict == Verdict::Denied {
                "denied"
            } else {
                "could not be tested"
            };
            let consequence = consequence(checks, effect);
            if blocking {
                problems.push(format!(
                    "missing required permission {action} ({what}: {detail}): {consequence}"
                ));
            } else {
                problems.push(format!(
                    "warning: optional permission {action} ({}) {what} ({detail}): {consequence}; \
                     the audit exits 2 unless --allow-partial, or turn the feature off",
                    feature.name()
                ));
            }
        } else if missing {
            problems.push(format!(
                "note: {action} {what} ({}, not used by this configuration); if it is used: {}",
                feature.name(),
                consequence(checks, effect),
                what = if verdict == Verdict::Denied {
                    "is denied"
                } else {
                    "could not be tested"
                },
            ));
        }
        rows.push(Row {
            action,
            operation: operation.as_str().to_string(),
            feature: feature.name(),
            need,
            used,
            blocking,
            result: verdict,
            method,
            detail,
            checks_affected: checks.to_vec(),
            effect,
        });
    }
    for r in facts.regions.iter().filter(|r| !r.reachable) {
        problems.push(format!(
            "region {} unreachable: {}",
            clean(&r.region),
            clean(r.error.as_deref().unwrap_or("no answer"))
        ));
    }
    let ready = rows.iter().all(|r| !r.blocking) && facts.regions.iter().all(|r| r.reachable);
    let permission_test = match (&facts.simulated_as, &facts.simulation_skipped) {
        (Some(arn), _) => format!("iam:SimulatePrincipalPolicy as {}", clean(arn)),
        (None, Some(why)) => format!("minimal read calls (simulation skipped: {})", clean(why)),
        (None, None) => "minimal read calls".to_string(),
    };
    Report {
        identity: Identity {
            arn: clean(&facts.arn),
            account: clean(&facts.account),
            permission_test,
            simulated_as: facts.simulated_as.as_deref().map(clean),
            simulation_skipped: facts.simulation_skipped.as_deref().map(clean),
        },
        probe_region: clean(&facts.probe_region),
        regions_note: facts.regions_note.as_deref().map(clean),
        regions: facts
            .regions
            .iter()
            .map(|r| RegionCheck {
                region: clean(&r.region),
                error: r.error.as_deref().map(clean),
                ..r.clone()
            })
            .collect(),
        permissions: rows,
        problems,
        ready,
        exit_code: if ready {
            crate::app::exit::OK
        } else {
            crate::app::exit::FINDINGS
        },
    }
}

fn consequence(checks: &[&str], effect: &str) -> String {
    let mut parts = Vec::new();
    if !checks.is_empty() {
        parts.push(format!("{} will report error", checks.join(", ")));
    }
    if !effect.is_empty() {
        parts.push(effect.to_string());
    }
    parts.push("SL901 fails".to_string());
    parts.join("; ")
}

/// The JSON document.
pub fn to_json(r: &Report) -> String {
    serde_json::to_string_pretty(r).expect("plain data") + "\n"
}

/// The terminal table.
pub fn to_table(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "secretlens doctor");
    let _ = writeln!(
        s,
        "identity: {} (account {})",
        r.identity.arn, r.identity.account
    );
    let _ = writeln!(
        s,
        "permissions tested with: {} in {}",
        r.identity.permission_test, r.probe_region
    );
    let _ = writeln!(
        s,
        "\n{:<16} {:<10} {:>8}  CAUSE",
        "REGION", "REACHABLE", "LATENCY"
    );
    for g in &r.regions {
        let _ = writeln!(
            s,
            "{:<16} {:<10} {:>5} ms  {}",
            g.region,
            if g.reachable { "yes" } else { "NO" },
            g.latency_ms,
            g.error.as_deref().unwrap_or("")
        );
    }
    if let Some(n) = &r.regions_note {
        let _ = writeln!(s, "({n})");
    }
    let _ = writeln!(
        s,
        "\n{:<41} {:<9} {:<24} {:<11} {:<11} CHECKS REPORTING ERROR WITHOUT IT",
        "ACTION", "NEED", "FEATURE", "RESULT", "METHOD"
    );
    for p in &r.permissions {
        let need = if p.need == Need::None {
            "none"
        } else if !p.used {
            "unused"
        } else {
            p.need.as_str()
        };
        let _ = writeln!(
            s,
            "{:<41} {:<9} {:<24} {:<11} {:<11} {}",
            p.action,
            need,
            p.feature,
            p.result.as_str(),
            p.method.as_str(),
            p.checks_affected.join(",")
        );
    }
    let _ = writeln!(s);
    for p in &r.problems {
        let _ = writeln!(s, "{p}");
    }
    let _ = writeln!(
        s,
        "{}",
        if r.ready {
            "ready: the audit has what it needs (exit 0)"
        } else {
            "not ready: see the missing permissions and regions above (exit 1)"
        }
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(denied: &[Operation]) -> Facts {
        Facts {
            arn: "arn:aws:iam::123456789012:user/a\u{1b}[31m".into(),
            account: "123456789012".into(),
            simulated_as: None,
            simulation_skipped: Some("x".into()),
            probe_region: "us-east-1".into(),
            regions_note: None,
            regions: vec![RegionCheck {
                region: "us-east-1".into(),
                reachable: true,
                latency_ms: 3,
                error: None,
            }],
            tests: Operation::KNOWN
                .iter()
                .map(|op| Test {
                    operation: op.clone(),
                    verdict: if denied.contains(op) {
                        Verdict::Denied
                    } else {
                        Verdict::Ok
                    },
                    method: Method::Probed,
                    detail: "AccessDeniedException: no".into(),
                })
                .collect(),
        }
    }

    fn usage() -> Usage {
        Usage::new(&Config::default(), false, false, false)
    }

    #[test]
    fn required_denied_blocks_optional_denied_warns() {
        let r = judge(&facts(&[]), &usage());
        assert!(
            r.ready && r.exit_code == 0 && r.problems.is_empty(),
            "{r:?}"
        );
        // Hostile text from AWS is made visible, not interpreted.
        assert!(!r.identity.arn.contains('\u{1b}'));

        let r = judge(&facts(&[Operation::GetResourcePolicy]), &usage());
        assert!(!r.ready && r.exit_code == 1);
        assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
        assert!(
            r.problems[0]
                .starts_with("missing required permission secretsmanager:GetResourcePolicy")
                && r.problems[0].contains("SL601, SL602"),
            "{}",
            r.problems[0]
        );

        let r = judge(&facts(&[Operation::LookupEvents]), &usage());
        assert!(r.ready && r.exit_code == 0);
        assert!(r.problems[0].starts_with("warning: optional permission cloudtrail:LookupEvents"));
        assert!(r.problems[0].contains("SL802 will report error"));

        // IAM off: its permissions are not used, so a denial does not block.
        let mut cfg = Config::default();
        cfg.raw.collection.iam = false;
        let r = judge(
            &facts(&[Operation::ListAccessKeys]),
            &Usage::new(&cfg, false, false, false),
        );
        assert!(r.ready, "{:?}", r.problems);
        assert!(r.problems[0].starts_with("note: iam:ListAccessKeys"));

        // --organization needs its listing.
        let r = judge(
            &facts(&[Operation::ListAccounts]),
            &Usage::new(&Config::default(), true, false, false),
        );
        assert!(!r.ready);
    }

    #[test]
    fn unknown_required_and_unreachable_regions_block() {
        let mut f = facts(&[]);
        f.tests[0].verdict = Verdict::Unknown;
        assert_eq!(f.tests[0].operation, Operation::ListSecrets);
        let r = judge(&f, &usage());
        assert!(!r.ready);
        assert!(r.problems[0].contains("could not be tested"));

        let mut f = facts(&[]);
        f.regions.push(RegionCheck {
            region: "eu-west-1".into(),
            reachable: false,
            latency_ms: 5000,
            error: Some("timed out".into()),
        });
        let r = judge(&f, &usage());
        assert!(!r.ready);
        assert_eq!(r.problems, vec!["region eu-west-1 unreachable: timed out"]);
        let table = to_table(&r);
        assert!(table.contains("eu-west-1        NO"), "{table}");
        let json: serde_json::Value = serde_json::from_str(&to_json(&r)).unwrap();
        assert_eq!(json["exit_code"], 1);
        assert_eq!(json["regions"][1]["reachable"], false);
    }
}
