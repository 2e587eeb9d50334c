//! `secretlens doctor` (issue 19) against moto, directly and through the fault proxy: ready on
//! a fully permitted account (exit 0), the missing permission and the checks that would report
//! `error` named on a restricted one (exit 1), the optional ones as warnings, an untestable
//! permission as `unknown`, the preflight line when the endpoint is unreachable (exit 2). And
//! the README's least-privilege policy lists exactly the permissions table's actions.

mod common;

use common::{MotoServer, Sandbox};
use serde_json::{Value, json};

fn doctor(sb: &Sandbox, endpoint: &str, extra: &[&str]) -> common::Run {
    let mut args = vec![
        "doctor",
        "--endpoint-url",
        endpoint,
        "--regions",
        "us-east-1",
    ];
    args.extend_from_slice(extra);
    sb.run(args)
}

fn json_of(run: &common::Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("doctor --format json: {e}\n{}", run.describe()))
}

fn row<'a>(doc: &'a Value, action: &str) -> &'a Value {
    doc["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .find(|r| r["action"] == action)
        .unwrap_or_else(|| panic!("no row for {action}: {doc}"))
}

#[test]
fn a_fully_permitted_moto_account_is_ready() {
    let moto = MotoServer::start();
    let sb = Sandbox::new();
    let run = doctor(&sb, &moto.endpoint(), &[]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(
        run.stdout
            .contains("identity: arn:aws:sts::123456789012:user/moto (account 123456789012)")
            && run.stdout.contains("ready: the audit has what it needs"),
        "{}",
        run.describe()
    );
    let json = doctor(&sb, &moto.endpoint(), &["--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.describe());
    let doc = json_of(&json);
    assert_eq!(doc["ready"], true);
    assert_eq!(doc["exit_code"], 0);
    assert_eq!(doc["identity"]["account"], "123456789012");
    assert_eq!(doc["problems"], json!([]));
    let regions = doc["regions"].as_array().expect("regions");
    assert_eq!(regions.len(), 1);
    assert_eq!(regions[0]["region"], "us-east-1");
    assert_eq!(regions[0]["reachable"], true);
    assert!(regions[0]["latency_ms"].is_u64());
    let rows = doc["permissions"].as_array().expect("permissions");
    assert_eq!(rows.len(), secretlens::permissions::all().len());
    let required: Vec<&Value> = rows.iter().filter(|r| r["need"] == "required").collect();
    assert_eq!(
        required.len(),
        secretlens::permissions::required_actions().len()
    );
    for r in &required {
        assert_eq!(r["result"], "ok", "{r}");
        assert_eq!(r["used"], true, "{r}");
        // moto's caller is not an IAM user or role: nothing to simulate.
        assert_eq!(r["method"], "probed", "{r}");
    }
    // Every optional permission moto serves is allowed too; the audit role is not tested.
    for r in rows {
        let want = if r["action"] == "sts:AssumeRole" {
            "not_tested"
        } else {
            "ok"
        };
        assert_eq!(r["result"], want, "{r}");
    }
    // Read-only, and never a secret value.
    let counts = moto.calls()["counts"].clone();
    let ops: Vec<&String> = counts.as_object().expect("counts").keys().collect();
    assert!(ops.len() > 10, "{counts}");
    for op in ops {
        let action = op.rsplit('.').next().unwrap_or(op);
        assert!(
            !action.contains("SecretValue")
                && !["Create", "Put", "Delete", "Update", "Tag", "Untag", "Start"]
                    .iter()
                    .any(|w| action.starts_with(w)),
            "{op} called: {counts}"
        );
    }
}

#[test]
fn a_denied_required_permission_is_named_with_the_checks_that_would_report_error() {
    let moto = MotoServer::start();
    let proxy = MotoServer::start_fault_proxy(&moto);
    proxy.set_faults(&json!([
        {"operation": "secretsmanager.GetResourcePolicy", "fault": "access_denied"}
    ]));
    let sb = Sandbox::new();
    let run = doctor(&sb, &proxy.endpoint(), &[]);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(
        run.stdout.contains(
            "missing required permission secretsmanager:GetResourcePolicy (denied: AccessDeniedException"
        ) && run
            .stdout
            .contains("SL601, SL602, SL603, SL604, SL605, SL606 will report error")
            && run.stdout.contains("not ready"),
        "{}",
        run.describe()
    );
    let json = doctor(&sb, &proxy.endpoint(), &["--format", "json"]);
    assert_eq!(json.code, 1, "{}", json.describe());
    let doc = json_of(&json);
    assert_eq!(doc["ready"], false);
    assert_eq!(doc["exit_code"], 1);
    let r = row(&doc, "secretsmanager:GetResourcePolicy");
    assert_eq!(r["result"], "denied", "{r}");
    assert_eq!(r["blocking"], true, "{r}");
    assert_eq!(r["method"], "probed", "{r}");
    assert_eq!(r["checks_affected"][0], "SL601", "{r}");
    // Only that one.
    let denied: Vec<&Value> = doc["permissions"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["result"] != "ok" && r["result"] != "not_tested")
        .collect();
    assert_eq!(denied.len(), 1, "{denied:?}");
    assert!(proxy.fault_stats()["faults"]["access_denied"].as_u64() >= Some(2));
}

#[test]
fn a_denied_optional_permission_is_a_warning_naming_its_checks() {
    let moto = MotoServer::start();
    let proxy = MotoServer::start_fault_proxy(&moto);
    proxy.set_faults(&json!([
        {"operation": "ec2.DescribeInstanceAttribute", "fault": "access_denied"}
    ]));
    let sb = Sandbox::new();
    let run = doctor(&sb, &proxy.endpoint(), &[]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(
        run.stdout.contains(
            "warning: optional permission ec2:DescribeInstanceAttribute (exposure:ec2) denied (UnauthorizedOperation"
        ) && run.stdout.contains("SL003 will report error"),
        "{}",
        run.describe()
    );
    // With the source turned off, it is not used: a note, not a warning.
    sb.write("secretlens.toml", "[exposure]\nsources = [\"lambda\"]\n");
    let run = doctor(&sb, &proxy.endpoint(), &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let doc = json_of(&run);
    let r = row(&doc, "ec2:DescribeInstanceAttribute");
    assert_eq!(r["used"], false, "{r}");
    assert_eq!(r["result"], "denied", "{r}");
    assert!(
        doc["problems"][0]
            .as_str()
            .is_some_and(|p| p.starts_with("note: ec2:DescribeInstanceAttribute is denied")),
        "{doc}"
    );
}

/// A probe that cannot tell (HTTP 503 after retries) is `unknown`, never ok, and a required
/// one makes the doctor exit 1.
#[test]
fn an_untestable_required_permission_is_unknown_not_ok() {
    let moto = MotoServer::start();
    let proxy = MotoServer::start_fault_proxy(&moto);
    proxy.set_faults(&json!([{"operation": "TrentService.GetKeyPolicy", "fault": "http503"}]));
    let sb = Sandbox::new();
    sb.write("fast.toml", "[collection]\nretry_budget_secs = 1\n");
    let run = doctor(
        &sb,
        &proxy.endpoint(),
        &["--config", "fast.toml", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.describe());
    let doc = json_of(&run);
    let r = row(&doc, "kms:GetKeyPolicy");
    assert_eq!(r["result"], "unknown", "{r}");
    assert!(
        r["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("ServiceUnavailable")),
        "{r}"
    );
    assert!(
        doc["problems"][0]
            .as_str()
            .is_some_and(|p| p
                .starts_with("missing required permission kms:GetKeyPolicy (could not be tested")),
        "{doc}"
    );
}

/// An IAM user's permissions are simulated first; moto does not implement
/// SimulatePrincipalPolicy, so the doctor says so and probes instead.
#[test]
fn an_iam_user_is_simulated_and_falls_back_to_probes_when_simulation_fails() {
    let moto = MotoServer::start();
    let sb = Sandbox::new();
    let script = format!(
        "import boto3\n\
         iam = boto3.client('iam', endpoint_url='{}', region_name='us-east-1',\n\
             aws_access_key_id='testing', aws_secret_access_key='testing')\n\
         iam.create_user(UserName='auditor')\n\
         k = iam.create_access_key(UserName='auditor')['AccessKey']\n\
         print(k['AccessKeyId'], k['SecretAccessKey'])\n",
        moto.endpoint()
    );
    let out = std::process::Command::new(common::python())
        .arg("-c")
        .arg(&script)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (key, secret) = text.trim().split_once(' ').expect("key and secret");
    let run = sb.run_env(
        [
            "doctor",
            "--endpoint-url",
            &moto.endpoint(),
            "--regions",
            "us-east-1",
            "--format",
            "json",
        ],
        &[
            ("AWS_ACCESS_KEY_ID", key),
            ("AWS_SECRET_ACCESS_KEY", secret),
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.describe());
    let doc = json_of(&run);
    assert_eq!(
        doc["identity"]["arn"],
        "arn:aws:iam::123456789012:user/auditor"
    );
    let skipped = doc["identity"]["simulation_skipped"]
        .as_str()
        .unwrap_or_else(|| panic!("{doc}"));
    assert!(
        skipped.starts_with("iam:SimulatePrincipalPolicy failed"),
        "{skipped}"
    );
    assert_eq!(row(&doc, "kms:DescribeKey")["method"], "probed");
}

#[test]
fn an_unreachable_endpoint_exits_2_with_the_preflight_line() {
    let sb = Sandbox::new();
    let dead = format!("http://127.0.0.1:{}", common::free_port());
    let run = doctor(&sb, &dead, &[]);
    run.assert_clean_error();
    assert!(
        run.stderr.contains(&format!(
            "preflight: could not reach the endpoint {dead}: connection refused"
        )),
        "{}",
        run.describe()
    );
    assert!(run.stdout.is_empty(), "{}", run.describe());
}

#[test]
fn help_describes_the_doctor() {
    let sb = Sandbox::new();
    let run = sb.run(["doctor", "--help"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    for want in [
        "iam:SimulatePrincipalPolicy",
        "simulated, probed or not tested",
        "`unknown`, never ok",
        "Exit codes: 0 = ready",
        "--format <FORMAT>",
        "--profile <NAME>",
        "--config <FILE>",
        "never reads a secret value",
    ] {
        assert!(run.stdout.contains(want), "{want:?}\n{}", run.describe());
    }
    let run = sb.run(["doctor", "--format", "yaml"]);
    assert_eq!(run.code, 2, "{}", run.describe());
}

/// The README's least-privilege policy: `SecretlensReadOnlyAudit` lists exactly the required
/// actions of the permissions table, `SecretlensOptional` exactly the optional ones.
#[test]
fn readme_policy_lists_exactly_the_permissions_table() {
    let readme =
        std::fs::read_to_string(common::repo_root().join("README.md")).expect("read README.md");
    let start = readme
        .find("The least-privilege policy")
        .expect("README has the least-privilege policy");
    let block = &readme[start..];
    let open = block.find("```json\n").expect("a ```json block") + "```json\n".len();
    let close = block[open..].find("```").expect("closing ```") + open;
    let policy: Value = serde_json::from_str(&block[open..close]).expect("policy JSON");
    let actions = |sid: &str| -> Vec<String> {
        let st = policy["Statement"]
            .as_array()
            .expect("statements")
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap_or_else(|| panic!("no statement {sid}"));
        assert_eq!(st["Effect"], "Allow");
        assert_eq!(st["Resource"], "*");
        let mut v: Vec<String> = st["Action"]
            .as_array()
            .expect("actions")
            .iter()
            .map(|a| a.as_str().expect("string").to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        actions("SecretlensReadOnlyAudit"),
        secretlens::permissions::required_actions()
    );
    assert_eq!(
        actions("SecretlensOptional"),
        secretlens::permissions::optional_actions()
    );
    assert_eq!(policy["Statement"].as_array().map(Vec::len), Some(2));
}
