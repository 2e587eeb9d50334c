//! Renderer tests: the HTML report escapes everything that came from AWS and loads nothing
//! from outside; the terminal summary says what it should; `sample-reports/` is current.
//!
//! Regenerate the samples with `UPDATE_SAMPLES=1 cargo test --test render`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{ACCOUNT, REGION, fixture_now as now, one_account_inventory as inventory};
use secretlens::config::Config;
use secretlens::evaluate::evaluate;
use secretlens::inventory::{Gap, Inventory, Operation, Secret};
use secretlens::render::{html, json, text};
use secretlens::report::{Report, Severity, Status};

const PAYLOADS: &[&str] = &[
    "<script>window.__pwned=1</script>",
    "\"><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "</script>",
    "'single' \"double\"",
    "\u{202e}txt.exe",
    "</script><script>window.__pwned=1</script>",
    "' onmouseover='alert(1)' data-x=\"",
    "<a href=\"javascript:alert(1)\">x</a>",
    "\u{2066}isolate\u{2069}\u{200f}rlm",
];

/// A secret of the one-account fixture inventory, created 400 days before [`now`].
fn secret(name: &str) -> Secret {
    common::fixture_secret(name, Some(400))
}

/// Every string AWS controls carries a payload.
fn hostile_inventory() -> Inventory {
    let mut secrets = Vec::new();
    for (i, p) in PAYLOADS.iter().enumerate() {
        let mut s = secret(&format!("prod/x{i}/{p}"));
        s.description = Some(format!("description {p}"));
        s.kms_key_id = Some(format!("alias/{p}"));
        s.tags.insert(format!("key{p}"), format!("value{p}"));
        s.tags.insert("Owner".to_string(), p.to_string());
        let policy = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": p,
                "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/{p}")},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": p}}
            }]
        });
        s.resource_policy = Some(if i % 2 == 0 {
            policy.to_string()
        } else {
            // Not JSON: rendered as collected.
            format!("{{ not json {p}")
        });
        if i % 3 == 0 {
            s.rotation_enabled = Some(true);
        }
        s.replication = Some(vec![secretlens::inventory::Replica {
            region: format!("eu-{p}"),
            status: Some(p.to_string()),
            ..Default::default()
        }]);
        secrets.push(s);
    }
    let mut inv = inventory(secrets);
    inv.source = format!("aws {}", PAYLOADS[0]);
    inv.gaps = PAYLOADS
        .iter()
        .map(|p| {
            Gap::new(
                ACCOUNT.to_string(),
                REGION.to_string(),
                Operation::from_name(&format!("GetResourcePolicy{p}")),
                format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{p}"),
                format!("AccessDenied{p}"),
                format!("User is not authorized {p}"),
            )
        })
        .collect();
    inv
}

/// Outside the shipped script, no payload that markup could act on appears as it is.
fn assert_no_payload_unescaped(page: &str) {
    let without_script = page.replacen(&format!("<script>{}</script>", html::SCRIPT), "", 1);
    for p in PAYLOADS
        .iter()
        .filter(|p| p.contains(['<', '>', '"', '\'', '\u{202e}', '\u{2066}']))
    {
        assert!(
            !without_script.contains(p),
            "payload {p:?} appears unescaped"
        );
    }
}

/// Escapes like askama's HTML escaper.
fn esc(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The tags of an HTML document (`<…>` outside of text), crudely: good enough because the
/// page has no comments or CDATA, and the contents of its one `<script>` and `<style>` are
/// checked separately and skipped here.
fn tags(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    let skip_to = |rest: &str, open: &str, close: &str| -> Option<usize> {
        rest.starts_with(open)
            .then(|| rest.find(close).expect("raw text element is closed"))
    };
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("every tag is closed") + start;
        out.push(&rest[start..=end]);
        rest = &rest[end + 1..];
        for (open, close) in [("<script>", "</script>"), ("<style>", "</style>")] {
            if out.last().is_some_and(|t| *t == open) {
                let at =
                    skip_to(&format!("{open}{rest}"), open, close).expect("closed") - open.len();
                rest = &rest[at..];
            }
        }
    }
    out
}

/// `(name, value)` of each attribute in a tag; values are double-quoted or bare.
fn attributes(tag: &str) -> Vec<(String, String)> {
    let inner = tag
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim_end_matches('/');
    let mut chars = inner.char_indices().peekable();
    // Skip the tag name.
    while let Some((_, c)) = chars.peek() {
        if c.is_whitespace() {
            break;
        }
        chars.next();
    }
    let mut attrs = Vec::new();
    let s = inner;
    let mut i = chars.peek().map(|(i, _)| *i).unwrap_or(s.len());
    while i < s.len() {
        let rest = &s[i..];
        let trimmed = rest.trim_start();
        i += rest.len() - trimmed.len();
        if trimmed.is_empty() {
            break;
        }
        let name_len = trimmed
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(trimmed.len());
        let name = trimmed[..name_len].to_ascii_lowercase();
        i += name_len;
        let value = if s[i..].starts_with("=\"") {
            let close = s[i + 2..].find('"').expect("quoted attribute is closed");
            let v = s[i + 2..i + 2 + close].to_string();
            i += 2 + close + 1;
            v
        } else if s[i..].starts_with('=') {
            let len = s[i + 1..]
                .find(char::is_whitespace)
                .unwrap_or(s.len() - i - 1);
            let v = s[i + 1..i + 1 + len].to_string();
            i += 1 + len;
            v
        } else {
            String::new()
        };
        attrs.push((name, value));
    }
    attrs
}

fn tag_name(tag: &str) -> String {
    tag.trim_start_matches('<')
        .trim_start_matches('/')
        .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

const ALLOWED_TAGS: &[&str] = &[
    "!doctype", "html", "head", "meta", "title", "style", "body", "header", "main", "footer",
    "nav", "section", "article", "div", "span", "h1", "h2", "h3", "h4", "p", "a", "dl", "dt", "dd",
    "table", "thead", "tbody", "tr", "th", "td", "code", "pre", "details", "summary", "strong",
    "script", "svg", "g", "circle", "rect", "text", "form", "label", "select", "option", "input",
    "button", "ul", "li", "b",
];
/// SVG geometry attributes: numbers only.
const NUMERIC_ATTRIBUTES: &[&str] = &[
    "cx",
    "cy",
    "r",
    "x",
    "y",
    "width",
    "height",
    "rx",
    "stroke-dashoffset",
    "colspan",
];
const ALLOWED_ATTRIBUTES: &[&str] = &[
    "lang",
    "charset",
    "http-equiv",
    "content",
    "name",
    "id",
    "class",
    "href",
    "html",
    "viewbox",
    "role",
    "aria-labelledby",
    "stroke-dasharray",
    "text-anchor",
    "type",
    "placeholder",
    "value",
    "hidden",
    "open",
    "cx",
    "cy",
    "r",
    "x",
    "y",
    "width",
    "height",
    "rx",
    "stroke-dashoffset",
    "colspan",
];
/// `data-*` attributes the triage script reads; their values are our own names and tokens.
const DATA_ATTRIBUTES: &[&str] = &[
    "data-unit",
    "data-head",
    "data-fold",
    "data-status",
    "data-sev",
    "data-cat",
    "data-region",
    "data-account",
    "data-change",
    "data-for",
    "data-r",
    "data-a",
    "data-k",
];

/// SHA-256, base64, as CSP hashes take it.
fn sha256_b64(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(text.as_bytes());
    let abc = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = String::new();
    for b in d.iter() {
        bits.push_str(&format!("{b:08b}"));
    }
    while !bits.len().is_multiple_of(6) {
        bits.push('0');
    }
    let mut out: String = bits
        .as_bytes()
        .chunks(6)
        .map(|c| {
            abc[usize::from_str_radix(std::str::from_utf8(c).expect("bits"), 2).expect("bits")]
                as char
        })
        .collect();
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

#[test]
fn html_escapes_hostile_aws_text() {
    let inv = hostile_inventory();
    let report = evaluate(&inv, &Config::default(), now());
    let html = html::render(&report);

    // The only script is the one the report ships, byte for byte, and nothing AWS sent is
    // live markup.
    let lower = html.to_ascii_lowercase();
    assert_eq!(lower.matches("<script").count(), 1, "one <script> element");
    assert_eq!(lower.matches("</script").count(), 1, "one </script>");
    let script_at = html.find("<script>").expect("the shipped script") + "<script>".len();
    let script_end = html.find("</script>").expect("closed");
    assert_eq!(
        &html[script_at..script_end],
        html::SCRIPT,
        "the script is the shipped one"
    );
    assert!(
        !html::SCRIPT.to_ascii_lowercase().contains("innerhtml"),
        "the script never parses markup"
    );
    assert!(
        !html::SCRIPT.contains("eval("),
        "the script never evaluates text"
    );
    assert!(!lower.contains("<img"), "an <img appears in the HTML");
    assert!(
        !lower.contains("<a href=\"javascript"),
        "a javascript: link appears"
    );
    for c in ['\u{202e}', '\u{2066}', '\u{2069}', '\u{200f}'] {
        assert!(
            !html.contains(c),
            "a raw direction mark {c:?} appears in the HTML"
        );
    }
    assert!(
        html.contains("[U+2066]isolate[U+2069][U+200F]rlm"),
        "isolates are shown"
    );
    assert!(
        html.contains("[U+202E]"),
        "the RTL override is shown, not dropped"
    );
    assert_no_payload_unescaped(&html);
    // The payloads are shown, escaped (names, tags, descriptions, policies, gaps).
    assert!(
        html.contains(&esc("prod/x0/<script>window.__pwned=1</script>")),
        "secret names are shown"
    );
    assert!(
        html.contains(&esc("description \"><img src=x onerror=alert(1)>")),
        "descriptions are shown"
    );
    assert!(
        html.contains("javascript:alert(1)"),
        "text is shown as text"
    );
    assert!(
        html.contains(&esc("value</script>")),
        "tag values are shown"
    );
    assert!(
        html.contains(&esc("{ not json </script>")),
        "an invalid policy is shown raw"
    );
    assert!(
        html.contains(&esc("\"Sid\": \"<script>")),
        "a valid policy is pretty-printed"
    );
    assert!(
        html.contains(&esc("'single' \"double\"")),
        "quotes are escaped"
    );

    let tags = tags(&html);
    assert!(tags.len() > 100, "the tag scanner sees the page");
    for tag in &tags {
        let name = tag_name(tag);
        assert!(
            ALLOWED_TAGS.contains(&name.as_str()),
            "unexpected element {tag}"
        );
        let attrs = attributes(tag);
        for (attr, value) in &attrs {
            assert!(
                ALLOWED_ATTRIBUTES.contains(&attr.as_str())
                    || DATA_ATTRIBUTES.contains(&attr.as_str()),
                "unexpected attribute {attr} in {tag}"
            );
            assert!(!attr.starts_with("on"), "event handler in {tag}");
            if attr.starts_with("data-") {
                assert!(
                    value.chars().all(|c| c.is_ascii_lowercase()
                        || c.is_ascii_digit()
                        || c == '-'
                        || c == '_'),
                    "data attribute {attr}={value:?} carries text"
                );
            }
            if NUMERIC_ATTRIBUTES.contains(&attr.as_str()) {
                assert!(
                    value.parse::<f64>().is_ok(),
                    "{attr}={value:?} is not a number"
                );
            }
            match attr.as_str() {
                "viewbox" | "stroke-dasharray" => assert!(
                    value.split(' ').all(|n| n.parse::<f64>().is_ok()),
                    "{attr}={value:?}"
                ),
                "aria-labelledby" | "for" => assert!(
                    value.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                    "{attr}={value:?}"
                ),
                "value" | "placeholder" | "type" | "role" | "text-anchor" => assert!(
                    value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || " _-,/".contains(c)),
                    "{attr}={value:?}"
                ),
                "id" => assert!(
                    !value.is_empty()
                        && value
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                    "id {value:?} is not [a-z0-9-]"
                ),
                "href" => {
                    let frag = value
                        .strip_prefix('#')
                        .unwrap_or_else(|| panic!("href {value:?} is not a fragment"));
                    assert!(
                        frag.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                        "href {value:?}"
                    );
                }
                "class" => assert!(
                    value.chars().all(|c| c.is_ascii_lowercase()
                        || c.is_ascii_digit()
                        || c == '-'
                        || c == ' '),
                    "class {value:?}"
                ),
                _ => {}
            }
        }
    }
    // No external loads of any kind.
    for needle in ["src=", "http://", "https://", "url(", "@import"] {
        let in_tags = tags.iter().any(|t| t.to_ascii_lowercase().contains(needle));
        assert!(!in_tags, "{needle} in a tag");
    }
    let style = &html
        [html.find("<style>").expect("inline style")..html.find("</style>").expect("style closed")];
    for needle in ["http:", "https:", "url(", "@import", "@font-face"] {
        assert!(!style.contains(needle), "{needle} in the stylesheet");
    }

    // The policy allows exactly the shipped script and style, by hash.
    let csp = html::csp();
    assert!(html.contains(&format!(
        r#"<meta http-equiv="Content-Security-Policy" content="{csp}">"#
    )));
    assert!(!csp.contains("unsafe"), "{csp}");
    assert!(csp.starts_with("default-src 'none'; "), "{csp}");
    assert!(
        csp.contains(&format!(
            "script-src 'sha256-{}';",
            sha256_b64(html::SCRIPT)
        )),
        "{csp}"
    );
    assert!(
        csp.contains(&format!("style-src 'sha256-{}';", sha256_b64(html::STYLE))),
        "{csp}"
    );
    assert!(html.contains(&format!("<style>{}</style>", html::STYLE)));

    // Ids are unique.
    let mut ids = BTreeMap::new();
    for tag in &tags {
        for (attr, value) in attributes(tag) {
            if attr == "id" {
                *ids.entry(value).or_insert(0) += 1;
            }
        }
    }
    let dup: Vec<_> = ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(dup.is_empty(), "duplicate ids: {dup:?}");
    // Every fragment link has a target.
    for tag in &tags {
        for (attr, value) in attributes(tag) {
            if attr == "href" {
                assert!(ids.contains_key(&value[1..]), "dangling link {value}");
            }
        }
    }

    // Each finding has its row, each secret its block.
    for f in &report.findings {
        assert!(
            html.contains(&format!("id=\"finding-{}\"", f.id)),
            "no row for finding {}",
            f.id
        );
    }
    for s in &report.secrets {
        assert!(html.contains(&format!("id=\"{}\"", html::secret_anchor(&s.arn))));
    }
    // Counts appear, and the coverage banner lists the gaps.
    let kpi = |n: usize, label: &str| {
        format!("<span class=\"kpi-value\">{n}</span><span class=\"kpi-label\">{label}</span>")
    };
    assert!(html.contains(&kpi(report.summary.secrets, "secrets")));
    assert!(html.contains(&kpi(report.summary.findings, "findings")));
    let failing = report
        .summary
        .by_status
        .get(&Status::Fail)
        .copied()
        .unwrap_or(0);
    assert!(failing > 0, "the hostile fixture fails something");
    assert!(html.contains(&kpi(failing, "failing")));
    assert!(html.contains("Coverage is incomplete"));
    assert!(
        html.contains(&esc("GetResourcePolicy<script>")),
        "the gap's operation is listed"
    );
    assert!(
        html.contains(&esc("AccessDenied\"><img")),
        "the gap's error code is listed"
    );
}

#[test]
fn html_without_gaps_has_no_banner_and_sorts_failing_secrets_first() {
    let mut on = secret("prod/app/a-rotated");
    on.rotation_enabled = Some(true);
    let off = secret("prod/app/z-not-rotated");
    let report = evaluate(&inventory(vec![on, off]), &Config::default(), now());
    let html = html::render(&report);
    assert!(!html.contains("Coverage is incomplete"));
    let secrets = &html[html.find("id=\"secrets\"").expect("secrets section")..];
    let z = secrets
        .find("prod/app/z-not-rotated")
        .expect("failing secret listed");
    let a = secrets
        .find("prod/app/a-rotated")
        .expect("passing secret listed");
    assert!(z < a, "the failing secret comes first");
    assert!(html.ends_with("</html>\n"));
    assert_eq!(html, html::render(&report), "rendering is deterministic");
}

#[test]
fn html_says_when_a_policy_was_not_collected() {
    let s = secret("prod/app/denied");
    let mut inv = inventory(vec![s.clone()]);
    inv.gaps.push(Gap::new(
        ACCOUNT.to_string(),
        REGION.to_string(),
        Operation::GetResourcePolicy,
        s.arn.clone(),
        "AccessDeniedException".to_string(),
        "denied".to_string(),
    ));
    let html = html::render(&evaluate(&inv, &Config::default(), now()));
    assert!(html.contains("Not collected: GetResourcePolicy failed (AccessDeniedException)."));
    assert!(
        !html.contains("No resource policy."),
        "a failed call is not an absent policy"
    );
}

/// Keeps only one check's findings and recomputes the counts, so that the expected text
/// does not move when checks are added.
fn only_check(mut report: Report, id: &str) -> Report {
    report.findings.retain(|f| f.check_id == id);
    report.checks.retain(|c| c.id == id);
    let s = &mut report.summary;
    s.findings = report.findings.len();
    s.by_status.clear();
    s.failing_by_severity.clear();
    s.failing_by_category.clear();
    s.failing_by_region.clear();
    for f in &report.findings {
        *s.by_status.entry(f.status).or_default() += 1;
        if f.status == Status::Fail {
            *s.failing_by_severity.entry(f.severity).or_default() += 1;
            *s.failing_by_category.entry(f.category).or_default() += 1;
            *s.failing_by_region
                .entry(f.resource.region.to_string())
                .or_default() += 1;
        }
    }
    report
}

fn small_report() -> Report {
    let mut on = secret("prod/app/rotated");
    on.rotation_enabled = Some(true);
    let off = secret("prod/app/off");
    let mut off2 = secret("prod/app/off-too");
    off2.rotation_enabled = Some(false);
    let mut rds = secret("rds!db-1");
    rds.owning_service = Some("rds".to_string());
    only_check(
        evaluate(
            &inventory(vec![on, off, off2, rds]),
            &Config::default(),
            now(),
        ),
        "SL101",
    )
}

#[test]
fn text_summary_says_what_failed() {
    let report = small_report();
    let written = vec![
        PathBuf::from("out/report.json"),
        PathBuf::from("out/report.html"),
    ];
    let out = text::render(&report, &written, Severity::High);
    let lines: Vec<&str> = out.lines().collect();
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        lines[0],
        format!(
            "secretlens {version} — fixture, 1 account, region us-east-1, as of 2026-06-01 00:00 UTC"
        )
    );
    assert_eq!(
        lines[1],
        "4 secrets · 4 findings: 2 fail, 0 error, 1 pass, 1 not applicable"
    );
    assert!(out.contains("Failing by severity: 2 high"), "{out}");
    assert!(out.contains("SL101  rotation-disabled"), "{out}");
    assert!(
        out.contains("wrote out/report.json\nwrote out/report.html\n"),
        "{out}"
    );
    assert!(!out.contains("WARNING"), "{out}");
    assert_eq!(
        *lines.last().expect("lines"),
        "FAIL: 2 failing findings at or above high"
    );
    assert!(out.ends_with('\n'));

    let out = text::render(&report, &[], Severity::Critical);
    assert_eq!(
        out.lines().last(),
        Some("OK: no failing finding at or above critical")
    );
    assert!(!out.contains("wrote"));
}

#[test]
fn text_summary_warns_about_gaps_and_neutralises_control_characters() {
    let mut inv = inventory(vec![secret("prod/app/off")]);
    inv.gaps.push(Gap::new(
        ACCOUNT,
        REGION,
        Operation::ListSecrets,
        "",
        "AccessDeniedException\u{1b}[2J",
        "denied\nFAIL: forged line",
    ));
    let report = only_check(evaluate(&inv, &Config::default(), now()), "SL101");
    let out = text::render(&report, &[], Severity::High);
    assert!(
        out.contains("WARNING: coverage incomplete: 1 call failed"),
        "{out}"
    );
    assert!(
        out.contains(
            "ListSecrets on (region-wide): access denied: the caller may not call ListSecrets \
             [AccessDeniedException[U+001B][2J]"
        ),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'));
    assert_eq!(
        out.lines().last(),
        Some("FAIL: 1 failing finding at or above high; coverage incomplete (1 gap)")
    );
}

#[test]
fn text_summary_of_the_demo_lists_the_top_checks() {
    let inv = secretlens::demo::inventory();
    let report = evaluate(&inv, &Config::default(), inv.as_of.expect("demo as_of"));
    let out = text::render(&report, &[], Severity::High);
    assert!(out.starts_with("secretlens "), "{out}");
    let with_findings = report
        .checks
        .iter()
        .filter(|c| {
            c.counts.get(&Status::Fail).copied().unwrap_or(0)
                + c.counts.get(&Status::Error).copied().unwrap_or(0)
                > 0
        })
        .count();
    let rows = out.lines().filter(|l| l.starts_with("  SL")).count();
    assert_eq!(rows, with_findings.min(10), "{out}");
    assert_eq!(out.contains("more check"), with_findings > 10, "{out}");
    let verdict = out.lines().last().expect("a verdict line");
    assert!(
        verdict.starts_with("FAIL: ") || verdict.starts_with("OK: "),
        "{verdict}"
    );
}

/// A config whose waiver text is hostile: it must stay escaped like AWS text.
fn hostile_waiver_config() -> Config {
    // `\u202E` is TOML's escape for the right-to-left override.
    let toml = r#"
[[waiver]]
check = "SL101"
resource = "prod/app/off"
reason = "<script>alert(1)</script> until the \u202Emigration"
expires = "2026-12-31"
owner = "team-<b>pay</b>"

[[waiver]]
check = "SL104"
resource = "nothing/*"
reason = "r"
expires = "2026-01-01"
owner = "o"
"#;
    Config::from_toml("waivers.toml", toml).expect("valid waiver config")
}

#[test]
fn suppressed_findings_show_their_waiver_everywhere() {
    let mut on = secret("prod/app/on");
    on.rotation_enabled = Some(true);
    let inv = inventory(vec![on, secret("prod/app/off")]);
    let report = evaluate(&inv, &hostile_waiver_config(), now());
    let f = report
        .findings
        .iter()
        .find(|f| f.check_id == "SL101" && f.resource.name.as_ref() == "prod/app/off")
        .expect("SL101 on prod/app/off");
    assert_eq!(f.status, Status::Suppressed);

    // JSON: status and waiver.
    let json: serde_json::Value = serde_json::from_str(&json::render(&report)).expect("JSON");
    let jf = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|x| x["id"] == f.id.as_str())
        .expect("the finding");
    assert_eq!(jf["status"], "suppressed");
    assert_eq!(jf["waiver"]["owner"], "team-<b>pay</b>");
    assert_eq!(jf["waiver"]["expires"], "2026-12-31");
    assert!(
        jf["waiver"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("<script>")
    );
    let plain = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["status"] == "pass")
        .expect("a pass");
    assert!(
        plain.get("waiver").is_none(),
        "no waiver key on other findings"
    );
    // The roll-up is in the JSON.
    let fsbp = json["frameworks"]
        .as_array()
        .expect("frameworks")
        .iter()
        .find(|x| x["id"] == "aws-fsbp")
        .expect("fsbp");
    let sm1 = fsbp["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["control"] == "SecretsManager.1")
        .expect("SecretsManager.1");
    assert_eq!(sm1["suppressed"], 1);
    assert_eq!(sm1["checks"], serde_json::json!(["SL101", "SL102"]));

    // HTML: a visible suppressed status with the reason, escaped.
    let html = html::render(&report);
    assert!(html.contains("<span class=\"badge st-suppressed\">suppressed</span>"));
    assert!(html.contains(&esc(
        "Suppressed by waiver[0] until 2026-12-31 (owner team-<b>pay</b>): <script>alert(1)</script> until the [U+202E]migration"
    )));
    assert!(!html.contains("<script>alert"), "waiver text is escaped");
    assert!(!html.contains("<b>pay"), "waiver text is escaped");
    assert!(html.contains(
        "<span class=\"kpi-value\">1</span><span class=\"kpi-label\">suppressed by waivers</span>"
    ));
    // The compliance view.
    let compliance = &html[html.find("id=\"compliance\"").expect("compliance section")..];
    assert!(compliance.contains("AWS FSBP 1.0.0"));
    assert!(compliance.contains("<td class=\"nowrap\">SecretsManager.1</td>"));
    assert!(compliance.contains("<a href=\"#check-sl101\">SL101</a>"));

    // Terminal: counts and a short list; SL902 reports the expired waiver.
    let out = text::render(&report, &[], Severity::High);
    assert!(out.contains(", 1 suppressed"), "{out}");
    assert!(
        out.contains("Suppressed by waivers: 1 finding (not counted as failing)"),
        "{out}"
    );
    assert!(
        out.contains("  SL101 prod/app/off — waiver[0] until 2026-12-31, owner team-<b>pay</b>: <script>alert(1)</script> until the [U+202E]migration"),
        "{out}"
    );
    assert!(
        out.contains("1 waiver has expired or suppresses nothing: see SL902 in the report."),
        "{out}"
    );
    assert!(!out.contains('\u{202e}'));
}

/// `sample-reports/` holds the demo account's reports (with `demo/secretlens.toml`); CI
/// checks they are current.
#[test]
fn sample_reports_are_fresh() {
    let inv = secretlens::demo::inventory();
    let now = inv
        .as_of
        .expect("the demo inventory carries its as-of instant");
    // What `secretlens demo --config demo/secretlens.toml` renders (defaults plus example
    // waivers, so that the samples show suppression and SL902).
    let mut report = evaluate(&inv, &secretlens::demo::config(), now);
    report.generated_at = now;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-reports");
    let files = [
        ("report.json", json::render(&report)),
        ("report.html", html::render(&report)),
    ];
    if std::env::var("UPDATE_SAMPLES").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(&dir).expect("create sample-reports/");
        for (name, content) in &files {
            std::fs::write(dir.join(name), content).expect("write sample report");
        }
        return;
    }
    let mut stale = Vec::new();
    for (name, content) in &files {
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(on_disk) if on_disk == *content => {}
            Ok(_) => stale.push(format!(
                "{} differs from what the demo renders",
                path.display()
            )),
            Err(e) => stale.push(format!("cannot read {}: {e}", path.display())),
        }
    }
    assert!(
        stale.is_empty(),
        "{}\nrun `UPDATE_SAMPLES=1 cargo test --test render` and review the diff",
        stale.join("\n")
    );
}

/// A large report (above the 500-secret threshold) stays compact: passing findings are counts,
/// Evidence is shown as rows and tables, never as raw JSON outside its disclosure; hostile
/// keys and values stay escaped and cleaned, and a huge evidence is cut with a note.
#[test]
fn html_evidence_is_readable_escaped_and_bounded() {
    let mut report = evaluate(&hostile_inventory(), &Config::default(), now());
    let i = report
        .findings
        .iter()
        .position(|f| f.check_id == "SL101" && f.status == Status::Fail)
        .expect("a failing SL101 finding");
    let mut hostile = serde_json::Map::new();
    for (n, p) in PAYLOADS.iter().enumerate() {
        hostile.insert(format!("key_{n}_{p}"), serde_json::json!(p));
    }
    hostile.insert(
        "readers".to_string(),
        serde_json::Value::Array(
            (0..5_000)
                .map(|n| {
                    serde_json::json!({
                        "principal_arn": format!("arn:aws:iam::1:role/{}{n}", PAYLOADS[n % PAYLOADS.len()]),
                        "kind": "role",
                        "conditional_on": [],
                        "statements": vec![PAYLOADS[1]; 3],
                    })
                })
                .collect(),
        ),
    );
    hostile.insert(
        "when".to_string(),
        serde_json::json!("2026-05-01T10:30:00Z"),
    );
    report.findings[i].evidence = secretlens::report::Evidence::new(&hostile);
    assert!(report.findings[i].evidence.json().len() > 500_000);
    let page = html::render(&report);
    assert_no_payload_unescaped(&page);
    let row = page
        .find(&format!("id=\"finding-{}\"", report.findings[i].id))
        .expect("the finding's row");
    let end = row + page[row..].find("</details>").expect("its raw disclosure");
    let li = &page[row..end];
    // Humanised, cleaned, escaped keys; dates as dates; readers as a bounded table.
    assert!(
        li.contains(&format!(
            "<dt>Key 0 {}</dt><dd>{}</dd>",
            esc("<script>window. pwned=1</script>"),
            esc(PAYLOADS[0])
        )),
        "keys are humanised and escaped"
    );
    assert!(li.contains("[U+202E]txt.exe"), "bidi overrides are shown");
    assert!(
        li.contains("<dt>When</dt><dd>2026-05-01 10:30 UTC ("),
        "dates read as dates"
    );
    assert!(
        li.contains("<th>Principal</th><th>Kind</th><th>Access</th><th>Granting statements</th>")
    );
    assert!(
        li.contains("more rows, see report.json"),
        "the table is cut"
    );
    assert!(li.contains("<details class=\"raw-evidence\"><summary>raw evidence</summary>"));
    // (The remediation command before it may hold JSON: a command line, not evidence.)
    let visible = &li[li.find("<dl class=\"evd\">").expect("rows")
        ..li.find("<details class=\"raw-evidence\">")
            .expect("disclosure")];
    assert!(
        !visible.contains("{&#34;") && !visible.contains("[{"),
        "raw JSON outside the disclosure"
    );
    assert!(li.len() < 120_000, "{} bytes for one finding", li.len());
    // Its remediation command: the hostile name is not pasted into a shell command.
    assert!(li.contains("<div class=\"fix\"><span>Remediation</span><pre><code>aws secretsmanager rotate-secret --secret-id SECRET_ARN "));
}

/// `error` findings that share a cause are one row per secret, no evidence column, and the
/// page stays under a size bound per secret. Every secret still has its card.
#[test]
fn large_report_groups_errors_and_stays_small() {
    const N: usize = 2_000;
    let secrets: Vec<Secret> = (0..N)
        .map(|i| {
            let mut s = secret(&format!("prod/svc-{}/secret-{i}", i % 300));
            s.rotation_enabled = Some(i % 2 == 0);
            s.tags.insert("Team".to_string(), format!("t{}", i % 9));
            s
        })
        .collect();
    let report = evaluate(&inventory(secrets), &Config::default(), now());
    let errors = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Error)
        .count();
    assert!(errors >= N, "the fixture has errors to group: {errors}");
    let page = html::render(&report);
    assert_eq!(
        page.matches("<article class=\"card").count() - report.checks.len(),
        N
    );
    let cards = &page[page.find("<div id=\"secret-cards\">").expect("cards")
        ..page.find("<section id=\"other\"").expect("other")];
    // A grouped row names two or more checks; every error row is an `se` row.
    let grouped = cards.matches("could not be evaluated: ").count();
    let single = cards.matches("<li class=\"se ").count() - grouped;
    assert!(
        grouped >= N / 2,
        "errors are grouped by cause: {grouped} groups"
    );
    assert!(
        (grouped + single) * 3 < errors * 2,
        "{errors} error findings became {grouped} groups and {single} rows"
    );
    assert!(
        !cards.contains("class=\"evd\"") && !cards.contains("raw-evidence"),
        "no evidence in a large report's secret cards"
    );
    assert!(
        !cards.contains("id=\"finding-"),
        "no per-row ids in a large report's secret cards"
    );
    assert!(
        !page.contains("id=\"secret-index\""),
        "a compact report's cards are its index"
    );
    // Every card can be filtered as a whole: its tokens, region and account.
    assert_eq!(cards.matches(" data-k=\"").count(), N);
    assert_eq!(cards.matches(" data-r=\"r").count(), N);
    let per_secret = page.len() / N;
    assert!(
        per_secret < 2_200,
        "{per_secret} bytes per secret (1,898 when written; 5,190 before the compact cards)"
    );
    // The same report in full mode lists every finding with its evidence.
    let full = html::render_with(
        &report,
        &html::Options {
            passing: html::Passing::Full,
        },
    );
    assert!(full.contains("<dl class=\"evd\">") && !full.contains("could not be evaluated: "));
    assert!(full.contains("<details class=\"raw-evidence\">"));
    assert!(full.contains("id=\"secret-index\"") && full.contains("<li id=\"finding-"));
}
