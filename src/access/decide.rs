//! One request evaluated: who is asking, what the request carries, the decision.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::account::AccountIdx;
use super::explain::{Labels, Verdict, verdict};
use super::index::AccessIndex;
use super::model::Act;
use super::org::Coverage;
use super::query::Query;
use crate::inventory::Secret;
use crate::policy::{
    Decision, DecisionKind, Effect, Policy, PolicyRefs, Principal, PrincipalEntry, PrincipalKind,
    Request, evaluate_refs,
};

impl AccessIndex {
    /// Evaluates one request and turns the decision into a verdict with its evidence.
    pub(super) fn decide_verdict(
        &self,
        q: &Query<'_>,
        actor: &Actor,
        rpol: Option<&Policy>,
    ) -> Verdict {
        let (scps, rcps) = self.org_of(q, actor);
        let d = self.decide_in(q, actor, rpol, scps.policies(), rcps.policies());
        let org = self.org.labels(scps, rcps);
        let mut v = match actor {
            Actor::Subject(i) => {
                let set = q.acct.map(|a| &a.subjects[*i].sets[q.act as usize]);
                let labels = Labels {
                    identity: set.map_or(&[], |s| s.labels.as_slice()),
                    boundary: set.map_or("", |s| s.boundary_label.as_str()),
                    resource: q.rlabel,
                    grants: q.grants,
                    org,
                };
                Verdict::new(&d, &labels)
            }
            Actor::Root(_) => Verdict::new(
                &d,
                &Labels {
                    identity: &[],
                    boundary: "",
                    resource: q.rlabel,
                    grants: q.grants,
                    org,
                },
            ),
            Actor::Outside(p) => {
                let identity = [format!(
                    "policies of account {} (not collected; assumed to allow)",
                    p.account.as_deref().unwrap_or("?")
                )];
                Verdict::new(
                    &d,
                    &Labels {
                        identity: &identity,
                        boundary: "",
                        resource: q.rlabel,
                        grants: q.grants,
                        org,
                    },
                )
            }
        };
        if v.keys.is_none() {
            v.blocked = self.org_block(q, actor, rpol, &d, scps, rcps);
        }
        v
    }

    /// The SCPs of the actor's account and the RCPs of the resource's account.
    pub(super) fn org_of(&self, q: &Query<'_>, actor: &Actor) -> (Coverage<'_>, Coverage<'_>) {
        let principal_account = match actor {
            Actor::Subject(_) => Some(q.secret.account.as_str()),
            Actor::Outside(p) | Actor::Root(p) => p.account.as_deref(),
        };
        (
            self.org.scps(principal_account),
            self.org.rcps(arn_account(q.resource)),
        )
    }

    /// When SCPs or RCPs denied a request that the other policies allow: what in them did,
    /// named (see [`OrgLabels::blocking`]).
    fn org_block(
        &self,
        q: &Query<'_>,
        actor: &Actor,
        rpol: Option<&Policy>,
        d: &Decision,
        scps: Coverage<'_>,
        rcps: Coverage<'_>,
    ) -> Option<String> {
        let org_blocked = d.blocked_by.iter().any(|b| {
            matches!(
                b.as_str(),
                "scp" | "explicit_deny:scp" | "explicit_deny:rcp"
            )
        });
        if !org_blocked {
            return None;
        }
        let without = self.decide_in(q, actor, rpol, &[], &[]);
        verdict(&without)?;
        let levels = scps.policies();
        let unallowed: Vec<usize> = if d.decision == DecisionKind::ImplicitDeny {
            (0..levels.len())
                .filter(|&l| {
                    let one = self.decide_in(q, actor, rpol, &levels[l..=l], &[]);
                    one.blocked_by.iter().any(|b| b == "scp")
                })
                .collect()
        } else {
            Vec::new()
        };
        self.org.labels(scps, rcps).blocking(d, &unallowed)
    }

    /// Evaluates one request under the given SCPs (of the principal's account) and RCPs (of the
    /// resource's account).
    fn decide_in(
        &self,
        q: &Query<'_>,
        actor: &Actor,
        rpol: Option<&Policy>,
        scps: &[Vec<Policy>],
        rcps: &[Vec<Policy>],
    ) -> Decision {
        let (secret, act, resource) = (q.secret, q.act, q.resource);
        let outside_identity;
        let (principal, mut refs, tags): (&Principal, PolicyRefs<'_>, &[(String, String)]) =
            match actor {
                Actor::Subject(i) => {
                    let s = &q.acct.expect("a subject's account").subjects[*i];
                    (
                        &s.principal,
                        PolicyRefs::of(&s.sets[act as usize].set),
                        &s.tags,
                    )
                }
                // The root user has no identity policies: in its own account it needs none.
                Actor::Root(p) => (p, PolicyRefs::default(), &[]),
                Actor::Outside(p) => {
                    outside_identity = if p.is_iam() {
                        std::slice::from_ref(allow_all_identity())
                    } else {
                        &[]
                    };
                    (
                        p,
                        PolicyRefs {
                            identity: outside_identity,
                            ..Default::default()
                        },
                        &[],
                    )
                }
            };
        let mut req = Request::new(principal.clone(), act.name(), resource);
        let c = &mut req.context;
        if let PrincipalKind::Other(_) = principal.kind {
            // "Any principal": nothing about it is known.
        } else {
            // The organization of an IAM principal whose account's path was read.
            let org = match principal.kind {
                PrincipalKind::Service(_) | PrincipalKind::Anonymous => None,
                _ => principal
                    .account
                    .as_deref()
                    .and_then(|a| self.org.principal_org(a)),
            };
            if let Some((org_id, path)) = org {
                c.insert("aws:PrincipalOrgID", vec![org_id.to_string()]);
                c.insert("aws:PrincipalOrgPaths", vec![path.to_string()]);
            }
            for k in &self.principal_tag_keys {
                let tag = &k["aws:principaltag/".len()..];
                match tags.iter().find(|(t, _)| t == tag) {
                    Some((_, v)) => c.insert(k, vec![v.clone()]),
                    None => c.mark_absent(k),
                }
            }
        }
        if act.on_key() {
            if act == Act::Decrypt {
                c.insert(
                    "kms:ViaService",
                    vec![format!("secretsmanager.{}.amazonaws.com", secret.region)],
                );
                c.insert("kms:EncryptionContext:SecretARN", vec![secret.arn.clone()]);
            }
        } else {
            for k in &self.resource_tag_keys {
                match resource_tag(secret, k) {
                    Some(v) => c.insert(k, vec![v.to_string()]),
                    None => c.mark_absent(k),
                }
            }
            c.insert(
                "secretsmanager:SecretPrimaryRegion",
                vec![primary_region(secret).to_string()],
            );
            // The managed external secret's partner (list_awssecretsmanager.html, resource
            // keys of `Secret`); absent for an ordinary secret.
            match &secret.secret_type {
                Some(t) => c.insert("secretsmanager:resource/Type", vec![t.clone()]),
                None => c.mark_absent("secretsmanager:resource/Type"),
            }
            if act == Act::GetSecretValue {
                for k in NOT_IN_GET_SECRET_VALUE {
                    c.mark_absent(k);
                }
            }
        }
        if rpol.is_some() {
            refs.resource = rpol;
        }
        refs.scps = scps;
        refs.rcps = rcps;
        evaluate_refs(refs, &req)
    }
}

/// Secrets Manager request keys that a `GetSecretValue` request never carries: they describe
/// the parameters of other calls (`CreateSecret`, `UpdateSecret`, `RotateSecret`,
/// `PutResourcePolicy`, `DeleteSecret`, replication), per the service authorization reference
/// (list_awssecretsmanager.html, the condition keys of each action). A condition on one of
/// them is decided as AWS decides it for a key the request lacks, not left conditional.
const NOT_IN_GET_SECRET_VALUE: &[&str] = &[
    "secretsmanager:Name",
    "secretsmanager:Description",
    "secretsmanager:KmsKeyId",
    "secretsmanager:KmsKeyArn",
    "secretsmanager:Type",
    "secretsmanager:ExternalSecretRotationRoleArn",
    "secretsmanager:RotationLambdaARN",
    "secretsmanager:ModifyRotationRules",
    "secretsmanager:RotateImmediately",
    "secretsmanager:BlockPublicPolicy",
    "secretsmanager:RecoveryWindowInDays",
    "secretsmanager:ForceDeleteWithoutRecovery",
    "secretsmanager:AddReplicaRegions",
    "secretsmanager:ForceOverwriteReplicaSecret",
];

/// The primary region a request about the secret carries: its own region unless it is a
/// replica.
pub(super) fn primary_region(secret: &Secret) -> &str {
    secret
        .primary_region
        .as_deref()
        .filter(|r| !r.is_empty())
        .unwrap_or(&secret.region)
}

/// The secret's value of the tag a resource-tag condition key names (`…resourcetag/TAG`,
/// lowercased): tag keys compare case-insensitively.
pub(super) fn resource_tag<'s>(secret: &'s Secret, key_lc: &str) -> Option<&'s str> {
    let tag = key_lc.split_once('/').map_or("", |(_, t)| t);
    secret
        .tags
        .iter()
        .find(|(t, _)| {
            // `tag` is lowercased: for an ASCII key this is `t.to_lowercase() == tag` without
            // the allocation.
            if t.is_ascii() {
                t.eq_ignore_ascii_case(tag)
            } else {
                t.to_lowercase() == tag
            }
        })
        .map(|(_, v)| v.as_str())
}

/// The account `aws:ResourceAccount` takes from a resource ARN, as
/// [`crate::policy::Request::resource_account`] derives it.
pub(super) fn arn_account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let arn_prefix = parts.next();
    let account = parts.nth(3);
    let whole = parts.next().is_some();
    account.filter(|a| arn_prefix == Some("arn") && whole && !a.is_empty())
}

/// Who is asking.
#[derive(Debug, Clone)]
pub(super) enum Actor {
    /// A subject of the secret's account: its index.
    Subject(usize),
    /// A principal named by the resource policy that is not a collected subject.
    Outside(Box<Principal>),
    /// The root user of the secret's account.
    Root(Box<Principal>),
}

/// The root user of `account` as an actor, with its ARN; `None` for an account id the
/// principal parser refuses.
pub(super) fn root_of(account: &str) -> Option<(Actor, String)> {
    let arn = format!("arn:aws:iam::{account}:root");
    let p = Principal::parse(&arn).ok()?;
    (p.kind == PrincipalKind::Root).then(|| (Actor::Root(Box::new(p)), arn))
}

/// The principals a resource policy's `Allow` statements name that are not subjects of the
/// secret's account: (principal, kind, arn, account).
pub(super) fn named_outsiders(
    p: &Policy,
    account: &str,
    acct: Option<&AccountIdx>,
) -> Vec<(Principal, &'static str, String, String)> {
    let mut out: Vec<(Principal, &'static str, String, String)> = Vec::new();
    let mut seen = HashSet::new();
    let mk = |raw: &str| Principal::parse(raw).ok();
    for s in p.statements.iter().filter(|s| s.effect == Effect::Allow) {
        let Some(pm) = &s.principal else { continue };
        if pm.negated {
            if seen.insert("*".to_string()) {
                out.push((any_principal(), "any", "*".into(), "*".into()));
            }
            continue;
        }
        for e in &pm.entries {
            let item = match e {
                PrincipalEntry::Any => {
                    Some((any_principal(), "any", "*".to_string(), "*".to_string()))
                }
                PrincipalEntry::Account(a) if a != account => {
                    let arn = format!("arn:aws:iam::{a}:root");
                    mk(&arn).map(|p| (p, "account", arn, a.clone()))
                }
                PrincipalEntry::User { account: a, name } => {
                    let known = a == account
                        && acct.is_some_and(|x| {
                            x.by_name.contains_key(&("user", name.to_lowercase()))
                        });
                    let arn = format!("arn:aws:iam::{a}:user/{name}");
                    (!known)
                        .then(|| mk(&arn).map(|p| (p, "user", arn, a.clone())))
                        .flatten()
                }
                PrincipalEntry::Role { account: a, name } => {
                    let known = a == account
                        && acct.is_some_and(|x| {
                            x.by_name.contains_key(&("role", name.to_lowercase()))
                        });
                    let arn = format!("arn:aws:iam::{a}:role/{name}");
                    (!known)
                        .then(|| mk(&arn).map(|p| (p, "role", arn, a.clone())))
                        .flatten()
                }
                PrincipalEntry::AssumedRole {
                    account: a,
                    role,
                    session,
                } if a != account => {
                    let arn = format!("arn:aws:sts::{a}:assumed-role/{role}/{session}");
                    mk(&arn).map(|p| (p, "role", arn, a.clone()))
                }
                PrincipalEntry::FederatedUser { account: a, name } if a != account => {
                    let arn = format!("arn:aws:sts::{a}:federated-user/{name}");
                    mk(&arn).map(|p| (p, "user", arn, a.clone()))
                }
                PrincipalEntry::Service(svc) => {
                    mk(svc).map(|p| (p, "service", svc.clone(), String::new()))
                }
                _ => None,
            };
            if let Some(item) = item
                && seen.insert(item.2.clone())
            {
                out.push(item);
            }
        }
    }
    out
}

/// "Any principal": a caller about whom nothing is known (no account, no org, no tags), so
/// every condition on it stays undecided.
pub(super) fn any_principal() -> Principal {
    Principal {
        raw: "*".into(),
        kind: PrincipalKind::Other("*".into()),
        account: None,
        partition: "aws".into(),
        path: "/".into(),
    }
}

pub(super) fn allow_all_identity() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| {
        Policy::parse(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#)
            .expect("valid policy")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_account_is_the_request_resource_account() {
        let p = Principal::parse("arn:aws:iam::111122223333:role/x").unwrap();
        for arn in [
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:a:b:c",
            "arn:aws:secretsmanager:us-east-1::secret:a",
            "arn:aws:secretsmanager:us-east-1:111122223333",
            "nra:aws:secretsmanager:us-east-1:111122223333:secret:a",
            "",
            "*",
        ] {
            let req = Request::new(p.clone(), crate::access::GET_SECRET_VALUE, arn);
            assert_eq!(
                arn_account(arn).map(str::to_string),
                req.resource_account(),
                "{arn}"
            );
        }
    }
}
