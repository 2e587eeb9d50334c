//! `--notify`: alerts on what changed since the `--baseline` report — the new failing findings
//! and the resolved ones, grouped by check — to SNS, EventBridge or a Slack-compatible webhook.
//!
//! - Nothing changed (no new, no resolved finding): nothing is sent.
//! - Idempotent: a change is named by its [`change key`](Changes::key) (SHA-256 over the
//!   baseline's `generated_at` and the sorted new and resolved finding ids). Each successful
//!   send is recorded at once in `notify-ledger.json` in the `--out` location
//!   ([`read_ledger`] / [`write_ledger`]); a target that already has the key is skipped, so a
//!   retried run resends only to the targets that failed.
//! - Everything in a finding may come from AWS (names, tags) or from the baseline file:
//!   control characters are made visible, every field is bounded, JSON is written by serde,
//!   and Slack mrkdwn gets `&`, `<` and `>` escaped. Each payload is bounded (SNS and
//!   EventBridge 256 KB, the webhook under 100 KB) by listing fewer resources and checks, with
//!   "… and N more".

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::cli::ArgError;
use crate::destinations::AwsContext;
use crate::report::{Change, Finding, Report, Severity};
use crate::sanitize;

crate::error::message_error!(
    /// A notification or ledger failure: one line, naming the target or the file.
    pub NotifyError
);

/// The ledger's file name in the `--out` location.
pub const LEDGER_FILE: &str = "notify-ledger.json";
/// Resources listed per check in an alert.
pub const MAX_RESOURCES: usize = 10;
/// Size limits of one message: SNS and EventBridge accept 256 KB (with their own envelope);
/// webhooks are kept under 100 KB.
pub const SNS_LIMIT: usize = 250_000;
pub const EVENTBRIDGE_LIMIT: usize = 250_000;
pub const WEBHOOK_LIMIT: usize = 95_000;
/// EventBridge `Source` and `DetailType` of the events.
pub const EVENT_SOURCE: &str = "secretlens";
pub const EVENT_DETAIL_TYPE: &str = "secretlens findings changed";
/// Ledger entries kept (the oldest are dropped beyond this).
const LEDGER_MAX_ENTRIES: usize = 10_000;
/// A ledger larger than this is not read (it is not one secretlens wrote).
const LEDGER_MAX_BYTES: u64 = 16 << 20;

/// Where an alert goes: `sns:TOPIC_ARN`, `eventbridge:BUS_NAME_OR_ARN` or `webhook:URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Sns { topic_arn: String, region: String },
    EventBridge { bus: String, region: Option<String> },
    Webhook { url: String },
}

impl Target {
    /// Parses one `--notify` value (the clap value parser).
    pub fn parse(s: &str) -> Result<Target, ArgError> {
        let s = s.trim();
        let shown = bounded(s, 120);
        let bad = |why: &str| {
            ArgError(format!(
                "invalid --notify target {shown:?}: {why} (expected sns:TOPIC_ARN, eventbridge:BUS_NAME_OR_ARN or webhook:URL)"
            ))
        };
        let Some((kind, rest)) = s.split_once(':') else {
            return Err(bad("no kind"));
        };
        if rest.is_empty() || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("empty, or contains spaces or control characters"));
        }
        match kind {
            "sns" => {
                let (region, name) = arn_parts(rest, "sns")
                    .ok_or_else(|| bad("not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)"))?;
                let base = name.strip_suffix(".fifo").unwrap_or(name);
                if base.is_empty()
                    || base.len() > 256
                    || !base
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    return Err(bad("not a valid SNS topic name"));
                }
                Ok(Target::Sns {
                    topic_arn: rest.to_string(),
                    region: region.to_string(),
                })
            }
            "eventbridge" => {
                let (region, name) = if rest.starts_with("arn:") {
                    let (region, resource) = arn_parts(rest, "events").ok_or_else(|| {
                        bad("not an event bus ARN (arn:aws:events:REGION:ACCOUNT:event-bus/NAME)")
                    })?;
                    let name = resource
                        .strip_prefix("event-bus/")
                        .ok_or_else(|| bad("not an event bus ARN"))?;
                    (Some(region.to_string()), name)
                } else {
                    (None, rest)
                };
                if name.is_empty()
                    || name.len() > 256
                    || !name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b))
                {
                    return Err(bad("not a valid event bus name"));
                }
                Ok(Target::EventBridge {
                    bus: rest.to_string(),
                    region,
                })
            }
            "webhook" => {
                let uri: hyper::Uri = rest.parse().map_err(|_| bad("not a URL"))?;
                if !matches!(uri.scheme_str(), Some("http" | "https")) {
                    return Err(bad("the URL must start with https:// (or http://)"));
                }
                if uri.host().is_none_or(str::is_empty) || rest.len() > 2048 {
                    return Err(bad(
                        "the URL has no host, or is longer than 2048 characters",
                    ));
                }
                Ok(Target::Webhook {
                    url: rest.to_string(),
                })
            }
            _ => Err(bad("unknown kind")),
        }
    }
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` → (region, resource).
fn arn_parts<'a>(arn: &'a str, service: &str) -> Option<(&'a str, &'a str)> {
    let mut p = arn.splitn(6, ':');
    let (arn_word, partition, svc, region, account, resource) = (
        p.next()?,
        p.next()?,
        p.next()?,
        p.next()?,
        p.next()?,
        p.next()?,
    );
    let region_ok = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (arn_word == "arn"
        && partition.starts_with("aws")
        && svc == service
        && region_ok
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit()))
    .then_some((region, resource))
}

/// How a target is named in messages and in the ledger. A webhook URL often carries its
/// credential in the path (Slack's do): only its origin and a digest of the whole URL are
/// shown or stored.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Sns { topic_arn, .. } => write!(f, "sns:{topic_arn}"),
            Target::EventBridge { bus, .. } => write!(f, "eventbridge:{bus}"),
            Target::Webhook { url } => {
                let uri: hyper::Uri = url.parse().map_err(|_| fmt::Error)?;
                let origin = match (uri.scheme_str(), uri.authority()) {
                    (Some(s), Some(a)) => {
                        format!("{s}://{}", a.as_str().rsplit('@').next().unwrap_or(""))
                    }
                    _ => String::new(),
                };
                write!(
                    f,
                    "webhook:{origin}/… (sha256 {})",
                    &sha256_hex(url.as_bytes())[..12]
                )
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Untrusted text for a message: control and invisible characters made visible, at most
/// `max` characters (then `…`).
fn bounded(s: &str, max: usize) -> String {
    let clean = sanitize::clean(s);
    if clean.chars().count() <= max {
        return clean;
    }
    let mut out: String = clean.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// What changed since the baseline: the new failing findings and the resolved ones.
#[derive(Debug)]
pub struct Changes<'a> {
    pub new: Vec<&'a Finding>,
    pub resolved: Vec<&'a Finding>,
    pub baseline_generated_at: DateTime<Utc>,
    pub generated_at: DateTime<Utc>,
    /// SHA-256 (hex) over the baseline's `generated_at` and the sorted new and resolved ids.
    pub key: String,
}

impl<'a> Changes<'a> {
    /// The changes of a report compared with a baseline (`None` without `--baseline`).
    pub fn of(report: &'a Report) -> Option<Changes<'a>> {
        let cmp = report.comparison.as_ref()?;
        let new: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.change == Some(Change::New))
            .collect();
        let resolved: Vec<&Finding> = cmp.resolved_findings.iter().collect();
        let key = change_key(cmp.baseline_generated_at, &new, &resolved);
        Some(Changes {
            new,
            resolved,
            baseline_generated_at: cmp.baseline_generated_at,
            generated_at: report.generated_at,
            key,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.new.is_empty() && self.resolved.is_empty()
    }
}

fn change_key(
    baseline_generated_at: DateTime<Utc>,
    new: &[&Finding],
    resolved: &[&Finding],
) -> String {
    fn sorted<'f>(fs: &[&'f Finding]) -> Vec<&'f str> {
        let mut ids: Vec<&str> = fs.iter().map(|f| f.id.as_str()).collect();
        ids.sort_unstable();
        ids
    }
    let mut h = Sha256::new();
    h.update(
        baseline_generated_at
            .to_rfc3339_opts(SecondsFormat::Nanos, true)
            .as_bytes(),
    );
    for (label, ids) in [("new", sorted(new)), ("resolved", sorted(resolved))] {
        h.update(b"\n");
        h.update(label.as_bytes());
        for id in ids {
            h.update(b"\n");
            h.update(id.as_bytes());
        }
    }
    hex(&h.finalize())
}

/// One check's new (or resolved) findings in an alert.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub check_id: String,
    pub check_name: String,
    pub title: String,
    pub severity: Severity,
    pub count: usize,
    pub resources: Vec<AlertResource>,
    /// Resources not listed.
    #[serde(skip_serializing_if = "is_zero")]
    pub more_resources: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertResource {
    pub name: String,
    pub account: String,
    pub region: String,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The alert document: the SNS message and the EventBridge event's `detail`.
#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    pub source: &'static str,
    pub change_key: String,
    pub baseline_generated_at: String,
    pub generated_at: String,
    pub report_url: String,
    pub new_count: usize,
    pub resolved_count: usize,
    pub new: Vec<Group>,
    /// Checks with new findings not listed (the message size limit).
    #[serde(skip_serializing_if = "is_zero")]
    pub more_new_checks: usize,
    pub resolved: Vec<Group>,
    #[serde(skip_serializing_if = "is_zero")]
    pub more_resolved_checks: usize,
}

/// Groups findings by check, worst severity first, listing at most `max_resources` of each.
fn groups(findings: &[&Finding], max_resources: usize) -> Vec<Group> {
    let mut by_check: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_check.entry(f.check_id.as_ref()).or_default().push(f);
    }
    let mut out: Vec<Group> = by_check
        .into_values()
        .map(|mut fs| {
            fs.sort_by(|a, b| {
                (
                    &a.resource.account,
                    &a.resource.region,
                    &a.resource.name,
                    &a.id,
                )
                    .cmp(&(
                        &b.resource.account,
                        &b.resource.region,
                        &b.resource.name,
                        &b.id,
                    ))
            });
            let first = fs[0];
            let listed = fs.len().min(max_resources);
            Group {
                check_id: bounded(&first.check_id, 16),
                check_name: bounded(&first.check_name, 64),
                title: bounded(&first.title, 200),
                severity: fs
                    .iter()
                    .map(|f| f.severity)
                    .max()
                    .unwrap_or(first.severity),
                count: fs.len(),
                resources: fs[..listed]
                    .iter()
                    .map(|f| AlertResource {
                        name: bounded(&f.resource.name, 256),
                        account: bounded(&f.resource.account, 32),
                        region: bounded(&f.resource.region, 32),
                    })
                    .collect(),
                more_resources: fs.len() - listed,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (std::cmp::Reverse(a.severity), &a.check_id)
            .cmp(&(std::cmp::Reverse(b.severity), &b.check_id))
    });
    out
}

impl Alert {
    /// The alert with at most `max_checks` groups per side and `max_resources` per group.
    fn build(ch: &Changes<'_>, report_url: &str, max_checks: usize, max_resources: usize) -> Alert {
        let mut new = groups(&ch.new, max_resources);
        let mut resolved = groups(&ch.resolved, max_resources);
        let more_new_checks = new.len().saturating_sub(max_checks);
        let more_resolved_checks = resolved.len().saturating_sub(max_checks);
        new.truncate(max_checks);
        resolved.truncate(max_checks);
        Alert {
            source: EVENT_SOURCE,
            change_key: ch.key.clone(),
            baseline_generated_at: ch
                .baseline_generated_at
                .to_rfc3339_opts(SecondsFormat::Secs, true),
            generated_at: ch.generated_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            report_url: bounded(report_url, 2048),
            new_count: ch.new.len(),
            resolved_count: ch.resolved.len(),
            new,
            more_new_checks,
            resolved,
            more_resolved_checks,
        }
    }

    /// One-line summary (ASCII, under 100 characters): the SNS subject.
    pub fn subject(&self) -> String {
        format!(
            "secretlens: {} new failing, {} resolved findings",
            self.new_count, self.resolved_count
        )
    }
}

/// Renders the alert with `render`, listing fewer resources, then fewer checks, until the
/// result is at most `limit` bytes.
pub fn fit(
    ch: &Changes<'_>,
    report_url: &str,
    limit: usize,
    render: impl Fn(&Alert) -> String,
) -> String {
    let mut resources = MAX_RESOURCES;
    let mut checks = ch.new.len().max(ch.resolved.len());
    loop {
        let text = render(&Alert::build(ch, report_url, checks, resources));
        if text.len() <= limit || (resources == 0 && checks == 0) {
            return text;
        }
        if resources > 0 {
            resources /= 2;
        } else {
            checks /= 2;
        }
    }
}

/// The alert as JSON (SNS message, EventBridge detail).
pub fn render_json(alert: &Alert) -> String {
    serde_json::to_string(alert).expect("the alert is plain data")
}

/// Slack mrkdwn: `&`, `<` and `>` are control characters there (links, mentions).
fn mrkdwn(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Slack limits: 50 blocks per message, 3000 characters per section.
const SLACK_MAX_SECTIONS: usize = 46;
const SLACK_SECTION_CHARS: usize = 3000;

/// The Slack-compatible webhook payload: `text` (the notification line) and `blocks`.
pub fn render_webhook(alert: &Alert) -> String {
    let link = if (alert.report_url.starts_with("https://")
        || alert.report_url.starts_with("http://"))
        && !alert.report_url.contains(['<', '>', '|', ' '])
    {
        format!(
            "<{}|Open the report>",
            alert.report_url.replace('&', "&amp;")
        )
    } else {
        format!("Report: {}", mrkdwn(&alert.report_url))
    };
    let text = format!(
        "secretlens: {} new failing finding(s), {} resolved since the baseline of {}",
        alert.new_count, alert.resolved_count, alert.baseline_generated_at
    );
    let mut sections = Vec::new();
    let group_sections = |label: &str, gs: &[Group], more_checks: usize, out: &mut Vec<String>| {
        for g in gs {
            let mut s = format!(
                "*{label}* {} {} ({}): {} — {}",
                mrkdwn(&g.check_id),
                mrkdwn(&g.check_name),
                g.severity,
                g.count,
                mrkdwn(&g.title)
            );
            for r in &g.resources {
                s.push_str(&format!(
                    "\n• {} ({}, {})",
                    mrkdwn(&bounded(&r.name, 150)),
                    mrkdwn(&r.account),
                    mrkdwn(&r.region)
                ));
            }
            if g.more_resources > 0 {
                s.push_str(&format!("\n… and {} more", g.more_resources));
            }
            out.push(s);
        }
        if more_checks > 0 {
            out.push(format!("*{label}* … and {more_checks} more checks"));
        }
    };
    group_sections("New", &alert.new, alert.more_new_checks, &mut sections);
    group_sections(
        "Resolved",
        &alert.resolved,
        alert.more_resolved_checks,
        &mut sections,
    );
    if sections.len() > SLACK_MAX_SECTIONS {
        let more = sections.len() - (SLACK_MAX_SECTIONS - 1);
        sections.truncate(SLACK_MAX_SECTIONS - 1);
        sections.push(format!("… and {more} more"));
    }
    let section = |s: &str| {
        // Cut on a line boundary when it is too long, so that no escape is cut in half.
        let mut t = String::new();
        for line in s.lines() {
            if t.chars().count() + line.chars().count() + 20 > SLACK_SECTION_CHARS {
                t.push_str("\n…");
                break;
            }
            if !t.is_empty() {
                t.push('\n');
            }
            t.push_str(line);
        }
        json!({"type": "section", "text": {"type": "mrkdwn", "text": t}})
    };
    let mut blocks = vec![section(&format!("{}\n{link}", mrkdwn(&text)))];
    blocks.extend(sections.iter().map(|s| section(s)));
    json!({"text": text, "blocks": blocks}).to_string()
}

/// One entry of the notification ledger: the change `key` was sent to `target` at `sent_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub key: String,
    pub target: String,
    pub sent_at: DateTime<Utc>,
}

/// `notify-ledger.json`: what was already sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    pub entries: Vec<LedgerEntry>,
}

impl Ledger {
    pub fn has(&self, key: &str, target: &str) -> bool {
        self.entries
            .iter()
            .any(|e| e.key == key && e.target == target)
    }

    fn record(&mut self, key: &str, target: &str, sent_at: DateTime<Utc>) {
        self.entries.push(LedgerEntry {
            key: key.to_string(),
            target: target.to_string(),
            sent_at,
        });
        let excess = self.entries.len().saturating_sub(LEDGER_MAX_ENTRIES);
        self.entries.drain(..excess);
    }
}

fn ledger_path(out: &Path) -> PathBuf {
    out.join(LEDGER_FILE)
}

/// Reads the ledger of the `--out` location; none yet is an empty ledger.
pub fn read_ledger(out: &Path) -> Result<Ledger, NotifyError> {
    let path = ledger_path(out);
    let bad = |why: String| {
        NotifyError(format!(
            "cannot read the notification ledger {}: {why}",
            path.display()
        ))
    };
    let size = match std::fs::metadata(&path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ledger::default()),
        Err(e) => return Err(bad(e.to_string())),
    };
    if size > LEDGER_MAX_BYTES {
        return Err(bad(format!("larger than {LEDGER_MAX_BYTES} bytes")));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| bad(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| {
        bad(format!(
            "not a secretlens ledger ({e}); move it away to start a new one"
        ))
    })
}

/// Writes the ledger into the `--out` location (whole, through a temporary file).
pub fn write_ledger(out: &Path, ledger: &Ledger) -> Result<(), NotifyError> {
    let path = ledger_path(out);
    let bad = |e: std::io::Error| {
        NotifyError(format!(
            "cannot write the notification ledger {}: {e}",
            path.display()
        ))
    };
    std::fs::create_dir_all(out).map_err(bad)?;
    let tmp = out.join(format!(".{LEDGER_FILE}.tmp"));
    let text = serde_json::to_string_pretty(ledger).expect("plain data") + "\n";
    std::fs::write(&tmp, text).map_err(bad)?;
    std::fs::rename(&tmp, &path).map_err(bad)
}

/// The ledger's S3 object when `--out` is an `s3://` prefix.
fn ledger_url(out: &Path) -> Option<Result<super::s3::S3Url, NotifyError>> {
    let text = out.to_str().filter(|_| super::s3::is_s3(out))?;
    Some(
        super::s3::S3Url::parse(text, "--out", true)
            .map(|u| u.join(LEDGER_FILE))
            .map_err(|e| NotifyError(e.to_string())),
    )
}

/// [`read_ledger`] of the `--out` location, local or in S3 (the S3 client runs its own
/// runtime, so it is driven from a plain thread, outside the notification's runtime).
fn load_ledger(opts: &Options<'_>) -> Result<Ledger, NotifyError> {
    let Some(url) = ledger_url(opts.out) else {
        return read_ledger(opts.out);
    };
    let url = url?;
    let aws = opts.aws.clone();
    let got = std::thread::scope(|s| {
        s.spawn(|| {
            let client = super::s3::Client::new(&aws).map_err(|e| e.to_string())?;
            match client.get(&url, "read the notification ledger") {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.cause.starts_with("NoSuchKey") => Ok(None),
                Err(e) => Err(e.to_string()),
            }
        })
        .join()
        .unwrap_or_else(|_| Err("the S3 read stopped".to_string()))
    });
    match got.map_err(NotifyError)? {
        None => Ok(Ledger::default()),
        Some(bytes) if bytes.len() as u64 > LEDGER_MAX_BYTES => Err(NotifyError(format!(
            "cannot read the notification ledger {url}: larger than {LEDGER_MAX_BYTES} bytes"
        ))),
        Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            NotifyError(format!(
                "cannot read the notification ledger {url}: not a secretlens ledger ({e}); move it away to start a new one"
            ))
        }),
    }
}

/// [`write_ledger`] to the `--out` location, local or in S3.
fn store_ledger(opts: &Options<'_>, ledger: &Ledger) -> Result<(), NotifyError> {
    let Some(url) = ledger_url(opts.out) else {
        return write_ledger(opts.out, ledger);
    };
    let url = url?;
    let text = serde_json::to_string_pretty(ledger).expect("plain data") + "\n";
    let aws = opts.aws.clone();
    std::thread::scope(|s| {
        s.spawn(|| {
            super::s3::write_object(
                Path::new(&url.to_string()),
                "--out",
                LEDGER_FILE,
                text.as_bytes(),
                "write the notification ledger",
                &aws,
            )
            .map(|_| ())
            .map_err(|e| NotifyError(e.to_string()))
        })
        .join()
        .unwrap_or_else(|_| Err(NotifyError("the S3 write stopped".to_string())))
    })
}

/// What `--notify` needs besides the report.
#[derive(Debug)]
pub struct Options<'a> {
    pub targets: &'a [Target],
    /// The report link: `--report-url`, else the written report's location.
    pub report_url: String,
    /// The `--out` location (the ledger's home).
    pub out: &'a Path,
    pub webhook_timeout: Duration,
    pub aws: &'a AwsContext,
}

/// The outcome of one target (or of the whole notification when it could not start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent(String),
    Skipped(String),
    Nothing(String),
    Failed(String),
}

/// Sends the alert to every target that does not have it yet; returns one outcome per
/// target (or one `Nothing` when nothing changed). Each success is in the ledger before the
/// next target is tried.
pub async fn notify(
    report: &Report,
    opts: &Options<'_>,
    now: impl Fn() -> DateTime<Utc>,
) -> Vec<Outcome> {
    let Some(ch) = Changes::of(report) else {
        return vec![Outcome::Failed("--notify needs --baseline".to_string())];
    };
    if ch.is_empty() {
        return vec![Outcome::Nothing(
            "notify: no new or resolved findings since the baseline; nothing sent".to_string(),
        )];
    }
    let mut ledger = match load_ledger(opts) {
        Ok(l) => l,
        Err(e) => return vec![Outcome::Failed(format!("notify: {e}; nothing sent"))],
    };
    let mut sdk = None;
    let mut outcomes = Vec::new();
    for target in opts.targets {
        let name = target.to_string();
        if ledger.has(&ch.key, &name) {
            outcomes.push(Outcome::Skipped(format!(
                "notify {name}: this change was already sent (ledger {}); skipped",
                ledger_path(opts.out).display()
            )));
            continue;
        }
        let sent = match target {
            Target::Webhook { url } => {
                let body = fit(&ch, &opts.report_url, WEBHOOK_LIMIT, render_webhook);
                post_webhook(url, body, opts.webhook_timeout).await
            }
            Target::Sns { topic_arn, region } => {
                if sdk.is_none() {
                    sdk = Some(opts.aws.sdk().await);
                }
                let sdk = sdk.as_ref().expect("loaded");
                publish_sns(sdk, topic_arn, region, &ch, &opts.report_url).await
            }
            Target::EventBridge { bus, region } => {
                if sdk.is_none() {
                    sdk = Some(opts.aws.sdk().await);
                }
                let sdk = sdk.as_ref().expect("loaded");
                put_event(sdk, bus, region.as_deref(), &ch, &opts.report_url).await
            }
        };
        match sent {
            Ok(()) => {
                ledger.record(&ch.key, &name, now());
                if let Err(e) = store_ledger(opts, &ledger) {
                    outcomes.push(Outcome::Failed(format!(
                        "notify {name}: sent, but {e}: a retry may send it again"
                    )));
                    continue;
                }
                outcomes.push(Outcome::Sent(format!(
                    "notify {name}: sent {} new, {} resolved",
                    ch.new.len(),
                    ch.resolved.len()
                )));
            }
            Err(why) => outcomes.push(Outcome::Failed(format!("notify {name}: {why}"))),
        }
    }
    outcomes
}

/// An SDK error on one line, bounded.
fn sdk_error(e: &impl std::error::Error) -> String {
    bounded(
        &aws_smithy_types::error::display::DisplayErrorContext(e)
            .to_string()
            .replace('\n', " "),
        400,
    )
}

async fn publish_sns(
    sdk: &aws_config::SdkConfig,
    topic_arn: &str,
    region: &str,
    ch: &Changes<'_>,
    report_url: &str,
) -> Result<(), String> {
    let conf = aws_sdk_sns::config::Builder::from(sdk)
        .region(aws_config::Region::new(region.to_string()))
        .build();
    let client = aws_sdk_sns::Client::from_conf(conf);
    let message = fit(ch, report_url, SNS_LIMIT, render_json);
    let subject = Alert::build(ch, report_url, 0, 0).subject();
    let mut req = client
        .publish()
        .topic_arn(topic_arn)
        .subject(subject)
        .message(message);
    if topic_arn.ends_with(".fifo") {
        req = req
            .message_group_id(EVENT_SOURCE)
            .message_deduplication_id(&ch.key);
    }
    req.send()
        .await
        .map(|_| ())
        .map_err(|e| format!("sns:Publish failed: {}", sdk_error(&e)))
}

async fn put_event(
    sdk: &aws_config::SdkConfig,
    bus: &str,
    region: Option<&str>,
    ch: &Changes<'_>,
    report_url: &str,
) -> Result<(), String> {
    let mut conf = aws_sdk_eventbridge::config::Builder::from(sdk);
    if let Some(r) = region {
        conf = conf.region(aws_config::Region::new(r.to_string()));
    }
    let client = aws_sdk_eventbridge::Client::from_conf(conf.build());
    let detail = fit(ch, report_url, EVENTBRIDGE_LIMIT, render_json);
    let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
        .source(EVENT_SOURCE)
        .detail_type(EVENT_DETAIL_TYPE)
        .event_bus_name(bus)
        .detail(detail)
        .build();
    let out = client
        .put_events()
        .entries(entry)
        .send()
        .await
        .map_err(|e| format!("events:PutEvents failed: {}", sdk_error(&e)))?;
    if out.failed_entry_count() > 0 {
        let first = out.entries().iter().find(|e| e.error_code().is_some());
        return Err(format!(
            "events:PutEvents rejected the event: {} {}",
            bounded(
                first
                    .and_then(|e| e.error_code())
                    .unwrap_or("unknown error"),
                100
            ),
            bounded(first.and_then(|e| e.error_message()).unwrap_or(""), 300)
        ));
    }
    Ok(())
}

/// POSTs the JSON body; a 2xx answer within `timeout` is a success.
async fn post_webhook(url: &str, body: String, timeout: Duration) -> Result<(), String> {
    use http_body_util::Full;
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;

    let req = hyper::Request::post(url)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(
            hyper::header::USER_AGENT,
            concat!("secretlens/", env!("CARGO_PKG_VERSION")),
        )
        .body(Full::new(bytes::Bytes::from(body)))
        .map_err(|e| format!("cannot build the request: {e}"))?;
    let sent = if url.starts_with("https://") {
        let tls = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| format!("cannot load the system's CA certificates: {e}"))?
            .https_only()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(tls);
        tokio::time::timeout(timeout, client.request(req)).await
    } else {
        let client = Client::builder(TokioExecutor::new()).build_http();
        tokio::time::timeout(timeout, client.request(req)).await
    };
    let resp = sent
        .map_err(|_| format!("no answer within {} ms (timeout)", timeout.as_millis()))?
        .map_err(|e| {
            let mut why = format!("request failed: {e}");
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                why.push_str(&format!(": {c}"));
                cause = c.source();
            }
            bounded(&why, 400)
        })?;
    let status = resp.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the webhook answered HTTP {}", status.as_u16()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{Baseline, compare};
    use crate::config::Config;
    use crate::evaluate::evaluate;
    use crate::report::Status;

    /// The demo report compared with a baseline in which `flip` failing findings passed and
    /// `flip` passing findings failed: `flip` new and `flip` resolved.
    fn changed_report(flip: usize) -> Report {
        let inv = crate::demo::inventory();
        let mut r = evaluate(&inv, &Config::default(), inv.as_of.expect("as_of"));
        let mut base = Baseline {
            schema_version: r.schema_version,
            as_of: r.as_of,
            generated_at: r.generated_at,
            findings: r.findings.clone(),
            label: "base.json".to_string(),
        };
        let (mut fails, mut passes) = (0, 0);
        for f in &mut base.findings {
            if f.status == Status::Fail && fails < flip {
                f.status = Status::Pass;
                fails += 1;
            } else if f.status == Status::Pass && passes < flip {
                f.status = Status::Fail;
                passes += 1;
            }
        }
        compare(&mut r, &base);
        r
    }

    #[test]
    fn targets_parse_or_say_what_is_expected() {
        let sns = Target::parse("sns:arn:aws:sns:eu-west-1:111122223333:alerts.fifo").expect("sns");
        assert_eq!(
            sns,
            Target::Sns {
                topic_arn: "arn:aws:sns:eu-west-1:111122223333:alerts.fifo".into(),
                region: "eu-west-1".into()
            }
        );
        assert_eq!(
            Target::parse("eventbridge:default").expect("bus"),
            Target::EventBridge {
                bus: "default".into(),
                region: None
            }
        );
        let arn = "arn:aws:events:us-east-2:111122223333:event-bus/sec";
        assert_eq!(
            Target::parse(&format!("eventbridge:{arn}")).expect("bus arn"),
            Target::EventBridge {
                bus: arn.into(),
                region: Some("us-east-2".into())
            }
        );
        assert!(Target::parse("webhook:http://127.0.0.1:9/x").is_ok());
        for bad in [
            "slack:https://x",
            "sns:alerts",
            "sns:arn:aws:sns:us-east-1:1234:alerts",
            "sns:arn:aws:sqs:us-east-1:111122223333:alerts",
            "eventbridge:arn:aws:events:us-east-1:111122223333:rule/x",
            "eventbridge:bad bus",
            "webhook:ftp://example.com/x",
            "webhook:not a url",
            "webhook:",
            "nokind",
        ] {
            let e = Target::parse(bad).expect_err(bad).0;
            assert!(e.starts_with("invalid --notify target"), "{e}");
            assert!(e.contains("expected sns:TOPIC_ARN"), "{e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn a_webhook_is_named_without_its_path() {
        let t =
            Target::parse("webhook:https://user:pw@hooks.example.com/services/T0/B0/SECRETTOKEN")
                .expect("url");
        let name = t.to_string();
        assert!(
            name.starts_with("webhook:https://hooks.example.com/… (sha256 "),
            "{name}"
        );
        assert!(
            !name.contains("SECRETTOKEN") && !name.contains("pw"),
            "{name}"
        );
        let other =
            Target::parse("webhook:https://hooks.example.com/services/T0/B0/OTHER").expect("url");
        assert_ne!(other.to_string(), name);
    }

    #[test]
    fn the_change_key_names_the_change_not_the_order() {
        let r = changed_report(3);
        let ch = Changes::of(&r).expect("compared");
        assert_eq!((ch.new.len(), ch.resolved.len()), (3, 3));
        let mut new = ch.new.clone();
        new.reverse();
        assert_eq!(
            change_key(ch.baseline_generated_at, &new, &ch.resolved),
            ch.key
        );
        assert_ne!(
            change_key(ch.baseline_generated_at, &new[1..], &ch.resolved),
            ch.key
        );
        assert_ne!(
            change_key(ch.baseline_generated_at, &ch.resolved, &new),
            ch.key
        );
        let later = ch.baseline_generated_at + chrono::Duration::seconds(1);
        assert_ne!(change_key(later, &new, &ch.resolved), ch.key);
        assert_eq!(ch.key.len(), 64);
        assert!(
            Changes::of(&changed_report(0))
                .expect("compared")
                .is_empty()
        );
    }

    #[test]
    fn alerts_group_by_check_and_say_how_many_more() {
        let r = changed_report(40);
        let ch = Changes::of(&r).expect("compared");
        let a = Alert::build(&ch, "https://reports.example/r.html", usize::MAX, 2);
        assert_eq!(a.new.iter().map(|g| g.count).sum::<usize>(), 40);
        assert_eq!(a.resolved.iter().map(|g| g.count).sum::<usize>(), 40);
        for g in a.new.iter().chain(&a.resolved) {
            assert_eq!(g.resources.len() + g.more_resources, g.count, "{g:?}");
            assert!(g.resources.len() <= 2);
        }
        assert!(a.new.windows(2).all(|w| w[0].severity >= w[1].severity));
        let ids: Vec<&str> = a.new.iter().map(|g| g.check_id.as_str()).collect();
        let mut dedup = ids.clone();
        dedup.dedup();
        assert_eq!(ids, dedup, "one group per check");
        assert!(a.subject().is_ascii() && a.subject().len() <= 100);

        // Tight limits: fewer resources, then fewer checks, and it says so.
        let small = fit(&ch, "u", 1500, render_json);
        assert!(small.len() <= 1500, "{}", small.len());
        let v: serde_json::Value = serde_json::from_str(&small).expect("json");
        assert_eq!(v["new_count"], 40);
        assert!(v["more_new_checks"].as_u64().unwrap_or(0) > 0, "{v}");
        let hook = fit(&ch, "u", 2500, render_webhook);
        assert!(hook.len() <= 2500, "{}", hook.len());
        assert!(hook.contains("more"), "{hook}");
        // Unbounded: everything listed, up to 10 resources per check.
        let full: serde_json::Value =
            serde_json::from_str(&fit(&ch, "u", SNS_LIMIT, render_json)).expect("json");
        assert!(full.get("more_new_checks").is_none());
    }

    #[test]
    fn hostile_names_are_escaped_bounded_and_visible() {
        let mut r = changed_report(1);
        let i = r
            .findings
            .iter()
            .position(|f| f.change == Some(Change::New))
            .expect("a new finding");
        let evil = format!(
            "<!channel> & <https://evil|click>\u{1b}[31m\"}}{}",
            "x".repeat(5000)
        );
        r.findings[i].resource.name = evil.as_str().into();
        let ch = Changes::of(&r).expect("compared");
        let hook = fit(
            &ch,
            "https://r.example/a?b=1&c=2",
            WEBHOOK_LIMIT,
            render_webhook,
        );
        let v: serde_json::Value = serde_json::from_str(&hook).expect("valid JSON");
        let blocks = v["blocks"].to_string();
        assert!(
            !blocks.contains("<!channel>") && !blocks.contains("<https://evil"),
            "{blocks}"
        );
        assert!(
            blocks.contains("&lt;!channel&gt; &amp; &lt;https://evil|click&gt;"),
            "{blocks}"
        );
        assert!(
            blocks.contains("[U+001B]") && !blocks.contains('\u{1b}'),
            "{blocks}"
        );
        assert!(
            blocks.contains("<https://r.example/a?b=1&amp;c=2|Open the report>"),
            "{blocks}"
        );
        let json = fit(&ch, "u", SNS_LIMIT, render_json);
        let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        let name = v["new"][0]["resources"][0]["name"].as_str().expect("name");
        assert!(name.chars().count() <= 256 && name.ends_with('…'), "{name}");
        assert!(
            name.starts_with("<!channel> & <https://evil|click>[U+001B]"),
            "{name}"
        );
    }

    #[test]
    fn the_ledger_round_trips_and_refuses_foreign_files() {
        let dir = tempfile::tempdir().expect("tmp");
        let out = dir.path().join("out");
        assert_eq!(read_ledger(&out).expect("none yet"), Ledger::default());
        let mut l = Ledger::default();
        let t = DateTime::parse_from_rfc3339("2026-11-30T00:00:00Z")
            .expect("t")
            .with_timezone(&Utc);
        l.record("k1", "sns:a", t);
        write_ledger(&out, &l).expect("write");
        let back = read_ledger(&out).expect("read");
        assert!(back.has("k1", "sns:a") && !back.has("k1", "sns:b") && !back.has("k2", "sns:a"));
        std::fs::write(out.join(LEDGER_FILE), "[1, 2]").expect("write");
        let e = read_ledger(&out).expect_err("foreign").0;
        assert!(
            e.contains("notify-ledger.json") && e.contains("not a secretlens ledger"),
            "{e}"
        );
    }
}
