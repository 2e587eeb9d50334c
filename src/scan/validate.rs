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
