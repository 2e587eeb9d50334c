//! Fault injection: a test-only proxy (`tests/moto/fault_proxy.py`) sits on loopback between
//! the SDK and moto and answers chosen calls with throttling, HTTP 500/503, slow responses,
//! dropped connections or AccessDenied.
//!
//! - Transient faults: the audit completes with exactly the findings of a clean run, whether
//!   they are scripted, drawn at random (seeded: 30% throttling + 5% HTTP 500 on every request)
//!   or come from a per-operation rate limit; the report counts them.
//! - Persistent faults: the affected checks are `error` (never `pass`), SL901 names each gap,
//!   the exit code is 2, and 0/1 with `--allow-partial`.

mod common;

use common::{Audit, MotoServer, Report, Run, Sandbox, audit, now};
use serde_json::{Value, json};

fn seeded() -> (MotoServer, MotoServer, String) {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("rotation,kms,policy", epoch);
    let proxy = MotoServer::start_fault_proxy(&moto);
    (moto, proxy, as_of)
}

/// The audit through the proxy before any fault is set (report `clean`): the baseline a faulty
/// run is compared with. It covers everything.
fn clean_audit(sb: &Sandbox, proxy: &MotoServer, as_of: &str) -> (Run, Report) {
    let (run, report) = audit(
        sb,
        proxy,
        as_of,
        Audit {
            out: "clean",
            ..Audit::default()
        },
    );
    assert!(
        report.0["coverage_complete"].as_bool().expect("bool"),
        "{}",
        run.describe()
    );
    (run, report)
}

#[test]
fn transient_faults_give_exactly_the_findings_of_a_clean_run() {
    let (_moto, proxy, as_of) = seeded();
    let sb = Sandbox::new();
    let (clean_run, clean) = clean_audit(&sb, &proxy, &as_of);

    proxy.set_faults(&json!([
        {"operation": "secretsmanager.ListSecrets", "fault": "throttle", "times": 2},
        {"operation": "secretsmanager.GetResourcePolicy", "fault": "http500", "times": 1},
        {"operation": "secretsmanager.GetResourcePolicy", "fault": "http503", "times": 1},
        {"operation": "secretsmanager.GetResourcePolicy", "fault": "drop", "times": 1},
        {"operation": "TrentService.DescribeKey", "fault": "throttle", "times": 1},
        {"operation": "TrentService.ListAliases", "fault": "slow", "delay_ms": 700, "times": 1},
        {"operation": "TrentService.GetKeyRotationStatus", "fault": "drop", "times": 1}
    ]));
    let (faulty_run, faulty) = audit(
        &sb,
        &proxy,
        &as_of,
        Audit {
            out: "faulty",
            ..Audit::default()
        },
    );
    let stats = proxy.fault_stats();
    let injected: u64 = stats["faults"]
        .as_object()
        .expect("faults")
        .values()
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(injected, 8, "every transient fault was injected: {stats}");
    assert!(
        faulty.0["coverage_complete"].as_bool().expect("bool"),
        "retries absorb transient faults\n{}\n{:#?}",
        faulty_run.describe(),
        faulty.gaps()
    );
    assert_eq!(
        faulty.findings(),
        clean.findings(),
        "same findings as the clean run"
    );
    assert_eq!(faulty_run.code, clean_run.code);
}

/// Sums a numeric field over the report's `call_stats` (one entry per account and region).
fn call_stat(report: &Report, field: &str) -> u64 {
    report.0["call_stats"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c[field].as_u64()).sum())
        .unwrap_or(0)
}

fn injected(stats: &Value, fault: &str) -> u64 {
    stats["faults"][fault].as_u64().unwrap_or(0)
}

/// Issue 20: every request has a 30% chance of ThrottlingException and a 5% chance of HTTP 500
/// (drawn afresh per attempt, seeded). Nothing becomes a gap, the findings are those of the
/// clean run, and the report counts exactly the faults the proxy injected.
#[test]
fn random_throttling_and_server_errors_leave_no_gap() {
    let (_moto, proxy, as_of) = seeded();
    let sb = Sandbox::new();
    let (clean_run, clean) = clean_audit(&sb, &proxy, &as_of);
    assert_eq!(call_stat(&clean, "throttled"), 0);
    let clean_calls = call_stat(&clean, "calls");
    assert!(
        clean_calls > 20,
        "the clean run counts its calls: {clean_calls}"
    );

    // 0.3 throttle, then 0.05 / 0.7 of the rest: 5% of all requests answer HTTP 500.
    proxy.set_faults(&json!({"seed": 20, "rules": [
        {"fault": "throttle", "probability": 0.3},
        {"fault": "http500", "probability": 0.0714}
    ]}));
    let (run, faulty) = audit(
        &sb,
        &proxy,
        &as_of,
        Audit {
            out: "random",
            format: "json,text",
            ..Audit::default()
        },
    );
    let stats = proxy.fault_stats();
    let (throttles, errors) = (injected(&stats, "throttle"), injected(&stats, "http500"));
    assert!(
        throttles >= 5 && errors >= 1,
        "faults were injected: {stats}"
    );
    assert!(
        faulty.0["coverage_complete"].as_bool().expect("bool"),
        "no transient fault became a gap\n{}\n{:#?}",
        run.describe(),
        faulty.gaps()
    );
    assert_eq!(
        faulty.findings(),
        clean.findings(),
        "same findings as the clean run"
    );
    assert_eq!(run.code, clean_run.code);
    // Every injected fault was seen, retried and counted; the same calls were made.
    assert_eq!(
        call_stat(&faulty, "throttled"),
        throttles,
        "{}",
        faulty.0["call_stats"]
    );
    assert_eq!(
        call_stat(&faulty, "server_errors"),
        errors,
        "{}",
        faulty.0["call_stats"]
    );
    assert_eq!(call_stat(&faulty, "failed_after_retries"), 0);
    assert_eq!(call_stat(&faulty, "calls"), clean_calls);
    assert_eq!(
        call_stat(&faulty, "attempts"),
        clean_calls + throttles + errors,
        "one extra attempt per fault"
    );
    assert!(
        run.stdout.contains("throttled") && run.stdout.contains("all retried successfully"),
        "the summary says what happened\n{}",
        run.stdout
    );
}

/// Issue 20: AWS throttles by rate. Each operation gets a token bucket of 2 requests/s (the
/// seeded account has 5 secrets, so GetResourcePolicy and DescribeSecret exceed it): the audit
/// paces itself and still collects everything.
#[test]
fn rate_limited_operations_are_paced_without_gaps() {
    let (_moto, proxy, as_of) = seeded();
    let sb = Sandbox::new();
    let (clean_run, clean) = clean_audit(&sb, &proxy, &as_of);
    proxy.set_faults(&json!({"rules": [{"fault": "rate_limit", "rate": 2, "burst": 2}]}));
    let (run, limited) = audit(
        &sb,
        &proxy,
        &as_of,
        Audit {
            out: "limited",
            ..Audit::default()
        },
    );
    let stats = proxy.fault_stats();
    let throttles = injected(&stats, "rate_limit");
    assert!(
        throttles > 0,
        "the seeded account makes more than 2 calls of one operation at once: {stats}"
    );
    assert!(
        limited.0["coverage_complete"].as_bool().expect("bool"),
        "{}\n{:#?}",
        run.describe(),
        limited.gaps()
    );
    assert_eq!(limited.findings(), clean.findings());
    assert_eq!(run.code, clean_run.code);
    assert_eq!(call_stat(&limited, "throttled"), throttles);
    assert_eq!(call_stat(&limited, "failed_after_retries"), 0);
}

#[test]
fn persistent_faults_are_errors_and_gaps_never_passes() {
    let (_moto, proxy, as_of) = seeded();
    proxy.set_faults(&json!([
        {"operation": "secretsmanager.GetResourcePolicy", "body_contains": "prod/app/shared", "fault": "access_denied"},
        {"operation": "TrentService.DescribeKey", "fault": "http500"}
    ]));
    let sb = Sandbox::new();
    // A short retry budget: the persistent HTTP 500 is retried until it is spent (then a second
    // pass); the AccessDenied is not retried at all.
    sb.write("budget.toml", "[collection]\nretry_budget_secs = 2\n");
    let (run, report) = audit(
        &sb,
        &proxy,
        &as_of,
        Audit {
            extra: &["--config", "budget.toml"],
            format: "json,text",
            ..Audit::default()
        },
    );
    let stats = proxy.fault_stats();
    assert_eq!(
        injected(&stats, "access_denied"),
        1,
        "AccessDenied is never retried: {stats}"
    );
    assert!(
        injected(&stats, "http500") >= 3,
        "HTTP 500 is retried within the budget, then once more: {stats}"
    );
    assert!(call_stat(&report, "second_pass_calls") >= 1);
    assert!(call_stat(&report, "failed_after_retries") >= 1);
    assert_eq!(
        run.code,
        2,
        "coverage gaps without --allow-partial exit 2\n{}",
        run.describe()
    );
    assert!(!report.0["coverage_complete"].as_bool().expect("bool"));

    let gaps = report.gaps();
    let ops: Vec<&str> = gaps
        .iter()
        .filter_map(|g| g["operation"].as_str())
        .collect();
    assert!(ops.contains(&"GetResourcePolicy"), "{gaps:#?}");
    assert!(ops.contains(&"DescribeKey"), "{gaps:#?}");
    let denied = gaps
        .iter()
        .find(|g| g["operation"] == "GetResourcePolicy")
        .expect("gap");
    assert_eq!(denied["error_code"], "AccessDeniedException");
    assert!(
        denied["resource"]
            .as_str()
            .expect("str")
            .contains("prod/app/shared"),
        "{denied}"
    );
    let describe = gaps
        .iter()
        .find(|g| g["operation"] == "DescribeKey")
        .expect("gap");
    assert_eq!(describe["error_code"], "InternalFailure", "{describe}");
    // Each gap says why in plain words, the code beside it (JSON, terminal summary).
    assert_eq!(
        denied["cause"], "access denied: the caller may not call GetResourcePolicy",
        "{denied}"
    );
    assert_eq!(
        describe["cause"], "AWS answered with a server error, also on every retry",
        "{describe}"
    );
    assert!(
        run.stdout.contains(
            "GetResourcePolicy on arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/shared"
        ) && run
            .stdout
            .contains("access denied: the caller may not call GetResourcePolicy [AccessDeniedException]"),
        "{}",
        run.describe()
    );

    // SL901 names every gap.
    let sl901_fails: Vec<&Value> = report
        .findings()
        .iter()
        .filter(|f| f["check_id"] == "SL901" && f["status"] == "fail")
        .collect();
    assert_eq!(sl901_fails.len(), gaps.len(), "{sl901_fails:#?}");
    assert!(sl901_fails.iter().any(|f| {
        f["message"]
            .as_str()
            .unwrap_or("")
            .contains("GetResourcePolicy")
    }));

    // The secret whose key could not be described is not assessed by the key checks: error.
    for check in ["SL401", "SL402"] {
        let f = report.findings_for(check, "prod/app/cmk");
        if f.is_empty() && check == "SL402" {
            continue; // SL402 not registered in this build
        }
        assert_eq!(f.len(), 1, "{check}: {f:#?}");
        assert_eq!(
            f[0]["status"], "error",
            "{check} on an undescribed key must be error: {:#}",
            f[0]
        );
    }
    // The HTML/JSON secret view says the policy was not collected rather than "none".
    assert!(
        report
            .secret("prod/app/shared", "us-east-1")
            .get("resource_policy")
            .is_none_or(Value::is_null)
    );

    // --allow-partial: the same report, exit 0/1 by findings.
    let (partial, _) = audit(
        &sb,
        &proxy,
        &as_of,
        Audit {
            out: "partial",
            extra: &["--allow-partial", "--config", "budget.toml"],
            ..Audit::default()
        },
    );
    assert!(
        partial.code == 0 || partial.code == 1,
        "{}",
        partial.describe()
    );
    assert_eq!(
        partial.code, 1,
        "the seeded account has failing high findings (SL101 on prod/legacy/db)"
    );
}

#[test]
fn a_region_that_never_answers_does_not_hang_the_run() {
    let (_moto, proxy, as_of) = seeded();
    // Every ListSecrets call answers only after 5 s; the per-call attempt timeout is set to 1 s
    // in the config, so the region becomes a gap instead of hanging.
    proxy.set_faults(
        &json!([{"operation": "secretsmanager.ListSecrets", "fault": "slow", "delay_ms": 5000}]),
    );
    let sb = Sandbox::new();
    sb.write(
        "fast.toml",
        "[collection]\ncall_timeout_secs = 1\nmax_attempts = 2\nretry_budget_secs = 2\n",
    );
    let started = std::time::Instant::now();
    let (run, report) = audit(
        &sb,
        &proxy,
        &as_of,
        Audit {
            extra: &["--config", "fast.toml"],
            ..Audit::default()
        },
    );
    let took = started.elapsed();
    assert_eq!(run.code, 2, "{}", run.describe());
    let gap = report
        .gaps()
        .iter()
        .find(|g| g["operation"] == "ListSecrets")
        .unwrap_or_else(|| panic!("a ListSecrets gap: {:#?}", report.gaps()))
        .clone();
    assert_eq!(gap["error_code"], "Timeout", "{gap}");
    assert!(
        gap["cause"]
            .as_str()
            .is_some_and(|c| c.contains("timed out")),
        "{gap}"
    );
    eprintln!("slow region gave up after {took:?}");
}

/// The proxy's own self-test (seeded probabilities, per-operation rate limits, each
/// protocol's error shape as boto3 parses it): the fault tests above are only as good as the
/// faults it injects.
#[test]
fn the_fault_proxy_passes_its_self_test() {
    let out = std::process::Command::new(common::python())
        .arg(common::repo_root().join("tests/moto/test_fault_proxy.py"))
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "tests/moto/test_fault_proxy.py failed\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Issue 19: without the caller's identity nothing is audited: one line, exit 2, no report.
#[test]
fn a_denied_get_caller_identity_stops_before_any_collection() {
    let (_moto, proxy, as_of) = seeded();
    proxy.set_faults(&json!([{"operation": "sts.GetCallerIdentity", "fault": "access_denied"}]));
    let sb = Sandbox::new();
    let run = sb.run([
        "audit",
        "--endpoint-url",
        &proxy.endpoint(),
        "--regions",
        "us-east-1",
        "--as-of",
        &as_of,
        "--out",
        "out",
    ]);
    run.assert_clean_error();
    assert!(
        run.stderr.contains("may not call sts:GetCallerIdentity")
            && run.stderr.contains("AccessDenied"),
        "{}",
        run.describe()
    );
    assert!(!sb.join("out/report.json").exists(), "{}", run.describe());
    let stats = proxy.fault_stats();
    assert_eq!(
        stats["forwarded"], 0,
        "no call after the failed identity (and AccessDenied is not retried): {stats}"
    );
}
