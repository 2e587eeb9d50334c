//! The Step Functions definition (deploy/statemachine.asl.json) played on moto by
//! deploy/local_driver.py: an organization of 20 member accounts, the Distributed Map running
//! one `collect` per account on 4 workers, the merged report equal to one multi-account run's,
//! failed items within (and beyond) the tolerated failure percentage, and the baseline of a
//! second run.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::{Value, json};

const BUCKET: &str = "secretlens-org";
const ROLE: &str = "SecretlensAudit";

struct Org {
    moto: MotoServer,
    topic: String,
    /// The member accounts (the management account 123456789012 is audited too).
    members: Vec<String>,
}

fn org() -> Org {
    let moto = MotoServer::start();
    let (epoch, _) = now();
    let seeded = moto.seed("fanout", epoch);
    let members: Vec<String> = seeded["fanout"]["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert_eq!(members.len(), 20);
    let topic = seeded["fanout"]["topic"].as_str().unwrap().to_string();
    Org {
        moto,
        topic,
        members,
    }
}

/// The outcome of one driver run: exit code, stderr, the stats file.
struct Driven {
    code: i32,
    stderr: String,
    stats: Value,
}

fn drive(sb: &Sandbox, org: &Org, endpoint: &str, run: &str, extra: &[&str]) -> Driven {
    let stats = sb.join(&format!("{run}-stats.json"));
    let mut cmd = Command::new(python());
    cmd.arg(repo_root().join("deploy/local_driver.py"))
        .args(["--bin", bin(), "--endpoint-url", endpoint, "--run", run])
        .args(["--workers", "4", "--stats"])
        .arg(&stats)
        .args(["--set", &format!("BucketName={BUCKET}")])
        .args(["--set", &format!("TopicArn={}", org.topic)])
        .args(["--set", &format!("MemberRoleName={ROLE}")])
        .args(["--set", "ExternalId=secretlens-test"])
        .args(extra)
        .current_dir(sb.path());
    isolate_aws_env(&mut cmd, sb.path());
    let out = cmd.output().expect("run deploy/local_driver.py");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let stats = std::fs::read_to_string(&stats)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    Driven {
        code: out.status.code().unwrap_or(-1),
        stderr,
        stats,
    }
}

/// `s3://BUCKET/KEY` read through the `evaluate`-free route: a tiny boto3 call.
fn s3_get(endpoint: &str, key: &str) -> Option<String> {
    let mut cmd = Command::new(python());
    cmd.args([
        "-c",
        "import sys, boto3; from botocore.config import Config\n\
         s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', \
         config=Config(s3={'addressing_style': 'path'}))\n\
         try:\n    sys.stdout.write(s3.get_object(Bucket=sys.argv[2], Key=sys.argv[3])['Body'].read().decode())\n\
         except s3.exceptions.NoSuchKey:\n    sys.exit(3)",
        endpoint,
        BUCKET,
        key,
    ]);
    isolate_aws_env(&mut cmd, Path::new("/nonexistent"));
    let out = cmd.output().expect("python");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).to_string())
}

fn s3_json(endpoint: &str, key: &str) -> Value {
    let text = s3_get(endpoint, key).unwrap_or_else(|| panic!("no s3://{BUCKET}/{key}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{key}: {e}"))
}

fn by_id(report: &Value) -> BTreeMap<String, Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (f["id"].as_str().expect("id").to_string(), f.clone()))
        .collect()
}

/// One multi-account `collect` of `accounts` and its `evaluate` at the driver's report's
/// `as_of`: the reference findings.
fn single_run(sb: &Sandbox, org: &Org, accounts: &[String], as_of: &str) -> Value {
    let endpoint = org.moto.endpoint();
    let run = sb.run([
        "collect",
        "--endpoint-url",
        &endpoint,
        "--accounts",
        &accounts.join(","),
        "--role-name",
        ROLE,
        "--external-id",
        "secretlens-test",
        "--regions",
        "all",
        "-o",
        "one.json",
    ]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let run = sb.run([
        "evaluate",
        "one.json",
        "--out",
        "single",
        "--format",
        "json",
        "--as-of",
        as_of,
        "--allow-partial",
    ]);
    assert!(run.code == 0 || run.code == 1, "{}", run.describe());
    sb.report("single").0
}

fn all_accounts(org: &Org) -> Vec<String> {
    let mut all = org.members.clone();
    all.push("123456789012".to_string());
    all.sort();
    all
}

#[test]
fn the_state_machine_audits_the_organization_like_one_multi_account_run() {
    let org = org();
    let sb = Sandbox::new();
    let endpoint = org.moto.endpoint();
    let first = drive(&sb, &org, &endpoint, "run-1", &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stderr.contains("execution run-1: SUCCEEDED"),
        "{}",
        first.stderr
    );
    assert!(
        first.stderr.contains("choice -> EvaluateFirstRun"),
        "{}",
        first.stderr
    );
    let all = all_accounts(&org);
    let items = s3_json(&endpoint, "runs/run-1/accounts.json");
    let mut listed: Vec<String> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["account_id"].as_str().unwrap().to_string())
        .collect();
    listed.sort();
    assert_eq!(listed, all);
    for account in &all {
        let inv = s3_json(&endpoint, &format!("runs/run-1/inventories/{account}.json"));
        assert_eq!(inv["accounts"], json!([account]));
    }
    // One task per account plus ListAccounts and the evaluate; every one ran on its own.
    let tasks = first.stats["tasks"].as_array().expect("stats.tasks");
    assert_eq!(tasks.len(), all.len() + 2, "{:#}", first.stats);
    assert!(tasks.iter().all(|t| t["peak_rss_kib"].as_u64() > Some(0)));
    let report = s3_json(&endpoint, "runs/run-1/report/report.json");
    let latest = s3_json(&endpoint, "latest/report.json");
    assert_eq!(latest, report, "PublishJson copied the run's report");
    assert!(s3_get(&endpoint, "latest/report.html").is_some());
    assert_eq!(report["coverage_complete"], true);

    let as_of = report["as_of"].as_str().expect("as_of").to_string();
    let single = single_run(&sb, &org, &all, &as_of);
    assert_eq!(report["accounts"], single["accounts"]);
    let (a, b) = (by_id(&single), by_id(&report));
    assert!(a.len() > 60, "{} findings", a.len());
    assert!(
        a.values()
            .any(|f| f["status"] == "fail" && f["resource"]["account"] == all[0].as_str())
    );
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (id, f) in &a {
        assert_eq!(f, &b[id], "finding {id} differs");
    }

    // The second run finds the first one's report under latest/ and compares with it.
    let second = drive(&sb, &org, &endpoint, "run-2", &[]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        second.stderr.contains("choice -> Evaluate\n")
            || second.stderr.contains("choice -> Evaluate\r\n"),
        "{}",
        second.stderr
    );
    let evaluate = second.stats["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["state"] == "Evaluate")
        .expect("an Evaluate task");
    assert!(
        evaluate["argv"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "--baseline"),
        "{evaluate}"
    );
    let report2 = s3_json(&endpoint, "latest/report.json");
    assert_ne!(report2["generated_at"], report["generated_at"]);
}

#[test]
fn the_driver_refuses_what_it_does_not_implement() {
    let org_topic = "arn:aws:sns:us-east-1:123456789012:t";
    let sb = Sandbox::new();
    let definition: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("deploy/statemachine.asl.json")).unwrap(),
    )
    .unwrap();
    let cases = [
        (
            "/States/Done/Type",
            json!("Parallel"),
            "unsupported state type",
        ),
        (
            "/States/FindBaseline/Resource",
            json!("arn:aws:states:::aws-sdk:s3:deleteObject"),
            "unsupported resource",
        ),
        (
            "/States/Prepare/Parameters/run.$",
            json!("States.UUID()"),
            "unsupported intrinsic function States.UUID",
        ),
        (
            "/States/HasBaseline/Choices/0",
            json!({"Variable": "$.baseline.count", "TimestampEquals": "x", "Next": "Evaluate"}),
            "unsupported Choice rule",
        ),
        ("/States/Done/OutputPath", json!("$.x"), "unsupported field"),
    ];
    for (i, (pointer, value, want)) in cases.into_iter().enumerate() {
        let mut def = definition.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let target = def.pointer_mut(parent).expect(pointer);
        match target {
            Value::Object(m) => {
                m.insert(key.to_string(), value);
            }
            Value::Array(a) => a[key.parse::<usize>().unwrap()] = value,
            _ => unreachable!(),
        }
        let path = sb.write(&format!("def{i}.json"), &def.to_string());
        let mut cmd = Command::new(python());
        cmd.arg(repo_root().join("deploy/local_driver.py"))
            .args(["--bin", bin(), "--definition"])
            .arg(&path)
            .args(["--endpoint-url", "http://127.0.0.1:9"])
            .args([
                "--set",
                "BucketName=b",
                "--set",
                &format!("TopicArn={org_topic}"),
            ])
            .args(["--set", "MemberRoleName=R", "--set", "ExternalId=X"])
            .args(["--set", "ToleratedFailurePercentage=0"]);
        isolate_aws_env(&mut cmd, sb.path());
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{pointer}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(want),
            "{pointer}: {stderr}"
        );
        assert!(!stderr.contains("Traceback"), "{stderr}");
    }
    // A placeholder without a value.
    let mut cmd = Command::new(python());
    cmd.arg(repo_root().join("deploy/local_driver.py")).args([
        "--bin",
        bin(),
        "--set",
        "BucketName=b",
    ]);
    isolate_aws_env(&mut cmd, sb.path());
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("${TopicArn}") && stderr.contains("--set"),
        "{stderr}"
    );
}

/// The keys under `prefix` in the bucket.
fn s3_keys(endpoint: &str, prefix: &str) -> Vec<String> {
    let mut cmd = Command::new(python());
    cmd.args([
        "-c",
        "import sys, boto3; from botocore.config import Config\n\
         s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', \
         config=Config(s3={'addressing_style': 'path'}))\n\
         for page in s3.get_paginator('list_objects_v2').paginate(Bucket=sys.argv[2], Prefix=sys.argv[3]):\n    \
         [print(o['Key']) for o in page.get('Contents', [])]",
        endpoint,
        BUCKET,
        prefix,
    ]);
    isolate_aws_env(&mut cmd, Path::new("/nonexistent"));
    let out = cmd.output().expect("python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// One account's collect task fails (its inventory cannot be written) and another account's
/// role cannot be assumed: within ToleratedFailurePercentage the run succeeds and both
/// accounts are SL901 gaps while every other account is audited as in a run without them;
/// with ToleratedFailurePercentage 0 the Map fails and NotifyFailure alerts the topic.
#[test]
fn failed_items_within_the_tolerance_are_gaps_and_beyond_it_fail_the_run() {
    let org = org();
    let proxy = MotoServer::start_fault_proxy(&org.moto);
    let (broken, locked) = (org.members[3].clone(), org.members[7].clone());
    proxy.set_faults(&json!([
        {"operation": "s3.PutObject", "path_contains": format!("/inventories/{broken}.json"),
         "fault": "access_denied"},
        {"operation": "sts.AssumeRole", "body_contains": locked, "fault": "access_denied"}
    ]));
    let sb = Sandbox::new();
    let endpoint = org.moto.endpoint();
    let run = drive(
        &sb,
        &org,
        &proxy.endpoint(),
        "tolerated",
        &["--set", "ToleratedFailurePercentage=10"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("execution tolerated: SUCCEEDED"),
        "{}",
        run.stderr
    );
    // The failed item was retried once (Retry States.TaskFailed, MaxAttempts 1), then failed.
    let tries: Vec<&Value> = run.stats["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["item"] == broken.as_str())
        .collect();
    assert_eq!(tries.len(), 2, "{tries:#?}");
    assert!(tries.iter().all(|t| t["exit_code"] != 0), "{tries:#?}");
    assert!(
        run.stderr.contains("20 succeeded, 1 failed"),
        "{}",
        run.stderr
    );
    // ResultWriter: the failed item is listed under runs/RUN/map/.
    let failed_key = s3_keys(&endpoint, "runs/tolerated/map/")
        .into_iter()
        .find(|k| k.ends_with("/FAILED_0.json"))
        .expect("a FAILED_0.json");
    let failed = s3_json(&endpoint, &failed_key);
    assert_eq!(failed.as_array().unwrap().len(), 1, "{failed:#}");
    assert_eq!(failed[0]["Input"]["account_id"], broken.as_str());
    assert!(
        s3_get(
            &endpoint,
            &format!("runs/tolerated/inventories/{broken}.json")
        )
        .is_none()
    );

    let report = s3_json(&endpoint, "runs/tolerated/report/report.json");
    assert_eq!(report["coverage_complete"], false);
    // The account whose collect failed has no inventory: its SL901 gap comes from
    // `evaluate --expect-accounts runs/RUN/accounts.json`.
    for account in [&broken, &locked] {
        assert!(
            report["findings"].as_array().unwrap().iter().any(|f| {
                f["check_id"] == "SL901"
                    && f["status"] == "fail"
                    && f["resource"]["account"] == account.as_str()
            }),
            "no SL901 gap for {account}: {:#}",
            report["gaps"]
        );
    }
    let gaps = report["gaps"].as_array().unwrap();
    assert!(
        gaps.iter()
            .any(|g| g["account"] == broken.as_str() && g["error_code"] == "NoInventory"),
        "{gaps:#?}"
    );
    assert!(
        gaps.iter()
            .any(|g| g["account"] == locked.as_str() && g["operation"] == "AssumeRole"),
        "{gaps:#?}"
    );
    assert!(
        gaps.iter()
            .all(|g| g["account"] == broken.as_str() || g["account"] == locked.as_str()),
        "{gaps:#?}"
    );
    // Every other account: the findings of one run over those accounts alone.
    let others: Vec<String> = all_accounts(&org)
        .into_iter()
        .filter(|a| a != &broken && a != &locked)
        .collect();
    let single = single_run(&sb, &org, &others, report["as_of"].as_str().unwrap());
    let theirs: BTreeMap<String, Value> = by_id(&report)
        .into_iter()
        .filter(|(_, f)| {
            f["resource"]["account"] != broken.as_str()
                && f["resource"]["account"] != locked.as_str()
        })
        .collect();
    let single = by_id(&single);
    assert!(single.len() > 50);
    assert_eq!(
        theirs.keys().collect::<Vec<_>>(),
        single.keys().collect::<Vec<_>>()
    );
    for (id, f) in &single {
        assert_eq!(f, &theirs[id], "finding {id} differs");
    }

    // No failure tolerated: the Map fails, NotifyFailure publishes, the execution fails.
    org.moto.seed("fanout_alerts", 0);
    let strict = drive(
        &sb,
        &org,
        &proxy.endpoint(),
        "strict",
        &["--set", "ToleratedFailurePercentage=0"],
    );
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert!(
        strict
            .stderr
            .contains("execution strict: FAILED (SecretlensRunFailed: "),
        "{}",
        strict.stderr
    );
    assert!(
        strict
            .stderr
            .contains("caught States.ExceedToleratedFailureThreshold -> NotifyFailure"),
        "{}",
        strict.stderr
    );
    let alerts = org.moto.seed("fanout_alerts", 0)["fanout_alerts"].clone();
    let alerts = alerts.as_array().expect("messages");
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let text = alerts[0].as_str().unwrap();
    assert!(
        text.starts_with("secretlens run strict failed: ")
            && text.contains("States.ExceedToleratedFailureThreshold")
            && text.contains("execution:secretlens-local:strict"),
        "{text}"
    );
    assert!(s3_get(&endpoint, "runs/strict/report/report.json").is_none());
}

/// A task past its TimeoutSeconds (scaled) is killed: States.Timeout, which a States.TaskFailed
/// retrier does not match, caught by its own catcher.
#[test]
fn a_hung_task_times_out_and_is_not_retried_as_a_failed_one() {
    let sb = Sandbox::new();
    let def = json!({
        "StartAt": "Hang",
        "States": {
            "Hang": {
                "Type": "Task",
                "Resource": "arn:aws:states:::ecs:runTask.sync",
                "Parameters": {"Overrides": {"ContainerOverrides": [{"Name": "secretlens", "Command": ["30"]}]}},
                "TimeoutSeconds": 100,
                "Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 3}],
                "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "TimedOut"}],
                "End": true
            },
            "TimedOut": {"Type": "Fail", "Error": "HungTask", "Cause": "killed"}
        }
    });
    let path = sb.write("hang.json", &def.to_string());
    let mut cmd = Command::new(python());
    cmd.arg(repo_root().join("deploy/local_driver.py"))
        .args([
            "--bin",
            "/bin/sleep",
            "--run",
            "hang",
            "--timeout-scale",
            "0.01",
        ])
        .arg("--definition")
        .arg(&path);
    isolate_aws_env(&mut cmd, sb.path());
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Hang: 30 exit timeout"), "{stderr}");
    assert!(!stderr.contains("retry"), "{stderr}");
    assert!(
        stderr.contains("caught States.Timeout -> TimedOut")
            && stderr.contains("execution hang: FAILED (HungTask: killed)"),
        "{stderr}"
    );
}
