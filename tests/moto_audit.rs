//! Collection tests against a real AWS-compatible server: moto in server mode, started per
//! test on a free loopback port (see `tests/common/mod.rs` and `tests/moto/`). The real AWS
//! SDK speaks real HTTP and SigV4 to it; `tests/moto/seed.py` seeds each scenario with boto3,
//! and the test-only extension backdates secrets (moto has no clock control).
//!
//! Every test computes "now" once, backdates against it and passes it as `--as-of`.
#![allow(clippy::print_stdout)] // timings are printed for the benchmark notes.

mod common;

use std::time::Instant;

use common::{Audit, MotoServer, Sandbox, assert_complete, audit, free_port, now};
use serde_json::Value;

#[test]
fn rotation_statuses_follow_the_backdated_dates() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("rotation", epoch);
    let sb = Sandbox::new();
    let (run, r) = audit(&sb, &moto, &as_of, Audit::default());

    // 200 days old, never rotated.
    r.assert_status("SL101", "prod/legacy/db", "fail");
    r.assert_status("SL104", "prod/legacy/db", "fail");
    // Never accessed (moto never returns LastAccessedDate unless the test extension sets it).
    r.assert_status("SL201", "prod/legacy/db", "fail");
    // Every 30 days, last rotated yesterday, next in 29 days, created 100 days ago.
    r.assert_status("SL101", "prod/app/api-key", "pass");
    r.assert_status("SL102", "prod/app/api-key", "pass");
    r.assert_status("SL103", "prod/app/api-key", "pass");
    r.assert_status("SL104", "prod/app/api-key", "pass");
    // Accessed yesterday: LastAccessedDate reaches the report through the real SDK.
    r.assert_status("SL201", "prod/app/api-key", "pass");
    let api_key = r.secret("prod/app/api-key", "us-east-1");
    assert!(
        api_key["last_accessed_date"].is_string(),
        "last_accessed_date collected: {api_key:#}"
    );

    let legacy = r.secret("prod/legacy/db", "us-east-1");
    let created = legacy["created_date"]
        .as_str()
        .expect("created_date collected");
    let created = chrono::DateTime::parse_from_rfc3339(created).expect("RFC 3339");
    assert_eq!(
        created.timestamp(),
        epoch - 200 * 86_400,
        "backdated CreatedDate round-trips"
    );
    assert_eq!(
        r.0["as_of"],
        Value::String(as_of.clone()),
        "--as-of is the report's as_of"
    );
    assert_complete(&run, &r);
}

#[test]
fn customer_managed_key_passes_and_default_key_fails() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    let seeded = moto.seed("kms", epoch);
    let sb = Sandbox::new();
    let (run, r) = audit(&sb, &moto, &as_of, Audit::default());

    r.assert_status("SL401", "prod/app/cmk", "pass");
    r.assert_status("SL401", "prod/app/default-key", "fail");
    // The alias the secret names (moto echoes `alias/app`) resolves to the created key.
    let key_id = seeded["kms"]["key_id"].as_str().unwrap();
    let cmk = r.secret("prod/app/cmk", "us-east-1");
    assert!(
        cmk["kms_key"]
            .as_str()
            .is_some_and(|k| k.contains(key_id) || k == "alias/app"),
        "kms_key of prod/app/cmk names the CMK: {cmk:#}"
    );
    assert_complete(&run, &r);
}

#[test]
fn resource_policy_is_collected() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("policy", epoch);
    let sb = Sandbox::new();
    let (run, r) = audit(&sb, &moto, &as_of, Audit::default());

    let shared = r.secret("prod/app/shared", "us-east-1");
    let policy = shared["resource_policy"]
        .as_str()
        .unwrap_or_else(|| panic!("prod/app/shared has no resource_policy: {shared:#}"));
    let parsed: Value = serde_json::from_str(policy).expect("the policy is JSON text");
    assert_eq!(parsed["Statement"][0]["Sid"], "AllowAppRole", "{policy}");
    assert_complete(&run, &r);
}

#[test]
fn pending_deletion_is_reported_and_not_judged_on_rotation() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("deletion", epoch);
    let sb = Sandbox::new();
    let (run, r) = audit(&sb, &moto, &as_of, Audit::default());

    r.assert_status("SL701", "prod/app/retired", "fail");
    r.assert_status("SL101", "prod/app/retired", "not_applicable");
    assert!(
        r.secret("prod/app/retired", "us-east-1")["deleted_date"].is_string(),
        "deleted_date collected"
    );
    assert_complete(&run, &r);
}

#[test]
fn replica_is_not_a_separate_secret() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("replication", epoch);
    let sb = Sandbox::new();
    let (run, r) = audit(
        &sb,
        &moto,
        &as_of,
        Audit {
            regions: "us-east-1,eu-west-1",
            ..Audit::default()
        },
    );

    // The primary is judged once, in its own region.
    r.assert_status("SL101", "prod/app/replicated", "fail");
    let in_eu: Vec<&Value> = r
        .findings()
        .iter()
        .filter(|f| f["check_id"] != "SL901")
        .filter(|f| {
            let res = &f["resource"];
            let names_it = res["name"] == "prod/app/replicated"
                || res["arn"]
                    .as_str()
                    .is_some_and(|a| a.contains(":secret:prod/app/replicated"));
            names_it
                && (res["region"] == "eu-west-1"
                    || res["arn"]
                        .as_str()
                        .is_some_and(|a| a.contains(":eu-west-1:")))
        })
        .collect();
    assert!(
        in_eu.is_empty(),
        "findings on the eu-west-1 replica: {in_eu:#?}"
    );
    // eu-west-1 was audited: its own secret is there.
    r.assert_status("SL101", "prod/eu/local", "fail");
    assert_eq!(
        r.secret("prod/eu/local", "eu-west-1")["region"],
        "eu-west-1"
    );
    let regions = &r.0["regions"];
    assert!(
        regions.as_array().is_some_and(|a| a.len() == 2),
        "both regions in the report: {regions}"
    );
    let primary = r.secret("prod/app/replicated", "us-east-1");
    assert!(
        primary["replica_regions"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == "eu-west-1")),
        "the primary lists its replica region: {primary:#}"
    );
    assert_complete(&run, &r);
}

#[test]
fn collect_then_evaluate_gives_the_same_findings_as_audit() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("all", epoch);
    let sb = Sandbox::new();
    let endpoint = moto.endpoint();
    let (run, audited) = audit(
        &sb,
        &moto,
        &as_of,
        Audit {
            regions: "us-east-1,eu-west-1",
            out: "audit",
            ..Audit::default()
        },
    );
    assert_complete(&run, &audited);

    let collected = sb.run([
        "collect",
        "--endpoint-url",
        &endpoint,
        "--regions",
        "us-east-1,eu-west-1",
        "-o",
        "inv.json",
    ]);
    assert_eq!(collected.code, 0, "collect -o\n{}", collected.describe());
    let inv: Value =
        serde_json::from_str(&std::fs::read_to_string(sb.join("inv.json")).unwrap()).unwrap();
    assert_eq!(inv["schema_version"], 2, "inventory schema_version");
    assert!(
        inv["secrets"].as_array().is_some_and(|s| s.len() >= 8),
        "every seeded secret (and the replica) in the inventory"
    );

    let evaluated = sb.run([
        "evaluate", "inv.json", "--as-of", &as_of, "--out", "eval", "--format", "json",
    ]);
    assert!(
        evaluated.code == 0 || evaluated.code == 1,
        "evaluate\n{}",
        evaluated.describe()
    );
    let evaluated = sb.report("eval");
    assert!(!audited.findings().is_empty());
    if audited.findings() != evaluated.findings() {
        let a = serde_json::to_string_pretty(&audited.0["findings"]).unwrap();
        let e = serde_json::to_string_pretty(&evaluated.0["findings"]).unwrap();
        let first = a.lines().zip(e.lines()).position(|(x, y)| x != y);
        panic!(
            "audit and collect+evaluate findings differ ({} vs {} findings); first differing line {:?}:\n audit: {:?}\n eval:  {:?}",
            audited.findings().len(),
            evaluated.findings().len(),
            first,
            first.and_then(|i| a.lines().nth(i)),
            first.and_then(|i| e.lines().nth(i)),
        );
    }
}

/// The auditor is read-only and never reads secret values: every operation the SDK sent is
/// recorded by the test extension and checked.
#[test]
fn audit_never_reads_secret_values() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("all", epoch);
    let sb = Sandbox::new();
    let started = Instant::now();
    let (run, r) = audit(
        &sb,
        &moto,
        &as_of,
        Audit {
            regions: "us-east-1,eu-west-1",
            format: "json,html,text",
            ..Audit::default()
        },
    );
    let elapsed = started.elapsed();
    assert_complete(&run, &r);
    assert!(sb.join("out/report.html").is_file(), "report.html written");

    let calls = moto.calls();
    let counts = calls["counts"].as_object().expect("counts");
    let total: u64 = counts.values().filter_map(Value::as_u64).sum();
    println!(
        "audit of {} secrets over 2 regions: {total} API calls in {elapsed:?}",
        r.0["summary"]["secrets"]
    );
    for (op, n) in counts {
        println!("  {n:>4}  {op}");
    }
    assert!(
        counts.contains_key("secretsmanager.ListSecrets"),
        "ListSecrets was called: {counts:?}"
    );
    // CloudTrail is collected by default: trails and the event history of each region.
    for op in [
        "CloudTrail_20131101.DescribeTrails",
        "CloudTrail_20131101.LookupEvents",
    ] {
        assert_eq!(
            counts.get(op).and_then(Value::as_u64),
            Some(2),
            "{op} once per region: {counts:?}"
        );
    }
    let forbidden: Vec<&String> = counts
        .keys()
        .filter(|op| op.contains("GetSecretValue") || op.contains("BatchGetSecretValue"))
        .collect();
    assert!(
        forbidden.is_empty(),
        "the auditor read secret values: {forbidden:?}"
    );
    // Read-only: nothing but List/Get/Describe (and CloudTrail's LookupEvents, which reads
    // the event history).
    let writes: Vec<&String> = counts
        .keys()
        .filter(|op| {
            // REST services are recorded as `service.METHOD /path` (Lambda, Batch): a GET, or a
            // POST whose path names a read (`/v1/describejobdefinitions`).
            if let Some((_, call)) = op.split_once('.')
                && let Some((method, path)) = call.split_once(' ')
            {
                let last = path.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
                return !(method == "GET"
                    || (method == "POST"
                        && ["describe", "list", "get"]
                            .iter()
                            .any(|p| last.starts_with(p))));
            }
            let action = op.rsplit('.').next().unwrap_or(op);
            !(action.starts_with("List")
                || action.starts_with("Get")
                || action.starts_with("Describe")
                || action.starts_with("BatchGet")
                || action == "LookupEvents")
        })
        .collect();
    assert!(writes.is_empty(), "non-read operations called: {writes:?}");
}

#[test]
fn unreachable_endpoint_is_a_gap_not_a_crash() {
    let sb = Sandbox::new();
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let (_, as_of) = now();
    let run = sb.run([
        "audit",
        "--endpoint-url",
        &endpoint,
        "--regions",
        "us-east-1",
        "--as-of",
        &as_of,
        "--out",
        "out",
        "--format",
        "json",
    ]);
    assert_eq!(
        run.code,
        2,
        "an unreachable endpoint is an incomplete audit\n{}",
        run.describe()
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.describe());
    let report_path = sb.join("out/report.json");
    if report_path.is_file() {
        let r = sb.report("out");
        assert_eq!(r.0["coverage_complete"], false, "{}", r.context());
        assert!(!r.gaps().is_empty(), "the failed calls are gaps");
        assert!(
            r.findings()
                .iter()
                .any(|f| f["check_id"] == "SL901" && f["status"] == "fail"),
            "an SL901 finding reports the gap: {:#?}",
            r.findings()
        );
    } else {
        assert!(
            run.stderr.lines().any(|l| l.starts_with("error:")),
            "no report and no error line\n{}",
            run.describe()
        );
    }
    println!("unreachable endpoint: exit 2 after {:?}", run.elapsed);
}
