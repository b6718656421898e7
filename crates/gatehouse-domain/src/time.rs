//! Timestamps and the injected clock. Time is stored as milliseconds since the Unix epoch (UTC)
//! so it sorts the same on every backend; it is written on the wire as RFC 3339 with
//! milliseconds.

use chrono::{DateTime, SecondsFormat, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// A point in time, in milliseconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The timestamp `millis` milliseconds after the epoch.
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// Whole seconds since the epoch (JWT `iat`/`exp`).
    pub const fn as_secs(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// This timestamp moved forward by `duration` (saturating).
    pub fn plus(self, duration: Duration) -> Self {
        let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        Self(self.0.saturating_add(millis))
    }

    /// RFC 3339 UTC with milliseconds, e.g. `2026-01-15T08:30:00.000Z`.
    pub fn to_rfc3339(self) -> String {
        DateTime::<Utc>::from_timestamp_millis(self.0).unwrap_or_default().to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// Parses an RFC 3339 date-time (any offset) or a plain `YYYY-MM-DD` date (midnight UTC).
    pub fn parse(text: &str) -> Option<Self> {
        if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
            return Some(Self(parsed.timestamp_millis()));
        }
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|date| date.and_hms_opt(0, 0, 0))
            .map(|naive| Self(naive.and_utc().timestamp_millis()))
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

/// Where the domain reads the current time. Injected so expiry is tested without sleeping.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp(Utc::now().timestamp_millis())
    }
}

/// A clock that starts at the real time and moves only when told to; for tests.
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A manual clock set to the current real time.
    pub fn new() -> Self {
        Self(AtomicI64::new(SystemClock.now().as_millis()))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let millis = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.0.fetch_add(millis, Ordering::SeqCst);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_written_with_milliseconds_in_utc() {
        assert_eq!(Timestamp::from_millis(1_768_465_800_000).to_rfc3339(), "2026-01-15T08:30:00.000Z");
    }

    #[test]
    fn dates_and_offsets_parse_to_utc() {
        assert_eq!(Timestamp::parse("2026-01-15T09:30:00+01:00"), Some(Timestamp::from_millis(1_768_465_800_000)));
        assert_eq!(Timestamp::parse("2026-01-15"), Some(Timestamp::from_millis(1_768_435_200_000)));
        assert_eq!(Timestamp::parse("yesterday"), None);
    }

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = ManualClock::new();
        let before = clock.now();
        clock.advance(Duration::from_secs(3600));
        assert_eq!(clock.now().as_millis() - before.as_millis(), 3_600_000);
    }
}
