//! Hazard numbers people can say (隐患编号): `2026-0017` rather than a UUID.
//!
//! A number is a per-tenant sequence within a *series* (by default the year the hazard was
//! found, in the school's time zone), written through a template from the policy's
//! `[numbering]` section. The store assigns it in the same transaction that writes the new
//! hazard, so numbers are unique and gap-free under concurrency on every store: a commit that
//! fails takes its number back with it. The UUID stays the key; wherever a hazard id is
//! accepted, its number is too ([`Engine::resolve`](crate::engine::Engine::resolve)).
//!
//! The number is an attribute the store gives the hazard, not a fact of its history: it is not
//! in the hash chain, and it is kept with the hazard's state, its ledger row and the notices of
//! the commit that created it ([`Commit::assign_number`](crate::store::Commit::assign_number)).
//!
//! ```
//! use hazardloop_core::numbering::NumberFormat;
//!
//! let format = NumberFormat::default();
//! assert_eq!(format.as_str(), "{year}-{seq:04}");
//! assert_eq!(format.render(2026, 17), "2026-0017");
//!
//! let school: NumberFormat = "一中-{year}-{seq:03}".parse()?;
//! assert_eq!(school.render(2026, 5), "一中-2026-005");
//! assert!(school.by_year());
//! assert!("{seq:99}".parse::<NumberFormat>().is_err());
//! # Ok::<(), hazardloop_core::model::InputError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::model::InputError;

/// The longest rendered number, in characters.
pub const MAX_NUMBER_LEN: usize = 64;

/// The series of a format without `{year}`: one sequence for the tenant's whole life.
const ONE_SERIES: &str = "all";

/// A number template: literal text with `{year}` and `{seq}` (or `{seq:0N}`, zero-padded to N
/// digits, N ≤ 12). `{seq}` is required; `{{` and `}}` write braces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NumberFormat {
    text: String,
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Year,
    Seq { width: usize },
}

impl NumberFormat {
    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the sequence starts again each year (the template has `{year}`).
    pub fn by_year(&self) -> bool {
        self.parts.contains(&Part::Year)
    }

    /// The number `seq` of the series of `year`.
    pub fn render(&self, year: i32, seq: u64) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Year => out.push_str(&year.to_string()),
                Part::Seq { width } => out.push_str(&format!("{seq:0width$}")),
            }
        }
        out
    }

    /// The numbering of a hazard found at `discovered_at`: its series and how to write it.
    pub fn numbering(&self, discovered_at: DateTime<Utc>, tz: Tz) -> Numbering {
        let year = discovered_at.with_timezone(&tz).year();
        let series = if self.by_year() { year.to_string() } else { ONE_SERIES.to_owned() };
        Numbering { series, year, format: self.clone() }
    }
}

impl Default for NumberFormat {
    fn default() -> Self {
        NumberFormat {
            text: "{year}-{seq:04}".to_owned(),
            parts: vec![Part::Year, Part::Text("-".to_owned()), Part::Seq { width: 4 }],
        }
    }
}

impl fmt::Display for NumberFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn malformed(reason: impl Into<String>) -> InputError {
    InputError::Malformed { field: "numbering.format".into(), reason: reason.into() }
}

impl FromStr for NumberFormat {
    type Err = InputError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) => name.push(c),
                            None => return Err(malformed(format!("`{{{name}` is not closed"))),
                        }
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(placeholder(&name)?);
                }
                '}' => return Err(malformed("an unmatched `}` (write `}}` for a brace)")),
                c if c.is_control() => return Err(malformed("control characters are not allowed")),
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        let seqs = parts.iter().filter(|p| matches!(p, Part::Seq { .. })).count();
        if seqs != 1 {
            return Err(malformed("the template needs `{seq}` exactly once"));
        }
        let format = NumberFormat { text: text.to_owned(), parts };
        if format.render(9999, 999_999_999_999).chars().count() > MAX_NUMBER_LEN {
            return Err(malformed(format!("a number may be at most {MAX_NUMBER_LEN} characters")));
        }
        Ok(format)
    }
}

fn placeholder(name: &str) -> Result<Part, InputError> {
    match name {
        "year" => Ok(Part::Year),
        "seq" => Ok(Part::Seq { width: 0 }),
        _ => {
            let width = name
                .strip_prefix("seq:0")
                .and_then(|w| w.parse::<usize>().ok())
                .filter(|w| (1..=12).contains(w))
                .ok_or_else(|| {
                    malformed(format!(
                        "unknown placeholder `{{{name}}}`: use {{year}}, {{seq}} or {{seq:0N}} (N from 1 to 12)"
                    ))
                })?;
            Ok(Part::Seq { width })
        }
    }
}

impl TryFrom<String> for NumberFormat {
    type Error = InputError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<NumberFormat> for String {
    fn from(format: NumberFormat) -> String {
        format.text
    }
}

/// The policy's `[numbering]` section.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NumberingPolicy {
    /// The template, `"{year}-{seq:04}"` by default; a school prefix is literal text in front
    /// (`"一中-{year}-{seq:04}"`).
    pub format: NumberFormat,
}

/// How a new hazard is to be numbered: the series the store counts in, and the template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Numbering {
    /// The series (the year, or `all`): the store keeps one counter per tenant and series.
    pub series: String,
    /// The year the hazard was found, in the school's time zone.
    pub year: i32,
    /// The template.
    pub format: NumberFormat,
}

impl Numbering {
    /// The number `seq` of this series.
    pub fn render(&self, seq: u64) -> String {
        self.format.render(self.year, seq)
    }

    /// The number split around its sequence: the text before it, the sequence's least width
    /// (zero-padded; 0 for none) and the text after it. [`render`](Numbering::render)`(seq)` is
    /// `before`, then `seq` in at least `width` digits, then `after`: for a store that writes the
    /// number in the statement that takes it.
    pub fn around_seq(&self) -> (String, usize, String) {
        let (mut before, mut width, mut after) = (String::new(), 0, String::new());
        let mut out = &mut before;
        for part in &self.format.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Year => out.push_str(&self.year.to_string()),
                Part::Seq { width: w } => {
                    width = *w;
                    out = &mut after;
                }
            }
        }
        (before, width, after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_its_text_around_its_padded_sequence() {
        let at = DateTime::from_timestamp(1_780_000_000, 0).unwrap();
        for text in ["{year}-{seq:04}", "一中-{year}-{seq:03}号", "No.{seq}", "{seq:06}/{year}"]
        {
            let numbering = text.parse::<NumberFormat>().unwrap().numbering(at, chrono_tz::UTC);
            let (before, width, after) = numbering.around_seq();
            for seq in [1, 17, 999, 1000, 123_456_789] {
                let joined = format!("{before}{seq:0width$}{after}");
                assert_eq!(joined, numbering.render(seq), "{text} {seq}");
            }
        }
    }

    #[test]
    fn templates_render_and_bad_ones_are_named() {
        let f: NumberFormat = "HZ{{{year}}}/{seq}".parse().unwrap();
        assert_eq!(f.render(2026, 7), "HZ{2026}/7");
        let plain: NumberFormat = "No.{seq:06}".parse().unwrap();
        assert!(!plain.by_year());
        assert_eq!(plain.render(2026, 12), "No.000012");
        for bad in ["{year}", "{seq}{seq}", "{sequence}", "{seq:013}", "a}b", "{seq:0}", "{seq"] {
            let e = bad.parse::<NumberFormat>().map(|_| ()).unwrap_err();
            assert!(e.to_string().contains("numbering.format"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_series_is_the_year_in_the_schools_time_zone() {
        let f = NumberFormat::default();
        let new_year_eve_utc = "2025-12-31T17:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let n = f.numbering(new_year_eve_utc, chrono_tz::Asia::Shanghai);
        assert_eq!((n.series.as_str(), n.render(1).as_str()), ("2026", "2026-0001"));
        let all: NumberFormat = "{seq}".parse().unwrap();
        assert_eq!(all.numbering(new_year_eve_utc, chrono_tz::Asia::Shanghai).series, "all");
    }

    #[test]
    fn the_format_round_trips_through_toml() {
        let p: NumberingPolicy = toml::from_str("format = \"一中-{year}-{seq:03}\"").unwrap();
        assert_eq!(p.format.render(2026, 1), "一中-2026-001");
        assert!(toml::from_str::<NumberingPolicy>("format = \"{year}\"").is_err());
        assert!(toml::to_string(&p).unwrap().contains("一中-{year}-{seq:03}"));
    }
}
