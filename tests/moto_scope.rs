//! Scope: several accounts and `--regions all` in one report, against moto.
//!
//! moto maps credentials from `AssumeRole` to the role's account, so assuming
//! `SecretlensAudit` in two member accounts audits two separate moto accounts. moto has no
//! `account:ListRegions`; the test-only extension answers it (us-east-1 and eu-west-1
//! enabled, ap-east-1 disabled).

mod common;

use common::{Audit, MotoServer, Sandbox, audit, now};

#[test]
fn two_accounts_in_one_report_with_account_and_region_on_every_finding() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    let seeded = moto.seed("multi_account", epoch);
    let sb = Sandbox::new();
    let (run, report) = audit(
        &sb,
        &moto,
        &as_of,
        Audit {
            regions: "all",
            extra: &[
                "--accounts",
                "111111111111,222222222222",
                "--role-name",
                "SecretlensAudit",
            ],
            ..Audit::default()
        },
    );
    assert!(
        report.0["coverage_complete"].as_bool().expect("bool"),
        "{}\n{:#?}",
        run.describe(),
        report.gaps()
    );
    assert_eq!(
        report.0["accounts"],
        serde_json::json!(["111111111111", "222222222222"])
    );
    // `all` = the regions the account says are enabled, not a hard-coded list.
    assert_eq!(
        report.0["regions"],
        serde_json::json!(["eu-west-1", "us-east-1"])
    );
    for account in ["111111111111", "222222222222"] {
        let arn = seeded["multi_account"][account]
            .as_str()
            .expect("seeded arn");
        let on_it: Vec<_> = report
            .findings()
            .iter()
            .filter(|f| f["resource"]["arn"] == arn)
            .collect();
        assert!(!on_it.is_empty(), "findings for {arn}");
        for f in on_it {
            assert_eq!(f["resource"]["account"], account, "{f:#}");
            assert_eq!(f["resource"]["region"], "us-east-1", "{f:#}");
        }
    }
    // Every finding says where it is.
    for f in report.findings() {
        assert!(
            f["resource"]["account"]
                .as_str()
                .is_some_and(|a| !a.is_empty()),
            "{f:#}"
        );
        assert!(
            f["resource"]["region"]
                .as_str()
                .is_some_and(|r| !r.is_empty()),
            "{f:#}"
        );
    }
    let calls = moto.calls();
    assert!(
        calls["counts"]["sts.AssumeRole"].as_u64().unwrap_or(0) >= 2,
        "{calls:#}"
    );
    assert!(
        calls["counts"].get("account.ListRegions").is_some()
            || calls.to_string().contains("listRegions"),
        "{calls:#}"
    );
}

#[test]
fn accounts_without_a_role_name_is_a_usage_error() {
    let sb = Sandbox::new();
    let run = sb.run([
        "audit",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--regions",
        "us-east-1",
        "--accounts",
        "111111111111",
    ]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("--role-name"), "{}", run.describe());
    let bad = sb.run([
        "audit",
        "--regions",
        "us-east-1",
        "--accounts",
        "12ab",
        "--role-name",
        "R",
    ]);
    assert_eq!(bad.code, 2, "{}", bad.describe());
    assert!(bad.stderr.contains("12 digits"), "{}", bad.describe());
}
