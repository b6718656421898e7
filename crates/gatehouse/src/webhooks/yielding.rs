//! Delivery yields to requests. While the server answers more than [`BUSY_ABOVE`] requests a
//! second, each send and each piece of the dispatcher's database work (a round of fan-out and
//! claim, the recording of a batch) is followed by a pause, so that delivery keeps only a share
//! of the time and the cores go to the requests: a twentieth ([`SHARE_PERCENT`]) for a fresh
//! event (a pause nineteen times as long as the work), more the older the event (with the
//! square of its age), all of it from [`MAX_LAG`] on. A pause is at most [`MAX_PAUSE`] (a slow
//! receiver costs time, not CPU). The pauses are laid end to end on one timeline for all of the
//! node's delivery work, so concurrent sends share that time instead of taking it each.
//!
//! So a backlog drains more slowly while the API is busy but never stalls: the further delivery
//! falls behind, the more of the time it takes, until it keeps up with the events coming in. A
//! quiet API (the steady trickle of writes most servers see) never causes a pause.
//!
//! A lower thread priority for the dispatcher was tried instead and failed on priority
//! inversion: connections it opens then serve requests at its priority.

use parking_lot::Mutex;
use std::time::{Duration, Instant};

/// Requests a second from which the API counts as busy.
pub const BUSY_ABOVE: u64 = 500;
/// The share of the time delivery keeps for a fresh event while the API is busy, in percent.
pub const SHARE_PERCENT: u32 = 5;
/// The longest pause after one send (a slow receiver costs time, not CPU).
pub const MAX_PAUSE: Duration = Duration::from_millis(200);
/// Events this old or older are sent without yielding; the share grows with the square of the
/// event's age up to it, so a backlog a minute old still leaves the requests nearly all the time.
pub const MAX_LAG: Duration = Duration::from_secs(300);
/// How often the request rate is sampled.
const SAMPLE: Duration = Duration::from_millis(100);

/// The pacing state of one node's dispatcher.
pub struct Yielding {
    state: Mutex<State>,
}

struct State {
    sampled_at: Instant,
    requests_then: u64,
    busy: bool,
    next_free: Instant,
}

impl Yielding {
    /// Pacing that starts at `now` with the request counter at `requests`.
    pub fn new(now: Instant, requests: u64) -> Self {
        Self { state: Mutex::new(State { sampled_at: now, requests_then: requests, busy: false, next_free: now }) }
    }

    /// After a send that took `spent`, for an event `lag` old, with the server's request counter
    /// at `requests`: until when to wait before the next send, or `None` to go on at once.
    pub fn pause(&self, now: Instant, requests: u64, spent: Duration, lag: Duration) -> Option<Instant> {
        let mut state = self.state.lock();
        let elapsed = now.saturating_duration_since(state.sampled_at);
        if elapsed >= SAMPLE {
            let served = requests.saturating_sub(state.requests_then);
            let per_second = u128::from(served) * 1000 / elapsed.as_millis().max(1);
            state.busy = per_second > u128::from(BUSY_ABOVE);
            state.sampled_at = now;
            state.requests_then = requests;
        }
        if !state.busy || lag >= MAX_LAG {
            return None;
        }
        // Delivery's share in thousandths: SHARE_PERCENT for a fresh event, all of it at MAX_LAG,
        // growing with the square of the age (a tenth of the way there at a third of MAX_LAG).
        let fresh = SHARE_PERCENT * 10;
        let (age, max) = (lag.as_millis(), MAX_LAG.as_millis());
        let grown = u128::from(1000 - fresh) * age * age / (max * max);
        let share = fresh + u32::try_from(grown).unwrap_or(1000);
        let pause = (spent * (1000 - share) / share).min(MAX_PAUSE);
        state.next_free = state.next_free.max(now) + pause;
        Some(state.next_free)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// A pacer whose last sample saw `per_second` requests a second; the time of that sample and
    /// the request counter then.
    fn sampled(per_second: u64) -> (Yielding, Instant, u64) {
        let start = Instant::now();
        let yielding = Yielding::new(start, 0);
        let sampled_at = start + SAMPLE;
        let requests = per_second / 10;
        yielding.pause(sampled_at, requests, Duration::ZERO, Duration::ZERO);
        (yielding, sampled_at, requests)
    }

    #[test]
    fn a_quiet_api_never_causes_a_pause() {
        let (yielding, at, requests) = sampled(BUSY_ABOVE);
        assert_eq!(yielding.pause(at + MS, requests, 5 * MS, Duration::ZERO), None);
    }

    #[test]
    fn a_busy_api_gets_nineteen_twentieths_of_the_time() {
        let (yielding, at, requests) = sampled(20_000);
        assert_eq!(yielding.pause(at + MS, requests, 2 * MS, Duration::ZERO), Some(at + 39 * MS));
        // A second send finishing meanwhile waits after the first one's pause, not beside it.
        assert_eq!(yielding.pause(at + 2 * MS, requests, 2 * MS, Duration::ZERO), Some(at + 77 * MS));
        // A slow receiver's pause is capped.
        let slow = yielding.pause(at + 90 * MS, requests, Duration::from_secs(3), Duration::ZERO);
        assert_eq!(slow, Some(at + 90 * MS + MAX_PAUSE));
    }

    #[test]
    fn the_older_the_event_the_shorter_the_pause() {
        let (yielding, at, requests) = sampled(20_000);
        // Half-way to MAX_LAG delivery keeps 5 % + 95 % / 4 = 28.75 % of the time: a pause of
        // 71.25/28.75 of the send: 27.3 ms after 11 ms.
        let until = yielding.pause(at + MS, requests, 11 * MS, MAX_LAG / 2).unwrap();
        let pause = until - (at + MS);
        assert!(pause > 26 * MS && pause < 28 * MS, "{pause:?}");
        assert_eq!(yielding.pause(until, requests, 2 * MS, MAX_LAG), None, "an old event is never held back");
    }

    #[test]
    fn the_api_quieting_down_ends_the_pauses() {
        let (yielding, at, requests) = sampled(20_000);
        assert!(yielding.pause(at + MS, requests, MS, Duration::ZERO).is_some());
        assert_eq!(yielding.pause(at + SAMPLE, requests + 1, MS, Duration::ZERO), None);
    }
}
