//! What can go wrong when exporting, and what to do about it.

use thiserror::Error;

use crate::Format;

/// An export that could not be produced.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The format cannot show this content on its own: the HTML summary needs the ledger rows,
    /// the statistics table and the period together.
    ///
    /// **Handling:** offer the user one of [`Format::for_data`], or call
    /// [`crate::monthly_html`] with the rows, the table and the period.
    #[error(
        "{format} 格式不能单独导出{content}（{format} is not available for the {content} alone)"
    )]
    NotAvailable {
        /// The format asked for.
        format: Format,
        /// What was to be exported (`台账`, `统计表`, `检查统计`).
        content: &'static str,
    },
    /// The spreadsheet writer refused the workbook (a sheet name, a cell limit of Excel such as
    /// more than 1,048,576 rows or a text longer than 32,767 characters).
    ///
    /// **Handling:** split the export (by period or unit, through a `LedgerFilter` page) and
    /// retry; other causes are bugs to report with the message.
    #[error("无法生成 Excel 文件（cannot write the workbook）: {0}")]
    Spreadsheet(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// JSON serialisation failed.
    ///
    /// **Handling:** none expected: every value exported is plain text or numbers. Report a bug
    /// with the message.
    #[error("无法生成 JSON（cannot write JSON）: {0}")]
    Json(#[from] serde_json::Error),
    /// A chart of the HTML summary could not be drawn.
    ///
    /// **Handling:** none expected, since charts are drawn into memory; report a bug with the
    /// message. The other formats still work.
    #[error("无法绘制图表（cannot draw a chart）: {0}")]
    Chart(String),
}

impl From<rust_xlsxwriter::XlsxError> for ExportError {
    fn from(e: rust_xlsxwriter::XlsxError) -> ExportError {
        ExportError::Spreadsheet(Box::new(e))
    }
}

/// A format name that is not one of `csv`, `xlsx`, `json`, `html`.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The name is unknown.
    ///
    /// **Handling:** show the user the accepted names (see [`Format::ALL`]) and ask again.
    #[error("未知的导出格式 `{0}`，可选 csv、xlsx、json、html（unknown export format `{0}`; expected csv, xlsx, json or html)")]
    Unknown(String),
}
