//! CloudTrail: which trails log the region's management read events (SL801), and the Secrets
//! Manager events of the look-back window (SL802, SL103 evidence).
//!
//! Per region: `DescribeTrails` (shadow trails included, so multi-region and organization
//! trails homed elsewhere count), then `GetTrailStatus` and `GetEventSelectors` per trail
//! (asked of the trail's home region), then `LookupEvents` filtered on
//! `EventSource = secretsmanager.amazonaws.com`, bounded in pages, events and time. Each
//! event's `CloudTrailEvent` JSON is parsed into a compact per-secret summary; raw events are
//! never kept. Events that cannot be parsed are counted, and become one gap per region.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use aws_config::Region;
use aws_sdk_cloudtrail::Client;
use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Ctx, bounded, error_parts, to_chrono};
use crate::inventory::{
    AdvancedEventSelector, BasicEventSelector, CloudTrailRegion, EventLookup, EventSelectors,
    FieldSelector, Gap, Operation, ReaderActivity, RotationOutcomes, Secret, SecretActivity,
    TrailInfo,
};

/// What `LookupEvents` is asked for, and its bounds.
#[derive(Debug, Clone)]
pub(crate) struct LookupSettings {
    pub lookback_days: i64,
    pub max_events: u64,
    /// The lookup stops (window marked truncated) after this long.
    pub time_budget: Duration,
    pub now: DateTime<Utc>,
}

/// Events kept in the summary; anything else Secrets Manager logs is only counted.
pub const KEPT_EVENTS: [&str; 8] = [
    "GetSecretValue",
    "BatchGetSecretValue",
    "PutResourcePolicy",
    "RotateSecret",
    "RotationFailed",
    "RotationSucceeded",
    "DeleteSecret",
    "UpdateSecret",
];

const EVENT_SOURCE: &str = "secretsmanager.amazonaws.com";
/// CloudTrail events are at most 256 KiB; anything larger is not one.
const MAX_EVENT_JSON: usize = 512 * 1024;
const MAX_IPS: usize = 10;
const MAX_AGENTS: usize = 5;
const MAX_AGENT_LEN: usize = 200;
const MAX_TEXT: usize = 2_048;
/// LookupEvents returns at most 50 events a page.
const PAGE_SIZE: i32 = 50;

fn client(ctx: &Ctx, region: &str) -> Client {
    let conf = aws_sdk_cloudtrail::config::Builder::from(&ctx.sdk)
        .region(Region::new(region.to_string()))
        .build();
    Client::from_conf(conf)
}

/// Collects the region's trails and events. `secrets` are the region's collected secrets,
/// to which event secret ids are resolved.
pub(crate) async fn collect(
    ctx: &Ctx,
    region: &str,
    settings: &LookupSettings,
    secrets: &[Secret],
    gaps: &mut Vec<Gap>,
) -> CloudTrailRegion {
    let mut out = CloudTrailRegion {
        account: ctx.account.clone(),
        region: region.to_string(),
        ..Default::default()
    };
    let c = client(ctx, region);
    out.trails = match ctx
        .call(region, Operation::DescribeTrails, || {
            c.describe_trails().include_shadow_trails(true).send()
        })
        .await
    {
        Ok(resp) => {
            let mut trails = Vec::new();
            for t in resp.trail_list() {
                let Some(arn) = t.trail_arn() else { continue };
                let home = t.home_region().unwrap_or(region).to_string();
                let mut info = TrailInfo {
                    arn: bounded(arn, MAX_TEXT),
                    name: bounded(t.name().unwrap_or_default(), MAX_TEXT),
                    home_region: bounded(&home, 64),
                    multi_region: t.is_multi_region_trail().unwrap_or(false),
                    organization: t.is_organization_trail().unwrap_or(false),
                    ..Default::default()
                };
                // Status and selectors are asked of the trail's home region: a shadow trail's
                // event selectors are not served elsewhere.
                let home_client = if home == region {
                    c.clone()
                } else {
                    client(ctx, &home)
                };
                match ctx
                    .call(region, Operation::GetTrailStatus, || {
                        home_client.get_trail_status().name(arn).send()
                    })
                    .await
                {
                    Ok(s) => info.is_logging = Some(s.is_logging().unwrap_or(false)),
                    Err(e) => {
                        gaps.push(ctx.gap(region, Operation::GetTrailStatus, arn, error_parts(&e)))
                    }
                }
                match ctx
                    .call(region, Operation::GetEventSelectors, || {
                        home_client.get_event_selectors().trail_name(arn).send()
                    })
                    .await
                {
                    Ok(s) => info.event_selectors = Some(record_selectors(&s)),
                    Err(e) => gaps.push(ctx.gap(
                        region,
                        Operation::GetEventSelectors,
                        arn,
                        error_parts(&e),
                    )),
                }
                trails.push(info);
            }
            Some(trails)
        }
        Err(e) => {
            gaps.push(ctx.gap(region, Operation::DescribeTrails, "", error_parts(&e)));
            None
        }
    };

    let start = settings.now - chrono::Duration::days(settings.lookback_days);
    let end = settings.now;
    let mut agg = Aggregator::new(secrets);
    let mut lookup = EventLookup {
        start,
        end,
        ..Default::default()
    };
    let started = Instant::now();
    let max_pages = settings.max_events.div_ceil(PAGE_SIZE as u64) + 1;
    let mut token: Option<String> = None;
    let mut failed = false;
    for page_no in 0..=max_pages {
        if page_no == max_pages
            || lookup.events >= settings.max_events
            || started.elapsed() > settings.time_budget
        {
            lookup.truncated = true;
            break;
        }
        let resp = ctx
            .call(region, Operation::LookupEvents, || {
                c.lookup_events()
                    .lookup_attributes(
                        LookupAttribute::builder()
                            .attribute_key(LookupAttributeKey::EventSource)
                            .attribute_value(EVENT_SOURCE)
                            .build()
                            .expect("key and value are set"),
                    )
                    .start_time(aws_smithy_types::DateTime::from_secs(start.timestamp()))
                    .end_time(aws_smithy_types::DateTime::from_secs(end.timestamp()))
                    .max_results(PAGE_SIZE)
                    .set_next_token(token.clone())
                    .send()
            })
            .await;
        match resp {
            Ok(page) => {
                for e in page.events() {
                    lookup.events += 1;
                    let resource_ids: Vec<&str> = e
                        .resources()
                        .iter()
                        .filter(|r| r.resource_type() == Some("AWS::SecretsManager::Secret"))
                        .filter_map(|r| r.resource_name())
                        .collect();
                    match e.cloud_trail_event().map(parse_event) {
                        Some(Ok(mut ev)) => {
                            for id in resource_ids {
                                if !ev.secret_ids.iter().any(|x| x == id) {
                                    ev.secret_ids.push(bounded(id, MAX_TEXT));
                                }
                            }
                            if ev.time.is_none() {
                                ev.time = e.event_time().and_then(to_chrono);
                            }
                            agg.add(&ev);
                        }
                        Some(Err(_)) | None => lookup.malformed += 1,
                    }
                }
                token = page
                    .next_token()
                    .map(str::to_string)
                    .filter(|t| !t.is_empty());
                if token.is_none() {
                    break;
                }
            }
            Err(e) => {
                gaps.push(ctx.gap(region, Operation::LookupEvents, "", error_parts(&e)));
                failed = true;
                break;
            }
        }
    }
    if lookup.malformed > 0 {
        gaps.push(ctx.gap(region, Operation::LookupEvents,
            "",
            (
                "MalformedEvents".to_string(),
                format!(
                    "{} of {} CloudTrail events could not be parsed (missing, malformed or truncated CloudTrailEvent JSON) and were skipped",
                    lookup.malformed, lookup.events
                ),
            ),
        ));
    }
    out.secrets = agg.finish();
    // A failed lookup keeps nothing: a partial window would look like "no reads".
    if failed {
        out.secrets.clear();
    } else {
        out.lookup = Some(lookup);
    }
    out
}

/// At most this many selectors, and field values per operator, are recorded per trail (AWS
/// allows 5 basic selectors and 500 values across a trail's advanced selectors).
const MAX_SELECTORS: usize = 500;

/// A trail's event selectors as returned, bounded. Whether they cover secret reads is SL801's
/// judgement (`checks::support::cloudtrail`), not collection's.
fn record_selectors(
    s: &aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput,
) -> EventSelectors {
    let texts = |v: &[String]| -> Vec<String> {
        v.iter()
            .take(MAX_SELECTORS)
            .map(|x| bounded(x, MAX_TEXT))
            .collect()
    };
    EventSelectors {
        basic: s
            .event_selectors()
            .iter()
            .take(MAX_SELECTORS)
            .map(|b| BasicEventSelector {
                read_write_type: b.read_write_type().map(|r| bounded(r.as_str(), 64)),
                include_management_events: b.include_management_events(),
                exclude_management_event_sources: texts(b.exclude_management_event_sources()),
            })
            .collect(),
        advanced: s
            .advanced_event_selectors()
            .iter()
            .take(MAX_SELECTORS)
            .map(|a| AdvancedEventSelector {
                name: a.name().map(|n| bounded(n, MAX_TEXT)),
                field_selectors: a
                    .field_selectors()
                    .iter()
                    .take(MAX_SELECTORS)
                    .map(|f| FieldSelector {
                        field: bounded(f.field(), MAX_TEXT),
                        equals: texts(f.equals()),
                        not_equals: texts(f.not_equals()),
                        starts_with: texts(f.starts_with()),
                        not_starts_with: texts(f.not_starts_with()),
                        ends_with: texts(f.ends_with()),
                        not_ends_with: texts(f.not_ends_with()),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// What one event says, parsed from its `CloudTrailEvent` JSON.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ParsedEvent {
    pub name: String,
    pub time: Option<DateTime<Utc>>,
    /// Role ARN for assumed-role sessions, user ARN, root ARN, service name …
    pub principal: String,
    /// `userIdentity.type` (`AWSService` when only `invokedBy` is given).
    pub kind: String,
    pub account: String,
    pub source_ip: String,
    pub user_agent: String,
    /// Every secret id the event names (as given: name, partial or full ARN).
    pub secret_ids: Vec<String>,
    pub error_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParseError {
    TooLarge,
    Json(String),
    NotAnEvent,
}

fn text(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str()
        .filter(|s| !s.is_empty())
        .map(|s| bounded(s, MAX_TEXT))
}

/// `arn:aws:sts::A:assumed-role/Role/session` → `arn:aws:iam::A:role/Role` (no path: the
/// session ARN does not carry it).
fn role_of_session(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    let (_, partition, _, _, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let role = resource.strip_prefix("assumed-role/")?.split('/').next()?;
    Some(format!("arn:{partition}:iam::{account}:role/{role}"))
}

fn account_of_arn(arn: &str) -> Option<String> {
    arn.split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
}

/// Parses one `CloudTrailEvent`. Never panics; anything unparseable is an error.
pub(crate) fn parse_event(json: &str) -> Result<ParsedEvent, ParseError> {
    if json.len() > MAX_EVENT_JSON {
        return Err(ParseError::TooLarge);
    }
    let v: Value = serde_json::from_str(json).map_err(|e| ParseError::Json(e.to_string()))?;
    let name = text(&v, &["eventName"]).ok_or(ParseError::NotAnEvent)?;
    let time = text(&v, &["eventTime"])
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc));
    let uid = v.get("userIdentity").cloned().unwrap_or(Value::Null);
    let kind_raw = text(&uid, &["type"]);
    let arn = text(&uid, &["arn"]);
    let issuer = text(&uid, &["sessionContext", "sessionIssuer", "arn"]);
    let invoked_by = text(&uid, &["invokedBy"]);
    let mut account = text(&uid, &["accountId"]).unwrap_or_default();
    let (kind, principal) = match kind_raw.as_deref() {
        Some("AssumedRole") => (
            "AssumedRole",
            issuer
                .or_else(|| arn.as_deref().and_then(role_of_session))
                .or(arn),
        ),
        Some("FederatedUser") => ("FederatedUser", issuer.or(arn)),
        Some("IAMUser") => ("IAMUser", arn),
        Some("Root") => (
            "Root",
            arn.or_else(|| (!account.is_empty()).then(|| format!("arn:aws:iam::{account}:root"))),
        ),
        Some("AWSService") => ("AWSService", invoked_by),
        Some("AWSAccount") => (
            "AWSAccount",
            arn.or_else(|| (!account.is_empty()).then(|| format!("arn:aws:iam::{account}:root"))),
        ),
        Some(other) => (
            other,
            arn.or(issuer).or_else(|| text(&uid, &["principalId"])),
        ),
        None if invoked_by.is_some() => ("AWSService", invoked_by),
        None => ("Unknown", arn),
    };
    let principal = principal.unwrap_or_else(|| "unknown".to_string());
    if account.is_empty() {
        account = account_of_arn(&principal).unwrap_or_default();
    }
    let mut ids: Vec<String> = Vec::new();
    let mut push = |s: Option<String>| {
        if let Some(s) = s
            && !ids.contains(&s)
        {
            ids.push(s);
        }
    };
    push(text(&v, &["requestParameters", "secretId"]));
    if let Some(list) = v
        .pointer("/requestParameters/secretIdList")
        .and_then(Value::as_array)
    {
        for x in list.iter().take(20) {
            push(x.as_str().map(|s| bounded(s, MAX_TEXT)));
        }
    }
    push(text(&v, &["additionalEventData", "SecretId"]));
    push(text(&v, &["additionalEventData", "secretId"]));
    if let Some(res) = v.get("resources").and_then(Value::as_array) {
        for r in res.iter().take(50) {
            let arn = r
                .get("ARN")
                .or_else(|| r.get("arn"))
                .or_else(|| r.get("aRN"));
            let is_secret = r
                .get("type")
                .and_then(Value::as_str)
                .is_none_or(|t| t == "AWS::SecretsManager::Secret");
            if is_secret
                && let Some(a) = arn
                    .and_then(Value::as_str)
                    .filter(|a| a.contains(":secretsmanager:"))
            {
                push(Some(bounded(a, MAX_TEXT)));
            }
        }
    }
    Ok(ParsedEvent {
        name,
        time,
        principal,
        kind: kind.to_string(),
        account,
        source_ip: text(&v, &["sourceIPAddress"]).unwrap_or_default(),
        user_agent: text(&v, &["userAgent"])
            .map(|u| bounded(&u, MAX_AGENT_LEN))
            .unwrap_or_default(),
        secret_ids: ids,
        error_code: text(&v, &["errorCode"]),
    })
}

/// Builds the per-secret summaries from parsed events.
pub(crate) struct Aggregator<'a> {
    secrets: &'a [Secret],
    by_secret: BTreeMap<String, Building>,
}

#[derive(Default)]
struct Building {
    readers: BTreeMap<String, ReaderBuilding>,
    rotation: RotationOutcomes,
    changes: BTreeMap<String, u64>,
}

#[derive(Default)]
struct ReaderBuilding {
    kind: String,
    account: String,
    count: u64,
    errors: u64,
    last: Option<DateTime<Utc>>,
    ips: BTreeSet<String>,
    agents: BTreeSet<String>,
}

impl<'a> Aggregator<'a> {
    pub fn new(secrets: &'a [Secret]) -> Self {
        Aggregator {
            secrets,
            by_secret: BTreeMap::new(),
        }
    }

    /// The collected secret an event's id names (full ARN, ARN without the random suffix,
    /// or name), else the id as given.
    fn resolve(&self, id: &str) -> String {
        let found = self.secrets.iter().find(|s| {
            s.arn == id
                || s.name == id
                || (id.starts_with("arn:")
                    && s.arn.len() == id.len() + 7
                    && s.arn.starts_with(id)
                    && s.arn.as_bytes()[id.len()] == b'-')
        });
        found
            .map(|s| s.arn.clone())
            .unwrap_or_else(|| id.to_string())
    }

    pub fn add(&mut self, ev: &ParsedEvent) {
        if !KEPT_EVENTS.contains(&ev.name.as_str()) {
            return;
        }
        let keys: BTreeSet<String> = ev.secret_ids.iter().map(|id| self.resolve(id)).collect();
        for key in keys {
            let b = self.by_secret.entry(key).or_default();
            match ev.name.as_str() {
                // BatchGetSecretValue also logs one GetSecretValue per secret returned: the
                // reads are counted from those, the batch call only as an event.
                "GetSecretValue" => {
                    let r = b.readers.entry(ev.principal.clone()).or_default();
                    r.kind = ev.kind.clone();
                    r.account = ev.account.clone();
                    if ev.error_code.is_some() {
                        r.errors += 1;
                    } else {
                        r.count += 1;
                        if ev.time > r.last {
                            r.last = ev.time;
                        }
                    }
                    if !ev.source_ip.is_empty() && r.ips.len() < MAX_IPS {
                        r.ips.insert(ev.source_ip.clone());
                    }
                    if !ev.user_agent.is_empty() && r.agents.len() < MAX_AGENTS {
                        r.agents.insert(ev.user_agent.clone());
                    }
                }
                "RotationSucceeded" => {
                    b.rotation.succeeded += 1;
                    if ev.time > b.rotation.last_succeeded {
                        b.rotation.last_succeeded = ev.time;
                    }
                }
                "RotationFailed" => {
                    b.rotation.failed += 1;
                    if ev.time > b.rotation.last_failed {
                        b.rotation.last_failed = ev.time;
                    }
                }
                other => *b.changes.entry(other.to_string()).or_default() += 1,
            }
        }
    }

    pub fn finish(self) -> BTreeMap<String, SecretActivity> {
        self.by_secret
            .into_iter()
            .map(|(k, b)| {
                let readers = b
                    .readers
                    .into_iter()
                    .map(|(principal, r)| ReaderActivity {
                        principal,
                        kind: r.kind,
                        account: r.account,
                        count: r.count,
                        errors: r.errors,
                        last: r.last,
                        source_ips: r.ips.into_iter().collect(),
                        user_agents: r.agents.into_iter().collect(),
                    })
                    .collect();
                (
                    k,
                    SecretActivity {
                        readers,
                        rotation: b.rotation,
                        changes: b.changes,
                    },
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GetSecretValue by an assumed role, shaped as in the Secrets Manager user guide.
    const ASSUMED_ROLE_READ: &str = r#"{
      "eventVersion": "1.08",
      "userIdentity": {
        "type": "AssumedRole",
        "principalId": "AROAEXAMPLE:session",
        "arn": "arn:aws:sts::111122223333:assumed-role/app-role/i-0123",
        "accountId": "111122223333",
        "accessKeyId": "ASIAEXAMPLE",
        "sessionContext": {
          "sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLE",
            "arn": "arn:aws:iam::111122223333:role/service/app-role", "accountId": "111122223333", "userName": "app-role"},
          "attributes": {"creationDate": "2026-05-30T10:00:00Z", "mfaAuthenticated": "false"}
        }
      },
      "eventTime": "2026-05-30T12:00:00Z",
      "eventSource": "secretsmanager.amazonaws.com",
      "eventName": "GetSecretValue",
      "awsRegion": "us-east-1",
      "sourceIPAddress": "192.0.2.10",
      "userAgent": "aws-sdk-go-v2/1.30",
      "requestParameters": {"secretId": "prod/app/db"},
      "responseElements": null,
      "requestID": "1", "eventID": "2", "readOnly": true,
      "resources": [{"accountId": "111122223333", "type": "AWS::SecretsManager::Secret",
        "ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/app/db-AbCdEf"}],
      "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "111122223333",
      "eventCategory": "Management"
    }"#;

    const ROTATION_FAILED: &str = r#"{
      "eventVersion": "1.05",
      "userIdentity": {"accountId": "111122223333", "invokedBy": "secretsmanager.amazonaws.com"},
      "eventTime": "2026-05-29T03:00:00Z",
      "eventSource": "secretsmanager.amazonaws.com",
      "eventName": "RotationFailed",
      "awsRegion": "us-east-1",
      "sourceIPAddress": "secretsmanager.amazonaws.com",
      "userAgent": "secretsmanager.amazonaws.com",
      "requestParameters": null, "responseElements": null,
      "additionalEventData": {"SecretId": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/app/db-AbCdEf"},
      "eventType": "AwsServiceEvent", "recipientAccountId": "111122223333"
    }"#;

    fn secret() -> Secret {
        Secret {
            arn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/app/db-AbCdEf".into(),
            name: "prod/app/db".into(),
            account: "111122223333".into(),
            region: "us-east-1".into(),
            ..Default::default()
        }
    }

    #[test]
    fn assumed_role_is_reported_as_its_role() {
        let e = parse_event(ASSUMED_ROLE_READ).expect("parses");
        assert_eq!(e.name, "GetSecretValue");
        assert_eq!(e.kind, "AssumedRole");
        assert_eq!(
            e.principal,
            "arn:aws:iam::111122223333:role/service/app-role"
        );
        assert_eq!(e.account, "111122223333");
        assert_eq!(e.source_ip, "192.0.2.10");
        assert_eq!(e.user_agent, "aws-sdk-go-v2/1.30");
        assert_eq!(e.error_code, None);
        assert_eq!(e.secret_ids.len(), 2, "{:?}", e.secret_ids);
        // Without a session issuer, the role comes from the session ARN.
        let no_issuer = ASSUMED_ROLE_READ.replace("\"sessionIssuer\"", "\"x\"");
        assert_eq!(
            parse_event(&no_issuer).unwrap().principal,
            "arn:aws:iam::111122223333:role/app-role"
        );
    }

    #[test]
    fn identity_types() {
        let with = |uid: &str| {
            parse_event(&format!(
                r#"{{"eventName":"GetSecretValue","userIdentity":{uid}}}"#
            ))
            .expect("parses")
        };
        let u = with(
            r#"{"type":"IAMUser","arn":"arn:aws:iam::444455556666:user/alice","accountId":"444455556666"}"#,
        );
        assert_eq!(
            (u.kind.as_str(), u.principal.as_str()),
            ("IAMUser", "arn:aws:iam::444455556666:user/alice")
        );
        let r = with(r#"{"type":"Root","accountId":"111122223333"}"#);
        assert_eq!(r.principal, "arn:aws:iam::111122223333:root");
        let s = with(r#"{"type":"AWSService","invokedBy":"rds.amazonaws.com"}"#);
        assert_eq!(
            (s.kind.as_str(), s.principal.as_str()),
            ("AWSService", "rds.amazonaws.com")
        );
        let f = with(
            r#"{"type":"FederatedUser","arn":"arn:aws:sts::111122223333:federated-user/bob","accountId":"111122223333",
               "sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::111122223333:user/broker"}}}"#,
        );
        assert_eq!(f.principal, "arn:aws:iam::111122223333:user/broker");
        let x = with(r#"{"type":"AWSAccount","accountId":"999988887777","principalId":"AIDAX"}"#);
        assert_eq!(
            (x.principal.as_str(), x.account.as_str()),
            ("arn:aws:iam::999988887777:root", "999988887777")
        );
    }

    #[test]
    fn malformed_and_truncated_events_are_errors_not_panics() {
        let truncated = &ASSUMED_ROLE_READ[..ASSUMED_ROLE_READ.len() / 2];
        assert!(matches!(parse_event(truncated), Err(ParseError::Json(_))));
        for bad in [
            "",
            "null",
            "[]",
            "{}",
            "\"x\"",
            "{\"eventName\": 5}",
            "{\"eventName\":\"\"}",
        ] {
            assert!(parse_event(bad).is_err(), "{bad:?}");
        }
        // Wrong types inside are tolerated, not trusted.
        let odd = r#"{"eventName":"GetSecretValue","userIdentity":"x","requestParameters":{"secretId":7},
                      "resources":"nope","eventTime":"yesterday"}"#;
        let e = parse_event(odd).expect("parses");
        assert_eq!(e.principal, "unknown");
        assert!(e.secret_ids.is_empty() && e.time.is_none());
        let huge = format!(
            "{{\"eventName\":\"GetSecretValue\",\"x\":\"{}\"}}",
            "a".repeat(MAX_EVENT_JSON)
        );
        assert_eq!(parse_event(&huge), Err(ParseError::TooLarge));
        // Multi-byte text is bounded on a char boundary.
        let long_agent = format!(
            r#"{{"eventName":"GetSecretValue","userAgent":"{}"}}"#,
            "é".repeat(500)
        );
        assert!(parse_event(&long_agent).unwrap().user_agent.len() <= MAX_AGENT_LEN + 3);
    }

    #[test]
    fn aggregation_resolves_ids_and_counts() {
        let secrets = vec![secret()];
        let mut agg = Aggregator::new(&secrets);
        let read = parse_event(ASSUMED_ROLE_READ).unwrap();
        agg.add(&read);
        let mut later = read.clone();
        later.time = Some("2026-05-31T00:00:00Z".parse().unwrap());
        later.source_ip = "198.51.100.7".into();
        later.secret_ids =
            vec!["arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/app/db".into()];
        agg.add(&later);
        let mut denied = read.clone();
        denied.error_code = Some("AccessDenied".into());
        agg.add(&denied);
        agg.add(&parse_event(ROTATION_FAILED).unwrap());
        let mut other = read.clone();
        other.name = "ListSecrets".into();
        agg.add(&other);
        let out = agg.finish();
        assert_eq!(out.len(), 1, "{out:?}");
        let a = &out[&secrets[0].arn];
        assert_eq!(a.readers.len(), 1);
        let r = &a.readers[0];
        assert_eq!((r.count, r.errors), (2, 1));
        assert_eq!(r.last, later.time);
        assert_eq!(r.source_ips, vec!["192.0.2.10", "198.51.100.7"]);
        assert_eq!(a.rotation.failed, 1);
        assert_eq!(
            a.rotation.last_failed,
            Some("2026-05-29T03:00:00Z".parse().unwrap())
        );
        assert!(a.changes.is_empty());
    }
}
