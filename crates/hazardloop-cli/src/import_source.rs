//! Reading a ledger file into a header and text rows: CSV (UTF-8, with or without a BOM) or an
//! Excel workbook (its first sheet), told apart by the file's first bytes (a zip is a workbook)
//! and else by its extension.

use std::path::Path;

use calamine::{Data, Reader};
use hazardloop_core::model::Lang;

use crate::error::CliError;

/// A ledger file as text: its header row and its data rows with their line numbers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// The header row.
    pub header: Vec<String>,
    /// The data rows: (line in the file, cells).
    pub rows: Vec<(u64, Vec<String>)>,
    /// Rows that could not be read at all: (line, reason).
    pub unreadable: Vec<(u64, String)>,
}

/// Reads `path` as CSV or XLSX.
///
/// # Errors
/// [`CliError::Invalid`] naming the file: unreadable, not CSV or a workbook, empty.
pub fn read(path: &Path, lang: Lang) -> Result<Table, CliError> {
    let fail = |e: String| CliError::Invalid(format!("{}: {e}", path.display()));
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let by_name = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx") || e.eq_ignore_ascii_case("xlsm"));
    let table =
        if bytes.starts_with(b"PK\x03\x04") || by_name { xlsx(bytes, lang) } else { csv(&bytes) };
    let table = table.map_err(fail)?;
    if table.header.iter().all(|h| h.trim().is_empty()) {
        return Err(fail(match lang {
            Lang::Zh => "没有表头行".into(),
            Lang::En => "there is no header row".into(),
        }));
    }
    Ok(table)
}

fn csv(bytes: &[u8]) -> Result<Table, String> {
    let text = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text);
    let header: Vec<String> =
        reader.headers().map_err(|e| e.to_string())?.iter().map(str::to_owned).collect();
    let mut table = Table { header, ..Table::default() };
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line());
                table.rows.push((line, record.iter().map(str::to_owned).collect()));
            }
            Err(e) => table.unreadable.push((line, e.to_string())),
        }
    }
    Ok(table)
}

fn xlsx(bytes: Vec<u8>, lang: Lang) -> Result<Table, String> {
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| e.to_string())?;
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Err(match lang {
            Lang::Zh => "工作簿没有工作表".into(),
            Lang::En => "the workbook has no sheet".into(),
        });
    };
    let range = book.worksheet_range(&sheet).map_err(|e| e.to_string())?;
    // Lines as Excel numbers them: the range may start below row 1.
    let first = u64::from(range.start().map_or(0, |(row, _)| row)) + 1;
    let mut rows = range.rows().enumerate().map(|(i, r)| (first + i as u64, r));
    let Some((_, header)) = rows.next() else { return Ok(Table::default()) };
    let mut table = Table { header: header.iter().map(text).collect(), ..Table::default() };
    for (line, row) in rows {
        let cells: Vec<String> = row.iter().map(text).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        table.rows.push((line, cells));
    }
    Ok(table)
}

/// A cell as the text a CSV would hold: dates as `YYYY-MM-DD HH:MM` (or `YYYY-MM-DD`).
fn text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
            None => d.to_string(),
        },
        Data::Error(e) => format!("#{e:?}"),
    }
}
