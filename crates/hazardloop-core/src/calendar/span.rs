//! Spans of time as written in policy: `5wd`, `-1wd`, `10d`, `2h`, `30min`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::InputError;

/// The unit of a [`Span`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpanUnit {
    /// Working days (工作日), counted on the business calendar; written `wd`.
    WorkingDays,
    /// Calendar days (自然日) of 24 hours, holidays included; written `d`.
    CalendarDays,
    /// Elapsed hours; written `h`.
    Hours,
    /// Elapsed minutes; written `min`.
    Minutes,
}

impl SpanUnit {
    /// The suffix used in the text form (`wd`, `d`, `h`, `min`).
    pub const fn suffix(self) -> &'static str {
        match self {
            Self::WorkingDays => "wd",
            Self::CalendarDays => "d",
            Self::Hours => "h",
            Self::Minutes => "min",
        }
    }

    fn from_suffix(suffix: &str) -> Option<Self> {
        [Self::WorkingDays, Self::CalendarDays, Self::Hours, Self::Minutes]
            .into_iter()
            .find(|unit| unit.suffix() == suffix)
    }
}

/// A signed amount of time in one [`SpanUnit`]: a time limit (`5wd`) or, when negative, a warning
/// offset before a due time (`-1wd`).
///
/// Written and serialized as a string: an optional `-`, digits, and the unit suffix, with nothing
/// in between (`5wd`, `-1wd`, `10d`, `2h`, `30min`). [`Display`](fmt::Display) prints the same
/// form, so parsing what was printed gives the span back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    /// How many units; negative reaches back in time.
    pub amount: i32,
    /// The unit of `amount`.
    pub unit: SpanUnit,
}

impl Span {
    /// `n` working days (`nwd`).
    pub const fn working_days(n: i32) -> Span {
        Span { amount: n, unit: SpanUnit::WorkingDays }
    }

    /// `n` calendar days of 24 hours (`nd`).
    pub const fn days(n: i32) -> Span {
        Span { amount: n, unit: SpanUnit::CalendarDays }
    }

    /// `n` hours (`nh`).
    pub const fn hours(n: i32) -> Span {
        Span { amount: n, unit: SpanUnit::Hours }
    }

    /// `n` minutes (`nmin`).
    pub const fn minutes(n: i32) -> Span {
        Span { amount: n, unit: SpanUnit::Minutes }
    }

    /// Whether the span reaches back in time (a warning offset such as `-1wd`).
    pub fn is_negative(&self) -> bool {
        self.amount < 0
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.unit.suffix())
    }
}

impl FromStr for Span {
    type Err = InputError;

    /// Parses `5wd`, `-1wd`, `10d`, `2h`, `30min`. Errors name the field `span`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let malformed = |reason: String| InputError::Malformed { field: "span".into(), reason };
        let text = s.trim();
        if text.is_empty() {
            return Err(InputError::Missing { field: "span".into() });
        }
        let digits_end = text
            .char_indices()
            .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && c == '-')))
            .map_or(text.len(), |(i, _)| i);
        let (number, suffix) = text.split_at(digits_end);
        let unit = SpanUnit::from_suffix(suffix).ok_or_else(|| {
            malformed(format!("{text:?} needs a unit: wd, d, h or min (as in 5wd, 2h, 30min)"))
        })?;
        let amount = number
            .parse::<i32>()
            .map_err(|_| malformed(format!("{text:?} needs a whole number before {suffix:?}")))?;
        Ok(Span { amount, unit })
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn policy_spellings_parse() {
        assert_eq!("5wd".parse(), Ok(Span::working_days(5)));
        assert_eq!("-1wd".parse(), Ok(Span::working_days(-1)));
        assert_eq!("10d".parse(), Ok(Span::days(10)));
        assert_eq!("2h".parse(), Ok(Span::hours(2)));
        assert_eq!("30min".parse(), Ok(Span::minutes(30)));
        assert_eq!(" 0wd ".parse(), Ok(Span::working_days(0)));
    }

    #[test]
    fn span_without_unit_or_number_is_rejected_naming_the_field() {
        for bad in ["5", "wd", "5 wd", "5w", "--1wd", "1.5h", "5WD", "99999999999d", "-wd"] {
            let err = bad.parse::<Span>().err();
            assert_eq!(err.as_ref().map(InputError::field), Some("span"), "{bad}");
        }
        assert_eq!("".parse::<Span>(), Err(InputError::Missing { field: "span".into() }));
    }

    #[test]
    fn span_serializes_as_its_text_form() {
        let json = serde_json::to_string(&Span::working_days(-1)).ok();
        assert_eq!(json.as_deref(), Some("\"-1wd\""));
        let back: Result<Span, _> = serde_json::from_str("\"30min\"");
        assert_eq!(back.ok(), Some(Span::minutes(30)));
        assert!(serde_json::from_str::<Span>("\"30 minutes\"").is_err());
    }

    #[test]
    fn negative_span_is_a_warning_offset() {
        assert!(Span::working_days(-1).is_negative());
        assert!(!Span::hours(0).is_negative());
    }

    fn any_unit() -> impl Strategy<Value = SpanUnit> {
        prop_oneof![
            Just(SpanUnit::WorkingDays),
            Just(SpanUnit::CalendarDays),
            Just(SpanUnit::Hours),
            Just(SpanUnit::Minutes),
        ]
    }

    proptest! {
        #[test]
        fn display_then_parse_gives_the_span_back(amount in any::<i32>(), unit in any_unit()) {
            let span = Span { amount, unit };
            prop_assert_eq!(span.to_string().parse::<Span>(), Ok(span));
        }
    }
}
