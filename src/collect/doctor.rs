//! The AWS side of `secretlens doctor` ([`crate::doctor`]): the caller's identity, one cheap
//! call per region, and a test of every permission of [`crate::permissions`].
//!
//! Permissions are decided by `iam:SimulatePrincipalPolicy` when the caller may call it (as the
//! IAM user or role: an assumed-role session is simulated as its role, whose ARN with path
//! `iam:GetRole` gives), otherwise by one minimal read call each: a listing of at most one
//! item, or a describe of a resource that does not exist (not-found means the call was
//! authorized). AccessDenied and UnauthorizedOperation mean denied; throttling, HTTP 5xx after
//! retries and no answer mean unknown, never allowed. Nothing is written and no secret value
//! is read: the probes never call GetSecretValue.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use aws_config::{Region, SdkConfig};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::retry::{Failure, Retrier, classify};
use super::{CollectOptions, bounded, error_parts};
use crate::doctor::{Facts, Method, RegionCheck, Test, Verdict};
use crate::error::Error;
use crate::operation::Operation;

/// A name no resource of the account has: describe calls on it answer not-found when allowed.
const PROBE_NAME: &str = "secretlens-doctor-probe-does-not-exist";
/// A well-formed KMS key id that exists nowhere.
const PROBE_KEY_ID: &str = "00000000-0000-4000-8000-000000000000";

/// Error codes that mean the caller is not authorized.
fn is_denial(code: &str) -> bool {
    code.contains("AccessDenied")
        || matches!(
            code,
            "UnauthorizedOperation"
                | "AuthorizationError"
                | "AuthorizationErrorException"
                | "UnauthorizedException"
                | "Forbidden"
        )
}

/// Error codes about the credentials, not the permission: the probe cannot tell.
fn is_credential_error(code: &str) -> bool {
    matches!(
        code,
        "ExpiredToken"
            | "ExpiredTokenException"
            | "InvalidClientTokenId"
            | "UnrecognizedClientException"
            | "SignatureDoesNotMatch"
            | "InvalidSignatureException"
            | "AuthFailure"
            | "RequestExpired"
            | "IncompleteSignature"
            | "MissingAuthenticationToken"
    )
}

/// The verdict of one probe's outcome, and its detail (code: message).
pub(crate) fn verdict<T, E>(r: &Result<T, SdkError<E, HttpResponse>>) -> (Verdict, String)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let Err(err) = r else {
        return (Verdict::Ok, "allowed".to_string());
    };
    let (code, message) = error_parts(err);
    let detail = format!("{code}: {}", bounded(&message, 200));
    let (failure, _) = classify(err);
    let verdict = match failure {
        Failure::Permanent if matches!(err, SdkError::ServiceError(_)) => {
            if is_denial(&code) {
                Verdict::Denied
            } else if is_credential_error(&code) || err.code().is_none() {
                Verdict::Unknown
            } else {
                // Authorized, then refused for another reason (not found, invalid input).
                return (Verdict::Ok, format!("allowed ({detail})"));
            }
        }
        _ => Verdict::Unknown,
    };
    (verdict, detail)
}

/// Where an ARN points, for the simulation: `Ok(Some(role name))` for an assumed-role session
/// (simulated as the role), `Ok(None)` for an IAM user or role (simulated as itself), `Err`
/// when it cannot be simulated.
pub(crate) fn simulation_subject(arn: &str) -> Result<Option<String>, String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _, service, _, _, resource] = parts.as_slice() else {
        return Err("the caller ARN is not an ARN".to_string());
    };
    match (*service, resource.split_once('/')) {
        ("sts", Some(("assumed-role", rest))) => match rest.split_once('/') {
            Some((role, _session)) if !role.is_empty() => Ok(Some(role.to_string())),
            _ => Err("the assumed-role ARN has no role name".to_string()),
        },
        ("iam", Some(("user" | "role", _))) => Ok(None),
        ("iam", None) if *resource == "root" => {
            Err("the root user cannot be simulated".to_string())
        }
        _ => Err("the caller is neither an IAM user nor a role session".to_string()),
    }
}

/// The simulation's decisions by action (`secretsmanager:ListSecrets` → allowed?), from the
/// `EvaluationResults` of `SimulatePrincipalPolicy`.
pub(crate) fn decisions(
    results: &[aws_sdk_iam::types::EvaluationResult],
) -> BTreeMap<String, (Verdict, String)> {
    use aws_sdk_iam::types::PolicyEvaluationDecisionType as D;
    results
        .iter()
        .map(|r| {
            let v = match r.eval_decision() {
                D::Allowed => (Verdict::Ok, "allowed".to_string()),
                D::ExplicitDeny => (Verdict::Denied, "explicit deny".to_string()),
                D::ImplicitDeny => (
                    Verdict::Denied,
                    "implicit deny (no policy allows it)".to_string(),
                ),
                other => (
                    Verdict::Unknown,
                    format!("unexpected decision {}", bounded(other.as_str(), 40)),
                ),
            };
            (r.eval_action_name().to_ascii_lowercase(), v)
        })
        .collect()
}

/// Runs the doctor's AWS calls. Fails (exit 2) only when it cannot start or the caller's
/// identity cannot be established.
pub async fn run(opts: &CollectOptions) -> Result<Facts, Error> {
    let (sdk, retrier, home) = super::load_sdk(opts).await?;
    let identity = super::caller_identity(&sdk, &retrier, &home, opts).await?;
    let arn = identity.arn().unwrap_or_default().to_string();
    let account = identity.account().unwrap_or_default().to_string();
    let partition = arn.split(':').nth(1).unwrap_or("aws").to_string();

    // Regions: the explicit ones, every enabled one for `all`, else the configured one.
    let mut regions_note = None;
    let mut regions: Vec<String> = opts
        .regions
        .iter()
        .filter(|r| !r.eq_ignore_ascii_case("all"))
        .cloned()
        .collect();
    if opts.regions.iter().any(|r| r.eq_ignore_ascii_case("all")) {
        match super::list_enabled_regions(&sdk, &retrier, "", &home).await {
            Ok(all) if !all.is_empty() => regions.extend(all),
            Ok(_) => regions_note = Some("account:ListRegions listed no region".to_string()),
            Err((code, message)) => {
                regions_note = Some(format!(
                    "`all`: account:ListRegions failed ({code}: {}); only the configured region is checked",
                    bounded(&message, 200)
                ))
            }
        }
    }
    if regions.is_empty() {
        regions.push(home.clone());
    }
    regions.sort();
    regions.dedup();
    let checks = futures::future::join_all(
        regions
            .iter()
            .map(|r| region_check(&sdk, &retrier, &account, r)),
    )
    .await;

    // Permissions: simulated where possible, probed otherwise.
    let actions: Vec<(&'static Operation, &'static str)> = crate::permissions::all()
        .into_iter()
        .filter(|p| {
            !matches!(
                p.operation,
                Operation::GetCallerIdentity | Operation::AssumeRole
            )
        })
        .map(|p| (p.operation, p.action))
        .collect();
    let (simulated_as, simulation_skipped, simulated) = match simulate(&sdk, &arn, &actions).await {
        Ok((source, d)) => (Some(source), None, d),
        Err(why) => (None, Some(why), BTreeMap::new()),
    };
    let probes = Probes {
        sdk: &sdk,
        retrier: &retrier,
        account: &account,
        region: &home,
        partition: &partition,
        caller_is_user: arn.contains(":user/") && arn.contains(":iam::"),
    };
    let mut tests = vec![Test {
        operation: Operation::GetCallerIdentity,
        verdict: Verdict::Ok,
        method: Method::Called,
        detail: "allowed".to_string(),
    }];
    let mut to_probe = Vec::new();
    for (op, action) in &actions {
        match simulated.get(&action.to_ascii_lowercase()) {
            Some((v, detail)) => tests.push(Test {
                operation: (*op).clone(),
                verdict: *v,
                method: Method::Simulated,
                detail: detail.clone(),
            }),
            None => to_probe.push(*op),
        }
    }
    // ListSecrets first: a secret it lists makes the per-secret probes exact.
    let mut secret = None;
    if to_probe.contains(&&Operation::ListSecrets) {
        let (t, first) = probes.list_secrets().await;
        secret = first;
        tests.push(t);
    }
    let probed = futures::future::join_all(
        to_probe
            .iter()
            .filter(|op| ***op != Operation::ListSecrets)
            .map(|op| probes.probe(op, secret.as_deref())),
    )
    .await;
    tests.extend(probed);
    tests.push(Test {
        operation: Operation::AssumeRole,
        verdict: Verdict::NotTested,
        method: Method::NotTested,
        detail: "doctor tests the caller's own account; run it with the audit role's credentials"
            .to_string(),
    });
    Ok(Facts {
        arn,
        account,
        simulated_as,
        simulation_skipped,
        probe_region: home,
        regions_note,
        regions: checks,
        tests,
    })
}

/// One `ListSecrets` (MaxResults 1) in `region`: reachable is any answer from the service
/// (a denial too: the permission rows say so).
async fn region_check(
    sdk: &SdkConfig,
    retrier: &Retrier,
    account: &str,
    region: &str,
) -> RegionCheck {
    let conf = aws_sdk_secretsmanager::config::Builder::from(sdk)
        .region(Region::new(region.to_string()))
        .build();
    let client = aws_sdk_secretsmanager::Client::from_conf(conf);
    let started = Instant::now();
    let r = retrier
        .call(account, region, &Operation::ListSecrets, || {
            client.list_secrets().max_results(1).send()
        })
        .await;
    let latency_ms = started.elapsed().as_millis() as u64;
    let (verdict, detail) = verdict(&r);
    let answered = match &r {
        Ok(_) => true,
        Err(e) => matches!(e, SdkError::ServiceError(_)) && verdict != Verdict::Unknown,
    };
    RegionCheck {
        region: region.to_string(),
        reachable: answered,
        latency_ms,
        error: match (&r, answered) {
            (Ok(_), _) => None,
            (Err(_), true) => Some(format!("answered, ListSecrets {detail}")),
            (Err(e), false) => Some(plain_cause(e)),
        },
    }
}

/// The plain cause of a failed call ([`crate::cause::describe`], as gaps say it), the error
/// code beside it.
fn plain_cause<E>(err: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let (code, message) = error_parts(err);
    let cause = crate::cause::describe(&Operation::ListSecrets, &code, &message);
    format!("{cause} ({code})")
}

/// `iam:SimulatePrincipalPolicy` for `actions` as the caller (its role for a session).
/// `Err(why)` when it cannot be used. One attempt per call, not retried: any failure falls
/// back to the probes, which are.
async fn simulate(
    sdk: &SdkConfig,
    arn: &str,
    actions: &[(&'static Operation, &'static str)],
) -> Result<(String, BTreeMap<String, (Verdict, String)>), String> {
    let iam = aws_sdk_iam::Client::new(sdk);
    let source = match simulation_subject(arn)? {
        None => arn.to_string(),
        Some(role) => {
            let out = iam.get_role().role_name(&role).send().await.map_err(|e| {
                let (c, m) = error_parts(&e);
                format!(
                    "iam:GetRole on the session's role failed ({c}: {})",
                    bounded(&m, 200)
                )
            })?;
            out.role()
                .map(|r| r.arn().to_string())
                .ok_or("iam:GetRole returned no role")?
        }
    };
    let names: Vec<String> = actions.iter().map(|(_, a)| a.to_string()).collect();
    let mut results = Vec::new();
    let mut marker: Option<String> = None;
    for _ in 0..100 {
        let page = iam
            .simulate_principal_policy()
            .policy_source_arn(&source)
            .set_action_names(Some(names.clone()))
            .resource_arns("*")
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| {
                let (c, m) = error_parts(&e);
                format!(
                    "iam:SimulatePrincipalPolicy failed ({c}: {})",
                    bounded(&m, 200)
                )
            })?;
        results.extend(page.evaluation_results().iter().cloned());
        marker = page.marker().map(str::to_string).filter(|m| !m.is_empty());
        if !page.is_truncated() || marker.is_none() {
            break;
        }
    }
    Ok((source, decisions(&results)))
}

type ProbeFuture<'a> = Pin<Box<dyn Future<Output = (Verdict, String)> + Send + 'a>>;

struct Probes<'a> {
    sdk: &'a SdkConfig,
    retrier: &'a Retrier,
    account: &'a str,
    region: &'a str,
    partition: &'a str,
    caller_is_user: bool,
}

impl<'a> Probes<'a> {
    async fn call<T, E, F, Fut>(&self, op: &Operation, attempt: F) -> (Verdict, String)
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    {
        let r = self
            .retrier
            .call(self.account, self.region, op, attempt)
            .await;
        verdict(&r)
    }

    /// `ListSecrets` (MaxResults 1), and the ARN of a secret it listed.
    async fn list_secrets(&self) -> (Test, Option<String>) {
        let c = aws_sdk_secretsmanager::Client::new(self.sdk);
        let r = self
            .retrier
            .call(self.account, self.region, &Operation::ListSecrets, || {
                c.list_secrets().max_results(1).send()
            })
            .await;
        let first = r.as_ref().ok().and_then(|o| {
            o.secret_list()
                .iter()
                .find_map(|s| s.arn().map(str::to_string))
        });
        let (verdict, detail) = verdict(&r);
        (
            Test {
                operation: Operation::ListSecrets,
                verdict,
                method: Method::Probed,
                detail,
            },
            first,
        )
    }

    async fn probe(&self, op: &'static Operation, secret: Option<&str>) -> Test {
        let (verdict, detail) = self.dispatch(op, secret.unwrap_or(PROBE_NAME)).await;
        Test {
            operation: op.clone(),
            verdict,
            method: Method::Probed,
            detail,
        }
    }

    fn dispatch<'b>(&'b self, op: &'static Operation, secret: &'b str) -> ProbeFuture<'b> {
        let sdk = self.sdk;
        match op {
            Operation::DescribeSecret => Box::pin(async move {
                let c = aws_sdk_secretsmanager::Client::new(sdk);
                self.call(op, || c.describe_secret().secret_id(secret).send())
                    .await
            }),
            Operation::GetResourcePolicy => Box::pin(async move {
                let c = aws_sdk_secretsmanager::Client::new(sdk);
                self.call(op, || c.get_resource_policy().secret_id(secret).send())
                    .await
            }),
            Operation::ListAliases => Box::pin(async move {
                let c = aws_sdk_kms::Client::new(sdk);
                self.call(op, || c.list_aliases().limit(1).send()).await
            }),
            // A key id, never an AWS managed alias: describing `alias/aws/…` creates the key.
            Operation::DescribeKey => Box::pin(async move {
                let c = aws_sdk_kms::Client::new(sdk);
                self.call(op, || c.describe_key().key_id(PROBE_KEY_ID).send())
                    .await
            }),
            Operation::GetKeyRotationStatus => Box::pin(async move {
                let c = aws_sdk_kms::Client::new(sdk);
                self.call(op, || {
                    c.get_key_rotation_status().key_id(PROBE_KEY_ID).send()
                })
                .await
            }),
            Operation::GetKeyPolicy => Box::pin(async move {
                let c = aws_sdk_kms::Client::new(sdk);
                self.call(op, || {
                    c.get_key_policy()
                        .key_id(PROBE_KEY_ID)
                        .policy_name("default")
                        .send()
                })
                .await
            }),
            Operation::ListGrants => Box::pin(async move {
                let c = aws_sdk_kms::Client::new(sdk);
                self.call(op, || c.list_grants().key_id(PROBE_KEY_ID).limit(1).send())
                    .await
            }),
            Operation::GetAccountAuthorizationDetails => Box::pin(async move {
                let c = aws_sdk_iam::Client::new(sdk);
                self.call(op, || {
                    c.get_account_authorization_details()
                        .filter(aws_sdk_iam::types::EntityType::LocalManagedPolicy)
                        .max_items(1)
                        .send()
                })
                .await
            }),
            Operation::ListAccessKeys => Box::pin(async move {
                let c = aws_sdk_iam::Client::new(sdk);
                // An IAM user lists its own keys; anyone else a user that does not exist.
                let user = (!self.caller_is_user).then_some(PROBE_NAME);
                self.call(op, || {
                    c.list_access_keys()
                        .set_user_name(user.map(str::to_string))
                        .max_items(1)
                        .send()
                })
                .await
            }),
            Operation::GetAccessKeyLastUsed => Box::pin(async move {
                let c = aws_sdk_iam::Client::new(sdk);
                self.call(op, || {
                    c.get_access_key_last_used()
                        .access_key_id("AKIAIOSFODNN7EXAMPLE")
                        .send()
                })
                .await
            }),
            Operation::DescribeTrails => Box::pin(async move {
                let c = aws_sdk_cloudtrail::Client::new(sdk);
                self.call(op, || c.describe_trails().send()).await
            }),
            Operation::GetTrailStatus => Box::pin(async move {
                let c = aws_sdk_cloudtrail::Client::new(sdk);
                self.call(op, || c.get_trail_status().name(PROBE_NAME).send())
                    .await
            }),
            Operation::GetEventSelectors => Box::pin(async move {
                let c = aws_sdk_cloudtrail::Client::new(sdk);
                self.call(op, || c.get_event_selectors().trail_name(PROBE_NAME).send())
                    .await
            }),
            Operation::LookupEvents => Box::pin(async move {
                let c = aws_sdk_cloudtrail::Client::new(sdk);
                self.call(op, || c.lookup_events().max_results(1).send())
                    .await
            }),
            Operation::ListRegions => Box::pin(async move {
                let c = aws_sdk_account::Client::new(sdk);
                self.call(op, || c.list_regions().max_results(1).send())
                    .await
            }),
            Operation::ListAccounts => Box::pin(async move {
                let c = aws_sdk_organizations::Client::new(sdk);
                self.call(op, || c.list_accounts().max_results(1).send())
                    .await
            }),
            // SCPs and RCPs: answered for the caller's own account; "not in an organization"
            // or "not found" is not a refusal.
            Operation::DescribeOrganization => Box::pin(async move {
                let c = aws_sdk_organizations::Client::new(sdk);
                self.call(op, || c.describe_organization().send()).await
            }),
            Operation::ListRoots => Box::pin(async move {
                let c = aws_sdk_organizations::Client::new(sdk);
                self.call(op, || c.list_roots().max_results(1).send()).await
            }),
            Operation::ListParents => Box::pin(async move {
                let c = aws_sdk_organizations::Client::new(sdk);
                self.call(op, || {
                    c.list_parents()
                        .child_id(self.account)
                        .max_results(1)
                        .send()
                })
                .await
            }),
            Operation::ListPoliciesForTarget => Box::pin(async move {
                let c = aws_sdk_organizations::Client::new(sdk);
                self.call(op, || {
                    c.list_policies_for_target()
                        .target_id(self.account)
                        .filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
                        .max_results(1)
                        .send()
                })
                .await
            }),
            Operation::DescribePolicy => Box::pin(async move {
                let c = aws_sdk_organizations::Client::new(sdk);
                self.call(op, || {
                    c.describe_policy().policy_id("p-FullAWSAccess").send()
                })
                .await
            }),
            Operation::ListFunctions => Box::pin(async move {
                let c = aws_sdk_lambda::Client::new(sdk);
                self.call(op, || c.list_functions().max_items(1).send())
                    .await
            }),
            Operation::ListTaskDefinitions => Box::pin(async move {
                let c = aws_sdk_ecs::Client::new(sdk);
                self.call(op, || c.list_task_definitions().max_results(1).send())
                    .await
            }),
            Operation::DescribeTaskDefinition => Box::pin(async move {
                let c = aws_sdk_ecs::Client::new(sdk);
                self.call(op, || {
                    c.describe_task_definition()
                        .task_definition(format!("{PROBE_NAME}:1"))
                        .send()
                })
                .await
            }),
            Operation::DescribeInstances => Box::pin(async move {
                let c = aws_sdk_ec2::Client::new(sdk);
                self.call(op, || c.describe_instances().max_results(5).send())
                    .await
            }),
            Operation::DescribeInstanceAttribute => Box::pin(async move {
                let c = aws_sdk_ec2::Client::new(sdk);
                self.call(op, || {
                    c.describe_instance_attribute()
                        .instance_id("i-00000000000000000")
                        .attribute(aws_sdk_ec2::types::InstanceAttributeName::UserData)
                        .send()
                })
                .await
            }),
            Operation::DescribeLaunchTemplates => Box::pin(async move {
                let c = aws_sdk_ec2::Client::new(sdk);
                self.call(op, || c.describe_launch_templates().max_results(5).send())
                    .await
            }),
            Operation::DescribeLaunchTemplateVersions => Box::pin(async move {
                let c = aws_sdk_ec2::Client::new(sdk);
                self.call(op, || {
                    c.describe_launch_template_versions()
                        .launch_template_id("lt-00000000000000000")
                        .versions("$Latest")
                        .send()
                })
                .await
            }),
            Operation::DescribeLaunchConfigurations => Box::pin(async move {
                let c = aws_sdk_autoscaling::Client::new(sdk);
                self.call(op, || {
                    c.describe_launch_configurations().max_records(1).send()
                })
                .await
            }),
            Operation::DescribeStacks => Box::pin(async move {
                let c = aws_sdk_cloudformation::Client::new(sdk);
                self.call(op, || c.describe_stacks().stack_name(PROBE_NAME).send())
                    .await
            }),
            Operation::DescribeParameters => Box::pin(async move {
                let c = aws_sdk_ssm::Client::new(sdk);
                self.call(op, || c.describe_parameters().max_results(1).send())
                    .await
            }),
            // Never decrypted, and on a name that does not exist.
            Operation::GetParameters => Box::pin(async move {
                let c = aws_sdk_ssm::Client::new(sdk);
                self.call(op, || {
                    c.get_parameters()
                        .names(format!("/{PROBE_NAME}"))
                        .with_decryption(false)
                        .send()
                })
                .await
            }),
            Operation::ListProjects => Box::pin(async move {
                let c = aws_sdk_codebuild::Client::new(sdk);
                self.call(op, || c.list_projects().send()).await
            }),
            Operation::BatchGetProjects => Box::pin(async move {
                let c = aws_sdk_codebuild::Client::new(sdk);
                self.call(op, || c.batch_get_projects().names(PROBE_NAME).send())
                    .await
            }),
            Operation::ListStateMachines => Box::pin(async move {
                let c = aws_sdk_sfn::Client::new(sdk);
                self.call(op, || c.list_state_machines().max_results(1).send())
                    .await
            }),
            Operation::DescribeStateMachine => Box::pin(async move {
                let c = aws_sdk_sfn::Client::new(sdk);
                let arn = format!(
                    "arn:{}:states:{}:{}:stateMachine:{PROBE_NAME}",
                    self.partition, self.region, self.account
                );
                self.call(op, || {
                    c.describe_state_machine().state_machine_arn(&arn).send()
                })
                .await
            }),
            Operation::DescribeJobDefinitions => Box::pin(async move {
                let c = aws_sdk_batch::Client::new(sdk);
                self.call(op, || c.describe_job_definitions().max_results(1).send())
                    .await
            }),
            Operation::ListSecrets
            | Operation::GetCallerIdentity
            | Operation::AssumeRole
            | Operation::Other(_) => {
                Box::pin(
                    async move { (Verdict::NotTested, format!("no probe for {}", op.as_str())) },
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_iam::types::{EvaluationResult, PolicyEvaluationDecisionType as D};

    #[test]
    fn simulation_subjects() {
        assert_eq!(
            simulation_subject("arn:aws:sts::123456789012:assumed-role/Audit/session-1"),
            Ok(Some("Audit".to_string()))
        );
        assert_eq!(
            simulation_subject("arn:aws:iam::123456789012:user/path/alice"),
            Ok(None)
        );
        assert_eq!(
            simulation_subject("arn:aws-us-gov:iam::123456789012:role/r"),
            Ok(None)
        );
        assert!(simulation_subject("arn:aws:iam::123456789012:root").is_err());
        assert!(simulation_subject("arn:aws:sts::123456789012:federated-user/bob").is_err());
        assert!(simulation_subject("arn:aws:sts::123456789012:assumed-role/").is_err());
        assert!(simulation_subject("not an arn").is_err());
    }

    #[test]
    fn simulation_results_are_parsed() {
        let r = |action: &str, d: D| {
            EvaluationResult::builder()
                .eval_action_name(action)
                .eval_decision(d)
                .build()
                .expect("required fields")
        };
        let d = decisions(&[
            r("secretsmanager:ListSecrets", D::Allowed),
            r("kms:GetKeyPolicy", D::ImplicitDeny),
            r("iam:ListAccessKeys", D::ExplicitDeny),
            r("ssm:GetParameters", D::from("somethingNew")),
        ]);
        assert_eq!(d["secretsmanager:listsecrets"].0, Verdict::Ok);
        assert_eq!(d["kms:getkeypolicy"].0, Verdict::Denied);
        assert!(d["kms:getkeypolicy"].1.contains("implicit"));
        assert_eq!(d["iam:listaccesskeys"].1, "explicit deny");
        assert_eq!(d["ssm:getparameters"].0, Verdict::Unknown);
    }

    #[test]
    fn denial_and_credential_codes() {
        for c in [
            "AccessDenied",
            "AccessDeniedException",
            "UnauthorizedOperation",
            "AuthorizationErrorException",
        ] {
            assert!(is_denial(c), "{c}");
        }
        for c in [
            "ResourceNotFoundException",
            "NotFoundException",
            "NoSuchEntity",
        ] {
            assert!(!is_denial(c) && !is_credential_error(c), "{c}");
        }
        assert!(is_credential_error("ExpiredToken"));
    }
}
