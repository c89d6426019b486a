//! Format names, the dispatchers, and the ledger JSON shape.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use hazardloop_core::model::Lang;
use hazardloop_core::report::Column;
use hazardloop_export::{
    export_ledger, export_stats, ledger_json, ExportError, Format, FormatError, BOM,
};
use hazardloop_testkit::Fixture;

#[test]
fn format_names_parse_in_any_case_and_unknown_ones_are_typed_errors() {
    assert_eq!("CSV".parse::<Format>(), Ok(Format::Csv));
    assert_eq!(".xlsx".parse::<Format>(), Ok(Format::Xlsx));
    assert_eq!(" json ".parse::<Format>(), Ok(Format::Json));
    assert_eq!("html".parse::<Format>(), Ok(Format::Html));
    assert_eq!("xls".parse::<Format>(), Err(FormatError::Unknown("xls".into())));
    for f in Format::ALL {
        assert_eq!(f.to_string().parse::<Format>(), Ok(f));
    }
    assert!("pdf".parse::<Format>().unwrap_err().to_string().contains("csv、xlsx、json、html"));
}

#[test]
fn dispatchers_return_the_bytes_of_each_data_format() {
    let f = Fixture::school();
    let rows = support::ledger(&f);
    let table = support::table(&f, &rows);
    let cx = support::cx(&f, Lang::Zh);
    for format in Format::for_data() {
        let ledger = export_ledger(format, &rows, &cx).unwrap();
        let stats = export_stats(format, &table, &cx).unwrap();
        match format {
            Format::Csv => assert!(ledger.starts_with(BOM) && stats.starts_with(BOM)),
            Format::Xlsx => assert!(ledger.starts_with(b"PK") && stats.starts_with(b"PK")),
            _ => assert!(ledger.starts_with(b"{") && stats.starts_with(b"{")),
        }
    }
}

#[test]
fn html_is_not_available_for_the_ledger_or_the_table_alone() {
    let f = Fixture::school();
    let rows = support::ledger(&f);
    let cx = support::cx(&f, Lang::Zh);
    let err = export_ledger(Format::Html, &rows, &cx).unwrap_err();
    assert!(matches!(err, ExportError::NotAvailable { format: Format::Html, content: "台账" }));
    assert!(err.to_string().contains("not available for the 台账 alone"), "{err}");
    let table = support::table(&f, &rows);
    assert!(matches!(
        export_stats(Format::Html, &table, &cx),
        Err(ExportError::NotAvailable { content: "统计表", .. })
    ));
}

#[test]
fn ledger_json_has_headers_and_rows_keyed_by_column_code_in_column_order() {
    let f = Fixture::school();
    let rows = support::ledger(&f);
    let cx = support::cx(&f, Lang::Zh);
    let bytes = ledger_json(&rows, &cx).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc["lang"], "zh");
    assert_eq!(doc["time_zone"], "Asia/Shanghai");
    let columns = doc["columns"].as_array().unwrap();
    assert_eq!(columns.len(), Column::ALL.len());
    assert_eq!(columns.len(), 21);
    assert_eq!(columns[0], serde_json::json!({ "code": "number", "header": "序号" }));
    assert_eq!(columns[2], serde_json::json!({ "code": "discovered_at", "header": "发现时间" }));
    assert_eq!(columns[19], serde_json::json!({ "code": "inspection", "header": "来源检查" }));
    assert_eq!(columns[20], serde_json::json!({ "code": "note", "header": "备注" }));
    let json_rows = doc["rows"].as_array().unwrap();
    assert_eq!(json_rows.len(), rows.len());
    for (i, row) in rows.iter().enumerate() {
        for column in Column::ALL {
            let code = serde_json::to_value(column).unwrap();
            let expected =
                if column == Column::Number { (i + 1).to_string() } else { row.cell(column, &cx) };
            assert_eq!(json_rows[i][code.as_str().unwrap()], expected.as_str());
        }
    }
    // Keys keep the column order in the text (a reader that keeps order shows the sheet's).
    let text = String::from_utf8(bytes).unwrap();
    let first = text.find("\"number\": \"1\"").unwrap();
    assert!(first < text[first..].find("\"note\"").unwrap() + first);
    assert!(text.find("\"id\": \"").unwrap() < text.find("\"discovered_at\": \"").unwrap());
}
