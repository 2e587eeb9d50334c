//! Documentation values, templates and defaults: placeholders (`changeme`, `${VAR}`, `<key>`),
//! published example keys, keyboard sequences, the jwt.io sample, and documentation or default
//! passwords in URLs.

use memchr::memmem;

use super::{base64url_decode, shannon_entropy};

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
