//! The inspection statistics (检查统计) as text, CSV, JSON, XLSX and in the HTML summary, from
//! occurrence rows with known figures; and the ledger's 来源检查 column.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Cursor, Read};

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use hazardloop_core::calendar::Calendar;
use hazardloop_core::inspection::{
    statistics, weekly, FindingRef, InspectionLine, OccurrenceId, OccurrenceRow,
};
use hazardloop_core::model::{Lang, UnitId};
use hazardloop_core::report::{Bounds, Column};
use hazardloop_export::{
    export_inspections, inspection_csv, inspection_json, inspection_lines, inspection_table,
    inspection_xlsx, ledger_csv, ledger_xlsx, monthly_html, monthly_html_with,
    stats_xlsx_with_inspections, ExportError, Format, InspectionColumn, InspectionSummary,
    LineKind, PrintSetup, BOM,
};
use hazardloop_testkit::Fixture;

/// How an occurrence ended up.
#[derive(Clone, Copy)]
enum Outcome {
    OnTime(u32),
    Late(u32),
    Missed,
    Excused,
    Open,
}

/// An occurrence of `unit` on the local day 2025-03-`day` (2025-04-`day - 31` past March):
/// opens 08:00, due 18:00, closes the next day 08:00, Shanghai time.
fn occurrence(f: &Fixture, unit: &UnitId, day: u32, outcome: Outcome) -> OccurrenceRow {
    let first_day =
        NaiveDate::from_ymd_opt(2025, 3, 1).unwrap() + Duration::days(i64::from(day) - 1);
    let at = |hour: i64| {
        Utc.from_utc_datetime(&first_day.and_hms_opt(0, 0, 0).unwrap()) + Duration::hours(hour - 8)
    };
    let (opens, due, closes) = (at(8), at(18), at(32));
    let mut row = OccurrenceRow {
        id: OccurrenceId::of("daily-patrol", unit, &first_day.to_string()),
        plan: "daily-patrol".into(),
        title: "每日巡查".into(),
        template: "daily_patrol@1".into(),
        unit: unit.clone(),
        location: "校园".into(),
        inspector: f.people.inspector.clone(),
        first_day,
        opens,
        due,
        closes,
        started_at: None,
        completed_at: None,
        late: false,
        missed_at: None,
        excused: false,
        findings: 0,
        version: 1,
    };
    match outcome {
        Outcome::OnTime(findings) => {
            row.started_at = Some(at(9));
            row.completed_at = Some(at(10));
            row.findings = findings;
        }
        Outcome::Late(findings) => {
            row.started_at = Some(at(19));
            row.completed_at = Some(at(20));
            row.late = true;
            row.findings = findings;
        }
        Outcome::Missed => row.missed_at = Some(closes),
        Outcome::Excused => {
            row.missed_at = Some(closes);
            row.excused = true;
        }
        Outcome::Open => {}
    }
    row
}

/// 2025-03-28 10:00 in Shanghai: everything done or missed but the school's own check of
/// 03-31, still open.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 28, 2, 0, 0).unwrap()
}

fn bounds() -> Bounds {
    support::march().bounds(&Calendar::china())
}

/// Known figures:
///
/// | unit | planned | completed | on time | late | missed | excused | open | findings |
/// |------|---------|-----------|---------|------|--------|---------|------|----------|
/// | 后勤管理处 | 4 | 2 | 1 | 1 | 1 | 1 | 0 | 3 |
/// | 安全保卫处 | 2 | 1 | 1 | 0 | 1 | 0 | 0 | 1 |
/// | 第一中学 (own) | 1 | 0 | 0 | 0 | 0 | 0 | 1 | 0 |
///
/// Rolled up, the school and the bureau: 7 planned, 3 completed (2 on time, 1 late), 2 missed,
/// 1 excused, 1 open, 4 findings. One more occurrence in April lies outside the period.
fn rows(f: &Fixture) -> Vec<OccurrenceRow> {
    use Outcome::*;
    vec![
        occurrence(f, &f.logistics, 3, OnTime(2)),
        occurrence(f, &f.logistics, 5, Late(1)),
        occurrence(f, &f.logistics, 11, Missed),
        occurrence(f, &f.logistics, 18, Excused),
        occurrence(f, &f.security, 4, OnTime(1)),
        occurrence(f, &f.security, 19, Missed),
        occurrence(f, &f.school, 31, Open),
        occurrence(f, &f.security, 38, OnTime(5)),
    ]
}

fn lines(f: &Fixture) -> Vec<InspectionLine> {
    statistics(&rows(f), &f.org, bounds(), now())
}

fn summary(f: &Fixture) -> InspectionSummary {
    InspectionSummary::from_rows(&rows(f), &f.org, bounds(), now())
}

const ZH_HEADERS: [&str; 9] =
    ["单位", "应检", "已检", "按时完成", "逾期完成", "漏检", "核准免检", "完成率", "平均发现隐患"];
const EN_HEADERS: [&str; 9] = [
    "Unit",
    "Planned",
    "Completed",
    "On time",
    "Late",
    "Missed",
    "Excused",
    "Completion rate",
    "Findings per inspection",
];

/// The expected text rows in Chinese: bureau, school, its two departments, the total.
fn expected_zh() -> Vec<[&'static str; 9]> {
    vec![
        ["市教育局", "7", "3", "2", "1", "2", "1", "60.0%", "1.33"],
        ["\u{3000}第一中学", "7", "3", "2", "1", "2", "1", "60.0%", "1.33"],
        ["\u{3000}\u{3000}后勤管理处", "4", "2", "1", "1", "1", "1", "66.7%", "1.50"],
        ["\u{3000}\u{3000}安全保卫处", "2", "1", "1", "0", "1", "0", "50.0%", "1.00"],
        ["总计", "7", "3", "2", "1", "2", "1", "60.0%", "1.33"],
    ]
}

/// The rows of `table` with the two departments in a fixed order (the organisation lists its
/// departments in the preset's order).
fn sorted(mut rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    rows[2..4].sort_by(|a, b| a[0].cmp(&b[0]));
    rows
}

#[test]
fn the_table_shows_counts_rates_and_indented_units() {
    let f = Fixture::school();
    let lines = lines(&f);
    assert_eq!(lines.len(), 4, "bureau, school and two departments; the idle grid is left out");
    let table = inspection_table(&lines, &support::cx(&f, Lang::Zh));
    assert_eq!(table.headers, ZH_HEADERS);
    let expected: Vec<Vec<String>> =
        expected_zh().iter().map(|r| r.iter().map(|c| (*c).to_owned()).collect()).collect();
    assert_eq!(sorted(table.rows), expected);
}

#[test]
fn lines_end_with_a_total_of_the_top_units() {
    let f = Fixture::school();
    let lines = lines(&f);
    let cx = support::cx(&f, Lang::Zh);
    let out = inspection_lines(&lines, &cx);
    assert_eq!(out.len(), lines.len() + 1);
    let total = out.last().unwrap();
    assert_eq!(total.kind, LineKind::Total);
    assert_eq!((total.unit.as_str(), total.depth), ("总计", 0));
    assert_eq!(total.tally, lines[0].tally, "one root: the total is the bureau's");
    assert_eq!(total.tally.open, 1);
    assert!(out[..lines.len()].iter().all(|l| l.kind == LineKind::Unit));
    // Two roots would both count: the school's subtree alone, twice over, sums to twice.
    let twice: Vec<InspectionLine> = lines[1..].iter().chain(&lines[1..]).cloned().collect();
    let total = inspection_lines(&twice, &cx).pop().unwrap().tally;
    assert_eq!((total.planned, total.completed, total.findings), (14, 6, 8));
    // Nothing due: a lone total of zeros, rates empty.
    let empty = inspection_table(&[], &cx);
    assert_eq!(empty.rows, [["总计", "0", "0", "0", "0", "0", "0", "", ""]]);
}

#[test]
fn english_headers_and_total_on_request() {
    let f = Fixture::school();
    let table = inspection_table(&lines(&f), &support::cx(&f, Lang::En));
    assert_eq!(table.headers, EN_HEADERS);
    let last = table.rows.last().unwrap();
    assert_eq!(last[0], "Total");
    assert_eq!(last[7], "60.0%");
    assert!(table.rows[2][0].starts_with("    "), "two spaces a level: {:?}", table.rows[2][0]);
    let text = String::from_utf8(inspection_csv(&lines(&f), &support::cx(&f, Lang::En))).unwrap();
    assert!(
        text.trim_start_matches('\u{FEFF}').starts_with(
            "Unit,Planned,Completed,On time,Late,Missed,Excused,Completion rate,Findings per inspection\r\n"
        ),
        "{text}"
    );
}

#[test]
fn csv_has_the_bom_and_the_table_cells() {
    let f = Fixture::school();
    let cx = support::cx(&f, Lang::Zh);
    let lines = lines(&f);
    let bytes = inspection_csv(&lines, &cx);
    let body = bytes.strip_prefix(BOM).expect("UTF-8 byte order mark");
    let records: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(records[0], ZH_HEADERS);
    let table = inspection_table(&lines, &cx);
    assert_eq!(records[1..], table.rows[..]);
    assert_eq!(export_inspections(Format::Csv, &lines, &cx).unwrap(), bytes);
}

#[test]
fn json_has_each_line_with_its_rates_and_the_total() {
    let f = Fixture::school();
    let lines = lines(&f);
    let bytes = inspection_json(&lines).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let json_lines = doc["lines"].as_array().unwrap();
    assert_eq!(json_lines.len(), lines.len());
    let security = json_lines.iter().find(|l| l["name"] == "安全保卫处").unwrap();
    assert_eq!(security["unit"], f.security.to_string());
    assert_eq!(security["depth"], 2);
    assert_eq!(security["tally"]["planned"], 2);
    assert_eq!(security["tally"]["missed"], 1);
    assert_eq!(security["completion_rate"], 0.5);
    assert_eq!(security["findings_per_inspection"], 1.0);
    assert_eq!(doc["total"]["tally"]["planned"], 7);
    assert_eq!(doc["total"]["tally"]["open"], 1);
    assert_eq!(doc["total"]["completion_rate"], 0.6);
    // The lines read back as the core's type.
    let back: Vec<InspectionLine> = serde_json::from_value(doc["lines"].clone()).unwrap();
    assert_eq!(back, lines);
    // Nothing to divide by: null.
    let none = inspection_json(&[]).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&none).unwrap();
    assert!(doc["total"]["completion_rate"].is_null());
    assert_eq!(
        export_inspections(Format::Json, &lines, &support::cx(&f, Lang::Zh)).unwrap(),
        bytes
    );
}

fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    archive.by_name(name).unwrap().read_to_string(&mut text).unwrap();
    text
}

#[test]
fn xlsx_reads_back_with_numbers_percentages_and_bare_names() {
    let f = Fixture::school();
    let lines = lines(&f);
    let bytes = inspection_xlsx(&lines, &support::cx(&f, Lang::Zh)).unwrap();
    if let Ok(dir) = std::env::var("HAZARDLOOP_EXPORT_SAMPLES") {
        std::fs::write(format!("{dir}/inspection-stats.xlsx"), &bytes).unwrap();
    }
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(book.sheet_names(), ["统计-检查"]);
    let range = support::table_part(&book.worksheet_range("统计-检查").unwrap());
    assert_eq!(range.get_size(), (lines.len() + 2, InspectionColumn::ALL.len()));
    for (j, header) in ZH_HEADERS.iter().enumerate() {
        assert_eq!(range.get((0, j)), Some(&Data::String((*header).into())));
    }
    let row_of = |name: &str| {
        (1..range.height())
            .find(|&i| range.get((i, 0)) == Some(&Data::String(name.into())))
            .unwrap_or_else(|| panic!("a row for {name}, its name bare"))
    };
    let cells =
        |i: usize| -> Vec<Data> { (0..9).map(|j| range.get((i, j)).unwrap().clone()).collect() };
    let n = |v: f64| Data::Float(v);
    let security = cells(row_of("安全保卫处"));
    assert_eq!(security[1..], [n(2.0), n(1.0), n(1.0), n(0.0), n(1.0), n(0.0), n(0.5), n(1.0)]);
    let logistics = cells(row_of("后勤管理处"));
    assert_eq!(logistics[1..7], [n(4.0), n(2.0), n(1.0), n(1.0), n(1.0), n(1.0)]);
    assert_eq!(logistics[7], n(2.0 / 3.0), "the rate unrounded, shown as a percentage");
    assert_eq!(logistics[8], n(1.5));
    let total = cells(lines.len() + 1);
    assert_eq!(total[0], Data::String("总计".into()));
    assert_eq!(total[1..3], [n(7.0), n(3.0)]);
    assert_eq!(total[7], n(0.6));

    let sheet = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        sheet.contains(r#"<pane xSplit="1" ySplit="4" topLeftCell="B5" activePane="bottomRight" state="frozen"/>"#),
        "header row and unit column frozen: {sheet}"
    );
    let styles = zip_entry(&bytes, "xl/styles.xml");
    assert!(styles.contains("<b/>"), "bold header");
    assert!(styles.contains("FFDDEBF7"), "header fill");
    assert!(styles.contains("formatCode=\"0.0%\""), "percentages: {styles}");
    assert!(styles.contains("formatCode=\"0.00\""), "findings per inspection");
    assert!(styles.contains("indent=\"1\"") && styles.contains("indent=\"2\""), "indented units");
    let dispatched = export_inspections(Format::Xlsx, &lines, &support::cx(&f, Lang::Zh)).unwrap();
    assert!(dispatched.starts_with(b"PK"));
}

#[test]
fn english_xlsx_and_the_workbook_with_both_tables() {
    let f = Fixture::school();
    let lines = lines(&f);
    let bytes = inspection_xlsx(&lines, &support::cx(&f, Lang::En)).unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["Inspections"]);
    let range = support::table_part(&book.worksheet_range("Inspections").unwrap());
    for (j, header) in EN_HEADERS.iter().enumerate() {
        assert_eq!(range.get((0, j)), Some(&Data::String((*header).into())));
    }
    assert_eq!(range.get((lines.len() + 1, 0)), Some(&Data::String("Total".into())));

    let ledger = support::ledger(&f);
    let table = support::table(&f, &ledger);
    for (lang, names) in
        [(Lang::Zh, ["统计表", "统计-检查"]), (Lang::En, ["Statistics", "Inspections"])]
    {
        let setup = PrintSetup::for_period(&support::march(), &Calendar::china(), lang, f.start);
        let bytes =
            stats_xlsx_with_inspections(&table, &lines, &support::cx(&f, lang), &setup).unwrap();
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), names);
        let stats = support::table_part(&book.worksheet_range(names[0]).unwrap());
        let last = stats.height() - 1;
        assert_eq!(stats.get((last, 2)), Some(&Data::Float(table.total.discovered as f64)));
        let inspections = support::table_part(&book.worksheet_range(names[1]).unwrap());
        assert_eq!(inspections.get_size(), (lines.len() + 2, 9));
        assert_eq!(inspections.get((1, 1)), Some(&Data::Float(7.0)));
    }
}

fn page(f: &Fixture, lang: Lang, inspections: Option<&InspectionSummary>) -> String {
    let ledger = support::ledger(f);
    let table = support::table(f, &ledger);
    monthly_html_with(
        &ledger,
        &table,
        &support::march(),
        &Calendar::china(),
        &support::cx(f, lang),
        inspections,
    )
    .unwrap()
}

/// The bars of `colour` (`#9AB4D6`) in `svg`: filled rectangles, with their heights.
fn bars(svg: &str, colour: &str) -> Vec<f64> {
    svg.split("<rect")
        .skip(1)
        .filter(|r| r.contains(&format!("fill=\"{colour}\"")))
        .map(|r| {
            let start = r.find("height=\"").unwrap() + 8;
            r[start..].split('"').next().unwrap().parse().unwrap()
        })
        .collect()
}

#[test]
fn summary_shows_the_inspection_table_and_a_weekly_chart() {
    let f = Fixture::school();
    let summary = summary(&f);
    assert_eq!(summary.lines, lines(&f));
    assert_eq!(summary.weekly, weekly(&rows(&f), bounds(), now()));
    let html = page(&f, Lang::Zh, Some(&summary));
    if let Ok(dir) = std::env::var("HAZARDLOOP_EXPORT_SAMPLES") {
        std::fs::write(format!("{dir}/inspection-summary.html"), &html).unwrap();
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<svg").count(), 4, "the three hazard charts and the weekly one");
    let part = &html[html.find("<h2>隐患排查完成情况</h2>").expect("the inspection part")..];
    assert!(part.find("<h2>逾期未整改隐患</h2>").is_some(), "before the lists");
    assert!(part.contains("<table class=\"inspections\">"));
    for header in ZH_HEADERS {
        assert!(part.contains(&format!("<th>{header}</th>")), "{header}");
    }
    assert!(part.contains(
        "<tr><td class=\"text\" style=\"padding-left:3.5em\">安全保卫处</td><td>2</td><td>1</td>\
         <td>1</td><td>0</td><td class=\"alert\">1</td><td>0</td><td>50.0%</td><td>1.00</td></tr>"
    ));
    assert!(part.contains(
        "<tr class=\"total\"><td class=\"text\" style=\"padding-left:0.5em\">总计</td><td>7</td>"
    ));
    assert!(part.contains("<div class=\"value\">60.0%</div><div class=\"name\">完成率</div>"));
    assert!(part.contains("进行中"), "the rate's definition names the open ones");

    // The chart: a planned bar and a completed bar for each of March's six weeks (and one of
    // each colour in the legend).
    let svg = &part[part.find("<svg").unwrap()..part.find("</svg>").unwrap()];
    assert!(part.contains("每周应检与已检次数"));
    let planned = bars(svg, "#9AB4D6");
    let completed = bars(svg, "#2E9D5B");
    assert_eq!(planned.len(), 6 + 1, "{svg}");
    assert_eq!(completed.len(), 6 + 1);
    // Planned per week 0, 3, 1, 2, 0, 1; completed 3 in the week of 3/3 only.
    let heights: Vec<bool> = planned[..6].iter().map(|h| *h > 0.0).collect();
    assert_eq!(heights, [false, true, true, true, false, true]);
    assert!(planned[1] > planned[3] && planned[3] > planned[2], "{planned:?}");
    assert_eq!(completed[1], planned[1], "all three of that week done");
    assert!(completed[..6].iter().enumerate().all(|(i, h)| (i == 1) == (*h > 0.0)));
    for label in ["3/1–3/2", "3/3–3/9", "3/31–3/31"] {
        assert!(svg.contains(label), "{label}");
    }
}

#[test]
fn summary_in_english_and_without_inspections() {
    let f = Fixture::school();
    let html = page(&f, Lang::En, Some(&summary(&f)));
    assert!(html.contains("<h2>Inspections</h2>"));
    for header in EN_HEADERS {
        assert!(html.contains(&format!("<th>{header}</th>")), "{header}");
    }
    assert!(html.contains("Inspections planned and completed per week"));
    assert_eq!(html.matches("<svg").count(), 4);

    // Without the summary, the page is the one `monthly_html` makes.
    let ledger = support::ledger(&f);
    let table = support::table(&f, &ledger);
    let cx = support::cx(&f, Lang::Zh);
    let plain = monthly_html(&ledger, &table, &support::march(), &Calendar::china(), &cx).unwrap();
    let without =
        monthly_html_with(&ledger, &table, &support::march(), &Calendar::china(), &cx, None)
            .unwrap();
    assert_eq!(without, plain);
    assert!(!plain.contains("class=\"inspections\""));

    // Nothing due in the period: the part says so, without a chart.
    let empty = page(&f, Lang::Zh, Some(&InspectionSummary::default()));
    assert!(empty.contains("本期无应检任务"));
    assert_eq!(empty.matches("<svg").count(), 3);
    assert!(matches!(
        export_inspections(Format::Html, &[], &cx),
        Err(ExportError::NotAvailable { content: "检查统计", .. })
    ));
}

#[test]
fn ledger_shows_the_inspection_a_hazard_came_from() {
    let f = Fixture::school();
    let mut rows = support::ledger(&f)[..2].to_vec();
    let occurrence = OccurrenceId::of("daily-patrol", &f.logistics, "2025-03-03");
    rows[1].finding = Some(FindingRef { occurrence, item: "stairs".into() });
    let shown = "daily-patrol/school/logistics/2025-03-03#stairs";
    let at = Column::ALL.iter().position(|c| *c == Column::Inspection).unwrap();
    assert_eq!(Column::ALL[at + 1], Column::Note, "来源检查 comes before 备注");

    let cx = support::cx(&f, Lang::Zh);
    let bytes = ledger_csv(&rows, &cx);
    let records: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.strip_prefix(BOM).unwrap())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(records[0][at], "来源检查");
    assert_eq!(records[1][at], "", "a hazard found otherwise");
    assert_eq!(records[2][at], shown);

    let bytes = ledger_xlsx(&rows, &cx).unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let range = support::table_part(&book.worksheet_range("台账").unwrap());
    assert_eq!(range.get((0, at)), Some(&Data::String("来源检查".into())));
    assert_eq!(range.get((1, at)), Some(&Data::Empty));
    assert_eq!(range.get((2, at)), Some(&Data::String(shown.into())));

    let en = ledger_csv(&rows, &support::cx(&f, Lang::En));
    assert!(String::from_utf8(en).unwrap().contains("From inspection,Note\r\n"));
}
