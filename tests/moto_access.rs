//! Effective access against moto (started with `--load-iam-managed-policies` so that the AWS
//! managed `SecretsManagerReadWrite` exists): IAM collection, key policies, `who-can-read` and
//! the access checks SL601–SL606. The scenario is `access` in `tests/moto/seed.py`.

mod common;

use common::{MotoServer, Sandbox, now};
use serde_json::Value;

const ACCT: &str = "123456789012";

fn readers(sb: &Sandbox, secret: &str) -> Vec<(String, String)> {
    let run = sb.run([
        "who-can-read",
        secret,
        "--inventory",
        "inv.json",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let v: Value = serde_json::from_str(&run.stdout).expect("who-can-read JSON");
    assert_eq!(v["complete"], true, "{}", run.stdout);
    let mut out: Vec<(String, String)> = v["readers"]
        .as_array()
        .expect("readers")
        .iter()
        .map(|r| {
            let status = if r["conditional_on"].as_array().is_some_and(|c| c.is_empty()) {
                "allowed"
            } else {
                "conditional"
            };
            (
                r["principal_arn"].as_str().unwrap_or_default().to_string(),
                status.to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn readers_and_access_findings() {
    let moto = MotoServer::start_with_args(&["--load-iam-managed-policies"]);
    let (epoch, as_of) = now();
    let seeded = moto.seed("access", epoch);
    let sb = Sandbox::new();
    let endpoint = moto.endpoint();
    let run = sb.run([
        "collect",
        "--endpoint-url",
        &endpoint,
        "--regions",
        "us-east-1",
        "-o",
        "inv.json",
    ]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let inv: Value =
        serde_json::from_str(&std::fs::read_to_string(sb.join("inv.json")).unwrap()).unwrap();
    assert_eq!(
        inv["iam"][0]["account"],
        ACCT,
        "IAM collected: {}",
        run.describe()
    );

    let role = |r: &str| format!("arn:aws:iam::{ACCT}:role/{r}");
    let user = |u: &str| format!("arn:aws:iam::{ACCT}:user/{u}");
    let allowed = |a: String| (a, "allowed".to_string());

    // access/app-db: the group's AWS managed policy, the customer managed policy, the NotAction
    // grant, the account's root user; not the role with the explicit deny, not the bounded role.
    assert_eq!(
        readers(&sb, "access/app-db"),
        vec![
            allowed(role("app-role")),
            allowed(role("power-role")),
            allowed(format!("arn:aws:iam::{ACCT}:root")),
            allowed(user("dev-user"))
        ]
    );
    // access/granted: under a customer managed key, the grant lets grant-role decrypt; its twin
    // without a grant cannot; the root user can (the default key policy trusts the account).
    let granted = readers(&sb, "access/granted");
    assert!(
        granted.contains(&allowed(role("grant-role"))),
        "{granted:?}"
    );
    assert!(
        granted.contains(&allowed(format!("arn:aws:iam::{ACCT}:root"))),
        "{granted:?}"
    );
    assert!(
        !granted.iter().any(|(p, _)| p == &role("nogrant-role")),
        "{granted:?}"
    );
    let grants = &inv["kms_keys"][0]["grants"];
    assert_eq!(
        grants[0]["grant_id"], seeded["access"]["grant_id"],
        "{grants}"
    );
    let run = sb.run([
        "who-can-read",
        "access/granted",
        "--inventory",
        "inv.json",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&run.stdout).expect("who-can-read JSON");
    let evidence: Vec<String> = v["readers"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["principal_arn"] == role("grant-role")))
        .and_then(|r| r["statements"].as_array())
        .map(|s| {
            s.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let grant_id = seeded["access"]["grant_id"].as_str().unwrap();
    assert!(
        evidence.iter().any(|s| s
            .starts_with(&format!("grant {grant_id} \"app-decrypt\" on arn:aws:kms:"))
            && s.ends_with(&format!("to {} (Decrypt, DescribeKey)", role("grant-role")))),
        "{evidence:?}"
    );
    // access/public: "*" reaches every principal of the account directly (even the bounded
    // role), and outsiders cannot decrypt with aws/secretsmanager.
    let public = readers(&sb, "access/public");
    for p in ["app-role", "denied-role", "power-role", "bounded-role"] {
        assert!(public.contains(&allowed(role(p))), "{p}: {public:?}");
    }
    assert!(!public.iter().any(|(p, _)| p == "*"), "{public:?}");
    // access/org: the org-conditioned grant is conditional for roles without an identity grant.
    let org = readers(&sb, "access/org");
    assert!(
        org.contains(&(role("bounded-role"), "conditional".into())),
        "{org:?}"
    );
    assert!(org.contains(&allowed(role("power-role"))), "{org:?}");
    assert!(
        org.contains(&(role("app-role"), "conditional".into())),
        "{org:?}"
    );
    // access/cross: the partner account cannot decrypt with the AWS managed key.
    let cross = readers(&sb, "access/cross");
    assert!(
        !cross.iter().any(|(p, _)| p.contains("444455556666")),
        "{cross:?}"
    );

    // The table form names the statements.
    let table = sb.run([
        "who-can-read",
        seeded["access"]["app_db"].as_str().unwrap(),
        "--inventory",
        "inv.json",
    ]);
    assert!(table.stdout.contains("\"ReadApp\""), "{}", table.stdout);
    assert!(
        table
            .stdout
            .contains("SecretsManagerReadWrite (group devs)"),
        "{}",
        table.stdout
    );

    // The checks.
    let run = sb.run([
        "evaluate", "inv.json", "--as-of", &as_of, "--out", "out", "--format", "json",
    ]);
    assert!(!run.stderr.contains("panicked"), "{}", run.describe());
    let report = sb.report("out");
    report.assert_status("SL601", "access/public", "fail");
    report.assert_status("SL601", "access/org", "pass");
    report.assert_status("SL601", "access/app-db", "pass");
    report.assert_status("SL602", "access/cross", "fail");
    report.assert_status("SL602", "access/org", "fail");
    report.assert_status("SL602", "access/app-db", "pass");
    report.assert_status("SL605", "access/app-db", "fail");
    report.assert_status("SL606", "access/app-db", "fail");
    report.assert_status("SL604", "access/app-db", "pass");
    let sl603: Vec<&Value> = report
        .findings()
        .iter()
        .filter(|f| f["check_id"] == "SL603")
        .collect();
    let st = |part: &str| -> Vec<String> {
        sl603
            .iter()
            .filter(|f| {
                f["resource"]["arn"]
                    .as_str()
                    .is_some_and(|a| a.contains(part))
            })
            .map(|f| f["status"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(
        st("user/dev-user#group/devs/arn:aws:iam::aws:policy/SecretsManagerReadWrite"),
        vec!["fail"]
    );
    assert_eq!(st("role/power-role#inline:power"), vec!["fail"]);
    assert_eq!(st("role/app-role"), vec!["pass"]);
    let sl605 = &report.findings_for("SL605", "access/app-db")[0];
    assert_eq!(
        sl605["evidence"]["users"][0]["active_keys"][0]["id"],
        seeded["access"]["access_key"]
    );
    let sl606 = report.findings_for("SL606", "access/app-db")[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        sl606.contains("denied-role") && sl606.contains("power-role") && sl606.contains("dev-user"),
        "{sl606}"
    );
    assert!(!sl606.contains("app-role"), "{sl606}");
}
