//! One home for "what does an export of X in format F contain": the CLI's `export` and the
//! service's download routes both call [`render`].

use hazardloop_core::engine::{Engine, EngineError};
use hazardloop_core::inspection::OccurrenceQuery;
use hazardloop_core::model::{Lang, TenantId};
use hazardloop_core::notify::Notifier;
use hazardloop_core::org::Org;
use hazardloop_core::report::{CellContext, LedgerFilter, Period};
use hazardloop_core::store::InspectionStore;

use crate::{ExportError, Format, InspectionSummary, PrintSetup};

/// What an export holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum What {
    /// The ledger (台账): every hazard of the tenant, one row each.
    Ledger,
    /// The statistics table (统计表) of a period; as XLSX with the period's inspections on a
    /// sheet of their own; as HTML the monthly summary.
    Stats,
    /// The inspection statistics (检查统计) of a period.
    Inspections,
}

impl What {
    /// Its name in URLs and on the command line (`ledger`, `stats`, `inspections`).
    pub fn name(self) -> &'static str {
        match self {
            What::Ledger => "ledger",
            What::Stats => "stats",
            What::Inspections => "inspections",
        }
    }
}

impl std::str::FromStr for What {
    type Err = RenderError;
    fn from_str(text: &str) -> Result<What, RenderError> {
        match text {
            "ledger" => Ok(What::Ledger),
            "stats" | "statistics" => Ok(What::Stats),
            "inspections" => Ok(What::Inspections),
            other => Err(RenderError::Unsupported(format!(
                "`{other}` is none of ledger, stats, inspections"
            ))),
        }
    }
}

/// Why an export could not be made. Nothing was written anywhere.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The engine refused a query (an unknown tenant, a store failure).
    ///
    /// **Handling:** as for the engine error.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// This export needs a period (`stats`, `inspections`, the HTML summary).
    ///
    /// **Handling:** give one, such as `2026-10`, `2026-Q4` or `2026`.
    #[error("this export needs a period (such as 2026-10)")]
    NeedsPeriod,
    /// The combination of what and format is not made.
    ///
    /// **Handling:** the message lists what is.
    #[error("{0}")]
    Unsupported(String),
    /// Laying out the file failed.
    ///
    /// **Handling:** a bug; report it with the data that caused it.
    #[error(transparent)]
    Layout(#[from] ExportError),
}

/// The bytes of an export of `what` for `tenant`, as `format`, over `period` where it needs one.
pub async fn render<S: InspectionStore, N: Notifier>(
    engine: &Engine<S, N>,
    tenant: &TenantId,
    org: &Org,
    lang: Lang,
    what: What,
    format: Format,
    period: Option<&Period>,
) -> Result<Vec<u8>, RenderError> {
    let policy = engine.policy();
    let calendar = policy.calendar();
    let cx =
        CellContext::new(lang, calendar.time_zone()).with_org(org).with_matrix(policy.matrix());
    let needs_period = || period.ok_or(RenderError::NeedsPeriod);
    Ok(match (what, format) {
        (What::Ledger | What::Stats, Format::Html) => {
            let period = needs_period()?;
            let rows = engine.ledger_rows(tenant, &LedgerFilter::default()).await?;
            let table = engine.statistics(tenant, period).await?;
            let bounds = period.bounds(calendar);
            let query = OccurrenceQuery {
                due_from: Some(bounds.0),
                due_to: Some(bounds.1),
                ..Default::default()
            };
            let occurrences = engine.occurrences(tenant, &query).await?;
            let summary = InspectionSummary::from_rows(&occurrences, org, bounds, engine.now());
            let inspections = (!summary.lines.is_empty()).then_some(&summary);
            crate::monthly_html_with(&rows, &table, period, calendar, &cx, inspections)?
                .into_bytes()
        }
        (What::Ledger, format) => {
            let rows = engine.ledger_rows(tenant, &LedgerFilter::default()).await?;
            match format {
                Format::Xlsx => {
                    // Every hazard, whatever the period: the sheet says when it was made.
                    let setup = PrintSetup::default().as_at(engine.now());
                    crate::ledger_xlsx_with(&rows, &cx, &setup)?
                }
                format => crate::export_ledger(format, &rows, &cx)?,
            }
        }
        (What::Stats, format) => {
            let period = needs_period()?;
            let table = engine.statistics(tenant, period).await?;
            let lines = match format {
                Format::Xlsx => {
                    engine.inspection_statistics(tenant, period.bounds(calendar)).await?
                }
                _ => Vec::new(),
            };
            let setup = PrintSetup::for_period(period, calendar, lang, engine.now());
            match format {
                Format::Xlsx if lines.is_empty() => crate::stats_xlsx_with(&table, &cx, &setup)?,
                Format::Xlsx => crate::stats_xlsx_with_inspections(&table, &lines, &cx, &setup)?,
                format => crate::export_stats(format, &table, &cx)?,
            }
        }
        (What::Inspections, Format::Html) => {
            return Err(RenderError::Unsupported(
                "inspections: xlsx, csv or json (the HTML summary of stats has them)".into(),
            ))
        }
        (What::Inspections, format) => {
            let period = needs_period()?;
            let lines = engine.inspection_statistics(tenant, period.bounds(calendar)).await?;
            match format {
                Format::Xlsx => {
                    let setup = PrintSetup::for_period(period, calendar, lang, engine.now());
                    crate::inspection_xlsx_with(&lines, &cx, &setup)?
                }
                format => crate::export_inspections(format, &lines, &cx)?,
            }
        }
    })
}
