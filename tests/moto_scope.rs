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

/// A requested opt-in region the account has not enabled (ap-east-1 in the test extension's
/// `account:ListRegions`) is one gap that says so, and nothing is called there; the enabled
/// region is audited as usual.
#[test]
fn a_requested_region_that_is_not_enabled_is_named_and_not_called() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("rotation", epoch);
    moto.reset_calls();
    let sb = Sandbox::new();
    let (run, report) = audit(
        &sb,
        &moto,
        &as_of,
        Audit {
            regions: "us-east-1,ap-east-1",
            format: "json,text",
            ..Audit::default()
        },
    );
    assert_eq!(
        run.code,
        2,
        "a region not audited is a gap\n{}",
        run.describe()
    );
    let gaps = report.gaps();
    assert_eq!(gaps.len(), 1, "{gaps:#?}");
    let gap = &gaps[0];
    assert_eq!(gap["region"], "ap-east-1", "{gap}");
    assert_eq!(gap["error_code"], "RegionNotEnabled", "{gap}");
    assert_eq!(
        gap["cause"], "the region is not enabled for this account",
        "{gap}"
    );
    assert!(
        gap["message"]
            .as_str()
            .is_some_and(|m| m.contains("aws account enable-region --region-name ap-east-1")),
        "{gap}"
    );
    assert!(
        run.stdout
            .contains("ap-east-1 ListRegions on (region-wide): the region is not enabled"),
        "{}",
        run.describe()
    );
    let calls = moto.calls();
    let in_ap_east: Vec<&serde_json::Value> = calls["calls"]
        .as_array()
        .expect("calls")
        .iter()
        .filter(|c| c["region"] == "ap-east-1")
        .collect();
    assert!(in_ap_east.is_empty(), "{in_ap_east:#?}");
    assert!(
        report
            .findings()
            .iter()
            .any(|f| f["resource"]["region"] == "us-east-1" && f["check_id"] == "SL101"),
        "us-east-1 is audited"
    );
}
