//! Credentials outside Secrets Manager (SL001–SL008) against moto: the `exposure` scenario of
//! tests/moto/seed.py plants 30 synthetic credentials across Lambda, ECS, EC2 (instances, a
//! launch template, a launch configuration), CloudFormation, SSM, CodeBuild, Step Functions and
//! Batch, and 32 decoys (references to secrets, placeholders, flags, identifiers, NoEcho and
//! SecureString values, a terminated instance). Every plant must be reported on its resource,
//! no decoy may be, and no planted value may appear in any output.

mod common;

use common::{Audit, MotoServer, Sandbox, audit, now};
use serde_json::Value;

fn exposure_findings(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["category"] == "exposure")
        .collect()
}

/// The hit at `location` on a resource whose ARN or name contains `resource`.
fn hit<'a>(findings: &[&'a Value], resource: &str, location: &str) -> Option<&'a Value> {
    findings
        .iter()
        .filter(|f| {
            f["resource"]["arn"]
                .as_str()
                .unwrap_or("")
                .contains(resource)
                || f["resource"]["name"]
                    .as_str()
                    .unwrap_or("")
                    .contains(resource)
        })
        .flat_map(|f| f["evidence"]["hits"].as_array().into_iter().flatten())
        .find(|h| h["location"] == location)
}

#[test]
fn every_planted_credential_is_found_on_its_resource_and_no_decoy_is() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    let seeded = moto.seed("exposure", epoch);
    let plants = seeded["exposure"]["plants"].as_array().expect("plants");
    let decoys = seeded["exposure"]["decoys"].as_array().expect("decoys");
    assert!(plants.len() >= 30 && decoys.len() >= 30, "{seeded:#}");

    let sb = Sandbox::new();
    sb.write("secretlens.toml", "[collection]\niam = true\n");
    let (run, r) = audit(
        &sb,
        &moto,
        &as_of,
        Audit {
            format: "json,html,text",
            extra: &["--config", "secretlens.toml", "--verbose"],
            ..Audit::default()
        },
    );
    common::assert_complete(&run, &r);
    let findings = exposure_findings(&r.0);

    let mut missing = Vec::new();
    for p in plants {
        let (res, loc) = (
            p["arn_contains"].as_str().unwrap(),
            p["location"].as_str().unwrap(),
        );
        if hit(&findings, res, loc).is_none() {
            missing.push(format!("{res} {loc}"));
        }
    }
    let mut reported = Vec::new();
    for d in decoys {
        let (res, loc) = (
            d["arn_contains"].as_str().unwrap(),
            d["location"].as_str().unwrap(),
        );
        if let Some(h) = hit(&findings, res, loc) {
            reported.push(format!("{res} {loc}: {h}"));
        }
    }
    let summary: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {}",
                f["check_id"], f["status"], f["resource"]["name"], f["message"]
            )
        })
        .collect();
    assert!(
        missing.is_empty() && reported.is_empty(),
        "plants not reported: {missing:#?}\ndecoys reported: {reported:#?}\nfindings:\n{}",
        summary.join("\n")
    );

    // One finding per resource, the resource's own ARN; clean resources pass.
    let status_of = |name: &str| {
        findings
            .iter()
            .find(|f| f["resource"]["name"] == name)
            .map(|f| f["status"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(status_of("orders-api").as_deref(), Some("fail"));
    assert_eq!(status_of("clean-fn").as_deref(), Some("pass"));
    let api = findings
        .iter()
        .find(|f| {
            f["resource"]["arn"]
                .as_str()
                .unwrap_or("")
                .ends_with("task-definition/api:1")
        })
        .expect("latest revision of the api family");
    assert_eq!(api["status"], "pass", "{api:#}");
    assert!(
        !findings.iter().any(|f| f["resource"]["arn"]
            .as_str()
            .unwrap_or("")
            .ends_with("task-definition/web:1")),
        "only the latest revision of a family is judged by default"
    );
    // The AWS key id in orders-api is an active IAM key of the account: critical.
    let orders = findings
        .iter()
        .find(|f| f["resource"]["name"] == "orders-api")
        .unwrap();
    assert_eq!(orders["severity"], "critical", "{orders:#}");
    let key = hit(&findings, "orders-api", "AWS_ACCESS_KEY_ID").unwrap();
    assert_eq!(key["key_status"], "active_in_this_account", "{key:#}");
    assert!(
        orders["evidence"]["migration"]
            .as_str()
            .unwrap_or("")
            .contains("aws secretsmanager create-secret"),
        "{orders:#}"
    );

    // No planted value, and nothing never meant to be read, appears in any output.
    let mut outputs = vec![
        ("stdout", run.stdout.clone()),
        ("stderr (--verbose)", run.stderr.clone()),
    ];
    for f in ["report.json", "report.html", "report.txt"] {
        if let Ok(t) = std::fs::read_to_string(sb.join("out").join(f)) {
            outputs.push((f, t));
        }
    }
    let inv = sb.run([
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
    assert!(inv.code == 0, "{}", inv.describe());
    outputs.push((
        "inventory",
        std::fs::read_to_string(sb.join("inv.json")).unwrap(),
    ));
    let values = plants
        .iter()
        .map(|p| p["value"].as_str().unwrap().to_string())
        .chain(
            seeded["exposure"]["never"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string()),
        )
        .filter(|v| !v.starts_with("AKIA")); // key ids are not secrets: they are reported by id
    for v in values {
        for (name, text) in &outputs {
            assert!(!text.contains(&v), "{name} contains a planted value");
        }
    }
    // The calls made: never a SecureString decryption, never function code.
    let counts = moto.calls()["counts"].clone();
    let ops: Vec<&String> = counts.as_object().unwrap().keys().collect();
    assert!(
        !ops.iter()
            .any(|o| o.contains("GetFunction") && !o.contains("Configuration")),
        "{ops:?}"
    );
    assert!(!ops.iter().any(|o| o.contains("GetSecretValue")), "{ops:?}");
}

#[test]
fn a_denied_source_is_an_error_and_a_gap_never_a_pass() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("exposure", epoch);
    let sb = Sandbox::new();
    // Only Lambda is scanned; Lambda's listing is denied by the fault proxy.
    sb.write("secretlens.toml", "[exposure]\nsources = [\"lambda\"]\n");
    let proxy = MotoServer::start_fault_proxy(&moto);
    proxy.set_faults(&serde_json::json!([
        {"path_contains": "/2015-03-31/functions", "fault": "access_denied"}
    ]));
    let (run, r) = audit(
        &sb,
        &proxy,
        &as_of,
        Audit {
            extra: &["--config", "secretlens.toml", "--allow-partial"],
            ..Audit::default()
        },
    );
    let findings = exposure_findings(&r.0);
    let sl001: Vec<&&Value> = findings
        .iter()
        .filter(|f| f["check_id"] == "SL001")
        .collect();
    assert_eq!(sl001.len(), 1, "{sl001:#?}\n{}", run.describe());
    assert_eq!(sl001[0]["status"], "error");
    assert!(
        sl001[0]["message"]
            .as_str()
            .unwrap()
            .contains("ListFunctions failed"),
        "{:#}",
        sl001[0]
    );
    let gaps = r.0["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check_id"] == "SL901" && f["status"] == "fail")
        .count();
    assert!(gaps >= 1, "an SL901 gap for ListFunctions");
    // Sources not configured are not applicable, never pass.
    let sl002: Vec<&&Value> = findings
        .iter()
        .filter(|f| f["check_id"] == "SL002")
        .collect();
    assert!(
        sl002.iter().all(|f| f["status"] == "not_applicable"),
        "{sl002:#?}"
    );
}
