//! # hazardloop-export
//!
//! Exports of the hazard ledger (台账), the hazard statistics table (隐患问题统计表) and the
//! inspection statistics (检查统计: planned, completed, missed… per unit), as schools mail them
//! upward and file them: CSV (UTF-8 with a byte order mark, for Excel and WPS), XLSX (ready to
//! print), JSON (stable documented shapes), and a self-contained HTML summary of a period
//! (月汇总) with SVG charts.
//!
//! - **XLSX** sheets print as a school files them: landscape A4, one page wide, the header row
//!   repeated on every page; above the table a title block (the school — see [`school_name`] —,
//!   the title `安全隐患排查治理台账` / `隐患问题统计表`, `统计期间` and `截至` from a
//!   [`PrintSetup`]), below it a signature block (填表人, 审核人, 单位负责人, 日期, （盖章）).
//!   Every table cell has a thin border, text wraps, and each row is set as tall as its wrapped
//!   text (LibreOffice does not fit rows itself). The header row is row [`TITLE_ROWS`]
//!   (zero-based), frozen; times are real dates in the school's time zone, rates percentages.
//!   Ledger rows come oldest discovery first. The workbook's language (`zh-CN` or `en`) is a
//!   custom document property `Language`: rust_xlsxwriter has no `dc:language` or locale.
//! - **CSV** cells that start with `=`, `+`, `-`, `@`, a tab or a carriage return get a single
//!   quote in front (CWE-1236, OWASP's rule), unless [`CsvOptions::neutralise_formulas`] is off.
//! - **HTML**: the school and the period in the title, `截至 <time>` while the period runs, a
//!   legend of what each figure counts, a print stylesheet for A4.
//!
//! The core's [`report`](hazardloop_core::report) and
//! [`inspection`](hazardloop_core::inspection) modules compute the rows and figures; this
//! crate only lays them out. The summary page shows the period's inspections too when given an
//! [`InspectionSummary`] ([`monthly_html_with`]). Headers are Chinese by default, English with [`Lang::En`].
//!
//! ```
//! use hazardloop_core::calendar::Calendar;
//! use hazardloop_core::model::{Lang, TenantId};
//! use hazardloop_core::org::Org;
//! use hazardloop_core::report::{statistics, CellContext, LedgerRow, Period};
//! use hazardloop_export::{
//!     export_ledger, monthly_html, stats_csv, stats_xlsx_with, Format, PrintSetup, BOM,
//! };
//!
//! let calendar = Calendar::china();
//! let org = Org::new(TenantId::new("demo")?);
//! let rows: Vec<LedgerRow> = Vec::new(); // `LedgerRow::from_hazard(&hazard, now)` for each
//! let cx = CellContext::new(Lang::Zh, calendar.time_zone()).with_org(&org);
//!
//! let format: Format = "xlsx".parse()?;
//! let workbook = export_ledger(format, &rows, &cx)?;
//! assert!(workbook.starts_with(b"PK")); // a zip archive
//!
//! let period: Period = "2025-03".parse()?;
//! let table = statistics(&rows, period.bounds(&calendar), &org);
//! let csv = stats_csv(&table, &cx);
//! assert!(csv.starts_with(BOM));
//! assert!(String::from_utf8(csv)?.contains("发现数"));
//!
//! // The printed statistics table says which month it covers and when it was made.
//! let now = chrono::Utc::now();
//! let setup = PrintSetup::for_period(&period, &calendar, Lang::Zh, now);
//! assert_eq!(setup.period.as_deref(), Some("2025年3月"));
//! assert!(stats_xlsx_with(&table, &cx, &setup)?.starts_with(b"PK"));
//!
//! let page = monthly_html(&rows, &table, &period, &calendar, &cx)?;
//! assert!(page.contains("2025年3月") && page.matches("<svg").count() == 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Lang::En`]: hazardloop_core::model::Lang::En

mod csv_out;
mod error;
mod format;
mod html;
mod inspection_layout;
mod json;
mod ledger;
mod print;
mod render;
mod sheet;
mod stats_layout;
mod timeline;
mod width;
mod xlsx;

pub use csv_out::{
    inspection_csv, inspection_csv_with, ledger_csv, ledger_csv_with, stats_csv, stats_csv_with,
    CsvOptions, BOM,
};
pub use error::{ExportError, FormatError};
pub use format::{export_inspections, export_ledger, export_stats, Format};
pub use html::{
    escape as escape_html, monthly_html, monthly_html_with, weeks, InspectionSummary, Week,
};
pub use inspection_layout::{
    inspection_lines, inspection_table, InspectionColumn, InspectionStatsLine, InspectionTable,
};
pub use json::{inspection_json, ledger_json, stats_json};
pub use print::{school_name, PrintSetup, TITLE_ROWS};
pub use render::{render, RenderError, What};
pub use stats_layout::{stats_lines, Figure, LineKind, StatColumn, StatsLine};
pub use timeline::{escalation_text, event_detail};
pub use xlsx::{
    inspection_xlsx, inspection_xlsx_with, ledger_xlsx, ledger_xlsx_with, stats_xlsx,
    stats_xlsx_with, stats_xlsx_with_inspections, DATE_TIME_FORMAT,
};
