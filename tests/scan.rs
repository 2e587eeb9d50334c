//! `secretlens scan`: every rule's positives and negatives, placeholders, multi-line traps, a
//! generated git history, bad input, and the CLI (formats, exit codes, baseline).
//!
//! Every secret here is synthetic: generated at test time from a fixed seed, never a real one.

use std::path::Path;
use std::process::Command;

use secretlens::scan::testutil::{ALNUM, B64, Rng, key_id_for_account};
use secretlens::scan::{self, Engine, ScanOptions, rules};

fn engine() -> Engine {
    Engine::new(rules::builtin())
}

/// Rule ids found in `text`.
fn ids(text: &str) -> Vec<String> {
    let e = engine();
    e.scan(text.as_bytes())
        .iter()
        .map(|h| e.rules()[h.rule].id.clone())
        .collect()
}

fn assert_finds(rule: &str, text: &str) {
    let got = ids(text);
    assert!(
        got.iter().any(|g| g == rule),
        "expected {rule} in {text:?}, got {got:?}"
    );
}

fn assert_clean(text: &str) {
    let got = ids(text);
    assert!(got.is_empty(), "expected nothing in {text:?}, got {got:?}");
}

fn rng() -> Rng {
    Rng(0x5EC2_E71E_5500_0001)
}

// Tokens are assembled from parts so this file holds no well-formed token literal.
fn tok(prefix: &str, body: &str) -> String {
    format!("{prefix}{body}")
}

#[test]
fn aws_access_key_ids_with_decoded_account() {
    let id = key_id_for_account("AKIA", 123456789012, 42);
    assert_finds("aws-access-key-id", &format!("aws_access_key_id = {id}\n"));
    assert_finds(
        "aws-access-key-id",
        &format!("{{\"key\": \"{}\"}}", key_id_for_account("ASIA", 1, 3)),
    );
    let e = engine();
    let hits = e.scan(format!("x = '{id}'").as_bytes());
    let f = scan::make_finding(&e, &hits[0], "f".into());
    assert_eq!(f.aws_account_id.as_deref(), Some("123456789012"));
    assert_eq!(f.key_id.as_deref(), Some(id.as_str()));
    // Negatives: the documented example, wrong alphabet, embedded in a longer word, too short.
    assert_clean("AKIAIOSFODNN7EXAMPLE");
    assert_clean(&format!("{}0189", &id[..16]));
    assert_clean(&format!("X{id}Y"));
    assert_clean("AKIA2345");
}

#[test]
fn aws_secret_keys_named_or_near_a_key_id() {
    let mut r = rng();
    let sk = loop {
        let s = r.string(B64, 40);
        if scan::engine::aws_secret_shape(&s) {
            break s;
        }
    };
    assert_finds(
        "aws-secret-access-key",
        &format!("aws_secret_access_key = {sk}\n"),
    );
    assert_finds(
        "aws-secret-access-key",
        &format!("AWS_SECRET_ACCESS_KEY: \"{sk}\"\n"),
    );
    // Unnamed, in a CSV next to the key id.
    let id = key_id_for_account("AKIA", 5, 5);
    assert_finds(
        "aws-secret-access-key",
        &format!("user,key,secret\nci,{id},{sk}\n"),
    );
    // Negatives: the documentation example, a SHA-1 (hex), a 40-char string far from any key id.
    assert_clean("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    assert!(
        !ids("aws_secret_access_key = 3f786850e387550fdab836ed7e6dc881de23001b")
            .contains(&"aws-secret-access-key".to_string())
    );
    assert_clean(&format!("blob = {sk}\n"));
}

#[test]
fn aws_session_tokens() {
    let mut r = rng();
    let body = r.string(B64, 300);
    assert_finds(
        "aws-session-token",
        &format!("aws_session_token = {body}\n"),
    );
    assert_finds(
        "aws-session-token",
        &format!("token: {}{}\n", "FwoGZXIvYXdzE", body),
    );
    assert_clean("aws_session_token = ${AWS_SESSION_TOKEN}\n");
    assert_clean(&format!("aws_session_token = {}\n", "A".repeat(200)));
}

#[test]
fn github_gitlab_slack_stripe_google_tokens() {
    let mut r = rng();
    let cases = [
        ("github-token", tok("ghp_", &r.string(ALNUM, 36))),
        ("github-token", tok("gho_", &r.string(ALNUM, 36))),
        ("github-token", tok("ghs_", &r.string(ALNUM, 36))),
        ("github-token", tok("ghu_", &r.string(ALNUM, 36))),
        ("github-token", tok("ghr_", &r.string(ALNUM, 36))),
        (
            "github-fine-grained-pat",
            format!(
                "{}{}_{}",
                "github_pat_",
                r.string(ALNUM, 22),
                r.string(ALNUM, 59)
            ),
        ),
        ("gitlab-token", tok("glpat-", &r.string(ALNUM, 20))),
        (
            "slack-token",
            format!(
                "{}{}-{}-{}",
                "xoxb-",
                r.string("0123456789", 13),
                r.string("0123456789", 13),
                r.string(ALNUM, 24)
            ),
        ),
        (
            "slack-token",
            format!(
                "{}{}-{}-{}-{}",
                "xoxp-",
                r.string("0123456789", 12),
                r.string("0123456789", 13),
                r.string("0123456789", 13),
                r.string("0123456789abcdef", 32)
            ),
        ),
        (
            "slack-webhook",
            format!(
                "https://hooks.slack.com/services/T{}/B{}/{}",
                r.string("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", 8),
                r.string("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", 10),
                r.string(ALNUM, 24)
            ),
        ),
        ("stripe-live-key", tok("sk_live_", &r.string(ALNUM, 24))),
        ("stripe-live-key", tok("rk_live_", &r.string(ALNUM, 99))),
        (
            "google-api-key",
            tok(
                "AIza",
                &r.string(
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
                    35,
                ),
            ),
        ),
    ];
    for (rule, t) in &cases {
        assert_finds(rule, &format!("const T = \"{t}\";\n"));
        assert_finds(rule, &format!("{t}\n"));
    }
    // Negatives: too short, placeholder bodies, prefix inside an identifier.
    assert_clean(&format!("{}abc123\n", "ghp_"));
    assert_clean(&format!("token = \"{}{}\"\n", "ghp_", "x".repeat(36)));
    assert_clean(&format!(
        "{}{}\n",
        "ghp_", "EXAMPLEexampleEXAMPLEexampleEXAMPLE1"
    ));
    assert_clean(&format!("my_ghp_{}\n", r.string(ALNUM, 36)));
    assert_clean(&format!("{}{}\n", "glpat-", "xxxxxxxxxxxxxxxxxxxx"));
    assert_clean(&format!("{}\n", "xoxb-not-a-real-token"));
    // rules-saas: test-mode Stripe keys are reported by their own rule, at low severity only.
    let test_key = format!("{}{}\n", "sk_test_", r.string(ALNUM, 24));
    let e = engine();
    let hits = e.scan(test_key.as_bytes());
    assert_eq!(hits.len(), 1, "{test_key:?}");
    assert_eq!(e.rules()[hits[0].rule].id, "stripe-test-key");
    assert_eq!(
        e.rules()[hits[0].rule].severity,
        secretlens::report::Severity::Low
    );
    assert_clean(&format!("{}{}\n", "AIza", "x".repeat(35)));
    assert_clean("https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\n");
}

fn pem_body(r: &mut Rng, lines: usize) -> String {
    (0..lines).map(|_| r.string(B64, 64) + "\n").collect()
}

#[test]
fn private_keys_with_a_body() {
    let mut r = rng();
    for kind in ["RSA ", "EC ", "DSA ", "", "ENCRYPTED ", "OPENSSH "] {
        let key = format!(
            "-----BEGIN {kind}PRIVATE KEY-----\n{}-----END {kind}PRIVATE KEY-----\n",
            pem_body(&mut r, 8)
        );
        assert_finds("private-key", &key);
    }
    // Inside a JSON string with escaped newlines (a service-account file).
    let body: String = (0..6).map(|_| r.string(B64, 64) + "\\n").collect();
    assert_finds(
        "private-key",
        &format!(
            "{{\"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{body}-----END PRIVATE KEY-----\\n\"}}\n"
        ),
    );
    let ppk = format!(
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: k\nPublic-Lines: 2\n{}\n{}\nPrivate-Lines: 1\n{}\nPrivate-MAC: {}\n",
        r.string(B64, 64),
        r.string(B64, 20),
        r.string(B64, 44),
        r.string("0123456789abcdef", 64)
    );
    assert_finds("putty-private-key", &ppk);
    // Negatives: header constants in a parser, a redacted body, a public key.
    assert_clean(
        "const HEADER: &str = \"-----BEGIN RSA PRIVATE KEY-----\";\nfn parse() {}\nconst FOOTER: &str = \"-----END RSA PRIVATE KEY-----\";\n",
    );
    assert_clean("-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n");
    assert_clean("-----BEGIN PRIVATE KEY-----\n<your key here>\n-----END PRIVATE KEY-----\n");
    assert_clean(&format!(
        "-----BEGIN PUBLIC KEY-----\n{}-----END PUBLIC KEY-----\n",
        pem_body(&mut r, 4)
    ));
}

fn b64url(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..=c.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[test]
fn jwts_need_a_json_header_with_alg() {
    let mut r = rng();
    let jwt = format!(
        "{}.{}.{}",
        b64url(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64url(br#"{"sub":"1234567890","name":"svc","iat":1516239022}"#),
        r.string(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
            43
        )
    );
    assert_finds("jwt", &format!("Authorization: Bearer {jwt}\n"));
    // eyJ-looking but the header is not JSON with alg.
    let fake = format!(
        "{}.{}.{}",
        b64url(br#"{"foo":"bar","baz":1}"#),
        b64url(br#"{"a":1,"b":2,"c":3}"#),
        r.string(ALNUM, 40)
    );
    assert_clean(&format!("x = {fake}\n"));
}

#[test]
fn passwords_in_urls() {
    let mut r = rng();
    let pw = r.string(ALNUM, 16);
    for scheme in [
        "postgres",
        "postgresql",
        "mysql",
        "mongodb",
        "mongodb+srv",
        "redis",
        "amqp",
        "https",
    ] {
        assert_finds(
            "url-password",
            &format!("DATABASE_URL={scheme}://app:{pw}@db.internal:5432/app\n"),
        );
    }
    assert_clean("postgres://postgres:postgres@localhost/db\n");
    assert_clean("postgres://user:password@localhost/db\n");
    assert_clean("mysql://root:${MYSQL_PASSWORD}@db/app\n");
    assert_clean("amqp://guest:guest@rabbit//\n");
    assert_clean("https://user:<password>@example.com\n");
    assert_clean("redis://:****@cache:6379\n");
    assert_clean("see https://example.com/path for details\n");
    assert_clean("git@github.com:owner/repo.git\n");
}

#[test]
fn generic_assignments_fire_on_real_looking_values() {
    let mut r = rng();
    let v = r.string(ALNUM, 20);
    for line in [
        format!("password = \"{v}\""),
        format!("DB_PASSWORD=\"{v}\""),
        format!("\"api_key\": \"{v}\","),
        format!("client_secret: '{v}'"),
        format!("let authToken = `{v}`;"),
        format!("conn = connect(host='db', password='{v}')"),
        format!("$password = '{v}';"),
        format!("API_TOKEN={v}"),
        format!("  secret_key: {v}"),
        format!("export GITHUB_TOKEN={v}"),
    ] {
        assert_finds_any_generic(&line);
    }
}

fn assert_finds_any_generic(line: &str) {
    let got = ids(&format!("{line}\n"));
    assert!(
        got.iter().any(|g| g.starts_with("generic-secret")),
        "expected a generic finding in {line:?}, got {got:?}"
    );
}

#[test]
fn placeholders_env_lookups_and_code_do_not_fire() {
    for line in [
        "password = \"changeme\"",
        "password = \"EXAMPLE_PASSWORD_1\"",
        "api_key = \"<your-api-key>\"",
        "api_key = \"${API_KEY}\"",
        "token: \"{{ .Values.token }}\"",
        "secret = \"xxxxxxxxxxxx\"",
        "password = \"************\"",
        "password: dummy-password-1",
        "password = \"test1234test\"",
        "token = \"placeholder-token\"",
        "password = os.environ[\"DB_PASSWORD\"]",
        "password = os.environ.get('DB_PASSWORD')",
        "const token = process.env.GITHUB_TOKEN;",
        "token = getToken(user, scope)",
        "password = self.password",
        "secret_key = settings.SECRET_KEY",
        "password_field = \"Xk29dkLm2pqA\"",
        "token_type = \"Bearer\"",
        "max_tokens = 4096",
        "password_length: 16",
        "SecretId=\"prod/app/api-key\"",
        "secret_name = \"PROD_DB_PASSWORD\"",
        "token_url = \"https://oauth2.googleapis.com/token\"",
        "password = \"\"",
        "password = \"short\"",
        "if password == \"Xk29dkLm2pqA\":",
        "api_key = \"your_api_key_here\"",
        "password = 'Kx92mLpq4Rz8' # secretlens:allow",
        "private_key_path = \"~/.ssh/id_rsa\"",
        "token = \"passwordResetToken\"",
        "csrf_token = \"a8f5f167f44f4964e6c998dee827110c\"",
    ] {
        assert_clean(&format!("{line}\n"));
    }
}

#[test]
fn multi_line_traps() {
    let mut r = rng();
    let v = r.string(ALNUM, 24);
    // The keyword on one line and a random value on the next is not an assignment.
    assert_clean(&format!("password:\n  {v}\n"));
    assert_clean(&format!("# set the token\n\"{v}\"\n"));
    // A PEM header whose END is far away behind code is not a key.
    let mut far = String::from("HEADER = \"-----BEGIN RSA PRIVATE KEY-----\"\n");
    for i in 0..50 {
        far.push_str(&format!("def f{i}(x): return x + {i}\n"));
    }
    far.push_str("FOOTER = \"-----END RSA PRIVATE KEY-----\"\n");
    assert_clean(&far);
    // Two findings on consecutive lines keep their own line numbers.
    let text = format!(
        "a = 1\npassword = \"{v}\"\napi_key = \"{}\"\n",
        r.string(ALNUM, 20)
    );
    let e = engine();
    let hits = e.scan(text.as_bytes());
    assert_eq!(
        hits.iter().map(|h| (h.line, h.column)).collect::<Vec<_>>(),
        vec![(2, 13), (3, 12)]
    );
}

// ---------- tree scans and bad input ----------

fn write(dir: &Path, rel: &str, data: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

// rules-cloud-vcs: github-token verifies GitHub's CRC32 checksum (a failing one lowers the
// finding to low), so test tokens carry a valid one: 30 random characters, then their CRC32 in
// base62 (0-9A-Za-z), left-padded to 6.
fn github_token(seed: u64) -> String {
    let random = Rng(seed).string(ALNUM, 30);
    let mut n = crc32fast::hash(random.as_bytes());
    let b62 = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut sum = [b'0'; 6];
    for slot in sum.iter_mut().rev() {
        *slot = b62[(n % 62) as usize];
        n /= 62;
    }
    tok(
        "ghp_",
        &format!("{random}{}", String::from_utf8_lossy(&sum)),
    )
}

#[test]
fn tree_scan_respects_gitignore_vendored_binary_and_reports_positions() {
    let d = tempfile::tempdir().unwrap();
    let t = github_token(7);
    write(
        d.path(),
        "src/app.py",
        format!("import os\nTOKEN = \"{t}\"\n"),
    );
    write(d.path(), ".gitignore", "ignored.txt\n");
    write(d.path(), "ignored.txt", format!("{t}\n"));
    write(d.path(), "node_modules/x/index.js", format!("{t}\n"));
    write(d.path(), "dist/app.min.js", format!("{t}\n"));
    write(
        d.path(),
        "bin/blob.dat",
        [&b"\0\x01\x02"[..], t.as_bytes()].concat(),
    );
    write(d.path(), ".env", format!("GITHUB_TOKEN={t}\n"));
    Command::new("git")
        .arg("init")
        .arg("-q")
        .arg(d.path())
        .status()
        .unwrap();
    let rep = scan::scan(d.path(), &ScanOptions::default()).unwrap();
    let files: Vec<(&str, usize, usize)> = rep
        .findings
        .iter()
        .map(|f| (f.file.as_str(), f.line, f.column))
        .collect();
    assert_eq!(
        files,
        vec![(".env", 1, 14), ("src/app.py", 2, 10)],
        "{:#?}",
        rep.findings
    );
    let f = &rep.findings[1];
    assert_eq!(f.preview, format!("ghp_…{}", &t[t.len() - 2..]));
    assert!(
        !serde_json::to_string(&rep).unwrap().contains(&t),
        "the secret must never be serialised"
    );
    assert_eq!(
        f.fingerprint, rep.findings[0].fingerprint,
        "same rule + secret = same fingerprint"
    );
}

#[test]
fn invalid_utf8_huge_lines_and_symlink_loops_are_handled() {
    let d = tempfile::tempdir().unwrap();
    let t = github_token(9);
    // Invalid UTF-8 around a token: found, with a column counted in characters.
    write(
        d.path(),
        "latin1.txt",
        [&b"caf\xe9 \xff\xfe "[..], t.as_bytes(), b"\n"].concat(),
    );
    // A 30 MiB single line with a token in the middle: skipped by size, never scanned whole...
    let mut huge = vec![b'a'; 30 * 1024 * 1024];
    huge[15 * 1024 * 1024..15 * 1024 * 1024 + 42].copy_from_slice(format!(" {t} ").as_bytes());
    write(d.path(), "huge.txt", &huge);
    // ... and a 4 MiB single line (under the limit) full of keywords stays fast.
    let line: String = "token=abc password=def ".repeat(4 * 1024 * 1024 / 23);
    write(d.path(), "keywords.txt", format!("{line}{t}"));
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(d.path(), d.path().join("loop")).unwrap();
        std::os::unix::fs::symlink(d.path().join("missing"), d.path().join("dangling")).unwrap();
    }
    // No wall-clock assertion (the machines are shared): the huge line is skipped by size
    // (asserted below) and the keyword line is scanned to its end (its token is found).
    let opts = ScanOptions {
        follow_symlinks: true,
        ..ScanOptions::default()
    };
    let rep = scan::scan(d.path(), &opts).unwrap();
    let found: Vec<(&str, usize, usize)> = rep
        .findings
        .iter()
        .map(|f| (f.file.as_str(), f.line, f.column))
        .collect();
    assert!(found.contains(&("latin1.txt", 1, 9)), "{found:?}");
    assert!(
        found
            .iter()
            .any(|(f, l, _)| *f == "keywords.txt" && *l == 1),
        "{found:?}"
    );
    assert!(
        rep.skipped
            .iter()
            .any(|s| s.path == "huge.txt" && s.reason.contains("max-file-size")),
        "{:?}",
        rep.skipped
    );
    #[cfg(unix)]
    {
        assert!(
            rep.skipped.iter().any(|s| s.reason.contains("loop")),
            "{:?}",
            rep.skipped
        );
        assert!(
            rep.skipped.iter().any(|s| s.path.contains("dangling")),
            "{:?}",
            rep.skipped
        );
    }
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_skipped_not_fatal() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "locked.txt", format!("{}\n", github_token(11)));
    write(d.path(), "ok.txt", format!("{}\n", github_token(12)));
    std::fs::set_permissions(
        d.path().join("locked.txt"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let rep = scan::scan(d.path(), &ScanOptions::default()).unwrap();
    assert!(rep.findings.iter().any(|f| f.file == "ok.txt"));
    // root reads anything; everyone else gets a skipped entry.
    let locked_found = rep.findings.iter().any(|f| f.file == "locked.txt");
    let locked_skipped = rep
        .skipped
        .iter()
        .any(|s| s.path == "locked.txt" && s.reason.contains("cannot read"));
    assert!(
        locked_found ^ locked_skipped,
        "{:?} {:?}",
        rep.findings,
        rep.skipped
    );
    assert!(scan::scan(&d.path().join("nope"), &ScanOptions::default()).is_err());
}

// ---------- git history ----------

fn git(dir: &Path, args: &[&str], date: &str) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.invalid")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.invalid")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn rev(dir: &Path, spec: &str) -> String {
    let out = Command::new("git")
        .args(["rev-parse", spec])
        .current_dir(dir)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// c1 clean, c2 adds a key, c3 removes it, c4 on a side branch adds a token; main adds a URL
/// password after --since c3.
fn history_fixture() -> (tempfile::TempDir, String, String, String) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    git(p, &["init", "-q", "-b", "main"], "2024-01-01T00:00:00Z");
    write(p, "README.md", "# demo\n");
    git(p, &["add", "."], "2024-01-01T00:00:00Z");
    git(p, &["commit", "-q", "-m", "c1"], "2024-01-01T00:00:00Z");
    let id = key_id_for_account("AKIA", 210987654321, 77);
    write(
        p,
        "config/settings.py",
        format!("AWS_ACCESS_KEY_ID = \"{id}\"\n"),
    );
    git(p, &["add", "."], "2024-02-01T00:00:00Z");
    git(
        p,
        &["commit", "-q", "-m", "c2 adds a key"],
        "2024-02-01T00:00:00Z",
    );
    let c2 = rev(p, "HEAD");
    write(
        p,
        "config/settings.py",
        "AWS_ACCESS_KEY_ID = os.environ[\"AWS_ACCESS_KEY_ID\"]\n",
    );
    git(
        p,
        &["commit", "-q", "-am", "c3 removes it"],
        "2024-03-01T00:00:00Z",
    );
    let c3 = rev(p, "HEAD");
    git(p, &["checkout", "-q", "-b", "side"], "2024-03-02T00:00:00Z");
    write(p, "side.txt", format!("{}\n", github_token(21)));
    git(p, &["add", "."], "2024-03-02T00:00:00Z");
    git(
        p,
        &["commit", "-q", "-m", "c4 side"],
        "2024-03-02T00:00:00Z",
    );
    git(p, &["checkout", "-q", "main"], "2024-03-03T00:00:00Z");
    write(
        p,
        "db.env",
        format!(
            "DATABASE_URL=postgres://app:{}@db:5432/app\n",
            Rng(5).string(ALNUM, 18)
        ),
    );
    git(p, &["add", "."], "2024-04-01T00:00:00Z");
    git(p, &["commit", "-q", "-m", "c5"], "2024-04-01T00:00:00Z");
    (d, c2, c3, id)
}

#[test]
fn history_finds_removed_secrets_with_the_introducing_commit() {
    let (d, c2, c3, id) = history_fixture();
    let rep = scan::scan(
        d.path(),
        &ScanOptions {
            git: true,
            ..ScanOptions::default()
        },
    )
    .unwrap();
    let key = rep
        .findings
        .iter()
        .find(|f| f.rule_id == "aws-access-key-id")
        .expect("removed key still found");
    assert_eq!(key.commit.as_deref(), Some(c2.as_str()));
    assert_eq!(key.file, "config/settings.py");
    assert_eq!((key.line, key.column), (1, 22));
    assert_eq!(
        key.author_date.unwrap().to_rfc3339(),
        "2024-02-01T00:00:00+00:00"
    );
    assert_eq!(key.key_id.as_deref(), Some(id.as_str()));
    assert_eq!(key.aws_account_id.as_deref(), Some("210987654321"));
    assert!(
        rep.findings
            .iter()
            .any(|f| f.rule_id == "github-token" && f.file == "side.txt"),
        "other refs are scanned"
    );
    assert!(rep.findings.iter().any(|f| f.rule_id == "url-password"));
    assert_eq!(rep.stats.commits, 5);
    // Incremental: only what is not reachable from c3.
    let inc = scan::scan(
        d.path(),
        &ScanOptions {
            git: true,
            since: Some(c3),
            ..ScanOptions::default()
        },
    )
    .unwrap();
    let rules: Vec<&str> = inc.findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert!(
        !rules.contains(&"aws-access-key-id")
            && rules.contains(&"url-password")
            && rules.contains(&"github-token"),
        "{rules:?}"
    );
    assert_eq!(inc.stats.commits, 2);
    // Bad --since is an error, not a panic.
    assert!(
        scan::scan(
            d.path(),
            &ScanOptions {
                git: true,
                since: Some("no-such-rev".into()),
                ..ScanOptions::default()
            }
        )
        .is_err()
    );
}

#[test]
fn a_corrupt_git_object_is_skipped() {
    let (d, _, _, _) = history_fixture();
    // Corrupt the loose blob of side.txt (git writes loose objects read-only).
    let blob = {
        let out = Command::new("git")
            .args(["rev-parse", "side:side.txt"])
            .current_dir(d.path())
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let obj = d
        .path()
        .join(".git/objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    let mut perm = std::fs::metadata(&obj).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(&obj, perm).unwrap();
    std::fs::write(&obj, b"this is not zlib data at all").unwrap();
    let rep = scan::scan(
        d.path(),
        &ScanOptions {
            git: true,
            ..ScanOptions::default()
        },
    )
    .unwrap();
    assert!(
        rep.skipped.iter().any(|s| s.path.contains(&blob)),
        "{:?}",
        rep.skipped
    );
    assert!(
        rep.findings
            .iter()
            .any(|f| f.rule_id == "aws-access-key-id"),
        "the rest is still scanned"
    );
}

#[test]
fn not_a_repository_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    let e = scan::scan(
        d.path(),
        &ScanOptions {
            git: true,
            ..ScanOptions::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("git repository"), "{e}");
}

// ---------- CLI ----------

fn cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_secretlens"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_json_exit_codes_baseline_and_fail_on() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "a.py",
        format!(
            "t = \"{}\"\npassword = \"{}\"\n",
            github_token(31),
            Rng(3).string(ALNUM, 16)
        ),
    );
    let path = d.path().to_str().unwrap();
    let (code, out, _) = cli(&["scan", path, "--format", "json"]);
    assert_eq!(
        code, 1,
        "a high finding fails at the default --fail-on high"
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let f = &v["findings"][0];
    for k in [
        "rule_id",
        "file",
        "line",
        "column",
        "fingerprint",
        "preview",
        "severity",
    ] {
        assert!(!f[k].is_null(), "missing {k} in {f}");
    }
    assert!(v["skipped"].is_array() && v["stats"]["files_scanned"].as_u64() == Some(1));
    assert_eq!(v["findings"].as_array().unwrap().len(), 2);
    // --fail-on critical: nothing that severe.
    assert_eq!(cli(&["scan", path, "--fail-on", "critical"]).0, 0);
    // Baseline: save, then rescan with it → nothing left.
    let base = d.path().join("base.json");
    let (code, _, _) = cli(&[
        "scan",
        path,
        "--format",
        "json",
        "--out",
        base.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    std::fs::remove_file(d.path().join("base.json")).ok();
    std::fs::write(&base, &out).unwrap();
    let sub = d.path().join("a.py");
    let (code, out, _) = cli(&[
        "scan",
        sub.to_str().unwrap(),
        "--format",
        "json",
        "--baseline",
        base.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
    assert_eq!(v["stats"]["baselined"], 2);
    // Could not run: exit 2.
    assert_eq!(cli(&["scan", "/no/such/path"]).0, 2);
    assert_eq!(cli(&["scan", path, "--git"]).0, 2);
}

#[test]
fn cli_sarif_has_the_required_2_1_0_structure() {
    let (d, ..) = history_fixture();
    let (code, out, err) = cli(&[
        "scan",
        d.path().to_str().unwrap(),
        "--git",
        "--format",
        "sarif",
    ]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "secretlens");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert!(r["message"]["text"].is_string());
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(loc["artifactLocation"]["uri"].is_string());
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(r["properties"]["commit"].is_string());
    }
}

/// Standard base64 (with padding) of `bytes`.
fn b64std(bytes: &[u8]) -> String {
    let s: String = b64url(bytes)
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let pad = (4 - s.len() % 4) % 4;
    s + &"=".repeat(pad)
}

#[test]
fn documentation_values_are_dropped_but_real_looking_ones_still_fire() {
    let mut r = rng();
    // URL passwords that are placeholders once decoded, the RFC 7617 example, and short human
    // passwords on RFC 2606 documentation hosts.
    assert_clean("let url = ParsedUrl::parse(\"http://user:pass%20word@example.com/path\");\n");
    assert_clean("let url = ParsedUrl::parse(\"http://user:p%40ss%3Aword@example.com/path\");\n");
    assert_clean("\"href\": \"https://user:pass%5B%7F@foo/bar\",\n");
    assert_clean("all = \"http://Aladdin:opensesame@y.ep\",\n");
    assert_clean("let uri = \"http://existing:creds@proxy.example.com:8080\";\n");
    assert_clean("/// let mut url = Url::parse(\"ftp://:secre1@example.com/\")?;\n");
    // ...but a random password on a documentation host, or any real-looking one, fires.
    let pw = r.string(ALNUM, 20);
    assert_finds(
        "url-password",
        &format!("URL = \"https://deploy:{pw}@ci.example.com/x\"\n"),
    );
    assert_finds(
        "url-password",
        &format!(
            "DATABASE_URL=postgres://app:{}@db.internal/app\n",
            r.string(ALNUM, 10)
        ),
    );

    // Generic assignments: keyboard sequences, base64 of a placeholder, OpenAPI type names,
    // escaped markup.
    assert_clean("\"clientSecret\": \"ABCDE123\",\n");
    assert_clean(&format!("\"clientSecret\": \"{}\",\n", b64std(b"a secret")));
    assert_clean("\"accessToken\": \"base64string\",\n");
    assert_clean("let input = r#\"<XmlBodyInput token=\"&quot;&apos;&amp;\">\"#;\n");
    // ...but base64 of random bytes, or of a real-looking password (a Kubernetes Secret), fires.
    let random: Vec<u8> = (0..24).map(|_| r.next_u64() as u8).collect();
    assert_finds_any_generic(&format!("\"clientSecret\": \"{}\",", b64std(&random)));
    assert_finds_any_generic(&format!(
        "password: \"{}\"",
        b64std(r.string(ALNUM, 14).as_bytes())
    ));

    // Published example values: the SigV4 test suite session token, variants of AWS's
    // documented key id, the jwt.io sample token.
    let sigv4 = [
        "6e86291e8372ff2a2260956d9b8aae1d763fbf",
        "315fa00fa31553b73ebf194267",
    ]
    .concat();
    assert_clean(&format!("  \"token\": \"{sigv4}\"\n"));
    assert_clean(&format!("x-amz-security-token:{sigv4}\n"));
    assert_clean(&format!("\"{}\",\n", tok("AKIA", "IOSFODNN7EXAMPLF")));
    let sample = format!(
        "{}.{}.{}",
        b64url(br#"{"alg":"RS256","typ":"JWT"}"#),
        b64url(br#"{"sub":"1234567890","name":"John Doe","admin":true}"#),
        r.string(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
            43
        )
    );
    assert_clean(&format!("\"idToken\": \"{sample}\"\n"));
    // ...while a random 64-hex token and a freshly generated key id still fire.
    assert_finds_any_generic(&format!(
        "  \"token\": \"{}\"",
        r.string("0123456789abcdef", 64)
    ));
    assert_finds(
        "aws-access-key-id",
        &format!("\"{}\",\n", key_id_for_account("AKIA", 123456789012, 9)),
    );
}

#[test]
fn findings_in_test_code_are_reported_with_lower_severity() {
    let d = tempfile::tempdir().unwrap();
    let id = key_id_for_account("AKIA", 123456789012, 11);
    write(d.path(), "src/deploy.py", format!("KEY = \"{id}\"\n"));
    write(
        d.path(),
        "tests/fixtures/creds.json",
        format!("{{\"key\": \"{id}\"}}\n"),
    );
    let rep = scan::scan(d.path(), &ScanOptions::default()).unwrap();
    let by_file = |f: &str| {
        rep.findings
            .iter()
            .find(|x| x.file == f)
            .unwrap_or_else(|| panic!("{f}: {:#?}", rep.findings))
    };
    assert_eq!(
        by_file("src/deploy.py").severity,
        secretlens::report::Severity::High
    );
    assert!(!by_file("src/deploy.py").test_path);
    assert_eq!(
        by_file("tests/fixtures/creds.json").severity,
        secretlens::report::Severity::Low
    );
    assert!(by_file("tests/fixtures/creds.json").test_path);
    // Linked as active in the account, it is critical wherever it is.
    let mut fs = rep.findings.clone();
    scan::link_keys(
        &mut fs,
        &[scan::KnownAccessKey {
            id: id.clone(),
            status: "Active".into(),
            user: "ci".into(),
        }],
    );
    assert!(
        fs.iter()
            .all(|f| f.severity == secretlens::report::Severity::Critical)
    );
}

#[test]
fn keyword_gates_do_not_hide_matches() {
    // Shapes the regexes accept right around the keyword: spacing, prefixes, operators.
    let mut r = rng();
    let v = r.string(ALNUM, 20);
    for line in [
        format!("my_password  :=  \"{v}\""),
        format!("'api_key' => '{v}',"),
        format!("password => r\"{v}\""),
        format!("\tTOKEN\t=\t@\"{v}\""),
        format!("secret <- \"{v}\""),
        format!("  - db.password: {v}"),
        format!("export  APP_SECRET_KEY = {v}"),
    ] {
        assert_finds_any_generic(&line);
    }
    assert_finds(
        "url-password",
        &format!("jdbc:postgresql://svc:{v}@db:5432/x\n"),
    );
    assert_finds(
        "url-password",
        &format!("mongodb+srv://svc:{v}@cluster0.x.net/\n"),
    );
    assert_finds(
        "url-password",
        &format!("(SFTP://svc:{v}@files.internal)\n"),
    );
    assert_clean(&format!("see http://host/path?u=svc:{v}@x for details\n"));
}

// ---- scan-eval (issue 15): the labelled corpus in bench/scan-corpus ---------------------------
// The corpus stays well-formed (every label points at a real, non-empty line of a file that is not
// a test path), and secretlens's precision on it cannot rot silently. Recall is not asserted here
// (rules change); scripts/grade-scan.py reports it, per category and against the peers.

struct CorpusLabel {
    file: String,
    line: usize,
    end_line: Option<usize>,
    secret: bool,
    category: String,
}

fn corpus_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/scan-corpus")
}

fn corpus_labels() -> Vec<CorpusLabel> {
    let text = std::fs::read_to_string(corpus_root().join("labels.json")).expect("labels.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("labels.json parses");
    v["labels"]
        .as_array()
        .expect("labels.json: a `labels` list")
        .iter()
        .map(|l| {
            let kind = l["kind"].as_str().expect("kind");
            assert!(kind == "secret" || kind == "negative", "bad kind {l}");
            assert!(
                l["note"].as_str().is_some_and(|n| !n.is_empty()),
                "no note: {l}"
            );
            CorpusLabel {
                file: l["file"].as_str().expect("file").to_string(),
                line: l["line"].as_u64().expect("line") as usize,
                end_line: l
                    .get("end_line")
                    .and_then(|e| e.as_u64())
                    .map(|e| e as usize),
                secret: kind == "secret",
                category: l["category"].as_str().expect("category").to_string(),
            }
        })
        .collect()
}

#[test]
fn scan_corpus_labels_point_at_real_lines() {
    const CATEGORIES: &[&str] = &[
        "aws",
        "cloud",
        "vcs-ci",
        "registry",
        "chat",
        "payments",
        "ai",
        "saas",
        "private-key",
        "password-hash",
        "encoded-credential",
        "jwt",
        "generic",
    ];
    let labels = corpus_labels();
    let secrets = labels.iter().filter(|l| l.secret).count();
    assert!(secrets >= 400, "only {secrets} labelled secrets");
    assert!(
        labels.len() - secrets >= 250,
        "only {} negatives",
        labels.len() - secrets
    );
    let mut seen = std::collections::HashSet::new();
    let mut files: std::collections::HashMap<String, Vec<String>> = Default::default();
    for l in &labels {
        assert!(
            CATEGORIES.contains(&l.category.as_str()),
            "unknown category {}",
            l.category
        );
        assert!(
            seen.insert((l.file.clone(), l.line)),
            "two labels on {}:{}",
            l.file,
            l.line
        );
        assert!(
            !scan::is_test_path(&l.file),
            "{} is a test path (findings get downgraded)",
            l.file
        );
        let lines = files.entry(l.file.clone()).or_insert_with(|| {
            let text = std::fs::read_to_string(corpus_root().join("tree").join(&l.file))
                .unwrap_or_else(|e| panic!("{}: {e}", l.file));
            text.lines().map(str::to_string).collect()
        });
        let end = l.end_line.unwrap_or(l.line);
        assert!(
            l.line >= 1 && l.line <= end && end <= lines.len(),
            "{}:{}..{end} is outside the file ({} lines)",
            l.file,
            l.line,
            lines.len()
        );
        assert!(
            !lines[l.line - 1].trim().is_empty(),
            "{}:{} is blank",
            l.file,
            l.line
        );
    }
    for c in CATEGORIES {
        assert!(
            labels.iter().any(|l| l.secret && l.category == *c),
            "no secret labelled {c}"
        );
    }
}

#[test]
fn scan_corpus_precision_stays_above_095() {
    let labels = corpus_labels();
    let report = scan::scan(&corpus_root().join("tree"), &ScanOptions::default()).expect("scan");
    // The grader's matching: the labelled line itself, else a multi-line block (or the line just
    // before it); several findings on one line count once.
    let mut matched = std::collections::BTreeSet::new();
    let mut unlabelled = std::collections::BTreeSet::new();
    for f in &report.findings {
        let same_file = || labels.iter().enumerate().filter(|(_, l)| l.file == f.file);
        let hit = same_file()
            .find(|(_, l)| l.line == f.line)
            .or_else(|| {
                same_file().find(|(_, l)| {
                    l.end_line
                        .is_some_and(|end| (l.line.saturating_sub(1)..=end).contains(&f.line))
                })
            })
            .map(|(i, _)| i);
        match hit {
            Some(i) => {
                matched.insert(i);
            }
            None => {
                unlabelled.insert(format!("{}:{} ({})", f.file, f.line, f.rule_id));
            }
        }
    }
    let tp = matched.iter().filter(|&&i| labels[i].secret).count();
    let on_negatives: Vec<String> = matched
        .iter()
        .filter(|&&i| !labels[i].secret)
        .map(|&i| {
            format!(
                "{}:{} [{}]",
                labels[i].file, labels[i].line, labels[i].category
            )
        })
        .collect();
    let fp = on_negatives.len() + unlabelled.len();
    assert!(tp > 0, "secretlens found nothing in the corpus");
    let precision = tp as f64 / (tp + fp) as f64;
    assert!(
        precision >= 0.95,
        "precision {precision:.3} < 0.95 on bench/scan-corpus ({tp} true positives); false \
         positives on negatives: {on_negatives:?}; on unlabelled lines: {unlabelled:?}"
    );
}
// ---- end scan-eval ---------------------------------------------------------------------------

// ---------- rules-generic: a labelled check set of generic assignments ----------
//
// Realistic snippets in every common config format and language, each labelled: `true` = holds
// a credential that some rule must report, `false` = must stay quiet. Secrets are generated at
// test time: {A} 20 alphanumerics, {H} 32 hex digits, {B} 40 base64 characters, {U} a UUID,
// {P} a human-made password with symbols; the literal passwords below are invented.

fn fill_checkset(template: &str, r: &mut Rng) -> String {
    const HEX: &str = "0123456789abcdef";
    const SYM: &str = "!#%&*+-=?@^~";
    let mut out = template.to_string();
    while let Some(i) = out.find("{A}") {
        out.replace_range(i..i + 3, &r.string(ALNUM, 20));
    }
    while let Some(i) = out.find("{H}") {
        out.replace_range(i..i + 3, &r.string(HEX, 32));
    }
    while let Some(i) = out.find("{B}") {
        out.replace_range(i..i + 3, &r.string(B64, 40));
    }
    while let Some(i) = out.find("{U}") {
        let u = format!(
            "{}-{}-4{}-a{}-{}",
            r.string(HEX, 8),
            r.string(HEX, 4),
            r.string(HEX, 3),
            r.string(HEX, 3),
            r.string(HEX, 12)
        );
        out.replace_range(i..i + 3, &u);
    }
    while let Some(i) = out.find("{P}") {
        let p = format!(
            "{}{}{}{}",
            r.string("BCDFGHJKLMNPRSVWZ", 1),
            r.string("aeiou", 1).to_owned() + &r.string("bcdfghjkmnprstvwz", 3),
            r.string(SYM, 1),
            r.string("23456789", 3)
        );
        out.replace_range(i..i + 3, &p);
    }
    out
}

const GENERIC_CHECKSET: &[(bool, &str)] = &[
    // YAML
    (true, "database:\n  host: db.internal\n  password: {A}\n"),
    (true, "spring:\n  datasource:\n    password: \"{P}\"\n"),
    (true, "smtp:\n  user: mailer\n  pass: '{P}'\n"),
    (true, "auth:\n  client_secret: {H}\n"),
    (true, "api_key: {U}\n"),
    (true, "redis:\n  password: Tr0ub4dor&9x\n"),
    (true, "env:\n  - name: DB_PASSWORD\n    value: \"{P}\"\n"),
    (true, "        - name: API_TOKEN\n          value: {A}\n"),
    (true, "Environment:\n  Variables:\n    STRIPE_SECRET: {A}\n"),
    (false, "database:\n  password: ${DB_PASSWORD}\n"),
    (false, "password: \"{{ .Values.db.password }}\"\n"),
    (false, "password: changeme\n"),
    (false, "password: null\n"),
    (false, "secret: true\n"),
    (false, "token: ~\n"),
    (false, "password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n"),
    (false, "password: \"{{ lookup('env', 'DB_PASSWORD') }}\"\n"),
    (
        false,
        "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n        name: db\n        key: password\n",
    ),
    (
        false,
        "env:\n  - name: DB_PASSWORD_FILE\n    value: /run/secrets/db_password\n",
    ),
    (
        false,
        "MasterUserPassword: '{{resolve:secretsmanager:prod/db:SecretString:password}}'\n",
    ),
    (false, "password: !Ref DBPassword\n"),
    (false, "secret_name: prod/app/db-credentials\n"),
    (false, "token_type: bearer\n"),
    (false, "max_tokens: 4096\n"),
    (false, "password_min_length: 12\n"),
    (false, "passwordPolicy: strong\n"),
    (false, "password: Enter your password\n"),
    (
        false,
        "  password_hint: \"Must be at least 8 characters\"\n",
    ),
    (
        false,
        "token_endpoint: https://login.example.org/oauth2/token\n",
    ),
    (false, "private_key: /etc/ssl/private/server.key\n"),
    (
        false,
        "  - name: password\n    in: query\n    required: true\n",
    ),
    (
        false,
        "secret: arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf\n",
    ),
    (false, "vault_path: secret/data/prod/db\n"),
    // JSON
    (
        true,
        "{\n  \"username\": \"svc\",\n  \"password\": \"{P}\"\n}\n",
    ),
    (true, "{\"apiKey\": \"{A}\", \"region\": \"eu\"}\n"),
    (true, "  \"client_secret\": \"{B}\",\n"),
    (true, "{\"name\": \"DB_PASSWORD\", \"value\": \"{A}\"}\n"),
    (
        true,
        "        {\n          \"name\": \"API_KEY\",\n          \"value\": \"{H}\"\n        },\n",
    ),
    (false, "{\"password\": \"\", \"token\": null}\n"),
    (
        false,
        "{\"token_type\": \"Bearer\", \"expires_in\": 3600}\n",
    ),
    (
        false,
        "{\"passwordField\": \"password\", \"tokenField\": \"access_token\"}\n",
    ),
    (false, "{\"password\": \"********\"}\n"),
    (
        false,
        "{\"name\": \"DB_PASSWORD\", \"valueFrom\": \"arn:aws:ssm:us-east-1:123456789012:parameter/db\"}\n",
    ),
    (false, "  \"secret\": \"Your secret key. Keep it safe.\",\n"),
    (false, "  \"tokens\": 12000,\n"),
    // INI, properties, .env, tfvars
    (true, "[database]\nhost = db\npassword = {P}\n"),
    (true, "db.password={A}\n"),
    (true, "spring.datasource.password = {P}\n"),
    (true, "mail.smtp.pass={A}\n"),
    (true, "DB_PASSWORD={A}\n"),
    (true, "SECRET_KEY=\"{B}\"\n"),
    (true, "JWT_SECRET={H}\n"),
    (true, "db_password = \"{P}\"\n"),
    (true, "APP_KEY=base64:{B}abc=\n"),
    (false, "PUSHER_APP_KEY=292f8062f270c25c189c\n"),
    (false, "export const mapboxToken = 'pk.{A}.{A}';\n"),
    (false, "  \"password\": \"!{A}{A}\",\n"),
    (false, "DB_PASSWORD=\n"),
    (false, "DB_PASSWORD=${DB_PASSWORD:-}\n"),
    (false, "password = %(db_password)s\n"),
    (false, "db.password=${DB_PASS}\n"),
    (false, "API_KEY=your_api_key_here\n"),
    (false, "SECRET_KEY=REPLACE_ME\n"),
    (false, "TOKEN=TODO\n"),
    (false, "db_password = var.db_password\n"),
    (
        false,
        "password = data.aws_secretsmanager_secret_version.db.secret_string\n",
    ),
    (
        false,
        "PASSWORD_HASHERS=django.contrib.auth.hashers.Argon2PasswordHasher\n",
    ),
    (
        false,
        "token_file=/var/run/secrets/kubernetes.io/serviceaccount/token\n",
    ),
    // XML and .NET config
    (
        true,
        "<datasource user=\"app\" password=\"{P}\" url=\"jdbc:postgresql://db/app\"/>\n",
    ),
    (
        true,
        "<server>\n  <id>nexus</id>\n  <username>deploy</username>\n  <password>{A}</password>\n</server>\n",
    ),
    (
        true,
        "<appSettings>\n  <add key=\"ApiKey\" value=\"{A}\" />\n</appSettings>\n",
    ),
    (true, "<add key=\"ClientSecret\" value=\"{B}\"/>\n"),
    (true, "<property name=\"password\" value=\"{P}\"/>\n"),
    (true, "<entry key=\"auth.token\">{H}</entry>\n"),
    (false, "<password>${env.NEXUS_PASSWORD}</password>\n"),
    (false, "<add key=\"ApiKey\" value=\"\" />\n"),
    (
        false,
        "<input type=\"password\" name=\"password\" placeholder=\"Password\"/>\n",
    ),
    (
        false,
        "<string name=\"password_hint\">Enter your password</string>\n",
    ),
    (
        false,
        "<property name=\"password\" value=\"${db.password}\"/>\n",
    ),
    (false, "<secret>true</secret>\n"),
    (
        false,
        "<xs:element name=\"password\" type=\"xs:string\"/>\n",
    ),
    // Dockerfile, shell, command lines
    (true, "FROM python:3.12\nENV DB_PASSWORD={P}\n"),
    (true, "ENV API_TOKEN {A}\n"),
    (true, "ARG NPM_TOKEN={A}\n"),
    (true, "export GITHUB_TOKEN={A}\n"),
    (true, "export DB_PASS='{P}'\n"),
    (true, "PGPASSWORD='{P}' psql -h db -U app\n"),
    (true, "mysql -h db -u root --password={P} app < dump.sql\n"),
    (true, "curl -s https://api.internal/v1 --token {A}\n"),
    (false, "ARG NPM_TOKEN\nENV NPM_TOKEN=${NPM_TOKEN}\n"),
    (false, "export GITHUB_TOKEN=$(gh auth token)\n"),
    (false, "export DB_PASSWORD=\"$(cat /run/secrets/db)\"\n"),
    (false, "mysql -u root --password=\"$MYSQL_ROOT_PASSWORD\"\n"),
    (false, "read -s -p \"Password: \" PASSWORD\n"),
    (false, "  --password-stdin \\\n"),
    // Python
    (true, "API_KEY = \"{A}\"\n"),
    (
        true,
        "conn = psycopg2.connect(host=\"db\", user=\"app\", password=\"{P}\")\n",
    ),
    (true, "client = Client(api_key='{H}')\n"),
    (true, "SECRET_KEY = 'django-insecure-{A}'\n"),
    (true, "headers = {\"X-Auth-Token\": \"{A}\"}\n"),
    (false, "API_KEY = os.getenv(\"API_KEY\")\n"),
    (false, "password = os.environ.get(\"DB_PASSWORD\", \"\")\n"),
    (false, "token = request.headers.get(\"Authorization\")\n"),
    (false, "password = getpass.getpass(\"Password: \")\n"),
    (false, "password = \"password_field\"\n"),
    (false, "TOKEN_KEY = \"auth_token\"\n"),
    (false, "secret = hashlib.sha256(data).hexdigest()\n"),
    (
        false,
        "parser.add_argument(\"--password\", help=\"database password\")\n",
    ),
    (false, "self.password = password\n"),
    (false, "raise ValueError(\"Invalid password\")\n"),
    (false, "password = _(\"Password\")\n"),
    (false, "token = next_page_token or \"\"\n"),
    // JS / TS
    (true, "const apiKey = '{A}';\n"),
    (
        true,
        "export const config = { apiKey: \"{A}\", authDomain: \"app.internal\" };\n",
    ),
    (true, "  password: \"{P}\",\n"),
    (true, "let accessToken = `{H}`;\n"),
    (false, "const apiKey = process.env.API_KEY;\n"),
    (false, "const token = localStorage.getItem('token');\n"),
    (false, "  password: req.body.password,\n"),
    (false, "  label: 'Password',\n  type: 'password',\n"),
    (false, "const PASSWORD_REGEX = /^(?=.*[A-Z]).{8,}$/;\n"),
    (false, "if (token === \"undefined\") return;\n"),
    // Go
    (true, "token := \"{A}\"\n"),
    (
        true,
        "cfg := Config{\n\tUser:     \"app\",\n\tPassword: \"{P}\",\n}\n",
    ),
    (false, "token := os.Getenv(\"TOKEN\")\n"),
    (
        false,
        "Password string `json:\"password\" yaml:\"password\"`\n",
    ),
    // Java / Kotlin
    (true, "private static final String API_KEY = \"{A}\";\n"),
    (true, "String password = \"{P}\";\n"),
    (true, "dataSource.setPassword(\"{P}\");\n"),
    (true, "val clientSecret = \"{A}\"\n"),
    (true, "props.setProperty(\"db.password\", \"{P}\");\n"),
    (
        false,
        "dataSource.setPassword(System.getenv(\"DB_PASSWORD\"));\n",
    ),
    (
        false,
        "String password = config.getString(\"db.password\");\n",
    ),
    (false, "@Value(\"${app.secret}\")\nprivate String secret;\n"),
    (
        false,
        "private static final String PASSWORD_KEY = \"password\";\n",
    ),
    // Ruby
    (true, "  password: '{P}',\n"),
    (true, "config.secret_key_base = '{H}{H}'\n"),
    (true, ":api_key => \"{A}\",\n"),
    (false, "  password: ENV['DB_PASSWORD'],\n"),
    (
        false,
        "  password: Rails.application.credentials.db_password,\n",
    ),
    (
        false,
        "  secret_key_base: <%= ENV[\"SECRET_KEY_BASE\"] %>\n",
    ),
    // PHP
    (true, "$password = '{P}';\n"),
    (true, "    'password' => '{P}',\n"),
    (true, "define('DB_PASSWORD', '{P}');\n"),
    (true, "define( 'AUTH_KEY', '{A}{P}' );\n"),
    (false, "$password = $_POST['password'];\n"),
    (false, "    'password' => env('DB_PASSWORD'),\n"),
    (false, "define('DB_PASSWORD', getenv('DB_PASSWORD'));\n"),
    (
        false,
        "define( 'AUTH_KEY', 'put your unique phrase here' );\n",
    ),
    // C#
    (true, "public const string ApiKey = \"{A}\";\n"),
    (
        true,
        "var creds = new NetworkCredential(\"svc\", \"{P}\") { Password = \"{P}\" };\n",
    ),
    (
        false,
        "Password = Environment.GetEnvironmentVariable(\"DB_PASSWORD\"),\n",
    ),
    (false, "[Required] public string Password { get; set; }\n"),
    // Generic value shapes under secret names
    (false, "password = \"aaaaaaaaaaaa\"\n"),
    (false, "password = \"abcdefgh1234\"\n"),
    (false, "secret = \"None\"\n"),
    (false, "token = \"false\"\n"),
    (false, "api_key = \"sk-xxxxxxxxxxxxxxxxxxxxxxxx\"\n"),
    (false, "api_key = \"<API_KEY>\"\n"),
    (false, "password = \"<password>\"\n"),
    // Values holding `#`, `$`, `(`, `<`, `%s` that are still random; typed declarations.
    (true, "mail.password=Kx7#mQ2-vLp9Rw\n"),
    (true, "bind_password = {P}$\n"),
    (true, "SECRET_KEY = 'k3)(*v+{A}^j()'\n"),
    (true, "define( 'AUTH_KEY', '&dg]7{A}|l3V<Kj~{B}' );\n"),
    (true, "<password>{A}%sQ</password>\n"),
    (true, "api_key: str = \"{H}\"\n"),
    (true, "  private readonly apiSecret: string = \"{A}\";\n"),
    (true, "var password string = \"{P}\"\n"),
    (true, "const TOKEN: &str = \"{A}\";\n"),
    (
        true,
        "        { \"name\": \"ORDERS_API_SECRET\", \"value\": \"{A}\" },\n",
    ),
    (true, "requirepass {A}\n"),
    (true, "  'password' => \"P3pp3r666!\",\n"),
    (false, "  admin.passwordMtime: '2024-03-01T10:11:12Z'\n"),
    (
        false,
        "<input type=\"hidden\" name=\"authenticity_token\" value=\"{B}\">\n",
    ),
    (false, "password = \"prefix-%s\"\n"),
    (false, "api_key: str = \"\"\n"),
    (false, "password: Optional[str] = None\n"),
    (false, "  token_expires_at: \"2031-01-01T00:00:00Z\"\n"),
    // Credential APIs with positional passwords, command lines, SQL, PowerShell.
    (
        true,
        "var creds = new NetworkCredential(\"svc\", \"{P}\");\n",
    ),
    (true, "req.SetBasicAuth(\"deploy\", \"{A}\")\n"),
    (
        true,
        "resp = requests.post(url, auth=(\"svc\", \"{P}\"), timeout=5)\n",
    ),
    (
        true,
        "Connection c = DriverManager.getConnection(jdbcUrl, \"app\", \"{P}\");\n",
    ),
    (
        true,
        "$db = new PDO('mysql:host=db;dbname=cms', 'cms', '{P}');\n",
    ),
    (
        true,
        "mysqldump -h db -u backup -p{P} --all-databases > all.sql\n",
    ),
    (true, "sshpass -p '{P}' scp dump.sql ops@backup:/srv\n"),
    (true, "CREATE USER 'etl'@'%' IDENTIFIED BY '{P}';\n"),
    (true, "ALTER ROLE reporting WITH PASSWORD '{A}';\n"),
    (
        true,
        "$sec = ConvertTo-SecureString '{P}' -AsPlainText -Force\n",
    ),
    (
        false,
        "var creds = new NetworkCredential(user, password);\n",
    ),
    (false, "mysql -u root -p --database app\n"),
    (
        false,
        "CREATE USER 'etl'@'%' IDENTIFIED BY '${ETL_PASSWORD}';\n",
    ),
    (
        false,
        "$sec = ConvertTo-SecureString $env:PW -AsPlainText -Force\n",
    ),
    (false, "resp = requests.post(url, auth=(user, password))\n"),
];

#[test]
fn generic_checkset_recall_and_precision() {
    let e = engine();
    let mut r = Rng(0x6E4E_21C5_0000_0015);
    let (mut tp, mut fneg, mut fpos, mut tn) = (0, 0, 0, 0);
    let mut report = String::new();
    for (secret, template) in GENERIC_CHECKSET {
        let text = fill_checkset(template, &mut r);
        let hits: Vec<String> = e
            .scan(text.as_bytes())
            .iter()
            .map(|h| format!("{}:{}", e.rules()[h.rule].id, h.secret))
            .collect();
        match (*secret, hits.is_empty()) {
            (true, false) => tp += 1,
            (true, true) => {
                fneg += 1;
                report.push_str(&format!("missed: {text:?}\n"));
            }
            (false, false) => {
                fpos += 1;
                report.push_str(&format!("false positive {hits:?}: {text:?}\n"));
            }
            (false, true) => tn += 1,
        }
    }
    eprintln!("generic check set: tp {tp} fn {fneg} fp {fpos} tn {tn}\n{report}");
    assert!(
        fneg == 0 && fpos == 0,
        "generic check set: {fneg} missed, {fpos} false positives\n{report}"
    );
}
