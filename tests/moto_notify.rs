//! `--notify`: alerts on what changed since `--baseline`, to a webhook (a loopback listener in
//! the test), SNS and EventBridge (moto, delivering to SQS queues read back with boto3).
//!
//! Changes are produced cheaply with the demo account: run 1 writes a baseline with the default
//! config; run 2 uses a config with other thresholds (SL104 allows 365 days: some findings are
//! resolved; SL201 allows 30 days: some are new).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use common::{MotoServer, Run, Sandbox};
use serde_json::Value;

const CHANGED_CONFIG: &str = "[rotation]\nmax_age_days = 365\n[usage]\nunused_days = 30\n";

/// A loopback HTTP listener that records request bodies and answers `status` (0: never
/// answers, holding the connection open).
struct Hook {
    url: String,
    bodies: Arc<Mutex<Vec<String>>>,
    status: Arc<AtomicU16>,
}

impl Hook {
    fn start(status: u16) -> Hook {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!(
            "http://127.0.0.1:{}/services/T0/B0/token",
            listener.local_addr().expect("addr").port()
        );
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(AtomicU16::new(status));
        let (b, s) = (bodies.clone(), status.clone());
        std::thread::spawn(move || {
            let mut held: Vec<TcpStream> = Vec::new();
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let Some(body) = read_request(&stream) else {
                    continue;
                };
                b.lock().expect("lock").push(body);
                match s.load(Ordering::SeqCst) {
                    0 => held.push(stream),
                    code => {
                        let mut w = &stream;
                        let _ = write!(
                            w,
                            "HTTP/1.1 {code} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        );
                    }
                }
            }
        });
        Hook {
            url,
            bodies,
            status,
        }
    }

    fn target(&self) -> String {
        format!("webhook:{}", self.url)
    }

    fn bodies(&self) -> Vec<Value> {
        self.bodies
            .lock()
            .expect("lock")
            .iter()
            .map(|b| serde_json::from_str(b).unwrap_or_else(|e| panic!("not JSON ({e}): {b}")))
            .collect()
    }
}

/// One HTTP/1.1 request: returns its body.
fn read_request(stream: &TcpStream) -> Option<String> {
    let mut r = BufReader::new(stream);
    let mut len = 0usize;
    let mut first = true;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if first {
            assert!(line.starts_with("POST /services/T0/B0/token "), "{line}");
            first = false;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    String::from_utf8(body).ok()
}

/// The baseline (the demo with the default config) in `base/`, and the changed config.
fn baseline(sb: &Sandbox) {
    let run = sb.run(["demo", "--format", "json", "--out", "base"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    sb.write("changed.toml", CHANGED_CONFIG);
}

/// `demo --config changed.toml --baseline base/report.json --out OUT --notify T...`.
fn changed_run(sb: &Sandbox, out: &str, targets: &[String], extra: &[&str]) -> Run {
    let mut args = vec![
        "demo",
        "--format",
        "json",
        "--out",
        out,
        "--config",
        "changed.toml",
        "--baseline",
        "base/report.json",
    ];
    for t in targets {
        args.extend(["--notify", t.as_str()]);
    }
    args.extend(extra);
    sb.run(args)
}

fn ledger(sb: &Sandbox, out: &str) -> Vec<Value> {
    let p = sb.join(out).join("notify-ledger.json");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let v: Value = serde_json::from_str(&text).expect("ledger JSON");
    v["entries"].as_array().expect("entries").clone()
}

/// (new, resolved) of a report's comparison.
fn counts(sb: &Sandbox, out: &str) -> (u64, u64) {
    let r = sb.report(out);
    let c = &r.0["comparison"];
    (
        c["new"].as_u64().expect("new"),
        c["resolved"].as_u64().expect("resolved"),
    )
}

#[test]
fn notify_needs_a_baseline_and_valid_targets() {
    let sb = Sandbox::new();
    baseline(&sb);
    let run = sb.run([
        "demo",
        "--out",
        "x",
        "--notify",
        "webhook:http://127.0.0.1:9/x",
    ]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(
        run.stderr.contains("--baseline"),
        "names the missing flag\n{}",
        run.describe()
    );
    for (bad, why) in [
        ("slack:https://hooks.example.com/x", "unknown kind"),
        ("sns:arn:aws:sns:us-east-1:1:t", "not an SNS topic ARN"),
        ("webhook:ftp://example.com/x", "must start with https://"),
    ] {
        let run = sb.run([
            "demo",
            "--out",
            "x",
            "--baseline",
            "base/report.json",
            "--notify",
            bad,
        ]);
        assert_eq!(run.code, 2, "{}", run.describe());
        let first = run.stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error:")
                && first.contains("invalid --notify target")
                && first.contains(why),
            "{}",
            run.describe()
        );
        assert!(!sb.join("x").exists(), "nothing ran");
    }
}

#[test]
fn a_webhook_gets_one_alert_per_change_and_none_without_one() {
    let sb = Sandbox::new();
    baseline(&sb);
    let hook = Hook::start(200);
    let targets = [hook.target()];

    // Same config as the baseline: nothing changed, nothing sent.
    let run = sb.run([
        "demo",
        "--format",
        "json",
        "--out",
        "same",
        "--baseline",
        "base/report.json",
        "--notify",
        &targets[0],
    ]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(
        run.stderr
            .contains("notify: no new or resolved findings since the baseline; nothing sent"),
        "{}",
        run.describe()
    );
    assert!(hook.bodies().is_empty());
    assert!(!sb.join("same/notify-ledger.json").exists());

    // A change: one alert.
    let run = changed_run(
        &sb,
        "r2",
        &targets,
        &[
            "--report-url",
            "https://reports.example/r2/report.html?a=1&b=2",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.describe());
    let (new, resolved) = counts(&sb, "r2");
    assert!(
        new > 0 && resolved > 0,
        "the configs differ: {new} {resolved}"
    );
    let bodies = hook.bodies();
    assert_eq!(bodies.len(), 1, "{}", run.describe());
    let text = bodies[0]["text"].as_str().expect("text");
    assert!(
        text.contains(&format!(
            "{new} new failing finding(s), {resolved} resolved"
        )),
        "{text}"
    );
    let blocks = bodies[0]["blocks"].as_array().expect("blocks");
    assert!(
        blocks[0]["text"]["text"]
            .as_str()
            .expect("mrkdwn")
            .contains("<https://reports.example/r2/report.html?a=1&amp;b=2|Open the report>")
    );
    let all = serde_json::to_string(blocks).expect("json");
    assert!(
        all.contains("*New* SL201") && all.contains("*Resolved* SL104"),
        "{all}"
    );
    let l = ledger(&sb, "r2");
    assert_eq!(l.len(), 1);
    assert!(
        l[0]["target"]
            .as_str()
            .expect("target")
            .starts_with("webhook:http://127.0.0.1:")
            && !l[0].to_string().contains("token"),
        "the ledger names the webhook without its path: {l:?}"
    );
    assert_eq!(l[0]["key"].as_str().expect("key").len(), 64);

    // The same run again (a retry): same baseline, same change, nothing sent.
    let run = changed_run(&sb, "r2", &targets, &[]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(
        run.stderr.contains("this change was already sent"),
        "{}",
        run.describe()
    );
    assert_eq!(hook.bodies().len(), 1);
    assert_eq!(ledger(&sb, "r2").len(), 1);
}

#[test]
fn failed_webhooks_exit_2_and_a_retry_sends_only_to_them() {
    let sb = Sandbox::new();
    baseline(&sb);
    let (ok, broken, silent) = (Hook::start(204), Hook::start(500), Hook::start(0));
    let targets = [ok.target(), broken.target(), silent.target()];
    let run = changed_run(&sb, "r", &targets, &["--notify-timeout-ms", "2000"]);
    assert_eq!(run.code, 2, "{}", run.describe());
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 2, "{}", run.describe());
    assert!(
        errors[0].contains(&broken.url[..broken.url.len() - "/services/T0/B0/token".len()])
            && errors[0].ends_with("the webhook answered HTTP 500"),
        "{}",
        run.describe()
    );
    assert!(
        errors[1].ends_with("no answer within 2000 ms (timeout)"),
        "{}",
        run.describe()
    );
    assert!(!run.stderr.contains("token"), "no webhook path in messages");
    // The reports are written; only the successful target is in the ledger.
    assert!(sb.join("r/report.json").is_file());
    let l = ledger(&sb, "r");
    assert_eq!(l.len(), 1, "{l:?}");
    assert_eq!(
        (
            ok.bodies().len(),
            broken.bodies().len(),
            silent.bodies().len()
        ),
        (1, 1, 1)
    );

    // The endpoints recover; the retry sends to the two that failed, not to the first again.
    broken.status.store(200, Ordering::SeqCst);
    silent.status.store(200, Ordering::SeqCst);
    let run = changed_run(&sb, "r", &targets, &["--notify-timeout-ms", "5000"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert_eq!(
        (
            ok.bodies().len(),
            broken.bodies().len(),
            silent.bodies().len()
        ),
        (1, 2, 2)
    );
    assert_eq!(broken.bodies()[1], ok.bodies()[0], "the same alert");
    assert_eq!(ledger(&sb, "r").len(), 3);
}

#[test]
fn sns_and_eventbridge_deliver_once_on_moto() {
    let server = MotoServer::start();
    let (now, _) = common::now();
    let seeded = server.seed("notify", now);
    let sb = Sandbox::new();
    baseline(&sb);
    let topic = seeded["notify"]["secretlens-alerts"]
        .as_str()
        .expect("topic");
    let fifo = seeded["notify"]["secretlens-alerts.fifo"]
        .as_str()
        .expect("fifo");
    let missing = topic.replace("secretlens-alerts", "no-such-topic");
    let targets = [
        format!("sns:{topic}"),
        format!("sns:{fifo},eventbridge:secretlens-bus"),
        format!("sns:{missing}"),
    ];
    let endpoint = server.endpoint();
    let run = changed_run(&sb, "r", &targets, &["--endpoint-url", &endpoint]);
    // The missing topic fails (exit 2); the others are delivered and in the ledger.
    assert_eq!(run.code, 2, "{}", run.describe());
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.describe());
    assert!(
        errors[0].starts_with(&format!("error: notify sns:{missing}: sns:Publish failed:")),
        "{}",
        run.describe()
    );
    assert_eq!(ledger(&sb, "r").len(), 3);
    let (new, resolved) = counts(&sb, "r");

    let got = server.seed("notify_read", now);
    let got = &got["notify_read"];
    let q = |name: &str| got[name].as_array().expect("queue").clone();
    let (plain, fifo_msgs, bus) = (
        q("secretlens-alerts-q"),
        q("secretlens-alerts-q.fifo"),
        q("secretlens-bus-q"),
    );
    assert_eq!(
        (plain.len(), fifo_msgs.len(), bus.len()),
        (1, 1, 1),
        "{got}"
    );
    assert_eq!(
        plain[0]["Subject"],
        format!("secretlens: {new} new failing, {resolved} resolved findings")
    );
    let alert: Value =
        serde_json::from_str(plain[0]["Message"].as_str().expect("message")).expect("alert JSON");
    assert_eq!(
        (
            alert["new_count"].as_u64(),
            alert["resolved_count"].as_u64()
        ),
        (Some(new), Some(resolved))
    );
    let key = alert["change_key"].as_str().expect("key");
    assert_eq!(ledger(&sb, "r")[0]["key"], key);
    let listed: u64 = alert["new"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["count"].as_u64().expect("count"))
        .sum();
    assert_eq!(listed, new, "every new finding is counted in a group");
    assert!(
        alert["report_url"]
            .as_str()
            .expect("url")
            .ends_with("r/report.json")
    );
    let fifo_alert: Value =
        serde_json::from_str(fifo_msgs[0]["Message"].as_str().expect("message")).expect("JSON");
    assert_eq!(fifo_alert, alert);
    assert_eq!(bus[0]["source"], "secretlens");
    assert_eq!(bus[0]["detail-type"], "secretlens findings changed");
    assert_eq!(bus[0]["detail"], alert);

    // A retry: the delivered targets are skipped, the missing topic fails again.
    let run = changed_run(&sb, "r", &targets, &["--endpoint-url", &endpoint]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert_eq!(
        run.stderr.matches("this change was already sent").count(),
        3,
        "{}",
        run.describe()
    );
    let got = server.seed("notify_read", now);
    for name in [
        "secretlens-alerts-q",
        "secretlens-alerts-q.fifo",
        "secretlens-bus-q",
    ] {
        assert_eq!(
            got["notify_read"][name],
            serde_json::json!([]),
            "{name}: nothing resent"
        );
    }
}

/// With `--out s3://…/`, the ledger is an object under the prefix: a retried run, from any
/// machine, finds it and sends nothing again.
#[test]
fn with_reports_in_s3_the_ledger_is_in_s3_too() {
    let moto = MotoServer::start();
    let (epoch, _) = common::now();
    moto.seed("s3", epoch);
    let sb = Sandbox::new();
    baseline(&sb);
    let hook = Hook::start(200);
    let targets = [hook.target()];
    let endpoint = moto.endpoint();
    let extra = ["--endpoint-url", endpoint.as_str()];
    let run = changed_run(&sb, "s3://secretlens-s3/reports/r2/", &targets, &extra);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert_eq!(hook.bodies().len(), 1, "{}", run.describe());
    assert!(
        !sb.join("s3:").exists() && !sb.join("s3:/secretlens-s3").exists(),
        "no local ledger"
    );
    // The retry, in a fresh directory: the ledger comes from S3.
    let other = Sandbox::new();
    baseline(&other);
    let run = changed_run(&other, "s3://secretlens-s3/reports/r2/", &targets, &extra);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(
        run.stderr.contains("already sent")
            && run
                .stderr
                .contains("s3://secretlens-s3/reports/r2/notify-ledger.json"),
        "{}",
        run.describe()
    );
    assert_eq!(hook.bodies().len(), 1, "nothing sent twice");
}
