//! Credentials outside Secrets Manager (SL001–SL008): one finding per scanned resource (fail
//! with every hit as evidence, pass when clean, error when part of it could not be judged), an
//! error per region whose listing failed, and `not_applicable` where other sources were scanned
//! but not this one (nothing at all when exposure was not collected for the region). Severity follows what was found; an AWS access key id that is an active IAM key
//! of the account is critical, as in `scan`.

use serde::Serialize;

use crate::checks::{Context, Emitter};
use crate::inventory::{ExposedResource, ExposureHit, ExposureSource, Gap, Operation};
use crate::report::{Resource, Status};
use crate::vocab::Severity;

#[derive(Serialize)]
struct HitEvidence<'a> {
    location: &'a str,
    rule_id: &'a str,
    category: &'static str,
    severity: Severity,
    fingerprint: &'a str,
    preview: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_id: Option<&'a str>,
    /// `active_in_this_account` / `inactive_in_this_account` / `unknown` for AWS key ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    key_status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_user: Option<String>,
}

#[derive(Serialize)]
struct Evidence<'a> {
    source: &'static str,
    kind: &'a str,
    hits: Vec<HitEvidence<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    skipped: &'a [String],
    /// How to move the credentials into Secrets Manager, for this kind of resource.
    migration: String,
}

#[derive(Serialize)]
struct RegionEvidence<'a> {
    source: &'static str,
    gaps: Vec<super::super::GapEvidence<'a>>,
}

/// Runs one source's check. `what` names the place in messages ("environment variables").
pub(crate) fn run(ctx: &Context<'_>, out: &mut Emitter<'_>, source: ExposureSource, what: &str) {
    let known = ctx.known_keys();
    let secret_names: Vec<&str> = ctx.inv.secrets.iter().map(|s| s.name.as_str()).collect();
    for scope in &ctx.inv.scopes {
        let (account, region) = (scope.account.as_str(), scope.region.as_str());
        let Some(scan) = ctx
            .inv
            .exposure
            .iter()
            .find(|e| e.account == account && e.region == region && e.source == source)
        else {
            // Nothing scanned in this region at all (`[exposure] enabled = false`, or an inventory
            // from before exposure was collected): no finding. Other sources scanned here but not
            // this one: it was left out on purpose, say so.
            let scanned_here = ctx
                .inv
                .exposure
                .iter()
                .any(|e| e.account == account && e.region == region);
            if !scanned_here {
                continue;
            }
            out.push(
                region_resource(account, region, source),
                Status::NotApplicable,
                format!(
                    "{} was not scanned for credentials ([exposure] sources leaves it out)",
                    source.as_str()
                ),
                RegionEvidence {
                    source: source.as_str(),
                    gaps: Vec::new(),
                },
            );
            continue;
        };
        if !scan.complete {
            let gaps: Vec<&Gap> = ctx
                .inv
                .gaps
                .iter()
                .filter(|g| {
                    g.account == account && g.region == region && listing_of(source, &g.operation)
                })
                .collect();
            let why = gaps
                .first()
                .map(|g| format!("{} failed ({})", g.operation.as_str(), g.error_code))
                .unwrap_or_else(|| "a listing call failed".to_string());
            out.push(
                region_resource(account, region, source),
                Status::Error,
                format!("{why}: resources not listed were not checked for credentials"),
                RegionEvidence {
                    source: source.as_str(),
                    gaps: gaps
                        .iter()
                        .map(|g| super::super::GapEvidence::from(*g))
                        .collect(),
                },
            );
        }
        for r in &scan.resources {
            judge(out, account, region, source, what, r, known, &secret_names);
        }
    }
}

/// The listing operations of a source (their failure leaves the region's scan incomplete).
fn listing_of(source: ExposureSource, op: &Operation) -> bool {
    use Operation as O;
    match source {
        ExposureSource::Lambda => matches!(op, O::ListFunctions),
        ExposureSource::Ecs => matches!(op, O::ListTaskDefinitions),
        ExposureSource::Ec2 => matches!(
            op,
            O::DescribeInstances | O::DescribeLaunchTemplates | O::DescribeLaunchConfigurations
        ),
        ExposureSource::Cloudformation => matches!(op, O::DescribeStacks),
        ExposureSource::Ssm => matches!(op, O::DescribeParameters),
        ExposureSource::Codebuild => matches!(op, O::ListProjects | O::BatchGetProjects),
        ExposureSource::StepFunctions => matches!(op, O::ListStateMachines),
        ExposureSource::Batch => matches!(op, O::DescribeJobDefinitions),
    }
}

fn region_resource(account: &str, region: &str, source: ExposureSource) -> Resource {
    Resource::new(
        format!("aws:{account}:{region}:{}", source.as_str()),
        format!("{account}/{region} {}", source.as_str()),
        "region".to_string(),
        account.to_string(),
        region.to_string(),
    )
}

#[allow(clippy::too_many_arguments)]
fn judge(
    out: &mut Emitter<'_>,
    account: &str,
    region: &str,
    source: ExposureSource,
    what: &str,
    r: &ExposedResource,
    known: Option<&[crate::scan::KnownAccessKey]>,
    secret_names: &[&str],
) {
    let resource = Resource::new(
        r.arn.as_str(),
        r.name.as_str(),
        r.kind.as_str(),
        account,
        region,
    );
    let hits: Vec<HitEvidence<'_>> = r.hits.iter().map(|h| link(h, known)).collect();
    let migration = migration(source, r, secret_names);
    if let Some(worst) = hits.iter().map(|h| h.severity).max() {
        let mut places: Vec<String> = hits
            .iter()
            .map(|h| format!("{} ({})", h.location, h.rule_id))
            .collect();
        places.dedup();
        let n = hits.len();
        let message = format!(
            "{n} credential{} in {what}: {}",
            if n == 1 { "" } else { "s" },
            crate::checks::support::fmt::list_bounded(&places, 5)
        );
        out.push_with_severity(
            resource,
            Status::Fail,
            worst,
            message,
            Evidence {
                source: source.as_str(),
                kind: &r.kind,
                hits,
                skipped: &r.skipped,
                migration,
            },
        );
    } else if let Some(first) = r.skipped.first() {
        out.push(
            resource,
            Status::Error,
            format!("could not be fully checked: {first}"),
            Evidence {
                source: source.as_str(),
                kind: &r.kind,
                hits,
                skipped: &r.skipped,
                migration,
            },
        );
    } else {
        out.push_with_severity(
            resource,
            Status::Pass,
            Severity::Info,
            format!("no credential found in {what}"),
            Evidence {
                source: source.as_str(),
                kind: &r.kind,
                hits,
                skipped: &r.skipped,
                migration: String::new(),
            },
        );
    }
}

fn link<'a>(h: &'a ExposureHit, known: Option<&[crate::scan::KnownAccessKey]>) -> HitEvidence<'a> {
    let mut ev = HitEvidence {
        location: &h.location,
        rule_id: &h.rule_id,
        category: h.category.as_str(),
        severity: h.severity,
        fingerprint: &h.fingerprint,
        preview: &h.preview,
        key_id: h.key_id.as_deref(),
        key_status: None,
        key_user: None,
    };
    if let (Some(id), Some(known)) = (h.key_id.as_deref(), known) {
        match known.iter().find(|k| k.id == id) {
            Some(k) if k.status.eq_ignore_ascii_case("active") => {
                ev.key_status = Some("active_in_this_account");
                ev.key_user = Some(k.user.clone());
                ev.severity = Severity::Critical;
            }
            Some(k) => {
                ev.key_status = Some("inactive_in_this_account");
                ev.key_user = Some(k.user.clone());
            }
            None => ev.key_status = Some("unknown"),
        }
    }
    ev
}

/// The exact migration for a resource: a `create-secret` command with a name suggested from the
/// resource, and how the resource should reference the secret instead.
fn migration(source: ExposureSource, r: &ExposedResource, secret_names: &[&str]) -> String {
    let base: String = r
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    let prefix = secret_names
        .iter()
        .find_map(|n| n.split_once('/').map(|(env, _)| env))
        .unwrap_or("prod");
    let name = format!("{prefix}/{base}/credentials");
    let create = format!(
        "aws secretsmanager create-secret --name {name} --secret-string file://credentials.json"
    );
    let reference = match source {
        ExposureSource::Lambda => {
            "put the secret's ARN in the variable and read the value at run time with the AWS SDK or the AWS Parameters and Secrets Lambda Extension (grant the function's role secretsmanager:GetSecretValue on that ARN)"
        }
        ExposureSource::Ecs => {
            "move the variable from `environment` to the container's `secrets` list with `valueFrom` set to the secret's ARN (the task execution role needs secretsmanager:GetSecretValue); never pass credentials in `command` or `entryPoint`"
        }
        ExposureSource::Ec2 => {
            "fetch the secret at boot with the instance role (`aws secretsmanager get-secret-value --secret-id ARN` in the script, or the SDK) instead of writing it into user data; rotate the exposed value, since user data is readable by anyone with ec2:DescribeInstanceAttribute"
        }
        ExposureSource::Cloudformation => {
            "use a dynamic reference (`{{resolve:secretsmanager:NAME:SecretString:KEY}}`) or an AWS::SecretsManager::Secret resource, mark secret parameters NoEcho, and never export a credential as a stack output"
        }
        ExposureSource::Ssm => {
            "store it as a SecureString parameter (`aws ssm put-parameter --type SecureString --overwrite`), or in Secrets Manager when the value should rotate"
        }
        ExposureSource::Codebuild => {
            "change the variable's type to SECRETS_MANAGER with the secret's name or ARN (buildspec `env: secrets-manager:`)"
        }
        ExposureSource::StepFunctions => {
            "pass the secret's ARN and read it in a task (the `aws-sdk:secretsmanager:getSecretValue` integration) instead of writing the value into the definition"
        }
        ExposureSource::Batch => {
            "move the variable to the container's `secrets` list with `valueFrom` set to the secret's ARN"
        }
    };
    format!("{create}; then {reference}; then rotate the exposed value")
}
