//! XLSX workbooks of the ledger and the statistics, printed as [`crate::sheet`] lays out a
//! table: times as real Excel dates in the school's time zone, rates as percentages.

use hazardloop_core::inspection::InspectionLine;
use hazardloop_core::model::Lang;
use hazardloop_core::report::{CellContext, Column, LedgerRow, StatsTable};
use rust_xlsxwriter::Workbook;

use crate::inspection_layout::{inspection_lines, InspectionColumn};
use crate::ledger::{headers, time_of};
use crate::print::{t, PrintSetup};
use crate::sheet::{add_table, workbook, Cell, Table, Value};
use crate::stats_layout::{lines, Figure, LineKind, StatColumn};
use crate::ExportError;

/// The number format of times: local date and time to the minute, as the CSV shows them.
pub const DATE_TIME_FORMAT: &str = "yyyy-mm-dd hh:mm";

/// The ledger's title: 安全隐患排查治理台账.
fn ledger_title(lang: Lang) -> &'static str {
    t(lang, "安全隐患排查治理台账", "Safety hazard ledger")
}

/// The statistics table's title: 隐患问题统计表.
fn stats_title(lang: Lang) -> &'static str {
    t(lang, "隐患问题统计表", "Hazard statistics")
}

/// The inspection statistics' title: 隐患排查完成情况统计表.
fn inspection_title(lang: Lang) -> &'static str {
    t(lang, "隐患排查完成情况统计表", "Inspection statistics")
}

/// The ledger (台账) as a workbook, as [`ledger_xlsx_with`] makes it with the default
/// [`PrintSetup`]: rows by discovery time, as of the latest row.
pub fn ledger_xlsx(rows: &[LedgerRow], cx: &CellContext<'_>) -> Result<Vec<u8>, ExportError> {
    ledger_xlsx_with(rows, cx, &PrintSetup::default())
}

/// The ledger (台账) as a workbook with one sheet named `台账` (`Ledger` in English).
///
/// Rows 1–3 hold the title block: the school, `安全隐患排查治理台账`, and the period and the
/// as-of time from `setup` (without one, the latest [`LedgerRow::as_of`]). Row 4
/// ([`TITLE_ROWS`](crate::TITLE_ROWS) zero-based) holds the headers ([`Column::ALL`] order) in
/// bold on a fill, frozen, filtered, and repeated on every printed page; then one row per
/// hazard, oldest discovery first unless `setup.keep_order`. 序号 is a number; the four time
/// columns (发现时间, 整改期限, 验收时间, 销号时间) are Excel date-times in the context's time
/// zone, shown `yyyy-mm-dd hh:mm`, and empty where the row has no value; every other cell is
/// the text of [`LedgerRow::cell`], wrapped in its column, the row as tall as its text. Below
/// the table: 填表人, 审核人, 单位负责人, 日期, and （盖章）. It prints landscape on A4, one
/// page wide.
pub fn ledger_xlsx_with(
    rows: &[LedgerRow],
    cx: &CellContext<'_>,
    setup: &PrintSetup,
) -> Result<Vec<u8>, ExportError> {
    let mut ordered: Vec<&LedgerRow> = rows.iter().collect();
    if !setup.keep_order {
        ordered.sort_by_key(|r| r.discovered_at);
    }
    let setup = PrintSetup {
        as_of: setup.as_of.or_else(|| rows.iter().map(|r| r.as_of).max()),
        ..setup.clone()
    };
    let cells = ordered
        .iter()
        .enumerate()
        .map(|(i, ledger_row)| {
            Column::ALL
                .iter()
                .map(|&column| {
                    Cell::plain(if column == Column::Number {
                        Value::Number((i + 1) as f64, "")
                    } else if let Some(at) = time_of(ledger_row, column) {
                        at.map_or(Value::Empty, |at| {
                            Value::Date(at.with_timezone(&cx.time_zone).naive_local())
                        })
                    } else {
                        let text = ledger_row.cell(column, cx);
                        if text.is_empty() {
                            Value::Empty
                        } else {
                            Value::Text(text)
                        }
                    })
                })
                .collect()
        })
        .collect();
    let title = ledger_title(cx.lang);
    let table = Table {
        sheet_name: t(cx.lang, "台账", "Ledger"),
        title,
        headers: headers(cx),
        rows: cells,
        max_width: 14,
        caps: ledger_caps(),
        frozen_columns: 0,
        autofilter: true,
    };
    let mut book = workbook(title, cx);
    add_table(&mut book, &table, &setup, cx)?;
    Ok(book.save_to_buffer()?)
}

/// The ledger's widest columns: 21 columns must fit across one landscape A4 page, so names
/// and places wrap at 14 characters (7 Chinese), the hazard number at 20, and only the long
/// texts (隐患描述, 整改措施, 备注) get more room; dates keep their 16.
fn ledger_caps() -> Vec<(usize, usize)> {
    let wide = [
        (Column::Id, 20),
        (Column::Description, 32),
        (Column::Measures, 24),
        (Column::Note, 20),
        (Column::DiscoveredAt, 16),
        (Column::Deadline, 16),
        (Column::AcceptedAt, 16),
        (Column::ClosedAt, 16),
    ];
    Column::ALL
        .iter()
        .enumerate()
        .filter_map(|(j, c)| wide.iter().find(|(w, _)| w == c).map(|&(_, cap)| (j, cap)))
        .collect()
}

/// A figure of a statistics line as a cell: unit names indented by `depth` (Excel's indent,
/// the text is the bare name), the total line bold.
fn figure_cell(figure: Figure, unit: bool, depth: usize, total: bool) -> Cell {
    let value = match figure {
        Figure::Text(text) => Value::Text(text),
        Figure::Count(n) => Value::Number(n as f64, ""),
        Figure::Rate(Some(rate)) => Value::Number(rate, "0.0%"),
        Figure::Days(Some(days)) => Value::Number(days, "0.0"),
        Figure::Average(Some(average)) => Value::Number(average, "0.00"),
        Figure::Rate(None) | Figure::Days(None) | Figure::Average(None) => Value::Empty,
    };
    let indent = if unit { u8::try_from(depth).unwrap_or(u8::MAX) } else { 0 };
    Cell { value, bold: total, indent }
}

/// Adds the sheet of the statistics table to `book`.
fn stats_sheet(
    book: &mut Workbook,
    table: &StatsTable,
    cx: &CellContext<'_>,
    setup: &PrintSetup,
) -> Result<(), ExportError> {
    let columns = StatColumn::all();
    let rows = lines(table, cx)
        .iter()
        .map(|line| {
            let total = line.kind == LineKind::Total;
            columns
                .iter()
                .map(|&c| figure_cell(line.figure(c), c == StatColumn::Unit, line.depth, total))
                .collect()
        })
        .collect();
    let sheet = Table {
        sheet_name: t(cx.lang, "统计表", "Statistics"),
        title: stats_title(cx.lang),
        headers: columns.iter().map(|c| c.header(cx.lang)).collect(),
        rows,
        max_width: 24,
        caps: Vec::new(),
        frozen_columns: 2,
        autofilter: false,
    };
    add_table(book, &sheet, setup, cx)
}

/// Adds the sheet of the inspection statistics to `book`.
fn inspection_sheet(
    book: &mut Workbook,
    inspection: &[InspectionLine],
    cx: &CellContext<'_>,
    setup: &PrintSetup,
) -> Result<(), ExportError> {
    let columns = InspectionColumn::ALL;
    let rows = inspection_lines(inspection, cx)
        .iter()
        .map(|line| {
            let total = line.kind == LineKind::Total;
            columns
                .iter()
                .map(|&c| {
                    figure_cell(line.figure(c), c == InspectionColumn::Unit, line.depth, total)
                })
                .collect()
        })
        .collect();
    let sheet = Table {
        sheet_name: t(cx.lang, "统计-检查", "Inspections"),
        title: inspection_title(cx.lang),
        headers: columns.iter().map(|c| c.header(cx.lang).to_owned()).collect(),
        rows,
        max_width: 24,
        caps: Vec::new(),
        frozen_columns: 1,
        autofilter: false,
    };
    add_table(book, &sheet, setup, cx)
}

/// The statistics table (隐患问题统计表) as [`stats_xlsx_with`] makes it with the default
/// [`PrintSetup`] (no period line, no as-of time: the table does not know them).
pub fn stats_xlsx(table: &StatsTable, cx: &CellContext<'_>) -> Result<Vec<u8>, ExportError> {
    stats_xlsx_with(table, cx, &PrintSetup::default())
}

/// The statistics table (隐患问题统计表) as a workbook with one sheet named `统计表`
/// (`Statistics`), in the layout of [`crate::stats_lines`], under the title block of
/// [`ledger_xlsx_with`] (school, `隐患问题统计表`, period and as-of time from `setup`): a
/// frozen, styled header row repeated on every printed page, and the unit column frozen; unit
/// names indented by depth (Excel's indent, the text is the bare name); counts as numbers,
/// rates as percentages (`0.0%`), the median in days (`0.0`), empty where a figure has no
/// denominator; the grand total (总计) last, in bold; the signature block below. Landscape A4,
/// one page wide.
pub fn stats_xlsx_with(
    table: &StatsTable,
    cx: &CellContext<'_>,
    setup: &PrintSetup,
) -> Result<Vec<u8>, ExportError> {
    let mut book = workbook(stats_title(cx.lang), cx);
    stats_sheet(&mut book, table, cx, setup)?;
    Ok(book.save_to_buffer()?)
}

/// The inspection statistics as [`inspection_xlsx_with`] makes them with the default
/// [`PrintSetup`].
pub fn inspection_xlsx(
    inspection: &[InspectionLine],
    cx: &CellContext<'_>,
) -> Result<Vec<u8>, ExportError> {
    inspection_xlsx_with(inspection, cx, &PrintSetup::default())
}

/// The inspection statistics (检查统计) as a workbook with one sheet named `统计-检查`
/// (`Inspections`), in the layout of [`crate::inspection_lines`], printed as
/// [`stats_xlsx_with`] prints (title block `隐患排查完成情况统计表`, signature block, landscape
/// A4): a bold, filled header row (单位, 应检, 已检, 按时完成, 逾期完成, 漏检, 核准免检, 完成率,
/// 平均发现隐患) frozen with the unit column; unit names indented by depth (Excel's indent, the
/// text is the bare name); counts as numbers, the completion rate as a percentage (`0.0%`),
/// findings per inspection with two decimals (`0.00`), empty where a figure has no
/// denominator; the grand total (总计) last, in bold.
pub fn inspection_xlsx_with(
    inspection: &[InspectionLine],
    cx: &CellContext<'_>,
    setup: &PrintSetup,
) -> Result<Vec<u8>, ExportError> {
    let mut book = workbook(inspection_title(cx.lang), cx);
    inspection_sheet(&mut book, inspection, cx, setup)?;
    Ok(book.save_to_buffer()?)
}

/// The statistics workbook of a period with both tables: the sheet of [`stats_xlsx_with`]
/// (`统计表`) first, then the sheet of [`inspection_xlsx_with`] (`统计-检查`), both with the
/// title block of `setup`.
pub fn stats_xlsx_with_inspections(
    table: &StatsTable,
    inspection: &[InspectionLine],
    cx: &CellContext<'_>,
    setup: &PrintSetup,
) -> Result<Vec<u8>, ExportError> {
    let mut book = workbook(stats_title(cx.lang), cx);
    stats_sheet(&mut book, table, cx, setup)?;
    inspection_sheet(&mut book, inspection, cx, setup)?;
    Ok(book.save_to_buffer()?)
}
