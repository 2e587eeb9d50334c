//! The command line (clap).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};

use crate::render::Format;
use crate::report::Severity;

#[derive(Debug, Parser)]
#[command(
    name = "secretlens",
    version,
    about = "Audit AWS Secrets Manager posture: rotation, usage, naming, tags, encryption and collection gaps.",
    long_about = "Audit AWS Secrets Manager posture: rotation, usage, naming, tags, encryption and collection gaps.\n\n\
secretlens is read-only and never reads secret values (it never calls GetSecretValue).\n\n\
Start with `secretlens demo` (no AWS needed), then `secretlens audit --regions us-east-1`.\n\
Exit codes: 0 = no failing finding at or above --fail-on; 1 = failing findings; \
2 = the audit could not be completed (bad input, or coverage gaps without --allow-partial).",
    after_help = "Examples:\n  secretlens demo\n  secretlens audit --profile prod --regions us-east-1,eu-west-1\n  secretlens collect -o inventory.json && secretlens evaluate inventory.json\n  secretlens explain SL103"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect from AWS, evaluate every check, and write the reports.
    Audit {
        #[command(flatten)]
        aws: AwsArgs,
        #[command(flatten)]
        render: RenderArgs,
    },
    /// Collect from AWS into an inventory file, for `evaluate` later or elsewhere.
    Collect {
        #[command(flatten)]
        aws: AwsArgs,
        /// Where to write the inventory JSON.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
        /// Config file (default: ./secretlens.toml when present). Collection reads the
        /// [collection] and [replication] sections.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Evaluate a saved inventory (from `collect -o`) and write the reports.
    Evaluate {
        /// The inventory JSON written by `secretlens collect -o`.
        #[arg(value_name = "INVENTORY.json")]
        inventory: PathBuf,
        #[command(flatten)]
        render: RenderArgs,
    },
    /// Audit the embedded demo account (no AWS needed) and write the reports.
    Demo {
        #[command(flatten)]
        render: RenderArgs,
        /// Write the demo inventory JSON to this file as well (an example of the format).
        #[arg(long, value_name = "FILE")]
        inventory_out: Option<PathBuf>,
    },
    /// List every check: id, name, category, severity, title.
    Checks,
    /// Show a check's documentation: what it checks, why, an example, limitations, remediation.
    Explain {
        /// Check id (SL101) or name (rotation-disabled).
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Write a commented secretlens.toml with every parameter and its default.
    Init {
        /// Where to write it.
        #[arg(default_value = "secretlens.toml", value_name = "FILE")]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct AwsArgs {
    /// AWS profile from ~/.aws/config (default: the SDK's usual credential chain).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Comma-separated regions to audit (default: the configured region).
    #[arg(long, value_delimiter = ',', value_name = "REGION,...")]
    pub regions: Vec<String>,
    /// Send every AWS call to this endpoint (e.g. a local test server). AWS_ENDPOINT_URL is
    /// honoured too.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Config file (default: ./secretlens.toml when present, else built-in defaults).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Directory for report.json and report.html.
    #[arg(long, default_value = "secretlens-report", value_name = "DIR")]
    pub out: PathBuf,
    /// Comma-separated outputs: json, html, text (text is the terminal summary on stdout).
    #[arg(long, value_delimiter = ',', default_value = "json,html,text", value_name = "FORMAT,...")]
    pub format: Vec<Format>,
    /// Exit 1 when a failing finding has this severity or higher: critical, high, medium,
    /// low, info.
    #[arg(long, default_value = "high", value_parser = parse_severity, value_name = "SEVERITY")]
    pub fail_on: Severity,
    /// Evaluate as of this instant (RFC 3339, e.g. 2026-01-31T00:00:00Z) instead of now.
    #[arg(long, value_parser = parse_as_of, value_name = "RFC3339")]
    pub as_of: Option<DateTime<Utc>>,
    /// Exit 0/1 even when some data could not be collected (the gaps stay in the report as
    /// SL901 findings and `error` statuses).
    #[arg(long)]
    pub allow_partial: bool,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s).ok_or_else(|| format!("unknown severity {s:?}: use critical, high, medium, low or info"))
}

fn parse_as_of(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| format!("{e}: expected an RFC 3339 instant such as 2026-01-31T00:00:00Z"))
}
