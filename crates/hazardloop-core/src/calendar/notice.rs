//! Reading a year's holiday arrangement (节假日安排) from a file: the shipped `cn.toml` format,
//! an iCalendar feed of all-day events, or the `holiday-cn` JSON feed.
//!
//! Every reader returns validated [`HolidayYear`]s or an [`InputError`] that names the field
//! (`days[3].date`, `VEVENT[2].DTSTART`, `year[0].workdays[1]`); nothing is loaded on an error.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use serde_json::Value;

use super::{DateRange, HolidayYear};
use crate::model::InputError;

/// The formats a holiday notice can be read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HolidayFormat {
    /// `[[year]]` tables, as in the shipped `cn.toml`.
    Toml,
    /// iCalendar (`.ics`): all-day `VEVENT`s with `DTSTART` and `DTEND` (exclusive; one day
    /// when absent). A `SUMMARY` containing 班 (补班, 上班) marks adjusted working days
    /// (调休上班); any other event is days off.
    Ics,
    /// The `holiday-cn` JSON feed: `{"year": 2027, "papers": [..], "days": [{"name": "元旦",
    /// "date": "2027-01-01", "isOffDay": true}, ..]}`.
    Json,
}

impl HolidayFormat {
    /// The format a file name's extension names (`.toml`, `.ics`, `.json`), if any.
    pub fn of_file_name(name: &str) -> Option<HolidayFormat> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "toml" => Some(HolidayFormat::Toml),
            "ics" | "ical" => Some(HolidayFormat::Ics),
            "json" => Some(HolidayFormat::Json),
            _ => None,
        }
    }
}

/// One or more years' official arrangements read from a file, each validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HolidayNotice {
    /// The years, ascending.
    pub years: Vec<HolidayYear>,
}

impl HolidayNotice {
    /// Reads `text` in `format`. A file with no year at all is refused (`year`).
    pub fn parse(text: &str, format: HolidayFormat) -> Result<HolidayNotice, InputError> {
        let mut years = match format {
            HolidayFormat::Toml => from_toml(text)?,
            HolidayFormat::Ics => from_ics(text)?,
            HolidayFormat::Json => vec![from_json(text)?],
        };
        if years.is_empty() {
            return Err(InputError::Missing { field: "year".into() });
        }
        years.sort_by_key(|y| y.year);
        for (i, year) in years.iter().enumerate() {
            year.validate().map_err(|e| e.within(&format!("year[{i}]")))?;
            if years[..i].iter().any(|y| y.year == year.year) {
                let reason = format!("{} is given twice", year.year);
                return Err(InputError::Malformed { field: format!("year[{i}].year"), reason });
            }
        }
        Ok(HolidayNotice { years })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    year: Vec<HolidayYear>,
}

fn from_toml(text: &str) -> Result<Vec<HolidayYear>, InputError> {
    toml::from_str::<TomlFile>(text)
        .map(|f| f.year)
        .map_err(|e| InputError::Malformed { field: "year".into(), reason: e.message().into() })
}

/// Days off and adjusted working days of one year, gathered day by day.
#[derive(Default)]
struct Gathered {
    off: Vec<NaiveDate>,
    worked: Vec<NaiveDate>,
}

impl Gathered {
    fn into_year(mut self, year: i32, source: String) -> HolidayYear {
        self.off.sort();
        self.off.dedup();
        self.worked.sort();
        self.worked.dedup();
        // Consecutive days off become one range, as a notice writes them.
        let mut holidays: Vec<DateRange> = Vec::new();
        for day in self.off {
            match holidays.last_mut() {
                Some(range) if range.last.succ_opt() == Some(day) => range.last = day,
                _ => holidays.push(DateRange::day(day)),
            }
        }
        HolidayYear { year, source, holidays, workdays: self.worked }
    }
}

/// The notice year a day belongs to: its own, except that late-December days of a 元旦
/// arrangement belong to the next year's notice.
fn notice_year(day: NaiveDate, name: &str) -> i32 {
    if day.month() == 12 && day.day() >= 24 && name.contains("元旦") {
        day.year() + 1
    } else {
        day.year()
    }
}

fn from_ics(text: &str) -> Result<Vec<HolidayYear>, InputError> {
    // Unfold continuation lines (RFC 5545 §3.1), then read VEVENTs property by property.
    let mut lines: Vec<String> = Vec::new();
    for raw in text.lines() {
        match (raw.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some(last)) => last.push_str(rest),
            _ => lines.push(raw.trim_end_matches('\r').to_owned()),
        }
    }
    let calendar_name = lines
        .iter()
        .find_map(|l| l.strip_prefix("X-WR-CALNAME:"))
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let source = format!("iCalendar: {}", calendar_name.unwrap_or("holiday feed"));
    let mut years: BTreeMap<i32, Gathered> = BTreeMap::new();
    let mut event: Option<BTreeMap<String, String>> = None;
    let mut index = 0usize;
    for line in &lines {
        match line.trim() {
            "BEGIN:VEVENT" => event = Some(BTreeMap::new()),
            "END:VEVENT" => {
                let props = event.take().unwrap_or_default();
                ics_event(&props, index, &mut years)?;
                index += 1;
            }
            _ => {
                if let (Some(props), Some((key, value))) = (event.as_mut(), line.split_once(':')) {
                    let (name, params) = key.split_once(';').unwrap_or((key, ""));
                    let value = if params.is_empty() {
                        value.to_owned()
                    } else {
                        format!("{value};{params}")
                    };
                    props.insert(name.to_ascii_uppercase(), value);
                }
            }
        }
    }
    Ok(years.into_iter().map(|(year, g)| g.into_year(year, source.clone())).collect())
}

fn ics_event(
    props: &BTreeMap<String, String>,
    index: usize,
    years: &mut BTreeMap<i32, Gathered>,
) -> Result<(), InputError> {
    let field = |name: &str| format!("VEVENT[{index}].{name}");
    let date = |name: &str| -> Result<Option<NaiveDate>, InputError> {
        let Some(value) = props.get(name) else { return Ok(None) };
        let (value, params) = value.split_once(';').unwrap_or((value.as_str(), ""));
        let value = value.trim();
        if value.contains('T') || params.contains("VALUE=DATE-TIME") {
            let reason = format!("{value:?} has a time; only all-day events (VALUE=DATE) are read");
            return Err(InputError::Malformed { field: field(name), reason });
        }
        NaiveDate::parse_from_str(value, "%Y%m%d").map(Some).map_err(|_| {
            let reason = format!("{value:?} is not a date YYYYMMDD");
            InputError::Malformed { field: field(name), reason }
        })
    };
    let start = date("DTSTART")?.ok_or_else(|| InputError::Missing { field: field("DTSTART") })?;
    let end = date("DTEND")?.unwrap_or_else(|| start.succ_opt().unwrap_or(start));
    if end <= start {
        let reason = format!("{end} is not after DTSTART {start} (DTEND is exclusive)");
        return Err(InputError::Malformed { field: field("DTEND"), reason });
    }
    if (end - start).num_days() > 31 {
        return Err(InputError::TooLarge { field: field("DTEND"), limit: "31 days".into() });
    }
    let summary = props.get("SUMMARY").map_or("", String::as_str);
    let worked = summary.contains('班');
    for day in start.iter_days().take_while(|d| *d < end) {
        let gathered = years.entry(notice_year(day, summary)).or_default();
        if worked {
            gathered.worked.push(day);
        } else {
            gathered.off.push(day);
        }
    }
    Ok(())
}

fn from_json(text: &str) -> Result<HolidayYear, InputError> {
    let malformed = |field: &str, reason: &str| InputError::Malformed {
        field: field.into(),
        reason: reason.into(),
    };
    let doc: Value =
        serde_json::from_str(text).map_err(|e| malformed("json", &format!("not JSON: {e}")))?;
    let year = match doc.get("year") {
        None => return Err(InputError::Missing { field: "year".into() }),
        Some(v) => v
            .as_i64()
            .and_then(|y| i32::try_from(y).ok())
            .ok_or_else(|| malformed("year", "must be a whole number (2027)"))?,
    };
    let days = match doc.get("days") {
        None => return Err(InputError::Missing { field: "days".into() }),
        Some(v) => v.as_array().ok_or_else(|| malformed("days", "must be a list"))?,
    };
    let mut gathered = Gathered::default();
    for (i, day) in days.iter().enumerate() {
        let field = |name: &str| format!("days[{i}].{name}");
        let date = match day.get("date") {
            None => return Err(InputError::Missing { field: field("date") }),
            Some(v) => v
                .as_str()
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                .ok_or_else(|| malformed(&field("date"), &format!("{v} is not YYYY-MM-DD")))?,
        };
        let off = match day.get("isOffDay") {
            None => return Err(InputError::Missing { field: field("isOffDay") }),
            Some(v) => v.as_bool().ok_or_else(|| malformed(&field("isOffDay"), "true or false"))?,
        };
        if off {
            gathered.off.push(date);
        } else {
            gathered.worked.push(date);
        }
    }
    let papers: Vec<&str> = doc
        .get("papers")
        .and_then(Value::as_array)
        .map(|p| p.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let source = match papers.first() {
        Some(paper) => format!("holiday-cn {year}: {paper}"),
        None => format!("holiday-cn {year}"),
    };
    Ok(gathered.into_year(year, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn format_follows_the_extension() {
        assert_eq!(HolidayFormat::of_file_name("2027.JSON"), Some(HolidayFormat::Json));
        assert_eq!(HolidayFormat::of_file_name("cn.toml"), Some(HolidayFormat::Toml));
        assert_eq!(HolidayFormat::of_file_name("holidays.ics"), Some(HolidayFormat::Ics));
        assert_eq!(HolidayFormat::of_file_name("notice.txt"), None);
    }

    #[test]
    fn toml_notice_reads_like_cn_toml() {
        let text = r#"
            [[year]]
            year = 2027
            source = "国务院办公厅关于2027年部分节假日安排的通知"
            holidays = ["2027-01-01..2027-01-03"]
            workdays = ["2027-02-20"]
        "#;
        let notice = HolidayNotice::parse(text, HolidayFormat::Toml).unwrap();
        assert_eq!(notice.years.len(), 1);
        assert_eq!(notice.years[0].holidays[0].last, date("2027-01-03"));
        let bad = text.replace("2027-02-20", "2027-02-22");
        let err = HolidayNotice::parse(&bad, HolidayFormat::Toml).unwrap_err();
        assert_eq!(err.field(), "year[0].workdays[0]");
    }
}
