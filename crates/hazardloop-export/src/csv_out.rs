//! CSV: UTF-8 with a byte order mark, so Excel and WPS open Chinese text right.

use hazardloop_core::inspection::InspectionLine;
use hazardloop_core::report::{CellContext, LedgerRow, StatsTable};

use crate::ledger::{headers, records};
use crate::stats_layout::{lines, StatColumn};

/// The UTF-8 byte order mark that tells Excel and WPS the file is UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes `records` as CSV after the byte order mark. The `csv` crate quotes commas, quotes and
/// line breaks; CRLF line ends are what Excel expects.
fn write(records: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(BOM.to_vec());
    for record in records {
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
/// numbered from 1. Times are text in the context's time zone (`2025-03-03 10:00`).
///
/// [`Column::ALL`]: hazardloop_core::report::Column::ALL
pub fn ledger_csv(rows: &[LedgerRow], cx: &CellContext<'_>) -> Vec<u8> {
    write(std::iter::once(headers(cx)).chain(records(rows, cx)))
}

/// The statistics table (隐患问题统计表) as CSV, laid out as [`stats_lines`](crate::stats_lines)
/// describes: a header row ([`StatColumn::all`]), one record per unit in tree order (names
/// indented by depth), one per category, and the grand total (总计) last. Rates are percentages
/// with one decimal (`85.7%`), the median in days with one decimal; a figure without a
/// denominator is empty.
pub fn stats_csv(table: &StatsTable, cx: &CellContext<'_>) -> Vec<u8> {
    let columns = StatColumn::all();
    let header = columns.iter().map(|c| c.header(cx.lang)).collect();
    let body = lines(table, cx).into_iter().map(move |line| {
        StatColumn::all().iter().map(|c| line.text(*c, cx.lang)).collect::<Vec<String>>()
    });
    write(std::iter::once(header).chain(body))
}

/// The inspection statistics (检查统计) as CSV, laid out as
/// [`inspection_table`](crate::inspection_table) shows them: a header row
/// ([`InspectionColumn::ALL`](crate::InspectionColumn::ALL)), one record per unit in tree
/// order (names indented by depth), and the grand total (总计) last. The completion rate is a
/// percentage with one decimal (`50.0%`), findings per inspection have two decimals; a figure
/// without a denominator is empty.
pub fn inspection_csv(lines: &[InspectionLine], cx: &CellContext<'_>) -> Vec<u8> {
    let table = crate::inspection_table(lines, cx);
    write(std::iter::once(table.headers).chain(table.rows))
}
