//! The validators: what decides whether a candidate the engine found is a credential —
//! entropy, placeholders and documentation samples, code that only looks like an assignment,
//! checksums and token shapes, and the bodies of PEM and PuTTY keys. Pure functions of the
//! candidate text (or the buffer around it); the engine ([`super::engine`]) calls them by the
//! names the rule files (`rules/*.toml`) give.

use memchr::memmem;

use super::engine::BLOCK_WINDOW;

/// Shannon entropy in bits per character.
pub fn shannon_entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Values that are documentation, templates or test data rather than credentials.
pub fn is_placeholder(secret: &str) -> bool {
    let l = secret.to_ascii_lowercase();
    const WORDS: &[&str] = &[
        "example",
        "changeme",
        "change_me",
        "change-me",
        "changeit",
        "placeholder",
        "dummy",
        "sample",
        "your",
        "xxxx",
        "****",
        "test",
        "fake",
        "mock",
        "redacted",
        "insert",
        "replace",
        "todo",
        "fixme",
        "password",
        "passw0rd",
        "p@ssw0rd",
        "p@ssword",
        "secret",
        "lorem",
        "foobar",
        "notreal",
        "not_real",
        "not-real",
        "invalid",
        "qwerty",
        "12345678",
        "abcdefgh",
        "000000",
        "...",
        "…",
        "${",
        "{{",
        "}}",
        "%(",
        "$(",
        "#{",
        "[[",
        "]]",
        "@@",
        "__",
        "env.",
        "getenv",
        "environ",
        "process.env",
        "env(",
        "env[",
        "secretsmanager",
        "ssm:",
        "vault:",
        "arn:aws",
        "string",
    ];
    if WORDS.iter().any(|w| l.contains(w)) {
        return true;
    }
    if mostly_sequential(&l) || secret.starts_with("eyJ") && jwt_is_documentation_sample(secret) {
        return true;
    }
    // Base64 of a placeholder (`YSBzZWNyZXQ=` is "a secret"): real keys decode to binary.
    if secret.len() >= 8
        && secret.len() <= 96
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
        && let Some(text) = base64url_decode(secret)
        && text.len() >= 4
        && text.iter().all(|b| (0x20..0x7f).contains(b))
        && is_placeholder(&String::from_utf8_lossy(&text))
    {
        return true;
    }
    if l.starts_with('$') || l.starts_with('%') || l.starts_with(':') {
        return true;
    }
    // Format strings and angle-bracket slots: `prefix-%s`, `<password>`, `sk-<your key>`; a
    // random key may hold `<`, `>` or `%s` elsewhere (WordPress salts, generated passwords).
    if l.ends_with("%s") || l.starts_with('<') || has_angle_slot(&l) {
        return true;
    }
    // Five or more of the same character in a row: xxxxx, 00000, *****.
    let b = l.as_bytes();
    let mut run = 1;
    for i in 1..b.len() {
        if b[i] == b[i - 1] {
            run += 1;
            if run >= 5 {
                return true;
            }
        } else {
            run = 1;
        }
    }
    false
}

/// Values that are code (calls, attribute paths, constant or identifier names, file paths).
pub fn looks_like_code(s: &str) -> bool {
    if is_call_shaped(s) || s.contains("::") || s.contains("->") || s.contains("://") {
        return true;
    }
    // Markup: HTML/XML character references (`&quot;`, `&#39;`) are escaped text, not keys.
    const ENTITIES: &[&str] = &["&quot;", "&apos;", "&amp;", "&lt;", "&gt;", "&#"];
    if ENTITIES.iter().any(|e| s.contains(e)) {
        return true;
    }
    if s.starts_with('/')
        || s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with("~/")
        || s.starts_with('.')
    {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    const EXT: &[&str] = &[
        ".json", ".pem", ".txt", ".key", ".yaml", ".yml", ".env", ".crt", ".p12", ".pfx", ".cfg",
        ".ini", ".conf", ".toml", ".xml", ".js", ".py", ".rb", ".html", ".jks", ".der", ".csv",
        ".log", ".sh",
    ];
    if EXT.iter().any(|e| lower.ends_with(e)) {
        return true;
    }
    let ident = |t: &str| {
        !t.is_empty()
            && t.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    // Dotted attribute or module path: settings.SECRET_KEY, self.token, config.auth.password.
    if s.contains('.') && s.split('.').all(ident) {
        return true;
    }
    let letters_only = |t: &str| t.chars().all(|c| c.is_ascii_alphabetic());
    // Names and paths made of lowercase words: prod/app/api-key, my-app.db-password.
    if s.contains('/')
        && s.split('/').all(|t| {
            t.chars()
                .all(|c| c.is_ascii_lowercase() || matches!(c, '-' | '_' | '.'))
        })
    {
        return true;
    }
    // CONSTANT_NAME, snake_case_words, kebab-case-words.
    if s.contains('_')
        && s.split('_').all(|t| {
            t.is_empty()
                || t.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
    {
        return true;
    }
    if s.contains('_') && s.split('_').all(&letters_only) {
        return true;
    }
    if s.contains('-')
        && s.split('-')
            .all(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_lowercase()))
    {
        return true;
    }
    // rules-generic: names joined by `-`, `_` or `.` whose parts are words with at most a
    // number after them: x-aws-ec2-metadata-token, X-Amz-Credential, remarks-x509.
    if s.contains(['-', '_', '.'])
        && s.split(['-', '_', '.']).all(|t| {
            let letters = t.bytes().take_while(u8::is_ascii_alphabetic).count();
            letters > 0
                && t.bytes().skip(letters).all(|b| b.is_ascii_digit())
                && (letters <= 14 || t.bytes().all(|b| !b.is_ascii_uppercase()))
        })
    {
        return true;
    }
    // Padding does not make a word a key: `alternatetoken==`.
    let s = s.trim_end_matches('=');
    let letters_only = |t: &str| t.chars().all(|c| c.is_ascii_alphabetic());
    // camelCase / PascalCase words without digits: getToken, PasswordField.
    if letters_only(s) {
        let humps = s.chars().filter(|c| c.is_ascii_uppercase()).count();
        if humps <= s.len() / 4 {
            return true;
        }
    }
    false
}

/// At least two of: lowercase, uppercase, digit, symbol; and not all digits.
pub fn char_mix(s: &str) -> bool {
    let lower = s.chars().any(|c| c.is_ascii_lowercase());
    let upper = s.chars().any(|c| c.is_ascii_uppercase());
    let digit = s.chars().any(|c| c.is_ascii_digit());
    let sym = s.chars().any(|c| !c.is_ascii_alphanumeric());
    [lower, upper, digit, sym].iter().filter(|&&b| b).count() >= 2
}

/// Assigned names that hold metadata about a secret rather than the secret itself.
pub fn assignee_is_metadata(name: &str) -> bool {
    // camelCase → snake_case first, so `SecretId` ends in `id` like `secret_id`.
    let mut n = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            n.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        n.push(c.to_ascii_lowercase());
    }
    let n = n.replace(['-', '.'], "_");
    const CONTAINS: &[&str] = &[
        "tokenizer",
        "tokenize",
        "csrf",
        "xsrf",
        "nonce",
        "public",
        "publishable",
        "next_token",
        "page_token",
        "pagination",
        "continuation",
        "cursor",
        "placeholder",
        "max_token",
        "min_token",
        "num_token",
        "_tokens",
        "token_count",
        "passwordless",
        "reset_password",
        "forgot",
        "secretsmanager",
        "secret_manager",
        "secretref",
        "secret_ref",
        "secretkeyref",
        "valuefrom",
        "fingerprint",
        // rules-generic: per-request anti-forgery tokens (Rails, ASP.NET) rendered into forms.
        "authenticity",
        "request_verification",
        "requestverification",
    ];
    if CONTAINS.iter().any(|c| n.contains(c)) {
        return true;
    }
    const SUFFIX: &[&str] = &[
        "length",
        "len",
        "type",
        "types",
        "name",
        "names",
        "field",
        "label",
        "url",
        "uri",
        "endpoint",
        "path",
        "file",
        "filename",
        "dir",
        "prefix",
        "suffix",
        "pattern",
        "regex",
        "format",
        "count",
        "size",
        "min",
        "max",
        "policy",
        "hint",
        "header",
        "param",
        "id",
        "key_id",
        "keyid",
        "message",
        "msg",
        "text",
        "title",
        "description",
        "help",
        "error",
        "prompt",
        "input",
        "column",
        "env",
        "var",
        "ref",
        "arn",
        "version",
        "expiry",
        "expires",
        "expires_at",
        "expiration",
        "ttl",
        "timeout",
        "hash",
        "hashed",
        "digest",
        "mode",
        "enabled",
        "required",
        "strength",
        "rules",
        "validator",
        "class",
        "kind",
        "index",
        "option",
        "style",
        "icon",
        "color",
        "selector",
        "store",
        "provider",
        "source",
        "location",
        "created",
        "updated",
        "rotation",
        "duration",
        "lifetime",
        "scope",
        "scopes",
        "audience",
        "issuer",
        "algorithm",
        "alg",
        "encoding",
        "charset",
        "question",
        "link",
        "method",
        "handler",
        "callback",
        "request",
        "response",
        "status",
        "state",
        "store_path",
        "keys",
        "tokens",
        // rules-generic: hashes and identifiers of a secret, UI and policy settings about one.
        "sha",
        "sha1",
        "sha256",
        "sha512",
        "md5",
        "checksum",
        "uuid",
        "guid",
        "template",
        "host",
        "port",
        "user",
        "username",
        "email",
        "region",
        "tooltip",
        "caption",
        "hasher",
        "hashers",
        "generator",
        "validation",
        "reset",
        "expired",
        "expire",
        "age",
        "history",
        "complexity",
        "attempts",
        "retries",
        "limit",
        "budget",
        "usage",
        "visible",
        "visibility",
        "toggle",
        "button",
        "btn",
        "form",
        "page",
        "view",
        "screen",
        "route",
        "component",
        "widget",
        "dialog",
        "modal",
        "schema",
        "mtime",
        "time",
        "timestamp",
        "date",
        "since",
        "until",
    ];
    let last = n.rsplit('_').next().unwrap_or(&n);
    SUFFIX
        .iter()
        .any(|s| last == *s || (s.contains('_') && n.ends_with(s)))
}

/// The character mix of a 40-character AWS secret access key.
pub fn aws_secret_shape(s: &str) -> bool {
    s.len() == 40
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+')
        && s.bytes().any(|b| b.is_ascii_uppercase())
        && s.bytes().any(|b| b.is_ascii_lowercase())
        && s.bytes()
            .any(|b| b.is_ascii_digit() || b == b'/' || b == b'+')
        && !s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A JWT whose header decodes to a JSON object naming an `alg` and whose payload is a JSON object.
pub fn jwt_valid(s: &str) -> bool {
    let mut parts = s.split('.');
    let (Some(h), Some(p)) = (parts.next(), parts.next()) else {
        return false;
    };
    let (Some(h), Some(p)) = (base64url_decode(h), base64url_decode(p)) else {
        return false;
    };
    h.first() == Some(&b'{') && memmem::find(&h, b"\"alg\"").is_some() && p.first() == Some(&b'{')
}

/// Lenient base64 (standard or URL alphabet, padding optional).
pub fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Values published as examples in vendor documentation and test suites (compared exactly).
pub const KNOWN_EXAMPLES: &[&str] = &[
    // AWS documentation's example access key pair.
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    // The AWS SigV4 test suite's session token (aws-sig-v4-test-suite, get-vanilla-with-session-token).
    "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
    // RFC 7617 / RFC 2617 Basic authentication example (Aladdin / open sesame).
    "opensesame",
    "open sesame",
    "open%20sesame",
];

/// Whether `secret` is a published example value.
pub fn is_known_example(secret: &str) -> bool {
    KNOWN_EXAMPLES.contains(&secret)
}

/// Keyboard-sequence values (`ABCDE123`, `abcdef123456`): at least 60% of the characters are in
/// ascending runs of 3+ (a-b-c, 1-2-3); random keys have essentially none.
pub fn mostly_sequential(lower: &str) -> bool {
    let b = lower.as_bytes();
    if b.len() < 6 {
        return false;
    }
    let mut in_runs = 0usize;
    let mut run = 1usize;
    for i in 1..=b.len() {
        if i < b.len() && b[i].is_ascii_alphanumeric() && b[i] == b[i - 1].wrapping_add(1) {
            run += 1;
        } else {
            if run >= 3 {
                in_runs += run;
            }
            run = 1;
        }
    }
    in_runs * 10 >= b.len() * 6
}

/// The jwt.io sample token (payload `{"sub":"1234567890","name":"John Doe",…}`), copied into
/// countless tests and docs.
pub fn jwt_is_documentation_sample(s: &str) -> bool {
    let Some(payload) = s.split('.').nth(1).and_then(base64url_decode) else {
        return false;
    };
    memmem::find(&payload, b"\"1234567890\"").is_some()
        && memmem::find(&payload, b"John Doe").is_some()
}

/// A URL password that is a documentation value: after percent-decoding, undoing common
/// letter substitutions (`p@ss`, `s3cret`) and dropping punctuation it is a default or a
/// placeholder (`pass%20word`, `p%40ss%3Aword`); or a short, low-entropy password on a host
/// reserved for documentation and tests (RFC 2606/6761: `example.com`, `*.example`, `*.test`,
/// `*.invalid`), where random-looking passwords are still reported.
pub fn url_password_is_documentation(host: &str, pw: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(pw)
        .decode_utf8_lossy()
        .to_ascii_lowercase();
    let normal: String = decoded
        .chars()
        .map(|c| match c {
            '@' | '4' => 'a',
            '0' => 'o',
            '3' => 'e',
            '$' | '5' => 's',
            '1' | '!' => 'i',
            c => c,
        })
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if is_known_example(&decoded)
        || is_placeholder(&decoded)
        || url_password_is_default("", &normal)
        || [
            "password",
            "passwd",
            "pass",
            "secret",
            "creds",
            "credentials",
            "opensesame",
        ]
        .iter()
        .any(|w| normal == *w || normal.starts_with(w) && normal.len() <= w.len() + 3)
    {
        return true;
    }
    let h = host.to_ascii_lowercase();
    let reserved = ["example.com", "example.net", "example.org"]
        .iter()
        .any(|d| h == *d || h.ends_with(&format!(".{d}")))
        || [".example", ".test", ".invalid"]
            .iter()
            .any(|t| h.ends_with(t));
    reserved && (decoded.chars().count() < 12 || shannon_entropy(&decoded) < 3.5)
}

/// Default or templated passwords in URLs (`postgres:postgres@`, `user:password@`, `:8080@`).
pub fn url_password_is_default(user: &str, pw: &str) -> bool {
    let p = pw.to_ascii_lowercase();
    const DEFAULTS: &[&str] = &[
        "pass",
        "passwd",
        "pwd",
        "secret",
        "postgres",
        "root",
        "admin",
        "guest",
        "mysql",
        "redis",
        "user",
        "username",
        "changeme",
        "test",
        "example",
        "x-oauth-basic",
        "token",
        "pw",
        "mongo",
        "rabbitmq",
        "default",
        "foo",
        "bar",
        "baz",
        "abc",
        "abc123",
        "123",
        "1234",
        "12345",
        "123456",
        "letmein",
        "sa",
        "none",
        "null",
    ];
    pw.eq_ignore_ascii_case(user)
        || DEFAULTS.contains(&p.as_str())
        || pw.bytes().all(|b| b.is_ascii_digit()) && pw.len() <= 5
        || pw.starts_with('$')
        || pw.starts_with('%')
        || pw.contains('*')
}

/// The base64 body of a PEM block whose header ends at `from`: `None` unless an END line follows
/// within the block window and the body is at least 64 base64 characters of mostly base64 text.
pub(super) fn pem_body(data: &[u8], from: usize) -> Option<String> {
    let hi = data.len().min(from + BLOCK_WINDOW);
    let end = from + memmem::find(&data[from..hi], b"-----END")?;
    let body = &data[from..end];
    let mut b64 = String::new();
    let mut other = 0usize;
    for raw_line in body.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(raw_line);
        // Escaped newlines inside string literals ("...\n...") split lines too.
        for piece in line.split("\\n") {
            let t = piece
                .trim()
                .trim_matches(|c: char| matches!(c, '"' | '\'' | ',' | '+' | '\\' | ';' | '`'));
            let t = t.trim();
            if t.is_empty()
                || t.contains(": ")
                || t.starts_with("Proc-Type")
                || t.starts_with("DEK-Info")
            {
                continue;
            }
            for c in t.chars() {
                if c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '=' {
                    b64.push(c);
                } else if !c.is_whitespace() {
                    other += 1;
                }
            }
        }
    }
    if b64.len() < 64 || other * 20 > b64.len() || is_placeholder_body(&b64) {
        return None;
    }
    Some(b64)
}

pub(super) fn is_placeholder_body(b64: &str) -> bool {
    let l = b64.to_ascii_lowercase();
    l.contains("example")
        || l.contains("redacted")
        || l.contains("xxxxxxxx")
        || l.contains("aaaaaaaaaaaaaaaa")
}

/// The `Private-Lines:` body of a PuTTY key whose header ends at `from`.
pub(super) fn putty_body(data: &[u8], from: usize) -> Option<String> {
    let hi = data.len().min(from + 16 * 1024);
    let start = from + memmem::find(&data[from..hi], b"Private-Lines:")?;
    let mut lines = data[start..hi].split(|&b| b == b'\n');
    let header = String::from_utf8_lossy(lines.next()?).into_owned();
    let n: usize = header
        .trim_start_matches("Private-Lines:")
        .trim()
        .parse()
        .ok()?;
    let mut b64 = String::new();
    for l in lines.take(n.min(64)) {
        let t = String::from_utf8_lossy(l).trim().to_string();
        if !t
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
        {
            return None;
        }
        b64.push_str(&t);
    }
    if b64.len() < 40 || is_placeholder_body(&b64) {
        return None;
    }
    Some(b64)
}

/// Whether a token's format checksum holds (see `src/scan/rules/README.md`).
pub fn checksum_ok(kind: super::rules::Checksum, token: &str) -> bool {
    match kind {
        super::rules::Checksum::GithubCrc32 => github_crc32_ok(token),
        super::rules::Checksum::AgeBech32 => age_bech32_ok(token),
    }
}

/// GitHub's 2021 token format (npm uses the same): after the last `_`, the random part, then
/// 6 base62 characters (`0-9A-Za-z`, left-padded with `0`) encoding the CRC32 of the random part.
fn github_crc32_ok(token: &str) -> bool {
    let body = token.rsplit('_').next().unwrap_or(token);
    if body.len() <= 6 || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (random, check) = body.split_at(body.len() - 6);
    base62_6(crc32fast::hash(random.as_bytes())) == check.as_bytes()
}

fn base62_6(mut n: u32) -> [u8; 6] {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    out
}

// --- rules-saas: provider-format validators ---

/// A Discord bot token's first part is the bot's user id (a 17-20 digit snowflake) in base64
/// without padding; random base64url text of the same shape almost never decodes to digits.
pub fn discord_id_ok(token: &str) -> bool {
    let first = token.split('.').next().unwrap_or("");
    match base64url_decode(first) {
        Some(id) => (17..=20).contains(&id.len()) && id.iter().all(u8::is_ascii_digit),
        None => false,
    }
}

// ---- rules-keys-encoded: validators of keys.toml, hashes.toml, encoded.toml, jwt.toml ----
//
// Every validator here reads a bounded amount of the buffer per candidate and stops at the first
// byte that cannot belong to what it reads, so a pathological file (a 10 MB line, a million
// headers) costs time linear in its size.

use super::rules::Check;

/// How far a key-block validator reads forward from its header.
const KEY_BLOCK_WINDOW: usize = 64 * 1024;
/// The longest base64 run an encoded PEM is read from (a 8192-bit RSA key is ~6.5 KiB of PEM).
const BASE64_PEM_MAX: usize = 16 * 1024;

/// Runs one of this block's validators on a candidate; `true` keeps it (and any other check is
/// left to the engine). `window` is the scan window the regex ran on (absolute offsets); the
/// capture groups are relative to its start. A validator may replace the secret and its offset
/// (the key body for key blocks, the password for netrc entries).
pub(super) fn keys_encoded_check(
    check: Check,
    data: &[u8],
    window: (usize, usize),
    caps: &regex::bytes::Captures,
    secret: &mut String,
    off: &mut usize,
) -> bool {
    let (ws, we) = window;
    let whole = caps.get(0).expect("group 0 always participates");
    let group = |name: &str| {
        caps.name(name)
            .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
    };
    match check {
        Check::PemBlock => match pem_block(data, ws + whole.end()) {
            Some(body) => {
                *secret = body;
                *off = ws + whole.start();
                true
            }
            None => false,
        },
        Check::PuttyBlock => match putty_block(data, ws + whole.end()) {
            Some(body) => {
                *secret = body;
                *off = ws + whole.start();
                true
            }
            None => false,
        },
        Check::Base64Pem => {
            // The regex window may have cut a long line: re-read the whole base64 run.
            let hi = data.len().min(*off + BASE64_PEM_MAX);
            let run = data[*off..hi]
                .iter()
                .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')))
                .map_or(hi, |i| *off + i);
            let text = &data[*off..run];
            if base64_pem_private_key(text) {
                *secret = String::from_utf8_lossy(text).into_owned();
                true
            } else {
                false
            }
        }
        Check::JwkPrivate => jwk_has_kty(data, *off),
        Check::UserPassBase64 => userpass_base64_ok(secret),
        Check::PasswordBase64 => password_base64_ok(secret),
        Check::Netrc => match netrc_password(data, ws + whole.end()) {
            Some((pw_off, pw, login)) => {
                let host = group("host").unwrap_or_default();
                // Anonymous FTP (RFC 1635): the password is by convention an e-mail address.
                let anonymous = ["anonymous", "ftp"]
                    .iter()
                    .any(|a| login.eq_ignore_ascii_case(a));
                if anonymous || weak_password(&login, &pw, &host) {
                    return false;
                }
                *secret = pw;
                *off = pw_off;
                true
            }
            None => false,
        },
        Check::KubeUser => !secret.starts_with("eyJ") && kube_user_parent(data, *off),
        Check::ConnString => {
            let (s, o) = unquote_value(secret, *off);
            *secret = s;
            *off = o;
            // The cheap value tests first: a line dense with `password=x` stays fast.
            !weak_password("", secret, "")
                && !is_placeholder(secret)
                && !looks_like_code(secret)
                && conn_string_context(&data[ws..we], *off - ws)
        }
        Check::DocPassword => {
            let user = group("user").unwrap_or_default();
            let host = group("host").unwrap_or_default();
            !weak_password(&user, secret, &host)
        }
        Check::Jose => jose_valid(secret) && !jwt_is_documentation_sample(secret),
        Check::HashDoc => !hash_is_documentation(secret),
        _ => true,
    }
}

/// Splits `data[from..hi]` into logical lines: a newline, an escaped `\n` or `\r` inside a
/// string literal, or an XML newline reference (`&#10;`, `&#xA;`) ends a line.
/// A run of four dashes (a PEM/SSH2 BEGIN or END line) also starts a new line, and a line
/// longer than `max` ends the iteration, so a validator never reads past the next header and
/// the work per header stays bounded on a pathological single line.
struct LogicalLines<'a> {
    data: &'a [u8],
    pos: usize,
    max: usize,
}

impl<'a> LogicalLines<'a> {
    fn new(data: &'a [u8], from: usize, hi: usize) -> Self {
        let data = &data[..hi.min(data.len())];
        LogicalLines {
            data,
            pos: from.min(data.len()),
            max: 8 * 1024,
        }
    }
}

impl<'a> Iterator for LogicalLines<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let d = self.data;
        if self.pos >= d.len() {
            return None;
        }
        let start = self.pos;
        let mut i = start;
        // A line that starts with dashes keeps them (`-----END …`).
        while i < d.len() && d[i] == b'-' {
            i += 1;
        }
        while i < d.len() {
            if i - start > self.max {
                self.pos = d.len();
                return Some(&d[start..i]);
            }
            if d[i] == b'-' && d[i..].starts_with(b"----") {
                self.pos = i;
                return Some(&d[start..i]);
            }
            let sep = match d[i] {
                b'\n' | b'\r' => 1,
                b'\\' if matches!(d.get(i + 1), Some(b'n' | b'r')) => 2,
                b'&' if [
                    &b"&#10;"[..],
                    b"&#13;",
                    b"&#xA;",
                    b"&#xa;",
                    b"&#xD;",
                    b"&#xd;",
                ]
                .iter()
                .any(|e| d[i..].starts_with(e)) =>
                {
                    5
                }
                _ => 0,
            };
            if sep > 0 {
                self.pos = i + sep;
                return Some(&d[start..i]);
            }
            i += 1;
        }
        self.pos = d.len();
        Some(&d[start..])
    }
}

/// A logical line without its indentation, comment marker and string-literal decoration
/// (`"…" +`, `'…',`, `b"…"`, `"…\n" \`).
fn clean_piece(p: &[u8]) -> &[u8] {
    let deco = |b: u8| {
        b.is_ascii_whitespace()
            || matches!(
                b,
                b'"' | b'\'' | b'`' | b',' | b'+' | b'\\' | b';' | b'.' | b'|' | b'(' | b')'
            )
    };
    let mut s = p.trim_ascii();
    for _ in 0..2 {
        for pre in [&b"//"[..], b"#", b"* ", b"> ", b"b\"", b"r\"", b"u\""] {
            if let Some(rest) = s.strip_prefix(pre) {
                s = rest;
            }
        }
        while let [first, rest @ ..] = s
            && deco(*first)
        {
            s = rest;
        }
        while let [rest @ .., last] = s
            && deco(*last)
        {
            s = rest;
        }
    }
    s
}

fn is_b64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

/// `Name: value` (an RFC 1421/4880/4716 armor header such as `Proc-Type`, `Version`, `Comment`).
fn is_armor_header(s: &[u8]) -> bool {
    let Some(colon) = memchr::memchr(b':', s) else {
        return false;
    };
    colon > 0
        && s[..colon]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
        && s[0].is_ascii_alphabetic()
}

/// Values that are documentation rather than key material once the body is joined.
fn is_placeholder_key_body(b64: &str) -> bool {
    let l = b64.to_ascii_lowercase();
    is_placeholder_body(b64)
        || [
            "yourkey",
            "yourprivate",
            "insert",
            "paste",
            "truncated",
            "placeholder",
            "privatekey",
            "keygoeshere",
        ]
        .iter()
        .any(|w| l.contains(w))
}

/// The base64 body of a PEM (RFC 7468), PGP armor (RFC 4880) or SSH2 (RFC 4716) block whose
/// header ends at `from`, read line by line (real, escaped or XML newlines; indentation, comment
/// markers and string-literal quotes ignored) up to its END line. `None` unless the END line
/// comes before any line that is not armor header, base64 or a PGP `=CRC` line, within 64 KiB,
/// and the body holds at least 64 base64 characters that are not a placeholder.
pub fn pem_block(data: &[u8], from: usize) -> Option<String> {
    let mut lines = LogicalLines::new(data, from, from.saturating_add(KEY_BLOCK_WINDOW));
    let mut b64 = String::new();
    for piece in &mut lines {
        let s = clean_piece(piece);
        if s.is_empty() {
            continue;
        }
        let end = memmem::find(s, b"-----END").or_else(|| memmem::find(s, b"---- END"));
        let body = clean_piece(&s[..end.unwrap_or(s.len())]);
        if body.is_empty() {
        } else if is_armor_header(body) && b64.is_empty() {
            // Proc-Type, DEK-Info, Version, Comment …: before the body only.
        } else if body.len() == 5 && body[0] == b'=' && body[1..].iter().all(|&b| is_b64_byte(b)) {
            // PGP armor checksum (=CRC24).
        } else if body
            .iter()
            .all(|&b| is_b64_byte(b) || b == b' ' || b == b'\t')
        {
            // One-line layouts join body lines with spaces; prose does not look like that.
            let tokens = body
                .split(|&b| b == b' ' || b == b'\t')
                .filter(|t| !t.is_empty())
                .count();
            if tokens > 1 && body.len() / tokens < 16 {
                return None;
            }
            b64.extend(body.iter().filter(|&&b| is_b64_byte(b)).map(|&b| b as char));
        } else {
            return None;
        }
        if end.is_some() {
            return (b64.len() >= 64 && !is_placeholder_key_body(&b64)).then_some(b64);
        }
    }
    None
}

/// The `Private-Lines` body of a PuTTY key (format 1–3) whose header ends at `from`, read over
/// real or escaped newlines: the known header lines (`Encryption`, `Comment`, `Public-Lines` +
/// body, `Key-Derivation`, `Argon2-*`, `Private-Lines` + body, `Private-MAC`) in sequence.
pub fn putty_block(data: &[u8], from: usize) -> Option<String> {
    let mut lines = LogicalLines::new(data, from, from.saturating_add(16 * 1024));
    lines.next()?; // the rest of the header line (the key algorithm)
    let mut private: Option<String> = None;
    while let Some(piece) = lines.next() {
        let s = clean_piece(piece);
        if s.is_empty() {
            continue;
        }
        if !is_armor_header(s) {
            break;
        }
        let colon = memchr::memchr(b':', s)?;
        let (name, value) = (&s[..colon], s[colon + 1..].trim_ascii());
        match name {
            b"Public-Lines" | b"Private-Lines" => {
                let n: usize = std::str::from_utf8(value).ok()?.parse().ok()?;
                let mut body = String::new();
                for _ in 0..n.min(64) {
                    let l = clean_piece(lines.next()?);
                    if l.is_empty() || !l.iter().all(|&b| is_b64_byte(b)) {
                        return None;
                    }
                    body.extend(l.iter().map(|&b| b as char));
                }
                if name == b"Private-Lines" {
                    private = Some(body);
                }
            }
            b"Private-MAC" | b"Private-Hash" => break,
            _ => {}
        }
    }
    private.filter(|b| b.len() >= 40 && !is_placeholder_key_body(b))
}

/// Base64 text that decodes to a PEM private key with a real body (a Kubernetes Secret's
/// `tls.key`, a kubeconfig's `client-key-data`, a Helm value).
pub fn base64_pem_private_key(text: &[u8]) -> bool {
    let Some(decoded) = std::str::from_utf8(text).ok().and_then(base64url_decode) else {
        return false;
    };
    let Some(line_end) = memchr::memchr(b'\n', &decoded) else {
        return false;
    };
    let header = &decoded[..line_end];
    header.starts_with(b"-----BEGIN ")
        && memmem::find(header, b"PRIVATE KEY").is_some()
        && pem_block(&decoded, line_end).is_some()
}

/// A JSON Web Key's private member (`"d"`) inside an object that names its key type (`"kty"`):
/// the object is searched from the nearest `{` before the member to the nearest `}` after it,
/// within 8 KiB either side.
pub fn jwk_has_kty(data: &[u8], off: usize) -> bool {
    let lo = off.saturating_sub(8 * 1024);
    let open = memchr::memrchr2(b'{', b'}', &data[lo..off]).map(|i| lo + i);
    let Some(open) = open.filter(|&i| data[i] == b'{') else {
        return false;
    };
    let hi = data.len().min(off + 8 * 1024);
    let close = memchr::memchr2(b'{', b'}', &data[off..hi]).map(|i| off + i);
    let Some(close) = close.filter(|&i| data[i] == b'}') else {
        return false;
    };
    let obj = &data[open..close];
    ["\"RSA\"", "\"EC\"", "\"OKP\""].iter().any(|k| {
        memmem::find(obj, b"\"kty\"").is_some_and(|i| {
            let rest = &obj[i + 5..obj.len().min(i + 5 + 16)];
            memmem::find(rest, k.as_bytes()).is_some()
        })
    })
}

/// Printable ASCII text decoded from base64, if the value is base64 of such text.
fn decode_printable(b64: &str) -> Option<String> {
    let t = b64.trim_end_matches('=');
    if t.len() < 4 || t.len() % 4 == 1 {
        return None;
    }
    let bytes = base64url_decode(b64)?;
    if bytes.is_empty() || !bytes.iter().all(|b| (0x20..0x7f).contains(b)) {
        return None;
    }
    String::from_utf8(bytes).ok()
}

/// A password that is a default, a placeholder or a documentation value.
fn weak_password(user: &str, pw: &str, host: &str) -> bool {
    const MORE: &[&str] = &[
        "tiger", "hunter2", "s3cr3t", "p4ssw0rd", "pa55word", "welcome",
    ];
    pw.trim().is_empty()
        || url_password_is_default(user, pw)
        || url_password_is_documentation(host, pw)
        || MORE.contains(&pw.to_ascii_lowercase().as_str())
        || pw.len() < 4
}

/// Base64 of `user:password` (HTTP Basic credentials, npm `_auth`, docker `auths`): printable,
/// a non-empty user, and a password that is not a default or placeholder; or `token:` / `:token`
/// with a long random token.
pub fn userpass_base64_ok(b64: &str) -> bool {
    let Some(text) = decode_printable(b64) else {
        return false;
    };
    let Some((user, pw)) = text.split_once(':') else {
        return false;
    };
    let token_alone = |t: &str| t.len() >= 16 && shannon_entropy(t) >= 3.5 && !is_placeholder(t);
    if pw.is_empty() {
        return token_alone(user);
    }
    if user.is_empty() {
        return token_alone(pw);
    }
    !user.contains(char::is_whitespace) && !is_placeholder(user) && !weak_password(user, pw, "")
}

/// Base64 of a password alone (npm `_password`).
pub fn password_base64_ok(b64: &str) -> bool {
    decode_printable(b64).is_some_and(|pw| !is_placeholder(&pw) && !weak_password("", &pw, ""))
}

/// The password of a `.netrc` entry whose `machine NAME` ends at `from`: the tokens after it are
/// read as `login`/`password`/`account`/`port` pairs (on one line or several) up to the next
/// entry or anything else, within 2 KiB. Returns (offset, password, login).
pub fn netrc_password(data: &[u8], from: usize) -> Option<(usize, String, String)> {
    let hi = data.len().min(from + 2048);
    let mut i = from;
    let mut next_token = || -> Option<(usize, &[u8])> {
        while i < hi && data[i].is_ascii_whitespace() {
            i += 1;
        }
        let s = i;
        while i < hi && !data[i].is_ascii_whitespace() {
            i += 1;
        }
        (i > s).then(|| (s, &data[s..i]))
    };
    let (mut login, mut password) = (String::new(), None);
    for _ in 0..8 {
        let Some((_, key)) = next_token() else { break };
        let Some((voff, value)) = next_token() else {
            break;
        };
        let unq = |v: &[u8]| {
            String::from_utf8_lossy(v.strip_prefix(b"\"").unwrap_or(v))
                .trim_end_matches('"')
                .to_string()
        };
        match key {
            b"login" => login = unq(value),
            b"password" => {
                let q = usize::from(value.first() == Some(&b'"'));
                password = Some((voff + q, unq(value)));
            }
            b"account" | b"port" => {}
            _ => break,
        }
    }
    let (off, pw) = password?;
    Some((off, pw, login))
}

/// A kubeconfig user's `token:`: the nearest less-indented line above it (within 12 lines and
/// 4 KiB) is `user:` (or `- user:`).
pub fn kube_user_parent(data: &[u8], off: usize) -> bool {
    let ls = memchr::memrchr(b'\n', &data[..off]).map_or(0, |i| i + 1);
    let indent = |l: &[u8]| l.iter().take_while(|&&b| b == b' ').count();
    let own = indent(&data[ls..off]);
    let lo = ls.saturating_sub(4096);
    let mut end = ls;
    // At most 12 lines up (a kubeconfig user has a handful of keys), so a file of a million
    // `token:` lines costs a bounded amount per line.
    for _ in 0..12 {
        if end <= lo {
            break;
        }
        let prev_end = end - 1; // the '\n' that ends the previous line
        let start = memchr::memrchr(b'\n', &data[lo..prev_end]).map_or(lo, |i| lo + i + 1);
        let line = &data[start..prev_end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if !line.trim_ascii().is_empty() && indent(line) < own {
            let t = line.trim_ascii();
            let t = t.strip_prefix(b"- ").unwrap_or(t);
            return t == b"user:";
        }
        end = start;
    }
    false
}

/// A quoted connection-string value (`'…'`, `"…"`, `{…}`) without its quotes, and its offset.
fn unquote_value(s: &str, off: usize) -> (String, usize) {
    let b = s.as_bytes();
    if b.len() >= 2
        && matches!(
            (b[0], b[b.len() - 1]),
            (b'\'', b'\'') | (b'"', b'"') | (b'{', b'}')
        )
    {
        return (s[1..s.len() - 1].to_string(), off + 1);
    }
    (s.to_string(), off)
}

/// A `Password=`/`Pwd=` inside a connection string: within 256 bytes either side on the same
/// line, another key of a connection string (server, host, data source, driver, DSN, database,
/// user …) is set with `=` to an unquoted value (ADO.NET, ODBC, JDBC properties, libpq key/value
/// strings; not keyword arguments in code, where the generic rules apply). One pass over the
/// neighbourhood: each `=` is looked at once.
pub fn conn_string_context(window: &[u8], secret_at: usize) -> bool {
    const KEYS: &[&[u8]] = &[
        b"server",
        b"data source",
        b"datasource",
        b"host",
        b"hostname",
        b"address",
        b"addr",
        b"network address",
        b"dsn",
        b"driver",
        b"database",
        b"initial catalog",
        b"dbname",
        b"databasename",
        b"uid",
        b"user id",
        b"userid",
        b"user",
        b"username",
    ];
    let at = secret_at.min(window.len());
    let lo = at.saturating_sub(256);
    let hi = window.len().min(at + 256);
    let ls = memchr::memrchr(b'\n', &window[lo..at]).map_or(lo, |i| lo + i + 1);
    let le = memchr::memchr(b'\n', &window[at..hi]).map_or(hi, |i| at + i);
    let line = &window[ls..le];
    for eq in memchr::memchr_iter(b'=', line) {
        // The value must be unquoted: `Server=db;`, `host=db `, not `host='db',`.
        if matches!(line.get(eq + 1), Some(b'"' | b'\'' | b'`')) {
            continue;
        }
        let mut k_end = eq;
        while k_end > 0 && line[k_end - 1] == b' ' {
            k_end -= 1;
        }
        let mut k = k_end;
        while k > 0 && (line[k - 1].is_ascii_alphabetic() || line[k - 1] == b' ') && k_end - k < 16
        {
            k -= 1;
        }
        // Leading spaces belong to the separator (`; User Id=`, `host=db user=`).
        while k < k_end && line[k] == b' ' {
            k += 1;
        }
        let before_ok = k == 0
            || matches!(
                line[k - 1],
                b';' | b' ' | b'\t' | b'"' | b'\'' | b'?' | b'&' | b'{'
            );
        let key = &line[k..k_end];
        if before_ok && KEYS.iter().any(|c| key.eq_ignore_ascii_case(c)) {
            return true;
        }
    }
    false
}

/// A JWS (three parts: header JSON with `alg`, payload JSON) or a JWE (five parts: header JSON
/// with `alg` and `enc`; RFC 7516 compact serialization).
pub fn jose_valid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    match parts.len() {
        3 => jwt_valid(s),
        5 => base64url_decode(parts[0]).is_some_and(|h| {
            h.first() == Some(&b'{')
                && memmem::find(&h, b"\"alg\"").is_some()
                && memmem::find(&h, b"\"enc\"").is_some()
        }),
        _ => false,
    }
}

/// A password hash from documentation or a specification's test vectors: a salt or digest that
/// spells `salt`/`example`/`test` (also once base64-decoded), or is a run or a sequence.
pub fn hash_is_documentation(hash: &str) -> bool {
    hash.split(['$', ':', '}']).any(|seg| {
        let l = seg.to_ascii_lowercase();
        let words = [
            "salt", "example", "sill", "test", "xxxx", "....", "abcdef", "123456",
        ];
        if words.iter().any(|w| l.contains(w)) {
            return true;
        }
        if l.len() < 6 {
            return false;
        }
        let decoded = decode_printable(seg).map(|d| d.to_ascii_lowercase());
        decoded.is_some_and(|d| words.iter().any(|w| d.contains(w)))
            || mostly_sequential(&l)
            || l.as_bytes()
                .windows(6)
                .any(|w| w.iter().all(|&b| b == w[0]))
    })
}

/// The bech32 (BIP 173) checksum of an age identity `AGE-SECRET-KEY-1…` (human-readable part
/// `age-secret-key-`, upper case).
pub fn age_bech32_ok(token: &str) -> bool {
    const CHARSET: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    let lower = token.to_ascii_lowercase();
    let Some(sep) = lower.rfind('1') else {
        return false;
    };
    let (hrp, data) = (&lower[..sep], &lower[sep + 1..]);
    if hrp.is_empty() || data.len() < 6 {
        return false;
    }
    let mut values = Vec::with_capacity(hrp.len() * 2 + 1 + data.len());
    values.extend(hrp.bytes().map(|b| b >> 5));
    values.push(0);
    values.extend(hrp.bytes().map(|b| b & 31));
    for c in data.bytes() {
        match CHARSET.iter().position(|&x| x == c) {
            Some(v) => values.push(v as u8),
            None => return false,
        }
    }
    const GEN: [u32; 5] = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
    let mut chk: u32 = 1;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x1ff_ffff) << 5) ^ v as u32;
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk == 1
}

// ---- rules-generic: value filters of the generic assignment rules ----

/// Values of a secret-named variable that are text rather than a credential: non-ASCII text
/// (translations: `Contraseña`, `パスワード`), keyword values (`undefined`, `required`,
/// `disabled`…), whole-value templates (`{password}`, `{0}`), version numbers (`v1.2.3-rc1`),
/// and HTML/CSS-like values (`#fff`, `1.5em`).
pub fn looks_like_words(s: &str) -> bool {
    if !s.is_ascii() {
        return true;
    }
    let l = s.to_ascii_lowercase();
    const KEYWORDS: &[&str] = &[
        "undefined",
        "required",
        "optional",
        "disabled",
        "enabled",
        "boolean",
        "unknown",
        "nullable",
        "readonly",
        "readwrite",
        "hidden",
        "masked",
        "sensitive",
        "protected",
        "inherit",
        "default",
        "generated",
        "autogenerated",
        "anonymous",
        "unset",
        "not-set",
        "not_set",
        "notset",
        "missing",
        "omitted",
        "removed",
        "deleted",
        "encrypted",
        "plaintext",
        "on-demand",
        "strong",
        "no-store",
        "no-cache",
        "keychain",
        "osxkeychain",
        "manager-core",
        "wincred",
    ];
    if KEYWORDS.contains(&l.as_str()) {
        return true;
    }
    // Dates and times: 2024-03-01, 2024-03-01T10:11:12Z.
    let b = s.as_bytes();
    if b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
    {
        return true;
    }
    // Publishable keys, public by design: Stripe `pk_live_…`/`pk_test_…`, Mapbox `pk.…`.
    if l.starts_with("pk_") || l.starts_with("pk.") {
        return true;
    }
    // Django's unusable-password marker (`make_password(None)`): `!` and 40 random characters.
    if s.len() == 41 && s.starts_with('!') && s[1..].bytes().all(|b| b.is_ascii_alphanumeric()) {
        return true;
    }
    // A template standing for the whole value.
    if (s.starts_with('{') && s.ends_with('}')) || (s.starts_with('[') && s.ends_with(']')) {
        return true;
    }
    // Version numbers: v1.2.3, 2.0.1-beta.4.
    let v = l.strip_prefix('v').unwrap_or(&l);
    if v.split(['.', '-', '+'])
        .next()
        .is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        && v.matches('.').count() >= 2
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'))
    {
        return true;
    }
    false
}

/// `<…>` holding only letters, digits, spaces, `_`, `-` or `.`: a slot to fill in.
fn has_angle_slot(l: &str) -> bool {
    let b = l.as_bytes();
    let mut i = 0;
    while let Some(o) = memchr::memchr(b'<', &b[i..]) {
        let start = i + o + 1;
        let mut j = start;
        while j < b.len()
            && (b[j].is_ascii_alphanumeric() || matches!(b[j], b'_' | b'-' | b' ' | b'.'))
        {
            j += 1;
        }
        if j > start && j < b.len() && b[j] == b'>' {
            return true;
        }
        i = start;
    }
    false
}

/// A call: `name(…)`, `obj.method(…)`, `Class::new(…)`, `ENC(…)` — a callable path then
/// parentheses closing at the end. A random value that merely holds `(` or `)` is not one.
fn is_call_shaped(s: &str) -> bool {
    let Some(open) = s.find('(') else {
        return false;
    };
    let head = &s[..open];
    s.ends_with(')')
        && !head.is_empty()
        && head
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'$')
        && head
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'$' | b':'))
}

/// Enough variety for a credential: entropy of at least 2.5 bits per character, or 2.0 with
/// three character classes (human passwords such as `P3pp3r666!` repeat characters).
pub fn is_varied(s: &str) -> bool {
    let classes = [
        s.bytes().any(|b| b.is_ascii_lowercase()),
        s.bytes().any(|b| b.is_ascii_uppercase()),
        s.bytes().any(|b| b.is_ascii_digit()),
        s.bytes().any(|b| !b.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|&&c| c)
    .count();
    let e = shannon_entropy(s);
    e >= 2.5 || (classes >= 3 && e >= 2.0)
}

#[cfg(test)]
mod keys_encoded_tests {
    //! rules-keys-encoded: the validators of keys/hashes/encoded/jwt.toml on the layouts they
    //! read, and their worst cases through the whole engine.
    use super::*;

    const BODY: &str = "MHcCAQEEIKFjfL/vQ8PXvoKcfw3qSTNuvbl8gari8eDCaY7YEHV9oAoGCCqGSM49\nAwEHoUQDQgAEiviO/UKqIFKH5KDHAiErh6szj+hQDwpILPoJP2zbFHnN5LP43P2F\nmdnpQ+cHvLiOcbvOFQv8MBLSpNyNut17bg==";

    fn key(sep: &str, indent: &str) -> String {
        let mut s = format!("{indent}-----BEGIN EC PRIVATE KEY-----{sep}");
        for l in BODY.lines() {
            s.push_str(&format!("{indent}{l}{sep}"));
        }
        s.push_str(&format!("{indent}-----END EC PRIVATE KEY-----{sep}"));
        s
    }

    fn body_after_header(text: &str) -> Option<String> {
        let begin = text.find("BEGIN")?;
        let from = text[begin..].find("-----").map(|i| begin + i + 5)?;
        pem_block(text.as_bytes(), from)
    }

    #[test]
    fn pem_bodies_in_every_layout() {
        let joined: String = BODY.lines().collect();
        for text in [
            key("\n", ""),
            key("\r\n", ""),
            key("\n", "    "),
            format!("{{\"private_key\": \"{}\"}}", key("\\n", "")),
            format!("<key>{}</key>", key("&#10;", "")),
            format!("<key>{}</key>", key("&#xA;", "")),
            format!("K=\"{}\"", key(" ", "").trim_end()),
            key("\\n\" +\n  \"", ""),
            key("\n", "# "),
        ] {
            assert_eq!(
                body_after_header(&text).as_deref(),
                Some(joined.as_str()),
                "{text}"
            );
        }
        // A header constant followed by code, a short or prose body, a missing END line.
        for text in [
            "H = \"-----BEGIN EC PRIVATE KEY-----\"\nfn parse(x) { x }\nF = \"-----END EC PRIVATE KEY-----\"",
            "-----BEGIN EC PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC...\n-----END EC PRIVATE KEY-----",
            "-----BEGIN EC PRIVATE KEY-----\nput the key of the service account in this place and then\nsome more words\n-----END EC PRIVATE KEY-----",
            &key("\n", "")[..200],
        ] {
            assert_eq!(body_after_header(text), None, "{text}");
        }
    }

    #[test]
    fn pgp_armor_headers_and_crc_and_ssh2() {
        let pgp = format!(
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n{BODY}\n=o3jn\n-----END PGP PRIVATE KEY BLOCK-----\n"
        );
        let b = body_after_header(&pgp).unwrap();
        assert!(!b.contains("o3jn") && b.starts_with("MHcC"), "{b}");
        let ssh2 = format!(
            "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: \"k\"\n{BODY}\n---- END SSH2 ENCRYPTED PRIVATE KEY ----\n"
        );
        let from = ssh2.find("KEY ----").unwrap() + 8;
        assert!(pem_block(ssh2.as_bytes(), from).is_some());
    }

    #[test]
    fn putty_bodies_plain_and_escaped() {
        let ppk = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: k\nPublic-Lines: 1\nAAAAC3NzaC1lZDI1NTE5AAAAIDq2cQbqB6tUzXJ4WzO9Rr0P8lQ7n2kV5mC1aHx3YtEf\nPrivate-Lines: 1\nAAAAIG8gS2VlcCB0aGlzIGtleSBzeW50aGV0aWMgYW5kIHJhbmRvbSEhIQ\nPrivate-MAC: 00ff\n";
        let from = "PuTTY-User-Key-File-3:".len();
        let body = putty_block(ppk.as_bytes(), from).unwrap();
        assert!(body.starts_with("AAAAIG8g"), "{body}");
        let escaped = ppk.replace('\n', "\\n");
        assert_eq!(putty_block(escaped.as_bytes(), from), Some(body));
        let no_private = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPublic-Lines: 1\nAAAAC3NzaC1lZDI1NTE5AAAAIDq2cQbqB6tUzXJ4WzO9Rr0P8lQ7n2kV5mC1aHx3YtEf\n";
        assert_eq!(putty_block(no_private.as_bytes(), from), None);
    }

    #[test]
    fn age_checksums() {
        // Generated for this test (Python, BIP 173 bech32 over 32 random bytes).
        let good = "AGE-SECRET-KEY-16KLQLPAHRMAVEW3UWC7GY2KQSU6QMTZE4JJTYAQ0WRJD5S22VEDSNCYNFZ";
        assert!(age_bech32_ok(good));
        let bad = good.replace("CYNFZ", "CYNFQ");
        assert!(!age_bech32_ok(&bad));
        assert!(!age_bech32_ok("AGE-SECRET-KEY-1"));
    }

    fn b64(s: &str) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let b = s.as_bytes();
        let mut out = String::new();
        for c in b.chunks(3) {
            let n = (c[0] as u32) << 16
                | (*c.get(1).unwrap_or(&0) as u32) << 8
                | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..4 {
                if i <= c.len() {
                    out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn base64_user_password_pairs() {
        assert!(userpass_base64_ok(&b64("deploy:Vq7LmZ2xTk9pR4wB")));
        assert!(userpass_base64_ok(&b64("Vq7LmZ2xTk9pR4wBn3Hs8dJ:")));
        for weak in [
            "user:password",
            "admin:admin",
            "Aladdin:open sesame",
            "deploy:",
            "nopair",
            "user:${PASSWORD}",
            "u:abc",
        ] {
            assert!(!userpass_base64_ok(&b64(weak)), "{weak}");
        }
        // Not base64 of text.
        assert!(!userpass_base64_ok("gZ8x/9+AAQID"));
        assert!(password_base64_ok(&b64("Vq7LmZ2xTk9pR4wB")));
        assert!(!password_base64_ok(&b64("changeme")));
    }

    #[test]
    fn netrc_entries_on_one_or_several_lines() {
        let one = b"machine h.internal login bot password Vq7LmZ2xTk9p\n";
        let (off, pw, login) = netrc_password(one, 18).unwrap();
        assert_eq!((pw.as_str(), login.as_str()), ("Vq7LmZ2xTk9p", "bot"));
        assert_eq!(&one[off..off + 12], b"Vq7LmZ2xTk9p");
        let multi = b"machine h.internal\n  login bot\n  password \"Vq7 LmZ\"\n";
        assert_eq!(netrc_password(multi, 18).unwrap().1, "Vq7");
        assert!(netrc_password(b"machine learning is fun password x", 16).is_none());
        assert!(netrc_password(b"machine h login u\nmachine g password p", 9).is_none());
    }

    #[test]
    fn kubeconfig_token_parents() {
        let kc =
            "users:\n- name: ci\n  user:\n    client-certificate-data: AAAA\n    token: abcdef\n";
        assert!(kube_user_parent(kc.as_bytes(), kc.find("token").unwrap()));
        let other = "github:\n  token: abcdef\n";
        assert!(!kube_user_parent(
            other.as_bytes(),
            other.find("token").unwrap()
        ));
    }

    #[test]
    fn connection_string_contexts() {
        let yes = [
            "Server=db;Database=app;User Id=app;Password=Vq7LmZ2x;",
            "DRIVER={ODBC};SERVER=db;UID=r;PWD=Vq7LmZ2x;",
            "host=db dbname=app user=app password=Vq7LmZ2x",
            "jdbc:mysql://db/app?user=app&password=Vq7LmZ2x",
        ];
        for s in yes {
            let at = s.rfind("Vq7").unwrap();
            assert!(conn_string_context(s.as_bytes(), at), "{s}");
        }
        let no = [
            "connect(host='db', password='Vq7LmZ2x')",
            "login(password=Vq7LmZ2x)",
            "Integrated Security=true;Password=Vq7LmZ2x",
        ];
        for s in no {
            let at = s.rfind("Vq7").unwrap();
            assert!(!conn_string_context(s.as_bytes(), at), "{s}");
        }
    }

    #[test]
    fn jws_and_jwe() {
        let h = b64(r#"{"alg":"dir","enc":"A256GCM"}"#).replace('=', "");
        assert!(jose_valid(&format!(
            "{h}..AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBB.CCCCCCCCCCCCCCCCCCCCCC"
        )));
        let no_enc = b64(r#"{"alg":"dir","typ":"JWT"}"#).replace('=', "");
        assert!(!jose_valid(&format!(
            "{no_enc}..AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBB.CCCCCCCCCCCCCCCCCCCCCC"
        )));
        assert!(!jose_valid("a.b.c.d"));
    }

    #[test]
    fn documentation_hashes() {
        assert!(hash_is_documentation(
            "$5$rounds=5000$toolongsaltstrin$Vq7LmZ2xTk9pR4wBn3Hs8dJ"
        ));
        assert!(hash_is_documentation(
            "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$Vq7LmZ2xTk9pR4wB"
        ));
        assert!(hash_is_documentation(
            "$2b$10$xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        ));
        assert!(!hash_is_documentation(
            "$2b$10$dI.uy41iwNXVKTAauCdtae3w4Cl67pMUDNIJRv7//.vmhlPKYokEm"
        ));
    }

    /// Worst cases for the validators above, through the whole built-in engine: each input is
    /// dense with one rule's keyword and shape but holds no credential. Every validator stops at
    /// the first byte that cannot belong to what it reads, so each finishes in linear time.
    #[test]
    fn adversarial_inputs_stay_linear_and_quiet() {
        let engine = super::super::Engine::new(super::super::rules::builtin());
        let inputs: Vec<Vec<u8>> = vec![
            "-----BEGIN PRIVATE KEY-----\n".repeat(20_000).into_bytes(),
            "-----BEGIN PRIVATE KEY-----".repeat(20_000).into_bytes(),
            format!(
                "-----BEGIN PRIVATE KEY-----\n{}",
                "QUFBQUFBQUFB\n".repeat(40_000)
            )
            .into_bytes(),
            "PuTTY-User-Key-File-2: ssh-rsa\nPublic-Lines: 1\n"
                .repeat(10_000)
                .into_bytes(),
            "LS0tLS1CRUdJTi".repeat(40_000).into_bytes(),
            "machine machine login ".repeat(20_000).into_bytes(),
            "{\"d\":\"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\""
                .repeat(10_000)
                .into_bytes(),
            "Authorization: Basic QUFBQUFBQUFB "
                .repeat(20_000)
                .into_bytes(),
            "Server=db;Password=Vq7LmZ2x;".repeat(20_000).into_bytes(),
            "  token: QUFBQUFBQUFBQUFBQUFBQUFB\n"
                .repeat(20_000)
                .into_bytes(),
            "$2b$10$".repeat(100_000).into_bytes(),
            "eyJhbGciOi.".repeat(50_000).into_bytes(),
            vec![b'='; 100_000],
        ];
        for (i, input) in inputs.iter().enumerate() {
            // No timing assertion (machines are shared and noisy): the time is printed, and
            // quadratic work would show as minutes rather than seconds on these sizes.
            let started = std::time::Instant::now();
            let hits = engine.scan(input);
            eprintln!(
                "input {i}: {} bytes in {:.2?}",
                input.len(),
                started.elapsed()
            );
            let ids: Vec<&str> = hits
                .iter()
                .map(|h| engine.rules()[h.rule].id.as_str())
                .filter(|id| {
                    [
                        "private-key",
                        "putty-private-key",
                        "private-key-base64",
                        "netrc-password",
                        "jwk-private-key",
                        "basic-auth",
                        "kubeconfig-token",
                        "bcrypt-hash",
                        "jwt",
                    ]
                    .contains(id)
                })
                .collect();
            assert!(ids.is_empty(), "input {i}: {ids:?}");
        }
    }
}
