//! The matching engine: one Aho-Corasick pass over a buffer finds rule keywords; each rule's
//! regex then runs only on the line (bounded window) around a keyword hit, and the named
//! validators of the rule files (`rules/*.toml`) filter the candidates.

use std::collections::HashSet;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use memchr::{memchr, memmem, memrchr};

use super::rules::{Check, Rule};
pub use super::validate::*;

/// How far either side of a keyword a single-line rule looks (bounds work on minified files).
const LINE_WINDOW: usize = 4096;
/// How far forward a multi-line rule (PEM, PuTTY) looks for the end of the block.
pub(super) const BLOCK_WINDOW: usize = 64 * 1024;
/// Upper bound on findings per buffer (a generated file full of tokens stays cheap).
pub const MAX_HITS_PER_BUFFER: usize = 1000;
/// The inline marker that accepts a finding on its line.
pub const ALLOW_MARKER: &[u8] = b"secretlens:allow";

/// A candidate that passed every filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Index into the engine's rules.
    pub rule: usize,
    /// The secret as text (lossy for invalid UTF-8).
    pub secret: String,
    /// Byte offset of the secret in the buffer.
    pub offset: usize,
    /// 1-based line and column (column in Unicode scalar values).
    pub line: usize,
    pub column: usize,
}

/// A rule listed under an Aho-Corasick keyword: its index, and the keyword's exact bytes when
/// its regex is case-sensitive.
type KeywordRule = (usize, Option<Box<[u8]>>);

pub struct Engine {
    rules: Vec<Rule>,
    ac: AhoCorasick,
    /// Aho-Corasick pattern index → rules that listed that keyword, with the keyword's exact
    /// bytes when the rule's regex is case-sensitive (the prefilter itself ignores case).
    pattern_rules: Vec<Vec<KeywordRule>>,
    /// Per rule: the cheap test that a keyword hit can start a match (see [`Gate`]).
    gates: Vec<Gate>,
    aws_id_rule: Option<usize>,
    aws_secret_rule: Option<usize>,
    bare_40: regex::bytes::Regex,
}

impl Engine {
    pub fn new(rules: Vec<Rule>) -> Engine {
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_rules: Vec<Vec<KeywordRule>> = Vec::new();
        for (ri, r) in rules.iter().enumerate() {
            // A regex without a leading `(?i)` matches its literal prefix in one case only.
            let exact = !r.regex.as_str().starts_with("(?i");
            for k in &r.keywords {
                let lower = k.to_ascii_lowercase();
                let entry = (ri, exact.then(|| k.as_bytes().into()));
                match patterns.iter().position(|p| *p == lower) {
                    Some(pi) => pattern_rules[pi].push(entry),
                    None => {
                        patterns.push(lower);
                        pattern_rules.push(vec![entry]);
                    }
                }
            }
        }
        // A DFA is the fastest automaton for this many short patterns; with ASCII case folding
        // no packed (SIMD) prefilter applies, so the DFA runs over every byte once.
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&patterns)
            .expect("rule keywords are short literals");
        let gates = rules.iter().map(Gate::for_rule).collect();
        let aws_id_rule = rules.iter().position(|r| r.id == "aws-access-key-id");
        let aws_secret_rule = rules.iter().position(|r| r.id == "aws-secret-access-key");
        Engine {
            rules,
            ac,
            pattern_rules,
            gates,
            aws_id_rule,
            aws_secret_rule,
            bare_40: regex::bytes::Regex::new(
                r"(?:^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?:$|[^A-Za-z0-9/+=])",
            )
            .expect("constant regex"),
        }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Scans one buffer. Hits are sorted by offset then rule.
    pub fn scan(&self, data: &[u8]) -> Vec<Hit> {
        let mut raw: Vec<(usize, usize, String)> = Vec::new(); // (rule, offset, secret)
        let mut seen: HashSet<(usize, usize)> = HashSet::new();
        // Per rule, the start of the last window it ran on: hits arrive in offset order, so a
        // line with many keyword hits runs each rule once.
        let mut ran = vec![usize::MAX; self.rules.len()];
        // The current line, found once per line however many keywords it holds.
        let (mut cur_ls, mut cur_le) = (usize::MAX, 0usize);
        for m in self.ac.find_overlapping_iter(data) {
            if raw.len() >= MAX_HITS_PER_BUFFER {
                break;
            }
            let (p, e) = (m.start(), m.end());
            for (ri, exact) in &self.pattern_rules[m.pattern().as_usize()] {
                let ri = *ri;
                if exact.as_deref().is_some_and(|k| data[p..e] != *k) {
                    continue;
                }
                if p < cur_ls || e > cur_le {
                    cur_ls = memrchr(b'\n', &data[..p]).map(|i| i + 1).unwrap_or(0);
                    cur_le = memchr(b'\n', &data[p..])
                        .map(|i| p + i)
                        .unwrap_or(data.len());
                }
                if !self.gates[ri].can_match(data, cur_ls, cur_le, p, e) {
                    continue;
                }
                let (ls, le) = window_in_line(cur_ls, cur_le, p, e);
                let rule = &self.rules[ri];
                let (ws, we) = if rule.multiline {
                    (ls, data.len().min(ls + BLOCK_WINDOW))
                } else if self.gates[ri] == Gate::NamePair && le < data.len() {
                    // rules-generic: a name/value pair may put the value on the next line.
                    let hi = data.len().min(le + 1 + LINE_WINDOW);
                    let next = memchr(b'\n', &data[le + 1..hi]).map_or(hi, |i| le + 1 + i);
                    (ls, next)
                } else {
                    (ls, le)
                };
                if ran[ri] == ws {
                    continue;
                }
                ran[ri] = ws;
                self.run_rule(ri, data, ws, we, &mut raw, &mut seen);
            }
        }
        // AWS secret keys written near an access key id without an AWS-named variable.
        if let (Some(idr), Some(skr)) = (self.aws_id_rule, self.aws_secret_rule) {
            let ids: Vec<usize> = raw.iter().filter(|h| h.0 == idr).map(|h| h.1).collect();
            for p in ids {
                let ws = nth_line_start_before(data, p, 5);
                let we = nth_line_end_after(data, p, 5);
                for c in self.bare_40.captures_iter(&data[ws..we]) {
                    let g = c.get(1).expect("group 1 always participates");
                    let off = ws + g.start();
                    let s = String::from_utf8_lossy(g.as_bytes()).into_owned();
                    if aws_secret_shape(&s)
                        && shannon_entropy(&s) >= 4.0
                        && !s.to_ascii_lowercase().contains("example")
                        && !line_has_allow(data, off)
                        && seen.insert((skr, off))
                    {
                        raw.push((skr, off, s));
                    }
                }
            }
        }
        // A secret a specific rule found is not reported again by a generic rule.
        let specific: Vec<(usize, usize)> = raw
            .iter()
            .filter(|h| !self.rules[h.0].id.starts_with("generic-"))
            .map(|h| (h.1, h.1 + h.2.len()))
            .collect();
        if !specific.is_empty() {
            raw.retain(|h| {
                !self.rules[h.0].id.starts_with("generic-")
                    || !specific
                        .iter()
                        .any(|&(s, e)| h.1 < e && s < h.1 + h.2.len())
            });
        }
        raw.sort_by_key(|a| (a.1, a.0));
        // rules-generic: one secret matched by two generic shapes is reported once (the first rule).
        let mut last_generic_end = 0usize;
        raw.retain(|h| {
            if !self.rules[h.0].id.starts_with("generic-") {
                return true;
            }
            if h.1 < last_generic_end {
                return false;
            }
            last_generic_end = h.1 + h.2.len();
            true
        });
        // Line and column, computed incrementally in offset order.
        let mut out = Vec::with_capacity(raw.len());
        let mut line = 1usize;
        let mut pos = 0usize;
        for (rule, offset, secret) in raw {
            line += memchr::memchr_iter(b'\n', &data[pos..offset]).count();
            pos = offset;
            let ls = memrchr(b'\n', &data[..offset]).map(|i| i + 1).unwrap_or(0);
            let column = data[ls..offset]
                .iter()
                .filter(|&&b| (b & 0xC0) != 0x80)
                .count()
                + 1;
            out.push(Hit {
                rule,
                secret,
                offset,
                line,
                column,
            });
        }
        out
    }

    fn run_rule(
        &self,
        ri: usize,
        data: &[u8],
        ws: usize,
        we: usize,
        raw: &mut Vec<(usize, usize, String)>,
        seen: &mut HashSet<(usize, usize)>,
    ) {
        let rule = &self.rules[ri];
        let window = &data[ws..we];
        for caps in rule.regex.captures_iter(window) {
            let whole = caps.get(0).expect("group 0 always participates");
            let g = caps
                .name("secret")
                .or_else(|| caps.name("bare"))
                .or_else(|| caps.get(1))
                .unwrap_or(whole);
            let mut off = ws + g.start();
            let mut secret = String::from_utf8_lossy(g.as_bytes()).into_owned();
            if rule.has(Check::Pem) {
                match pem_body(data, ws + whole.end()) {
                    Some(body) => {
                        secret = body;
                        off = ws + whole.start();
                    }
                    None => continue,
                }
            }
            if rule.has(Check::Putty) {
                match putty_body(data, ws + whole.end()) {
                    Some(body) => {
                        secret = body;
                        off = ws + whole.start();
                    }
                    None => continue,
                }
            }
            // rules-keys-encoded: validators that read the buffer around the match or decode the
            // secret (they may replace the secret and its offset; see validate/mod.rs).
            if !rule
                .checks
                .iter()
                .all(|&c| keys_encoded_check(c, data, (ws, we), &caps, &mut secret, &mut off))
            {
                continue;
            }
            if secret.chars().count() < rule.min_len {
                continue;
            }
            if let Some(min) = rule.entropy
                && shannon_entropy(&secret) < min
            {
                continue;
            }
            if rule.allow.iter().any(|a| a.is_match(&secret)) || is_known_example(&secret) {
                continue;
            }
            let name = caps
                .name("name")
                .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned());
            if rule.has(Check::Assignee) && name.as_deref().is_some_and(assignee_is_metadata) {
                continue;
            }
            // rules-generic: a value equal to its name (`"password": "password"`, tables of names).
            if rule.has(Check::Assignee)
                && name.as_deref().is_some_and(|n| {
                    n.trim_start_matches(['-', '$', '.'])
                        .eq_ignore_ascii_case(&secret)
                })
            {
                continue;
            }
            if rule.has(Check::Placeholder) && is_placeholder(&secret) {
                continue;
            }
            if rule.has(Check::Identifier) && looks_like_code(&secret) {
                continue;
            }
            if rule.has(Check::CharMix) && !char_mix(&secret) {
                continue;
            }
            if rule.has(Check::Words) && looks_like_words(&secret) {
                continue;
            }
            if rule.has(Check::Varied) && !is_varied(&secret) {
                continue;
            }
            if rule.has(Check::AwsSecret) && !aws_secret_shape(&secret) {
                continue;
            }
            if rule.has(Check::Jwt) && (!jwt_valid(&secret) || jwt_is_documentation_sample(&secret))
            {
                continue;
            }
            if rule.has(Check::UrlPassword) {
                let user = caps
                    .name("user")
                    .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned());
                if url_password_is_default(user.as_deref().unwrap_or(""), &secret) {
                    continue;
                }
                // The host follows the `@` that ends the password.
                let host_start = (ws + g.end() + 1).min(we);
                let host_end = data[host_start..we]
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')))
                    .map_or(we, |i| host_start + i);
                let host = String::from_utf8_lossy(&data[host_start..host_end]);
                if url_password_is_documentation(&host, &secret) {
                    continue;
                }
            }
            // rules-saas
            if rule.has(Check::DiscordId) && !discord_id_ok(&secret) {
                continue;
            }
            if line_has_allow(data, off) {
                continue;
            }
            if seen.insert((ri, off)) {
                raw.push((ri, off, secret));
            }
        }
    }
}

/// A cheap test, run at a keyword hit, that the rule's regex could match starting there; it
/// mirrors the regex's shape right around the keyword so that the regex only runs on lines that
/// can hold a match (most `http`, `token` and `password` mentions in code cannot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// No pre-test: run the regex.
    Always,
    /// `scheme://user:password@host`: after the scheme keyword, `://` and then an `@` before
    /// any `/`, whitespace or quote.
    UrlCredentials,
    /// `name = "value"`: after the keyword, the rest of an identifier, an optional closing
    /// quote or bracket, an assignment operator, then a quote (with an optional string prefix).
    QuotedAssignment,
    /// `NAME=value` on its own line: only a name (after optional `export ` or `- `) before the
    /// keyword, and `=`/`:` then a value after it.
    LineAssignment,
    // rules-generic: the shapes of the other generic rules.
    /// `ENV NAME value`: only `ENV` and a name before the keyword, whitespace then a value after.
    DockerEnv,
    /// `setPassword("…")` / `"password", "…"`: after the name, `(` or a closing quote and `,`.
    CallArgument,
    /// `<password>…`: a `<` before the name and `>` right after it.
    XmlElement,
    /// `key="ApiKey" value="…"` / `name="token">…`: a closing quote then `value` or `>`.
    XmlAttribute,
    /// `name: DB_PASSWORD` then `value: …` on the same or the next line.
    NamePair,
    /// `--password=…` / `--api-key …`: a `--` flag holding the keyword.
    Flag,
    /// `"X-Api-Key: …"`: a quote before the header name, `:` and an unquoted value after it.
    Header,
}

impl Gate {
    pub fn for_rule(rule: &Rule) -> Gate {
        match rule.id.as_str() {
            "url-password" => Gate::UrlCredentials,
            "generic-secret" => Gate::QuotedAssignment,
            "generic-secret-env" => Gate::LineAssignment,
            // rules-generic
            "generic-secret-dockerfile" => Gate::DockerEnv,
            "generic-secret-call" => Gate::CallArgument,
            "generic-secret-xml" => Gate::XmlElement,
            "generic-secret-xml-attr" => Gate::XmlAttribute,
            "generic-secret-pair" => Gate::NamePair,
            "generic-secret-flag" => Gate::Flag,
            "generic-secret-header" => Gate::Header,
            _ => Gate::Always,
        }
    }

    /// Whether a match can start at the keyword `[p, e)` on the line `[ls, le)`.
    pub fn can_match(self, data: &[u8], ls: usize, le: usize, p: usize, e: usize) -> bool {
        let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        match self {
            Gate::Always => true,
            Gate::UrlCredentials => {
                let mut i = e;
                while i < le
                    && (data[i].is_ascii_alphanumeric() || data[i] == b'+' || data[i] == b':')
                {
                    if data[i] == b':' {
                        break;
                    }
                    i += 1;
                }
                if !data[i..le].starts_with(b"://") {
                    return false;
                }
                let rest = &data[i + 3..le.min(i + 3 + 200)];
                for &b in rest {
                    match b {
                        b'@' => return true,
                        b'/' | b' ' | b'\t' | b'\r' | b'"' | b'\'' | b'`' | b'<' | b'>' => {
                            return false;
                        }
                        _ => {}
                    }
                }
                false
            }
            Gate::QuotedAssignment => {
                let le = le.min(e + 256);
                let mut i = e;
                while i < le && (is_word(data[i]) || data[i] == b'-') {
                    i += 1;
                }
                if i < le && matches!(data[i], b'"' | b'\'' | b']') {
                    i += 1;
                }
                // rules-generic: `config['SECRET_KEY'] = …`, `ENV["API_KEY"] = …`.
                if i < le && data[i] == b']' && matches!(data[i - 1], b'"' | b'\'') {
                    i += 1;
                }
                while i < le && matches!(data[i], b' ' | b'\t') {
                    i += 1;
                }
                let quoted_value = |mut i: usize| {
                    while i < le && matches!(data[i], b' ' | b'\t') {
                        i += 1;
                    }
                    if i < le && matches!(data[i], b'r' | b'b' | b'u' | b'R' | b'B' | b'U' | b'@') {
                        i += 1;
                    }
                    i < le && matches!(data[i], b'"' | b'\'' | b'`')
                };
                let rest = &data[i..le];
                let op = if rest.starts_with(b":=")
                    || rest.starts_with(b"=>")
                    || rest.starts_with(b"<-")
                {
                    2
                } else if rest.first().is_some_and(|&b| b == b'=' || b == b':') {
                    1
                } else {
                    0
                };
                if op > 0 && quoted_value(i + op) {
                    return true;
                }
                // rules-generic: a type between the name and `=`: `api_key: str = "…"`,
                // `apiSecret: string = '…'`, `var password string = "…"`, `TOKEN: &str = "…"`.
                let mut j = i;
                let colon = j < le && data[j] == b':';
                if colon {
                    j += 1;
                    while j < le && matches!(data[j], b' ' | b'\t') {
                        j += 1;
                    }
                }
                if j < le && data[j] == b'&' {
                    j += 1;
                }
                if data[j..le].starts_with(b"'static") {
                    j += 7;
                    while j < le && matches!(data[j], b' ' | b'\t') {
                        j += 1;
                    }
                }
                let t = j;
                while j < le
                    && (is_word(data[j])
                        || matches!(data[j], b'.' | b'<' | b'>' | b'[' | b']' | b'?' | b'|'))
                {
                    j += 1;
                }
                while j < le && matches!(data[j], b' ' | b'\t') {
                    j += 1;
                }
                let ty = &data[t..j];
                (colon && j > t
                    || [&b"string"[..], b"String", b"str"]
                        .iter()
                        .any(|w| ty.starts_with(w)))
                    && j < le
                    && data[j] == b'='
                    && data.get(j + 1) != Some(&b'=')
                    && quoted_value(j + 1)
            }
            Gate::LineAssignment => {
                let mut i = ls.max(p.saturating_sub(300));
                while i < p && matches!(data[i], b' ' | b'\t') {
                    i += 1;
                }
                // `export NAME=`, and (rules-generic) Dockerfile `ENV NAME=` / `ARG NAME=`, `set NAME=`.
                let prefix = [&b"export"[..], b"env", b"arg", b"set"]
                    .into_iter()
                    .find(|w| {
                        data[i..p].len() > w.len()
                            && data[i..i + w.len()].eq_ignore_ascii_case(w)
                            && matches!(data[i + w.len()], b' ' | b'\t')
                    });
                if let Some(w) = prefix {
                    i += w.len();
                    while i < p && matches!(data[i], b' ' | b'\t') {
                        i += 1;
                    }
                } else if i < p
                    && data[i] == b'-'
                    && i + 1 < p
                    && matches!(data[i + 1], b' ' | b'\t')
                {
                    i += 1;
                    while i < p && matches!(data[i], b' ' | b'\t') {
                        i += 1;
                    }
                }
                if p - i > 256
                    || !data[i..p]
                        .iter()
                        .all(|&b| is_word(b) || b == b'.' || b == b'-')
                {
                    return false;
                }
                let le = le.min(e + 256);
                let mut j = e;
                while j < le && (is_word(data[j]) || data[j] == b'.' || data[j] == b'-') {
                    j += 1;
                }
                while j < le && matches!(data[j], b' ' | b'\t') {
                    j += 1;
                }
                j < le && matches!(data[j], b'=' | b':')
            }
            Gate::DockerEnv => {
                let mut i = ls.max(p.saturating_sub(300));
                while i < p && matches!(data[i], b' ' | b'\t') {
                    i += 1;
                }
                if !(data[i..p].starts_with(b"ENV")
                    && p > i + 3
                    && matches!(data[i + 3], b' ' | b'\t'))
                {
                    return false;
                }
                i += 3;
                while i < p && matches!(data[i], b' ' | b'\t') {
                    i += 1;
                }
                if !data[i..p]
                    .iter()
                    .all(|&b| is_word(b) || b == b'.' || b == b'-')
                {
                    return false;
                }
                let le = le.min(e + 256);
                let mut j = e;
                while j < le && (is_word(data[j]) || data[j] == b'.' || data[j] == b'-') {
                    j += 1;
                }
                j < le && matches!(data[j], b' ' | b'\t')
            }
            Gate::CallArgument => {
                let le = le.min(e + 256);
                let mut i = e;
                while i < le && (is_word(data[i]) || data[i] == b'.' || data[i] == b'-') {
                    i += 1;
                }
                if i < le && matches!(data[i], b'"' | b'\'') {
                    i += 1;
                    while i < le && matches!(data[i], b' ' | b'\t') {
                        i += 1;
                    }
                    i < le && data[i] == b','
                } else {
                    while i < le && matches!(data[i], b' ' | b'\t') {
                        i += 1;
                    }
                    i < le && data[i] == b'('
                }
            }
            Gate::XmlElement => {
                let le = le.min(e + 256);
                let mut i = e;
                while i < le && (is_word(data[i]) || data[i] == b'.' || data[i] == b'-') {
                    i += 1;
                }
                if !(i < le && data[i] == b'>') {
                    return false;
                }
                let mut k = p;
                while k > ls
                    && p - k < 256
                    && (is_word(data[k - 1]) || matches!(data[k - 1], b'.' | b'-' | b':'))
                {
                    k -= 1;
                }
                k > ls && data[k - 1] == b'<'
            }
            Gate::XmlAttribute => {
                let le = le.min(e + 256);
                let mut i = e;
                while i < le && (is_word(data[i]) || matches!(data[i], b'.' | b'-' | b':')) {
                    i += 1;
                }
                if !(i < le && data[i] == b'"') {
                    return false;
                }
                i += 1;
                while i < le && matches!(data[i], b' ' | b'\t') {
                    i += 1;
                }
                if !(i < le && (data[i] == b'>' || data[i..le].starts_with(b"value"))) {
                    return false;
                }
                // rules-generic: HTML form fields (`<input name="authenticity_token" value=…>`)
                // carry per-request values rendered by the server.
                let tag = memrchr(b'<', &data[ls.max(p.saturating_sub(256))..p]);
                !tag.is_some_and(|t| {
                    let t = ls.max(p.saturating_sub(256)) + t + 1;
                    data[t..p].len() >= 5 && data[t..t + 5].eq_ignore_ascii_case(b"input")
                })
            }
            Gate::NamePair => {
                let le = le.min(e + 256);
                let mut i = e;
                while i < le && (is_word(data[i]) || data[i] == b'.' || data[i] == b'-') {
                    i += 1;
                }
                while i < le && matches!(data[i], b'"' | b'\'' | b' ' | b'\t' | b',' | b'\r') {
                    i += 1;
                }
                let value_next = i == le
                    || (data[i..le].len() >= 5 && data[i..i + 5].eq_ignore_ascii_case(b"value"))
                    || (data[i..le].len() >= 9
                        && data[i..i + 9].eq_ignore_ascii_case(b"parameter"));
                // Only then look back for the `name`/`key` that introduces the pair.
                value_next
                    && data[ls.max(p.saturating_sub(64))..p]
                        .windows(3)
                        .any(|w| w.eq_ignore_ascii_case(b"key") || w.eq_ignore_ascii_case(b"nam"))
            }
            Gate::Flag => {
                let mut k = p;
                while k > ls
                    && p - k < 256
                    && (data[k - 1].is_ascii_alphanumeric() || data[k - 1] == b'-')
                {
                    k -= 1;
                }
                if !(data[k..p].starts_with(b"--")
                    && (k == ls || matches!(data[k - 1], b' ' | b'\t' | b'"' | b'\'')))
                {
                    return false;
                }
                let le = le.min(e + 256);
                let mut i = e;
                while i < le
                    && (data[i].is_ascii_alphanumeric() || data[i] == b'-' || data[i] == b'_')
                {
                    i += 1;
                }
                i < le && matches!(data[i], b'=' | b' ' | b'\t')
            }
            Gate::Header => {
                let mut k = p;
                while k > ls
                    && p - k < 256
                    && (data[k - 1].is_ascii_alphanumeric() || data[k - 1] == b'-')
                {
                    k -= 1;
                }
                if !(k > ls && matches!(data[k - 1], b'"' | b'\'')) {
                    return false;
                }
                let le = le.min(e + 256);
                let mut i = e;
                while i < le && (data[i].is_ascii_alphanumeric() || data[i] == b'-') {
                    i += 1;
                }
                while i < le && matches!(data[i], b' ' | b'\t') {
                    i += 1;
                }
                if !(i < le && data[i] == b':') {
                    return false;
                }
                i += 1;
                while i < le && matches!(data[i], b' ' | b'\t') {
                    i += 1;
                }
                i < le && !matches!(data[i], b'"' | b'\'' | b'`' | b' ' | b'\t')
            }
        }
    }
}

/// The scan window for a keyword at `[start, end)` on the line `[ls, le)`: the line itself, or
/// on a line longer than `2 * LINE_WINDOW` the 2 KiB block holding `start` plus 512 bytes either
/// side, so all keywords in one block share one regex run.
fn window_in_line(ls: usize, le: usize, start: usize, end: usize) -> (usize, usize) {
    if le - ls <= 2 * LINE_WINDOW {
        return (ls, le);
    }
    let block = start & !2047;
    (
        ls.max(block.saturating_sub(512)),
        le.min(block + 2048 + 512).max(end),
    )
}

/// The line around `[start, end)`. On a line longer than `LINE_WINDOW` (minified or generated
/// text) the window is the 2 KiB block holding `start` plus 512 bytes either side, so every
/// keyword hit in one block shares one regex run and work stays linear in the line length.
fn line_bounds(data: &[u8], start: usize, end: usize) -> (usize, usize) {
    let lo = start.saturating_sub(LINE_WINDOW);
    let ls = memrchr(b'\n', &data[lo..start]).map(|i| lo + i + 1);
    let hi = data.len().min(end + LINE_WINDOW);
    let le = memchr(b'\n', &data[end..hi]).map(|i| end + i);
    match (ls, le) {
        (Some(ls), Some(le)) => (ls, le),
        _ => {
            let block = start & !2047;
            let ws = ls.unwrap_or(0).max(block.saturating_sub(512));
            let we = le.unwrap_or(data.len()).min(block + 2048 + 512).max(end);
            (ws, we)
        }
    }
}

fn nth_line_start_before(data: &[u8], p: usize, n: usize) -> usize {
    let lo = p.saturating_sub(2048);
    let mut s = p;
    for _ in 0..=n {
        match memrchr(b'\n', &data[lo..s]) {
            Some(i) => s = lo + i,
            None => return lo,
        }
    }
    s + 1
}

fn nth_line_end_after(data: &[u8], p: usize, n: usize) -> usize {
    let hi = data.len().min(p + 2048);
    let mut e = p;
    for _ in 0..=n {
        match memchr(b'\n', &data[e..hi]) {
            Some(i) => e = e + i + 1,
            None => return hi,
        }
    }
    e - 1
}

fn line_has_allow(data: &[u8], off: usize) -> bool {
    let (ls, le) = line_bounds(data, off, off);
    memmem::find(&data[ls..le], ALLOW_MARKER).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worst cases from the issue: a 10 MB single line dense with keywords and assignments, and
    /// a file of 1,000,000 `=` signs. Work per keyword is bounded by the per-rule window (see
    /// `window_in_line`), so both finish in time linear in the input; the token at the end of
    /// the long line is still found.
    #[test]
    fn a_10_mb_line_and_a_million_equals_signs_are_scanned_linearly() {
        let engine = Engine::new(super::super::rules::builtin());
        assert!(engine.scan(&vec![b'='; 1_000_000]).is_empty());
        let unit =
            "password=a1 token: b2 api_key='c3' aws_secret_access_key= ghp_ AKIA eyJ http://u:p@ ";
        let mut line = unit.repeat(10 * 1024 * 1024 / unit.len());
        line.push_str(" ghp_");
        line.push_str(&"aB3dE5gH7j".repeat(3));
        line.push_str("Q1w2E3");
        let hits = engine.scan(line.as_bytes());
        let gh = engine
            .rules()
            .iter()
            .position(|r| r.id == "github-token")
            .unwrap();
        assert!(hits.iter().any(|h| h.rule == gh && h.line == 1), "{hits:?}");
    }

    #[test]
    fn github_checksums_are_verified() {
        use super::super::rules::Checksum;
        // Random part and its CRC32 computed independently (Python zlib.crc32, base62 0-9A-Za-z).
        let body = "aB3dE5gH7jaB3dE5gH7jaB3dE5gH7j";
        let sum = "1qTHNg";
        assert!(checksum_ok(
            Checksum::GithubCrc32,
            &format!("ghp_{body}{sum}")
        ));
        assert!(!checksum_ok(
            Checksum::GithubCrc32,
            &format!("ghp_{body}000000")
        ));
        // GitHub's documentation sample has the shape but not the checksum.
        assert!(!checksum_ok(
            Checksum::GithubCrc32,
            "ghp_16C7e42F292c6912E7710c838347Ae178B4a"
        ));
        assert!(!checksum_ok(Checksum::GithubCrc32, "ghp_"));
    }

    #[test]
    fn entropy_of_uniform_and_constant_strings() {
        assert_eq!(shannon_entropy("aaaa"), 0.0);
        assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
    }

    #[test]
    fn placeholders_and_code_are_recognised() {
        for p in [
            "${DB_PASSWORD}",
            "<your-key>",
            "xxxxxxxx",
            "changeme123",
            "EXAMPLEKEY12",
            "dummy-value",
            "****abcd",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        for c in [
            "os.environ",
            "settings.SECRET_KEY",
            "getPassword()",
            "DB_PASSWORD",
            "password_reset",
            "getAccessToken",
            "/etc/secret.pem",
        ] {
            assert!(looks_like_code(c), "{c}");
        }
        for s in ["Zx9#kQ2!vLp4", "q8F3nT1zR7wY5mK2"] {
            assert!(!is_placeholder(s) && !looks_like_code(s), "{s}");
        }
    }

    #[test]
    fn metadata_assignees() {
        for n in [
            "password_length",
            "token_type",
            "secret_name",
            "max_tokens",
            "TOKEN_URL",
            "csrf_token",
            "api_key_id",
            "SecretId",
        ] {
            assert!(assignee_is_metadata(n), "{n}");
        }
        for n in [
            "password",
            "DB_PASSWORD",
            "api_key",
            "client_secret",
            "authToken",
            "SECRET_KEY",
        ] {
            assert!(!assignee_is_metadata(n), "{n}");
        }
    }

    #[test]
    fn base64_decoding() {
        assert_eq!(
            base64url_decode("eyJhbGciOiJIUzI1NiJ9").unwrap(),
            b"{\"alg\":\"HS256\"}"
        );
    }
}
