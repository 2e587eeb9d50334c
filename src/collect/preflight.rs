//! Before any collection (issue 19): region names are checked, and the caller's identity is
//! established with `sts:GetCallerIdentity`. Either failing is fatal: one line saying what
//! was wrong and what to do, exit 2, and no report that could pass for an audit.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::Error;

/// Public AWS regions (commercial, China, GovCloud) as of 2026. A name of the right shape that
/// is not listed is accepted (AWS adds regions); the list only feeds suggestions.
pub(crate) const KNOWN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
];

/// Commercial regions every account has enabled by default (those launched before March
/// 2019); every other commercial region is opt-in and may be disabled for the account.
const ENABLED_BY_DEFAULT: &[&str] = &[
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// Whether `region` is an opt-in region (one an account may not have enabled). China,
/// GovCloud and the isolated partitions have no opt-in regions.
pub(crate) fn opt_in(region: &str) -> bool {
    well_formed(region)
        && !ENABLED_BY_DEFAULT.contains(&region)
        && !region.starts_with("cn-")
        && !region.starts_with("us-gov-")
        && !region.contains("-iso")
}

/// The gap for a requested region that the account has not enabled: nothing there can be
/// read, and nothing is called.
pub(crate) fn not_enabled(account: &str, region: &str) -> (String, String) {
    (
        "RegionNotEnabled".to_string(),
        format!(
            "{region} is an opt-in region that account {account} has not enabled (account:ListRegions); \
             enable it (`aws account enable-region --region-name {region}`) or leave it out of --regions"
        ),
    )
}

/// `xx-name-N`, `xx-gov-name-N`, `xx-iso[b|e|f]-name-N`: what every AWS region name looks like.
fn well_formed(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let lower = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase());
    let digits = |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [geo, name, n] => geo.len() == 2 && lower(geo) && lower(name) && digits(n),
        [geo, partition, name, n] => {
            geo.len() == 2
                && lower(geo)
                && (*partition == "gov" || partition.starts_with("iso"))
                && lower(partition)
                && lower(name)
                && digits(n)
        }
        _ => false,
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The known region closest to `typo`, if it is close (a few edits).
fn closest(typo: &str) -> Option<&'static str> {
    let t = typo.trim().to_ascii_lowercase().replace('_', "-");
    KNOWN_REGIONS
        .iter()
        .map(|r| (edit_distance(&t, r), *r))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, r)| r)
}

/// Every name in `regions` (besides `all`) must look like a region; a typo gets a suggestion.
pub(crate) fn check_regions(regions: &[String]) -> Result<(), Error> {
    for r in regions {
        if r.eq_ignore_ascii_case("all") || well_formed(r) {
            continue;
        }
        let shown: String = r.chars().take(64).flat_map(char::escape_default).collect();
        let hint = match closest(r) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "region names look like `us-east-1` or `eu-west-2`; `all` audits every enabled region".to_string(),
        };
        return Err(Error::Usage(format!(
            "`{shown}` is not an AWS region name: {hint}"
        )));
    }
    Ok(())
}

/// Whether `[profile NAME]` (config file) or `[NAME]` (credentials file) exists, in the files
/// the SDK reads (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/…`).
fn profile_defined(name: &str) -> bool {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let file = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(std::path::PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
    };
    let sections = |path: Option<std::path::PathBuf>| -> Vec<String> {
        let Some(text) = path.and_then(|p| std::fs::read_to_string(p).ok()) else {
            return Vec::new();
        };
        text.lines()
            .filter_map(|l| {
                let l = l.trim();
                l.strip_prefix('[')?
                    .strip_suffix(']')
                    .map(|s| s.trim().to_string())
            })
            .collect()
    };
    let config = sections(file("AWS_CONFIG_FILE", "config"));
    let credentials = sections(file("AWS_SHARED_CREDENTIALS_FILE", "credentials"));
    config.iter().any(|s| {
        s.strip_prefix("profile ").map(str::trim) == Some(name)
            || (name == "default" && s == "default")
    }) || credentials.iter().any(|s| s == name)
}

/// The whole cause chain of an SDK error, lower-cased, for recognising what went wrong.
pub(super) fn chain<E: std::error::Error + 'static>(err: &SdkError<E, HttpResponse>) -> String {
    let mut out = String::new();
    let mut cur: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = cur {
        out.push_str(&e.to_string().to_ascii_lowercase());
        out.push_str(" | ");
        cur = e.source();
    }
    out
}

/// What to tell the user when `sts:GetCallerIdentity` failed: the cause in plain words, the
/// AWS error code or transport error beside it, and what to do.
pub(crate) fn identity_error<E>(
    err: &SdkError<E, HttpResponse>,
    profile: Option<&str>,
    endpoint: Option<&str>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let (code, message) = super::error_parts(err);
    // The transport errors' message says "could not reach the endpoint" for any request that
    // was not sent; here the innermost cause alone is clearer.
    let message = match err {
        SdkError::DispatchFailure(_) | SdkError::ConstructionFailure(_) => {
            let mut cause: &dyn std::error::Error = err;
            while let Some(next) = cause.source() {
                cause = next;
            }
            super::bounded(&cause.to_string().replace('\n', " "), 300)
        }
        _ => message,
    };
    let text = chain(err);
    let has = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
    let unreachable = match err {
        SdkError::DispatchFailure(d) => d.is_io() || d.is_timeout(),
        SdkError::TimeoutError(_) => true,
        _ => false,
    };
    let what = if let Some(p) = profile.filter(|_| has(&["profile"]) && !unreachable) {
        if profile_defined(p) {
            format!(
                "the AWS profile `{p}` could not provide credentials (the cause follows; for SSO run `aws sso login --profile {p}`)"
            )
        } else {
            format!(
                "the AWS profile `{p}` does not exist in the AWS config or credentials file; list profiles with `aws configure list-profiles`"
            )
        }
    } else if has(&["sso"]) && has(&["expired", "invalid", "refresh"]) {
        format!(
            "the SSO session has expired; run `aws sso login{}` and try again",
            profile
                .map(|p| format!(" --profile {p}"))
                .unwrap_or_default()
        )
    } else if has(&[
        "no credentials",
        "credentials not loaded",
        "not enabled",
        "no providers in chain",
        "failed to load credentials",
        "credentialsnotloaded",
        "the credential provider",
        // The default chain's last provider is the instance metadata service: off an EC2
        // instance its failure ("an error occurred while loading credentials: failed to load
        // IMDS session token: …") is what a machine without credentials reports.
        "while loading credentials",
        "imds",
    ]) {
        "no AWS credentials were found (environment, profile, SSO, container or instance role); \
         set AWS_PROFILE or pass --profile, run `aws sso login`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            .to_string()
    } else if matches!(
        code.as_str(),
        "RequestExpired"
            | "RequestTimeTooSkewed"
            | "SignatureDoesNotMatch"
            | "InvalidSignatureException"
    ) && has(&["expired", "skew", "time"])
    {
        "AWS rejected the request's timestamp: this machine's clock is off; synchronise it (NTP) and try again"
            .to_string()
    } else if matches!(
        code.as_str(),
        "InvalidClientTokenId"
            | "UnrecognizedClientException"
            | "ExpiredToken"
            | "ExpiredTokenException"
    ) {
        "the AWS credentials were refused (unknown, revoked or expired); refresh them (`aws sso login`, a new session token) and try again"
            .to_string()
    } else if code.contains("AccessDenied") {
        "the caller may not call sts:GetCallerIdentity (an explicit deny, e.g. in a service control policy); \
         run secretlens with a principal that may"
            .to_string()
    } else if matches!(
        err,
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)
    ) {
        let cause = crate::cause::transport_reason(&text);
        match endpoint {
            Some(url) => format!(
                "could not reach the endpoint {url}: {cause}; check --endpoint-url (or AWS_ENDPOINT_URL) and that the service is up"
            ),
            None => format!(
                "could not reach AWS STS: {cause}; check the network, a proxy (HTTPS_PROXY) or the region"
            ),
        }
    } else {
        "the caller's identity could not be established".to_string()
    };
    Error::Usage(format!(
        "preflight: {what} (sts:GetCallerIdentity: {code}: {message}); nothing was audited"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opt_in_regions_are_told_apart() {
        for r in [
            "ap-east-1",
            "af-south-1",
            "il-central-1",
            "mx-central-1",
            "xx-new-1",
        ] {
            assert!(opt_in(r), "{r}");
        }
        for r in [
            "us-east-1",
            "eu-west-1",
            "cn-north-1",
            "us-gov-west-1",
            "us-isob-east-1",
            "all",
        ] {
            assert!(!opt_in(r), "{r}");
        }
    }

    #[test]
    fn region_names_are_checked_with_a_suggestion() {
        for ok in [
            "us-east-1",
            "eu-west-2",
            "us-gov-west-1",
            "us-isob-east-1",
            "ap-newplace-9",
            "all",
            "ALL",
        ] {
            assert!(check_regions(&[ok.to_string()]).is_ok(), "{ok}");
        }
        let err = check_regions(&["us-east1".to_string()])
            .expect_err("typo")
            .to_string();
        assert!(err.contains("did you mean `us-east-1`?"), "{err}");
        let err = check_regions(&["eu_west_1".to_string()])
            .expect_err("typo")
            .to_string();
        assert!(err.contains("`eu-west-1`"), "{err}");
        let err = check_regions(&["frankfurt".to_string()])
            .expect_err("no shape")
            .to_string();
        assert!(err.contains("look like `us-east-1`"), "{err}");
        // Hostile text is escaped and bounded.
        let err = check_regions(&[format!("x\u{1b}[31m{}", "y".repeat(500))])
            .expect_err("junk")
            .to_string();
        assert!(!err.contains('\u{1b}') && err.len() < 400, "{err}");
    }
}
