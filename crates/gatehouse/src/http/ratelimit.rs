//! Rate limiting for every route, run by the route guard before credentials are resolved and
//! before the handler: a refused request costs no password hash and no database read.
//!
//! The algorithm is governor's GCRA (a token bucket without a timer): a rate of `N/WINDOW`
//! allows a burst of `N` and gives one request back every `WINDOW / N`. Policies, by the route
//! table's [`RateLimitClass`] (each overridable per handler, `[rate_limit.routes."<handler>"]`):
//! - `Auth` routes: `rate_limit.auth_per_minute` per client IP (each route its own limiter), and
//!   separately per identifier for routes whose body names an account ([`identifier_field`]),
//!   so rotating the identifier from one IP is still limited by the IP. The admin login keys
//!   its identifier limit on email + IP, 5 per 5 minutes (as Strapi).
//! - `Standard` routes: `rate_limit.api_per_minute` per token (a digest of the bearer
//!   credential), else per IP, in one limiter shared by all of them.
//! - `Unlimited` routes: none, unless configured.
//!
//! Keys are 64-bit keyed hashes (IPv6 clients by their /64), so every key has the same small
//! size whatever the identifier. Memory is bounded: idle keys (whose bucket has been full again
//! for one replenish interval, so they are as good as new) are evicted by a sweep every
//! [`SWEEP_EVERY`], and a limiter never holds more than
//! `rate_limit.max_keys` keys — when a flood of distinct clients fills it and no key is idle,
//! new keys are refused (429) until some are, while clients already tracked are unaffected.
//!
//! Nothing here knows a surface's wire format: a refusal is `DomainError::RateLimited`, which
//! the route's surface renders; the headers are added by [`RateInfo::apply`].

use crate::config::{RateLimitConfig, RateText};
use crate::http::client_ip::ClientIp;
use crate::http::routes::{RateLimitClass, Route, ROUTES};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use dashmap::DashMap;
use gatehouse_domain::time::Clock as DomainClock;
use governor::clock::Clock;
use governor::middleware::StateInformationMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::ShrinkableKeyedStateStore;
use governor::state::{InMemoryState, StateStore};
use governor::{Quota, RateLimiter};
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How often a limiter evicts its idle keys (at most; a sweep runs on a request).
pub const SWEEP_EVERY: Duration = Duration::from_secs(10);
/// When a limiter is full, how often it may sweep to make room (and the `Retry-After` then).
const FULL_SWEEP_GAP: Duration = Duration::from_secs(1);
/// Shards of each limiter's map (a power of two).
const SHARDS: usize = 16;
/// The stated memory bound per key of `rate_limit.max_keys` (see `docs/configuration.md`):
/// a key and its state take 16 bytes plus a control byte, in tables at most 7/8 full that
/// double when they grow, in 16 shards that fill unevenly.
pub const BYTES_PER_KEY_BOUND: usize = 64;

/// Where an auth route's body names the account it is about: the field read for the
/// per-identifier limit (without hashing or the database). Routes not listed are limited per
/// IP only.
pub fn identifier_field(route: &str) -> Option<&'static str> {
    match route {
        "login" => Some("identifier"),
        "medusa_customer_login" => Some("email"),
        "register"
        | "forgot_password"
        | "send_email_confirmation"
        | "register_admin"
        | "admin_login"
        | "create_access_request"
        | "medusa_user_login"
        | "medusa_user_register" => Some("email"),
        _ => None,
    }
}

/// The admin login's identifier limit, as Strapi: 5 per 5 minutes per email + IP.
const ADMIN_LOGIN: RateText = RateText { count: 5, window: Duration::from_secs(300) };

/// The limiter's time source: monotonic in production; in tests it follows the domain's
/// injected clock, so moving that clock refills buckets without sleeping.
#[derive(Clone)]
pub enum LimiterClock {
    /// Time since the limiter was built, from the monotonic clock.
    Monotonic(Instant),
    /// Time as an injected clock tells it (milliseconds since its first reading).
    Following(Arc<dyn DomainClock>, i64),
}

impl LimiterClock {
    /// The monotonic clock.
    pub fn monotonic() -> Self {
        Self::Monotonic(Instant::now())
    }

    /// Follows `clock`.
    pub fn following(clock: Arc<dyn DomainClock>) -> Self {
        let origin = clock.now().as_millis();
        Self::Following(clock, origin)
    }
}

impl Clock for LimiterClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        match self {
            Self::Monotonic(origin) => Nanos::from(origin.elapsed()),
            Self::Following(clock, origin) => {
                let millis = u64::try_from(clock.now().as_millis().saturating_sub(*origin)).unwrap_or(0);
                Nanos::from(millis.saturating_mul(1_000_000))
            }
        }
    }
}

type Keys = DashMap<u64, InMemoryState, RandomState>;

/// governor's own keyed state (a `DashMap` of its `InMemoryState`), shared with the
/// [`Limiter`] so it can count and bound the keys.
struct SharedKeys(Arc<Keys>);

impl StateStore for SharedKeys {
    type Key = u64;

    fn measure_and_replace<T, F, E>(&self, key: &u64, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        StateStore::measure_and_replace(&*self.0, key, f)
    }
}

impl ShrinkableKeyedStateStore<u64> for SharedKeys {
    fn retain_recent(&self, drop_below: Nanos) {
        ShrinkableKeyedStateStore::retain_recent(&*self.0, drop_below);
    }

    fn shrink_to_fit(&self) {
        self.0.shrink_to_fit();
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What the headers of a limited answer say, for the key closest to its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateInfo {
    /// Requests per window.
    pub limit: u32,
    /// Requests left now.
    pub remaining: u32,
    /// Until the whole quota is back.
    pub reset: Duration,
}

impl RateInfo {
    /// The one that binds first: fewer remaining, then the smaller limit.
    fn tighter(self, other: Self) -> Self {
        if (other.remaining, other.limit) < (self.remaining, self.limit) {
            other
        } else {
            self
        }
    }

    /// Adds `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds, per the IETF
    /// draft) and, for surfaces that follow Strapi, `X-RateLimit-*` (the reset as a Unix time).
    pub fn apply(&self, headers: &mut HeaderMap, strapi_headers: bool) {
        let reset = ceil_secs(self.reset);
        headers.insert(HeaderName::from_static("ratelimit-limit"), HeaderValue::from(self.limit));
        headers.insert(HeaderName::from_static("ratelimit-remaining"), HeaderValue::from(self.remaining));
        headers.insert(HeaderName::from_static("ratelimit-reset"), HeaderValue::from(reset));
        if strapi_headers {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs());
            headers.insert(HeaderName::from_static("x-ratelimit-limit"), HeaderValue::from(self.limit));
            headers.insert(HeaderName::from_static("x-ratelimit-remaining"), HeaderValue::from(self.remaining));
            headers.insert(HeaderName::from_static("x-ratelimit-reset"), HeaderValue::from(now + reset));
        }
    }
}

/// Whole seconds, rounded up.
pub fn ceil_secs(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// A limiter's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Let through.
    Allowed(RateInfo),
    /// Refused: retry after this long.
    Refused(RateInfo, Duration),
}

/// One keyed limiter: one rate, many keys.
pub struct Limiter {
    name: String,
    limit: u32,
    window: Duration,
    interval: Duration,
    keys: Arc<Keys>,
    governor: RateLimiter<u64, SharedKeys, LimiterClock, StateInformationMiddleware>,
    max_keys: usize,
    next_sweep: AtomicU64,
    next_full_sweep: AtomicU64,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter").field("name", &self.name).field("limit", &self.limit).finish_non_exhaustive()
    }
}

impl Limiter {
    /// A limiter of `rate` holding at most `max_keys` keys.
    pub fn new(name: impl Into<String>, rate: RateText, max_keys: usize, clock: LimiterClock) -> Self {
        let limit = NonZeroU32::new(rate.count).unwrap_or(NonZeroU32::MIN);
        let interval = (rate.window / limit.get()).max(Duration::from_nanos(1));
        let quota = Quota::with_period(interval).unwrap_or_else(|| Quota::per_second(limit)).allow_burst(limit);
        let keys = Arc::new(Keys::with_capacity_and_hasher_and_shard_amount(0, RandomState::new(), SHARDS));
        let governor: RateLimiter<u64, SharedKeys, LimiterClock, StateInformationMiddleware> =
            RateLimiter::new(quota, SharedKeys(keys.clone()), clock);
        Self {
            name: name.into(),
            limit: limit.get(),
            window: rate.window,
            interval,
            keys,
            governor,
            max_keys,
            next_sweep: AtomicU64::new(0),
            next_full_sweep: AtomicU64::new(0),
        }
    }

    /// The rate it was built with.
    pub fn rate(&self) -> RateText {
        RateText { count: self.limit, window: self.window }
    }

    /// Which limiter this is (`api`, `login per IP`, …).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Keys held now.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The memory the key tables take: every slot they have room for (a key, its state and a
    /// control byte, in tables at most 7/8 full) and the shards themselves.
    pub fn memory_bytes(&self) -> usize {
        let slot = std::mem::size_of::<(u64, InMemoryState)>() + 1;
        self.keys.capacity() * slot * 8 / 7 + SHARDS * 128
    }

    /// The bound [`Limiter::memory_bytes`] stays under.
    pub fn memory_bound(&self) -> usize {
        self.max_keys * BYTES_PER_KEY_BOUND
    }

    /// Counts one request for `key`.
    pub fn check(&self, key: u64) -> Verdict {
        let now = self.governor.clock().now();
        if now.as_u64() >= self.next_sweep.load(Ordering::Relaxed) {
            self.sweep(now, &self.next_sweep, SWEEP_EVERY);
        }
        if !self.keys.contains_key(&key) && self.keys.len() >= self.max_keys {
            if now.as_u64() >= self.next_full_sweep.load(Ordering::Relaxed) {
                self.sweep(now, &self.next_full_sweep, FULL_SWEEP_GAP);
            }
            if self.keys.len() >= self.max_keys {
                let info = RateInfo { limit: self.limit, remaining: 0, reset: FULL_SWEEP_GAP };
                return Verdict::Refused(info, FULL_SWEEP_GAP);
            }
        }
        match self.governor.check_key(&key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity().min(self.limit);
                let reset = self.interval * (self.limit - remaining);
                Verdict::Allowed(RateInfo { limit: self.limit, remaining, reset })
            }
            Err(refusal) => {
                let wait = refusal.wait_time_from(now).max(Duration::from_millis(1));
                let reset = wait + self.interval * (self.limit - 1);
                Verdict::Refused(RateInfo { limit: self.limit, remaining: 0, reset }, wait)
            }
        }
    }

    /// Evicts the keys whose bucket has been full for an interval (governor's `retain_recent`:
    /// they are as good as new), once per `gap`:
    /// the request that wins the race does it.
    fn sweep(&self, now: Nanos, next: &AtomicU64, gap: Duration) {
        let scheduled = next.load(Ordering::Relaxed);
        let following = now.as_u64().saturating_add(Nanos::from(gap).as_u64());
        if now.as_u64() < scheduled
            || next.compare_exchange(scheduled, following, Ordering::AcqRel, Ordering::Relaxed).is_err()
        {
            return;
        }
        let before = self.keys.len();
        self.governor.retain_recent();
        let after = self.keys.len();
        if after * 4 < self.keys.capacity() {
            self.governor.shrink_to_fit();
        }
        if before != after {
            tracing::debug!(limiter = %self.name, evicted = before - after, kept = after, "rate limiter swept");
        }
    }
}

/// How a limiter keys the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClientKey {
    /// The client IP.
    Ip,
    /// A digest of the bearer credential when one is sent, else the client IP.
    TokenOrIp,
}

/// One route's limits.
#[derive(Debug)]
pub struct RoutePolicy {
    client: Option<(Arc<Limiter>, ClientKey)>,
    identifier: Option<IdentifierLimit>,
    hasher: RandomState,
}

#[derive(Debug)]
struct IdentifierLimit {
    limiter: Arc<Limiter>,
    field: &'static str,
    with_ip: bool,
}

impl RoutePolicy {
    /// Counts a request from `client` with these headers and (buffered) body: the identifier
    /// limit first, then the client's, so that a request the identifier limit refuses costs the
    /// client nothing. `Allowed` carries the tighter of the two.
    pub fn check(&self, client: ClientIp, headers: &HeaderMap, body: Option<&[u8]>) -> Verdict {
        let mut info: Option<RateInfo> = None;
        if let Some(limit) = &self.identifier {
            if let Some(identifier) = body.and_then(|body| identifier_in(body, limit.field)) {
                let key = if limit.with_ip {
                    self.hasher.hash_one((4u8, identifier.as_str(), ip_key(client.0)))
                } else {
                    self.hasher.hash_one((3u8, identifier.as_str()))
                };
                match limit.limiter.check(key) {
                    Verdict::Allowed(allowed) => info = Some(allowed),
                    refused => return refused,
                }
            }
        }
        if let Some((limiter, kind)) = &self.client {
            let token = match kind {
                ClientKey::TokenOrIp => crate::http::caller::bearer_token(headers),
                ClientKey::Ip => None,
            };
            let key = match token {
                Some(token) => self.hasher.hash_one((2u8, token)),
                None => self.hasher.hash_one((1u8, ip_key(client.0))),
            };
            match limiter.check(key) {
                Verdict::Allowed(allowed) => info = Some(info.map_or(allowed, |info| info.tighter(allowed))),
                refused => return refused,
            }
        }
        match info {
            Some(info) => Verdict::Allowed(info),
            None => Verdict::Allowed(RateInfo { limit: 0, remaining: 0, reset: Duration::ZERO }),
        }
    }

    /// Whether the route has any limit (else it answers without rate-limit headers).
    pub fn is_limited(&self) -> bool {
        self.client.is_some() || self.identifier.is_some()
    }
}

/// The address a key is made of: IPv4 whole, IPv6 by its /64 (one subscriber's block).
fn ip_key(address: IpAddr) -> (u8, u128) {
    match address {
        IpAddr::V4(v4) => (4, u128::from(u32::from(v4))),
        IpAddr::V6(v6) => (6, u128::from(v6) >> 64),
    }
}

/// The normalised, folded identifier the body names in `field`, if it names one: the
/// domain's own identifier key, so `Alice@Example.com ` and `alice@example.com` are one key.
fn identifier_in(body: &[u8], field: &str) -> Option<String> {
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body).ok()?;
    let raw = object.get(field)?.as_str()?;
    gatehouse_domain::values::identifier_key(raw)
}

/// Every route's policy, built once from the configuration.
#[derive(Debug, Default)]
pub struct RateLimits {
    policies: HashMap<&'static str, Arc<RoutePolicy>>,
    limiters: Vec<Arc<Limiter>>,
}

impl RateLimits {
    /// Nothing limited.
    pub fn disabled() -> Self {
        Self::default()
    }

    /// The policies `config` describes (none when it is disabled). Route names were checked
    /// by the configuration; an unknown one is ignored here.
    pub fn new(config: &RateLimitConfig, clock: &LimiterClock) -> Self {
        Self::with_routes(config, clock, &[])
    }

    /// [`RateLimits::new`] for the built-in routes and `added` (an application's).
    pub fn with_routes(config: &RateLimitConfig, clock: &LimiterClock, added: &[&'static Route]) -> Self {
        if !config.enabled {
            return Self::disabled();
        }
        let hasher = RandomState::new();
        let limiter = |name: String, rate: RateText| Arc::new(Limiter::new(name, rate, config.max_keys, clock.clone()));
        let api = limiter("api per token or IP".to_owned(), RateText::per_minute(config.api_per_minute));
        let auth = RateText::per_minute(config.auth_per_minute);
        let mut limits = Self { policies: HashMap::new(), limiters: vec![api.clone()] };
        for route in ROUTES.iter().chain(added.iter().copied()) {
            let custom = config.routes.get(route.name);
            if custom.is_some_and(|custom| !custom.enabled) {
                continue;
            }
            let per_client = custom.and_then(|custom| custom.per_client);
            let per_identifier = custom.and_then(|custom| custom.per_identifier);
            let field = identifier_field(route.name);
            let (client, identifier) = match route.rate_limit {
                RateLimitClass::Auth => {
                    let client = limiter(format!("{} per IP", route.name), per_client.unwrap_or(auth));
                    let identifier = field.map(|field| {
                        // The admin logins (Strapi's and Medusa's) key on email + IP, as Strapi.
                        let with_ip = matches!(route.name, "admin_login" | "medusa_user_login");
                        let default = if with_ip { ADMIN_LOGIN } else { auth };
                        let name = format!("{} per {}", route.name, if with_ip { "email + IP" } else { "identifier" });
                        IdentifierLimit { limiter: limiter(name, per_identifier.unwrap_or(default)), field, with_ip }
                    });
                    (Some((client, ClientKey::Ip)), identifier)
                }
                RateLimitClass::Standard | RateLimitClass::Unlimited => {
                    let client = match (per_client, route.rate_limit) {
                        (Some(rate), _) => Some(limiter(format!("{} per token or IP", route.name), rate)),
                        (None, RateLimitClass::Standard) => Some(api.clone()),
                        (None, _) => None,
                    };
                    let identifier = field.zip(per_identifier).map(|(field, rate)| IdentifierLimit {
                        limiter: limiter(format!("{} per identifier", route.name), rate),
                        field,
                        with_ip: false,
                    });
                    (client.map(|client| (client, ClientKey::TokenOrIp)), identifier)
                }
            };
            for own in client.iter().map(|(limiter, _)| limiter).chain(identifier.iter().map(|limit| &limit.limiter)) {
                if !limits.limiters.iter().any(|known| Arc::ptr_eq(known, own)) {
                    limits.limiters.push(own.clone());
                }
            }
            let policy = RoutePolicy { client, identifier, hasher: hasher.clone() };
            if policy.is_limited() {
                limits.policies.insert(route.name, Arc::new(policy));
            }
        }
        limits
    }

    /// The policy of `route`, if it is limited.
    pub fn policy(&self, route: &Route) -> Option<Arc<RoutePolicy>> {
        self.policies.get(route.name).cloned()
    }

    /// The limits of `route` in words (`10/1m per IP, 10/1m per identifier`), or `None` when
    /// it is not limited.
    pub fn describe(&self, route: &Route) -> Option<String> {
        let policy = self.policies.get(route.name)?;
        let mut parts = Vec::new();
        if let Some((limiter, key)) = &policy.client {
            let per = match key {
                ClientKey::Ip => "per IP",
                ClientKey::TokenOrIp => "per token or IP",
            };
            parts.push(format!("{} {per}", limiter.rate()));
        }
        if let Some(identifier) = &policy.identifier {
            let per = if identifier.with_ip { "per email + IP" } else { "per identifier" };
            parts.push(format!("{} {per}", identifier.limiter.rate()));
        }
        Some(parts.join(", "))
    }

    /// Every limiter (each route's own, and the shared one).
    pub fn limiters(&self) -> &[Arc<Limiter>] {
        &self.limiters
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_domain::time::ManualClock;
    use std::net::Ipv4Addr;

    fn manual() -> (Arc<ManualClock>, LimiterClock) {
        let clock = Arc::new(ManualClock::new());
        (clock.clone(), LimiterClock::following(clock))
    }

    #[test]
    fn the_eleventh_request_in_a_minute_is_refused_until_a_request_is_given_back() {
        let (clock, limiter_clock) = manual();
        let limiter = Limiter::new("test", RateText::per_minute(10), 1000, limiter_clock);
        for sent in 1..=10 {
            match limiter.check(7) {
                Verdict::Allowed(info) => assert_eq!((info.limit, info.remaining), (10, 10 - sent)),
                refused => panic!("request {sent} refused: {refused:?}"),
            }
        }
        let Verdict::Refused(info, retry_after) = limiter.check(7) else { panic!("the 11th passed") };
        assert_eq!(info.remaining, 0);
        assert!(retry_after <= Duration::from_secs(6) && retry_after > Duration::from_secs(5), "{retry_after:?}");
        assert!(matches!(limiter.check(8), Verdict::Allowed(_)), "another key is not affected");
        clock.advance(Duration::from_secs(6));
        assert!(matches!(limiter.check(7), Verdict::Allowed(_)));
        assert!(matches!(limiter.check(7), Verdict::Refused(..)));
    }

    #[test]
    fn idle_keys_are_evicted_by_the_sweep() {
        let (clock, limiter_clock) = manual();
        let limiter = Limiter::new("test", RateText::per_minute(10), 1000, limiter_clock);
        for key in 0..500 {
            limiter.check(key);
        }
        assert_eq!(limiter.len(), 500);
        clock.advance(SWEEP_EVERY);
        limiter.check(10_000);
        assert_eq!(limiter.len(), 501, "a bucket is kept until it has been full for one interval (6 s)");
        clock.advance(SWEEP_EVERY);
        limiter.check(10_001);
        assert_eq!(limiter.len(), 2, "the 500 first keys made their one request 20 s ago");
    }

    /// A flood of 1,000,000 distinct client IPs at the login's per-IP limiter (the default
    /// policy), first all at once, then spread over time: the limiter never holds more than
    /// `max_keys` keys and its tables stay under the stated memory bound.
    #[test]
    fn a_million_distinct_ips_leave_the_limiter_under_its_memory_bound() {
        let (clock, limiter_clock) = manual();
        let config = RateLimitConfig::default();
        let limits = RateLimits::new(&config, &limiter_clock);
        let login = ROUTES.iter().find(|route| route.name == "login").unwrap();
        let policy = limits.policy(login).unwrap();
        let per_ip = limits.limiters().iter().find(|limiter| limiter.name() == "login per IP").unwrap();
        let headers = HeaderMap::new();
        let mut allowed = [0u32; 2];
        let mut peak = 0;
        for n in 0..1_000_000u32 {
            let half = usize::from(n >= 500_000);
            if n == 500_000 {
                clock.advance(Duration::from_secs(60));
            } else if half == 1 && n % 1_000 == 0 {
                // The second half arrives at 1,000 new IPs a second.
                clock.advance(Duration::from_secs(1));
            }
            let client = ClientIp(IpAddr::V4(Ipv4Addr::from(0x0A00_0000 + n)));
            if let Verdict::Allowed(_) = policy.check(client, &headers, None) {
                allowed[half] += 1;
            }
            assert!(per_ip.len() <= config.max_keys, "{} keys after {n} IPs", per_ip.len());
            if n % 1_000 == 999 {
                peak = peak.max(per_ip.memory_bytes());
            }
        }
        let bound = per_ip.memory_bound();
        println!("1,000,000 IPs: at most {peak} bytes (bound {bound}), {} keys at the end", per_ip.len());
        assert!(peak <= bound, "{peak} bytes > the stated {bound}");
        assert_eq!(
            allowed[0] as usize, config.max_keys,
            "all at once: the first max_keys are served, the rest refused"
        );
        assert_eq!(allowed[1], 500_000, "spread out, idle keys make room for new ones");
    }

    #[test]
    fn a_rotating_identifier_from_one_ip_is_still_limited_by_the_ip() {
        let (_clock, limiter_clock) = manual();
        let limits = RateLimits::new(&RateLimitConfig::default(), &limiter_clock);
        let login = ROUTES.iter().find(|route| route.name == "login").unwrap();
        let policy = limits.policy(login).unwrap();
        let client = ClientIp(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
        for n in 0..10 {
            let body = format!(r#"{{"identifier":"user{n}@example.com","password":"x"}}"#);
            assert!(matches!(policy.check(client, &HeaderMap::new(), Some(body.as_bytes())), Verdict::Allowed(_)));
        }
        let body = br#"{"identifier":"fresh@example.com","password":"x"}"#;
        assert!(matches!(policy.check(client, &HeaderMap::new(), Some(body)), Verdict::Refused(..)));
    }

    #[test]
    fn identifiers_are_keyed_in_their_normalised_folded_form() {
        assert_eq!(identifier_in(br#"{"email":" Alice@Example.COM"}"#, "email").as_deref(), Some("alice@example.com"));
        assert_eq!(identifier_in(br#"{"email":42}"#, "email"), None);
        assert_eq!(identifier_in(b"not json", "email"), None);
    }

    #[test]
    fn every_identifier_route_is_an_auth_route() {
        for route in ROUTES.iter().filter(|route| identifier_field(route.name).is_some()) {
            assert_eq!(route.rate_limit, RateLimitClass::Auth, "{}", route.name);
        }
        let named = ROUTES.iter().filter(|route| identifier_field(route.name).is_some()).count();
        assert_eq!(named, 10, "every listed handler exists");
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_block() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(ip_key(a), ip_key(b));
        assert_ne!(ip_key(a), ip_key(c));
    }
}
