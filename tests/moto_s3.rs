//! S3 in and out, against moto S3: `collect -o s3://…`, `evaluate s3://…`, `--out s3://…/`,
//! `--baseline s3://…`, and the bad inputs (an object that is not a report or an inventory, a
//! missing key or bucket, AccessDenied through the fault proxy): each is one `error:` line and
//! exit 2, with the local reports still written.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{MotoServer, Run, Sandbox, isolate_aws_env, now, python, tail};
use serde_json::{Value, json};

const BUCKET: &str = "secretlens-s3";

/// The object's bytes, read with boto3 (an independent client).
fn s3_get(server: &MotoServer, key: &str) -> Vec<u8> {
    let scratch = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(python());
    cmd.arg("-c")
        .arg(
            "import sys, boto3\n\
             from botocore.config import Config\n\
             s3 = boto3.client('s3', region_name='us-east-1', endpoint_url=sys.argv[1], \
             config=Config(s3={'addressing_style': 'path'}))\n\
             sys.stdout.buffer.write(s3.get_object(Bucket=sys.argv[2], Key=sys.argv[3])['Body'].read())\n",
        )
        .args([&server.endpoint(), BUCKET, key]);
    isolate_aws_env(&mut cmd, scratch.path());
    let out = cmd.output().expect("run python");
    assert!(
        out.status.success(),
        "get s3://{BUCKET}/{key}: {}\nlog:\n{}",
        String::from_utf8_lossy(&out.stderr),
        tail(server.log(), 20)
    );
    out.stdout
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("valid JSON")
}

fn url(key: &str) -> String {
    format!("s3://{BUCKET}/{key}")
}

/// Asserts exit 2 with exactly one `error:` line on stderr (besides `wrote …` lines), no
/// panic, containing every one of `needles`; returns the line.
fn one_error_line(run: &Run, needles: &[&str]) -> String {
    assert_eq!(run.code, 2, "expected exit 2\n{}", run.describe());
    assert!(!run.stderr.contains("panicked"), "{}", run.describe());
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("wrote "))
        .collect();
    assert_eq!(lines.len(), 1, "one line expected\n{}", run.describe());
    let line = lines[0];
    assert!(line.starts_with("error: "), "{}", run.describe());
    for n in needles {
        assert!(line.contains(n), "{n:?} missing in {line:?}");
    }
    line.to_string()
}

/// The local directory a failed upload kept, from "the local copy is kept in DIR".
fn kept_dir(line: &str) -> PathBuf {
    let (_, dir) = line
        .rsplit_once("the local copy is kept in ")
        .unwrap_or_else(|| panic!("no kept copy named in {line:?}"));
    PathBuf::from(dir.trim())
}

/// `secretlens collect --endpoint-url ENDPOINT --regions us-east-1 -o OUT`.
fn collect_to(sb: &Sandbox, endpoint: &str, out: &str) -> Run {
    sb.run([
        "collect",
        "--endpoint-url",
        endpoint,
        "--regions",
        "us-east-1",
        "-o",
        out,
    ])
}

/// `secretlens demo --endpoint-url ENDPOINT --format FORMAT --out OUT EXTRA…`.
fn demo_to(sb: &Sandbox, endpoint: &str, format: &str, out: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "demo",
        "--endpoint-url",
        endpoint,
        "--format",
        format,
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    sb.run(&args)
}

#[test]
fn collect_to_s3_evaluate_from_s3_report_to_s3_and_baseline_from_s3() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("rotation,s3", epoch);
    let endpoint = moto.endpoint();
    let sb = Sandbox::new();

    // collect -o s3://…
    let inv_url = url("inventories/inv.json");
    let run = collect_to(&sb, &endpoint, &inv_url);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(
        run.stderr.contains(&format!("wrote {inv_url} (2 secrets")),
        "{}",
        run.describe()
    );
    let inv = json_of(&s3_get(&moto, "inventories/inv.json"));
    let names: Vec<&str> = inv["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["prod/app/api-key", "prod/legacy/db"]);

    // evaluate s3://… --out s3://…/run1/ (every file format), and the same locally.
    let prefix = url("reports/run1/");
    let common_args = [
        "--endpoint-url",
        &endpoint,
        "--as-of",
        &as_of,
        "--allow-partial",
    ];
    let mut args = vec![
        "evaluate",
        &inv_url,
        "--out",
        &prefix,
        "--format",
        "json,html,ocsf",
    ];
    args.extend(common_args);
    let run = sb.run(&args);
    assert!(run.code == 0 || run.code == 1, "{}", run.describe());
    for file in ["report.json", "report.html", "report.ocsf.jsonl"] {
        assert!(
            run.stderr
                .contains(&format!("wrote {}", url(&format!("reports/run1/{file}")))),
            "{file}\n{}",
            run.describe()
        );
    }
    let mut args = vec!["evaluate", &inv_url, "--out", "local", "--format", "json"];
    args.extend(common_args);
    let local_run = sb.run(&args);
    assert_eq!(local_run.code, run.code, "{}", local_run.describe());
    let local = sb.report("local");

    let uploaded = json_of(&s3_get(&moto, "reports/run1/report.json"));
    assert_eq!(uploaded["findings"], local.0["findings"]);
    assert_eq!(
        uploaded["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["check_id"] == "SL101" && f["resource"]["name"] == "prod/legacy/db")
            .map(|f| f["status"].clone())
            .collect::<Vec<_>>(),
        ["fail"]
    );
    let html = String::from_utf8(s3_get(&moto, "reports/run1/report.html")).expect("UTF-8");
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("prod/legacy/db"));
    let ocsf = String::from_utf8(s3_get(&moto, "reports/run1/report.ocsf.jsonl")).expect("UTF-8");
    let events: Vec<Value> = ocsf
        .lines()
        .map(|l| serde_json::from_str(l).expect("an OCSF event per line"))
        .collect();
    assert!(events.iter().any(|e| e["class_uid"] == 2004), "{ocsf}");

    // --baseline s3://…/run1/report.json: every failure is still failing.
    let baseline = url("reports/run1/report.json");
    let mut args = vec![
        "evaluate",
        &inv_url,
        "--out",
        "compared",
        "--format",
        "json",
        "--baseline",
        &baseline,
    ];
    args.extend(common_args);
    let run = sb.run(&args);
    assert!(run.code == 0 || run.code == 1, "{}", run.describe());
    let c = &sb.report("compared").0["comparison"];
    let failing = local
        .findings()
        .iter()
        .filter(|f| f["status"] == "fail")
        .count();
    assert!(failing > 0);
    assert_eq!(c["baseline"], baseline.as_str());
    assert_eq!(
        (&c["new"], &c["still_failing"], &c["resolved"]),
        (&json!(0), &json!(failing), &json!(0)),
        "{c:#}"
    );
}

/// A schema-1 report is a valid baseline from S3 too, as it is from a file.
#[test]
fn a_schema_1_baseline_from_s3_is_accepted() {
    let moto = MotoServer::start();
    moto.seed("s3", now().0);
    let sb = Sandbox::new();
    let baseline = url("v1-report.json");
    let run = demo_to(
        &sb,
        &moto.endpoint(),
        "json",
        "out",
        &["--baseline", &baseline],
    );
    assert_eq!(run.code, 0, "{}", run.describe());
    let c = &sb.report("out").0["comparison"];
    assert_eq!(c["baseline"], baseline.as_str());
    assert_eq!(c["resolved"], 1, "{c:#}");
    assert_eq!(c["resolved_findings"][0]["id"], "00000000deadbeef");
}

#[test]
fn bad_s3_inputs_are_one_line_and_exit_2_with_the_local_reports_written() {
    let moto = MotoServer::start();
    moto.seed("s3", now().0);
    let endpoint = moto.endpoint();
    let sb = Sandbox::new();
    let demo = |out: &str, extra: &[&str]| demo_to(&sb, &endpoint, "json,html", out, extra);

    // Baselines that are not reports, or not there: the reports are written without the
    // comparison.
    for (n, (key, needles)) in [
        ("junk.json", &["not a secretlens report"][..]),
        ("text.txt", &["not a secretlens report"]),
        ("missing.json", &["NoSuchKey: the object does not exist"]),
    ]
    .into_iter()
    .enumerate()
    {
        let out = format!("bad-baseline-{n}");
        let baseline = url(key);
        let run = demo(&out, &["--baseline", &baseline]);
        let mut want = vec![baseline.as_str(), "cannot use --baseline"];
        want.extend_from_slice(needles);
        let line = one_error_line(&run, &want);
        assert!(
            line.ends_with("the reports were written without the comparison"),
            "{line}"
        );
        let report = sb.report(&out);
        assert!(report.0["comparison"].is_null());
        assert!(report.findings().len() > 100);
        assert!(sb.join(&out).join("report.html").is_file());
    }
    let run = demo(
        "no-bucket",
        &["--baseline", "s3://no-such-bucket/report.json"],
    );
    one_error_line(&run, &["s3://no-such-bucket/report.json", "NoSuchBucket"]);
    assert!(sb.join("no-bucket/report.json").is_file());

    // No credentials at all: said so, not "no answer".
    let run = sb.run_env(
        [
            "demo",
            "--endpoint-url",
            &endpoint,
            "--format",
            "json",
            "--out",
            "no-creds",
            "--baseline",
            &url("v1-report.json"),
        ],
        &[],
        &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
    );
    one_error_line(
        &run,
        &[&url("v1-report.json"), "no AWS credentials were found"],
    );
    assert!(sb.join("no-creds/report.json").is_file());

    // Inventories that are not inventories, or not there: nothing to evaluate.
    let evaluate = |input: &str| {
        sb.run([
            "evaluate",
            input,
            "--endpoint-url",
            &endpoint,
            "--out",
            "never",
        ])
    };
    one_error_line(
        &evaluate(&url("junk.json")),
        &[&url("junk.json"), "is not a secretlens inventory"],
    );
    one_error_line(
        &evaluate(&url("text.txt")),
        &[&url("text.txt"), "is not a secretlens inventory"],
    );
    one_error_line(
        &evaluate(&url("nope/inv.json")),
        &[
            "cannot read inventory",
            &url("nope/inv.json"),
            "NoSuchKey: the object does not exist",
        ],
    );
    one_error_line(
        &evaluate("s3://no-such-bucket/inv.json"),
        &[
            "s3://no-such-bucket/inv.json",
            "NoSuchBucket: the bucket does not exist",
        ],
    );
    assert!(!sb.join("never").exists());

    // A report prefix in a bucket that does not exist: the reports stay in a kept local copy.
    let run = demo("s3://no-such-bucket/reports/", &[]);
    let line = one_error_line(
        &run,
        &[
            "cannot upload to s3://no-such-bucket/reports/report.json",
            "NoSuchBucket",
        ],
    );
    let kept = kept_dir(&line);
    let report: Value =
        serde_json::from_slice(&std::fs::read(kept.join("report.json")).expect("kept report"))
            .expect("JSON");
    assert!(report["findings"].as_array().is_some_and(|f| f.len() > 100));
    assert!(kept.join("report.html").is_file());
    std::fs::remove_dir_all(&kept).expect("remove the kept copy");

    // URLs that are not S3 URLs: a usage error before anything runs.
    for (bad, why) in [
        ("s3:/secretlens-s3/r/", "not an s3:// URL"),
        ("s3://", "no bucket"),
    ] {
        let run = demo(bad, &[]);
        one_error_line(&run, &[&format!("--out {bad}: {why}")]);
    }
    // A bucket with no key is a prefix: its *.json objects are merged, and one that is not an
    // inventory is named.
    let run = evaluate("s3://secretlens-s3/");
    one_error_line(
        &run,
        &["s3://secretlens-s3/junk.json is not a secretlens inventory"],
    );
}

/// AccessDenied on PutObject (reports, inventory) and GetObject (baseline, inventory), injected
/// by the fault proxy.
#[test]
fn access_denied_is_one_line_and_keeps_the_local_copy() {
    let moto = MotoServer::start();
    let (epoch, _) = now();
    moto.seed("rotation,s3", epoch);
    let proxy = MotoServer::start_fault_proxy(&moto);
    proxy.set_faults(&json!([
        {"operation": "s3.PutObject", "fault": "access_denied"},
        {"operation": "s3.GetObject", "fault": "access_denied"},
    ]));
    let endpoint = proxy.endpoint();
    let sb = Sandbox::new();

    let prefix = url("denied/");
    let run = demo_to(&sb, &endpoint, "json,text", &prefix, &[]);
    let line = one_error_line(
        &run,
        &[
            &url("denied/report.json"),
            "AccessDenied: access denied (the caller needs s3:PutObject on it)",
        ],
    );
    let kept = kept_dir(&line);
    assert!(kept.join("report.json").is_file(), "{line}");
    // The terminal summary names the kept copy.
    assert!(
        run.stdout
            .contains(&format!("wrote {}", kept.join("report.json").display())),
        "{}",
        run.describe()
    );
    std::fs::remove_dir_all(&kept).expect("remove the kept copy");

    let baseline = url("v1-report.json");
    let run = demo_to(&sb, &endpoint, "json", "out", &["--baseline", &baseline]);
    one_error_line(
        &run,
        &[
            &format!("cannot use --baseline {baseline}"),
            "AccessDenied: access denied (the caller needs s3:GetObject on it)",
        ],
    );
    assert!(sb.join("out/report.json").is_file());

    let run = sb.run(["evaluate", &baseline, "--endpoint-url", &endpoint]);
    one_error_line(&run, &["cannot read inventory", &baseline, "AccessDenied"]);

    // collect -o: the collection is not lost.
    let inv_url = url("inv.json");
    let run = collect_to(&sb, &endpoint, &inv_url);
    let line = one_error_line(
        &run,
        &[&format!("cannot upload to {inv_url}"), "AccessDenied"],
    );
    let kept = kept_dir(&line);
    let inv: Value =
        serde_json::from_slice(&std::fs::read(&kept).expect("kept inventory")).expect("JSON");
    assert_eq!(inv["secrets"].as_array().map(Vec::len), Some(2));
    std::fs::remove_dir_all(kept.parent().expect("its directory")).expect("remove the kept copy");

    let stats = proxy.fault_stats();
    assert!(
        stats["by_operation"]["s3.PutObject"]["access_denied"]
            .as_u64()
            .is_some_and(|n| n >= 2),
        "{stats:#}"
    );
}
