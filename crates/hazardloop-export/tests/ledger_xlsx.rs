//! The ledger workbook read back with calamine and unzipped: every cell, dates, frozen header.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Cursor, Read};

use calamine::{open_workbook_from_rs, Data, DataType, Reader, Xlsx};
use hazardloop_core::model::Lang;
use hazardloop_core::report::{Column, LedgerRow};
use hazardloop_export::ledger_xlsx;
use hazardloop_testkit::Fixture;

fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    archive.by_name(name).unwrap().read_to_string(&mut text).unwrap();
    text
}

fn local(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    at.with_timezone(&chrono_tz::Asia::Shanghai).naive_local()
}

fn time_of(row: &LedgerRow, column: Column) -> Option<Option<chrono::DateTime<chrono::Utc>>> {
    match column {
        Column::DiscoveredAt => Some(Some(row.discovered_at)),
        Column::Deadline => Some(row.deadline),
        Column::AcceptedAt => Some(row.accepted_at),
        Column::ClosedAt => Some(row.closed_at),
        _ => None,
    }
}

#[test]
fn every_ledger_cell_reads_back_with_calamine() {
    let f = Fixture::school();
    let rows = support::ledger(&f);
    let cx = support::cx(&f, Lang::Zh);
    let bytes = ledger_xlsx(&rows, &cx).unwrap();

    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["台账"]);
    let range = support::table_part(&book.worksheet_range("台账").unwrap());
    assert_eq!(range.start(), Some((hazardloop_export::TITLE_ROWS, 0)), "under the title block");
    assert_eq!(range.get_size(), (rows.len() + 1, Column::ALL.len()));

    for (j, column) in Column::ALL.iter().enumerate() {
        assert_eq!(range.get((0, j)), Some(&Data::String(column.header(Lang::Zh).into())));
    }
    assert_eq!(range.get((0, 0)), Some(&Data::String("序号".into())));
    assert_eq!(range.get((0, 19)), Some(&Data::String("来源检查".into())));
    assert_eq!(range.get((0, 20)), Some(&Data::String("备注".into())));

    let mut dates = 0;
    for (i, row) in rows.iter().enumerate() {
        for (j, &column) in Column::ALL.iter().enumerate() {
            let cell = range.get((i + 1, j)).unwrap();
            let at = (i + 1, column);
            if column == Column::Number {
                assert_eq!(cell, &Data::Float((i + 1) as f64), "{at:?}");
            } else if let Some(time) = time_of(row, column) {
                match time {
                    None => assert_eq!(cell, &Data::Empty, "{at:?}"),
                    Some(t) => {
                        assert!(cell.is_datetime(), "{at:?} is a date: {cell:?}");
                        let read = cell.as_datetime().unwrap();
                        let gap = (read - local(t)).num_milliseconds().abs();
                        assert!(gap < 1000, "{at:?}: {read} vs {}", local(t));
                        dates += 1;
                    }
                }
            } else {
                let text = row.cell(column, &cx);
                if text.is_empty() {
                    assert_eq!(cell, &Data::Empty, "{at:?}");
                } else {
                    assert_eq!(cell, &Data::String(text), "{at:?}");
                }
            }
        }
    }
    assert!(dates > rows.len(), "discovery times and some deadlines and acceptances: {dates}");
    // Names, not ids, and the script title kept as plain text.
    assert!(rows.iter().any(|r| r.cell(Column::Unit, &cx) == "后勤管理处"));
    assert!(rows
        .iter()
        .any(|r| r.cell(Column::Description, &cx).starts_with(support::SCRIPT_TITLE)));
}

#[test]
fn header_row_is_frozen_styled_and_columns_fit_chinese_text() {
    let f = Fixture::school();
    let rows = support::ledger(&f);
    let bytes = ledger_xlsx(&rows, &support::cx(&f, Lang::Zh)).unwrap();
    let sheet = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        sheet.contains(
            r#"<pane ySplit="4" topLeftCell="A5" activePane="bottomLeft" state="frozen"/>"#
        ),
        "{sheet}"
    );
    // 21 columns, A to U.
    assert!(sheet.contains("<autoFilter ref=\"A4:U"), "a filter on the header");

    let width = |col: usize| -> f64 {
        let tag = format!("<col min=\"{col}\" max=\"{col}\" width=\"");
        let start =
            sheet.find(&tag).unwrap_or_else(|| panic!("column {col} has a width")) + tag.len();
        sheet[start..].split('"').next().unwrap().parse().unwrap()
    };
    // 隐患描述 (8th) holds long Chinese text and wraps at the widest a printed column gets;
    // 序号 (1st) only small numbers; 发现时间 a date.
    assert!(width(8) >= 30.0, "description {}", width(8));
    assert!(width(1) <= 8.0, "number {}", width(1));
    assert!(width(3) >= 16.0, "dates fit: {}", width(3));

    let styles = zip_entry(&bytes, "xl/styles.xml");
    assert!(styles.contains("<b/>"), "bold header");
    assert!(styles.contains("FFDDEBF7"), "header fill");
    assert!(styles.contains("yyyy-mm-dd hh:mm"), "date-time number format");
}

#[test]
fn english_ledger_sheet_has_english_headers() {
    let f = Fixture::school();
    let rows = support::ledger(&f);
    let bytes_en = ledger_xlsx(&rows, &support::cx(&f, Lang::En)).unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes_en.clone())).unwrap();
    let range = support::table_part(&book.worksheet_range("Ledger").unwrap());
    assert_eq!(range.get((0, 1)), Some(&Data::String("Hazard ID".into())));
    let strings = zip_entry(&bytes_en, "xl/sharedStrings.xml");
    for text in ["Safety hazard ledger", "As of 2025-03-24 10:00", "Prepared by", "(Seal)"] {
        assert!(strings.contains(text), "{text}");
    }
    for zh in ["填表人", "安全隐患排查治理台账", "截至", "盖章"] {
        assert!(!strings.contains(zh), "one language: {zh}");
    }
    assert_eq!(range.get((0, 13)), Some(&Data::String("Deadline".into())));
}

#[test]
fn empty_ledger_still_has_its_header() {
    let f = Fixture::school();
    let bytes = ledger_xlsx(&[], &support::cx(&f, Lang::Zh)).unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let range = support::table_part(&book.worksheet_range("台账").unwrap());
    assert_eq!(range.get_size(), (1, Column::ALL.len()));
}

#[test]
fn ledger_sheet_is_set_up_for_printing_and_filing() {
    let f = Fixture::school();
    let mut rows = support::ledger(&f);
    rows[5].description = "通风橱排风机停转，".repeat(40); // 360 characters
    rows.reverse(); // given newest first
    let bytes = ledger_xlsx(&rows, &support::cx(&f, Lang::Zh)).unwrap();
    let sheet = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    for setup in [
        r#"<pageSetUpPr fitToPage="1"/>"#,
        r#"paperSize="9""#,
        r#"fitToHeight="0""#,
        r#"orientation="landscape""#,
        "<oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter>",
    ] {
        assert!(sheet.contains(setup), "{setup}");
    }
    assert!(!sheet.contains("fitToWidth"), "one page wide is the default of fitToPage");
    let book = zip_entry(&bytes, "xl/workbook.xml");
    assert!(book.contains("_xlnm.Print_Titles") && book.contains("台账!$4:$4"), "{book}");
    let custom = zip_entry(&bytes, "docProps/custom.xml");
    assert!(custom.contains("Language") && custom.contains("zh-CN"), "{custom}");
    let strings = zip_entry(&bytes, "xl/sharedStrings.xml");
    for text in ["第一中学", "安全隐患排查治理台账", "截至 2025-03-24 10:00", "填表人", "（盖章）"]
    {
        assert!(strings.contains(text), "{text}");
    }
    // Every cell of the table has a border, the empty ones too.
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    let range = support::table_part(&book.worksheet_range("台账").unwrap());
    let cells = sheet.matches("<c r=").count();
    assert!(cells >= range.get_size().0 * range.get_size().1, "blank cells are written too");
    // Oldest first: the rows were given newest first.
    let first = range.get((1, 2)).unwrap().as_datetime().unwrap();
    let last = range.get((rows.len(), 2)).unwrap().as_datetime().unwrap();
    assert!(first < last, "{first} < {last}");
    // The long description's row is tall enough for its wrapped text: 360 characters are 720
    // narrow columns, 24 or more lines in a column 33 wide.
    let heights: Vec<f64> = sheet
        .split("<row ")
        .skip(1)
        .filter_map(|r| r.split("ht=\"").nth(1)?.split('"').next()?.parse().ok())
        .collect();
    let tallest = heights.iter().copied().fold(0.0, f64::max);
    assert!(tallest >= 24.0 * 14.0, "tallest row {tallest}");
}
