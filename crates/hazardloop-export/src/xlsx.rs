//! XLSX workbooks: a styled, frozen header row, columns fitted to Chinese text, times as real
//! Excel dates in the school's time zone, rates as percentages.

use hazardloop_core::inspection::InspectionLine;
use hazardloop_core::model::Lang;
use hazardloop_core::report::{CellContext, Column, LedgerRow, StatsTable};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet};

use crate::inspection_layout::{inspection_lines, InspectionColumn};
use crate::ledger::{headers, time_of};
use crate::stats_layout::{lines, Figure, LineKind, StatColumn};
use crate::width::Widths;
use crate::ExportError;

/// The number format of times: local date and time to the minute, as the CSV shows them.
pub const DATE_TIME_FORMAT: &str = "yyyy-mm-dd hh:mm";

/// The styles of a sheet.
struct Styles {
    header: Format,
    date: Format,
    wrap: Format,
    rate: Format,
    days: Format,
    average: Format,
    total: Format,
}

impl Styles {
    fn new() -> Styles {
        Styles {
            header: Format::new()
                .set_bold()
                .set_background_color(0x00DD_EBF7)
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap(),
            date: Format::new().set_num_format(DATE_TIME_FORMAT),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            rate: Format::new().set_num_format("0.0%"),
            days: Format::new().set_num_format("0.0"),
            average: Format::new().set_num_format("0.00"),
            total: Format::new().set_bold().set_border(FormatBorder::Thin),
        }
    }
}

fn col(i: usize) -> Result<u16, ExportError> {
    u16::try_from(i).map_err(|e| ExportError::Spreadsheet(Box::new(e)))
}

fn row(i: usize) -> Result<u32, ExportError> {
    u32::try_from(i).map_err(|e| ExportError::Spreadsheet(Box::new(e)))
}

/// Writes the header row, freezes it with the first `frozen_columns`, and notes its widths.
fn header(
    sheet: &mut Worksheet,
    titles: &[String],
    frozen_columns: u16,
    styles: &Styles,
    widths: &mut Widths,
) -> Result<(), ExportError> {
    for (i, title) in titles.iter().enumerate() {
        sheet.write_string_with_format(0, col(i)?, title, &styles.header)?;
        widths.fit(i, title);
    }
    sheet.set_freeze_panes(1, frozen_columns)?;
    Ok(())
}

fn apply_widths(sheet: &mut Worksheet, widths: &Widths) -> Result<(), ExportError> {
    for (c, w) in widths.excel() {
        sheet.set_column_width(c, w)?;
    }
    Ok(())
}

/// The ledger (台账) as a workbook with one sheet named `台账` (`Ledger` in English).
///
/// Row 1 holds the headers ([`Column::ALL`] order) in bold on a fill, frozen, with a filter.
/// 序号 is a number; the four time columns (发现时间, 整改期限, 验收时间, 销号时间) are Excel
/// date-times in the context's time zone, shown `yyyy-mm-dd hh:mm`, and empty where the row has
/// no value; every other cell is the text of [`LedgerRow::cell`].
pub fn ledger_xlsx(rows: &[LedgerRow], cx: &CellContext<'_>) -> Result<Vec<u8>, ExportError> {
    let styles = Styles::new();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(match cx.lang {
        Lang::Zh => "台账",
        Lang::En => "Ledger",
    })?;
    let mut widths = Widths::new(Column::ALL.len(), 50);
    header(sheet, &headers(cx), 0, &styles, &mut widths)?;
    for (i, ledger_row) in rows.iter().enumerate() {
        let r = row(i + 1)?;
        for (j, &column) in Column::ALL.iter().enumerate() {
            let c = col(j)?;
            if column == Column::Number {
                sheet.write_number(r, c, (i + 1) as f64)?;
                widths.fit_chars(j, (i + 1).to_string().len());
            } else if let Some(at) = time_of(ledger_row, column) {
                if let Some(at) = at {
                    let local = at.with_timezone(&cx.time_zone).naive_local();
                    sheet.write_datetime_with_format(r, c, local, &styles.date)?;
                }
                widths.fit_chars(j, DATE_TIME_FORMAT.len());
            } else {
                let text = ledger_row.cell(column, cx);
                if !text.is_empty() {
                    sheet.write_string(r, c, &text)?;
                }
                widths.fit(j, &text);
            }
        }
    }
    // Long texts (descriptions, measures) wrap instead of running over their neighbours.
    for j in 0..Column::ALL.len() {
        if widths.capped(j) {
            sheet.set_column_format(col(j)?, &styles.wrap)?;
        }
    }
    apply_widths(sheet, &widths)?;
    let last_row = row(rows.len())?;
    sheet.autofilter(0, 0, last_row, col(Column::ALL.len() - 1)?)?;
    Ok(book.save_to_buffer()?)
}

/// Writes one figure of a statistics line at (`r`, `c`), noting its width in column `j`.
/// Text is indented by `depth` when it is the unit's name; the total line is bold.
#[allow(clippy::too_many_arguments)]
fn write_figure(
    sheet: &mut Worksheet,
    (r, c, j): (u32, u16, usize),
    figure: Figure,
    unit: bool,
    depth: usize,
    total: bool,
    styles: &Styles,
    widths: &mut Widths,
) -> Result<(), ExportError> {
    match figure {
        Figure::Text(text) => {
            let indent = u8::try_from(depth).unwrap_or(u8::MAX);
            let mut format = if total { styles.total.clone() } else { Format::new() };
            if unit && indent > 0 {
                format = format.set_indent(indent);
            }
            sheet.write_string_with_format(r, c, &text, &format)?;
            widths.fit(j, &text);
            widths.fit_chars(j, crate::width::display_width(&text) + 2 * depth);
        }
        Figure::Count(n) => {
            if total {
                sheet.write_number_with_format(r, c, n as f64, &styles.total)?;
            } else {
                sheet.write_number(r, c, n as f64)?;
            }
        }
        Figure::Rate(Some(rate)) => {
            sheet.write_number_with_format(r, c, rate, &styles.rate)?;
            widths.fit_chars(j, 6);
        }
        Figure::Days(Some(days)) => {
            sheet.write_number_with_format(r, c, days, &styles.days)?;
        }
        Figure::Average(Some(average)) => {
            sheet.write_number_with_format(r, c, average, &styles.average)?;
        }
        Figure::Rate(None) | Figure::Days(None) | Figure::Average(None) => {}
    }
    Ok(())
}

/// Adds the sheet of the statistics table to `book`.
fn stats_sheet(
    book: &mut Workbook,
    table: &StatsTable,
    cx: &CellContext<'_>,
    styles: &Styles,
) -> Result<(), ExportError> {
    let columns = StatColumn::all();
    let sheet = book.add_worksheet();
    sheet.set_name(match cx.lang {
        Lang::Zh => "统计表",
        Lang::En => "Statistics",
    })?;
    let mut widths = Widths::new(columns.len(), 40);
    let titles: Vec<String> = columns.iter().map(|c| c.header(cx.lang)).collect();
    header(sheet, &titles, 2, styles, &mut widths)?;
    for (i, line) in lines(table, cx).iter().enumerate() {
        let r = row(i + 1)?;
        let total = line.kind == LineKind::Total;
        for (j, &column) in columns.iter().enumerate() {
            let unit = column == StatColumn::Unit;
            let at = (r, col(j)?, j);
            write_figure(
                sheet,
                at,
                line.figure(column),
                unit,
                line.depth,
                total,
                styles,
                &mut widths,
            )?;
        }
    }
    apply_widths(sheet, &widths)
}

/// The name of the inspection statistics sheet: `统计-检查` (`Inspections`).
fn inspection_sheet_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "统计-检查",
        Lang::En => "Inspections",
    }
}

/// Adds the sheet of the inspection statistics to `book`.
fn inspection_sheet(
    book: &mut Workbook,
    inspection: &[InspectionLine],
    cx: &CellContext<'_>,
    styles: &Styles,
) -> Result<(), ExportError> {
    let columns = InspectionColumn::ALL;
    let sheet = book.add_worksheet();
    sheet.set_name(inspection_sheet_name(cx.lang))?;
    let mut widths = Widths::new(columns.len(), 40);
    let titles: Vec<String> = columns.iter().map(|c| c.header(cx.lang).to_owned()).collect();
    header(sheet, &titles, 1, styles, &mut widths)?;
    for (i, line) in inspection_lines(inspection, cx).iter().enumerate() {
        let r = row(i + 1)?;
        let total = line.kind == LineKind::Total;
        for (j, &column) in columns.iter().enumerate() {
            let unit = column == InspectionColumn::Unit;
            let at = (r, col(j)?, j);
            write_figure(
                sheet,
                at,
                line.figure(column),
                unit,
                line.depth,
                total,
                styles,
                &mut widths,
            )?;
        }
    }
    apply_widths(sheet, &widths)
}

/// The statistics table (隐患问题统计表) as a workbook with one sheet named `统计表`
/// (`Statistics`), in the layout of [`crate::stats_lines`]: a frozen, styled header row and
/// unit column; unit names indented by depth (Excel's indent, the text is the bare name); counts
/// as numbers, rates as percentages (`0.0%`), the median in days (`0.0`), empty where a figure
/// has no denominator; the grand total (总计) last, in bold.
pub fn stats_xlsx(table: &StatsTable, cx: &CellContext<'_>) -> Result<Vec<u8>, ExportError> {
    let styles = Styles::new();
    let mut book = Workbook::new();
    stats_sheet(&mut book, table, cx, &styles)?;
    Ok(book.save_to_buffer()?)
}

/// The inspection statistics (检查统计) as a workbook with one sheet named `统计-检查`
/// (`Inspections`), in the layout of [`crate::inspection_lines`]: a bold, filled header row
/// (单位, 应检, 已检, 按时完成, 逾期完成, 漏检, 核准免检, 完成率, 平均发现隐患) frozen with the
/// unit column; unit names indented by depth (Excel's indent, the text is the bare name);
/// counts as numbers, the completion rate as a percentage (`0.0%`), findings per inspection
/// with two decimals (`0.00`), empty where a figure has no denominator; the grand total (总计)
/// last, in bold.
pub fn inspection_xlsx(
    inspection: &[InspectionLine],
    cx: &CellContext<'_>,
) -> Result<Vec<u8>, ExportError> {
    let styles = Styles::new();
    let mut book = Workbook::new();
    inspection_sheet(&mut book, inspection, cx, &styles)?;
    Ok(book.save_to_buffer()?)
}

/// The statistics workbook of a period with both tables: the sheet of [`stats_xlsx`]
/// (`统计表`) first, then the sheet of [`inspection_xlsx`] (`统计-检查`).
pub fn stats_xlsx_with_inspections(
    table: &StatsTable,
    inspection: &[InspectionLine],
    cx: &CellContext<'_>,
) -> Result<Vec<u8>, ExportError> {
    let styles = Styles::new();
    let mut book = Workbook::new();
    stats_sheet(&mut book, table, cx, &styles)?;
    inspection_sheet(&mut book, inspection, cx, &styles)?;
    Ok(book.save_to_buffer()?)
}
