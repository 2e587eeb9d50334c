//! Parsing IAM policy JSON into pre-compiled statements.
//!
//! Accepted as AWS accepts it (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html):
//! `Statement` as one object or an array; every list element as a single string or an array;
//! `Version` `2012-10-17`, `2008-10-17` or absent (then policy variables are literal text);
//! `Id`; `Sid`; `Principal`/`NotPrincipal` as `"*"` or `{"AWS"|"Service"|"Federated"|"CanonicalUser": …}`;
//! `Action`/`NotAction`; `Resource`/`NotResource`; `Condition` with every documented operator.
//! Condition values may be strings, numbers or booleans (stringified).
//!
//! Anything else — unknown elements, wrong JSON types, a missing or invalid `Effect`, both
//! `Action` and `NotAction`, an unknown condition operator, a malformed typed value — is a
//! [`PolicyError`] naming where (`Statement[1].Condition.StringEquals`) and why. Parsing never
//! panics ([`Policy::parse_lenient`] keeps statements with unknown operators, which then never
//! apply silently: see [`super::condition::Family::Unsupported`]).

use serde_json::Value;

use super::condition::{Clause, Operator};
use super::matching::{Glob, Piece};
use super::variables::parse_pieces;

/// A policy that could not be parsed: where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct PolicyError {
    /// A JSON-path-like location (`Statement[0].Action`), empty for the whole document.
    pub path: String,
    pub message: String,
}

impl PolicyError {
    fn new(path: impl Into<String>, message: impl Into<String>) -> PolicyError {
        PolicyError {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The same error, located inside `prefix` (e.g. `identity_policies[2]`).
    pub fn within(mut self, prefix: &str) -> PolicyError {
        self.path = if self.path.is_empty() {
            prefix.to_string()
        } else {
            format!("{prefix}.{}", self.path)
        };
        self
    }
}

/// `Version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyVersion {
    V2012_10_17,
    V2008_10_17,
    Absent,
}

impl PolicyVersion {
    /// Policy variables are substituted only in 2012-10-17 policies.
    pub fn variables_enabled(self) -> bool {
        self == PolicyVersion::V2012_10_17
    }
}

/// `Effect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// One entry of `Principal`/`NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalEntry {
    /// `"*"` or `{"AWS": "*"}`: everyone, including anonymous callers.
    Any,
    /// `{"AWS": "123456789012"}` or `arn:aws:iam::123456789012:root`: the account, i.e. every
    /// principal in it whose own policies allow the request (not only the root user).
    Account(String),
    /// An IAM user, by account and name (paths do not matter: names are unique per account;
    /// IAM names are case-insensitive).
    User { account: String, name: String },
    /// An IAM role: matches the role and all its sessions.
    Role { account: String, name: String },
    /// One role session, `arn:aws:sts::A:assumed-role/R/S`.
    AssumedRole {
        account: String,
        role: String,
        session: String,
    },
    /// `arn:aws:sts::A:federated-user/N`.
    FederatedUser { account: String, name: String },
    /// Another ARN, matched literally.
    OtherArn(String),
    /// A unique id (`AIDA…`, `AROA…`): IAM shows these when the named entity was deleted. Matches
    /// only if the request context's `aws:userid` carries it.
    UniqueId(String),
    /// `{"Service": "x.amazonaws.com"}` (lowercased).
    Service(String),
    /// `{"Federated": …}`.
    Federated(String),
    /// `{"CanonicalUser": …}`.
    CanonicalUser(String),
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalMatch {
    pub negated: bool,
    pub entries: Vec<PrincipalEntry>,
}

/// `Action` or `NotAction`: lowercased globs.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionMatch {
    pub negated: bool,
    pub patterns: Vec<Glob>,
    /// As written, for evidence.
    pub raw: Vec<String>,
}

/// `Resource` or `NotResource`: ARN globs (with unresolved variables for 2012-10-17).
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceMatch {
    pub negated: bool,
    pub patterns: Vec<Glob>,
    pub raw: Vec<String>,
}

/// One statement, compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Position in the policy's statement list.
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<PrincipalMatch>,
    pub action: ActionMatch,
    /// `None` when neither `Resource` nor `NotResource` is given (trust policies): matches any
    /// resource.
    pub resource: Option<ResourceMatch>,
    pub conditions: Vec<Clause>,
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub version: PolicyVersion,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

/// What [`Policy::parse`] accepts: JSON text or an already-parsed value.
pub trait PolicySource {
    fn to_value(&self) -> Result<Value, PolicyError>;
}

impl PolicySource for str {
    fn to_value(&self) -> Result<Value, PolicyError> {
        serde_json::from_str(self).map_err(|e| PolicyError::new("", format!("not valid JSON: {e}")))
    }
}

impl PolicySource for String {
    fn to_value(&self) -> Result<Value, PolicyError> {
        self.as_str().to_value()
    }
}

impl PolicySource for Value {
    fn to_value(&self) -> Result<Value, PolicyError> {
        Ok(self.clone())
    }
}

impl Policy {
    /// Parses a policy strictly: any unknown or malformed construct is an error.
    pub fn parse<S: PolicySource + ?Sized>(src: &S) -> Result<Policy, PolicyError> {
        let v = src.to_value()?;
        parse_value(&v, false).map(|(p, _)| p)
    }

    /// Parses a policy, turning unknown condition operators into warnings: those statements
    /// are kept but their conditions are undecidable (never silently true). Other errors still
    /// fail. Meant for policies read from AWS, which AWS already validated.
    pub fn parse_lenient<S: PolicySource + ?Sized>(
        src: &S,
    ) -> Result<(Policy, Vec<PolicyError>), PolicyError> {
        let v = src.to_value()?;
        parse_value(&v, true)
    }

    /// Parses a policy strictly, and also returns what AWS would refuse to store but still
    /// evaluates (an action with whitespace or nothing after the colon, `NotPrincipal` with
    /// `Allow`): `secretlens simulate` reports these with its answer.
    pub fn parse_noting<S: PolicySource + ?Sized>(
        src: &S,
    ) -> Result<(Policy, Vec<PolicyError>), PolicyError> {
        let v = src.to_value()?;
        parse_value(&v, false)
    }

    /// Whether any statement has a `Principal`/`NotPrincipal` element.
    pub fn has_principal(&self) -> bool {
        self.statements.iter().any(|s| s.principal.is_some())
    }
}

fn parse_value(v: &Value, lenient: bool) -> Result<(Policy, Vec<PolicyError>), PolicyError> {
    let obj = v.as_object().ok_or_else(|| {
        PolicyError::new(
            "",
            format!("a policy must be a JSON object, not {}", type_name(v)),
        )
    })?;
    for k in obj.keys() {
        if !matches!(k.as_str(), "Version" | "Id" | "Statement") {
            return Err(PolicyError::new(
                k.as_str(),
                "unknown policy element (expected Version, Id, Statement)",
            ));
        }
    }
    let version = match obj.get("Version") {
        None => PolicyVersion::Absent,
        Some(Value::String(s)) if s == "2012-10-17" => PolicyVersion::V2012_10_17,
        Some(Value::String(s)) if s == "2008-10-17" => PolicyVersion::V2008_10_17,
        Some(other) => {
            return Err(PolicyError::new(
                "Version",
                format!("{other} is not a policy version (use \"2012-10-17\")"),
            ));
        }
    };
    let id = match obj.get("Id") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(PolicyError::new(
                "Id",
                format!("must be a string, not {}", type_name(other)),
            ));
        }
    };
    let stmts: Vec<(String, &Value)> = match obj.get("Statement") {
        None => {
            return Err(PolicyError::new(
                "Statement",
                "missing (a policy needs at least a Statement element)",
            ));
        }
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("Statement[{i}]"), s))
            .collect(),
        Some(s @ Value::Object(_)) => vec![("Statement".to_string(), s)],
        Some(other) => {
            return Err(PolicyError::new(
                "Statement",
                format!(
                    "must be an object or an array of objects, not {}",
                    type_name(other)
                ),
            ));
        }
    };
    let mut warnings = Vec::new();
    let mut statements = Vec::with_capacity(stmts.len());
    for (i, (path, s)) in stmts.into_iter().enumerate() {
        statements.push(parse_statement(
            i,
            &path,
            s,
            version,
            lenient,
            &mut warnings,
        )?);
    }
    Ok((
        Policy {
            version,
            id,
            statements,
        },
        warnings,
    ))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A string or an array of strings.
fn string_list(v: &Value, path: &str) -> Result<Vec<String>, PolicyError> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, e)| match e {
                Value::String(s) => Ok(s.clone()),
                other => Err(PolicyError::new(
                    format!("{path}[{i}]"),
                    format!("must be a string, not {}", type_name(other)),
                )),
            })
            .collect(),
        other => Err(PolicyError::new(
            path,
            format!(
                "must be a string or an array of strings, not {}",
                type_name(other)
            ),
        )),
    }
}

fn parse_statement(
    index: usize,
    path: &str,
    v: &Value,
    version: PolicyVersion,
    lenient: bool,
    warnings: &mut Vec<PolicyError>,
) -> Result<Statement, PolicyError> {
    let p = |k: &str| format!("{path}.{k}");
    let obj = v.as_object().ok_or_else(|| {
        PolicyError::new(
            path,
            format!("a statement must be an object, not {}", type_name(v)),
        )
    })?;
    for k in obj.keys() {
        if !matches!(
            k.as_str(),
            "Sid"
                | "Effect"
                | "Principal"
                | "NotPrincipal"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Condition"
        ) {
            return Err(PolicyError::new(p(k), "unknown statement element"));
        }
    }
    let sid = match obj.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(PolicyError::new(
                p("Sid"),
                format!("must be a string, not {}", type_name(other)),
            ));
        }
    };
    let effect = match obj.get("Effect") {
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(other) => {
            return Err(PolicyError::new(
                p("Effect"),
                format!("{other} is not \"Allow\" or \"Deny\""),
            ));
        }
        None => {
            return Err(PolicyError::new(
                p("Effect"),
                "missing (every statement needs \"Effect\": \"Allow\" or \"Deny\")",
            ));
        }
    };
    let principal = match (obj.get("Principal"), obj.get("NotPrincipal")) {
        (Some(_), Some(_)) => {
            return Err(PolicyError::new(
                path,
                "has both Principal and NotPrincipal",
            ));
        }
        (Some(v), None) => Some(parse_principal(v, &p("Principal"), false)?),
        (None, Some(v)) => {
            if effect == Effect::Allow {
                // reference_policies_elements_notprincipal.html: "NotPrincipal must be used
                // with "Effect":"Deny". Using it with "Effect":"Allow" is not supported."
                warnings.push(PolicyError::new(
                    p("NotPrincipal"),
                    "NotPrincipal with \"Effect\": \"Allow\" is not supported by AWS \
                     (reference_policies_elements_notprincipal.html); evaluated as allowing \
                     everyone except the principals it names",
                ));
            }
            Some(parse_principal(v, &p("NotPrincipal"), true)?)
        }
        (None, None) => None,
    };
    let action = match (obj.get("Action"), obj.get("NotAction")) {
        (Some(_), Some(_)) => return Err(PolicyError::new(path, "has both Action and NotAction")),
        (Some(v), None) => parse_actions(v, &p("Action"), false, warnings)?,
        (None, Some(v)) => parse_actions(v, &p("NotAction"), true, warnings)?,
        (None, None) => return Err(PolicyError::new(path, "has neither Action nor NotAction")),
    };
    let resource = match (obj.get("Resource"), obj.get("NotResource")) {
        (Some(_), Some(_)) => {
            return Err(PolicyError::new(path, "has both Resource and NotResource"));
        }
        (Some(v), None) => Some(parse_resources(v, &p("Resource"), false, version)?),
        (None, Some(v)) => Some(parse_resources(v, &p("NotResource"), true, version)?),
        (None, None) => None,
    };
    let conditions = match obj.get("Condition") {
        None => Vec::new(),
        Some(c) => parse_condition(c, &p("Condition"), version, lenient, warnings)?,
    };
    Ok(Statement {
        index,
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

/// `Action` / `NotAction`. Actions are compared as written, case-insensitively: one with
/// whitespace, or with nothing after the colon, is accepted with a note (AWS refuses to store
/// it) and matches no request, so in a `NotAction` it excludes nothing.
fn parse_actions(
    v: &Value,
    path: &str,
    negated: bool,
    warnings: &mut Vec<PolicyError>,
) -> Result<ActionMatch, PolicyError> {
    let raw = string_list(v, path)?;
    if raw.is_empty() {
        return Err(PolicyError::new(path, "is an empty list"));
    }
    let mut patterns = Vec::with_capacity(raw.len());
    for (i, a) in raw.iter().enumerate() {
        let shaped = a.trim() == "*"
            || a.trim().split_once(':').is_some_and(|(svc, name)| {
                !svc.is_empty() && !name.contains(':') && !svc.contains(['*', '?'])
            });
        if !shaped {
            return Err(PolicyError::new(
                format!("{path}[{i}]"),
                format!("{a:?} is not \"*\" or \"service:Action\""),
            ));
        }
        let name = a.split_once(':').map_or("*", |(_, n)| n);
        if a.contains(char::is_whitespace) || name.is_empty() {
            warnings.push(PolicyError::new(
                format!("{path}[{i}]"),
                format!(
                    "{a:?} has whitespace or no action name: AWS would refuse to store it; \
                     it matches no action{}",
                    if negated {
                        " (so this NotAction excludes nothing)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        patterns.push(Glob::plain(a, true));
    }
    Ok(ActionMatch {
        negated,
        patterns,
        raw,
    })
}

fn parse_resources(
    v: &Value,
    path: &str,
    negated: bool,
    version: PolicyVersion,
) -> Result<ResourceMatch, PolicyError> {
    let raw = string_list(v, path)?;
    if raw.is_empty() {
        return Err(PolicyError::new(path, "is an empty list"));
    }
    let mut patterns = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        if r != "*"
            && !r.starts_with("arn:")
            && !(version.variables_enabled() && r.starts_with("${"))
        {
            return Err(PolicyError::new(
                format!("{path}[{i}]"),
                format!("{r:?} is not an ARN or \"*\""),
            ));
        }
        let pieces = if version.variables_enabled() {
            parse_pieces(r)
        } else {
            vec![Piece::Text(r.clone())]
        };
        patterns.push(Glob::arn_resource(&pieces));
    }
    Ok(ResourceMatch {
        negated,
        patterns,
        raw,
    })
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_unique_id(s: &str) -> bool {
    s.len() >= 16
        && s.starts_with('A')
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn parse_principal(v: &Value, path: &str, negated: bool) -> Result<PrincipalMatch, PolicyError> {
    let mut entries = Vec::new();
    match v {
        Value::String(s) if s == "*" => entries.push(PrincipalEntry::Any),
        Value::Object(map) => {
            if map.is_empty() {
                return Err(PolicyError::new(path, "is an empty object"));
            }
            for (kind, vals) in map {
                let kp = format!("{path}.{kind}");
                let vals = string_list(vals, &kp)?;
                for (i, s) in vals.iter().enumerate() {
                    let ep = format!("{kp}[{i}]");
                    let s = s.trim();
                    let e = match kind.as_str() {
                        "AWS" => parse_aws_principal(s).map_err(|m| PolicyError::new(ep, m.0))?,
                        "Service" => PrincipalEntry::Service(s.to_lowercase()),
                        "Federated" => PrincipalEntry::Federated(s.to_string()),
                        "CanonicalUser" => PrincipalEntry::CanonicalUser(s.to_string()),
                        _ => {
                            return Err(PolicyError::new(
                                kp,
                                "unknown principal type (expected AWS, Service, Federated or CanonicalUser)",
                            ));
                        }
                    };
                    entries.push(e);
                }
            }
        }
        Value::String(s) => {
            return Err(PolicyError::new(
                path,
                format!(
                    "{s:?}: a string principal must be \"*\"; use {{\"AWS\": …}} or {{\"Service\": …}}"
                ),
            ));
        }
        other => {
            return Err(PolicyError::new(
                path,
                format!("must be \"*\" or an object, not {}", type_name(other)),
            ));
        }
    }
    Ok(PrincipalMatch { negated, entries })
}

fn parse_aws_principal(s: &str) -> Result<PrincipalEntry, super::request::PrincipalError> {
    if s == "*" {
        return Ok(PrincipalEntry::Any);
    }
    if is_account_id(s) {
        return Ok(PrincipalEntry::Account(s.to_string()));
    }
    if s.contains(['*', '?']) {
        return Err(format!(
            "{s:?}: wildcards are not allowed in Principal except a bare \"*\" (use a condition on aws:PrincipalArn)"
        ).into());
    }
    if is_unique_id(s) {
        return Ok(PrincipalEntry::UniqueId(s.to_string()));
    }
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return Err(
            format!("{s:?} is not an account id, an IAM/STS ARN, a unique id or \"*\"").into(),
        );
    }
    let (service, account, res) = (parts[2], parts[4], parts[5]);
    if !is_account_id(account) {
        return Err(format!("{s:?} has no 12-digit account id").into());
    }
    let account = account.to_string();
    let last = |r: &str| r.rsplit('/').next().unwrap_or(r).to_string();
    Ok(match (service, res.split_once('/')) {
        ("iam", None) if res == "root" => PrincipalEntry::Account(account),
        ("iam", Some(("user", rest))) if !rest.is_empty() => PrincipalEntry::User {
            account,
            name: last(rest),
        },
        ("iam", Some(("role", rest))) if !rest.is_empty() => PrincipalEntry::Role {
            account,
            name: last(rest),
        },
        ("sts", Some(("assumed-role", rest))) => match rest.split_once('/') {
            Some((role, session)) if !role.is_empty() && !session.is_empty() => {
                PrincipalEntry::AssumedRole {
                    account,
                    role: role.to_string(),
                    session: session.to_string(),
                }
            }
            _ => {
                return Err(format!(
                    "{s:?}: expected arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION"
                )
                .into());
            }
        },
        ("sts", Some(("federated-user", rest))) if !rest.is_empty() => {
            PrincipalEntry::FederatedUser {
                account,
                name: rest.to_string(),
            }
        }
        ("iam" | "sts", _) => PrincipalEntry::OtherArn(s.to_string()),
        _ => return Err(format!("{s:?} is not an IAM or STS ARN").into()),
    })
}

fn scalar_to_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn parse_condition(
    v: &Value,
    path: &str,
    version: PolicyVersion,
    lenient: bool,
    warnings: &mut Vec<PolicyError>,
) -> Result<Vec<Clause>, PolicyError> {
    let map = v.as_object().ok_or_else(|| {
        PolicyError::new(
            path,
            format!("must be an object of operators, not {}", type_name(v)),
        )
    })?;
    let mut clauses = Vec::new();
    for (op_name, keys) in map {
        let op_path = format!("{path}.{op_name}");
        let keys = keys.as_object().ok_or_else(|| {
            PolicyError::new(
                &op_path,
                format!(
                    "must be an object of condition keys, not {}",
                    type_name(keys)
                ),
            )
        })?;
        let op = Operator::parse(op_name);
        for (key, vals) in keys {
            let kp = format!("{op_path}.{key}");
            if key.trim().is_empty() {
                return Err(PolicyError::new(kp, "empty condition key"));
            }
            let raw: Vec<String> = match vals {
                Value::Array(a) => a
                    .iter()
                    .enumerate()
                    .map(|(i, e)| {
                        scalar_to_string(e).ok_or_else(|| {
                            PolicyError::new(
                                format!("{kp}[{i}]"),
                                format!(
                                    "must be a string, number or boolean, not {}",
                                    type_name(e)
                                ),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?,
                other => vec![scalar_to_string(other).ok_or_else(|| {
                    PolicyError::new(
                        &kp,
                        format!(
                            "must be a string, number, boolean or an array of them, not {}",
                            type_name(other)
                        ),
                    )
                })?],
            };
            match &op {
                Some(op) => clauses.push(
                    Clause::compile(op.clone(), key, &raw, version.variables_enabled())
                        .map_err(|m| PolicyError::new(&kp, m.0))?,
                ),
                None => {
                    let e = PolicyError::new(
                        &op_path,
                        format!(
                            "unknown condition operator {op_name:?} (see the IAM condition operators reference)"
                        ),
                    );
                    if !lenient {
                        return Err(e);
                    }
                    warnings.push(e);
                    clauses.push(Clause::unsupported(op_name, key));
                }
            }
        }
        if keys.is_empty() && op.is_none() {
            let e = PolicyError::new(&op_path, format!("unknown condition operator {op_name:?}"));
            if !lenient {
                return Err(e);
            }
            warnings.push(e);
        }
    }
    Ok(clauses)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_the_aws_shapes() {
        let p = Policy::parse(&json!({
            "Version": "2012-10-17",
            "Id": "x",
            "Statement": {
                "Sid": "One",
                "Effect": "Allow",
                "Principal": {"AWS": ["123456789012", "arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:role/p/R",
                                      "AROAEXAMPLEID1234567"], "Service": "Lambda.amazonaws.com"},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
                "Condition": {"NumericLessThan": {"s:n": 10}, "Bool": {"aws:SecureTransport": true}}
            }
        }))
        .unwrap();
        let s = &p.statements[0];
        let pr = s.principal.as_ref().unwrap();
        assert_eq!(
            pr.entries[0],
            PrincipalEntry::Account("123456789012".into())
        );
        assert_eq!(
            pr.entries[1],
            PrincipalEntry::Account("111122223333".into())
        );
        assert_eq!(
            pr.entries[2],
            PrincipalEntry::Role {
                account: "111122223333".into(),
                name: "R".into()
            }
        );
        assert_eq!(
            pr.entries[3],
            PrincipalEntry::UniqueId("AROAEXAMPLEID1234567".into())
        );
        assert_eq!(
            pr.entries[4],
            PrincipalEntry::Service("lambda.amazonaws.com".into())
        );
        assert_eq!(s.conditions.len(), 2);
        // A policy as a JSON string.
        let p =
            Policy::parse(r#"{"Statement":[{"Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:s3:::b"}]}"#)
                .unwrap();
        assert_eq!(p.version, PolicyVersion::Absent);
        assert!(p.statements[0].action.negated);
    }

    #[test]
    fn rejects_malformed_policies_with_a_path() {
        let cases = [
            (
                json!({"Statement": [{"Action": "s3:*", "Resource": "*"}]}),
                "Statement[0].Effect",
            ),
            (
                json!({"Statement": [{"Effect": "allow", "Action": "s3:*", "Resource": "*"}]}),
                "Statement[0].Effect",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqualz": {"a:b": "c"}}}]}),
                "Statement[0].Condition.StringEqualz",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": 3, "Resource": "*"}]}),
                "Statement[0].Action",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "NotAction": "x:y", "Resource": "*"}]}),
                "Statement[0]",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Resource": "*"}]}),
                "Statement[0]",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "getobject", "Resource": "*"}]}),
                "Statement[0].Action[0]",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "s3:x", "Resource": "bucket"}]}),
                "Statement[0].Resource[0]",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "s3:x", "Resource": "*", "Principal": {"AWS": "arn:aws:iam::*:root"}}]}),
                "Statement[0].Principal.AWS[0]",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "s3:x", "Resource": "*", "Principal": {"Bogus": "x"}}]}),
                "Statement[0].Principal.Bogus",
            ),
            (json!({"Version": "2012-10-18", "Statement": []}), "Version"),
            (json!({"Statement": [], "Extra": 1}), "Extra"),
            (json!({"Version": "2012-10-17"}), "Statement"),
            (json!([1, 2]), ""),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "s3:x", "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": "soon"}}}]}),
                "Statement[0].Condition.DateLessThan.aws:CurrentTime",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "s3:x", "Resource": "*", "Condition": {"StringEquals": {"a:b": {"x": 1}}}}]}),
                "Statement[0].Condition.StringEquals.a:b",
            ),
            (
                json!({"Statement": [{"Effect": "Allow", "Action": "s3:x", "Resource": "*", "Condition": {"StringEquals": "a"}}]}),
                "Statement[0].Condition.StringEquals",
            ),
        ];
        for (doc, path) in cases {
            let err = Policy::parse(&doc).expect_err(&doc.to_string());
            assert_eq!(err.path, path, "{doc}: {err}");
        }
        assert!(Policy::parse("{not json").is_err());
    }

    #[test]
    fn lenient_parse_keeps_unknown_operators_as_undecidable() {
        let doc = json!({"Statement": [{"Effect": "Allow", "Action": "s3:x", "Resource": "*", "Condition": {"StringFuture": {"a:b": "c"}}}]});
        let (p, warnings) = Policy::parse_lenient(&doc).unwrap();
        assert_eq!(warnings.len(), 1);
        assert_eq!(p.statements[0].conditions.len(), 1);
    }

    #[test]
    fn variables_only_in_2012_10_17() {
        let new = Policy::parse(&json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:x", "Resource": "arn:aws:s3:::b/${aws:username}/*"}]})).unwrap();
        assert!(new.statements[0].resource.as_ref().unwrap().patterns[0].has_vars());
        let old = Policy::parse(&json!({"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:x", "Resource": "arn:aws:s3:::b/${aws:username}/*"}]})).unwrap();
        assert!(!old.statements[0].resource.as_ref().unwrap().patterns[0].has_vars());
        assert!(
            old.statements[0].resource.as_ref().unwrap().patterns[0]
                .matches("arn:aws:s3:::b/${aws:username}/x")
        );
    }
}
