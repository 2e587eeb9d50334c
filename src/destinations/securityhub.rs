//! `audit --securityhub`: the report's failing findings go to AWS Security Hub
//! (BatchImportFindings), each into its own account and region, and the findings an earlier run
//! imported that no longer fail are archived.
//!
//! Per account (the caller's credentials, or `--role-name` assumed in it like the collection
//! does) and region:
//! 1. GetFindings lists the secretlens findings that are ACTIVE there (our product ARN,
//!    `GeneratorId` prefix `secretlens/`; filtered again on our side).
//! 2. Every `fail` finding is imported, ACTIVE (ids are stable: a re-run updates it).
//! 3. Every ACTIVE one that now passes, is suppressed by a waiver, is not applicable or is gone
//!    is imported again ARCHIVED. One that could not be evaluated now (`error`) is left as it
//!    is: its state is unknown.
//!
//! Calls go 100 findings at a time (the API's limit). A failure in one account or region does
//! not stop the others; every failure is one line, and the run then exits 2 (the local reports
//! are already written).

use std::collections::{BTreeMap, HashMap};

use aws_config::SdkConfig;
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, AwsSecurityFindingFilters, Compliance, ComplianceStatus, Partition,
    Recommendation, RecordState, Remediation, Resource, Severity, SeverityLabel, StringFilter,
    StringFilterComparison,
};

use aws_sdk_securityhub::error::ProvideErrorMetadata;
use aws_smithy_types::error::display::DisplayErrorContext;

use super::AwsContext;
use crate::error::Error;
use crate::render::asff::{self, AsffFinding};
use crate::report::{Finding, Report};
use crate::vocab::Status;

/// BatchImportFindings takes at most 100 findings per call.
const BATCH: usize = 100;
/// GetFindings pages: at most 100 per call, and a bound on what one region may return.
const PAGE: i32 = 100;
const MAX_EXISTING: usize = 200_000;

/// How to reach each account: the collection's role, when it assumed one.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub role_name: Option<String>,
    pub external_id: Option<String>,
}

/// What happened in one account and region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub account: String,
    pub region: String,
    /// Failing findings imported (ACTIVE).
    pub active: usize,
    /// Earlier findings archived because they no longer fail.
    pub archived: usize,
    /// Earlier ACTIVE findings left as they were (could not be evaluated now).
    pub kept: usize,
    /// Findings Security Hub refused (FailedFindings), or that a failed call did not send.
    pub failed: usize,
    /// The error of this account/region, if any (one line).
    pub error: Option<String>,
}

/// Imports the report; returns one outcome per account and region, in order.
pub fn import_blocking(
    report: &Report,
    aws: &AwsContext,
    opts: &Options,
) -> Result<Vec<Outcome>, Error> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Destination(format!("cannot start the async runtime: {e}")))?;
    Ok(rt.block_on(import(report, aws, opts)))
}

pub async fn import(report: &Report, aws: &AwsContext, opts: &Options) -> Vec<Outcome> {
    // The report's findings by account and region.
    let mut targets: BTreeMap<(&str, &str), Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        let region = if f.resource.region.is_empty() {
            aws.region.as_deref().unwrap_or("")
        } else {
            f.resource.region.as_ref()
        };
        targets
            .entry((f.resource.account.as_ref(), region))
            .or_default()
            .push(f);
    }
    let base = aws.sdk().await;
    let builder = asff::Builder::new(report);
    let mut out = Vec::new();
    let mut sessions: HashMap<&str, Result<SdkConfig, String>> = HashMap::new();
    for ((account, region), findings) in targets {
        let mut outcome = Outcome {
            account: account.to_string(),
            region: region.to_string(),
            ..Outcome::default()
        };
        let failing = findings.iter().filter(|f| f.status == Status::Fail).count();
        if region.is_empty() || account.is_empty() {
            outcome.failed = failing;
            outcome.error = Some("findings without an account or region cannot be imported".into());
            out.push(outcome);
            continue;
        }
        if !sessions.contains_key(account) {
            let s = session(&base, account, report, opts).await;
            sessions.insert(account, s);
        }
        let sdk = match &sessions[account] {
            Ok(s) => s,
            Err(e) => {
                outcome.failed = failing;
                outcome.error = Some(e.clone());
                out.push(outcome);
                continue;
            }
        };
        let conf = aws_sdk_securityhub::config::Builder::from(sdk)
            .region(aws_config::Region::new(region.to_string()))
            .build();
        let client = aws_sdk_securityhub::Client::from_conf(conf);
        sync_region(&client, &builder, account, region, &findings, &mut outcome).await;
        out.push(outcome);
    }
    out
}

/// The credentials for `account`: the base ones, or `--role-name` assumed in it.
async fn session(
    base: &SdkConfig,
    account: &str,
    report: &Report,
    opts: &Options,
) -> Result<SdkConfig, String> {
    let Some(role) = &opts.role_name else {
        return Ok(base.clone());
    };
    let partition = report
        .findings
        .iter()
        .find(|f| f.resource.account.as_ref() == account)
        .and_then(|f| f.resource.arn.split(':').nth(1).map(str::to_string))
        .unwrap_or_else(|| "aws".to_string());
    let role_arn = format!("arn:{partition}:iam::{account}:role/{role}");
    let mut p = aws_config::sts::AssumeRoleProvider::builder(role_arn.clone())
        .session_name("secretlens-securityhub")
        .configure(base);
    if let Some(id) = &opts.external_id {
        p = p.external_id(id);
    }
    let provider = p.build().await;
    // Fail here, once per account, with the cause, rather than on every call.
    use aws_credential_types::provider::ProvideCredentials;
    provider
        .provide_credentials()
        .await
        .map_err(|e| format!("cannot assume {role_arn}: {}", DisplayErrorContext(&e)))?;
    Ok(base
        .to_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(provider),
        )
        .build())
}

async fn sync_region(
    client: &aws_sdk_securityhub::Client,
    builder: &asff::Builder<'_>,
    account: &str,
    region: &str,
    findings: &[&Finding],
    outcome: &mut Outcome,
) {
    let product = asff::product_arn(partition_of(findings), region, account);
    let existing = match active_findings(client, &product, account).await {
        Ok(e) => e,
        Err(e) => {
            outcome.failed = findings.iter().filter(|f| f.status == Status::Fail).count();
            outcome.error = Some(e);
            return;
        }
    };
    let now: HashMap<String, &Finding> = findings
        .iter()
        .map(|f| (format!("{}{}", asff::ID_PREFIX, f.id), *f))
        .collect();
    let mut batch: Vec<AwsSecurityFinding> = Vec::new();
    for f in findings.iter().filter(|f| f.status == Status::Fail) {
        if let Some(a) = builder.finding(f) {
            batch.push(to_sdk(&a));
            outcome.active += 1;
        }
    }
    let updated_at = builder_time(builder, findings);
    for e in existing {
        let id = e.id.clone().unwrap_or_default();
        let status = now.get(&id).map(|f| f.status);
        match status {
            Some(Status::Fail) => {} // imported above
            Some(Status::Error) => outcome.kept += 1,
            other => {
                let mut archived = e;
                archived.record_state = Some(RecordState::Archived);
                archived.updated_at = Some(updated_at.clone());
                if other == Some(Status::Pass) || other.is_none() {
                    archived.compliance = Some(
                        Compliance::builder()
                            .status(if other.is_none() {
                                ComplianceStatus::NotAvailable
                            } else {
                                ComplianceStatus::Passed
                            })
                            .set_related_requirements(
                                archived
                                    .compliance
                                    .as_ref()
                                    .and_then(|c| c.related_requirements.clone()),
                            )
                            .build(),
                    );
                }
                batch.push(archived);
                outcome.archived += 1;
            }
        }
    }
    for chunk in batch.chunks(BATCH) {
        match client
            .batch_import_findings()
            .set_findings(Some(chunk.to_vec()))
            .send()
            .await
        {
            Ok(r) => {
                let failed = r.failed_count().unwrap_or(0).max(0) as usize;
                if failed > 0 {
                    outcome.failed += failed;
                    let first = r.failed_findings().first().map(|f| {
                        format!(
                            "{} {}: {}",
                            f.id().unwrap_or("?"),
                            f.error_code().unwrap_or("?"),
                            f.error_message().unwrap_or("")
                        )
                    });
                    outcome.error.get_or_insert_with(|| {
                        format!(
                            "Security Hub refused {failed} finding(s), e.g. {}",
                            first.unwrap_or_default()
                        )
                    });
                }
            }
            Err(e) => {
                outcome.failed += chunk.len();
                outcome
                    .error
                    .get_or_insert_with(|| call_error("BatchImportFindings", &e));
            }
        }
    }
}

/// The time every finding of this run carries (the report's generation time).
fn builder_time(builder: &asff::Builder<'_>, findings: &[&Finding]) -> String {
    findings
        .iter()
        .find_map(|f| builder.finding(f))
        .map(|a| a.updated_at)
        .unwrap_or_else(|| chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

fn partition_of<'a>(findings: &[&'a Finding]) -> &'a str {
    findings
        .first()
        .and_then(|f| f.resource.arn.split(':').nth(1))
        .filter(|p| p.starts_with("aws"))
        .unwrap_or("aws")
}

/// The secretlens findings ACTIVE in this account and region.
async fn active_findings(
    client: &aws_sdk_securityhub::Client,
    product: &str,
    account: &str,
) -> Result<Vec<AwsSecurityFinding>, String> {
    let eq = |v: &str| {
        StringFilter::builder()
            .value(v)
            .comparison(StringFilterComparison::Equals)
            .build()
    };
    let filters = AwsSecurityFindingFilters::builder()
        .product_arn(eq(product))
        .aws_account_id(eq(account))
        .record_state(eq("ACTIVE"))
        .generator_id(
            StringFilter::builder()
                .value(asff::ID_PREFIX)
                .comparison(StringFilterComparison::Prefix)
                .build(),
        )
        .build();
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .get_findings()
            .filters(filters.clone())
            .max_results(PAGE)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| call_error("GetFindings", &e))?;
        // Filtered again here: what we archive must be ours.
        out.extend(
            page.findings()
                .iter()
                .filter(|f| {
                    f.product_arn() == Some(product)
                        && f.aws_account_id() == Some(account)
                        && f.generator_id()
                            .is_some_and(|g| g.starts_with(asff::ID_PREFIX))
                        && f.record_state() == Some(&RecordState::Active)
                })
                .cloned(),
        );
        if out.len() > MAX_EXISTING {
            return Err(format!(
                "GetFindings returned more than {MAX_EXISTING} active secretlens findings; not archiving"
            ));
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(out),
        }
    }
}

fn call_error<E>(op: &str, e: &aws_sdk_securityhub::error::SdkError<E>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = e.code().unwrap_or("");
    let plain = match code {
        "InvalidAccessException" => {
            " (Security Hub is not enabled here, or this account may not import: enable it with `aws securityhub enable-security-hub`, or drop --securityhub)"
        }
        "AccessDeniedException" => {
            " (the audit's credentials need securityhub:GetFindings and securityhub:BatchImportFindings)"
        }
        _ => "",
    };
    format!("{op}: {}{plain}", DisplayErrorContext(e))
}

/// The SDK form of an ASFF finding.
pub fn to_sdk(a: &AsffFinding) -> AwsSecurityFinding {
    let mut b = AwsSecurityFinding::builder()
        .schema_version(a.schema_version)
        .id(&a.id)
        .product_arn(&a.product_arn)
        .generator_id(&a.generator_id)
        .aws_account_id(&a.aws_account_id)
        .region(&a.region)
        .set_types(Some(a.types.iter().map(|t| t.to_string()).collect()))
        .created_at(&a.created_at)
        .updated_at(&a.updated_at)
        .severity(
            Severity::builder()
                .label(SeverityLabel::from(a.severity.label))
                .original(a.severity.original)
                .build(),
        )
        .title(&a.title)
        .description(&a.description)
        .set_product_fields(Some(a.product_fields.clone().into_iter().collect()))
        .compliance(
            Compliance::builder()
                .status(ComplianceStatus::from(a.compliance.status))
                .set_related_requirements(
                    (!a.compliance.related_requirements.is_empty())
                        .then(|| a.compliance.related_requirements.clone()),
                )
                .build(),
        )
        .record_state(RecordState::from(a.record_state))
        .company_name(a.company_name)
        .product_name(a.product_name);
    if let Some(r) = &a.remediation {
        b = b.remediation(
            Remediation::builder()
                .recommendation(
                    Recommendation::builder()
                        .text(&r.recommendation.text)
                        .build(),
                )
                .build(),
        );
    }
    for r in &a.resources {
        b = b.resources(
            Resource::builder()
                .r#type(r.kind)
                .id(&r.id)
                .partition(Partition::from(r.partition.as_str()))
                .region(&r.region)
                .set_tags((!r.tags.is_empty()).then(|| r.tags.clone().into_iter().collect()))
                .build(),
        );
    }
    b.build()
}

/// One line per account/region for the terminal, and whether every import succeeded.
pub fn summary(outcomes: &[Outcome]) -> (String, bool) {
    let mut text = String::new();
    let mut ok = true;
    for o in outcomes {
        text.push_str(&format!(
            "Security Hub {} {}: {} active, {} archived, {} left as they were (not evaluated now)",
            o.account, o.region, o.active, o.archived, o.kept
        ));
        if let Some(e) = &o.error {
            ok = false;
            text.push_str(&format!("; {} not imported: {e}", o.failed));
        }
        text.push('\n');
    }
    (text, ok)
}
