//! The ledger as CSV: byte order mark, headers in both languages, cells that parse back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use hazardloop_core::model::Lang;
use hazardloop_core::report::{Column, LedgerRow};
use hazardloop_export::{ledger_csv, ledger_csv_with, CsvOptions, BOM};
use hazardloop_testkit::Fixture;
use proptest::prelude::*;

fn parse(bytes: &[u8]) -> Vec<Vec<String>> {
    let body = bytes.strip_prefix(BOM).expect("starts with the UTF-8 BOM");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(body);
    reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
}

#[test]
fn csv_starts_with_the_utf8_bom_and_parses_back_to_the_same_cells() {
    let f = Fixture::school();
    let rows = support::ledger(&f);
    let cx = support::cx(&f, Lang::Zh);
    let bytes = ledger_csv(&rows, &cx);
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");

    let records = parse(&bytes);
    let header: Vec<&str> = Column::ALL.iter().map(|c| c.header(Lang::Zh)).collect();
    assert_eq!(records[0], header);
    assert_eq!(records[0][..3], ["序号", "隐患编号", "发现时间"]);
    assert_eq!(records.len(), rows.len() + 1);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(records[i + 1], row.record(i + 1, &cx), "row {}", i + 1);
    }
    // The tricky row survived quoting: quotes, commas, a line break and markup.
    let tricky = records.iter().find(|r| r[7].starts_with(support::SCRIPT_TITLE)).unwrap();
    assert!(tricky[7].contains("\"引号\"、逗号,和\n换行"), "{:?}", tricky[7]);
    assert_eq!(tricky[5], "实验楼 & 3楼");
}

#[test]
fn english_headers_on_request() {
    let f = Fixture::school();
    let rows = support::ledger(&f);
    let cx = support::cx(&f, Lang::En);
    let records = parse(&ledger_csv(&rows, &cx));
    assert_eq!(records[0][..3], ["No.", "Hazard ID", "Discovered at"]);
    assert_eq!(records[0][19], "From inspection");
    assert_eq!(records[0][20], "Note");
    assert!(records[1..].iter().any(|r| r[15] == "yes"), "overdue in English");
}

#[test]
fn csv_lines_end_with_crlf_for_excel() {
    let f = Fixture::school();
    let bytes = ledger_csv(&support::ledger(&f)[..1], &support::cx(&f, Lang::Zh));
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("备注\r\n"), "{text:?}");
}

fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(",".to_owned()),
        Just("\"".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\r".to_owned()),
        Just(" ".to_owned()),
        Just("隐患".to_owned()),
        Just("🔥🧯".to_owned()),
        Just("\u{FEFF}".to_owned()),
        any::<char>().prop_map(String::from),
        "[a-z]{1,4}",
    ];
    prop::collection::vec(piece, 0..12).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn ledger_csv_round_trips_arbitrary_text_cells(
        title in text(),
        description in text(),
        location in text(),
        measures in proptest::option::of(text()),
        note in proptest::option::of(text()),
        lang in prop_oneof![Just(Lang::Zh), Just(Lang::En)],
    ) {
        let f = Fixture::school();
        let base: LedgerRow = support::ledger(&f).swap_remove(2);
        let row = LedgerRow { title, description, location, measures, note, ..base };
        let cx = support::cx(&f, lang);
        let rows = [row.clone(), row];
        // Without neutralising, every cell comes back exactly.
        let plain = CsvOptions { neutralise_formulas: false };
        let records = parse(&ledger_csv_with(&rows, &cx, plain));
        prop_assert_eq!(records.len(), 3);
        prop_assert_eq!(&records[1], &rows[0].record(1, &cx));
        prop_assert_eq!(&records[2], &rows[1].record(2, &cx));
        // By default, exactly the cells that start like a formula gain a leading quote.
        let records = parse(&ledger_csv(&rows, &cx));
        for (got, cell) in records[1].iter().zip(rows[0].record(1, &cx)) {
            let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
            let expected = if risky { format!("'{cell}") } else { cell };
            prop_assert_eq!(got, &expected);
        }
    }
}

#[test]
fn cells_that_start_like_a_formula_get_a_leading_quote() {
    let f = Fixture::school();
    let base: LedgerRow = support::ledger(&f).swap_remove(2);
    let cx = support::cx(&f, Lang::Zh);
    for start in ["=", "+", "-", "@", "\t", "\r"] {
        let title = format!("{start}HYPERLINK(\"http://x\")");
        let row = LedgerRow { title: title.clone(), description: String::new(), ..base.clone() };
        let records = parse(&ledger_csv(std::slice::from_ref(&row), &cx));
        let at = 7; // 隐患描述
        assert_eq!(records[1][at], format!("'{title}"), "{start:?}");
        let plain = CsvOptions { neutralise_formulas: false };
        let records = parse(&ledger_csv_with(&[row], &cx, plain));
        assert_eq!(records[1][at], title, "left alone when turned off: {start:?}");
    }
    let records = parse(&ledger_csv(&[LedgerRow { title: "灭火器过期".into(), ..base }], &cx));
    assert!(records[1][7].starts_with("灭火器过期"), "other cells unchanged");
}
