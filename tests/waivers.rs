//! Waivers end to end: `secretlens demo --config FILE` with `[[waiver]]` entries. A waiver
//! turns a failing finding into `suppressed` (with its reason in report.json), suppressed
//! findings no longer decide the exit code, and an expired waiver is an SL902 fail.

mod common;

use common::Sandbox;
use serde_json::Value;

fn waiver(check: &str, resource: &str, reason: &str, expires: &str) -> String {
    format!(
        "[[waiver]]\ncheck = \"{check}\"\nresource = \"{resource}\"\nreason = \"{reason}\"\nexpires = \"{expires}\"\nowner = \"team-test\"\n\n"
    )
}

/// Runs the demo with `config` into `dir` (JSON only) and returns (exit code, report).
fn demo(sb: &Sandbox, config: &str, dir: &str, extra: &[&str]) -> (i32, common::Report) {
    let path = sb.write(&format!("{dir}.toml"), config);
    let mut args = vec![
        "demo",
        "--exit-code",
        "--config",
        path.to_str().expect("utf-8 path"),
        "--out",
        dir,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let run = sb.run(&args);
    assert!(
        run.code == 0 || run.code == 1 || run.code == 2,
        "{}",
        run.describe()
    );
    assert!(
        run.stderr.lines().all(|l| !l.starts_with("error")),
        "{}",
        run.describe()
    );
    (run.code, sb.report(dir))
}

#[test]
fn a_waiver_suppresses_a_demo_fail_with_its_reason() {
    let sb = Sandbox::new();
    let (_, before) = demo(&sb, "", "before", &["--allow-partial"]);
    before.assert_status("SL101", "jenkins-token", "fail");

    let reason = "Jenkins is replaced by GitHub Actions in Q1 (CI-77)";
    let (_, report) = demo(
        &sb,
        &waiver("SL101", "jenkins-token", reason, "2099-12-31"),
        "after",
        &["--allow-partial"],
    );
    let f = report.findings_for("SL101", "jenkins-token");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["status"], "suppressed", "{:#}", f[0]);
    assert_eq!(f[0]["waiver"]["reason"], reason);
    assert_eq!(f[0]["waiver"]["owner"], "team-test");
    assert_eq!(f[0]["waiver"]["expires"], "2099-12-31");
    // Only that finding: the same secret's other fails, and SL101 elsewhere, still fail.
    report.assert_status("SL104", "jenkins-token", "fail");
    report.assert_status("SL101", "MyAppPassword", "fail");
    // The waiver is used: SL902 passes for it.
    report.assert_status("SL902", "SL101 jenkins-token", "pass");
    assert_eq!(report.0["summary"]["by_status"]["suppressed"], 1);
}

#[test]
fn suppressing_every_fail_at_the_threshold_changes_the_exit_code() {
    let sb = Sandbox::new();
    let args = ["--allow-partial", "--fail-on", "critical"];
    let (code, before) = demo(&sb, "", "before", &args);
    let critical: Vec<&Value> = before
        .findings()
        .iter()
        .filter(|f| f["status"] == "fail" && f["severity"] == "critical")
        .collect();
    assert!(!critical.is_empty(), "the demo has critical fails");
    assert_eq!(code, 1, "critical fails: exit 1");

    // One waiver per critical fail, by exact ARN.
    let config: String = critical
        .iter()
        .map(|f| {
            waiver(
                f["check_id"].as_str().unwrap(),
                f["resource"]["arn"].as_str().unwrap(),
                "accepted for the test",
                "2099-12-31",
            )
        })
        .collect();
    let (code, after) = demo(&sb, &config, "after", &args);
    for f in &critical {
        let id = f["id"].as_str().unwrap();
        let now = after
            .findings()
            .iter()
            .find(|x| x["id"] == id)
            .expect("the same finding");
        assert_eq!(now["status"], "suppressed", "{now:#}");
        assert_eq!(now["waiver"]["reason"], "accepted for the test");
    }
    assert_eq!(code, 0, "suppressed findings never trigger --fail-on");

    // Without --allow-partial the demo's coverage gap still decides: exit 2.
    let (code, _) = demo(&sb, &config, "strict", &["--fail-on", "critical"]);
    assert_eq!(code, 2);
}

#[test]
fn an_expired_waiver_is_an_sl902_fail_and_suppresses_nothing() {
    let sb = Sandbox::new();
    // The demo is evaluated as of 2026-11-30.
    let config = waiver("SL101", "jenkins-token", "was accepted", "2026-11-29")
        + &waiver(
            "SL104",
            "no-such-secret-*",
            "typo in the pattern",
            "2099-12-31",
        );
    let (_, report) = demo(&sb, &config, "out", &["--allow-partial"]);
    report.assert_status("SL101", "jenkins-token", "fail");
    assert!(
        report.findings_for("SL101", "jenkins-token")[0]
            .get("waiver")
            .is_none()
    );

    let expired = report.findings_for("SL902", "SL101 jenkins-token");
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["status"], "fail");
    assert_eq!(expired[0]["severity"], "low");
    assert_eq!(expired[0]["resource"]["arn"], "config:waiver[0]");
    assert_eq!(expired[0]["resource"]["type"], "waiver");
    assert_eq!(expired[0]["evidence"]["expired"], true);
    let msg = expired[0]["message"].as_str().unwrap();
    assert!(msg.contains("expired on 2026-11-29, 1 day ago"), "{msg}");

    report.assert_status("SL902", "SL104 no-such-secret-*", "fail");
    assert_eq!(
        report.findings_for("SL902", "SL104 no-such-secret-*")[0]["evidence"]["expired"],
        false
    );
}

#[test]
fn an_invalid_waiver_is_a_one_line_error_naming_the_key() {
    let sb = Sandbox::new();
    let path = sb.write(
        "bad.toml",
        &(waiver("SL101", "x", "r", "2099-12-31") + &waiver("SL101", "x", "r", "2099-02-30")),
    );
    let run = sb.run([
        "demo",
        "--exit-code",
        "--config",
        path.to_str().unwrap(),
        "--out",
        "out",
    ]);
    run.assert_clean_error();
    assert!(
        run.stderr.contains("`waiver[1].expires`: invalid date"),
        "{}",
        run.describe()
    );
    assert!(!sb.join("out").exists(), "nothing written");
}

#[test]
fn checks_lists_a_framework_mapping_and_rejects_unknown_names() {
    let sb = Sandbox::new();
    let run = sb.run(["checks", "--framework", "aws-fsbp"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    for needle in [
        "SecretsManager.1  Secrets Manager secrets should have automatic rotation enabled",
        "SecretsManager.5",
        "  SL101  rotation-disabled",
        "Why:",
    ] {
        assert!(run.stdout.contains(needle), "{needle}\n{}", run.describe());
    }
    let run = sb.run(["checks", "--framework", "PCI DSS"]);
    assert_eq!(run.code, 0, "names work too\n{}", run.describe());
    assert!(run.stdout.contains("8.6.3"), "{}", run.describe());

    let run = sb.run(["checks", "--framework", "sox"]);
    run.assert_clean_error();
    assert!(
        run.stderr.contains("unknown framework \"sox\""),
        "{}",
        run.describe()
    );
    assert!(run.stderr.contains("aws-fsbp"), "{}", run.describe());
    assert!(run.stderr.contains("nist-800-53"), "{}", run.describe());
}

#[test]
fn the_example_demo_config_shows_every_waiver_outcome() {
    let sb = Sandbox::new();
    let path = common::repo_root().join("demo/secretlens.toml");
    let run = sb.run([
        "demo",
        "--exit-code",
        "--config",
        path.to_str().expect("utf-8 path"),
        "--out",
        "out",
        "--format",
        "json,text",
        "--allow-partial",
    ]);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(
        run.stdout.contains("Suppressed by waivers: 1 finding"),
        "{}",
        run.describe()
    );
    let report = sb.report("out");
    report.assert_status("SL104", "staging/legacy-billing/db-password", "suppressed");
    report.assert_status("SL902", "SL104 staging/legacy-billing/*", "pass");
    report.assert_status("SL902", "SL301 MyAppPassword", "fail");
    report.assert_status("SL902", "SL201 prod/search/*", "fail");
}
