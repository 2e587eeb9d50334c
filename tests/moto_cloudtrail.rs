//! CloudTrail collection against moto (trails) and the test extension (LookupEvents, which
//! moto lacks, served from seeded events): SL801, SL802, RotationFailed evidence on SL103,
//! the calls made per region, and a timing of a 7-day window of 10,000 events (ignored).
#![allow(clippy::print_stdout)] // timings are printed for the benchmark notes.

mod common;

use std::time::Instant;

use chrono::SecondsFormat;
use common::{Audit, MotoServer, Sandbox, audit, now};
use serde_json::{Value, json};

/// How these tests audit: JSON and HTML (the HTML renders the CloudTrail evidence).
const JSON_HTML: Audit<'static> = Audit {
    regions: "us-east-1",
    out: "out",
    format: "json,html",
    extra: &[],
};

/// CloudTrail operations per region, from the server's call log.
fn cloudtrail_calls(moto: &MotoServer) -> std::collections::BTreeMap<(String, String), u64> {
    let mut out = std::collections::BTreeMap::new();
    for c in moto.calls()["calls"].as_array().expect("calls") {
        let op = c["operation"].as_str().unwrap_or_default();
        if let Some(op) = op.strip_prefix("CloudTrail_20131101.") {
            let region = c["region"].as_str().unwrap_or_default().to_string();
            *out.entry((region, op.to_string())).or_default() += 1;
        }
    }
    out
}

#[test]
fn no_trail_fails_sl801() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("rotation", epoch);
    let sb = Sandbox::new();
    let (run, r) = audit(&sb, &moto, &as_of, JSON_HTML);
    assert_eq!(
        r.0["coverage_complete"],
        true,
        "{}\n{}",
        r.context(),
        run.describe()
    );
    let f = r.finding("SL801", "123456789012/us-east-1");
    assert_eq!(f["status"], "fail", "{f:#}");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("no CloudTrail trail"),
        "{f:#}"
    );
    // Without a trail, "nobody unexpected read it" cannot be asserted.
    r.assert_status("SL802", "prod/legacy/db", "error");
    let calls = cloudtrail_calls(&moto);
    println!("no trail, 1 region: {calls:?}");
    assert_eq!(
        calls.get(&("us-east-1".into(), "DescribeTrails".into())),
        Some(&1)
    );
    assert_eq!(
        calls.get(&("us-east-1".into(), "LookupEvents".into())),
        Some(&1)
    );
}

#[test]
fn multi_region_logging_trail_passes_in_every_region() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    let seeded = moto.seed("cloudtrail_trail,replication", epoch);
    let sb = Sandbox::new();
    let (run, r) = audit(
        &sb,
        &moto,
        &as_of,
        Audit {
            regions: "us-east-1,eu-west-1",
            ..JSON_HTML
        },
    );
    assert_eq!(
        r.0["coverage_complete"],
        true,
        "{}\n{}",
        r.context(),
        run.describe()
    );
    let trail = seeded["cloudtrail_trail"]["trail"].as_str().unwrap();
    for region in ["us-east-1", "eu-west-1"] {
        let f = r.finding("SL801", &format!("123456789012/{region}"));
        assert_eq!(f["status"], "pass", "{region}: {f:#}");
        assert_eq!(f["evidence"]["covering_trail"], trail, "{f:#}");
    }
    // No reads seeded: nothing unexpected, with trail coverage.
    r.assert_status("SL802", "prod/app/replicated", "pass");
    let calls = cloudtrail_calls(&moto);
    let total: u64 = calls.values().sum();
    println!("CloudTrail calls, one multi-region trail, 2 regions ({total} in all):");
    for ((region, op), n) in &calls {
        println!("  {region:<10} {op:<18} {n}");
    }
    // Per region: DescribeTrails + LookupEvents (one page); per trail, GetTrailStatus and
    // GetEventSelectors asked of the trail's home region.
    assert_eq!(
        calls.get(&("eu-west-1".into(), "DescribeTrails".into())),
        Some(&1)
    );
    assert_eq!(
        calls.get(&("us-east-1".into(), "GetEventSelectors".into())),
        Some(&2),
        "{calls:?}"
    );
    assert_eq!(total, 8, "{calls:?}");
}

#[test]
fn unexpected_reader_fails_sl802_and_rotation_failed_is_sl103_evidence() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    let seeded = moto.seed("cloudtrail_trail,cloudtrail_events", epoch);
    let sb = Sandbox::new();
    sb.write("secretlens.toml", "[collection]\niam = true\n");
    let (run, r) = audit(&sb, &moto, &as_of, JSON_HTML);
    assert_eq!(
        r.0["coverage_complete"],
        true,
        "{}\n{}",
        r.context(),
        run.describe()
    );
    let intruder = seeded["cloudtrail_events"]["intruder"].as_str().unwrap();
    let app = seeded["cloudtrail_events"]["app"].as_str().unwrap();

    let f = r.finding("SL802", "prod/ct/db");
    assert_eq!(f["status"], "fail", "{f:#}");
    assert!(f["message"].as_str().unwrap().contains(intruder), "{f:#}");
    let reads = f["evidence"]["reads"].as_array().unwrap();
    let by = |p: &str| {
        reads
            .iter()
            .find(|x| x["principal"] == p)
            .unwrap_or_else(|| panic!("{p} in {reads:#?}"))
    };
    assert_eq!(by(intruder)["verdict"], "not_among_readers");
    assert_eq!(
        by(intruder)["count"],
        1,
        "the 20-day-old read is outside the window"
    );
    assert_eq!(by(intruder)["source_ips"], json!(["203.0.113.9"]));
    assert_eq!(by(app)["verdict"], "allowed");
    assert_eq!(by(app)["count"], 2);

    let f = r.finding("SL103", "prod/ct/rotating");
    assert_eq!(f["status"], "fail", "{f:#}");
    assert_eq!(f["evidence"]["cloudtrail_rotation"]["failed"], 1, "{f:#}");
    assert!(
        f["message"].as_str().unwrap().contains("RotationFailed"),
        "{f:#}"
    );

    // "Did read" in the report model and the HTML.
    let s = r.secret("prod/ct/db", "us-east-1");
    let readers = s["did_read"]["readers"].as_array().expect("did_read");
    assert_eq!(readers.len(), 2, "{s:#}");
    let html = std::fs::read_to_string(sb.join("out/report.html")).unwrap();
    assert!(html.contains("Did read (CloudTrail)") && html.contains(intruder));
    // Still never a secret value read by the auditor itself.
    let counts = moto.calls()["counts"].clone();
    assert!(
        counts
            .as_object()
            .unwrap()
            .keys()
            .all(|k| !k.contains("GetSecretValue")),
        "{counts}"
    );
}

#[test]
fn malformed_events_are_one_gap_not_a_crash() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("cloudtrail_trail,cloudtrail_malformed,rotation", epoch);
    let sb = Sandbox::new();
    let (run, r) = audit(&sb, &moto, &as_of, JSON_HTML);
    assert_eq!(
        run.code,
        2,
        "a gap makes the audit incomplete\n{}",
        run.describe()
    );
    let gaps: Vec<&Value> = r
        .gaps()
        .iter()
        .filter(|g| g["operation"] == "LookupEvents")
        .collect();
    assert_eq!(gaps.len(), 1, "{gaps:#?}");
    assert_eq!(gaps[0]["error_code"], "MalformedEvents");
    assert!(
        gaps[0]["message"].as_str().unwrap().starts_with("2 of 2"),
        "{gaps:#?}"
    );
}

/// Seeds `n` GetSecretValue events over 7 days into us-east-1 (spread over a few secrets and
/// principals) and times `secretlens audit`. Run with `cargo test --test moto_cloudtrail -- --ignored --nocapture`.
#[test]
#[ignore]
fn timing_of_a_7_day_window_of_10000_events() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("cloudtrail_trail,cloudtrail_events", epoch);
    let n = 10_000i64;
    let mut events = Vec::new();
    for i in 0..n {
        let t = epoch - 60 - (i * 7 * 86_400 / n);
        let role = format!("bulk-{}", i % 25);
        let time = chrono::DateTime::from_timestamp(t, 0)
            .unwrap()
            .to_rfc3339_opts(SecondsFormat::Secs, true);
        events.push(json!({
            "eventVersion": "1.08",
            "userIdentity": {"type": "AssumedRole", "arn": format!("arn:aws:sts::123456789012:assumed-role/{role}/s"),
                "accountId": "123456789012",
                "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::123456789012:role/{role}")}}},
            "eventTime": time,
            "eventSource": "secretsmanager.amazonaws.com",
            "eventName": "GetSecretValue",
            "awsRegion": "us-east-1",
            "sourceIPAddress": format!("10.0.{}.{}", i % 7, i % 250),
            "userAgent": "aws-sdk-go-v2/1.30",
            "requestParameters": {"secretId": if i % 2 == 0 { "prod/ct/db" } else { "prod/ct/rotating" }},
            "eventID": format!("bulk-{i}"),
            "readOnly": true,
            "eventType": "AwsApiCall",
        }));
    }
    let (code, body) = moto.http(
        "POST",
        "/_secretlens_test/cloudtrail_events",
        &json!({"region": "us-east-1", "events": events}).to_string(),
    );
    assert_eq!(code, 200, "{body}");
    moto.reset_calls();
    let sb = Sandbox::new();
    sb.write("secretlens.toml", "[collection]\niam = true\n");
    let started = Instant::now();
    let (run, r) = audit(&sb, &moto, &as_of, JSON_HTML);
    let elapsed = started.elapsed();
    let calls = cloudtrail_calls(&moto);
    let lookups = calls
        .get(&("us-east-1".into(), "LookupEvents".into()))
        .copied()
        .unwrap_or(0);
    println!(
        "{n} seeded events (+5): audit in {elapsed:?}, {lookups} LookupEvents pages; exit {}",
        run.code
    );
    assert!(lookups >= (n / 50) as u64, "{calls:?}");
    let f = r.finding("SL802", "prod/ct/db");
    assert_eq!(f["status"], "fail", "{f:#}");
}
