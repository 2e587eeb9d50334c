//! Text that only looks like a credential: code (calls, attribute paths, identifiers, file
//! paths), assigned names that hold metadata about a secret, and the words, dates, versions and
//! templates the generic assignment rules see as values.

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
