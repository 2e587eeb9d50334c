//! Why a call failed, in plain language (issue 19): the AWS error code and message of a
//! collection gap turned into the cause a reader can act on ("could not reach the endpoint:
//! connection refused", "access denied by an explicit deny in a service control policy").
//! The code itself stays beside it in every output ([`crate::inventory::Gap::error_code`]).
//!
//! A pure function of the gap's operation, code and message, so an inventory written before
//! causes existed gets the same wording when it is evaluated.

use crate::operation::Operation;

/// Error codes AWS services use for throttling (the SDKs' list, plus per-service spellings).
pub(crate) const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Service error codes that mean "try again" rather than "no".
pub(crate) const TRANSIENT_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "InternalServiceError",
    "InternalServiceErrorException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "IDPCommunicationError",
];

/// How AWS's authorization errors name the policy type that decided (the phrases of
/// "Access denied error messages" in the IAM User Guide), and how we say it.
const DENIED_BY: &[(&str, &str)] = &[
    (
        "explicit deny in a service control policy",
        "access denied by an explicit deny in a service control policy",
    ),
    (
        "explicit deny in a resource control policy",
        "access denied by an explicit deny in a resource control policy",
    ),
    (
        "explicit deny in an identity-based policy",
        "access denied by an explicit deny in an identity-based policy",
    ),
    (
        "explicit deny in a resource-based policy",
        "access denied by an explicit deny in the resource's policy",
    ),
    (
        "explicit deny in a permissions boundary",
        "access denied by an explicit deny in a permissions boundary",
    ),
    (
        "explicit deny in a session policy",
        "access denied by an explicit deny in a session policy",
    ),
    (
        "explicit deny in a vpc endpoint policy",
        "access denied by an explicit deny in a VPC endpoint policy",
    ),
    (
        "no service control policy allows",
        "access denied: no service control policy allows",
    ),
    (
        "no permissions boundary allows",
        "access denied: the permissions boundary does not allow",
    ),
    (
        "no session policy allows",
        "access denied: the session policy does not allow",
    ),
    (
        "no vpc endpoint policy allows",
        "access denied: the VPC endpoint policy does not allow",
    ),
    (
        "no resource-based policy allows",
        "access denied: the resource's policy does not allow",
    ),
    (
        "no identity-based policy allows",
        "access denied: no identity-based policy allows",
    ),
];

/// The cause of a failed call in a few plain words. `code` is the AWS error code or the
/// transport error kind (`DispatchFailure`, `Timeout`, `ResponseError`, `RegionTimeout`).
pub fn describe(operation: &Operation, code: &str, message: &str) -> String {
    let m = message.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| m.contains(n));
    match code {
        "DispatchFailure" => {
            if has(&["credential", "no providers"]) {
                return "the request was not sent: no credentials could be loaded".to_string();
            }
            format!("could not reach the endpoint: {}", transport_reason(&m))
        }
        "Timeout" => "the call timed out (collection.call_timeout_secs), also after retries"
            .to_string(),
        "ResponseError" => "the response could not be read (cut off, or not what the API returns)"
            .to_string(),
        "ConstructionFailure" => {
            "the request could not be built (a configuration problem, e.g. credentials or region)"
                .to_string()
        }
        "NoInventory" => "no inventory: the account's collection did not finish (its task failed or timed out), so nothing in it was assessed".to_string(),
        "RegionNotEnabled" => "the region is not enabled for this account".to_string(),
        "RegionTimeout" => {
            "the region did not finish within collection.region_timeout_secs".to_string()
        }
        _ if THROTTLING_CODES.contains(&code) => {
            "throttled: AWS kept throttling the call through every retry (collection.retry_budget_secs)"
                .to_string()
        }
        _ if TRANSIENT_CODES.contains(&code) => {
            "AWS answered with a server error, also on every retry".to_string()
        }
        _ if *operation == Operation::AssumeRole
            && (code.contains("AccessDenied") || code == "AuthorizationError") =>
        {
            "the role could not be assumed: it does not exist, does not trust the caller, or needs another external id"
                .to_string()
        }
        _ if code.contains("AccessDenied")
            || code.contains("Unauthorized")
            || code == "AuthorizationError"
            || code == "Forbidden" =>
        {
            let action = action_in(message).unwrap_or_else(|| operation.to_string());
            match DENIED_BY.iter().find(|(phrase, _)| m.contains(phrase)) {
                Some((phrase, said)) if phrase.starts_with("no ") => format!("{said} {action}"),
                Some((_, said)) => format!("{said} ({action})"),
                None => format!("access denied: the caller may not call {action}"),
            }
        }
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => {
            "the credentials expired during the run".to_string()
        }
        "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "AuthFailure"
        | "InvalidAccessKeyId" => {
            "the credentials were refused (unknown or revoked keys, or a region not enabled for the account)"
                .to_string()
        }
        "SignatureDoesNotMatch" | "InvalidSignatureException" | "IncompleteSignature" => {
            "the request signature was refused (a wrong secret key, or this machine's clock is off)"
                .to_string()
        }
        "OptInRequired" | "SubscriptionRequiredException" => {
            "the service or region is not enabled for this account".to_string()
        }
        "ResourceNotFoundException" | "NotFoundException" | "NoSuchEntity" | "NotFound" => {
            "the resource no longer exists (deleted while the audit ran?)".to_string()
        }
        "KMSInvalidStateException" | "DisabledException" => {
            "the KMS key is disabled or pending deletion".to_string()
        }
        "ValidationException"
        | "InvalidParameterException"
        | "InvalidParameterValue"
        | "InvalidParameterValueException"
        | "InvalidRequestException" => "AWS rejected the request as invalid".to_string(),
        "" => "the call failed".to_string(),
        _ => "AWS refused the call".to_string(),
    }
}

/// Why a request got no answer, from its lower-cased error text (the whole cause chain is
/// best): "connection refused", "the host name does not resolve", … Shared by gaps and the
/// identity preflight.
pub(crate) fn transport_reason(lower: &str) -> &'static str {
    let has = |needles: &[&str]| needles.iter().any(|n| lower.contains(n));
    if has(&["connection refused"]) {
        "connection refused"
    } else if has(&[
        "dns",
        "failed to lookup",
        "name or service not known",
        "no such host",
        "nodename nor servname",
    ]) {
        "the host name does not resolve"
    } else if has(&["certificate", "tls", "ssl", "handshake"]) {
        "the TLS handshake failed"
    } else if has(&["timed out", "timeout"]) {
        "the connection timed out"
    } else if has(&["reset", "broken pipe", "closed", "eof"]) {
        "the connection was dropped"
    } else {
        "no answer"
    }
}

/// The action an authorization message names: "… is not authorized to perform:
/// secretsmanager:GetResourcePolicy on resource: …".
fn action_in(message: &str) -> Option<String> {
    let rest = &message[message.find("perform: ")? + "perform: ".len()..];
    let action: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == ':' || *c == '-')
        .take(100)
        .collect();
    (action.contains(':') && !action.ends_with(':')).then_some(action)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(op: Operation, code: &str, message: &str) -> String {
        describe(&op, code, message)
    }

    #[test]
    fn transport_failures_name_the_cause() {
        assert_eq!(
            d(
                Operation::ListSecrets,
                "DispatchFailure",
                "could not reach the endpoint: Connection refused (os error 111)"
            ),
            "could not reach the endpoint: connection refused"
        );
        assert_eq!(
            d(
                Operation::ListSecrets,
                "DispatchFailure",
                "could not reach the endpoint: dns error: failed to lookup address information"
            ),
            "could not reach the endpoint: the host name does not resolve"
        );
        assert!(d(Operation::ListSecrets, "Timeout", "timed out").contains("timed out"));
        assert!(d(Operation::ListSecrets, "RegionTimeout", "").contains("region_timeout_secs"));
    }

    #[test]
    fn access_denied_says_which_policy_decided() {
        let scp = "User: arn:aws:sts::111122223333:assumed-role/Audit/s is not authorized to perform: \
                   secretsmanager:GetResourcePolicy on resource: arn:aws:secretsmanager:us-east-1:111122223333:secret:x \
                   with an explicit deny in a service control policy";
        assert_eq!(
            d(Operation::GetResourcePolicy, "AccessDeniedException", scp),
            "access denied by an explicit deny in a service control policy (secretsmanager:GetResourcePolicy)"
        );
        let none = "User: arn:aws:iam::111122223333:user/a is not authorized to perform: kms:GetKeyPolicy \
                    on resource: arn:aws:kms:… because no identity-based policy allows the kms:GetKeyPolicy action";
        assert_eq!(
            d(Operation::GetKeyPolicy, "AccessDeniedException", none),
            "access denied: no identity-based policy allows kms:GetKeyPolicy"
        );
        // No recognisable message: the operation is named.
        assert_eq!(
            d(
                Operation::ListFunctions,
                "AccessDeniedException",
                "Forbidden"
            ),
            "access denied: the caller may not call ListFunctions"
        );
        assert!(
            d(
                Operation::AssumeRole,
                "AccessDenied",
                "not authorized to perform: sts:AssumeRole"
            )
            .starts_with("the role could not be assumed")
        );
    }

    #[test]
    fn throttling_and_server_errors_say_they_were_retried() {
        assert!(
            d(
                Operation::GetResourcePolicy,
                "ThrottlingException",
                "Rate exceeded"
            )
            .starts_with("throttled")
        );
        assert!(
            d(Operation::DescribeInstances, "RequestLimitExceeded", "").starts_with("throttled")
        );
        assert!(d(Operation::ListSecrets, "InternalFailure", "").contains("server error"));
    }

    #[test]
    fn hostile_messages_stay_bounded_and_unknown_codes_are_said_plainly() {
        let long = format!("not authorized to perform: a:{}", "b".repeat(10_000));
        let c = d(Operation::ListSecrets, "AccessDenied", &long);
        assert!(c.len() < 200, "{}", c.len());
        assert_eq!(
            d(Operation::ListSecrets, "SomethingNew", "x"),
            "AWS refused the call"
        );
        assert_eq!(d(Operation::ListSecrets, "", ""), "the call failed");
    }
}
