//! Reading a holiday notice from the common feeds: iCalendar (all-day VEVENTs) and the
//! `holiday-cn` JSON; bad input is refused naming the field.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use hazardloop_core::calendar::{Calendar, DayKind, HolidayFormat, HolidayNotice};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

const ICS: &str = "BEGIN:VCALENDAR\r
VERSION:2.0\r
X-WR-CALNAME:中国节假日\r
BEGIN:VEVENT\r
DTSTART;VALUE=DATE:20270101\r
DTEND;VALUE=DATE:20270104\r
SUMMARY:元旦 假期\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART;VALUE=DATE:20270205\r
DTEND;VALUE=DATE:20270212\r
SUMMARY:春节 假\r
 期\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART;VALUE=DATE:20270220\r
SUMMARY:春节 补班\r
END:VEVENT\r
END:VCALENDAR\r
";

#[test]
fn ics_all_day_events_become_days_off_and_make_up_working_days() {
    let notice = HolidayNotice::parse(ICS, HolidayFormat::Ics).unwrap();
    let year = &notice.years[0];
    assert_eq!(year.year, 2027);
    assert!(year.source.contains("中国节假日"), "{}", year.source);
    // DTEND is exclusive: 1–3 January and 5–11 February.
    let ranges: Vec<String> = year.holidays.iter().map(ToString::to_string).collect();
    assert_eq!(ranges, ["2027-01-01..2027-01-03", "2027-02-05..2027-02-11"]);
    assert_eq!(year.workdays, [date("2027-02-20")]);
    let mut cal = Calendar::china();
    cal.load_year(year.clone()).unwrap();
    assert_eq!(cal.day(date("2027-02-20")).kind, DayKind::AdjustedWorkday);
    assert_eq!(cal.horizon(), Some(date("2027-12-31")));
}

#[test]
fn ics_event_with_a_time_or_without_a_start_names_the_field() {
    let timed = ICS.replace("DTSTART;VALUE=DATE:20270205", "DTSTART:20270205T090000");
    let err = HolidayNotice::parse(&timed, HolidayFormat::Ics).unwrap_err();
    assert_eq!(err.field(), "VEVENT[1].DTSTART");
    let missing = ICS.replace("DTSTART;VALUE=DATE:20270220\r\n", "");
    let err = HolidayNotice::parse(&missing, HolidayFormat::Ics).unwrap_err();
    assert_eq!(err.field(), "VEVENT[2].DTSTART");
    let backwards = ICS.replace("DTEND;VALUE=DATE:20270104", "DTEND;VALUE=DATE:20261231");
    let err = HolidayNotice::parse(&backwards, HolidayFormat::Ics).unwrap_err();
    assert_eq!(err.field(), "VEVENT[0].DTEND");
    let weekday_worked = ICS.replace("20270220", "20270222");
    let err = HolidayNotice::parse(&weekday_worked, HolidayFormat::Ics).unwrap_err();
    assert_eq!(err.field(), "year[0].workdays[0]");
}

const JSON: &str = r#"{
  "year": 2027,
  "papers": ["https://www.gov.cn/example-2027-notice"],
  "days": [
    {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
    {"name": "元旦", "date": "2027-01-02", "isOffDay": true},
    {"name": "元旦", "date": "2027-01-03", "isOffDay": true},
    {"name": "春节", "date": "2027-02-20", "isOffDay": false}
  ]
}"#;

#[test]
fn holiday_cn_json_reads_days_off_and_working_days() {
    let notice = HolidayNotice::parse(JSON, HolidayFormat::Json).unwrap();
    let year = &notice.years[0];
    assert_eq!(year.year, 2027);
    assert_eq!(year.holidays.len(), 1);
    assert_eq!(
        (year.holidays[0].first, year.holidays[0].last),
        (date("2027-01-01"), date("2027-01-03"))
    );
    assert_eq!(year.workdays, [date("2027-02-20")]);
    assert!(year.source.contains("gov.cn"), "{}", year.source);
}

#[test]
fn bad_holiday_cn_json_names_the_field() {
    let cases = [
        (JSON.replace("\"year\": 2027,", ""), "year"),
        (JSON.replace("\"year\": 2027", "\"year\": \"2027\""), "year"),
        (JSON.replace("2027-01-02", "2027-13-02"), "days[1].date"),
        (JSON.replace(", \"isOffDay\": false", ""), "days[3].isOffDay"),
        (JSON.replace("\"days\"", "\"dayz\""), "days"),
        ("not json".to_owned(), "json"),
    ];
    for (text, field) in cases {
        let err = HolidayNotice::parse(&text, HolidayFormat::Json).unwrap_err();
        assert_eq!(err.field(), field, "{err}");
    }
}
