//! Compliance frameworks: which checks evaluate which control.
//!
//! The mapping files in `checks/frameworks/` (one TOML per framework, embedded with
//! `include_str!`) are the single source of truth: each finding's `frameworks`, the report's
//! per-framework roll-up and `secretlens checks --framework NAME` are all derived from them.
//! Every control carries a justification argued from the public control text; a test keeps
//! every referenced check id registered.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::report::{
    ControlStatus, ControlSummary, Finding, FrameworkRef, FrameworkSummary, Status,
};

crate::error::message_error!(
    /// A framework mapping file (`checks/frameworks/*.toml`) that does not parse.
    pub FrameworkError
);

/// The embedded mapping files, in the order the report lists them.
const FILES: &[(&str, &str)] = &[
    (
        "aws-fsbp.toml",
        include_str!("../checks/frameworks/aws-fsbp.toml"),
    ),
    (
        "aws-config.toml",
        include_str!("../checks/frameworks/aws-config.toml"),
    ),
    (
        "cis-aws.toml",
        include_str!("../checks/frameworks/cis-aws.toml"),
    ),
    (
        "nist-800-53.toml",
        include_str!("../checks/frameworks/nist-800-53.toml"),
    ),
    (
        "pci-dss.toml",
        include_str!("../checks/frameworks/pci-dss.toml"),
    ),
];

/// One framework's mapping file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// What `--framework` takes, e.g. `aws-fsbp`.
    pub id: String,
    /// Short name used in findings, e.g. `AWS FSBP`.
    pub name: String,
    /// Full title.
    pub title: String,
    pub version: String,
    pub url: String,
    pub controls: Vec<Control>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// The control id as the framework writes it (`SecretsManager.1`, `IA-5`, `8.6.3`).
    pub id: String,
    pub title: String,
    /// Check ids that evaluate (part of) this control.
    pub checks: Vec<String>,
    /// Why these checks evaluate this control, from the public control text.
    pub justification: String,
}

/// Parses one mapping file.
pub fn parse(text: &str) -> Result<Framework, FrameworkError> {
    toml::from_str(text).map_err(|e| FrameworkError(e.to_string()))
}

/// Every framework, in report order.
pub fn all() -> &'static [Framework] {
    static ALL: OnceLock<Vec<Framework>> = OnceLock::new();
    ALL.get_or_init(|| {
        FILES
            .iter()
            .map(|(file, text)| {
                parse(text).unwrap_or_else(|e| {
                    panic!("embedded checks/frameworks/{file} is invalid ({e}); the frameworks test catches this")
                })
            })
            .collect()
    })
}

/// Looks a framework up by id (`aws-fsbp`) or name (`AWS FSBP`), case-insensitively.
pub fn find(id_or_name: &str) -> Option<&'static Framework> {
    let q = id_or_name.trim();
    all()
        .iter()
        .find(|f| f.id.eq_ignore_ascii_case(q) || f.name.eq_ignore_ascii_case(q))
}

/// `aws-fsbp (AWS FSBP), aws-config (AWS Config), …` for messages.
pub fn known_names() -> String {
    all()
        .iter()
        .map(|f| format!("{} ({})", f.id, f.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The controls a check maps to, in framework then control order.
pub fn refs_for(check_id: &str) -> Vec<FrameworkRef> {
    static BY_CHECK: OnceLock<BTreeMap<String, Vec<FrameworkRef>>> = OnceLock::new();
    BY_CHECK
        .get_or_init(|| {
            let mut m: BTreeMap<String, Vec<FrameworkRef>> = BTreeMap::new();
            for f in all() {
                for c in &f.controls {
                    for check in &c.checks {
                        m.entry(check.clone()).or_default().push(FrameworkRef {
                            framework: f.name.clone(),
                            control: c.id.clone(),
                        });
                    }
                }
            }
            m
        })
        .get(check_id)
        .cloned()
        .unwrap_or_default()
}

/// The per-framework, per-control roll-up of the findings. A control's status is `fail` if
/// any of its findings fails, else `error` if any errors, else `pass` if any passes or is
/// suppressed by a waiver, else `no_data` (nothing evaluated, or only not applicable).
pub fn rollup(findings: &[Finding]) -> Vec<FrameworkSummary> {
    let mut per_check: BTreeMap<&str, BTreeMap<Status, usize>> = BTreeMap::new();
    for f in findings {
        *per_check
            .entry(&f.check_id)
            .or_default()
            .entry(f.status)
            .or_default() += 1;
    }
    all()
        .iter()
        .map(|fw| FrameworkSummary {
            id: fw.id.clone(),
            framework: fw.name.clone(),
            title: fw.title.clone(),
            version: fw.version.clone(),
            url: fw.url.clone(),
            controls: fw
                .controls
                .iter()
                .map(|c| {
                    let n = |st: Status| {
                        c.checks
                            .iter()
                            .filter_map(|id| per_check.get(id.as_str()))
                            .map(|m| m.get(&st).copied().unwrap_or(0))
                            .sum::<usize>()
                    };
                    let (pass, fail, error, suppressed, not_applicable) = (
                        n(Status::Pass),
                        n(Status::Fail),
                        n(Status::Error),
                        n(Status::Suppressed),
                        n(Status::NotApplicable),
                    );
                    let status = if fail > 0 {
                        ControlStatus::Fail
                    } else if error > 0 {
                        ControlStatus::Error
                    } else if pass + suppressed > 0 {
                        ControlStatus::Pass
                    } else {
                        ControlStatus::NoData
                    };
                    ControlSummary {
                        control: c.id.clone(),
                        title: c.title.clone(),
                        checks: c.checks.clone(),
                        pass,
                        fail,
                        error,
                        suppressed,
                        not_applicable,
                        status,
                    }
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_mapping_file_parses_and_names_registered_checks() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/checks/frameworks");
        let mut on_disk = BTreeSet::new();
        for entry in std::fs::read_dir(dir).expect("checks/frameworks/ exists") {
            let name = entry
                .expect("dir entry")
                .file_name()
                .to_string_lossy()
                .to_string();
            if name.ends_with(".toml") {
                on_disk.insert(name);
            }
        }
        let embedded: BTreeSet<String> = FILES.iter().map(|(f, _)| f.to_string()).collect();
        assert_eq!(
            on_disk, embedded,
            "checks/frameworks/*.toml and FILES differ"
        );

        let mut ids = BTreeSet::new();
        let mut names = BTreeSet::new();
        for (file, text) in FILES {
            let fw = parse(text).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(
                format!("{}.toml", fw.id),
                *file,
                "the file is named after its id"
            );
            assert!(
                ids.insert(fw.id.clone()) && names.insert(fw.name.to_ascii_lowercase()),
                "{file}: duplicate"
            );
            assert!(
                fw.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{file}: id is kebab-case"
            );
            assert!(
                !fw.version.is_empty() && fw.url.starts_with("https://"),
                "{file}"
            );
            assert!(!fw.controls.is_empty(), "{file}: no controls");
            let mut controls = BTreeSet::new();
            for c in &fw.controls {
                assert!(
                    controls.insert(&c.id),
                    "{file}: control {} listed twice",
                    c.id
                );
                assert!(!c.title.trim().is_empty(), "{file} {}: title", c.id);
                assert!(
                    c.justification.trim().len() > 40,
                    "{file} {}: justify the mapping",
                    c.id
                );
                assert!(!c.checks.is_empty(), "{file} {}: no checks", c.id);
                let mut seen = BTreeSet::new();
                for check in &c.checks {
                    assert!(
                        crate::checks::meta(check).is_some(),
                        "{file} {}: check {check} is not registered (list a check only once it exists)",
                        c.id
                    );
                    assert!(seen.insert(check), "{file} {}: {check} listed twice", c.id);
                }
            }
        }
    }

    #[test]
    fn lookups_and_refs() {
        assert_eq!(find("aws-fsbp").map(|f| f.name.as_str()), Some("AWS FSBP"));
        assert_eq!(find("aws fsbp").map(|f| f.id.as_str()), Some("aws-fsbp"));
        assert!(find("sox").is_none());
        assert!(known_names().contains("pci-dss (PCI DSS)"));
        let refs = refs_for("SL101");
        assert!(refs.contains(&FrameworkRef {
            framework: "AWS FSBP".to_string(),
            control: "SecretsManager.1".to_string()
        }));
        assert_eq!(refs[0].framework, "AWS FSBP", "framework order");
        assert!(refs_for("SL902").is_empty());
    }

    #[test]
    fn rollup_counts_per_control_and_derives_the_status() {
        use crate::checks::testutil::{self, now};
        use crate::config::Config;
        // SL101 fails on `off` and passes on `on`; SL103 is n/a on `off`; a waiver turns the
        // SL104 fail of `old` into suppressed.
        let mut on = testutil::secret("prod/app/on");
        on.rotation_enabled = Some(true);
        on.last_rotated_date = Some(testutil::days_ago(1));
        on.next_rotation_date = Some(testutil::days_ago(-29));
        on.rotation_rules = Some(crate::inventory::RotationRules {
            automatically_after_days: Some(30),
            ..Default::default()
        });
        let mut old = testutil::secret("prod/app/old");
        old.created_date = Some(testutil::days_ago(400));
        let inv = testutil::inventory(vec![on, testutil::secret("prod/app/off"), old]);
        let cfg = Config::from_toml(
            "x.toml",
            "[[waiver]]\ncheck = \"SL104\"\nresource = \"prod/app/old\"\nreason = \"r\"\nexpires = \"2026-12-31\"\nowner = \"o\"\n",
        )
        .expect("valid");
        let report = crate::evaluate::evaluate(&inv, &cfg, now());
        let fsbp = report
            .frameworks
            .iter()
            .find(|f| f.id == "aws-fsbp")
            .expect("fsbp");
        assert_eq!(fsbp.version, "1.0.0");
        let control = |id: &str| fsbp.controls.iter().find(|c| c.control == id).expect(id);

        // Every FSBP SecretsManager control's counts equal the findings of its checks.
        for c in fsbp
            .controls
            .iter()
            .filter(|c| c.control.starts_with("SecretsManager."))
        {
            let count = |st: Status| {
                report
                    .findings
                    .iter()
                    .filter(|f| c.checks.iter().any(|id| *id == f.check_id) && f.status == st)
                    .count()
            };
            assert_eq!(
                (c.pass, c.fail, c.error, c.suppressed, c.not_applicable),
                (
                    count(Status::Pass),
                    count(Status::Fail),
                    count(Status::Error),
                    count(Status::Suppressed),
                    count(Status::NotApplicable)
                ),
                "{}",
                c.control
            );
        }
        let sm1 = control("SecretsManager.1");
        assert_eq!(sm1.checks, ["SL101", "SL102"]);
        assert_eq!(
            (sm1.fail, sm1.pass),
            (2, 2),
            "SL101 fails off and old, passes on; SL102 passes on"
        );
        assert_eq!(sm1.status, ControlStatus::Fail);

        let sm4 = control("SecretsManager.4");
        assert_eq!((sm4.fail, sm4.suppressed), (0, 1));
        assert_eq!(
            sm4.status,
            ControlStatus::Pass,
            "only a suppressed fail: pass"
        );

        // KMS.4 has no customer managed key to look at.
        let kms4 = control("KMS.4");
        assert_eq!(kms4.pass + kms4.fail + kms4.error + kms4.suppressed, 0);
        assert_eq!(kms4.status, ControlStatus::NoData);

        let mut f = report.findings.clone();
        for (i, x) in f.iter_mut().filter(|f| f.check_id == "SL201").enumerate() {
            x.status = if i == 0 { Status::Error } else { Status::Pass };
        }
        let sm3 = rollup(&f)
            .into_iter()
            .find(|f| f.id == "aws-fsbp")
            .unwrap()
            .controls
            .into_iter()
            .find(|c| c.control == "SecretsManager.3")
            .unwrap();
        assert_eq!(sm3.status, ControlStatus::Error);
    }
}
