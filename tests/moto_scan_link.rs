//! `secretlens audit --scan TREE` against moto: an AWS access key id hardcoded in a tree is
//! linked (by id only) to the audited account's IAM access keys — active → critical, then,
//! after the key is deactivated, inactive. The secret key itself is never written or sent.

mod common;

use common::{Audit, MotoServer, Sandbox, audit, now};
use serde_json::Value;

/// How these tests audit: the secretlens.toml of the sandbox, scanning `tree/`, every format.
const WITH_SCAN: Audit<'static> = Audit {
    regions: "us-east-1",
    out: "out",
    format: "json,html,text",
    extra: &["--config", "secretlens.toml", "--scan", "tree"],
};

fn key_finding<'a>(report: &'a Value, key_id: &str) -> &'a Value {
    let findings = report["scan"]["findings"]
        .as_array()
        .expect("report.scan.findings");
    findings
        .iter()
        .find(|f| f["rule_id"] == "aws-access-key-id" && f["key_id"] == key_id)
        .unwrap_or_else(|| panic!("no aws-access-key-id finding for {key_id} in {findings:#?}"))
}

#[test]
fn a_leaked_key_id_is_linked_to_the_live_iam_key() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    let seeded = moto.seed("rotation,leaked_key", epoch);
    let key_id = seeded["leaked_key"]["key_id"]
        .as_str()
        .expect("key id")
        .to_string();
    assert!(key_id.starts_with("AKIA") && key_id.len() == 20, "{key_id}");

    let sb = Sandbox::new();
    sb.write("secretlens.toml", "[collection]\niam = true\n");
    std::fs::create_dir_all(sb.join("tree/deploy")).unwrap();
    sb.write(
        "tree/deploy/settings.py",
        &format!("import boto3\n\nAWS_ACCESS_KEY_ID = \"{key_id}\"\n"),
    );
    sb.write("tree/README.md", "nothing to see here\n");

    // Active key: critical, and it drives the exit code.
    let (run, r) = audit(&sb, &moto, &as_of, WITH_SCAN);
    let f = key_finding(&r.0, &key_id);
    assert_eq!(f["key_status"], "active_in_this_account", "{f:#}");
    assert_eq!(f["severity"], "critical", "{f:#}");
    assert_eq!(f["aws_account_id"], "123456789012", "{f:#}");
    assert!(
        f["key_user"].as_str().unwrap_or("").contains("leaky-ci"),
        "{f:#}"
    );
    assert_eq!(f["file"], "deploy/settings.py");
    assert_eq!(f["line"], 3);
    assert_ne!(
        run.code,
        0,
        "a critical scan finding fails --fail-on high\n{}",
        run.describe()
    );
    assert!(
        run.stdout.contains("Hardcoded credentials"),
        "{}",
        run.describe()
    );
    assert!(
        run.stdout.contains("active in this account"),
        "{}",
        run.describe()
    );
    let html = std::fs::read_to_string(sb.join("out/report.html")).unwrap();
    assert!(html.contains("Hardcoded credentials") && html.contains("ACTIVE in this account"));
    // Only the redacted preview is ever shown: the key id never appears whole in the HTML.
    assert!(!html.contains(&key_id), "the HTML shows the full key id");

    // The same key, deactivated: inactive, no longer critical.
    moto.seed("leaked_key_inactive", epoch);
    let (run, r) = audit(
        &sb,
        &moto,
        &as_of,
        Audit {
            out: "out2",
            ..WITH_SCAN
        },
    );
    let f = key_finding(&r.0, &key_id);
    assert_eq!(
        f["key_status"],
        "inactive_in_this_account",
        "{f:#}\n{}",
        run.describe()
    );
    assert_ne!(f["severity"], "critical", "{f:#}");

    // Standalone: `secretlens collect` then `secretlens scan --inventory` links the same way.
    let run = sb.run([
        "collect",
        "--endpoint-url",
        &moto.endpoint(),
        "--regions",
        "us-east-1",
        "--config",
        "secretlens.toml",
        "-o",
        "inv.json",
    ]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let run = sb.run([
        "scan",
        "tree",
        "--inventory",
        "inv.json",
        "--format",
        "json",
    ]);
    let v: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}\n{}", run.describe()));
    let wrapped = serde_json::json!({ "scan": v });
    assert_eq!(
        key_finding(&wrapped, &key_id)["key_status"],
        "inactive_in_this_account"
    );
}
