//! Retries and pacing of every AWS call (issue 20): transient failures are retried against a
//! time budget, permanent ones never; each (account, region, API) shares one adaptive rate
//! limiter; what happened is counted per region for the report.
//!
//! - **Transient**: throttling (any throttling error code, HTTP 429), HTTP 5xx, timeouts,
//!   dropped connections and unreadable responses. Retried with capped exponential backoff and
//!   full jitter (`sleep = random(0, min(cap, base·2^n))`), never sooner than a `Retry-After`
//!   header asks, until the call's time budget is spent. Then comes the **second pass**: after
//!   a pause, one last attempt; only if that fails too does the call become a gap.
//!   A call that gets no answer at all from an endpoint that has never answered in this run
//!   (wrong endpoint, no network) is tried three times only, without a second pass.
//! - **Permanent**: everything else (AccessDenied, validation, not found): returned at once.
//! - **Pacing**: one [`Limiter`] per (account, region, API). It does nothing until that API is
//!   first throttled; from then it spaces the API's calls at a rate that grows additively with
//!   each success and shrinks multiplicatively (×0.7, at most once a second) with throttles,
//!   starting from 0.7 × the rate the API was called at (at least 10 calls/s).
//!   Throttled calls then wait their turn at the limiter instead of backing off blindly, so the
//!   API's calls stay near the server's limit without a burst of retries. The once-a-second cut
//!   is what keeps it from collapsing under throttling that is random rather than rate-based.
//!
//! The SDK's own retries are switched off in this mode (`RetryConfig::disabled()`), so every
//! attempt passes through here and is counted. `retry_mode = "sdk-adaptive"` or
//! `"sdk-standard"` give the SDK's strategies instead (kept to benchmark against, see
//! docs/benchmarks.md): then each call is one pass through here and the SDK retries inside it.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde::Deserialize;

use crate::cause::{THROTTLING_CODES, TRANSIENT_CODES};
use crate::inventory::{CallStats, Operation};

/// How calls are retried (`[collection] retry_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RetryMode {
    /// Time budget, second pass, per-API adaptive limiter (this module).
    #[default]
    Secretlens,
    /// The same without the limiter (throttled calls only back off).
    SecretlensNoLimiter,
    /// The SDK's adaptive mode with `max_attempts` (what secretlens did before issue 20).
    SdkAdaptive,
    /// The SDK's standard mode with `max_attempts`.
    SdkStandard,
}

impl RetryMode {
    pub fn is_sdk(self) -> bool {
        matches!(self, RetryMode::SdkAdaptive | RetryMode::SdkStandard)
    }
}

/// Retry settings of one run.
#[derive(Debug, Clone)]
pub struct RetrySettings {
    pub mode: RetryMode,
    /// Time a call may spend retrying transient failures before its second pass.
    pub budget: Duration,
    /// At most this many attempts in the main pass (the budget usually ends it first).
    pub max_attempts: u32,
    /// First backoff step, and the cap of any one backoff.
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetrySettings {
    fn default() -> Self {
        RetrySettings {
            mode: RetryMode::Secretlens,
            budget: Duration::from_secs(60),
            max_attempts: 30,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(10),
        }
    }
}

impl RetrySettings {
    /// The pause before the second pass: long enough for a burst to pass, short against the
    /// budget.
    fn second_pass_pause(&self) -> Duration {
        (self.budget / 4).min(Duration::from_secs(10))
    }
}

/// Why an attempt failed, for retrying and counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Failure {
    Throttled,
    /// HTTP 5xx or a service-side transient error code.
    Server,
    /// Timeout, dropped connection, unreadable response.
    Transport,
    /// No answer at all (connection refused, DNS, TLS) from an endpoint that has not answered
    /// anything yet in this run: probably the wrong endpoint, not a blip. A few attempts only,
    /// so that a first run against a bad endpoint fails in seconds, not in minutes.
    Unreachable,
    Permanent,
}

pub(super) fn classify<E: ProvideErrorMetadata>(
    err: &SdkError<E, HttpResponse>,
) -> (Failure, Option<Duration>) {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            let status = err.raw_response().map(|r| r.status().as_u16());
            match status {
                Some(429) => (Failure::Throttled, retry_after(err)),
                Some(s) if s >= 500 => (Failure::Server, retry_after(err)),
                _ => (Failure::Transport, None),
            }
        }
        SdkError::ServiceError(_) => {
            let code = err.code().unwrap_or("");
            let status = err.raw_response().map(|r| r.status().as_u16()).unwrap_or(0);
            let failure = if THROTTLING_CODES.contains(&code) || status == 429 {
                Failure::Throttled
            } else if TRANSIENT_CODES.contains(&code) || status >= 500 {
                Failure::Server
            } else {
                Failure::Permanent
            };
            (failure, retry_after(err))
        }
        _ => (Failure::Permanent, None),
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by AWS APIs), at most 5 minutes.
fn retry_after<E>(err: &SdkError<E, HttpResponse>) -> Option<Duration> {
    let v = err.raw_response()?.headers().get("retry-after")?;
    let secs: f64 = v.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(300.0)))
}

/// The shared retry state of one collection run.
#[derive(Debug)]
pub struct Retrier {
    settings: RetrySettings,
    limiters: Mutex<HashMap<(String, String, String), Arc<Limiter>>>,
    stats: Mutex<BTreeMap<(String, String), CallStats>>,
    /// Regions whose endpoints have answered at least once (reachability is per region; the
    /// account id may not be known yet).
    answered: Mutex<std::collections::HashSet<String>>,
    rng: Mutex<u64>,
}

impl Retrier {
    pub fn new(settings: RetrySettings) -> Retrier {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9_7f4a_7c15);
        Retrier {
            settings,
            limiters: Mutex::new(HashMap::new()),
            stats: Mutex::new(BTreeMap::new()),
            answered: Mutex::new(std::collections::HashSet::new()),
            rng: Mutex::new(seed | 1),
        }
    }

    /// Runs `attempt` (one SDK call) until it succeeds, fails permanently, or its budget and
    /// second pass are spent. `account`/`region` name the scope it is counted and paced in.
    pub async fn call<T, E, F, Fut>(
        &self,
        account: &str,
        region: &str,
        operation: &Operation,
        mut attempt: F,
    ) -> Result<T, SdkError<E, HttpResponse>>
    where
        E: ProvideErrorMetadata,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    {
        let s = &self.settings;
        let limiter = (s.mode == RetryMode::Secretlens)
            .then(|| self.limiter(account, region, operation.as_str()));
        let mut tally = Tally::default();
        let mut deadline = Instant::now() + s.budget;
        let mut attempts: u32 = 0;
        let mut second_pass = false;
        let result = loop {
            if let Some(l) = &limiter {
                let wait = l.reserve();
                if !wait.is_zero() {
                    deadline += wait;
                    tokio::time::sleep(wait).await;
                }
            }
            attempts += 1;
            let r = attempt().await;
            let err = match r {
                Ok(v) => {
                    if let Some(l) = &limiter {
                        l.succeeded();
                    }
                    self.answered(region);
                    break Ok(v);
                }
                Err(e) => e,
            };
            if s.mode.is_sdk() {
                break Err(err);
            }
            let (mut failure, after) = classify(&err);
            if err.raw_response().is_some() {
                self.answered(region);
            } else if matches!(err, SdkError::DispatchFailure(_)) && !self.has_answered(region) {
                failure = Failure::Unreachable;
            }
            match failure {
                Failure::Permanent => break Err(err),
                Failure::Unreachable => {
                    tally.transport += 1;
                    if attempts >= UNREACHABLE_ATTEMPTS {
                        tally.gave_up = true;
                        break Err(err);
                    }
                    tokio::time::sleep(self.backoff(attempts)).await;
                    continue;
                }
                Failure::Throttled => {
                    tally.throttled += 1;
                    if let Some(l) = &limiter {
                        l.throttled();
                    }
                }
                Failure::Server => tally.server += 1,
                Failure::Transport => tally.transport += 1,
            }
            if second_pass {
                tally.gave_up = true;
                break Err(err);
            }
            let backoff = self.backoff(attempts).max(after.unwrap_or_default());
            tracing::debug!(
                account, region, operation = %operation, attempt = attempts, failure = ?failure,
                backoff_ms = backoff.as_millis() as u64, "transient failure, retrying"
            );
            let now = Instant::now();
            if attempts >= s.max_attempts || now + backoff > deadline {
                // Main pass over: one last attempt after a pause.
                second_pass = true;
                tally.second_pass = true;
                tokio::time::sleep(s.second_pass_pause().max(after.unwrap_or_default())).await;
                continue;
            }
            tokio::time::sleep(backoff).await;
        };
        tally.attempts = attempts;
        self.record(account, region, &tally, result.is_ok());
        result
    }

    /// Full jitter: a random delay in [0, min(cap, base·2^(attempt-1))].
    fn backoff(&self, attempt: u32) -> Duration {
        let s = &self.settings;
        let ceiling = s
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
            .min(s.cap);
        let r = {
            let mut x = self.rng.lock().unwrap_or_else(|p| p.into_inner());
            // xorshift64*: jitter needs spread, not quality.
            *x ^= *x >> 12;
            *x ^= *x << 25;
            *x ^= *x >> 27;
            x.wrapping_mul(0x2545_f491_4f6c_dd1d)
        };
        ceiling.mul_f64((r >> 11) as f64 / (1u64 << 53) as f64)
    }

    fn answered(&self, region: &str) {
        let mut m = self.answered.lock().unwrap_or_else(|p| p.into_inner());
        if !m.contains(region) {
            m.insert(region.to_string());
        }
    }

    fn has_answered(&self, region: &str) -> bool {
        let m = self.answered.lock().unwrap_or_else(|p| p.into_inner());
        m.contains(region)
    }

    fn limiter(&self, account: &str, region: &str, op: &str) -> Arc<Limiter> {
        let mut m = self.limiters.lock().unwrap_or_else(|p| p.into_inner());
        m.entry((account.to_string(), region.to_string(), op.to_string()))
            .or_insert_with(|| Arc::new(Limiter::new()))
            .clone()
    }

    fn record(&self, account: &str, region: &str, t: &Tally, ok: bool) {
        let call = CallStats {
            account: account.to_string(),
            region: region.to_string(),
            calls: 1,
            attempts: u64::from(t.attempts),
            retried_calls: u64::from(t.attempts > 1),
            throttled: t.throttled,
            server_errors: t.server,
            transport_errors: t.transport,
            second_pass_calls: u64::from(t.second_pass),
            failed_after_retries: u64::from(t.gave_up && !ok),
        };
        let mut m = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        m.entry((account.to_string(), region.to_string()))
            .and_modify(|e| e.add(&call))
            .or_insert(call);
    }

    /// The counts per (account, region), for the inventory. Calls made for an account before
    /// its id was known are counted under an empty account.
    pub fn stats(&self) -> Vec<CallStats> {
        let m = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        m.values().cloned().collect()
    }
}

/// Attempts of a call to an endpoint that has never answered.
const UNREACHABLE_ATTEMPTS: u32 = 3;

#[derive(Debug, Default)]
struct Tally {
    attempts: u32,
    throttled: u64,
    server: u64,
    transport: u64,
    second_pass: bool,
    /// The call ended on a transient failure (retries exhausted), not on an answer: a call
    /// throttled once and then answered with a permanent error (NotFound, AccessDenied) did
    /// not fail *after retries*.
    gave_up: bool,
}

/// Additive-increase, multiplicative-decrease pacing of one API in one account and region.
#[derive(Debug)]
struct Limiter {
    s: Mutex<LimiterState>,
}

#[derive(Debug)]
struct LimiterState {
    /// Pacing only after the first throttle.
    active: bool,
    /// Calls per second while active.
    rate: f64,
    /// The earliest instant the next call may start.
    next: Instant,
    last_cut: Option<Instant>,
    /// Calls started in the current one-second window, and the rate of the last window.
    window_start: Instant,
    window_calls: u32,
    measured: f64,
}

const MIN_RATE: f64 = 0.5;
const START_RATE: f64 = 10.0;
const MAX_RATE: f64 = 2_000.0;
const CUT: f64 = 0.7;
const STEP: f64 = 0.5;

impl Limiter {
    fn new() -> Limiter {
        let now = Instant::now();
        Limiter {
            s: Mutex::new(LimiterState {
                active: false,
                rate: MAX_RATE,
                next: now,
                last_cut: None,
                window_start: now,
                window_calls: 0,
                measured: 0.0,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, LimiterState> {
        self.s.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes the next slot: how long to wait before starting the call.
    fn reserve(&self) -> Duration {
        let now = Instant::now();
        let mut s = self.state();
        let elapsed = now.duration_since(s.window_start);
        if elapsed >= Duration::from_secs(1) {
            s.measured = f64::from(s.window_calls) / elapsed.as_secs_f64();
            s.window_start = now;
            s.window_calls = 0;
        }
        s.window_calls += 1;
        if !s.active {
            return Duration::ZERO;
        }
        let slot = s.next.max(now);
        s.next = slot + Duration::from_secs_f64(1.0 / s.rate);
        slot - now
    }

    fn throttled(&self) {
        let now = Instant::now();
        let mut s = self.state();
        if s.last_cut
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(1))
        {
            return;
        }
        let current = if s.active {
            s.rate
        } else {
            // The rate the API was being called at when the server first pushed back.
            let elapsed = now.duration_since(s.window_start).as_secs_f64().max(0.25);
            s.measured.max(f64::from(s.window_calls) / elapsed)
        };
        // A first throttle of a sparse API (a few calls a second) says little about its limit:
        // pacing starts no lower than START_RATE and comes down only if throttling goes on.
        let floor = if s.active { MIN_RATE } else { START_RATE };
        s.rate = (current * CUT).clamp(floor, MAX_RATE);
        s.active = true;
        s.last_cut = Some(now);
    }

    fn succeeded(&self) {
        let mut s = self.state();
        if s.active {
            s.rate += STEP;
            if s.rate >= MAX_RATE {
                s.active = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_is_idle_until_throttled_then_cuts_at_most_once_a_second() {
        let l = Limiter::new();
        for _ in 0..50 {
            assert_eq!(l.reserve(), Duration::ZERO);
        }
        l.throttled();
        let first = l.state().rate;
        assert!(l.state().active);
        assert!(
            (MIN_RATE..=50.0 / 0.25 * CUT + 1e-9).contains(&first),
            "{first}"
        );
        l.throttled(); // within the same second: no second cut
        assert_eq!(l.state().rate, first);
        l.succeeded();
        assert!((l.state().rate - (first + STEP)).abs() < 1e-9);
    }

    #[test]
    fn an_active_limiter_spaces_calls_at_its_rate() {
        let l = Limiter::new();
        {
            let mut s = l.state();
            s.active = true;
            s.rate = 10.0;
        }
        let waits: Vec<Duration> = (0..5).map(|_| l.reserve()).collect();
        // Slots 100 ms apart: the fifth waits about 400 ms (minus the time this loop took).
        assert!(waits[0] < Duration::from_millis(50), "{waits:?}");
        assert!(waits[4] > Duration::from_millis(300), "{waits:?}");
        assert!(waits[4] <= Duration::from_millis(400), "{waits:?}");
    }

    #[test]
    fn reachability_is_remembered_per_region() {
        let r = Retrier::new(RetrySettings::default());
        assert!(!r.has_answered("eu-west-1"));
        r.answered("eu-west-1");
        r.answered("eu-west-1");
        assert!(r.has_answered("eu-west-1"));
        assert!(!r.has_answered("us-east-1"));
    }

    #[test]
    fn backoff_is_full_jitter_below_the_capped_exponential() {
        let r = Retrier::new(RetrySettings::default());
        for attempt in 1..40 {
            let ceiling = Duration::from_millis(100)
                .saturating_mul(1 << (attempt - 1).min(20))
                .min(Duration::from_secs(10));
            for _ in 0..20 {
                assert!(r.backoff(attempt) <= ceiling);
            }
        }
        let spread: std::collections::BTreeSet<Duration> = (0..50).map(|_| r.backoff(8)).collect();
        assert!(spread.len() > 40, "jitter spreads the delays");
    }
}
