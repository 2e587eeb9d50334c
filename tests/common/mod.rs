//! Shared test harness: run the `secretlens` binary in isolation, start a moto server (with
//! the test-only extension `tests/moto/secretlens_moto.py`) on a free loopback port, run
//! `secretlens audit` against it ([`audit`]), look findings up in its report ([`Report`]), and
//! build the one-account fixture inventory the library-level tests start from
//! ([`one_account_inventory`]).
//!
//! The Python interpreter is `$SECRETLENS_TEST_PYTHON` (set by `scripts/test.sh`), else
//! `.venv/bin/python`, else `python3`. Every test starts its own server, so tests run in
//! parallel. Server logs go to `target/tmp/moto-*.log` and are kept for debugging.

#![allow(dead_code)]

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde_json::Value;

/// How long the server may take to print its port (imports of moto take ~1 s).
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one test-route request may wait for the server's answer (see `MotoServer::http`).
const HTTP_TIMEOUT: Duration = Duration::from_secs(60);
/// Upper bound on one run of the binary; a hang fails the test instead of the whole suite.
const RUN_TIMEOUT: Duration = Duration::from_secs(180);

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_secretlens")
}

/// The interpreter that has moto and boto3 installed.
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("SECRETLENS_TEST_PYTHON")
        && !p.trim().is_empty()
    {
        return PathBuf::from(p);
    }
    let venv = repo_root().join(".venv/bin/python");
    if venv.is_file() {
        return venv;
    }
    PathBuf::from("python3")
}

/// Removes every `AWS_*` variable inherited from the caller's environment, then sets fake
/// credentials and points the config and credentials files at paths that do not exist: no
/// real profile, credential or endpoint can leak into a test.
pub fn isolate_aws_env(cmd: &mut Command, scratch: &Path) {
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(&k);
        }
    }
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", scratch.join("nonexistent-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            scratch.join("nonexistent-aws-credentials"),
        )
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str, ext: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&dir).expect("create CARGO_TARGET_TMPDIR");
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    dir.join(format!("{prefix}-{}-{n}.{ext}", std::process::id()))
}

/// The last `n` lines of a file, for panic messages.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A loopback port with nothing listening on it (bound, then released).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr").port()
}

/// A moto server (plus the test-only extension) on a free loopback port, killed on drop.
pub struct MotoServer {
    child: Child,
    /// Held open: the server exits by itself when this pipe closes (the test process died).
    _stdin: Option<ChildStdin>,
    port: u16,
    log: PathBuf,
}

impl MotoServer {
    pub fn start() -> MotoServer {
        Self::start_script("secretlens_moto.py", "moto", &[])
    }

    /// Starts moto with extra options of `tests/moto/secretlens_moto.py`, e.g.
    /// `--load-iam-managed-policies`.
    pub fn start_with_args(args: &[&str]) -> MotoServer {
        let extra: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        Self::start_script("secretlens_moto.py", "moto", &extra)
    }

    /// Starts the fault-injecting proxy (`tests/moto/fault_proxy.py`) in front of `upstream`.
    /// Its `http()` reaches the proxy's `/_fault/` control routes.
    pub fn start_fault_proxy(upstream: &MotoServer) -> MotoServer {
        Self::start_script(
            "fault_proxy.py",
            "fault-proxy",
            &["--upstream".to_string(), upstream.endpoint()],
        )
    }

    /// Replaces the proxy's fault rules (see tests/moto/fault_proxy.py).
    pub fn set_faults(&self, rules: &Value) {
        let (code, body) = self.http("POST", "/_fault/rules", &rules.to_string());
        assert_eq!(code, 200, "POST /_fault/rules: {body}");
    }

    /// `{"forwarded": n, "faults": {fault: n}}` from the proxy.
    pub fn fault_stats(&self) -> Value {
        let (code, body) = self.http("GET", "/_fault/stats", "");
        assert_eq!(code, 200, "GET /_fault/stats: {body}");
        serde_json::from_str(&body).expect("stats JSON")
    }

    fn start_script(file: &str, what: &str, extra: &[String]) -> MotoServer {
        let script = repo_root().join("tests/moto").join(file);
        let log = unique(what, "log");
        let log_file = File::create(&log).expect("create moto log file");
        let python = python();
        let mut cmd = Command::new(&python);
        cmd.arg(&script)
            .args(extra)
            .arg("--exit-on-stdin-eof")
            .current_dir(repo_root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .env("PYTHONUNBUFFERED", "1");
        isolate_aws_env(&mut cmd, &std::env::temp_dir());
        let mut child = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot start {} {}: {e}. Run ./scripts/test.sh, which installs moto into .venv/",
                python.display(),
                script.display()
            )
        });
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            loop {
                line.clear();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => {
                        let _ = tx.send(None);
                        return;
                    }
                    Ok(_) => {
                        if let Some(p) = line.trim().strip_prefix("PORT ") {
                            let _ = tx.send(p.trim().parse::<u16>().ok());
                            return;
                        }
                    }
                }
            }
        });
        let port = match rx.recv_timeout(START_TIMEOUT) {
            Ok(Some(port)) => port,
            outcome => {
                let _ = child.kill();
                let _ = child.wait();
                let why = match outcome {
                    Err(_) => format!("did not print `PORT <n>` within {START_TIMEOUT:?}"),
                    _ => "exited (or printed a bad PORT line) before serving".to_string(),
                };
                panic!(
                    "moto server ({} {}) {why}. Is moto installed (./scripts/test.sh installs it into \
                     .venv/)? Log {}:\n{}",
                    python.display(),
                    script.display(),
                    log.display(),
                    tail(&log, 30)
                );
            }
        };
        let stdin = child.stdin.take();
        MotoServer {
            child,
            _stdin: stdin,
            port,
            log,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn log(&self) -> &Path {
        &self.log
    }

    /// Runs `tests/moto/seed.py ENDPOINT SCENARIOS --now EPOCH` (boto3, dummy credentials) and
    /// returns what it created. Seeding ends by resetting the server's call log.
    pub fn seed(&self, scenarios: &str, now_epoch: i64) -> Value {
        let scratch = tempfile::tempdir().expect("tempdir");
        let mut cmd = Command::new(python());
        cmd.arg(repo_root().join("tests/moto/seed.py"))
            .arg(self.endpoint())
            .arg(scenarios)
            .arg("--now")
            .arg(now_epoch.to_string())
            .current_dir(scratch.path());
        isolate_aws_env(&mut cmd, scratch.path());
        let out = cmd.output().expect("run tests/moto/seed.py");
        assert!(
            out.status.success(),
            "seeding {scenarios:?} failed ({}):\n{}\nmoto log {}:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            self.log.display(),
            tail(&self.log, 20)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "seed.py printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// A plain HTTP/1.0 request to the server; returns (status code, body).
    ///
    /// GETs and the idempotent test routes (`calls/reset`, `/_fault/rules`) are retried on a
    /// fresh connection when the server does not answer within `HTTP_TIMEOUT`: a loaded CI
    /// machine once left one such request unanswered for 30 s. A failure names the attempts
    /// and shows the server's log.
    pub fn http(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        let idempotent =
            method == "GET" || path.ends_with("/calls/reset") || path == "/_fault/rules";
        let attempts = if idempotent { 3 } else { 1 };
        let mut errors = Vec::new();
        for _ in 0..attempts {
            match self.http_once(method, path, body) {
                Ok(answer) => return answer,
                Err(e) => errors.push(e),
            }
        }
        panic!(
            "{method} {path} on 127.0.0.1:{}: {}\nlog {}:\n{}",
            self.port,
            errors.join("; "),
            self.log.display(),
            tail(&self.log, 30)
        );
    }

    fn http_once(&self, method: &str, path: &str, body: &str) -> Result<(u16, String), String> {
        let started = Instant::now();
        let fail =
            |what: &str, e: std::io::Error| format!("{what} after {:?}: {e}", started.elapsed());
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| fail("connect", e))?;
        s.set_read_timeout(Some(HTTP_TIMEOUT)).ok();
        write!(
            s,
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        )
        .map_err(|e| fail("send", e))?;
        let mut raw = String::new();
        s.read_to_string(&mut raw).map_err(|e| fail("read", e))?;
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw.as_str(), ""));
        let code = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        Ok((code, body.to_string()))
    }

    /// Every AWS operation the server received since seeding: `{"calls": [...], "counts": {}}`.
    pub fn calls(&self) -> Value {
        let (code, body) = self.http("GET", "/_secretlens_test/calls", "");
        assert_eq!(code, 200, "GET /_secretlens_test/calls: {body}");
        serde_json::from_str(&body).expect("calls JSON")
    }

    pub fn reset_calls(&self) {
        let (code, body) = self.http("POST", "/_secretlens_test/calls/reset", "{}");
        assert_eq!(code, 200, "reset calls: {body}");
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// "Now", to the second, as (epoch seconds, RFC 3339): the instant seeding backdates against
/// (`MotoServer::seed`) and the audit's `--as-of`.
pub fn now() -> (i64, String) {
    let t = Utc::now();
    (t.timestamp(), t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// How [`audit`] runs `secretlens audit`; `Audit::default()` is one region (us-east-1), the
/// report in `out/`, JSON only, nothing else.
#[derive(Debug, Clone, Copy)]
pub struct Audit<'a> {
    /// `--regions`.
    pub regions: &'a str,
    /// `--out`, relative to the sandbox.
    pub out: &'a str,
    /// `--format`.
    pub format: &'a str,
    /// Further arguments (`--config F`, `--allow-partial`, `--accounts …`).
    pub extra: &'a [&'a str],
}

impl Default for Audit<'_> {
    fn default() -> Self {
        Audit {
            regions: "us-east-1",
            out: "out",
            format: "json",
            extra: &[],
        }
    }
}

/// `secretlens audit --endpoint-url SERVER --as-of AS_OF` in the sandbox, against moto or the
/// fault proxy in front of it. Asserts that it did not panic and wrote `report.json`; returns
/// the run and the report.
pub fn audit(sb: &Sandbox, server: &MotoServer, as_of: &str, opts: Audit<'_>) -> (Run, Report) {
    let endpoint = server.endpoint();
    let mut args = vec![
        "audit",
        "--endpoint-url",
        &endpoint,
        "--regions",
        opts.regions,
        "--as-of",
        as_of,
        "--out",
        opts.out,
        "--format",
        opts.format,
    ];
    args.extend_from_slice(opts.extra);
    let run = sb.run(&args);
    assert!(
        !run.stderr.contains("panicked"),
        "secretlens panicked\n{}",
        run.describe()
    );
    assert!(
        sb.join(opts.out).join("report.json").is_file(),
        "no report.json written\n{}\nserver log {}:\n{}",
        run.describe(),
        server.log().display(),
        tail(server.log(), 20)
    );
    let report = sb.report(opts.out);
    (run, report)
}

/// moto implements every call collection makes: nothing may be missing, and a complete audit
/// exits 0 or 1.
pub fn assert_complete(run: &Run, report: &Report) {
    assert_eq!(
        report.0["coverage_complete"],
        true,
        "{}\n{}",
        report.context(),
        run.describe()
    );
    assert!(
        run.code == 0 || run.code == 1,
        "a complete audit exits 0 or 1\n{}",
        run.describe()
    );
}

/// The outcome of one run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// Asserts that a failure was reported as one clean `error:` line: no panic, no backtrace.
    pub fn assert_clean_error(&self) {
        assert_eq!(self.code, 2, "expected exit 2\n{}", self.describe());
        assert!(
            !self.stderr.contains("panicked"),
            "panicked\n{}",
            self.describe()
        );
        assert!(
            !self.stderr.contains("stack backtrace"),
            "backtrace\n{}",
            self.describe()
        );
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        assert!(
            lines.first().is_some_and(|l| l.starts_with("error:")),
            "stderr does not start with `error:`\n{}",
            self.describe()
        );
    }

    pub fn describe(&self) -> String {
        format!(
            "exit code {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A scratch directory in which the binary runs (so no `./secretlens.toml` of the developer's is
/// picked up), with helpers to run it.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.join(name);
        std::fs::write(&p, content).expect("write sandbox file");
        p
    }

    /// Runs `secretlens ARGS` in the sandbox with an isolated AWS environment.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.run_env(args, &[], &[])
    }

    /// [`Sandbox::run`], then sets `set` and removes `remove` from the isolated environment
    /// (e.g. removes the fake credentials to run as a machine without any).
    pub fn run_env<I, S>(&self, args: I, set: &[(&str, &str)], remove: &[&str]) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let out_path = unique("secretlens-stdout", "txt");
        let err_path = unique("secretlens-stderr", "txt");
        let mut cmd = Command::new(bin());
        cmd.args(args)
            .current_dir(self.path())
            .stdin(Stdio::null())
            .stdout(File::create(&out_path).expect("stdout file"))
            .stderr(File::create(&err_path).expect("stderr file"));
        isolate_aws_env(&mut cmd, self.path());
        for (k, v) in set {
            cmd.env(k, v);
        }
        for k in remove {
            cmd.env_remove(k);
        }
        let started = Instant::now();
        let mut child = cmd.spawn().expect("spawn secretlens");
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for secretlens") {
                break status;
            }
            if started.elapsed() > RUN_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "secretlens did not finish within {RUN_TIMEOUT:?}; stderr so far:\n{}",
                    tail(&err_path, 30)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let elapsed = started.elapsed();
        let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
        let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
        let _ = std::fs::remove_file(&out_path);
        let _ = std::fs::remove_file(&err_path);
        Run {
            // Killed by a signal: no code; -1 never matches an expected exit code.
            code: status.code().unwrap_or(-1),
            stdout,
            stderr,
            elapsed,
        }
    }

    /// Reads `DIR/report.json` written by a run.
    pub fn report(&self, dir: &str) -> Report {
        let p = self.join(dir).join("report.json");
        let text =
            std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
        Report(serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", p.display())))
    }
}

/// A parsed `report.json` with lookups for assertions.
pub struct Report(pub Value);

impl Report {
    pub fn findings(&self) -> &Vec<Value> {
        self.0["findings"]
            .as_array()
            .expect("report.findings is an array")
    }

    /// Findings of `check` on resources named `name`.
    pub fn findings_for(&self, check: &str, name: &str) -> Vec<&Value> {
        self.findings()
            .iter()
            .filter(|f| f["check_id"] == check && f["resource"]["name"] == name)
            .collect()
    }

    /// The one finding of `check` on resources named `name`.
    pub fn finding(&self, check: &str, name: &str) -> &Value {
        let found = self.findings_for(check, name);
        assert_eq!(
            found.len(),
            1,
            "expected exactly one {check} finding on {name:?}, got {}: {found:#?}\n{}",
            found.len(),
            self.context()
        );
        found[0]
    }

    /// The one finding of `check` on the resource with this ARN.
    pub fn on_arn(&self, check: &str, arn: &str) -> &Value {
        let found: Vec<&Value> = self
            .findings()
            .iter()
            .filter(|f| f["check_id"] == check && f["resource"]["arn"] == arn)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "expected one {check} finding on {arn}: {found:#?}\n{}",
            self.context()
        );
        found[0]
    }

    /// The status of the one finding of `check` on `name`.
    pub fn status(&self, check: &str, name: &str) -> String {
        let found = self.findings_for(check, name);
        assert_eq!(
            found.len(),
            1,
            "expected exactly one {check} finding on {name:?}, got {}: {found:#?}\n{}",
            found.len(),
            self.context()
        );
        found[0]["status"]
            .as_str()
            .expect("status is a string")
            .to_string()
    }

    /// Asserts the status of `check` on `name`, showing the finding and the gaps otherwise.
    pub fn assert_status(&self, check: &str, name: &str, want: &str) {
        let got = self.status(check, name);
        assert_eq!(
            got,
            want,
            "{check} on {name:?}: {:#}\n{}",
            self.findings_for(check, name)[0],
            self.context()
        );
    }

    /// The per-secret summary of `name` in `region`.
    pub fn secret(&self, name: &str, region: &str) -> &Value {
        self.0["secrets"]
            .as_array()
            .expect("report.secrets is an array")
            .iter()
            .find(|s| s["name"] == name && s["region"] == region)
            .unwrap_or_else(|| {
                panic!(
                    "no secret {name:?} in {region} in report.secrets\n{}",
                    self.context()
                )
            })
    }

    pub fn gaps(&self) -> &Vec<Value> {
        self.0["gaps"].as_array().expect("report.gaps is an array")
    }

    /// Coverage and gaps, for assertion messages.
    pub fn context(&self) -> String {
        format!(
            "coverage_complete = {}, gaps = {:#}",
            self.0["coverage_complete"], self.0["gaps"]
        )
    }
}

/// The account of the fixture inventories built in code.
pub const ACCOUNT: &str = "111122223333";
/// Their one region.
pub const REGION: &str = "us-east-1";

/// 2026-06-01T00:00:00Z: when the one-account fixture inventory was collected, and the instant
/// it is evaluated at.
pub fn fixture_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .expect("valid date")
}

/// An inventory of one account ([`ACCOUNT`]) and one region ([`REGION`]), collected at
/// [`fixture_now`], with these secrets.
pub fn one_account_inventory(
    secrets: Vec<secretlens::inventory::Secret>,
) -> secretlens::inventory::Inventory {
    let mut inv = secretlens::inventory::Inventory::empty("fixture", fixture_now());
    inv.accounts = vec![ACCOUNT.to_string()];
    inv.scopes = vec![secretlens::inventory::Scope {
        account: ACCOUNT.to_string(),
        region: REGION.to_string(),
    }];
    inv.secrets = secrets;
    inv
}

/// A secret named `name` in [`ACCOUNT`] and [`REGION`], created `created_days_ago` days before
/// [`fixture_now`] (`None`: no creation date), with nothing else set.
pub fn fixture_secret(name: &str, created_days_ago: Option<i64>) -> secretlens::inventory::Secret {
    secretlens::inventory::Secret {
        arn: format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf"),
        name: name.to_string(),
        account: ACCOUNT.to_string(),
        region: REGION.to_string(),
        created_date: created_days_ago.map(|d| fixture_now() - chrono::Duration::days(d)),
        ..Default::default()
    }
}
