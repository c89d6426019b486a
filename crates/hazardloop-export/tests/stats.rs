//! The statistics table as CSV, XLSX and JSON: the figures are those of the `StatsTable`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use hazardloop_core::model::Lang;
use hazardloop_core::report::{Stats, StatsTable};
use hazardloop_export::{stats_csv, stats_json, stats_xlsx, StatColumn, BOM};
use hazardloop_testkit::Fixture;

/// The expected lines, straight from the table: (unit name, depth, figures).
fn expected(table: &StatsTable) -> Vec<(String, usize, &Stats)> {
    let units = table.rows().map(|u| (u.name.clone(), u.depth, &u.total));
    let categories = table.categories.iter().map(|c| ("全部单位".to_owned(), 0, &c.stats));
    units.chain(categories).chain(std::iter::once(("总计".to_owned(), 0, &table.total))).collect()
}

fn count(s: &Stats, column: StatColumn) -> Option<usize> {
    Some(match column {
        StatColumn::Discovered => s.discovered,
        StatColumn::Registered => s.registered,
        StatColumn::DiscoveredRectified => s.discovered_rectified,
        StatColumn::DiscoveredDismissed => s.discovered_dismissed,
        StatColumn::Rectified => s.rectified,
        StatColumn::RectifiedOnTime => s.rectified_on_time,
        StatColumn::Open => s.open,
        StatColumn::Overdue => s.overdue,
        StatColumn::Major => s.major,
        StatColumn::Reworks => s.reworks,
        StatColumn::Extensions => s.extensions,
        StatColumn::Escalations => s.escalations.values().sum(),
        StatColumn::Escalated(a) => s.escalations.get(&a).copied().unwrap_or(0),
        _ => return None,
    })
}

fn rate(s: &Stats, column: StatColumn) -> Option<Option<f64>> {
    match column {
        StatColumn::RectificationRate => Some(s.rectification_rate),
        StatColumn::OnTimeRate => Some(s.on_time_rate),
        StatColumn::MedianDaysToRectify => Some(s.median_days_to_rectify),
        _ => None,
    }
}

fn fixture_table() -> (Fixture, StatsTable) {
    let f = Fixture::school();
    let rows = support::ledger(&f);
    let table = support::table(&f, &rows);
    (f, table)
}

#[test]
fn stats_csv_rows_match_the_table_with_the_total_last() {
    let (f, table) = fixture_table();
    assert!(table.total.discovered >= 10 && table.total.overdue > 0 && table.total.rectified > 0);
    let bytes = stats_csv(&table, &support::cx(&f, Lang::Zh));
    let body = bytes.strip_prefix(BOM).unwrap();
    let records: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let columns = StatColumn::all();
    let header: Vec<String> = columns.iter().map(|c| c.header(Lang::Zh)).collect();
    assert_eq!(records[0], header);
    assert_eq!(records[0][..4], ["单位", "类别", "发现数", "登记数"]);
    for h in [
        "已整改",
        "按期整改",
        "未整改",
        "逾期",
        "重大隐患",
        "返工",
        "延期",
        "督办次数",
        "整改率",
        "按期率",
        "中位整改天数",
    ] {
        assert!(records[0].iter().any(|c| c == h), "{h}");
    }
    let lines = expected(&table);
    assert_eq!(records.len(), lines.len() + 1);
    for ((name, depth, stats), record) in lines.iter().zip(&records[1..]) {
        assert_eq!(record[0].trim_start_matches('\u{3000}'), name);
        assert_eq!(record[0].chars().take_while(|c| *c == '\u{3000}').count(), *depth);
        for (j, &column) in columns.iter().enumerate() {
            if let Some(n) = count(stats, column) {
                assert_eq!(record[j], n.to_string(), "{name} {column:?}");
            } else if let Some(value) = rate(stats, column) {
                let shown = record[j].strip_suffix('%');
                let read: Option<f64> = match shown {
                    Some(p) => Some(p.parse::<f64>().unwrap() / 100.0),
                    None => (!record[j].is_empty()).then(|| record[j].parse().unwrap()),
                };
                match (value, read) {
                    (None, None) => {}
                    (Some(v), Some(r)) => {
                        // Percentages show one decimal (0.05 %), days one decimal too.
                        let shown =
                            if column == StatColumn::MedianDaysToRectify { 0.05 } else { 0.0005 };
                        assert!((v - r).abs() <= shown + 1e-12, "{name} {column:?}: {v} vs {r}");
                    }
                    other => panic!("{name} {column:?}: {other:?}"),
                }
            }
        }
    }
    let last = records.last().unwrap();
    assert_eq!(last[0], "总计");
    assert_eq!(last[2], table.total.discovered.to_string());
}

#[test]
fn stats_xlsx_rows_match_the_table_exactly() {
    let (f, table) = fixture_table();
    let bytes = stats_xlsx(&table, &support::cx(&f, Lang::Zh)).unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["统计表"]);
    let range = support::table_part(&book.worksheet_range("统计表").unwrap());
    let columns = StatColumn::all();
    let lines = expected(&table);
    assert_eq!(range.get_size(), (lines.len() + 1, columns.len()));
    assert_eq!(range.get((0, 2)), Some(&Data::String("发现数".into())));
    for (i, (name, _, stats)) in lines.iter().enumerate() {
        assert_eq!(range.get((i + 1, 0)), Some(&Data::String(name.clone())), "names are bare");
        for (j, &column) in columns.iter().enumerate() {
            let cell = range.get((i + 1, j)).unwrap();
            if let Some(n) = count(stats, column) {
                assert_eq!(cell, &Data::Float(n as f64), "{name} {column:?}");
            } else if let Some(value) = rate(stats, column) {
                match value {
                    None => assert_eq!(cell, &Data::Empty, "{name} {column:?}"),
                    Some(v) => assert_eq!(cell, &Data::Float(v), "{name} {column:?}"),
                }
            }
        }
    }
    // Totals row = table.total.
    let last = lines.len();
    assert_eq!(range.get((last, 0)), Some(&Data::String("总计".into())));
    assert_eq!(range.get((last, 2)), Some(&Data::Float(table.total.discovered as f64)));
}

#[test]
fn stats_xlsx_indents_units_and_formats_rates_as_percentages() {
    let (f, table) = fixture_table();
    let bytes = stats_xlsx(&table, &support::cx(&f, Lang::Zh)).unwrap();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut archive.by_name(name).unwrap(), &mut text).unwrap();
        text
    };
    let styles = read("xl/styles.xml");
    assert!(styles.contains("0.0%"), "percentage format");
    assert!(styles.contains("indent=\"1\""), "indented unit names");
    let sheet = read("xl/worksheets/sheet1.xml");
    assert!(sheet.contains("state=\"frozen\""), "{sheet}");
}

#[test]
fn stats_json_is_the_table_serialisation() {
    let (_, table) = fixture_table();
    let bytes = stats_json(&table).unwrap();
    assert_eq!(bytes, serde_json::to_vec_pretty(&table).unwrap());
    // serde_json parses floats to within an ulp (exactly only with its `float_roundtrip`
    // feature), so compare the re-serialised figures rounded.
    let back: StatsTable = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(back.units.len(), table.units.len());
    assert_eq!(back.total.discovered, table.total.discovered);
    let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-12,
        (a, b) => a == b,
    };
    assert!(close(back.total.median_days_to_rectify, table.total.median_days_to_rectify));
    assert!(close(back.total.rectification_rate, table.total.rectification_rate));
    let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert!(value["units"][0]["total"]["discovered"].is_u64());
}

#[test]
fn stats_in_english_on_request() {
    let (f, table) = fixture_table();
    let text = String::from_utf8(stats_csv(&table, &support::cx(&f, Lang::En))).unwrap();
    let first = text.trim_start_matches('\u{FEFF}').lines().next().unwrap().to_owned();
    assert!(first.starts_with("Unit,Category,Found,Registered"), "{first}");
    assert!(text.contains("\r\nTotal,all,"), "{text}");
}
