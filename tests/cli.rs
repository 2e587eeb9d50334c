//! CLI tests: exit codes, output formats, and one clean `error:` line for every bad input.
//! No AWS and no moto: `demo` and `evaluate` work offline.

mod common;

use common::{Run, Sandbox};

/// Our own errors (not clap's): exit 2 and exactly one `error:` line on stderr.
fn assert_one_error_line(run: &Run) {
    run.assert_clean_error();
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "expected one stderr line\n{}",
        run.describe()
    );
}

/// A refused run: exit 2, one `error:` line mentioning each of `mentions`, and no report in
/// `out/` that could pass for an audit.
fn assert_refused(sb: &Sandbox, run: &Run, mentions: &[&str]) {
    assert_one_error_line(run);
    for m in mentions {
        assert_stderr_mentions(run, m);
    }
    let written = std::fs::read_dir(sb.join("out")).map_or(0, |d| d.count());
    assert_eq!(
        written,
        0,
        "nothing is written to out/ when the run is refused\n{}",
        run.describe()
    );
}

/// Runs `args` and asserts it is refused ([`assert_refused`]).
fn refused(sb: &Sandbox, args: &[&str], mentions: &[&str]) -> Run {
    let run = sb.run(args);
    assert_refused(sb, &run, mentions);
    run
}

/// `demo` with `--config FILE`, refused ([`refused`]).
fn refused_config(sb: &Sandbox, file: &str, mentions: &[&str]) -> Run {
    refused(
        sb,
        &["demo", "--exit-code", "--out", "out", "--config", file],
        mentions,
    )
}

fn assert_stderr_mentions(run: &Run, needle: &str) {
    assert!(
        run.stderr.contains(needle),
        "stderr does not mention {needle:?}\n{}",
        run.describe()
    );
}

#[test]
fn demo_has_a_gap_so_it_exits_2_unless_partial_is_allowed() {
    let sb = Sandbox::new();
    let run = sb.run(["demo", "--exit-code", "--out", "full"]);
    assert_eq!(
        run.code,
        2,
        "the demo account has a coverage gap\n{}",
        run.describe()
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.describe());
    assert!(sb.join("full/report.json").is_file(), "report.json written");
    assert!(sb.join("full/report.html").is_file(), "report.html written");
    let report = sb.report("full");
    assert_eq!(report.0["coverage_complete"], false);
    assert!(!report.findings().is_empty(), "the demo has findings");

    let run = sb.run(["demo", "--exit-code", "--out", "partial", "--allow-partial"]);
    assert_eq!(
        run.code,
        1,
        "the demo has failing high findings\n{}",
        run.describe()
    );
    assert!(sb.join("partial/report.json").is_file());
}

#[test]
fn plain_demo_exits_0_once_the_reports_are_written() {
    let sb = Sandbox::new();
    let run = sb.run(["demo", "--out", "out"]);
    assert_eq!(
        run.code,
        0,
        "the README's first command succeeds\n{}",
        run.describe()
    );
    assert!(sb.join("out/report.json").is_file() && sb.join("out/report.html").is_file());
    assert!(
        run.stderr.contains("--exit-code"),
        "says how to get the audit's exit code\n{}",
        run.describe()
    );
}

#[test]
fn demo_report_is_reproducible() {
    let sb = Sandbox::new();
    sb.run([
        "demo",
        "--exit-code",
        "--out",
        "a",
        "--format",
        "json",
        "--allow-partial",
    ]);
    sb.run([
        "demo",
        "--exit-code",
        "--out",
        "b",
        "--format",
        "json",
        "--allow-partial",
    ]);
    let a = std::fs::read(sb.join("a/report.json")).unwrap();
    let b = std::fs::read(sb.join("b/report.json")).unwrap();
    assert!(a == b, "two demo runs give byte-identical report.json");
}

#[test]
fn format_json_writes_only_json() {
    let sb = Sandbox::new();
    let run = sb.run([
        "demo",
        "--exit-code",
        "--out",
        "out",
        "--format",
        "json",
        "--allow-partial",
    ]);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(sb.join("out/report.json").is_file());
    assert!(!sb.join("out/report.html").exists(), "no HTML asked for");
    assert!(
        run.stdout.trim().is_empty(),
        "no text summary asked for\n{}",
        run.describe()
    );
    let report = sb.report("out");
    assert_eq!(report.0["schema_version"], 2);
}

#[test]
fn format_text_prints_a_summary_and_writes_no_files() {
    let sb = Sandbox::new();
    let run = sb.run([
        "demo",
        "--exit-code",
        "--out",
        "out",
        "--format",
        "text",
        "--allow-partial",
    ]);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(!run.stdout.trim().is_empty(), "a summary on stdout");
    assert!(!sb.join("out/report.json").exists());
    assert!(!sb.join("out/report.html").exists());
}

#[test]
fn fail_on_critical_changes_the_exit_code_only_by_severity() {
    let sb = Sandbox::new();
    let info = sb.run([
        "demo",
        "--exit-code",
        "--out",
        "o1",
        "--format",
        "json",
        "--allow-partial",
        "--fail-on",
        "info",
    ]);
    assert_eq!(info.code, 1, "{}", info.describe());
    let report = sb.report("o1");
    let critical_failing = report
        .findings()
        .iter()
        .any(|f| f["status"] == "fail" && f["severity"] == "critical");
    let crit = sb.run([
        "demo",
        "--exit-code",
        "--out",
        "o2",
        "--format",
        "json",
        "--allow-partial",
        "--fail-on",
        "critical",
    ]);
    assert_eq!(
        crit.code,
        if critical_failing { 1 } else { 0 },
        "{}",
        crit.describe()
    );
}

#[test]
fn missing_config_file() {
    let sb = Sandbox::new();
    refused_config(&sb, "does-not-exist.toml", &["does-not-exist.toml"]);
}

#[test]
fn malformed_toml_config_names_the_line() {
    let sb = Sandbox::new();
    sb.write("bad.toml", "[rotation]\nmax_age_days = = 3\n");
    let run = refused_config(&sb, "bad.toml", &["bad.toml"]);
    assert!(
        run.stderr.contains("line 2") || run.stderr.contains("max_age_days"),
        "names the line or the key\n{}",
        run.describe()
    );
}

#[test]
fn unknown_config_key_is_named() {
    let sb = Sandbox::new();
    sb.write("typo.toml", "[rotation]\nmax_interval_dayz = 30\n");
    refused_config(&sb, "typo.toml", &["max_interval_dayz"]);
}

#[test]
fn invalid_naming_regex_names_the_key() {
    let sb = Sandbox::new();
    sb.write("regex.toml", "[naming]\npattern = \"(unclosed\"\n");
    refused_config(&sb, "regex.toml", &["naming.pattern"]);
}

#[test]
fn unreadable_inventory_path() {
    let sb = Sandbox::new();
    refused(
        &sb,
        &["evaluate", "no-such-inventory.json", "--out", "out"],
        &["no-such-inventory.json"],
    );
}

#[test]
fn inventory_directory_instead_of_file() {
    let sb = Sandbox::new();
    std::fs::create_dir(sb.join("inv-dir")).unwrap();
    refused(&sb, &["evaluate", "inv-dir", "--out", "out"], &["inv-dir"]);
}

#[test]
fn inventory_from_another_schema_version() {
    let sb = Sandbox::new();
    sb.write("future.json", r#"{"schema_version": 99, "whatever": true}"#);
    refused(
        &sb,
        &["evaluate", "future.json", "--out", "out"],
        &["schema_version", "99"],
    );
}

#[test]
fn non_json_inventory() {
    let sb = Sandbox::new();
    sb.write("notes.txt", "this is not an inventory\n");
    refused(
        &sb,
        &["evaluate", "notes.txt", "--out", "out"],
        &["notes.txt"],
    );
}

#[test]
fn demo_inventory_round_trips_through_evaluate() {
    let sb = Sandbox::new();
    let demo = sb.run([
        "demo",
        "--exit-code",
        "--out",
        "demo",
        "--format",
        "json",
        "--inventory-out",
        "inv.json",
    ]);
    assert_eq!(demo.code, 2, "{}", demo.describe());
    let eval = sb.run(["evaluate", "inv.json", "--out", "eval", "--format", "json"]);
    assert_eq!(eval.code, 2, "{}", eval.describe());
    // The inventory carries its own as-of instant, so both evaluate at the same time.
    assert_eq!(sb.report("demo").findings(), sb.report("eval").findings());
}

#[test]
fn explain_unknown_check() {
    let sb = Sandbox::new();
    refused(&sb, &["explain", "SL999"], &["unknown check"]);
}

#[test]
fn as_of_garbage_is_a_usage_error() {
    let sb = Sandbox::new();
    let run = sb.run(["demo", "--exit-code", "--out", "out", "--as-of", "garbage"]);
    run.assert_clean_error();
    assert_stderr_mentions(&run, "--as-of");
    assert!(!sb.join("out").exists());
}

#[test]
fn fail_on_unknown_severity_is_a_usage_error() {
    let sb = Sandbox::new();
    let run = sb.run([
        "demo",
        "--exit-code",
        "--out",
        "out",
        "--fail-on",
        "extreme",
    ]);
    run.assert_clean_error();
    assert_stderr_mentions(&run, "extreme");
}

#[test]
fn unknown_format_is_a_usage_error() {
    let sb = Sandbox::new();
    let run = sb.run(["demo", "--exit-code", "--out", "out", "--format", "pdf"]);
    run.assert_clean_error();
    assert_stderr_mentions(&run, "pdf");
}

#[test]
fn checks_lists_every_check() {
    let sb = Sandbox::new();
    let run = sb.run(["checks"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(run.stdout.contains("SL101"), "{}", run.describe());
    assert!(
        run.stdout.contains("rotation-disabled"),
        "{}",
        run.describe()
    );
}

#[test]
fn explain_prints_the_check_documentation() {
    let sb = Sandbox::new();
    for id in ["SL101", "rotation-disabled", "sl101"] {
        let run = sb.run(["explain", id]);
        assert_eq!(run.code, 0, "explain {id}\n{}", run.describe());
        assert!(
            run.stdout.contains("## What it checks"),
            "explain {id}\n{}",
            run.describe()
        );
        assert!(
            run.stdout.contains("## Remediation"),
            "explain {id}\n{}",
            run.describe()
        );
    }
}

#[test]
fn init_writes_a_config_that_is_accepted_and_is_not_overwritten() {
    let sb = Sandbox::new();
    let run = sb.run(["init", "my.toml"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let written = std::fs::read_to_string(sb.join("my.toml")).unwrap();
    assert!(written.contains("[rotation]"));

    let run = sb.run([
        "demo",
        "--exit-code",
        "--out",
        "out",
        "--format",
        "json",
        "--config",
        "my.toml",
        "--allow-partial",
    ]);
    assert_eq!(
        run.code,
        1,
        "the init template is a valid config\n{}",
        run.describe()
    );
    // The template is the defaults: same findings as with no config at all.
    let run = sb.run([
        "demo",
        "--exit-code",
        "--out",
        "defaults",
        "--format",
        "json",
        "--allow-partial",
    ]);
    assert_eq!(run.code, 1, "{}", run.describe());
    assert_eq!(
        sb.report("out").findings(),
        sb.report("defaults").findings()
    );

    sb.write("my.toml", "# edited\n");
    let run = sb.run(["init", "my.toml"]);
    assert_one_error_line(&run);
    assert_stderr_mentions(&run, "--force");
    assert_eq!(
        std::fs::read_to_string(sb.join("my.toml")).unwrap(),
        "# edited\n",
        "not overwritten"
    );

    let run = sb.run(["init", "my.toml", "--force"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert_eq!(
        std::fs::read_to_string(sb.join("my.toml")).unwrap(),
        written
    );
}

#[test]
fn init_defaults_to_secretlens_toml_which_is_then_picked_up() {
    let sb = Sandbox::new();
    assert_eq!(sb.run(["init"]).code, 0);
    assert!(sb.join("secretlens.toml").is_file());
    // ./secretlens.toml is read by default: breaking it breaks the run.
    sb.write("secretlens.toml", "[naming]\npattern = \"(\"\n");
    refused(
        &sb,
        &["demo", "--exit-code", "--out", "out"],
        &["naming.pattern"],
    );
}

#[test]
fn help_and_version() {
    let sb = Sandbox::new();
    let help = sb.run(["--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("audit") && help.stdout.contains("GetSecretValue"));
    let version = sb.run(["--version"]);
    assert_eq!(version.code, 0);
    assert!(version.stdout.contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let sb = Sandbox::new();
    let run = sb.run(["frobnicate"]);
    run.assert_clean_error();
}

#[test]
fn readme_check_table_is_generated_from_the_checks() {
    // The table between the markers is `secretlens checks --markdown` (id, name, severity and
    // the one-line summary, all from checks/*.md front matter). SECRETLENS_UPDATE=1 rewrites it.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let sb = Sandbox::new();
    let run = sb.run(["checks", "--markdown"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let table = run.stdout;
    let (begin, end) = ("<!-- checks:begin", "<!-- checks:end -->");
    let b = readme
        .find(begin)
        .expect("README has a checks:begin marker");
    let b = b + readme[b..].find('\n').expect("marker line ends") + 1;
    let e = readme.find(end).expect("README has a checks:end marker");
    let current = &readme[b..e];
    if current != table && std::env::var_os("SECRETLENS_UPDATE").is_some_and(|v| v == "1") {
        std::fs::write(path, format!("{}{table}{}", &readme[..b], &readme[e..]))
            .expect("write README");
        return;
    }
    assert_eq!(
        current, table,
        "README's check table is out of date: run `SECRETLENS_UPDATE=1 cargo test --test cli readme`"
    );
    // Every registered check is in it, with its severity.
    let listed = sb.run(["checks"]);
    let mut n = 0;
    for line in listed.stdout.lines().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let [id, name, _category, severity, ..] = cols.as_slice() else {
            continue;
        };
        assert!(
            table.contains(&format!("| {id} | {name} | {severity} |")),
            "the generated table lacks {id} {name} {severity}"
        );
        n += 1;
    }
    assert!(n >= 25, "`secretlens checks` listed {n} checks");
}

/// Issue 19, first contact: each failure to start is one plain `error:` line naming the cause
/// and what to do, exit 2, and no report that could pass for an audit.
fn first_contact(sb: &Sandbox, args: &[&str], set: &[(&str, &str)], remove: &[&str]) -> Run {
    let mut all = vec!["audit", "--out", "out", "--format", "json,html"];
    all.extend_from_slice(args);
    let run = sb.run_env(&all, set, remove);
    assert_refused(sb, &run, &[]);
    run
}

#[test]
fn no_credentials_is_one_line_saying_so() {
    let sb = Sandbox::new();
    let dead = format!("http://127.0.0.1:{}", common::free_port());
    let run = first_contact(
        &sb,
        &["--regions", "us-east-1", "--endpoint-url", &dead],
        &[],
        &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
    );
    assert!(
        run.stderr.contains("no AWS credentials were found"),
        "{}",
        run.describe()
    );
    assert!(run.stderr.contains("aws sso login"), "{}", run.describe());

    // Off EC2 with the metadata service enabled, the chain ends with its failure (here a
    // dead loopback port stands in for the metadata address, which tests never probe): still
    // "no credentials", not "could not reach AWS".
    let imds = format!("http://127.0.0.1:{}", common::free_port());
    let run = first_contact(
        &sb,
        &["--regions", "us-east-1", "--endpoint-url", &dead],
        &[
            ("AWS_EC2_METADATA_DISABLED", "false"),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds),
        ],
        &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
    );
    assert!(
        run.stderr.contains("no AWS credentials were found"),
        "{}",
        run.describe()
    );
}

#[test]
fn an_unknown_profile_is_named() {
    let sb = Sandbox::new();
    let config = sb.write("aws-config", "[profile other]\nregion = us-east-1\n");
    let run = first_contact(
        &sb,
        &["--regions", "us-east-1", "--profile", "nope"],
        &[("AWS_CONFIG_FILE", config.to_str().expect("utf-8 path"))],
        &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
    );
    assert!(
        run.stderr.contains("profile `nope` does not exist"),
        "{}",
        run.describe()
    );
}

#[test]
fn an_unreachable_endpoint_is_one_line_with_the_cause() {
    let sb = Sandbox::new();
    let dead = format!("http://127.0.0.1:{}", common::free_port());
    let run = first_contact(
        &sb,
        &["--regions", "us-east-1", "--endpoint-url", &dead],
        &[],
        &[],
    );
    assert!(
        run.stderr.contains(&format!(
            "could not reach the endpoint {dead}: connection refused"
        )),
        "{}",
        run.describe()
    );
}

#[test]
fn a_region_typo_gets_a_suggestion_before_any_call() {
    let sb = Sandbox::new();
    let run = first_contact(&sb, &["--regions", "us-east-1,us-east1"], &[], &[]);
    assert!(
        run.stderr
            .contains("`us-east1` is not an AWS region name: did you mean `us-east-1`?"),
        "{}",
        run.describe()
    );
}

/// `--account ID` (the spelling of one account per task) is `--accounts`; a bad id is refused
/// before any call, with either spelling.
#[test]
fn account_is_an_alias_of_accounts_and_bad_ids_are_refused_before_any_call() {
    let sb = Sandbox::new();
    let dead = format!("http://127.0.0.1:{}", common::free_port());
    for flag in ["--account", "--accounts"] {
        let run = first_contact(
            &sb,
            &[flag, "12345", "--role-name", "R", "--endpoint-url", &dead],
            &[],
            &[],
        );
        assert!(
            run.stderr
                .contains("invalid account id \"12345\" in --accounts: expected 12 digits"),
            "{flag}\n{}",
            run.describe()
        );
    }
}
