//! The export formats and the dispatchers that pick the writer.

use std::fmt;
use std::str::FromStr;

use hazardloop_core::inspection::InspectionLine;
use hazardloop_core::report::{CellContext, LedgerRow, StatsTable};
use serde::{Deserialize, Serialize};

use crate::{ExportError, FormatError};

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Comma-separated values, UTF-8 with a byte order mark so Excel and WPS read it right.
    Csv,
    /// An Excel workbook (Office Open XML).
    Xlsx,
    /// JSON, in the documented shapes of [`crate::ledger_json`] and [`crate::stats_json`].
    Json,
    /// A self-contained HTML page: only the summary ([`crate::monthly_html`]).
    Html,
}

impl Format {
    /// Every format, in the order menus list them.
    pub const ALL: [Format; 4] = [Format::Csv, Format::Xlsx, Format::Json, Format::Html];

    /// The formats [`export_ledger`] and [`export_stats`] can produce.
    pub fn for_data() -> [Format; 3] {
        [Format::Csv, Format::Xlsx, Format::Json]
    }

    /// Its name, also the file extension (`xlsx`).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Json => "json",
            Format::Html => "html",
        }
    }

    /// The media type for a download (`Content-Type`).
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Json => "application/json",
            Format::Html => "text/html; charset=utf-8",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

impl FromStr for Format {
    type Err = FormatError;

    /// Reads `csv`, `xlsx`, `json` or `html`, in any case, with or without a leading dot.
    fn from_str(s: &str) -> Result<Format, FormatError> {
        let name = s.trim().trim_start_matches('.').to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.extension() == name)
            .ok_or_else(|| FormatError::Unknown(s.to_owned()))
    }
}

/// The ledger (台账) in `format`; HTML is refused ([`ExportError::NotAvailable`]).
pub fn export_ledger(
    format: Format,
    rows: &[LedgerRow],
    cx: &CellContext<'_>,
) -> Result<Vec<u8>, ExportError> {
    match format {
        Format::Csv => Ok(crate::ledger_csv(rows, cx)),
        Format::Xlsx => crate::ledger_xlsx(rows, cx),
        Format::Json => crate::ledger_json(rows, cx),
        Format::Html => Err(ExportError::NotAvailable { format, content: "台账" }),
    }
}

/// The statistics table (统计表) in `format`; HTML is refused ([`ExportError::NotAvailable`]):
/// the summary page needs the ledger rows and the period too.
pub fn export_stats(
    format: Format,
    table: &StatsTable,
    cx: &CellContext<'_>,
) -> Result<Vec<u8>, ExportError> {
    match format {
        Format::Csv => Ok(crate::stats_csv(table, cx)),
        Format::Xlsx => crate::stats_xlsx(table, cx),
        Format::Json => crate::stats_json(table),
        Format::Html => Err(ExportError::NotAvailable { format, content: "统计表" }),
    }
}

/// The inspection statistics (检查统计) in `format`; HTML is refused
/// ([`ExportError::NotAvailable`]): the summary page shows them with the hazards of the period
/// ([`crate::monthly_html_with`]).
pub fn export_inspections(
    format: Format,
    lines: &[InspectionLine],
    cx: &CellContext<'_>,
) -> Result<Vec<u8>, ExportError> {
    match format {
        Format::Csv => Ok(crate::inspection_csv(lines, cx)),
        Format::Xlsx => crate::inspection_xlsx(lines, cx),
        Format::Json => crate::inspection_json(lines),
        Format::Html => Err(ExportError::NotAvailable { format, content: "检查统计" }),
    }
}
