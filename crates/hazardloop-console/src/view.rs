//! Small helpers for what pages show: times in the school's zone.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// `2026-12-04 16:50` in `tz`.
pub(crate) fn time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}
