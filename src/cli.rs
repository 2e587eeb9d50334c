//! The command line (clap).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};

use crate::render::Format;
use crate::vocab::Severity;

#[derive(Debug, Parser)]
#[command(
    name = "secretlens",
    version,
    about = "Audit AWS Secrets Manager posture (rotation, usage, naming, tags, encryption, replication, who can read each secret, CloudTrail evidence) and find credentials kept outside it (AWS configuration, source trees, git history).",
    long_about = "Audit AWS Secrets Manager posture: rotation, usage, naming, tags, KMS encryption, replication, who can read each secret (IAM and resource policies), CloudTrail evidence, credentials left in Lambda/ECS/EC2/CloudFormation/SSM/CodeBuild configuration, and hardcoded credentials in source trees and git history.\n\n\
secretlens is read-only and never reads secret values (it never calls GetSecretValue).\n\n\
Start with `secretlens demo` (no AWS needed), then `secretlens audit --regions us-east-1`.\n\
Exit codes: 0 = no failing finding at or above --fail-on; 1 = failing findings; \
2 = the audit could not be completed (bad input, or coverage gaps without --allow-partial).",
    after_help = "Examples:\n  secretlens demo\n  secretlens audit --profile prod --regions us-east-1,eu-west-1\n  secretlens collect -o inventory.json && secretlens evaluate inventory.json\n  secretlens explain SL103"
)]
pub struct Cli {
    /// Log what happens to stderr (RUST_LOG-style filters in RUST_LOG override the default
    /// `secretlens=debug,aws=info`). Credentials and secret material are never logged.
    #[arg(short, long, global = true)]
    pub verbose: bool,
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
        /// Import the failing findings into AWS Security Hub (BatchImportFindings, in each
        /// audited account and region; with --accounts/--organization through --role-name) and
        /// archive the ones an earlier run imported that no longer fail. Needs
        /// securityhub:GetFindings and securityhub:BatchImportFindings (docs/outputs.md).
        #[arg(long)]
        securityhub: bool,
    },
    /// Collect from AWS into an inventory file, for `evaluate` later or elsewhere.
    Collect {
        #[command(flatten)]
        aws: AwsArgs,
        /// Where to write the inventory JSON: a file, or an S3 object `s3://BUCKET/KEY`
        /// (uploaded with the audit's credentials and endpoint).
        #[arg(short = 'o', long = "output", value_name = "FILE|s3://BUCKET/KEY")]
        output: PathBuf,
        /// Config file (default: ./secretlens.toml when present). Collection reads the
        /// [collection] and [replication] sections.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// List the organization's active accounts as a JSON array of {account_id, name, ou_path}:
    /// the item list a Step Functions Distributed Map reads (deploy/, docs/deploy.md). Needs
    /// organizations:ListAccounts and ListParents (management account or delegated admin).
    Accounts {
        #[command(flatten)]
        aws: AwsArgs,
        /// Where to write the JSON array: a file or `s3://BUCKET/KEY`.
        #[arg(short = 'o', long = "output", value_name = "FILE|s3://BUCKET/KEY")]
        output: PathBuf,
    },
    /// Check what the audit needs before a scheduled run depends on it: the caller's identity,
    /// each region's reachability, and every permission of the least-privilege policy.
    #[command(long_about = DOCTOR_HELP)]
    Doctor {
        #[command(flatten)]
        aws: AwsArgs,
        /// Config file (default: ./secretlens.toml when present): which optional features
        /// ([cloudtrail], [exposure] sources, collection.iam) the audit will use.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// `table` (default) or `json`.
        #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
    /// Evaluate a saved inventory (from `collect -o`), or a directory of per-account
    /// inventories merged into one, and write the reports.
    Evaluate {
        /// The inventory JSON written by `secretlens collect -o` (a file, or an S3 object
        /// `s3://BUCKET/KEY` read with --profile/--endpoint-url), or a directory whose *.json
        /// files are inventories of distinct accounts (one `collect --accounts ID` each): they
        /// are merged into the inventory one multi-account collection would have written.
        #[arg(value_name = "INVENTORY.json|DIR|s3://BUCKET/KEY")]
        inventory: PathBuf,
        /// The accounts the inventories should cover: the JSON list `secretlens accounts
        /// --organization -o` writes (a file or `s3://BUCKET/KEY`). An account listed there
        /// without an inventory (its collection task failed or timed out) is an SL901 gap for
        /// that account, so the report does not look complete without it.
        #[arg(long, value_name = "accounts.json")]
        expect_accounts: Option<PathBuf>,
        #[command(flatten)]
        render: RenderArgs,
        #[command(flatten)]
        aws: DestinationAwsArgs,
    },
    /// Audit the embedded demo account (no AWS needed) and write the reports.
    Demo {
        #[command(flatten)]
        render: RenderArgs,
        #[command(flatten)]
        aws: DestinationAwsArgs,
        /// Write the demo inventory JSON to this file (or `s3://BUCKET/KEY`) as well (an
        /// example of the format).
        #[arg(long, value_name = "FILE")]
        inventory_out: Option<PathBuf>,
        /// Exit with the audit's exit codes (1 on failing findings, 2 on coverage gaps) instead
        /// of 0 once the reports are written: to try out CI gating on the demo account.
        #[arg(long)]
        exit_code: bool,
    },
    /// List every check: id, name, category, severity, title. With --framework, list that
    /// framework's controls and the checks mapped to each.
    Checks {
        /// A framework id or name: aws-fsbp, aws-config, cis-aws, nist-800-53, pci-dss.
        #[arg(long, value_name = "NAME")]
        framework: Option<String>,
        /// Print the README's check table (Markdown) instead.
        #[arg(long, conflicts_with = "framework")]
        markdown: bool,
    },
    /// Show a check's documentation: what it checks, why, an example, limitations, remediation.
    Explain {
        /// Check id (SL101) or name (rotation-disabled).
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Decide one IAM request offline (identity, resource, boundary, session, SCP and RCP
    /// policies) and print the decision as JSON.
    #[command(long_about = SIMULATE_HELP)]
    Simulate {
        /// The request JSON file (see `secretlens simulate --help` for the format).
        #[arg(long, value_name = "FILE")]
        request: PathBuf,
    },
    /// Print who can read a secret (effective access: identity policies, resource policy, KMS
    /// key policy, explicit denies, boundaries), from a saved inventory or the demo account.
    WhoCanRead {
        /// The secret's name or ARN.
        #[arg(value_name = "SECRET")]
        secret: String,
        /// The inventory JSON written by `secretlens collect -o`.
        #[arg(
            long,
            value_name = "FILE",
            required_unless_present = "demo",
            conflicts_with = "demo"
        )]
        inventory: Option<PathBuf>,
        /// Use the embedded demo account.
        #[arg(long)]
        demo: bool,
        /// `table` (default) or `json`.
        #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
    /// Scan a source tree (or with --git its whole history) for hardcoded credentials.
    #[command(long_about = SCAN_HELP)]
    Scan(ScanArgs),
    /// Print the JSON Schema (draft 2020-12) of report.json or of the inventory JSON (the
    /// files published in the repository's schema/ directory).
    Schema {
        /// `report` or `inventory`.
        #[arg(value_enum, value_name = "DOCUMENT")]
        document: crate::schema::Document,
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

const DOCTOR_HELP: &str =
    "Check what the audit needs before a scheduled run depends on it, read-only \
(it never reads a secret value):

  - the caller's identity and account (sts:GetCallerIdentity; failing is fatal, as for `audit`);
  - each region's reachability: one secretsmanager:ListSecrets (MaxResults 1), with its latency
    and the plain cause of a failure;
  - every permission of the README's least-privilege policy and the optional ones (CloudTrail,
    the [exposure] sources, organizations:ListAccounts, account:ListRegions), decided by
    iam:SimulatePrincipalPolicy when the caller may call it (an assumed-role session is simulated
    as its role, found with iam:GetRole), otherwise by one minimal read call each (a listing of one
    item, or a describe of a resource that does not exist: not-found means allowed). The METHOD
    column says which decided each row: simulated, probed or not tested. A probe that cannot tell
    (throttled, HTTP 5xx after retries, no answer) is `unknown`, never ok.

For every missing permission it names the checks that will report `error` in the audit. NEED is
`required` (Secrets Manager, KMS, and IAM while collection.iam is on), `optional`, or `unused` when
this configuration and these flags do not call it.

Output: a table on stdout, or with --format json one JSON document (identity, regions,
permissions, problems, ready, exit_code).

Exit codes: 0 = ready (identity, every region reachable, every required permission allowed; a
missing optional permission is a warning); 1 = not ready (a required permission denied or
untestable, or a region unreachable); 2 = cannot run (the caller's identity cannot be established,
bad input).";

const SIMULATE_HELP: &str = "Decide one IAM authorization request offline, with AWS's evaluation logic, like \
`aws iam simulate-custom-policy` but covering every policy type: explicit denies, RCPs, SCPs, the resource \
policy (or KMS key policy), identity policies, the permissions boundary and the session policy, same-account \
and cross-account. Nothing is sent to AWS.

Request file (JSON; every field but principal and action is optional):
  principal            IAM user/role ARN, arn:aws:sts::ACCT:assumed-role/ROLE/SESSION,
                       arn:aws:sts::ACCT:federated-user/NAME, arn:aws:iam::ACCT:root,
                       a service principal (lambda.amazonaws.com) or \"anonymous\"
  action               service:Action (case-insensitive), e.g. secretsmanager:GetSecretValue
  resource             an ARN, or \"*\" (default) for actions without a resource type
  resource_account     the resource's account when the ARN has none (or to override it)
  context              {\"key\": \"value\" | [\"v1\", \"v2\"] | number | bool | null}; keys are
                       case-insensitive; null = absent; keys not given are unknown
  identity_policies    [policy, ...]
  resource_policy      policy or null (for a KMS key, the key policy)
  permission_boundary  policy or null
  session_policy       policy or null
  scps                 [[policy, ...] per level, root first]; [] = no SCPs
  rcps                 same shape; AWS's RCPFullAWSAccess is implied at every level
A policy is a JSON object or a JSON string holding one.

Response (stdout):
  {\"decision\": \"allow\" | \"explicit_deny\" | \"implicit_deny\",
   \"blocked_by\": [\"scp\" | \"resource_policy\" | \"identity\" | \"permission_boundary\" |
                  \"session_policy\" | \"explicit_deny:<type>\", ...],
   \"statements\": [{\"policy\": \"identity[0]\" | \"resource_policy\" | \"scp[1][0]\" | ..., \"index\": 0,
                   \"sid\": ..., \"effect\": \"Allow\" | \"Deny\", \"conditional_on\"?: [...]}],
   \"conditional_on\": [keys],  (only when unknown context keys could change the decision)
   \"warnings\": [\"path: why\"]} (only for what AWS would refuse to store but evaluates, e.g. an
                               action with trailing whitespace, which matches nothing)
The decision is AWS's answer for the request as given (unknown keys absent); conditional_on names
the missing keys that decide it, e.g. implicit_deny conditional_on [\"aws:SourceIp\"] = allowed if
the source IP matches.

Exit codes: 0 whatever the decision; 2 on a bad request (unreadable file, invalid JSON, missing
principal or action, a malformed policy, named with its path).";

#[derive(Debug, Args)]
pub struct AwsArgs {
    /// AWS profile from ~/.aws/config (default: the SDK's usual credential chain).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Comma-separated regions to audit, or `all` for every region enabled for the account
    /// (default: the configured region).
    #[arg(long, value_delimiter = ',', value_name = "REGION,...")]
    pub regions: Vec<String>,
    /// Send every AWS call to this endpoint (e.g. a local test server). AWS_ENDPOINT_URL is
    /// honoured too.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Comma-separated account ids to audit by assuming --role-name in each (default: the
    /// caller's account). Use `all` in --regions for every enabled region of each.
    #[arg(
        long,
        visible_alias = "account",
        value_delimiter = ',',
        value_name = "ID,...",
        conflicts_with = "organization"
    )]
    pub accounts: Vec<String>,
    /// Audit every active account of the AWS Organization (needs organizations:ListAccounts,
    /// from the management account or a delegated administrator).
    #[arg(long)]
    pub organization: bool,
    /// Read-only role to assume in each account of --accounts / --organization.
    #[arg(long, value_name = "NAME")]
    pub role_name: Option<String>,
    /// External id to pass when assuming --role-name.
    #[arg(long, value_name = "ID", requires = "role_name")]
    pub external_id: Option<String>,
}

/// AWS access for destinations (S3, notifications) in commands that do not collect.
#[derive(Debug, Args, Default, Clone)]
pub struct DestinationAwsArgs {
    /// AWS profile for S3 and notification destinations (default: the SDK's usual chain).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Send destination calls (S3, SNS, EventBridge) to this endpoint. AWS_ENDPOINT_URL is
    /// honoured too.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

impl DestinationAwsArgs {
    pub fn context(&self) -> crate::destinations::AwsContext {
        crate::destinations::AwsContext {
            profile: self.profile.clone(),
            endpoint_url: self.endpoint_url.clone(),
            region: None,
        }
    }
}

impl AwsArgs {
    /// The audit's own access, for its destinations.
    pub fn context(&self) -> crate::destinations::AwsContext {
        crate::destinations::AwsContext {
            profile: self.profile.clone(),
            endpoint_url: self.endpoint_url.clone(),
            region: self
                .regions
                .iter()
                .find(|r| !r.eq_ignore_ascii_case("all"))
                .cloned(),
        }
    }
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Config file (default: ./secretlens.toml when present, else built-in defaults).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Directory for report.json, report.html (and report.ocsf.jsonl with --format ocsf), or
    /// an S3 prefix `s3://BUCKET/PREFIX/`: the reports are written to a temporary directory,
    /// then uploaded under the prefix (kept locally if an upload fails).
    #[arg(
        long,
        default_value = "secretlens-report",
        value_name = "DIR|s3://BUCKET/PREFIX/"
    )]
    pub out: PathBuf,
    /// Comma-separated outputs: json, html, text (text is the terminal summary on stdout), ocsf
    /// (OCSF 1.5.0 events in report.ocsf.jsonl), asff (AWS Security Finding Format in
    /// report.asff.json): docs/outputs.md.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "json,html,text",
        value_name = "FORMAT,..."
    )]
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
    /// A previous report.json (a file or `s3://BUCKET/KEY`): mark findings as new, still
    /// failing or resolved (matched by the stable finding id) in the JSON, the HTML and the
    /// terminal summary. If it cannot be used, the reports are written without the comparison
    /// and the run exits 2.
    #[arg(long, value_name = "PREVIOUS_report.json")]
    pub baseline: Option<PathBuf>,
    /// Passing and not-applicable findings in report.html: `summary` (default) collapses them
    /// into per-secret counts when the report has more than 500 secrets; `full` always lists
    /// them. report.json always has every finding.
    #[arg(long, value_enum, default_value = "summary", value_name = "MODE")]
    pub html_passing: crate::render::html::Passing,
    /// Also scan this source tree for hardcoded credentials (as `secretlens scan PATH`): the
    /// findings go into the report (`scan` in report.json, "Hardcoded credentials" in
    /// report.html, the terminal summary) and count for --fail-on; AWS access key ids found are
    /// linked against the audited account's IAM access keys (ids only).
    #[arg(long, value_name = "PATH")]
    pub scan: Option<PathBuf>,
    /// With --baseline: alert on what changed (new failing findings, resolved ones) once the
    /// reports are written. Repeatable or comma-separated: `sns:TOPIC_ARN`,
    /// `eventbridge:BUS_NAME_OR_ARN`, `webhook:URL` (https, Slack-compatible JSON). Nothing is
    /// sent when nothing changed, and a change already sent to a target (recorded in
    /// notify-ledger.json in --out) is not sent again (docs/outputs.md, Notifications).
    #[arg(
        long,
        value_delimiter = ',',
        value_parser = crate::destinations::notify::Target::parse,
        requires = "baseline",
        value_name = "TARGET,..."
    )]
    pub notify: Vec<crate::destinations::notify::Target>,
    /// The report link in notifications (e.g. where the report is hosted) instead of the
    /// --out location.
    #[arg(long, value_name = "URL", requires = "notify")]
    pub report_url: Option<String>,
    /// Webhook timeout in milliseconds (tests shorten it).
    #[arg(long, hide = true, default_value_t = 10_000, value_name = "MS")]
    pub notify_timeout_ms: u64,
}

crate::error::message_error!(
    /// A command-line value that does not parse (clap prints it as the usage error).
    pub ArgError
);

fn parse_severity(s: &str) -> Result<Severity, ArgError> {
    Severity::parse(s).ok_or_else(|| {
        ArgError(format!(
            "unknown severity {s:?}: use critical, high, medium, low or info"
        ))
    })
}

fn parse_as_of(s: &str) -> Result<DateTime<Utc>, ArgError> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            ArgError(format!(
                "{e}: expected an RFC 3339 instant such as 2026-01-31T00:00:00Z"
            ))
        })
}

const SCAN_HELP: &str = "Scan a source tree, or with --git every blob of a repository's history, for hardcoded \
credentials: AWS access keys (with the owning account decoded offline), secret keys and session tokens, \
GitHub, GitLab, Slack, Stripe and Google tokens, private keys (PEM, OpenSSH, PuTTY), JWTs, passwords in \
URLs, and password/secret/token/API-key assignments (placeholders, templates and code are ignored).

The tree walk respects .gitignore and skips binaries, lock files, vendored directories (node_modules, \
vendor, ...) and minified bundles. Findings show a redacted preview (first 4 and last 2 characters), never \
the secret, and a stable fingerprint (rule id + secret) for --baseline.

Accept a finding with `secretlens:allow` in a comment on its line, or save a scan with \
`--format json --out baseline.json` and pass `--baseline baseline.json` later.

Exit codes: 0 = no finding at or above --fail-on; 1 = findings at or above --fail-on; 2 = the scan \
could not run (missing path, not a git repository, bad --since or --baseline).";

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The directory or file to scan (with --git: a path inside the repository).
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,
    /// Scan every blob reachable from every ref (branches, tags, remotes) once, reporting the
    /// oldest commit that introduced each secret.
    #[arg(long)]
    pub git: bool,
    /// With --git: only commits not reachable from REV (a branch, tag or commit), for
    /// incremental CI scans.
    #[arg(long, value_name = "REV", requires = "git")]
    pub since: Option<String>,
    /// Output format: text, json or sarif (SARIF 2.1.0 for code-scanning UIs).
    #[arg(long, value_enum, default_value = "text", value_name = "FORMAT")]
    pub format: crate::scan::output::ScanFormat,
    /// Write the output to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// A previous `scan --format json` output: findings with its fingerprints are dropped.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Exit 1 when a finding has this severity or higher: critical, high, medium, low, info.
    #[arg(long, default_value = "high", value_parser = parse_severity, value_name = "SEVERITY")]
    pub fail_on: Severity,
    /// Skip files (and blobs) larger than this many bytes.
    #[arg(long, default_value_t = 20 * 1024 * 1024, value_name = "BYTES")]
    pub max_file_size: u64,
    /// Follow symbolic links (loops are detected and reported as skipped).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,
    /// An inventory from `secretlens collect -o` (with IAM collected): AWS access key ids found
    /// are compared (ids only) with its IAM users' access keys: active in this account →
    /// critical, inactive, or unknown.
    #[arg(long, value_name = "INVENTORY.json")]
    pub inventory: Option<PathBuf>,
}
