//! The published JSON Schemas (`schema/*.schema.json`) against the documents the CLI writes,
//! checked by an independent validator: `check-jsonschema` (Python `jsonschema`, formats
//! such as `date-time` checked), from tests/moto/requirements.txt.
//!
//! Each document is validated twice: against the published schema, and against a strict copy
//! of it (`additionalProperties: false` on every object with declared properties) that fails
//! when the tool writes a field the schema does not describe.

mod common;

use std::path::{Path, PathBuf};

use common::{MotoServer, Sandbox, now, python, repo_root};
use serde_json::Value;

/// The published schema of `doc` (`report` or `inventory`), which must equal what
/// `secretlens schema DOC` prints.
fn published(sb: &Sandbox, doc: &str) -> PathBuf {
    let path = repo_root().join(format!("schema/{doc}.schema.json"));
    let run = sb.run(["schema", doc]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let file = std::fs::read_to_string(&path).expect("the published schema exists");
    assert!(
        run.stdout == file,
        "{} differs from `secretlens schema {doc}`: run scripts/regen.sh",
        path.display()
    );
    path
}

/// Adds `additionalProperties: false` to every object schema that declares properties.
fn strict(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.contains_key("properties") && !m.contains_key("additionalProperties") {
                m.insert("additionalProperties".into(), Value::Bool(false));
            }
            m.values_mut().for_each(strict);
        }
        Value::Array(a) => a.iter_mut().for_each(strict),
        _ => {}
    }
}

/// Runs check-jsonschema on `instances` against `schema` and its strict copy; panics with
/// the validator's output when any fails.
fn validate(sb: &Sandbox, schema: &Path, instances: &[PathBuf]) {
    assert!(!instances.is_empty());
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(schema).expect("read schema")).expect("JSON");
    strict(&mut v);
    let name = schema.file_name().expect("file name").to_string_lossy();
    let strict_path = sb.write(
        &format!("strict-{name}"),
        &serde_json::to_string_pretty(&v).expect("JSON"),
    );
    for s in [schema, strict_path.as_path()] {
        let out = std::process::Command::new(python())
            .args(["-m", "check_jsonschema", "--schemafile"])
            .arg(s)
            .args(instances)
            .output()
            .expect("run python");
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(
            !stderr.contains("No module named check_jsonschema"),
            "check-jsonschema is not installed for {}: pip install -r tests/moto/requirements.txt (scripts/test.sh does)",
            python().display()
        );
        assert!(
            out.status.success() && stdout.contains("ok -- validation done"),
            "{} rejects {instances:?}:\n{stdout}\n{stderr}",
            s.display()
        );
    }
}

/// Runs the CLI and asserts it exited with one of `codes`.
fn run_ok(sb: &Sandbox, args: &[&str], codes: &[i32]) {
    let run = sb.run(args);
    assert!(codes.contains(&run.code), "{}", run.describe());
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON")
}

/// The demo's report in its variants (plain, with a baseline that has new and resolved
/// findings, with a scan of a tree), the demo inventory, and the committed sample report.
#[test]
fn demo_reports_and_inventory_validate_against_the_published_schemas() {
    let sb = Sandbox::new();
    let report_schema = published(&sb, "report");
    let inventory_schema = published(&sb, "inventory");

    run_ok(
        &sb,
        &[
            "demo",
            "--out",
            "plain",
            "--format",
            "json",
            "--inventory-out",
            "inv.json",
        ],
        &[0],
    );

    // A baseline in which one passing finding failed and one failing finding did not exist:
    // the report then has a comparison with a resolved finding and a new one.
    let mut baseline = read_json(&sb.join("plain/report.json"));
    let findings = baseline["findings"].as_array_mut().expect("findings");
    let failing = findings
        .iter()
        .position(|f| f["status"] == "fail")
        .expect("the demo has a failing finding");
    findings.remove(failing);
    let passing = findings
        .iter_mut()
        .find(|f| f["status"] == "pass")
        .expect("the demo has a passing finding");
    passing["status"] = "fail".into();
    sb.write("baseline.json", &baseline.to_string());

    std::fs::create_dir_all(sb.join("tree")).expect("mkdir");
    sb.write(
        "tree/settings.py",
        "GITHUB_TOKEN = \"ghp_1234567890abcdefghijklmnopqrstuvwxyzAB\"\n\
         AWS_ACCESS_KEY_ID = \"AKIAQYLPMN5HHHFPZAM2\"\n",
    );
    // The demo's example waivers: suppressed findings and SL902.
    let demo_config = repo_root()
        .join("demo/secretlens.toml")
        .display()
        .to_string();
    run_ok(
        &sb,
        &[
            "demo",
            "--out",
            "full",
            "--format",
            "json",
            "--baseline",
            "baseline.json",
            "--scan",
            "tree",
            "--config",
            &demo_config,
        ],
        &[0],
    );
    let full = read_json(&sb.join("full/report.json"));
    let comparison = &full["comparison"];
    assert!(
        comparison["new"].as_u64() >= Some(1) && comparison["resolved"].as_u64() >= Some(1),
        "{comparison:#}"
    );
    assert!(
        full["scan"]["findings"]
            .as_array()
            .is_some_and(|f| !f.is_empty()),
        "the scan found the tokens: {:#}",
        full["scan"]
    );
    assert!(
        full["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f.get("waiver").is_some()),
        "the demo has a suppressed finding with its waiver"
    );

    validate(
        &sb,
        &report_schema,
        &[
            sb.join("plain/report.json"),
            sb.join("full/report.json"),
            repo_root().join("sample-reports/report.json"),
        ],
    );
    validate(
        &sb,
        &inventory_schema,
        &[sb.join("inv.json"), repo_root().join("demo/inventory.json")],
    );
}

/// A document of another schema version fails: the version is pinned.
#[test]
fn a_report_of_another_schema_version_is_rejected() {
    let sb = Sandbox::new();
    let schema = published(&sb, "report");
    run_ok(&sb, &["demo", "--out", "out", "--format", "json"], &[0]);
    let mut r = read_json(&sb.join("out/report.json"));
    r["schema_version"] = 1.into();
    let old = sb.write("old.json", &r.to_string());
    let out = std::process::Command::new(python())
        .args(["-m", "check_jsonschema", "--schemafile"])
        .arg(&schema)
        .arg(&old)
        .output()
        .expect("run python");
    assert!(
        !out.status.success(),
        "schema_version 1 is not this schema: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("schema_version"));
}

/// A moto account (IAM collected, a leaked key id linked by `--scan`): the inventory of
/// `collect -o` and the report of `evaluate` on it.
#[test]
fn a_moto_inventory_and_its_report_validate() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    let seeded = moto.seed("rotation,kms,leaked_key", epoch);
    let key_id = seeded["leaked_key"]["key_id"].as_str().expect("key id");
    let sb = Sandbox::new();
    sb.write("secretlens.toml", "[collection]\niam = true\n");
    std::fs::create_dir_all(sb.join("tree")).expect("mkdir");
    sb.write(
        "tree/ci.sh",
        &format!("export AWS_ACCESS_KEY_ID={key_id}\n"),
    );
    let endpoint = moto.endpoint();
    run_ok(
        &sb,
        &[
            "collect",
            "--endpoint-url",
            &endpoint,
            "--regions",
            "us-east-1",
            "--config",
            "secretlens.toml",
            "-o",
            "inv.json",
        ],
        &[0],
    );
    run_ok(
        &sb,
        &[
            "evaluate",
            "inv.json",
            "--config",
            "secretlens.toml",
            "--as-of",
            &as_of,
            "--out",
            "out",
            "--format",
            "json",
            "--scan",
            "tree",
        ],
        &[0, 1],
    );
    let inv = read_json(&sb.join("inv.json"));
    assert!(
        inv["iam"].as_array().is_some_and(|a| !a.is_empty()),
        "IAM was collected"
    );
    assert!(
        inv["secrets"].as_array().is_some_and(|s| s.len() >= 2),
        "the seeded secrets were collected"
    );
    validate(&sb, &published(&sb, "inventory"), &[sb.join("inv.json")]);
    validate(
        &sb,
        &published(&sb, "report"),
        &[sb.join("out/report.json")],
    );
}
