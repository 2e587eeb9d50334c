//! Runs a parsed command line: the glue between the CLI, collection, evaluation and
//! rendering. `main` only maps the outcome to an exit code.
#![allow(clippy::print_stdout)] // app.rs runs commands whose output is stdout (`checks`, `explain`, `simulate` …).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::checks;
use crate::cli::{AwsArgs, Cli, Command, RenderArgs};
use crate::collect::{self, CollectOptions};
use crate::config::{self, Config};
use crate::demo;
use crate::destinations::s3;
use crate::error::Error;
use crate::evaluate::evaluate;
use crate::inventory::Inventory;
use crate::render::{self, Format};
use crate::report::Report;

/// Exit codes, as documented in the README.
pub mod exit {
    /// No failing finding at or above `--fail-on`.
    pub const OK: i32 = 0;
    /// Failing findings at or above `--fail-on`.
    pub const FINDINGS: i32 = 1;
    /// The audit could not be completed.
    pub const INCOMPLETE: i32 = 2;
}

/// Runs the command and returns the process exit code.
pub fn run(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Audit {
            aws,
            render,
            securityhub,
        } => {
            check_locations(&render)?;
            let cfg = load_config(render.config.as_deref())?;
            let inv = collect_blocking(&aws, &cfg)?;
            let now = render.as_of.unwrap_or_else(Utc::now);
            let destinations = Destinations {
                securityhub: securityhub.then(|| crate::destinations::securityhub::Options {
                    role_name: aws.role_name.clone(),
                    external_id: aws.external_id.clone(),
                }),
            };
            finish(
                &inv,
                &cfg,
                &render,
                &aws.context(),
                &destinations,
                now,
                Utc::now(),
            )
        }
        Command::Collect {
            aws,
            output,
            config,
        } => {
            s3::check_path(Some(&output), "-o", false)?;
            let cfg = load_config(config.as_deref())?;
            let inv = collect_blocking(&aws, &cfg)?;
            let text =
                serde_json::to_string_pretty(&inv).expect("the inventory is plain data") + "\n";
            let wrote = s3::write_object(
                &output,
                "-o",
                "inventory.json",
                text.as_bytes(),
                "write inventory",
                &aws.context(),
            )?;
            eprintln!(
                "wrote {} ({} secrets, {} KMS keys, {} gaps)",
                crate::sanitize::clean(&wrote),
                inv.secrets.len(),
                inv.kms_keys.len(),
                inv.gaps.len()
            );
            if !inv.gaps.is_empty() {
                eprintln!(
                    "warning: {} API call(s) failed; `secretlens evaluate` reports them as SL901 collection gaps",
                    inv.gaps.len()
                );
            }
            Ok(exit::OK)
        }
        Command::Accounts { aws, output } => {
            if !aws.organization {
                return Err(Error::Usage(
                    "accounts lists an organization's accounts: pass --organization".into(),
                ));
            }
            s3::check_path(Some(&output), "-o", false)?;
            let opts = collect_options(&aws, &Config::default())?;
            let items = runtime()?.block_on(collect::org_accounts(&opts))?;
            let text = serde_json::to_string_pretty(&items).expect("plain data") + "\n";
            let wrote = s3::write_object(
                &output,
                "-o",
                "accounts.json",
                text.as_bytes(),
                "write accounts",
                &aws.context(),
            )?;
            eprintln!("wrote {wrote} ({} accounts)", items.len());
            Ok(exit::OK)
        }
        Command::Doctor {
            aws,
            config,
            format,
        } => run_doctor(&aws, config.as_deref(), &format),
        Command::Evaluate {
            inventory,
            expect_accounts,
            render,
            aws,
        } => {
            check_locations(&render)?;
            let cfg = load_config(render.config.as_deref())?;
            // The expected accounts first: a bad list is refused before the inventories are read.
            let expected = match &expect_accounts {
                None => None,
                Some(path) => {
                    let (label, bytes) =
                        match s3::read_object(path, "--expect-accounts", "read", &aws.context())? {
                            Some(object) => object,
                            None => (
                                path.display().to_string(),
                                std::fs::read(path).map_err(|e| {
                                    Error::Usage(format!(
                                        "--expect-accounts {}: cannot read: {e}",
                                        path.display()
                                    ))
                                })?,
                            ),
                        };
                    Some(crate::merge::parse_account_list(&label, &bytes)?)
                }
            };
            let mut inv = load_inventory(&inventory, &aws.context())?;
            if let Some(expected) = &expected {
                let missing = crate::merge::expect_accounts(
                    &mut inv,
                    expected,
                    &inventory.display().to_string(),
                );
                if !missing.is_empty() {
                    eprintln!(
                        "{} of {} expected accounts have no inventory: {}",
                        missing.len(),
                        expected.len(),
                        missing.join(", ")
                    );
                }
            }
            let now = render.as_of.or(inv.as_of).unwrap_or_else(Utc::now);
            finish(
                &inv,
                &cfg,
                &render,
                &aws.context(),
                &Destinations::default(),
                now,
                Utc::now(),
            )
        }
        Command::Demo {
            render,
            aws,
            inventory_out,
            exit_code,
        } => {
            check_locations(&render)?;
            s3::check_path(inventory_out.as_deref(), "--inventory-out", false)?;
            let cfg = load_config(render.config.as_deref())?;
            let inv = demo::inventory();
            if let Some(path) = inventory_out {
                let text = serde_json::to_string_pretty(&inv).expect("plain data") + "\n";
                s3::write_object(
                    &path,
                    "--inventory-out",
                    "inventory.json",
                    text.as_bytes(),
                    "write inventory",
                    &aws.context(),
                )?;
            }
            let now = render.as_of.or(inv.as_of).unwrap_or(inv.collected_at);
            // The demo's report is reproducible: its generation time is its as-of time.
            let (code, complete) = finish_reports(
                &inv,
                &cfg,
                &render,
                &aws.context(),
                &Destinations::default(),
                now,
                now,
            )?;
            // A failed notification fails the run, as for `audit` and `evaluate`.
            if !complete {
                return Ok(exit::INCOMPLETE);
            }
            if exit_code || code == exit::OK {
                return Ok(code);
            }
            eprintln!(
                "demo: reports written; exiting 0 (an audit of this account would exit {code}; pass --exit-code to get that)"
            );
            Ok(exit::OK)
        }
        Command::Checks {
            framework: None,
            markdown: true,
        } => {
            print!("{}", checks::doc::markdown_table(checks::all_metas()));
            Ok(exit::OK)
        }
        Command::Checks {
            framework: None,
            markdown: false,
        } => {
            print!("{}", checks_table());
            Ok(exit::OK)
        }
        Command::Checks {
            framework: Some(name),
            ..
        } => {
            let fw = crate::frameworks::find(&name).ok_or_else(|| {
                Error::Usage(format!(
                    "unknown framework {name:?}: known frameworks are {}",
                    crate::frameworks::known_names()
                ))
            })?;
            print!("{}", framework_table(fw));
            Ok(exit::OK)
        }
        Command::Explain { id } => {
            let meta = checks::find(&id).ok_or_else(|| {
                Error::Usage(format!(
                    "unknown check {id:?}: run `secretlens checks` to list the check ids and names"
                ))
            })?;
            println!(
                "{} {} ({}, {})\n{}\n",
                meta.id, meta.name, meta.category, meta.severity, meta.title
            );
            let refs = crate::frameworks::refs_for(&meta.id);
            if !refs.is_empty() {
                let list: Vec<String> = refs
                    .iter()
                    .map(|r| format!("{} {}", r.framework, r.control))
                    .collect();
                println!("Maps to: {}\n", list.join(" · "));
            }
            println!("{}", meta.body);
            Ok(exit::OK)
        }
        Command::Simulate { request } => {
            let out = crate::simulate::run(&request)?;
            print!("{out}");
            Ok(exit::OK)
        }
        Command::WhoCanRead {
            secret,
            inventory,
            demo,
            format,
        } => {
            let inv = match (&inventory, demo) {
                (Some(path), _) => Inventory::load(&path.display().to_string())?,
                (None, _) => demo::inventory(),
            };
            print!(
                "{}",
                crate::access::cli::who_can_read(&inv, &secret, &format)
                    .map_err(|e| Error::Usage(e.0))?
            );
            Ok(exit::OK)
        }
        Command::Scan(args) => run_scan(&args),
        Command::Schema { document } => {
            print!("{}", document.render());
            Ok(exit::OK)
        }

        Command::Init { path, force } => {
            if path.exists() && !force {
                return Err(Error::Usage(format!(
                    "{} already exists: pass --force to overwrite it",
                    path.display()
                )));
            }
            std::fs::write(&path, config::TEMPLATE).map_err(|source| Error::Io {
                action: "write",
                path: path.display().to_string(),
                source,
            })?;
            eprintln!("wrote {}", path.display());
            Ok(exit::OK)
        }
    }
}

/// The config named on the command line, else `./secretlens.toml` when present, else the
/// defaults. Its waivers must name registered checks.
pub fn load_config(explicit: Option<&Path>) -> Result<Config, Error> {
    let path = match explicit {
        Some(p) => p.display().to_string(),
        None if PathBuf::from("secretlens.toml").is_file() => "secretlens.toml".to_string(),
        None => return Ok(Config::default()),
    };
    let cfg = Config::load(&path)?;
    cfg.check_waiver_ids(&path, &|id| checks::meta(id).is_some())?;
    Ok(cfg)
}

/// The collection options of `--profile`, `--regions`, `--endpoint-url`, the account flags and
/// the config's `[collection]`.
fn collect_options(aws: &AwsArgs, cfg: &Config) -> Result<CollectOptions, Error> {
    let c = &cfg.raw.collection;
    let accounts: Vec<String> = aws
        .accounts
        .iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();
    if let Some(bad) = accounts
        .iter()
        .find(|a| a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(Error::Usage(format!(
            "invalid account id {bad:?} in --accounts: expected 12 digits"
        )));
    }
    Ok(CollectOptions {
        profile: aws.profile.clone(),
        regions: aws
            .regions
            .iter()
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect(),
        endpoint_url: aws.endpoint_url.clone(),
        accounts,
        organization: aws.organization,
        role_name: aws.role_name.clone(),
        external_id: aws.external_id.clone(),
        concurrency: c.concurrency,
        account_concurrency: c.account_concurrency,
        call_timeout: std::time::Duration::from_secs(c.call_timeout_secs),
        region_timeout: std::time::Duration::from_secs(c.region_timeout_secs),
        max_attempts: c.max_attempts,
        retry_budget: std::time::Duration::from_secs(c.retry_budget_secs),
        retry_mode: c.retry_mode,
        iam: c.iam,
        progress: std::io::stderr().is_terminal(),
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Collect(format!("cannot start the async runtime: {e}")))
}

fn collect_blocking(aws: &AwsArgs, cfg: &Config) -> Result<Inventory, Error> {
    let opts = collect_options(aws, cfg)?;
    runtime()?.block_on(collect::collect(&opts, cfg))
}

/// `secretlens doctor`: prints the table or JSON and returns 0, 1 (not ready) or 2.
fn run_doctor(aws: &AwsArgs, config: Option<&Path>, format: &str) -> Result<i32, Error> {
    let cfg = load_config(config)?;
    let mut opts = collect_options(aws, &cfg)?;
    // A health check answers in seconds: a short retry budget.
    opts.retry_budget = opts.retry_budget.min(std::time::Duration::from_secs(20));
    opts.progress = false;
    let facts = runtime()?.block_on(collect::doctor::run(&opts))?;
    let usage = crate::doctor::Usage::new(
        &cfg,
        aws.organization,
        opts.regions.iter().any(|r| r.eq_ignore_ascii_case("all")),
        aws.role_name.is_some(),
    );
    let report = crate::doctor::judge(&facts, &usage);
    let text = if format == "json" {
        crate::doctor::to_json(&report)
    } else {
        crate::doctor::to_table(&report)
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(report.exit_code)
}

/// Checks the `s3://` URLs of `--out` and `--baseline` before anything runs.
fn check_locations(args: &RenderArgs) -> Result<(), Error> {
    s3::check_path(Some(&args.out), "--out", true)?;
    s3::check_path(args.baseline.as_deref(), "--baseline", false)
}

/// The inventory of `evaluate`: a local file, an `s3://` object, or a folder of per-account
/// inventories (a local directory, or an `s3://…/` prefix) merged into one.
fn load_inventory(path: &Path, aws: &crate::destinations::AwsContext) -> Result<Inventory, Error> {
    let text = path.to_str().unwrap_or_default();
    let parts = if path.is_dir() {
        Some(crate::merge::load_dir(path)?)
    } else if s3::is_s3(path) && text.ends_with('/') {
        let prefix = s3::S3Url::parse(text, "INVENTORY.json", true)?;
        let client = s3::Client::new(aws)?;
        let urls = client.list_json(&prefix, crate::merge::MAX_PARTS)?;
        if urls.is_empty() {
            return Err(Error::Usage(format!(
                "{prefix} has no inventory (*.json): write them with `secretlens collect --accounts ID -o {prefix}ID.json`"
            )));
        }
        Some(
            urls.iter()
                .map(|u| {
                    let bytes = client.get(u, "read inventory")?;
                    Ok((
                        u.to_string(),
                        Inventory::from_slice(&u.to_string(), &bytes)?,
                    ))
                })
                .collect::<Result<Vec<_>, Error>>()?,
        )
    } else {
        None
    };
    if let Some(parts) = parts {
        eprintln!("merged {} inventories from {}", parts.len(), path.display());
        return crate::merge::merge(parts);
    }
    match s3::read_object(path, "INVENTORY.json", "read inventory", aws)? {
        Some((label, bytes)) => Ok(Inventory::from_slice(&label, &bytes)?),
        None => Ok(Inventory::load(&path.display().to_string())?),
    }
}

/// The `--baseline` report: a local file, or an `s3://` object (its errors are the usage
/// errors of a local baseline, naming the URL).
fn load_baseline(
    path: &Path,
    aws: &crate::destinations::AwsContext,
) -> Result<crate::compare::Baseline, Error> {
    match s3::read_object(path, "--baseline", "read", aws) {
        Ok(Some((label, bytes))) => crate::compare::from_bytes(&label, &bytes),
        Ok(None) => crate::compare::load(path),
        Err(Error::S3(e)) => Err(crate::compare::unusable(&e.url, &e.cause)),
        Err(e) => Err(e),
    }
}

/// Destinations only some commands have.
#[derive(Debug, Default)]
struct Destinations {
    /// `audit --securityhub`.
    securityhub: Option<crate::destinations::securityhub::Options>,
}

/// Evaluates, writes the requested outputs, sends them to the destinations (`--notify`,
/// Security Hub) and returns the exit code (2 when a destination failed).
fn finish(
    inv: &Inventory,
    cfg: &Config,
    args: &RenderArgs,
    aws: &crate::destinations::AwsContext,
    destinations: &Destinations,
    now: DateTime<Utc>,
    generated_at: DateTime<Utc>,
) -> Result<i32, Error> {
    let (code, complete) = finish_reports(inv, cfg, args, aws, destinations, now, generated_at)?;
    Ok(if complete { code } else { exit::INCOMPLETE })
}

/// [`finish`], returning the report's exit code and whether every destination got it (a
/// failed S3 upload or unusable baseline is an error naming what was kept).
fn finish_reports(
    inv: &Inventory,
    cfg: &Config,
    args: &RenderArgs,
    aws: &crate::destinations::AwsContext,
    destinations: &Destinations,
    now: DateTime<Utc>,
    generated_at: DateTime<Utc>,
) -> Result<(i32, bool), Error> {
    // A baseline that cannot be used fails the run (exit 2) after the reports are written
    // without the comparison: a long audit is not lost to it.
    let (baseline, baseline_error) = match args.baseline.as_deref().map(|p| load_baseline(p, aws)) {
        Some(Ok(b)) => (Some(b), None),
        Some(Err(e)) => (None, Some(e)),
        None => (None, None),
    };
    let t = std::time::Instant::now();
    let mut report = evaluate(inv, cfg, now);
    tracing::debug!(ms = t.elapsed().as_millis() as u64, "evaluated");
    report.generated_at = generated_at;
    if let Some(path) = &args.scan {
        report.scan = Some(scan_for_report(path, inv)?);
    }
    if let Some(b) = &baseline {
        crate::compare::compare(&mut report, b);
    }
    let html = render::html::Options {
        passing: args.html_passing,
    };
    let s3::Written { written, failed } =
        s3::write_reports(&report, &args.out, &args.format, &html, aws)?;
    tracing::debug!(ms = t.elapsed().as_millis() as u64, "reports written");
    if args.format.contains(&Format::Text) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(render::text::render(&report, &written, args.fail_on).as_bytes());
    } else if failed.is_none() {
        // (After a failed upload the error names the kept local copy.)
        for p in &written {
            eprintln!("wrote {}", p.display());
        }
    }
    let code = exit_code(&report, args);
    // Alerts need a comparison: none when the baseline could not be used.
    let notified = args.notify.is_empty()
        || (baseline_error.is_none() && notify(&report, args, aws, &written)? == 0);
    let imported = match &destinations.securityhub {
        None => true,
        Some(sh) => {
            let outcomes = crate::destinations::securityhub::import_blocking(&report, aws, sh)?;
            let (text, ok) = crate::destinations::securityhub::summary(&outcomes);
            eprint!("{text}");
            if !ok {
                eprintln!(
                    "error: the Security Hub import is incomplete (see the lines above); the local reports are written and a re-run imports again without duplicates"
                );
            }
            ok
        }
    };
    // A large report is millions of small allocations, and the process ends right after:
    // leave them to the OS instead of freeing them one by one.
    std::mem::forget(report);
    if let Some(e) = failed {
        return Err(e);
    }
    if let Some(e) = baseline_error {
        return Err(Error::Usage(format!(
            "{e}; the reports were written without the comparison"
        )));
    }
    Ok((code, notified && imported))
}

/// `--notify`: sends what changed since the baseline (after the reports are written) and
/// prints one line per target; returns how many targets failed.
fn notify(
    report: &Report,
    args: &RenderArgs,
    aws: &crate::destinations::AwsContext,
    written: &[PathBuf],
) -> Result<usize, Error> {
    use crate::destinations::notify::{self, Outcome};
    let report_url = args.report_url.clone().unwrap_or_else(|| {
        let local = ["report.html", "report.json"]
            .iter()
            .find_map(|name| written.iter().find(|p| p.ends_with(name)))
            .map_or_else(|| args.out.clone(), Clone::clone);
        std::fs::canonicalize(&local)
            .unwrap_or(local)
            .display()
            .to_string()
    });
    let opts = notify::Options {
        targets: &args.notify,
        report_url,
        out: &args.out,
        webhook_timeout: std::time::Duration::from_millis(args.notify_timeout_ms),
        aws,
    };
    let mut failed = 0;
    for outcome in runtime()?.block_on(notify::notify(report, &opts, Utc::now)) {
        match outcome {
            Outcome::Sent(m) | Outcome::Skipped(m) | Outcome::Nothing(m) => eprintln!("{m}"),
            Outcome::Failed(m) => {
                failed += 1;
                eprintln!("error: {m}");
            }
        }
    }
    Ok(failed)
}

/// 2 when coverage is incomplete (unless `--allow-partial`), else 1 when a failing finding
/// is at or above `--fail-on`, else 0.
pub fn exit_code(report: &Report, args: &RenderArgs) -> i32 {
    if !report.coverage_complete && !args.allow_partial {
        return exit::INCOMPLETE;
    }
    let scan_failing = report
        .scan
        .as_ref()
        .map_or(0, |s| s.at_or_above(args.fail_on));
    if report.failing_at_or_above(args.fail_on) + scan_failing > 0 {
        exit::FINDINGS
    } else {
        exit::OK
    }
}

pub fn checks_table() -> String {
    let mut s = format!(
        "{:<6} {:<30} {:<11} {:<9} {}\n",
        "ID", "NAME", "CATEGORY", "SEVERITY", "TITLE"
    );
    for m in checks::all_metas() {
        s.push_str(&format!(
            "{:<6} {:<30} {:<11} {:<9} {}\n",
            m.id,
            m.name,
            m.category.as_str(),
            m.severity.as_str(),
            m.title
        ));
    }
    s
}

/// `secretlens checks --framework NAME`: each control, the checks mapped to it, and why.
pub fn framework_table(fw: &crate::frameworks::Framework) -> String {
    let mut s = format!("{} — {} {}\n{}\n", fw.name, fw.title, fw.version, fw.url);
    for c in &fw.controls {
        s.push_str(&format!("\n{}  {}\n", c.id, c.title));
        for id in &c.checks {
            match checks::meta(id) {
                Some(m) => s.push_str(&format!("  {:<6} {:<30} {}\n", m.id, m.name, m.title)),
                None => s.push_str(&format!("  {id}\n")),
            }
        }
        let words: Vec<&str> = c.justification.split_whitespace().collect();
        let mut line = String::from("  Why:");
        for w in words {
            if line.len() + 1 + w.len() > 96 {
                s.push_str(&line);
                s.push('\n');
                line = String::from("      ");
            }
            line.push(' ');
            line.push_str(w);
        }
        s.push_str(&line);
        s.push('\n');
    }
    s
}

/// `--scan PATH` of audit/evaluate/demo: scans the tree and links found AWS key ids against the
/// inventory's IAM access keys (ids only; nothing is sent anywhere).
fn scan_for_report(path: &Path, inv: &Inventory) -> Result<crate::scan::ScanReport, Error> {
    let mut scan = crate::scan::scan(path, &crate::scan::ScanOptions::default())
        .map_err(|e| Error::Usage(format!("--scan: {e}")))?;
    scan.link_inventory(inv);
    Ok(scan)
}

/// `secretlens scan`: runs the scan, writes the chosen format, returns the exit code.
fn run_scan(args: &crate::cli::ScanArgs) -> Result<i32, Error> {
    use crate::scan::{self, ScanOptions};
    let mut opts = ScanOptions {
        git: args.git,
        since: args.since.clone(),
        max_file_size: args.max_file_size,
        follow_symlinks: args.follow_symlinks,
        threads: args.threads,
        ..ScanOptions::default()
    };
    if let Some(b) = &args.baseline {
        opts.baseline = scan::load_baseline(b).map_err(|e| Error::Usage(e.to_string()))?;
    }
    let mut report = scan::scan(&args.path, &opts).map_err(|e| Error::Usage(e.to_string()))?;
    if let Some(path) = &args.inventory {
        let inv = Inventory::load(&path.display().to_string())?;
        if !report.link_inventory(&inv) {
            eprintln!(
                "warning: {} has no IAM access keys (collect with [collection] iam = true): found key ids are not linked",
                path.display()
            );
        }
    }
    let text = scan::output::render(&report, args.format, args.fail_on);
    match &args.out {
        Some(path) => {
            std::fs::write(path, &text).map_err(|source| Error::Io {
                action: "write",
                path: path.display().to_string(),
                source,
            })?;
            eprintln!(
                "wrote {} ({} findings)",
                path.display(),
                report.findings.len()
            );
        }
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }
    Ok(if report.at_or_above(args.fail_on) > 0 {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The config does not know the check registry; loading one for an audit checks its
    /// waivers' check ids against it, with the message config validation gives.
    #[test]
    fn load_config_rejects_waivers_of_unknown_checks() {
        let dir = tempfile::tempdir().expect("temp dir");
        let waiver = |check: &str| {
            format!(
                "[[waiver]]\ncheck = \"{check}\"\nresource = \"x\"\nreason = \"r\"\nexpires = \"2026-12-31\"\nowner = \"o\"\n"
            )
        };
        let path = dir.path().join("secretlens.toml");
        std::fs::write(&path, waiver("sl101") + &waiver("SL999")).expect("write config");
        let e = load_config(Some(&path)).expect_err("SL999 is not a check");
        assert!(matches!(e, Error::Config(_)), "{e:?}");
        let e = e.to_string();
        assert!(
            e.contains(
                "`waiver[1].check`: unknown check \"SL999\": use a check id such as \"SL101\""
            ),
            "{e}"
        );
        std::fs::write(&path, waiver("sl101")).expect("write config");
        let cfg = load_config(Some(&path)).expect("SL101 is a check");
        assert_eq!(cfg.waivers[0].check, "SL101");
    }
}
