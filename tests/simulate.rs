//! `secretlens simulate` through the real binary: the decision vectors in
//! `tests/fixtures/simulate/*.json` (each citing the AWS documentation page it comes from), the
//! malformed-policy corpus in `tests/fixtures/policies/malformed/`, and bad requests.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn simulate_file(path: &Path) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_secretlens"))
        .args(["simulate", "--request"])
        .arg(path)
        .output()
        .expect("run secretlens");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn simulate_text(text: &str) -> Out {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("request.json");
    std::fs::write(&path, text).expect("write request");
    simulate_file(&path)
}

fn simulate(request: &Value) -> Out {
    simulate_text(&request.to_string())
}

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Our own errors: exit 2, exactly one `error:` line, no panic.
fn assert_clean_error(out: &Out, what: &str) {
    assert_eq!(
        out.code, 2,
        "{what}: exit code\nstdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    assert!(
        !out.stderr.contains("panicked"),
        "{what}: panicked\n{}",
        out.stderr
    );
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "{what}: one stderr line expected\n{}",
        out.stderr
    );
    assert!(lines[0].starts_with("error: "), "{what}: {}", lines[0]);
    assert!(
        out.stdout.trim().is_empty(),
        "{what}: nothing on stdout\n{}",
        out.stdout
    );
}

#[test]
fn decision_vectors() {
    let files = fixtures("simulate");
    assert!(
        files.len() >= 40,
        "expected 40+ vectors, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let vector: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let source = vector["source"].as_str().unwrap_or_default();
        assert!(
            source.starts_with("https://docs.aws.amazon.com/"),
            "{name}: cite the AWS documentation in \"source\""
        );
        let out = simulate(&vector["request"]);
        if out.code != 0 {
            failures.push(format!("{name}: exit {} {}", out.code, out.stderr.trim()));
            continue;
        }
        let got: Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{name}: output is not JSON ({e}): {}", out.stdout));
        let expected = &vector["expected"];
        if got["decision"] != expected["decision"] {
            failures.push(format!(
                "{name}: decision {} != expected {}\n  {}",
                got["decision"], expected["decision"], got
            ));
            continue;
        }
        if let Some(keys) = expected.get("conditional_on") {
            let got_keys = got.get("conditional_on").cloned().unwrap_or(json!([]));
            if &got_keys != keys {
                failures.push(format!(
                    "{name}: conditional_on {got_keys} != expected {keys}"
                ));
            }
        }
        assert!(
            got["blocked_by"].is_array() && got["statements"].is_array(),
            "{name}: response shape {got}"
        );
        if got["decision"] == "allow" {
            assert_eq!(got["blocked_by"], json!([]), "{name}");
        } else {
            assert!(
                !got["blocked_by"].as_array().unwrap().is_empty(),
                "{name}: a denial says what blocked it: {got}"
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn response_names_the_deciding_statements() {
    let out = simulate(&json!({
        "principal": "arn:aws:iam::111122223333:user/alice",
        "action": "secretsmanager:GetSecretValue",
        "resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf",
        "identity_policies": [{"Version": "2012-10-17", "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}],
        "scps": [[{"Version": "2012-10-17", "Statement": [{"Sid": "NoSecrets", "Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*"}]}]]
    }));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["decision"], "explicit_deny");
    assert_eq!(v["blocked_by"], json!(["explicit_deny:scp"]));
    assert_eq!(
        v["statements"],
        json!([{"policy": "scp[0][0]", "index": 0, "sid": "NoSecrets", "effect": "Deny"}])
    );
    assert!(v.get("conditional_on").is_none());

    let out = simulate(&json!({
        "principal": "arn:aws:iam::111122223333:user/alice",
        "action": "secretsmanager:GetSecretValue",
        "identity_policies": [{"Version": "2012-10-17", "Statement": [{"Sid": "Office", "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}]
    }));
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["decision"], "implicit_deny");
    assert_eq!(v["blocked_by"], json!(["identity"]));
    assert_eq!(v["conditional_on"], json!(["aws:SourceIp"]));
    assert_eq!(v["statements"][0]["sid"], "Office");
    assert_eq!(
        v["statements"][0]["conditional_on"],
        json!(["aws:SourceIp"])
    );
}

/// What AWS would refuse to store but still evaluates (an action with whitespace or no name,
/// `NotPrincipal` with `Allow`, a resource-policy statement without a principal) is answered,
/// with a warning naming where; a well-formed request has no `warnings`.
#[test]
fn policies_aws_would_refuse_to_store_are_answered_with_warnings() {
    for (vector, path) in [
        (
            "action-trailing-whitespace-matches-nothing.json",
            "identity_policies[0].Statement[0].Action[0]",
        ),
        (
            "action-empty-name-matches-nothing.json",
            "identity_policies[0].Statement[0].Action[1]",
        ),
        (
            "notaction-malformed-action-excludes-nothing.json",
            "identity_policies[0].Statement[0].NotAction[0]",
        ),
        (
            "notprincipal-allow-does-not-grant-the-named-user.json",
            "resource_policy.Statement[0].NotPrincipal",
        ),
        (
            "resource-statement-without-principal-is-skipped.json",
            "resource_policy.Statement[0]",
        ),
    ] {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/simulate")
            .join(vector);
        let out = simulate_file(&file);
        assert_eq!(out.code, 0, "{vector}: {}", out.stderr);
        let v: Value = serde_json::from_str(&out.stdout).expect("json");
        let warnings = v["warnings"].as_array().cloned().unwrap_or_default();
        assert!(
            warnings.iter().any(|w| w
                .as_str()
                .is_some_and(|w| w.starts_with(&format!("{path}: ")))),
            "{vector}: a warning at {path}: {v:#}"
        );
    }
    let ok = fixtures("simulate")
        .into_iter()
        .find(|f| f.ends_with("boundary-explicit-deny.json"))
        .expect("vector");
    let v: Value = serde_json::from_str(&simulate_file(&ok).stdout).expect("json");
    assert!(v.get("warnings").is_none(), "{v:#}");
}

#[test]
fn a_vector_file_can_be_passed_directly() {
    let f = fixtures("simulate").into_iter().next().expect("a vector");
    let out = simulate_file(&f);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn malformed_policies_are_clean_errors() {
    let files = fixtures("policies/malformed");
    assert!(
        files.len() >= 20,
        "expected a corpus of malformed policies, found {}",
        files.len()
    );
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&f).unwrap();
        let field = if name.starts_with("resource-") {
            "resource_policy"
        } else {
            "identity_policies"
        };
        let policy = Value::String(text);
        let request = if field == "resource_policy" {
            json!({"principal": "arn:aws:iam::111122223333:user/a", "action": "s3:GetObject", "resource_policy": policy})
        } else {
            json!({"principal": "arn:aws:iam::111122223333:user/a", "action": "s3:GetObject", "identity_policies": [policy]})
        };
        let out = simulate(&request);
        assert_clean_error(&out, &name);
        assert!(
            out.stderr.contains(field),
            "{name}: the error names the policy ({field})\n{}",
            out.stderr
        );
    }
}

#[test]
fn bad_requests_are_clean_errors() {
    let cases: Vec<(&str, String)> = vec![
        ("invalid JSON", "{\"principal\": ".into()),
        ("not an object", "[]".into()),
        ("missing principal", json!({"action": "s3:GetObject"}).to_string()),
        ("missing action", json!({"principal": "arn:aws:iam::111122223333:user/a"}).to_string()),
        ("bad principal", json!({"principal": "alice", "action": "s3:GetObject"}).to_string()),
        ("bad action", json!({"principal": "anonymous", "action": "GetObject"}).to_string()),
        (
            "bad context",
            json!({"principal": "anonymous", "action": "s3:GetObject", "context": {"k": {"x": 1}}}).to_string(),
        ),
        (
            "scps not levels",
            json!({"principal": "anonymous", "action": "s3:GetObject", "scps": {"Statement": []}}).to_string(),
        ),
        (
            "principal in identity policy",
            json!({"principal": "anonymous", "action": "s3:GetObject", "identity_policies": [
                {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}]})
            .to_string(),
        ),
        (
            "policy of the wrong type",
            json!({"principal": "anonymous", "action": "s3:GetObject", "session_policy": 42}).to_string(),
        ),
    ];
    for (what, text) in cases {
        assert_clean_error(&simulate_text(&text), what);
    }
    let out = simulate_file(Path::new("/nonexistent/request.json"));
    assert_clean_error(&out, "unreadable file");
    assert!(
        out.stderr.contains("/nonexistent/request.json"),
        "{}",
        out.stderr
    );
}

#[test]
fn malformed_policy_error_names_where() {
    let out = simulate(&json!({
        "principal": "arn:aws:iam::111122223333:user/a",
        "action": "s3:GetObject",
        "identity_policies": [
            {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]},
            {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                           {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqualz": {"a:b": "c"}}}]}
        ]
    }));
    assert_clean_error(&out, "unknown operator");
    assert!(
        out.stderr
            .contains("identity_policies[1].Statement[1].Condition.StringEqualz"),
        "{}",
        out.stderr
    );
}

#[test]
fn help_documents_the_request_and_response() {
    let out = Command::new(env!("CARGO_BIN_EXE_secretlens"))
        .args(["simulate", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "principal",
        "identity_policies",
        "permission_boundary",
        "scps",
        "rcps",
        "conditional_on",
        "blocked_by",
        "explicit_deny",
    ] {
        assert!(help.contains(needle), "help mentions {needle}\n{help}");
    }
}
