//! CSV: UTF-8 with a byte order mark, so Excel and WPS open Chinese text right, and cells that
//! a spreadsheet would run as formulas neutralised (CWE-1236).

use hazardloop_core::inspection::InspectionLine;
use hazardloop_core::report::{CellContext, LedgerRow, StatsTable};

use crate::ledger::{headers, records};
use crate::stats_layout::{lines, StatColumn};

/// The UTF-8 byte order mark that tells Excel and WPS the file is UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How CSV is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsvOptions {
    /// Neutralise formula injection (CWE-1236), on by default: a cell that starts with `=`,
    /// `+`, `-`, `@`, a tab or a carriage return gets a single quote (`'`) in front, OWASP's
    /// rule, so Excel, WPS and LibreOffice show it as text instead of running it (a title
    /// such as `=HYPERLINK(…)` typed by anyone who may report a hazard). Turn it off only for
    /// a reader that is not a spreadsheet and wants the text unchanged.
    pub neutralise_formulas: bool,
}

impl Default for CsvOptions {
    fn default() -> CsvOptions {
        CsvOptions { neutralise_formulas: true }
    }
}

/// The cell as written: with a single quote in front when it starts like a formula.
fn neutralise(cell: String) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell,
    }
}

/// Writes `records` as CSV after the byte order mark. The `csv` crate quotes commas, quotes and
/// line breaks; CRLF line ends are what Excel expects.
fn write(records: impl Iterator<Item = Vec<String>>, options: CsvOptions) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(BOM.to_vec());
    for mut record in records {
        if options.neutralise_formulas {
            record = record.into_iter().map(neutralise).collect();
        }
        // Writing into memory cannot fail, and `flexible` accepts any record length: the csv
        // crate's only other errors.
        if writer.write_record(&record).is_err() {
            break;
        }
    }
    writer.into_inner().unwrap_or_else(|e| e.into_inner().get_ref().clone())
}

/// The ledger (台账) as CSV: a header row in the context's language ([`Column::ALL`] order,
/// Chinese by default), then one record per row with the cells of [`LedgerRow::record`],
/// numbered from 1, in the order given. Times are text in the context's time zone
/// (`2025-03-03 10:00`). Formulas are neutralised ([`CsvOptions`]).
///
/// [`Column::ALL`]: hazardloop_core::report::Column::ALL
pub fn ledger_csv(rows: &[LedgerRow], cx: &CellContext<'_>) -> Vec<u8> {
    ledger_csv_with(rows, cx, CsvOptions::default())
}

/// The ledger as [`ledger_csv`] writes it, with `options`.
pub fn ledger_csv_with(rows: &[LedgerRow], cx: &CellContext<'_>, options: CsvOptions) -> Vec<u8> {
    write(std::iter::once(headers(cx)).chain(records(rows, cx)), options)
}

/// The statistics table (隐患问题统计表) as CSV, laid out as [`stats_lines`](crate::stats_lines)
/// describes: a header row ([`StatColumn::all`]), one record per unit in tree order (names
/// indented by depth), one per category, and the grand total (总计) last. Rates are percentages
/// with one decimal (`85.7%`), the median in days with one decimal; a figure without a
/// denominator is empty. Formulas are neutralised ([`CsvOptions`]).
pub fn stats_csv(table: &StatsTable, cx: &CellContext<'_>) -> Vec<u8> {
    stats_csv_with(table, cx, CsvOptions::default())
}

/// The statistics table as [`stats_csv`] writes it, with `options`.
pub fn stats_csv_with(table: &StatsTable, cx: &CellContext<'_>, options: CsvOptions) -> Vec<u8> {
    let columns = StatColumn::all();
    let header = columns.iter().map(|c| c.header(cx.lang)).collect();
    let body = lines(table, cx).into_iter().map(move |line| {
        StatColumn::all().iter().map(|c| line.text(*c, cx.lang)).collect::<Vec<String>>()
    });
    write(std::iter::once(header).chain(body), options)
}

/// The inspection statistics (检查统计) as CSV, laid out as
/// [`inspection_table`](crate::inspection_table) shows them: a header row
/// ([`InspectionColumn::ALL`](crate::InspectionColumn::ALL)), one record per unit in tree
/// order (names indented by depth), and the grand total (总计) last. The completion rate is a
/// percentage with one decimal (`50.0%`), findings per inspection have two decimals; a figure
/// without a denominator is empty. Formulas are neutralised ([`CsvOptions`]).
pub fn inspection_csv(lines: &[InspectionLine], cx: &CellContext<'_>) -> Vec<u8> {
    inspection_csv_with(lines, cx, CsvOptions::default())
}

/// The inspection statistics as [`inspection_csv`] writes them, with `options`.
pub fn inspection_csv_with(
    lines: &[InspectionLine],
    cx: &CellContext<'_>,
    options: CsvOptions,
) -> Vec<u8> {
    let table = crate::inspection_table(lines, cx);
    write(std::iter::once(table.headers).chain(table.rows), options)
}
