//! The organization-wide fan-out on moto: one `collect --accounts ID` per account (as the Step
//! Functions Map runs them), then `evaluate DIR/` merges the inventories. The report has the
//! same findings as one multi-account run, and an account whose role cannot be assumed is a
//! gap for that account only.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::{Value, json};

const ACCOUNTS: [&str; 2] = ["111111111111", "222222222222"];

fn collect(sb: &Sandbox, server: &MotoServer, accounts: &str, out: &str) -> Run {
    let endpoint = server.endpoint();
    sb.run([
        "collect",
        "--endpoint-url",
        &endpoint,
        "--regions",
        "us-east-1",
        "--accounts",
        accounts,
        "--role-name",
        "SecretlensAudit",
        "-o",
        out,
    ])
}

fn evaluate(sb: &Sandbox, input: &str, out: &str, as_of: &str) -> (Run, Report) {
    let run = sb.run([
        "evaluate",
        input,
        "--out",
        out,
        "--format",
        "json",
        "--as-of",
        as_of,
        "--allow-partial",
    ]);
    assert!(!run.stderr.contains("panicked"), "{}", run.describe());
    let report = sb.report(out);
    (run, report)
}

/// Every finding by id: what the comparison checks (status, message, evidence, resource).
fn by_id(report: &Report) -> BTreeMap<String, Value> {
    report
        .findings()
        .iter()
        .map(|f| (f["id"].as_str().expect("id").to_string(), f.clone()))
        .collect()
}

#[test]
fn per_account_inventories_merge_into_the_multi_account_report() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("multi_account", epoch);
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.join("inv")).unwrap();

    let one = collect(&sb, &moto, &ACCOUNTS.join(","), "all.json");
    assert_eq!(one.code, 0, "{}", one.describe());
    for account in ACCOUNTS {
        let run = collect(&sb, &moto, account, &format!("inv/{account}.json"));
        assert_eq!(run.code, 0, "{}", run.describe());
    }
    let (single_run, single) = evaluate(&sb, "all.json", "single", &as_of);
    let (merged_run, merged) = evaluate(&sb, "inv", "merged", &as_of);
    assert!(
        merged_run.stderr.contains("merged 2 inventories"),
        "{}",
        merged_run.describe()
    );
    assert_eq!(single.0["accounts"], json!(ACCOUNTS));
    assert_eq!(merged.0["accounts"], single.0["accounts"]);
    assert_eq!(merged.0["coverage_complete"], single.0["coverage_complete"]);
    let (a, b) = (by_id(&single), by_id(&merged));
    assert!(a.len() > 10, "{}", single_run.describe());
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the same findings"
    );
    for (id, f) in &a {
        assert_eq!(f, &b[id], "finding {id} differs");
    }
}

#[test]
fn an_account_whose_role_cannot_be_assumed_is_a_gap_for_that_account_only() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("multi_account", epoch);
    let proxy = MotoServer::start_fault_proxy(&moto);
    proxy.set_faults(&json!([
        {"operation": "sts.AssumeRole", "body_contains": "333333333333", "fault": "access_denied"}
    ]));
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.join("inv")).unwrap();
    for account in ["111111111111", "222222222222", "333333333333"] {
        let run = collect(&sb, &proxy, account, &format!("inv/{account}.json"));
        assert_eq!(run.code, 0, "{}", run.describe());
    }
    let (run, report) = evaluate(&sb, "inv", "merged", &as_of);
    assert_eq!(report.0["coverage_complete"], false, "{}", run.describe());
    let gaps = report.gaps();
    assert!(!gaps.is_empty());
    assert!(
        gaps.iter().all(|g| g["account"] == "333333333333"),
        "only the failing account has gaps: {gaps:#?}"
    );
    assert!(
        gaps.iter()
            .any(|g| g["operation"] == "AssumeRole" && g["error_code"] == "AccessDenied"),
        "{gaps:#?}"
    );
    // The other accounts are audited as if the failing one were not there: their findings
    // are those of the two accounts' inventories merged alone.
    std::fs::create_dir_all(sb.join("ok")).unwrap();
    for account in ACCOUNTS {
        std::fs::copy(
            sb.join(&format!("inv/{account}.json")),
            sb.join(&format!("ok/{account}.json")),
        )
        .unwrap();
    }
    let (_, alone) = evaluate(&sb, "ok", "alone", &as_of);
    let others: BTreeMap<String, Value> = by_id(&report)
        .into_iter()
        .filter(|(_, f)| f["resource"]["account"] != "333333333333")
        .collect();
    let alone = by_id(&alone);
    assert!(alone.len() > 10);
    let extra: Vec<&Value> = others
        .iter()
        .filter(|(id, _)| !alone.contains_key(*id))
        .map(|(_, f)| f)
        .collect();
    assert!(extra.is_empty(), "{extra:#?}");
    assert_eq!(
        others.keys().collect::<Vec<_>>(),
        alone.keys().collect::<Vec<_>>()
    );
    for (id, f) in &alone {
        assert_eq!(f, &others[id], "finding {id} differs");
    }
    let sl901: Vec<&Value> = report
        .findings()
        .iter()
        .filter(|f| f["check_id"] == "SL901" && f["status"] == "fail")
        .collect();
    assert!(
        !sl901.is_empty()
            && sl901
                .iter()
                .all(|f| f["resource"]["account"] == "333333333333"),
        "{sl901:#?}"
    );
}

#[test]
fn a_directory_without_inventories_and_overlapping_inventories_are_refused() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.join("empty")).unwrap();
    let run = sb.run(["evaluate", "empty", "--out", "o"]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(
        run.stderr.contains("has no inventory (*.json)"),
        "{}",
        run.describe()
    );
    std::fs::create_dir_all(sb.join("twice")).unwrap();
    for name in ["a.json", "b.json"] {
        let r = sb.run([
            "demo",
            "--format",
            "json",
            "--out",
            "d",
            "--inventory-out",
            &format!("twice/{name}"),
        ]);
        assert_eq!(r.code, 0, "{}", r.describe());
    }
    let run = sb.run(["evaluate", "twice", "--out", "o"]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(
        run.stderr.contains("both cover account 111122223333"),
        "{}",
        run.describe()
    );
}

/// `--expect-accounts`: an account of the item list without an inventory (its collect task
/// failed or timed out) is an SL901 gap of that account, and the report is not complete; a
/// list that is not one is a one-line error.
#[test]
fn an_expected_account_without_inventory_is_an_sl901_gap() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.join("inv")).unwrap();
    let r = sb.run([
        "demo",
        "--format",
        "json",
        "--out",
        "d",
        "--inventory-out",
        "inv/111122223333.json",
    ]);
    assert_eq!(r.code, 0, "{}", r.describe());
    std::fs::write(
        sb.join("accounts.json"),
        r#"[{"account_id":"111122223333","name":"demo","ou_path":"Root"},
            {"account_id":"222233334444","name":"lost","ou_path":"Root/Prod"}]"#,
    )
    .unwrap();
    let (_, without) = evaluate(&sb, "inv", "without", "2026-01-31T00:00:00Z");
    let with = sb.run([
        "evaluate",
        "inv",
        "--expect-accounts",
        "accounts.json",
        "--out",
        "with",
        "--format",
        "json",
        "--as-of",
        "2026-01-31T00:00:00Z",
        "--allow-partial",
    ]);
    assert_eq!(with.code, 1, "{}", with.describe());
    assert!(
        with.stderr
            .contains("1 of 2 expected accounts have no inventory: 222233334444"),
        "{}",
        with.describe()
    );
    let with = sb.report("with");
    assert_eq!(with.0["accounts"], json!(["111122223333", "222233334444"]));
    assert_eq!(with.0["coverage_complete"], json!(false));
    let gaps: Vec<&Value> = with
        .findings()
        .iter()
        .filter(|f| f["check_id"] == "SL901" && f["resource"]["account"] == "222233334444")
        .collect();
    assert_eq!(gaps.len(), 1, "{gaps:#?}");
    assert_eq!(gaps[0]["status"], "fail");
    let msg = gaps[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("Collect failed in account 222233334444")
            && msg.contains("collection did not finish"),
        "{msg}"
    );
    // The demo account's findings are unchanged.
    let (a, mut b) = (by_id(&without), by_id(&with));
    b.retain(|_, f| f["resource"]["account"] != "222233334444");
    assert_eq!(a, b);

    std::fs::write(sb.join("bad.json"), r#"{"accounts": []}"#).unwrap();
    let bad = sb.run([
        "evaluate",
        "inv",
        "--expect-accounts",
        "bad.json",
        "--out",
        "bad",
    ]);
    assert_eq!(bad.code, 2, "{}", bad.describe());
    bad.assert_clean_error();
    assert!(
        bad.stderr.contains("not a JSON array"),
        "{}",
        bad.describe()
    );
    assert!(!sb.join("bad").exists(), "no report on a bad list");
}

/// `accounts --organization` writes the Distributed Map's items; per-account inventories in
/// an S3 prefix merge like a local folder.
#[test]
fn accounts_lists_the_organization_and_an_s3_prefix_merges() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("organization,multi_account,s3", epoch);
    let sb = Sandbox::new();
    let endpoint = moto.endpoint();
    let run = sb.run([
        "accounts",
        "--organization",
        "--endpoint-url",
        &endpoint,
        "--regions",
        "us-east-1",
        "-o",
        "s3://secretlens-s3/run/accounts.json",
    ]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let run = sb.run([
        "accounts",
        "--organization",
        "--endpoint-url",
        &endpoint,
        "--regions",
        "us-east-1",
        "-o",
        "accounts.json",
    ]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let items: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(sb.join("accounts.json")).unwrap()).unwrap();
    assert_eq!(items.len(), 3, "{items:#?}");
    assert!(items.iter().any(|i| i["account_id"] == "123456789012"));
    for i in &items {
        let path = i["ou_path"].as_str().expect("ou_path");
        assert!(path.starts_with("r-"), "{i}");
        assert!(i["name"].as_str().is_some_and(|n| !n.is_empty()), "{i}");
    }
    assert!(
        items
            .iter()
            .any(|i| i["ou_path"].as_str().unwrap().contains("/ou-")),
        "one member is in an OU: {items:#?}"
    );

    std::fs::create_dir_all(sb.join("inv")).unwrap();
    for account in ACCOUNTS {
        let local = collect(&sb, &moto, account, &format!("inv/{account}.json"));
        assert_eq!(local.code, 0, "{}", local.describe());
        let remote = collect(
            &sb,
            &moto,
            account,
            &format!("s3://secretlens-s3/run/inventories/{account}.json"),
        );
        assert_eq!(remote.code, 0, "{}", remote.describe());
    }
    let (_, local) = evaluate(&sb, "inv", "local", &as_of);
    let run = sb.run([
        "evaluate",
        "s3://secretlens-s3/run/inventories/",
        "--endpoint-url",
        &endpoint,
        "--out",
        "remote",
        "--format",
        "json",
        "--as-of",
        &as_of,
        "--allow-partial",
    ]);
    assert!(
        run.stderr.contains("merged 2 inventories"),
        "{}",
        run.describe()
    );
    let remote = sb.report("remote");
    let (a, b) = (by_id(&local), by_id(&remote));
    assert!(a.len() > 10);
    assert_eq!(a, b);
}
