//! The printed table of a workbook sheet (打印版式), whatever it holds: a title block above,
//! bordered cells with wrapped text in rows as tall as their text, a header row frozen and
//! repeated on every printed page, a signature block below; landscape A4, one page wide.

use chrono::NaiveDateTime;
use hazardloop_core::model::Lang;
use hazardloop_core::report::CellContext;
use rust_xlsxwriter::{
    DocProperties, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::print::{
    period_line, row_points, school_name, seal_line, signature_line, t, wrapped_lines, PrintSetup,
    TITLE_ROWS,
};
use crate::width::{display_width, Widths};
use crate::xlsx::DATE_TIME_FORMAT;
use crate::ExportError;

/// A4 in Excel's paper codes.
const A4: u8 = 9;

/// What a cell holds.
pub(crate) enum Value {
    Text(String),
    Number(f64, &'static str),
    Date(NaiveDateTime),
    Empty,
}

/// A cell of the table: its value, bold on the total line, indented by depth in unit names.
pub(crate) struct Cell {
    pub(crate) value: Value,
    pub(crate) bold: bool,
    pub(crate) indent: u8,
}

impl Cell {
    pub(crate) fn plain(value: Value) -> Cell {
        Cell { value, bold: false, indent: 0 }
    }

    /// Every cell has a thin border, also the empty ones, so the printed grid is whole.
    fn format(&self) -> Format {
        let mut format = Format::new()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Top)
            .set_text_wrap();
        if self.bold {
            format = format.set_bold();
        }
        if self.indent > 0 {
            format = format.set_indent(self.indent);
        }
        match &self.value {
            Value::Number(_, num_format) if !num_format.is_empty() => {
                format.set_num_format(*num_format)
            }
            Value::Date(_) => format.set_num_format(DATE_TIME_FORMAT),
            _ => format,
        }
    }

    /// Its shown width in narrow characters.
    fn width(&self) -> usize {
        match &self.value {
            Value::Text(text) => display_width(text) + 2 * usize::from(self.indent),
            Value::Number(n, "0.0%") => format!("{:.1}%", n * 100.0).len(),
            Value::Number(n, _) => format!("{n}").len().min(12),
            Value::Date(_) => DATE_TIME_FORMAT.len(),
            Value::Empty => 0,
        }
    }
}

/// A sheet as a table: what it is called, its headers and cells, and how it prints.
pub(crate) struct Table<'a> {
    pub(crate) sheet_name: &'a str,
    pub(crate) title: &'a str,
    pub(crate) headers: Vec<String>,
    pub(crate) rows: Vec<Vec<Cell>>,
    /// Columns wider than this wrap.
    pub(crate) max_width: usize,
    /// Narrower limits of some columns (column, characters).
    pub(crate) caps: Vec<(usize, usize)>,
    /// Columns frozen at the left besides the header row.
    pub(crate) frozen_columns: u16,
    pub(crate) autofilter: bool,
}

fn col(i: usize) -> Result<u16, ExportError> {
    u16::try_from(i).map_err(|e| ExportError::Spreadsheet(Box::new(e)))
}

pub(crate) fn row(i: usize) -> Result<u32, ExportError> {
    u32::try_from(i).map_err(|e| ExportError::Spreadsheet(Box::new(e)))
}

/// A workbook marked as written in the context's language. rust_xlsxwriter 0.90 has no
/// `dc:language` nor a locale setting, so the language goes into a custom document property
/// `Language` (`zh-CN`, `en`), next to the title, subject and company.
pub(crate) fn workbook(title: &str, cx: &CellContext<'_>) -> Workbook {
    let mut book = Workbook::new();
    let mut properties = DocProperties::new()
        .set_title(title)
        .set_subject(title)
        .set_custom_property("Language", t(cx.lang, "zh-CN", "en"));
    if let Some(school) = school_name(cx) {
        properties = properties.set_company(school);
    }
    book.set_properties(&properties);
    book
}

/// Writes the title block: the school (rows 0), the title (row 1), the period and as-of time
/// (row 2), each merged across the table.
fn title_block(
    sheet: &mut Worksheet,
    table: &Table<'_>,
    setup: &PrintSetup,
    cx: &CellContext<'_>,
    last: u16,
) -> Result<(), ExportError> {
    let centred =
        Format::new().set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter);
    let school = school_name(cx).unwrap_or_default();
    let lines = [
        (school, centred.clone().set_bold().set_font_size(14), 24.0),
        (table.title.to_owned(), centred.clone().set_bold().set_font_size(18), 30.0),
        (period_line(setup, cx), centred.set_font_size(11), 20.0),
    ];
    for (r, (text, format, height)) in (0u32..).zip(lines) {
        merged(sheet, r, last, &text, &format)?;
        sheet.set_row_height(r, height)?;
    }
    Ok(())
}

/// Writes `text` into row `r` merged over columns `0..=last` (a plain cell for one column).
fn merged(
    sheet: &mut Worksheet,
    r: u32,
    last: u16,
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    if last == 0 {
        sheet.write_string_with_format(r, 0, text, format)?;
    } else {
        sheet.merge_range(r, 0, r, last, text, format)?;
    }
    Ok(())
}

/// Writes the signature block from row `r`: a blank row, the signatures, and a tall row for
/// the seal, right-aligned.
fn signature_block(
    sheet: &mut Worksheet,
    r: u32,
    last: u16,
    lang: Lang,
) -> Result<(), ExportError> {
    let left = Format::new().set_align(FormatAlign::Left).set_align(FormatAlign::VerticalCenter);
    merged(sheet, r + 1, last, signature_line(lang), &left)?;
    sheet.set_row_height(r + 1, 28.0)?;
    let seal = Format::new().set_align(FormatAlign::Right).set_align(FormatAlign::Bottom);
    merged(sheet, r + 2, last, seal_line(lang), &seal)?;
    sheet.set_row_height(r + 2, 60.0)?;
    Ok(())
}

/// Landscape A4, one page wide and as many long as it takes, the header row repeated on each
/// page and frozen on screen with `frozen_columns`, page numbers in the footer.
fn page_setup(sheet: &mut Worksheet, frozen_columns: u16, lang: Lang) -> Result<(), ExportError> {
    sheet.set_landscape();
    sheet.set_paper_size(A4);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    sheet.set_margins(0.4, 0.4, 0.5, 0.5, 0.3, 0.3);
    sheet.set_repeat_rows(TITLE_ROWS, TITLE_ROWS)?;
    sheet.set_freeze_panes(TITLE_ROWS + 1, frozen_columns)?;
    sheet.set_footer(t(lang, "&C第 &P 页，共 &N 页", "&CPage &P of &N"));
    Ok(())
}

/// Adds `table` as a sheet of `book`.
pub(crate) fn add_table(
    book: &mut Workbook,
    table: &Table<'_>,
    setup: &PrintSetup,
    cx: &CellContext<'_>,
) -> Result<(), ExportError> {
    let columns = table.headers.len();
    let last = col(columns.saturating_sub(1))?;
    let mut widths = Widths::new(columns, table.max_width);
    for &(j, cap) in &table.caps {
        widths.cap(j, cap);
    }
    // Headers keep their exact text (a sheet read back by a program finds them), so a long one
    // wraps where its column ends.
    let headers = &table.headers;
    for (j, header) in headers.iter().enumerate() {
        // A long header may wrap onto two lines rather than widen its column.
        let w = display_width(header);
        widths.fit_chars(j, if w <= 8 { w } else { w.div_ceil(2).max(8) });
    }
    for cells in &table.rows {
        for (j, cell) in cells.iter().enumerate() {
            widths.fit_chars(j, cell.width());
        }
    }
    let excel: Vec<f64> = widths.excel().map(|(_, w)| w).collect();
    let width_of = |j: usize| excel.get(j).copied().unwrap_or(10.0);

    let sheet = book.add_worksheet();
    sheet.set_name(table.sheet_name)?;
    title_block(sheet, table, setup, cx, last)?;
    let header = Format::new()
        .set_bold()
        .set_background_color(0x00DD_EBF7)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let mut tallest = 1;
    for (j, title) in headers.iter().enumerate() {
        sheet.write_string_with_format(TITLE_ROWS, col(j)?, title, &header)?;
        tallest = tallest.max(wrapped_lines(title, width_of(j)));
    }
    sheet.set_row_height(TITLE_ROWS, row_points(tallest))?;

    for (i, cells) in table.rows.iter().enumerate() {
        let r = TITLE_ROWS + 1 + row(i)?;
        let mut tallest = 1;
        for (j, cell) in cells.iter().enumerate() {
            let (c, format) = (col(j)?, cell.format());
            match &cell.value {
                Value::Text(text) => {
                    sheet.write_string_with_format(r, c, text, &format)?;
                    tallest =
                        tallest.max(wrapped_lines(text, width_of(j) - f64::from(cell.indent)));
                }
                Value::Number(n, _) => {
                    sheet.write_number_with_format(r, c, *n, &format)?;
                }
                Value::Date(at) => {
                    sheet.write_datetime_with_format(r, c, *at, &format)?;
                }
                Value::Empty => {
                    sheet.write_blank(r, c, &format)?;
                }
            }
        }
        // LibreOffice does not fit rows written by rust_xlsxwriter, so each row's height is
        // set from the estimate of its wrapped lines.
        sheet.set_row_height(r, row_points(tallest))?;
    }
    for (c, w) in widths.excel() {
        sheet.set_column_width(c, w)?;
    }
    let last_row = TITLE_ROWS + row(table.rows.len())?;
    if table.autofilter {
        sheet.autofilter(TITLE_ROWS, 0, last_row, last)?;
    }
    signature_block(sheet, last_row + 1, last, cx.lang)?;
    page_setup(sheet, table.frozen_columns, cx.lang)
}
