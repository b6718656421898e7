//! The value types of the configuration, written as text: durations, byte sizes and rates.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::time::Duration;

pub(super) const SECOND: Duration = Duration::from_secs(1);
pub(super) const MINUTE: Duration = Duration::from_secs(60);
pub(super) const HOUR: Duration = Duration::from_secs(3600);
pub(super) const DAY: Duration = Duration::from_secs(86_400);

/// A rate written `COUNT/WINDOW`: `10/1m`, `5/5m`, `600/1m`, `1000/1h`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateText {
    /// Requests allowed in a window (also the burst).
    pub count: u32,
    /// The window over which `count` requests are replenished.
    pub window: Duration,
}

impl RateText {
    /// `count` requests per minute.
    pub fn per_minute(count: u32) -> Self {
        Self { count, window: MINUTE }
    }

    /// Parses `COUNT/WINDOW`; the window may also be a bare unit (`5/min`, `100/hour`).
    pub fn parse(text: &str) -> Option<Self> {
        let (count, window) = text.split_once('/')?;
        let count = count.trim().parse().ok()?;
        let window = window.trim();
        let window = match window {
            "ms" | "s" | "m" | "h" | "d" => DurationText::parse(&format!("1{window}"))?,
            "sec" | "second" => SECOND,
            "min" | "minute" => MINUTE,
            "hour" => HOUR,
            "day" => DAY,
            _ => DurationText::parse(window)?,
        };
        Some(Self { count, window })
    }
}

impl<'de> Deserialize<'de> for RateText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid rate {text:?} (use COUNT/WINDOW, e.g. 10/1m)")))
    }
}

impl std::fmt::Display for RateText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.count, DurationText(self.window))
    }
}

impl Serialize for RateText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// A duration written as `500ms`, `30s`, `10m`, `2h`, `14d` (or a bare number of seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DurationText(pub Duration);

impl DurationText {
    /// Parses the text form.
    pub fn parse(text: &str) -> Option<Duration> {
        let text = text.trim();
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let number: u64 = number.parse().ok()?;
        let millis_per_unit = match unit.trim() {
            "ms" => 1,
            "" | "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return None,
        };
        number.checked_mul(millis_per_unit).map(Duration::from_millis)
    }
}

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Seconds(u64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Seconds(seconds) => Ok(Self(Duration::from_secs(seconds))),
            Raw::Text(text) => Self::parse(&text)
                .map(Self)
                .ok_or_else(|| serde::de::Error::custom(format!("invalid duration {text:?} (use e.g. 30s, 10m, 14d)"))),
        }
    }
}

impl std::fmt::Display for DurationText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let millis = self.0.as_millis();
        if millis == 0 {
            return f.write_str("0s");
        }
        match [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s")]
            .iter()
            .find(|(unit, _)| millis > 0 && millis.is_multiple_of(*unit))
        {
            Some((unit, suffix)) => write!(f, "{}{suffix}", millis / unit),
            None => write!(f, "{millis}ms"),
        }
    }
}

impl Serialize for DurationText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// A size in bytes, written as a number or `64KiB`, `1MiB`, `64KB`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub usize);

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bytes(usize),
            Text(String),
        }
        let text = match Raw::deserialize(deserializer)? {
            Raw::Bytes(bytes) => return Ok(Self(bytes)),
            Raw::Text(text) => text,
        };
        let trimmed = text.trim();
        let split = trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let factor = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "kib" | "kb" | "k" => 1024,
            "mib" | "mb" | "m" => 1024 * 1024,
            _ => return Err(serde::de::Error::custom(format!("invalid size {text:?} (use e.g. 64KiB)"))),
        };
        number
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_mul(factor))
            .map(Self)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid size {text:?}")))
    }
}

impl std::fmt::Display for ByteSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_multiple_of(1024 * 1024) && self.0 > 0 {
            write!(f, "{}MiB", self.0 / (1024 * 1024))
        } else if self.0.is_multiple_of(1024) && self.0 > 0 {
            write!(f, "{}KiB", self.0 / 1024)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 >= 1024 && self.0.is_multiple_of(1024) {
            serializer.serialize_str(&self.to_string())
        } else {
            serializer.serialize_u64(self.0 as u64)
        }
    }
}
