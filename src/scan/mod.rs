//! `secretlens scan`: hardcoded credentials in a source tree or in a repository's whole history.
//!
//! ```text
//!  walk (ignore crate)  ─┐                       ┌─▶ Finding (rule, file, line, column,
//!                        ├─▶ bytes ─▶ Engine ────┤    redacted preview, fingerprint)
//!  git blobs (gix, once) ─┘   Aho-Corasick over   └─▶ ScanReport ─▶ json | sarif | text
//!                             all keywords, then
//!                             the rule's regex on the
//!                             line around each hit
//! ```
//!
//! Rules are data (`rules/*.toml`, one file per provider family); [`keyid`] decodes AWS account ids offline and links found keys
//! to the audited account's IAM keys. Secrets never leave the process: findings carry a redacted
//! preview and a fingerprint (SHA-256 of rule id and secret), never the secret.

pub mod config;
pub mod engine;
pub mod git;
pub mod keyid;
pub mod output;
pub mod rules;
pub mod validate;
pub mod walk;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::Utc;

use crate::vocab::{Severity, ToolInfo};

/// The scan's result types belong to the report model (a report embeds a scan).
pub use crate::report::scan::{
    Finding, KeyStatus, SCAN_SCHEMA_VERSION, ScanReport, Skipped, Stats,
};
pub use engine::Engine;
pub use keyid::{KnownAccessKey, link_keys};

/// What was asked for.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Scan git history (every blob reachable from every ref) instead of the working tree.
    pub git: bool,
    /// History scans: only commits not reachable from this revision.
    pub since: Option<String>,
    /// Files larger than this are skipped (bytes).
    pub max_file_size: u64,
    pub follow_symlinks: bool,
    /// Worker threads (0 = one per core).
    pub threads: usize,
    /// Fingerprints to drop (from a baseline scan).
    pub baseline: HashSet<String>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            git: false,
            since: None,
            max_file_size: 20 * 1024 * 1024,
            follow_symlinks: false,
            threads: 0,
            baseline: HashSet::new(),
        }
    }
}

impl ScanReport {
    /// Links the AWS access key ids found against an inventory's IAM access keys (ids only; see
    /// [`keyid::link_keys`]) and recounts `by_severity`. Returns whether the inventory had IAM
    /// access keys to link against (when it has none, key findings keep no `key_status`).
    pub fn link_inventory(&mut self, inv: &crate::inventory::Inventory) -> bool {
        let Some(known) = keyid::known_keys(inv) else {
            return false;
        };
        link_keys(&mut self.findings, &known);
        self.by_severity.clear();
        for f in &self.findings {
            *self.by_severity.entry(f.severity).or_insert(0) += 1;
        }
        true
    }
}

/// Errors that stop a scan (per-file problems become [`Skipped`] entries instead).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("cannot scan {path}: {msg}")]
    Target { path: String, msg: String },
    #[error("cannot read git repository {path}: {msg}")]
    Git { path: String, msg: String },
    #[error("cannot read baseline {path}: {msg}")]
    Baseline { path: String, msg: String },
}

/// The stable fingerprint: first 16 hex digits of SHA-256(rule id, NUL, secret).
pub fn fingerprint(rule_id: &str, secret: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0u8]);
    h.update(secret.as_bytes());
    h.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A redacted preview that never contains the whole secret: first 4 and last 2 characters for
/// secrets of 12+ characters, first 2 for 6–11, nothing for shorter ones.
pub fn preview(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let n = chars.len();
    if n >= 12 {
        let head: String = chars[..4].iter().collect();
        let tail: String = chars[n - 2..].iter().collect();
        format!("{head}…{tail}")
    } else if n >= 6 {
        let head: String = chars[..2].iter().collect();
        format!("{head}…")
    } else {
        "…".to_string()
    }
}

/// Builds a finding from an engine hit.
pub fn make_finding(engine: &Engine, hit: &engine::Hit, file: String) -> Finding {
    let rule = &engine.rules()[hit.rule];
    let is_key = rule.id == "aws-access-key-id";
    let test_path = is_test_path(&file);
    let checksum_valid = rule.checksum.map(|c| validate::checksum_ok(c, &hit.secret));
    Finding {
        rule_id: rule.id.clone(),
        description: rule.description.clone(),
        category: Some(rule.category),
        severity: if test_path || checksum_valid == Some(false) {
            rule.severity.min(Severity::Low)
        } else {
            rule.severity
        },
        checksum_valid,
        test_path,
        file,
        line: hit.line,
        column: hit.column,
        fingerprint: fingerprint(&rule.id, &hit.secret),
        preview: preview(&hit.secret),
        commit: None,
        author_date: None,
        author: None,
        blob: None,
        key_id: is_key.then(|| hit.secret.clone()),
        aws_account_id: if is_key {
            keyid::account_id(&hit.secret)
        } else {
            None
        },
        key_status: None,
        key_user: None,
    }
}

/// Whether a path (forward slashes) is test, fixture, example or benchmark code: a directory
/// named test(s)/testdata/fixtures/examples/…, or a file named like a test (`*_test.go`,
/// `test_*.py`, `*.test.ts`, `*_spec.rb`, `*Test.java`).
pub fn is_test_path(path: &str) -> bool {
    const DIRS: &[&str] = &[
        "test",
        "tests",
        "testdata",
        "test-data",
        "test_data",
        "testing",
        "__tests__",
        "spec",
        "specs",
        "fixture",
        "fixtures",
        "__fixtures__",
        "example",
        "examples",
        "sample",
        "samples",
        "mock",
        "mocks",
        "testcases",
        "test-suite",
        "test_suite",
        "benches",
    ];
    let lower = path.to_ascii_lowercase();
    let mut parts: Vec<&str> = lower.split('/').collect();
    let name = parts.pop().unwrap_or("");
    if parts
        .iter()
        .any(|p| DIRS.contains(p) || p.ends_with("-test-suite") || p.ends_with("_tests"))
    {
        return true;
    }
    let stem = name.split('.').next().unwrap_or(name);
    let orig_stem = path
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .split('.')
        .next()
        .unwrap_or("");
    stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || stem.ends_with("_spec")
        || stem == "test"
        || stem == "tests"
        || name.contains(".test.")
        || name.contains(".spec.")
        || (orig_stem.ends_with("Test") || orig_stem.ends_with("Tests")) && orig_stem.len() > 4
}

/// Reads the fingerprints of a previous scan's JSON (`--baseline`).
pub fn load_baseline(path: &Path) -> Result<HashSet<String>, ScanError> {
    let err = |msg: String| ScanError::Baseline {
        path: path.display().to_string(),
        msg,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
    let list = v
        .get("findings")
        .and_then(|f| f.as_array())
        .ok_or_else(|| {
            err(
                "no top-level `findings` list: pass a `secretlens scan --format json` output"
                    .into(),
            )
        })?;
    Ok(list
        .iter()
        .filter_map(|f| {
            f.get("fingerprint")
                .and_then(|x| x.as_str())
                .map(str::to_string)
        })
        .collect())
}

/// Scans `target` (a tree, or with `opts.git` a repository's history).
pub fn scan(target: &Path, opts: &ScanOptions) -> Result<ScanReport, ScanError> {
    let started = std::time::Instant::now();
    let engine = Engine::new(rules::builtin());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| ScanError::Target {
            path: target.display().to_string(),
            msg: e.to_string(),
        })?;
    let (mut findings, skipped, mut stats) = pool.install(|| {
        if opts.git {
            git::scan_history(&engine, target, opts)
        } else {
            walk::scan_tree(&engine, target, opts)
        }
    })?;
    let before = findings.len();
    findings.retain(|f| !opts.baseline.contains(&f.fingerprint));
    stats.baselined = before - findings.len();
    findings.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.rule_id).cmp(&(&b.file, b.line, b.column, &b.rule_id))
    });
    stats.duration_ms = started.elapsed().as_millis() as u64;
    let mut by_severity = BTreeMap::new();
    for f in &findings {
        *by_severity.entry(f.severity).or_insert(0) += 1;
    }
    let mut skipped = skipped;
    skipped.sort();
    Ok(ScanReport {
        schema_version: SCAN_SCHEMA_VERSION,
        tool: ToolInfo {
            name: "secretlens".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        generated_at: Utc::now(),
        target: target.display().to_string(),
        mode: if opts.git {
            "git".into()
        } else {
            "tree".into()
        },
        since: opts.since.clone(),
        rules: engine.rules().iter().map(|r| r.id.clone()).collect(),
        stats,
        by_severity,
        findings,
        skipped,
    })
}

/// Helpers shared by unit and integration tests: synthetic, well-formed, never real secrets.
#[doc(hidden)]
pub mod testutil {
    use super::*;

    /// A tiny deterministic generator (xorshift) so tests need no dependency.
    pub struct Rng(pub u64);
    impl Rng {
        pub fn next_u64(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
        /// `n` characters drawn from `alphabet`.
        pub fn string(&mut self, alphabet: &str, n: usize) -> String {
            let a: Vec<char> = alphabet.chars().collect();
            (0..n)
                .map(|_| a[(self.next_u64() % a.len() as u64) as usize])
                .collect()
        }
    }

    pub const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    pub const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// A current-generation key id for `account` (the inverse of [`keyid::account_id`]).
    pub fn key_id_for_account(prefix: &str, account: u64, salt: u64) -> String {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ salt.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1);
        let first48: u64 = (1 << 47) | ((account & 0xff_ffff_ffff) << 7) | (rng.next_u64() & 0x7f);
        let low32: u64 = rng.next_u64() & 0xffff_ffff;
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let v: u128 = ((first48 as u128) << 32) | low32 as u128;
        let mut s = String::from(prefix);
        for i in (0..16).rev() {
            s.push(alphabet[((v >> (i * 5)) & 31) as usize] as char);
        }
        s
    }

    pub fn finding(rule_id: &str, secret: &str) -> Finding {
        Finding {
            rule_id: rule_id.into(),
            description: String::new(),
            category: None,
            severity: Severity::High,
            checksum_valid: None,
            file: "f".into(),
            line: 1,
            column: 1,
            fingerprint: fingerprint(rule_id, secret),
            preview: preview(secret),
            commit: None,
            author_date: None,
            author: None,
            blob: None,
            key_id: (rule_id == "aws-access-key-id").then(|| secret.to_string()),
            aws_account_id: None,
            key_status: None,
            key_user: None,
            test_path: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_never_reveals_the_secret() {
        assert_eq!(preview("ghp_abcdefghijklmnop"), "ghp_…op");
        assert_eq!(preview("abcdefgh"), "ab…");
        assert_eq!(preview("abc"), "…");
    }

    #[test]
    fn test_paths_are_recognised() {
        for p in [
            "tests/a.rs",
            "src/testdata/x.json",
            "pkg/auth_test.go",
            "test_auth.py",
            "web/login.test.ts",
            "spec/models/user_spec.rb",
            "src/main/java/AuthTest.java",
            "examples/basic.rs",
            "x/aws-signing-test-suite/v4/c.json",
        ] {
            assert!(is_test_path(p), "{p}");
        }
        for p in [
            "src/main.rs",
            ".env",
            "config/prod.yml",
            "src/latest.rs",
            "contest/app.py",
            "src/Latest.java",
            "attestation.go",
        ] {
            assert!(!is_test_path(p), "{p}");
        }
    }

    #[test]
    fn fingerprint_is_stable_and_rule_scoped() {
        assert_eq!(fingerprint("r", "s"), fingerprint("r", "s"));
        assert_ne!(fingerprint("r", "s"), fingerprint("q", "s"));
        assert_eq!(fingerprint("r", "s").len(), 16);
    }
}
