//! `audit --securityhub` and `--format asff` against moto's Security Hub: two audits with one
//! finding fixed in between leave exactly the failing findings ACTIVE, without duplicates, and
//! the fixed one ARCHIVED; a refused import is one line and exit 2 with the reports written.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use serde_json::{Value, json};

/// The secretlens ids of the report's failing findings.
fn failing_ids(report: &Report) -> BTreeSet<String> {
    report
        .findings()
        .iter()
        .filter(|f| f["status"] == "fail")
        .map(|f| format!("secretlens/{}", f["id"].as_str().expect("id")))
        .collect()
}

/// Security Hub's findings in `account` as moto holds them (any record state), by id.
fn hub(moto: &MotoServer, epoch: i64, account: &str) -> (Vec<Value>, BTreeMap<String, Value>) {
    let out = moto.seed("securityhub_findings", epoch);
    let list = out["securityhub_findings"][account]
        .as_array()
        .expect("securityhub_findings")
        .clone();
    let by_id = list
        .iter()
        .map(|f| (f["Id"].as_str().expect("Id").to_string(), f.clone()))
        .collect();
    (list, by_id)
}

fn active(by_id: &BTreeMap<String, Value>) -> BTreeSet<String> {
    by_id
        .iter()
        .filter(|(_, f)| f["RecordState"] == "ACTIVE")
        .map(|(id, _)| id.clone())
        .collect()
}

#[test]
fn two_audits_leave_the_failing_findings_active_and_archive_the_fixed_one() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("rotation", epoch);
    let sb = Sandbox::new();
    let opts = |out| Audit {
        out,
        format: "json,asff",
        extra: &["--securityhub"],
        ..Audit::default()
    };

    // First run: every failing finding is imported, nothing else.
    let (run1, r1) = audit(&sb, &moto, &as_of, opts("run1"));
    assert_complete(&run1, &r1);
    let failing1 = failing_ids(&r1);
    assert!(failing1.len() > 3, "{}", run1.describe());
    let (list1, hub1) = hub(&moto, epoch, "123456789012");
    assert_eq!(list1.len(), hub1.len(), "duplicate ids in Security Hub");
    assert_eq!(active(&hub1), failing1);
    assert_eq!(
        hub1.len(),
        failing1.len(),
        "only failing findings are imported"
    );
    for f in hub1.values() {
        assert_eq!(f["Compliance"], "FAILED", "{f}");
        assert_eq!(f["AwsAccountId"], "123456789012", "{f}");
        assert_eq!(
            f["ProductArn"],
            "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default"
        );
        assert!(
            f["GeneratorId"]
                .as_str()
                .unwrap()
                .starts_with("secretlens/SL")
        );
    }
    assert!(
        run1.stderr.contains(&format!(
            "Security Hub 123456789012 us-east-1: {} active, 0 archived",
            failing1.len()
        )),
        "{}",
        run1.describe()
    );

    // The fix: prod/legacy/db gets its required tags, so its SL302 finding passes.
    let fixed = r1
        .findings_for("SL302", "prod/legacy/db")
        .first()
        .map(|f| format!("secretlens/{}", f["id"].as_str().unwrap()))
        .expect("SL302 on prod/legacy/db");
    assert!(failing1.contains(&fixed));
    moto.seed("securityhub_fix", epoch);

    let (run2, r2) = audit(&sb, &moto, &as_of, opts("run2"));
    assert_complete(&run2, &r2);
    let failing2 = failing_ids(&r2);
    let mut expected = failing1.clone();
    expected.remove(&fixed);
    assert_eq!(failing2, expected, "exactly the one finding was fixed");
    let (list2, hub2) = hub(&moto, epoch, "123456789012");
    assert_eq!(list2.len(), hub2.len(), "duplicate ids in Security Hub");
    assert_eq!(
        active(&hub2),
        failing2,
        "exactly the failing findings are active"
    );
    assert_eq!(
        hub2.len(),
        failing2.len() + 1,
        "the fixed one stays, archived"
    );
    assert_eq!(hub2[&fixed]["RecordState"], "ARCHIVED");
    assert_eq!(hub2[&fixed]["Compliance"], "PASSED");
    assert!(
        run2.stderr.contains(&format!(
            "Security Hub 123456789012 us-east-1: {} active, 1 archived",
            failing2.len()
        )),
        "{}",
        run2.describe()
    );

    // report.asff.json: every assessed finding, with the same ids and states.
    let asff: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(sb.join("run2").join("report.asff.json")).expect("asff file"),
    )
    .expect("asff JSON");
    let assessed = r2
        .findings()
        .iter()
        .filter(|f| f["status"] != "not_applicable")
        .count();
    assert_eq!(asff.len(), assessed);
    for a in &asff {
        for field in [
            "SchemaVersion",
            "Id",
            "ProductArn",
            "GeneratorId",
            "AwsAccountId",
            "Types",
            "CreatedAt",
            "UpdatedAt",
            "Severity",
            "Title",
            "Description",
            "Resources",
        ] {
            assert!(!a[field].is_null(), "ASFF finding without {field}: {a}");
        }
    }
    let active_in_file: BTreeSet<String> = asff
        .iter()
        .filter(|a| a["Compliance"]["Status"] == "FAILED" && a["RecordState"] == "ACTIVE")
        .map(|a| a["Id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(active_in_file, failing2);
}

#[test]
fn a_refused_import_is_one_line_and_exit_2_with_the_reports_written() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("rotation", epoch);
    let proxy = MotoServer::start_fault_proxy(&moto);
    proxy.set_faults(&json!([
        {"path_contains": "/findings/import", "fault": "access_denied"}
    ]));
    let sb = Sandbox::new();
    let (run, report) = audit(
        &sb,
        &proxy,
        &as_of,
        Audit {
            extra: &["--securityhub"],
            ..Audit::default()
        },
    );
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(!failing_ids(&report).is_empty());
    assert!(
        run.stderr.contains("not imported: BatchImportFindings")
            && run.stderr.contains("AccessDenied")
            && run
                .stderr
                .contains("securityhub:GetFindings and securityhub:BatchImportFindings"),
        "{}",
        run.describe()
    );
    assert!(
        run.stderr.contains("the Security Hub import is incomplete"),
        "{}",
        run.describe()
    );
    let (list, _) = hub(&moto, epoch, "123456789012");
    assert!(list.is_empty(), "nothing was imported: {list:?}");
}

/// With --accounts and --role-name, each account's failing findings go into that account's own
/// Security Hub (a non-partner product may import only there), through the assumed role.
#[test]
fn each_account_gets_its_own_findings() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("multi_account", epoch);
    let sb = Sandbox::new();
    let (run, report) = audit(
        &sb,
        &moto,
        &as_of,
        Audit {
            extra: &[
                "--accounts",
                "111111111111,222222222222",
                "--role-name",
                "SecretlensAudit",
                "--securityhub",
            ],
            ..Audit::default()
        },
    );
    assert_complete(&run, &report);
    for account in ["111111111111", "222222222222"] {
        let expected: BTreeSet<String> = report
            .findings()
            .iter()
            .filter(|f| f["status"] == "fail" && f["resource"]["account"] == account)
            .map(|f| format!("secretlens/{}", f["id"].as_str().unwrap()))
            .collect();
        assert!(!expected.is_empty(), "{account}: {}", run.describe());
        let (list, by_id) = hub(&moto, epoch, account);
        assert_eq!(list.len(), by_id.len());
        assert_eq!(active(&by_id), expected, "{account}");
        assert!(list.iter().all(|f| f["AwsAccountId"] == account));
        assert!(
            run.stderr.contains(&format!(
                "Security Hub {account} us-east-1: {} active",
                expected.len()
            )),
            "{}",
            run.describe()
        );
    }
    let (caller, _) = hub(&moto, epoch, "123456789012");
    assert!(
        caller.is_empty(),
        "nothing in the caller's account: {caller:?}"
    );
}
