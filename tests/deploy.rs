//! `deploy/`: the CloudFormation templates pass `cfn-lint` (PyPI, from
//! tests/moto/requirements.txt), including the Step Functions definition it embeds; the member
//! role grants exactly the README's least-privilege policy; `deploy/statemachine.asl.json` is
//! the hub's definition, with every transition resolving and the commands of docs/deploy.md;
//! the IAM policies grant no wildcard actions; the bucket is private, encrypted, versioned and
//! expires runs; the Dockerfile builds a static binary and runs it as a numeric non-root user.
//!
//! Templates are decoded by cfn-lint's own YAML loader (short-form intrinsics such as `!Sub`
//! become `{"Fn::Sub": …}`) and printed as JSON, so no YAML crate is needed here.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{python, repo_root};
use serde_json::Value;

fn deploy(name: &str) -> PathBuf {
    repo_root().join("deploy").join(name)
}

/// The CloudFormation templates under deploy/.
fn templates() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo_root().join("deploy"))
        .expect("list deploy/")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    v.sort();
    v
}

/// Runs Python code with `args`; panics with a pointer at the requirements when cfn-lint is
/// missing. Returns (exit code, stdout + stderr).
fn py(code: &str, args: &[&Path]) -> (i32, String) {
    let out = Command::new(python())
        .arg("-c")
        .arg(code)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python().display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !text.contains("No module named 'cfnlint'"),
        "cfn-lint is not installed for {}: pip install -r tests/moto/requirements.txt (scripts/test.sh does)",
        python().display()
    );
    (out.status.code().unwrap_or(-1), text)
}

/// cfn-lint's exit code and output on `files` (0 only when there is no error, warning or
/// informational finding).
fn cfn_lint(files: &[&Path]) -> (i32, String) {
    py(
        "import sys\nfrom cfnlint.runner import main\nsys.argv[0] = 'cfn-lint'\nsys.exit(main())",
        files,
    )
}

/// A template as JSON, decoded by cfn-lint.
fn template(path: &Path) -> Value {
    let (code, out) = py(
        "import json, sys\nfrom cfnlint.decode import decode\nt, m = decode(sys.argv[1])\n\
         assert not m, [str(x) for x in m]\nprint(json.dumps(t))",
        &[path],
    );
    assert_eq!(code, 0, "cannot decode {}:\n{out}", path.display());
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn cfn_lint_accepts_every_template() {
    let files = templates();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    for want in ["hub.yaml", "member-role.yaml"] {
        assert!(
            names.iter().any(|n| n == want),
            "deploy/{want} is missing: {names:?}"
        );
    }
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let (code, out) = cfn_lint(&refs);
    assert_eq!(code, 0, "cfn-lint {names:?} exited {code}:\n{out}");
}

/// The lint is not vacuous: it validates the embedded state machine against the States
/// Language schema, so a broken definition fails.
#[test]
fn cfn_lint_rejects_a_broken_state_machine() {
    let hub = std::fs::read_to_string(deploy("hub.yaml")).expect("read hub.yaml");
    let broken = hub.replacen("\"MaxConcurrencyPath\"", "\"MaxConcurencyPath\"", 1);
    assert_ne!(broken, hub, "hub.yaml has a MaxConcurrencyPath");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.yaml");
    std::fs::write(&path, broken).expect("write");
    let (code, out) = cfn_lint(&[&path]);
    assert_ne!(code, 0, "cfn-lint accepted a misspelt Map field:\n{out}");
    assert!(out.contains("E3601"), "{out}");
}

/// The README's least-privilege policy (the JSON block with `SecretlensReadOnlyAudit`).
fn readme_policy() -> Value {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README");
    let block = readme
        .split("```json")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .find(|b| b.contains("\"SecretlensReadOnlyAudit\""))
        .expect("README.md has the least-privilege policy in a ```json block");
    serde_json::from_str(block).expect("the README policy is JSON")
}

#[test]
fn member_role_grants_exactly_the_readme_policy() {
    let t = template(&deploy("member-role.yaml"));
    let role = &t["Resources"]["AuditRole"]["Properties"];
    let policies = role["Policies"].as_array().expect("inline policies");
    assert_eq!(policies.len(), 1, "one inline policy, no managed ones");
    assert!(role.get("ManagedPolicyArns").is_none());
    let granted = &policies[0]["PolicyDocument"]["Statement"];
    let readme = readme_policy();
    let want = &readme["Statement"];
    assert_eq!(
        want.as_array().map(Vec::len),
        Some(2),
        "the README policy has its two statements"
    );
    assert_eq!(
        granted, want,
        "deploy/member-role.yaml must grant exactly README.md's policy (same Sids, actions, order)"
    );

    // Trust: the hub account, only the named auditor role, only with the external id.
    let trust = &role["AssumeRolePolicyDocument"]["Statement"];
    assert_eq!(trust.as_array().map(Vec::len), Some(1));
    let cond = &trust[0]["Condition"]["StringEquals"];
    assert_eq!(
        cond["sts:ExternalId"],
        serde_json::json!({"Ref": "ExternalId"})
    );
    assert_eq!(
        cond["aws:PrincipalArn"],
        serde_json::json!({"Fn::Sub": "arn:${AWS::Partition}:iam::${HubAccountId}:role/${HubRoleName}"})
    );
    assert_eq!(trust[0]["Action"], "sts:AssumeRole");
    let params = &t["Parameters"];
    assert_eq!(params["ExternalId"]["NoEcho"], true);
    for p in ["HubAccountId", "ExternalId", "RoleName", "HubRoleName"] {
        assert!(params.get(p).is_some(), "parameter {p}");
    }
    assert_eq!(role["RoleName"], serde_json::json!({"Ref": "RoleName"}));
}

/// `${Name}` placeholders in `text`.
fn placeholders(text: &str) -> BTreeSet<String> {
    let re = regex::Regex::new(r"\$\{([A-Za-z0-9]+)\}").expect("regex");
    re.captures_iter(text).map(|c| c[1].to_string()).collect()
}

#[test]
fn state_machine_file_is_the_hub_definition() {
    let asl_path = deploy("statemachine.asl.json");
    let asl = read_json(&asl_path);
    let hub = template(&deploy("hub.yaml"));
    let sm = &hub["Resources"]["StateMachine"]["Properties"];
    assert_eq!(
        sm["Definition"], asl,
        "hub.yaml's StateMachine Definition differs from deploy/statemachine.asl.json: copy one into the other"
    );
    let subs: BTreeSet<String> = sm["DefinitionSubstitutions"]
        .as_object()
        .expect("DefinitionSubstitutions")
        .keys()
        .cloned()
        .collect();
    let used = placeholders(&std::fs::read_to_string(&asl_path).expect("read"));
    assert_eq!(
        used, subs,
        "placeholders in the definition vs DefinitionSubstitutions"
    );
}

/// States reachable in one `States` scope, checking that every transition names a state of
/// that scope; recurses into Map item processors.
fn check_scope(scope: &Value, path: &str, errors: &mut Vec<String>) {
    let states = scope["States"].as_object().expect("States");
    let start = scope["StartAt"].as_str().expect("StartAt");
    let mut reached = BTreeSet::new();
    let mut todo = vec![start.to_string()];
    while let Some(name) = todo.pop() {
        let Some(state) = states.get(&name) else {
            errors.push(format!("{path}: transition to unknown state {name:?}"));
            continue;
        };
        if !reached.insert(name.clone()) {
            continue;
        }
        let mut next: Vec<&Value> = vec![&state["Next"], &state["Default"]];
        for key in ["Catch", "Choices"] {
            if let Some(a) = state[key].as_array() {
                next.extend(a.iter().map(|c| &c["Next"]));
            }
        }
        let targets: Vec<&str> = next.iter().filter_map(|v| v.as_str()).collect();
        let terminal =
            state["End"] == true || matches!(state["Type"].as_str(), Some("Succeed" | "Fail"));
        if targets.is_empty() && !terminal {
            errors.push(format!("{path}/{name}: neither Next nor End"));
        }
        todo.extend(targets.iter().map(|t| t.to_string()));
        if let Some(inner) = state.get("ItemProcessor") {
            check_scope(inner, &format!("{path}/{name}"), errors);
        }
    }
    for name in states.keys() {
        if !reached.contains(name) {
            errors.push(format!("{path}/{name}: unreachable"));
        }
    }
}

#[test]
fn state_machine_transitions_resolve_and_the_map_is_distributed() {
    let asl = read_json(&deploy("statemachine.asl.json"));
    let mut errors = Vec::new();
    check_scope(&asl, "", &mut errors);
    assert!(errors.is_empty(), "{errors:#?}");

    let map = &asl["States"]["CollectAccounts"];
    assert_eq!(map["Type"], "Map");
    assert_eq!(
        map["ItemProcessor"]["ProcessorConfig"]["Mode"],
        "DISTRIBUTED"
    );
    // .sync integrations do not run in EXPRESS child executions.
    assert_eq!(
        map["ItemProcessor"]["ProcessorConfig"]["ExecutionType"],
        "STANDARD"
    );
    assert_eq!(
        map["ItemReader"]["Resource"],
        "arn:aws:states:::s3:getObject"
    );
    assert_eq!(map["ItemReader"]["ReaderConfig"]["InputType"], "JSON");
    // Both come from the stack parameters through the Prepare state.
    assert_eq!(map["MaxConcurrencyPath"], "$.maxConcurrency");
    assert_eq!(
        map["ToleratedFailurePercentagePath"],
        "$.toleratedFailurePercentage"
    );
    let prepare = &asl["States"]["Prepare"]["Parameters"];
    assert_eq!(
        prepare["maxConcurrency.$"],
        "States.StringToJson('${MaxConcurrency}')"
    );
    assert_eq!(
        prepare["toleratedFailurePercentage.$"],
        "States.StringToJson('${ToleratedFailurePercentage}')"
    );
    // Every failure of the run (not a failed item within the tolerance) is announced.
    for (name, state) in asl["States"].as_object().expect("States") {
        if state["Type"] == "Task" && name != "NotifyFailure" {
            let catches = state["Catch"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            assert!(
                catches
                    .iter()
                    .any(|c| c["ErrorEquals"] == serde_json::json!(["States.ALL"])),
                "{name} has no Catch for States.ALL"
            );
        }
    }
}

/// The container command of the ECS task `state` (its `Command.$` intrinsic).
fn command(state: &Value) -> String {
    state["Parameters"]["Overrides"]["ContainerOverrides"][0]["Command.$"]
        .as_str()
        .expect("Command.$")
        .to_string()
}

/// The states run the commands of the brief and docs/deploy.md, in the S3 layout
/// runs/RUN/{accounts.json, inventories/ID.json, report/} and latest/.
#[test]
fn state_machine_runs_the_documented_commands() {
    let asl = read_json(&deploy("statemachine.asl.json"));
    let s = &asl["States"];
    assert_eq!(
        command(&s["ListAccounts"]),
        "States.Array('accounts', '--organization', '-o', States.Format('s3://${BucketName}/runs/{}/accounts.json', $.run))"
    );
    assert_eq!(
        command(&s["CollectAccounts"]["ItemProcessor"]["States"]["Collect"]),
        "States.Array('collect', '--accounts', $.account_id, '--role-name', '${MemberRoleName}', \
         '--external-id', '${ExternalId}', '--regions', 'all', '-o', \
         States.Format('s3://${BucketName}/runs/{}/inventories/{}.json', $.run, $.account_id))"
    );
    let evaluate = "States.Array('evaluate', States.Format('s3://${BucketName}/runs/{}/inventories/', $.run), \
                    '--expect-accounts', States.Format('s3://${BucketName}/runs/{}/accounts.json', $.run), \
                    '--out', States.Format('s3://${BucketName}/runs/{}/report/', $.run), ";
    assert_eq!(
        command(&s["Evaluate"]),
        format!(
            "{evaluate}'--baseline', 's3://${{BucketName}}/latest/report.json', '--notify', 'sns:${{TopicArn}}', '--allow-partial')"
        )
    );
    // No --notify on the first run: evaluate refuses --notify without --baseline (exit 2).
    assert_eq!(
        command(&s["EvaluateFirstRun"]),
        format!("{evaluate}'--allow-partial')")
    );
    // report.json, the next baseline, reaches latest/ last.
    assert_eq!(s["PublishHtml"]["Next"], "PublishJson");
    assert_eq!(s["PublishJson"]["Parameters"]["Key"], "latest/report.json");
}

/// Statements of every IAM role policy and bucket policy in `t`, with both branches of an
/// `Fn::If` (a `Ref: AWS::NoValue` branch dropped).
fn statements(t: &Value) -> Vec<(String, Value)> {
    fn flatten(v: &Value, out: &mut Vec<Value>) {
        if let Some(a) = v.get("Fn::If").and_then(Value::as_array) {
            a[1..].iter().for_each(|b| flatten(b, out));
        } else if v.get("Ref") != Some(&Value::from("AWS::NoValue")) {
            out.push(v.clone());
        }
    }
    let mut out = Vec::new();
    for (name, r) in t["Resources"].as_object().expect("Resources") {
        let p = &r["Properties"];
        let mut docs: Vec<&Value> = vec![&p["PolicyDocument"], &p["AssumeRolePolicyDocument"]];
        if let Some(a) = p["Policies"].as_array() {
            docs.extend(a.iter().map(|x| &x["PolicyDocument"]));
        }
        for d in docs {
            let mut flat = Vec::new();
            for s in d["Statement"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
                flatten(s, &mut flat);
            }
            out.extend(flat.into_iter().map(|s| (name.clone(), s)));
        }
    }
    out
}

fn actions(s: &Value) -> Vec<String> {
    match &s["Action"] {
        Value::String(a) => vec![a.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect(),
        other => panic!("Action {other}"),
    }
}

#[test]
fn iam_policies_allow_no_wildcard_actions() {
    let mut checked = 0;
    for path in templates() {
        for (resource, s) in statements(&template(&path)) {
            if s["Effect"] != "Allow" {
                continue;
            }
            for a in actions(&s) {
                checked += 1;
                assert!(
                    !a.contains('*') && a.contains(':'),
                    "{}: {resource} allows {a:?}",
                    path.display()
                );
                // Storage, tasks, executions and alerts are named resources, never "*".
                let service = a.split(':').next().unwrap_or_default();
                if ["s3", "sns", "iam", "states", "ecs", "sts"].contains(&service)
                    && resource != "AuditRole"
                    && s["Principal"].is_null()
                {
                    assert_ne!(
                        s["Resource"],
                        "*",
                        "{}: {resource} {a} on *",
                        path.display()
                    );
                }
            }
        }
    }
    assert!(checked > 60, "only {checked} actions found");
}

#[test]
fn hub_bucket_is_private_encrypted_versioned_tls_only_and_expires_runs() {
    let t = template(&deploy("hub.yaml"));
    let b = &t["Resources"]["Bucket"]["Properties"];
    assert_eq!(b["VersioningConfiguration"]["Status"], "Enabled");
    for k in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(b["PublicAccessBlockConfiguration"][k], true, "{k}");
    }
    let sse = &b["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
        ["Fn::If"];
    assert_eq!(sse[1]["SSEAlgorithm"], "aws:kms");
    assert_eq!(sse[2]["SSEAlgorithm"], "AES256");
    let rules = b["LifecycleConfiguration"]["Rules"]
        .as_array()
        .expect("rules");
    assert!(
        rules.iter().any(|r| r["Prefix"] == "runs/"
            && r["ExpirationInDays"] == serde_json::json!({"Ref": "RunRetentionDays"})),
        "{rules:#?}"
    );
    let policy = &t["Resources"]["BucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0];
    assert_eq!(policy["Effect"], "Deny");
    assert_eq!(policy["Condition"]["Bool"]["aws:SecureTransport"], "false");

    // The schedule is daily unless told otherwise and starts this state machine.
    assert_eq!(
        t["Parameters"]["ScheduleExpression"]["Default"],
        "cron(0 5 * * ? *)"
    );
    let target = &t["Resources"]["Schedule"]["Properties"]["Target"];
    assert_eq!(target["Arn"], serde_json::json!({"Ref": "StateMachine"}));
}

/// Top-level paths of the repository that the build reads: src/ (and build.rs), plus every
/// directory a source file embeds with include_str!/include_bytes!.
fn build_inputs() -> BTreeSet<String> {
    let re = regex::Regex::new(r#"include_(?:str|bytes)!\(\s*"([^"]+)"\s*\)"#).expect("regex");
    let root = repo_root().canonicalize().expect("root");
    let mut out: BTreeSet<String> = ["Cargo.toml", "Cargo.lock", "build.rs", "src"]
        .map(String::from)
        .into();
    let mut todo = vec![root.join("src")];
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(&dir).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).expect("read");
                for c in re.captures_iter(&text) {
                    let target = p.parent().expect("parent").join(&c[1]);
                    let target = target
                        .canonicalize()
                        .unwrap_or_else(|e| panic!("{} embeds {}: {e}", p.display(), &c[1]));
                    let rel = target.strip_prefix(&root).expect("inside the repository");
                    let top = rel.components().next().expect("component");
                    out.insert(top.as_os_str().to_string_lossy().into_owned());
                }
            }
        }
    }
    out
}

#[test]
fn dockerfile_builds_static_and_runs_as_numeric_non_root() {
    let text = std::fs::read_to_string(deploy("Dockerfile")).expect("read Dockerfile");
    // Instructions with their continuation lines joined, comments dropped.
    let joined = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("\\\n", " ");
    let lines: Vec<&str> = joined
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let stages: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("FROM "))
        .collect();
    assert!(stages.len() >= 2, "a multi-stage build");
    let last = *stages.last().expect("a final stage");
    let from = lines[last];
    assert!(
        from.starts_with("FROM scratch") || from.starts_with("FROM gcr.io/distroless/static"),
        "final stage {from:?}: scratch or distroless static"
    );
    let final_stage = &lines[last..];
    let user = final_stage
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("the final stage sets USER");
    let uid = user.split(':').next().unwrap_or_default();
    assert!(
        uid.parse::<u32>().is_ok_and(|n| n != 0),
        "USER {user:?}: numeric, not root"
    );
    assert!(
        final_stage
            .iter()
            .any(|l| l.starts_with("ENTRYPOINT [\"/usr/local/bin/secretlens\"]")),
        "exec-form ENTRYPOINT of the binary"
    );
    assert!(
        final_stage
            .iter()
            .any(|l| l.starts_with("COPY --from=build /out/secretlens /usr/local/bin/secretlens")),
        "the final stage takes the built binary"
    );
    assert!(
        joined.contains("--target x86_64-unknown-linux-musl"),
        "a static musl build"
    );
    assert!(joined.contains("--locked"), "the build uses Cargo.lock");

    // Every input of the build is copied into the build stage and let through the
    // .dockerignore.
    let copied: BTreeMap<String, ()> = lines[..last]
        .iter()
        .filter_map(|l| l.strip_prefix("COPY "))
        .flat_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            words[..words.len() - 1]
                .iter()
                .map(|w| (w.trim_end_matches('/').to_string(), ()))
                .collect::<Vec<_>>()
        })
        .collect();
    let ignore = std::fs::read_to_string(deploy("Dockerfile.dockerignore")).expect("read");
    for input in build_inputs() {
        assert!(
            copied.contains_key(&input),
            "the Dockerfile does not COPY {input}"
        );
        assert!(
            ignore
                .lines()
                .any(|l| l.trim_end_matches('/') == format!("!{input}")),
            "deploy/Dockerfile.dockerignore does not let {input} through"
        );
    }
}
