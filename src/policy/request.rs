//! The request being authorized: principal, action, resource and context keys, plus the
//! context keys AWS derives from the principal and resource.
//!
//! Derived keys (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html):
//! `aws:PrincipalArn` (the *role* ARN for an assumed-role session), `aws:PrincipalAccount`,
//! `aws:PrincipalType` (`Account`, `User`, `AssumedRole`, `FederatedUser`, `Anonymous`),
//! `aws:username` (IAM users only), `aws:userid` where it does not need a unique id (root: the
//! account id; federated user: `ACCOUNT:NAME`; anonymous: `anonymous`),
//! `aws:PrincipalIsAWSService`, `aws:PrincipalServiceName`, `aws:ResourceAccount`, and
//! `kms:CallerAccount` for KMS actions. Keys the principal cannot have (e.g. `aws:username` for
//! a role) are *known absent*; every other key missing from the context is *unknown*, which
//! the evaluator reports as `conditional_on`. Explicit context entries override derived ones.

use std::collections::BTreeMap;

crate::error::message_error!(
    /// A principal ARN or name that cannot be read.
    pub PrincipalError
);

/// What kind of principal makes the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalKind {
    /// The account root user, `arn:aws:iam::A:root`.
    Root,
    /// An IAM user; `name` is the last path component.
    User { name: String },
    /// An IAM role given by its ARN: a session of that role whose session name is unknown.
    Role { name: String },
    /// `arn:aws:sts::A:assumed-role/ROLE/SESSION`.
    AssumedRole { role: String, session: String },
    /// `arn:aws:sts::A:federated-user/NAME` (GetFederationToken).
    FederatedUser { name: String },
    /// An AWS service principal such as `lambda.amazonaws.com`.
    Service(String),
    /// An unauthenticated caller.
    Anonymous,
    /// Something else (an identity provider, a canonical user id): matched only literally.
    Other(String),
}

/// A parsed principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// As given.
    pub raw: String,
    pub kind: PrincipalKind,
    /// Account id for IAM principals.
    pub account: Option<String>,
    /// ARN partition (`aws`, `aws-cn`, `aws-us-gov`…), `aws` when unknown.
    pub partition: String,
    /// IAM path for users and roles given with one (`/` otherwise).
    pub path: String,
}

impl Principal {
    /// Parses `anonymous`, a service principal (`x.amazonaws.com`), or an IAM/STS ARN.
    pub fn parse(s: &str) -> Result<Principal, PrincipalError> {
        let raw = s.trim().to_string();
        let mk = |kind, account: Option<&str>, partition: &str, path: &str| Principal {
            raw: raw.clone(),
            kind,
            account: account.map(str::to_string),
            partition: partition.to_string(),
            path: path.to_string(),
        };
        if raw.is_empty() {
            return Err("principal is empty".into());
        }
        if raw.eq_ignore_ascii_case("anonymous") || raw == "*" {
            return Ok(mk(PrincipalKind::Anonymous, None, "aws", "/"));
        }
        if !raw.starts_with("arn:") {
            if raw.contains('.') && !raw.contains(char::is_whitespace) {
                return Ok(mk(
                    PrincipalKind::Service(raw.to_lowercase()),
                    None,
                    "aws",
                    "/",
                ));
            }
            if raw.len() == 12 && raw.bytes().all(|b| b.is_ascii_digit()) {
                return Ok(mk(PrincipalKind::Root, Some(&raw), "aws", "/"));
            }
            return Err(format!(
                "principal {raw:?} is not an IAM/STS ARN, a service principal (x.amazonaws.com), an account id or \"anonymous\""
            ).into());
        }
        let parts: Vec<&str> = raw.splitn(6, ':').collect();
        if parts.len() != 6 {
            return Err(format!(
                "principal {raw:?} is not a valid ARN (expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"
            ).into());
        }
        let (partition, service, account, res) = (parts[1], parts[2], parts[4], parts[5]);
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("principal {raw:?} has no 12-digit account id").into());
        }
        let bad = || {
            PrincipalError(format!(
                "principal {raw:?}: unsupported {service} resource {res:?}"
            ))
        };
        match service {
            "iam" => {
                if res == "root" {
                    return Ok(mk(PrincipalKind::Root, Some(account), partition, "/"));
                }
                let (ty, rest) = res.split_once('/').ok_or_else(bad)?;
                let (path, name) = split_path(rest);
                if name.is_empty() {
                    return Err(bad());
                }
                let kind = match ty {
                    "user" => PrincipalKind::User { name },
                    "role" => PrincipalKind::Role { name },
                    _ => PrincipalKind::Other(raw.clone()),
                };
                Ok(mk(kind, Some(account), partition, &path))
            }
            "sts" => {
                let (ty, rest) = res.split_once('/').ok_or_else(bad)?;
                match ty {
                    "assumed-role" => {
                        let (role, session) = rest.split_once('/').ok_or_else(bad)?;
                        if role.is_empty() || session.is_empty() {
                            return Err(bad());
                        }
                        let kind = PrincipalKind::AssumedRole {
                            role: role.into(),
                            session: session.into(),
                        };
                        Ok(mk(kind, Some(account), partition, "/"))
                    }
                    "federated-user" if !rest.is_empty() => Ok(mk(
                        PrincipalKind::FederatedUser { name: rest.into() },
                        Some(account),
                        partition,
                        "/",
                    )),
                    _ => Err(bad()),
                }
            }
            _ => Err(format!("principal {raw:?} is not an IAM or STS ARN").into()),
        }
    }

    /// Whether this is a role or a role session (the identity acts through a role session).
    pub fn is_role_session(&self) -> bool {
        matches!(
            self.kind,
            PrincipalKind::Role { .. } | PrincipalKind::AssumedRole { .. }
        )
    }

    /// Whether policies of an AWS account apply to it (root, users, roles, sessions).
    pub fn is_iam(&self) -> bool {
        matches!(
            self.kind,
            PrincipalKind::Root
                | PrincipalKind::User { .. }
                | PrincipalKind::Role { .. }
                | PrincipalKind::AssumedRole { .. }
                | PrincipalKind::FederatedUser { .. }
        )
    }

    /// A service-linked role (`role/aws-service-role/…`): SCPs and RCPs do not restrict it.
    pub fn is_service_linked_role(&self) -> bool {
        self.is_role_session() && self.path.starts_with("/aws-service-role/")
    }

    /// The role's ARN for roles and their sessions.
    pub fn role_arn(&self) -> Option<String> {
        let acct = self.account.as_deref()?;
        match &self.kind {
            PrincipalKind::Role { name } | PrincipalKind::AssumedRole { role: name, .. } => Some(
                format!("arn:{}:iam::{acct}:role{}{name}", self.partition, self.path),
            ),
            _ => None,
        }
    }

    /// `aws:PrincipalArn`.
    pub fn principal_arn(&self) -> Option<String> {
        let acct = self.account.as_deref()?;
        match &self.kind {
            PrincipalKind::Root => Some(format!("arn:{}:iam::{acct}:root", self.partition)),
            PrincipalKind::User { name } => Some(format!(
                "arn:{}:iam::{acct}:user{}{name}",
                self.partition, self.path
            )),
            PrincipalKind::Role { .. } | PrincipalKind::AssumedRole { .. } => self.role_arn(),
            PrincipalKind::FederatedUser { name } => Some(format!(
                "arn:{}:sts::{acct}:federated-user/{name}",
                self.partition
            )),
            _ => None,
        }
    }
}

fn split_path(rest: &str) -> (String, String) {
    match rest.rfind('/') {
        Some(i) => (format!("/{}", &rest[..=i]), rest[i + 1..].to_string()),
        None => ("/".to_string(), rest.to_string()),
    }
}

/// Request context keys: keys lowercased, each with one or more string values. Keys missing
/// from the map are *unknown* unless listed as known absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    values: BTreeMap<String, Vec<String>>,
    absent: std::collections::BTreeSet<String>,
}

/// The result of looking a key up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lookup<'a> {
    Present(&'a [String]),
    /// The request certainly does not carry the key.
    Absent,
    /// The context does not say.
    Unknown,
}

impl Context {
    pub fn new() -> Context {
        Context::default()
    }

    /// Sets a key (any case) to one or more values, replacing earlier values.
    pub fn insert(&mut self, key: &str, values: Vec<String>) {
        let k = key.to_lowercase();
        self.absent.remove(&k);
        self.values.insert(k, values);
    }

    /// Records that the request does not carry `key`.
    pub fn mark_absent(&mut self, key: &str) {
        let k = key.to_lowercase();
        self.values.remove(&k);
        self.absent.insert(k);
    }

    /// Looks up a lowercased key.
    pub fn lookup(&self, key_lc: &str) -> Lookup<'_> {
        if let Some(v) = self.values.get(key_lc) {
            Lookup::Present(v)
        } else if self.absent.contains(key_lc) {
            Lookup::Absent
        } else {
            Lookup::Unknown
        }
    }

    /// Whether the key was given (present or marked absent).
    pub fn contains(&self, key_lc: &str) -> bool {
        self.values.contains_key(key_lc) || self.absent.contains(key_lc)
    }
}

/// One authorization request.
#[derive(Debug, Clone)]
pub struct Request {
    pub principal: Principal,
    /// `service:Action`, any case.
    pub action: String,
    /// The resource ARN, or `*` for actions without a resource type.
    pub resource: String,
    /// The account owning the resource, when it is not in the ARN (or to override it).
    pub resource_account: Option<String>,
    /// Context keys given by the caller; they override derived keys.
    pub context: Context,
}

impl Request {
    pub fn new(principal: Principal, action: &str, resource: &str) -> Request {
        Request {
            principal,
            action: action.to_string(),
            resource: resource.to_string(),
            resource_account: None,
            context: Context::new(),
        }
    }

    /// The resource's account: `resource_account`, else the ARN's account segment.
    pub fn resource_account(&self) -> Option<String> {
        if let Some(a) = &self.resource_account {
            return Some(a.clone());
        }
        let parts: Vec<&str> = self.resource.splitn(6, ':').collect();
        (parts.len() == 6 && parts[0] == "arn" && !parts[4].is_empty())
            .then(|| parts[4].to_string())
    }

    /// The context the policies are evaluated against: derived keys, then the caller's.
    pub fn effective_context(&self) -> Context {
        let p = &self.principal;
        let mut c = Context::new();
        let set = |c: &mut Context, k: &str, v: Option<String>| match v {
            Some(v) => c.insert(k, vec![v]),
            None => c.mark_absent(k),
        };
        match &p.kind {
            PrincipalKind::Service(name) => {
                c.insert("aws:PrincipalIsAWSService", vec!["true".into()]);
                c.insert("aws:PrincipalServiceName", vec![name.clone()]);
                for k in [
                    "aws:PrincipalArn",
                    "aws:PrincipalAccount",
                    "aws:username",
                    "aws:PrincipalOrgID",
                    "aws:PrincipalOrgPaths",
                ] {
                    c.mark_absent(k);
                }
            }
            PrincipalKind::Anonymous => {
                c.insert("aws:PrincipalType", vec!["Anonymous".into()]);
                c.insert("aws:userid", vec!["anonymous".into()]);
                for k in [
                    "aws:PrincipalArn",
                    "aws:PrincipalAccount",
                    "aws:username",
                    "aws:PrincipalIsAWSService",
                    "aws:PrincipalServiceName",
                    "aws:PrincipalOrgID",
                    "aws:PrincipalOrgPaths",
                ] {
                    c.mark_absent(k);
                }
            }
            PrincipalKind::Other(_) => {}
            _ => {
                set(&mut c, "aws:PrincipalArn", p.principal_arn());
                set(&mut c, "aws:PrincipalAccount", p.account.clone());
                c.insert("aws:PrincipalIsAWSService", vec!["false".into()]);
                c.mark_absent("aws:PrincipalServiceName");
                let ty = match &p.kind {
                    PrincipalKind::Root => "Account",
                    PrincipalKind::User { .. } => "User",
                    PrincipalKind::FederatedUser { .. } => "FederatedUser",
                    _ => "AssumedRole",
                };
                c.insert("aws:PrincipalType", vec![ty.into()]);
                match &p.kind {
                    PrincipalKind::User { name } => c.insert("aws:username", vec![name.clone()]),
                    _ => c.mark_absent("aws:username"),
                }
                match &p.kind {
                    PrincipalKind::Root => set(&mut c, "aws:userid", p.account.clone()),
                    PrincipalKind::FederatedUser { name } => set(
                        &mut c,
                        "aws:userid",
                        p.account.as_ref().map(|a| format!("{a}:{name}")),
                    ),
                    _ => {}
                }
                if self.action.to_lowercase().starts_with("kms:") {
                    set(&mut c, "kms:CallerAccount", p.account.clone());
                }
            }
        }
        if let Some(a) = self.resource_account() {
            c.insert("aws:ResourceAccount", vec![a]);
        }
        for (k, v) in &self.context.values {
            c.insert(k, v.clone());
        }
        for k in &self.context.absent {
            c.mark_absent(k);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_principals() {
        let p = Principal::parse("arn:aws:sts::111122223333:assumed-role/Admin/alice").unwrap();
        assert_eq!(
            p.kind,
            PrincipalKind::AssumedRole {
                role: "Admin".into(),
                session: "alice".into()
            }
        );
        assert_eq!(
            p.principal_arn().unwrap(),
            "arn:aws:iam::111122223333:role/Admin"
        );
        let u = Principal::parse("arn:aws:iam::111122223333:user/division/bob").unwrap();
        assert_eq!(u.kind, PrincipalKind::User { name: "bob".into() });
        assert_eq!(u.path, "/division/");
        assert_eq!(
            u.principal_arn().unwrap(),
            "arn:aws:iam::111122223333:user/division/bob"
        );
        let slr = Principal::parse(
            "arn:aws:iam::111122223333:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX",
        )
        .unwrap();
        assert!(slr.is_service_linked_role());
        assert!(matches!(
            Principal::parse("lambda.amazonaws.com").unwrap().kind,
            PrincipalKind::Service(_)
        ));
        assert_eq!(
            Principal::parse("anonymous").unwrap().kind,
            PrincipalKind::Anonymous
        );
        assert!(Principal::parse("bob").is_err());
        assert!(Principal::parse("arn:aws:iam::12:user/x").is_err());
        assert!(Principal::parse("arn:aws:sts::111122223333:assumed-role/OnlyRole").is_err());
    }

    #[test]
    fn derived_keys_are_overridden_by_context() {
        let p = Principal::parse("arn:aws:iam::111122223333:user/bob").unwrap();
        let mut r = Request::new(
            p,
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:us-east-1:444455556666:secret:x-AbCdEf",
        );
        r.context.insert("AWS:USERNAME", vec!["override".into()]);
        let c = r.effective_context();
        assert_eq!(
            c.lookup("aws:username"),
            Lookup::Present(&["override".to_string()])
        );
        assert_eq!(
            c.lookup("aws:resourceaccount"),
            Lookup::Present(&["444455556666".to_string()])
        );
        assert_eq!(c.lookup("aws:principalorgid"), Lookup::Unknown);
    }
}
