//! The registry: every check ([`ALL`], generated at build time from the files
//! `src/checks/slNNN_*.rs`), its metadata, and running them all.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::doc::{CheckMeta, parse_doc};
use super::{ALL, Context, Emitter};
use crate::report::Finding;

fn metas() -> &'static BTreeMap<&'static str, CheckMeta> {
    static METAS: OnceLock<BTreeMap<&'static str, CheckMeta>> = OnceLock::new();
    METAS.get_or_init(|| {
        ALL.iter()
            .map(|c| {
                let meta = parse_doc(c.doc()).unwrap_or_else(|e| {
                    panic!(
                        "embedded doc of {} is invalid ({e}); the registry test catches this",
                        c.id()
                    )
                });
                (c.id(), meta)
            })
            .collect()
    })
}

/// The metadata of a registered check.
pub fn meta(id: &str) -> Option<&'static CheckMeta> {
    metas().get(id)
}

/// Looks a check up by id (`SL101`, case-insensitive) or name (`rotation-disabled`).
pub fn find(id_or_name: &str) -> Option<&'static CheckMeta> {
    let q = id_or_name.trim();
    metas()
        .values()
        .find(|m| m.id.eq_ignore_ascii_case(q) || m.name.eq_ignore_ascii_case(q))
}

/// All check metadata, in id order.
pub fn all_metas() -> impl Iterator<Item = &'static CheckMeta> {
    metas().values()
}

/// Runs every check and returns the findings, each check's sorted by [`crate::report::finding_order`].
pub fn run_all(ctx: &Context<'_>) -> Vec<Finding> {
    use rayon::prelude::*;
    // The checks are independent: run them in parallel, keep the registry's order.
    let per_check: Vec<Vec<Finding>> = ALL
        .par_iter()
        .map(|check| {
            let meta = meta(check.id()).expect("every registered check has metadata");
            let t = std::time::Instant::now();
            let mut out = Emitter::new(meta, ctx);
            // Most checks report once per secret.
            out.findings.reserve(ctx.inv.secrets.len());
            check.run(ctx, &mut out);
            let mut findings = out.findings;
            findings.sort_by(crate::report::finding_order);
            tracing::trace!(
                check = check.id(),
                findings = findings.len(),
                ms = t.elapsed().as_millis() as u64,
                "check ran"
            );
            findings
        })
        .collect();
    // Moved, not cloned (`concat` would clone every finding).
    let mut all = Vec::with_capacity(per_check.iter().map(Vec::len).sum());
    for findings in per_check {
        all.extend(findings);
    }
    all
}

/// Runs every check's second phase ([`Check::run_after`]) over the first phase's findings
/// (waivers applied) and returns the new findings, unsorted.
pub fn run_after_all(ctx: &Context<'_>, findings: &[Finding]) -> Vec<Finding> {
    let mut all = Vec::new();
    for check in ALL {
        let meta = meta(check.id()).expect("every registered check has metadata");
        let mut out = Emitter::new(meta, ctx);
        check.run_after(ctx, findings, &mut out);
        out.findings.sort_by(crate::report::finding_order);
        all.append(&mut out.findings);
    }
    all
}

#[cfg(test)]
mod order_tests {
    #[test]
    fn the_registry_is_in_id_order() {
        // Then the concatenated per-check findings are in report order, and evaluate() need
        // not sort millions of findings.
        assert!(super::ALL.windows(2).all(|w| w[0].id() < w[1].id()));
    }
}

#[cfg(test)]
mod registry_tests {
    use super::*;
    use crate::checks::doc::REQUIRED_SECTIONS;
    use crate::config::Config;
    use std::collections::BTreeSet;

    #[test]
    fn every_check_has_a_valid_doc_matching_its_code() {
        let mut ids = BTreeSet::new();
        for c in ALL {
            let meta = parse_doc(c.doc()).unwrap_or_else(|e| panic!("{}: {e}", c.id()));
            assert_eq!(meta.id, c.id(), "front matter id");
            assert!(ids.insert(meta.id.clone()), "duplicate id {}", meta.id);
            let mut at = 0;
            for section in REQUIRED_SECTIONS {
                let pos = meta.body[at..].find(section).unwrap_or_else(|| {
                    panic!("{}: section {section:?} missing or out of order", c.id())
                });
                at += pos + section.len();
            }
            assert!(
                !meta.title.is_empty() && !meta.summary.is_empty() && !meta.remediation.is_empty(),
                "{}",
                c.id()
            );
            assert!(
                meta.name
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'),
                "{}: name must be kebab-case",
                c.id()
            );
            for p in &meta.parameters {
                let top = Config::default().to_json();
                let mut v = &top;
                for part in p.split('.') {
                    v = v
                        .get(part)
                        .unwrap_or_else(|| panic!("{}: parameter {p} is not a config key", c.id()));
                }
            }
        }
        let ids_in_order: Vec<_> = ALL.iter().map(|c| c.id()).collect();
        let mut sorted = ids_in_order.clone();
        sorted.sort();
        assert_eq!(ids_in_order, sorted, "ALL is kept in id order");
    }

    #[test]
    fn every_doc_file_has_a_check() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/checks");
        let mut files = BTreeSet::new();
        for entry in std::fs::read_dir(dir).expect("checks/ exists") {
            let name = entry
                .expect("dir entry")
                .file_name()
                .to_string_lossy()
                .to_string();
            if name.starts_with("SL") && name.ends_with(".md") {
                files.insert(name);
            }
        }
        let expected: BTreeSet<String> = ALL
            .iter()
            .map(|c| {
                let m = meta(c.id()).expect("registered");
                format!("{}-{}.md", m.id, m.name)
            })
            .collect();
        assert_eq!(files, expected, "checks/*.md and the registry differ");
    }
}
