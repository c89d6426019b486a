//! What a channel takes (发送限制): how many messages a minute and how large a body. Group robots
//! refuse more (DingTalk: 20 a minute per robot; WeCom: 20 a minute, 4096 bytes of markdown), so
//! the dispatcher paces itself with a [`RateWindow`] and splits what is too large.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};

/// A channel's limits; `None` is unlimited. A notifier declares its own
/// ([`Notifier::limits`](super::Notifier::limits)); hosts override them per channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChannelLimits {
    /// Messages (requests) the channel takes in any 60 seconds.
    pub per_minute: Option<u32>,
    /// The largest body the channel takes, in bytes, as the channel measures it.
    pub max_body_bytes: Option<usize>,
}

impl ChannelLimits {
    /// No limits (the default of every notifier).
    pub const NONE: ChannelLimits = ChannelLimits { per_minute: None, max_body_bytes: None };

    /// The limits of sending through both channels at once: the tighter of each.
    #[must_use]
    pub fn tightest(self, other: ChannelLimits) -> ChannelLimits {
        fn min<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        }
        ChannelLimits {
            per_minute: min(self.per_minute, other.per_minute),
            max_body_bytes: min(self.max_body_bytes, other.max_body_bytes),
        }
    }
}

/// A sliding window of the last minute's sends, on the engine's clock: at most `per_minute`
/// sends in any 60 seconds. A send at `t` counts until `t + 60 s` (exclusive).
#[derive(Clone, Debug)]
pub struct RateWindow {
    per_minute: u32,
    sent: VecDeque<DateTime<Utc>>,
}

impl RateWindow {
    /// The window's length.
    pub const LENGTH: Duration = Duration::seconds(60);

    /// An empty window admitting `per_minute` sends a minute (at least one).
    pub fn new(per_minute: u32) -> RateWindow {
        RateWindow { per_minute: per_minute.max(1), sent: VecDeque::new() }
    }

    /// Sends a minute it admits.
    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    /// Sends it admits at `now`.
    pub fn free(&mut self, now: DateTime<Utc>) -> u32 {
        self.forget(now);
        let used = u32::try_from(self.sent.len()).unwrap_or(u32::MAX);
        self.per_minute.saturating_sub(used)
    }

    /// Records `n` sends at `now`.
    pub fn record(&mut self, now: DateTime<Utc>, n: u32) {
        self.forget(now);
        self.sent.extend(std::iter::repeat_n(now, n as usize));
    }

    /// The first instant, at or after `now`, at which `n` sends are admitted (`n` above
    /// `per_minute` is taken as `per_minute`: it is when the window is empty).
    pub fn frees_at(&mut self, now: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        let n = n.min(self.per_minute);
        if self.free(now) >= n {
            return now;
        }
        // The oldest sends leave first; the one that leaves the `n`-th free slot decides.
        let keep = (self.per_minute - n) as usize;
        let leaving = self.sent.len() - keep;
        self.sent.get(leaving - 1).map_or(now, |t| *t + Self::LENGTH)
    }

    fn forget(&mut self, now: DateTime<Utc>) {
        while self.sent.front().is_some_and(|t| *t + Self::LENGTH <= now) {
            self.sent.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::seconds(1_800_000_000 + seconds)
    }

    #[test]
    fn the_window_admits_per_minute_sends_in_any_sixty_seconds() {
        let mut w = RateWindow::new(20);
        assert_eq!(w.free(at(0)), 20);
        w.record(at(0), 15);
        w.record(at(30), 5);
        assert_eq!(w.free(at(30)), 0, "20 sent within the minute");
        assert_eq!(w.free(at(59)), 0);
        assert_eq!(w.free(at(60)), 15, "the first 15 leave at exactly 60 s");
        assert_eq!(w.free(at(89)), 15);
        assert_eq!(w.free(at(90)), 20);
    }

    #[test]
    fn frees_at_is_when_enough_old_sends_have_left() {
        let mut w = RateWindow::new(20);
        w.record(at(0), 10);
        w.record(at(20), 10);
        assert_eq!(w.frees_at(at(25), 1), at(60));
        assert_eq!(w.frees_at(at(25), 10), at(60));
        assert_eq!(w.frees_at(at(25), 11), at(80));
        assert_eq!(w.frees_at(at(25), 500), at(80), "more than a minute's worth waits for all");
        assert_eq!(w.frees_at(at(80), 20), at(80));
    }

    #[test]
    fn the_tightest_of_two_channels_takes_each_smaller_limit() {
        let dingtalk = ChannelLimits { per_minute: Some(20), max_body_bytes: Some(20_000) };
        let wecom = ChannelLimits { per_minute: Some(30), max_body_bytes: Some(4096) };
        let both = dingtalk.tightest(wecom).tightest(ChannelLimits::NONE);
        assert_eq!(both, ChannelLimits { per_minute: Some(20), max_body_bytes: Some(4096) });
        assert_eq!(ChannelLimits::NONE.tightest(ChannelLimits::NONE), ChannelLimits::NONE);
    }
}
