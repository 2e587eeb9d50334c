//! SCPs and RCPs from AWS Organizations in the access analysis, against moto. The scenario is
//! `organization` in `tests/moto/seed.py`: the caller's account is the management account; a
//! member account in an OU with an SCP denying `GetSecretValue`, another under the root with
//! an RCP denying it on `org/locked*`; a role `reader` allowed `GetSecretValue` on `*` in each.

mod common;

use common::{MotoServer, Sandbox, now};
use serde_json::{Value, json};

const ORG: &str = "AWSOrganizationsV20161128";

fn collect(sb: &Sandbox, endpoint: &str, accounts: Option<&str>) {
    let mut args = vec![
        "collect",
        "--endpoint-url",
        endpoint,
        "--regions",
        "us-east-1",
        "-o",
        "inv.json",
    ];
    if let Some(a) = accounts {
        args.extend(["--accounts", a, "--role-name", "SecretlensAudit"]);
    }
    let run = sb.run(args);
    assert_eq!(run.code, 0, "{}", run.describe());
}

fn inventory(sb: &Sandbox) -> Value {
    serde_json::from_str(&std::fs::read_to_string(sb.join("inv.json")).expect("inv.json"))
        .expect("inventory JSON")
}

fn who_can_read(sb: &Sandbox, arn: &str) -> Value {
    let run = sb.run([
        "who-can-read",
        arn,
        "--inventory",
        "inv.json",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.describe());
    serde_json::from_str(&run.stdout).expect("who-can-read JSON")
}

fn reader<'a>(answer: &'a Value, account: &str) -> Option<&'a Value> {
    let arn = format!("arn:aws:iam::{account}:role/reader");
    answer["readers"]
        .as_array()
        .expect("readers")
        .iter()
        .find(|r| r["principal_arn"] == arn.as_str())
}

fn notes(answer: &Value) -> Vec<String> {
    answer["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .map(|n| n.as_str().expect("note").to_string())
        .collect()
}

#[test]
fn an_scp_on_an_ou_removes_its_accounts_readers_and_names_the_policy() {
    let moto = MotoServer::start();
    let (epoch, _) = now();
    let seeded = moto.seed("organization", epoch);
    let o = &seeded["organization"];
    let s = |v: &Value| v.as_str().expect("seeded string").to_string();
    let (mgmt, restricted, free) = (s(&o["management"]), s(&o["restricted"]), s(&o["free"]));
    let (scp, rcp, ou) = (s(&o["scp"]), s(&o["rcp"]), s(&o["ou"]));
    let secret = |account: &str, name: &str| s(&o["secrets"][account][name]);
    let sb = Sandbox::new();
    collect(
        &sb,
        &moto.endpoint(),
        Some(&format!("{mgmt},{restricted},{free}")),
    );

    let inv = inventory(&sb);
    assert_eq!(inv["gaps"], json!([]), "no gap");
    let org = &inv["organization"];
    assert_eq!(org["management_account"], mgmt.as_str());
    assert_eq!(org["scps_enabled"], true);
    assert_eq!(org["rcps_enabled"], true);
    // The management account has no path (nothing governs it); the members have theirs.
    let paths: Vec<&str> = org["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| a["account"].as_str().expect("account"))
        .collect();
    let mut want = vec![restricted.as_str(), free.as_str()];
    want.sort();
    assert_eq!(paths, want);
    let path_of = |account: &str| -> Vec<(String, String)> {
        org["accounts"]
            .as_array()
            .expect("accounts")
            .iter()
            .find(|a| a["account"] == account)
            .expect("path")["path"]
            .as_array()
            .expect("path")
            .iter()
            .map(|t| (s(&t["kind"]), s(&t["id"])))
            .collect()
    };
    assert_eq!(
        path_of(&restricted),
        vec![
            ("root".to_string(), s(&o["root"])),
            ("organizational_unit".to_string(), ou.clone()),
            ("account".to_string(), restricted.clone()),
        ]
    );
    // Each policy fetched once, however many targets it is attached to.
    let calls = moto.calls();
    let policies = org["policies"].as_array().expect("policies");
    assert_eq!(
        calls["counts"][format!("{ORG}.DescribePolicy")],
        policies.len(),
        "{calls:#}"
    );
    assert!(policies.iter().any(|p| p["id"] == scp.as_str()
        && p["name"] == "DenySecretReads"
        && p["policy_type"] == "SERVICE_CONTROL_POLICY"));

    // The member account in the OU: its reader is removed, the evidence names the SCP.
    let a = who_can_read(&sb, &secret(&restricted, "org/app"));
    assert!(reader(&a, &restricted).is_none(), "{a:#}");
    let want = format!(
        "arn:aws:iam::{restricted}:role/reader: secretsmanager:GetSecretValue denied by SCP {scp} \"DenySecretReads\" (OU {ou}) #0 \"NoReads\""
    );
    assert!(notes(&a).contains(&want), "{a:#}");
    assert_eq!(a["complete"], true);

    // The same role in the management account: SCPs do not restrict it.
    let m = who_can_read(&sb, &secret(&mgmt, "org/app"));
    let r = reader(&m, &mgmt).expect("the management account's reader");
    assert_eq!(r["scps_evaluated"], true, "{m:#}");
    assert_eq!(r["rcps_evaluated"], true, "{m:#}");
    assert_eq!(notes(&m), Vec::<String>::new());

    // An account outside the OU reads its secret; the RCP on it blocks only org/locked.
    let f = who_can_read(&sb, &secret(&free, "org/app"));
    let r = reader(&f, &free).expect("outside the OU, a reader");
    assert_eq!(r["scps_evaluated"], true, "{f:#}");
    let l = who_can_read(&sb, &secret(&free, "org/locked"));
    assert!(reader(&l, &free).is_none(), "{l:#}");
    let want = format!(
        "arn:aws:iam::{free}:role/reader: secretsmanager:GetSecretValue denied by RCP {rcp} \"LockedSecrets\" (account {free}) #0 \"Locked\""
    );
    assert!(notes(&l).contains(&want), "{l:#}");
}

#[test]
fn without_organizations_access_every_answer_says_scps_were_not_evaluated_and_a_multi_account_audit_has_a_gap()
 {
    let moto = MotoServer::start();
    let (epoch, _) = now();
    let seeded = moto.seed("organization", epoch);
    let mgmt_secret = seeded["organization"]["secrets"]["123456789012"]["org/app"]
        .as_str()
        .expect("seeded arn")
        .to_string();
    let proxy = MotoServer::start_fault_proxy(&moto);
    proxy.set_faults(&json!([
        {"operation": format!("{ORG}.DescribeOrganization"), "fault": "access_denied"}
    ]));
    // A single-account audit (typically from a member account, which may not read the
    // organization): no gap that would fail the run, and every answer says SCPs and RCPs were
    // not evaluated and how to have them.
    let single = Sandbox::new();
    collect(&single, &proxy.endpoint(), None);
    let inv = inventory(&single);
    assert!(inv.get("organization").is_none(), "{inv:#}");
    assert_eq!(inv["gaps"], json!([]), "{inv:#}");
    let a = who_can_read(&single, &mgmt_secret);
    let r = reader(&a, "123456789012").expect("a reader, SCPs not evaluated");
    assert_eq!(r["scps_evaluated"], false, "{a:#}");
    assert_eq!(
        notes(&a),
        vec![
            "SCPs and RCPs of account 123456789012 were not evaluated (AWS Organizations was not read; audit with --organization or --accounts from the management account or a delegated administrator): readers they would block are listed".to_string()
        ]
    );

    // A multi-account audit runs where the organization should be readable: the denial is a
    // gap, named in every answer.
    let sb = Sandbox::new();
    collect(&sb, &proxy.endpoint(), Some("123456789012"));
    let inv = inventory(&sb);
    assert!(inv.get("organization").is_none(), "{inv:#}");
    let gaps = inv["gaps"].as_array().expect("gaps");
    assert_eq!(gaps.len(), 1, "{gaps:#?}");
    assert_eq!(gaps[0]["operation"], "DescribeOrganization");
    assert_eq!(gaps[0]["error_code"], "AccessDeniedException");
    assert!(
        gaps[0]["cause"]
            .as_str()
            .is_some_and(|c| c.contains("denied")),
        "{gaps:#?}"
    );

    let a = who_can_read(&sb, &mgmt_secret);
    let r = reader(&a, "123456789012").expect("a reader, SCPs not evaluated");
    assert_eq!(r["scps_evaluated"], false, "{a:#}");
    assert_eq!(r["rcps_evaluated"], false, "{a:#}");
    assert_eq!(
        notes(&a),
        vec![
            "SCPs and RCPs of account 123456789012 were not evaluated (AWS Organizations could not be read: DescribeOrganization failed (AccessDeniedException)): readers they would block are listed".to_string()
        ]
    );
}

#[test]
fn an_account_in_no_organization_has_no_scps_and_no_gap() {
    let moto = MotoServer::start();
    let sb = Sandbox::new();
    collect(&sb, &moto.endpoint(), None);
    let inv = inventory(&sb);
    assert_eq!(inv["gaps"], json!([]));
    // Read, and empty: no organization id, nothing enabled, nothing attached.
    assert_eq!(
        inv["organization"],
        json!({"scps_enabled": false, "rcps_enabled": false, "accounts": [], "policies": []})
    );
    let calls = moto.calls();
    assert_eq!(calls["counts"][format!("{ORG}.DescribeOrganization")], 1);
    assert!(calls["counts"].get(format!("{ORG}.ListRoots")).is_none());
}
