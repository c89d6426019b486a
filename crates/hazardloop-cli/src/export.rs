//! `export`: the ledger or the statistics table to a file (xlsx, csv, json; html summary).

use hazardloop_core::engine::Engine;
use hazardloop_core::report::{CellContext, LedgerFilter, LedgerRow, Page, Period};
use hazardloop_core::store::InspectionStore;
use hazardloop_export::Format;
use serde_json::json;

use crate::app::{App, Printed};
use crate::args::{ExportArgs, OutputFormat};
use crate::error::CliError;
use crate::out::Out;

async fn all_rows<S: InspectionStore>(
    engine: &Engine<std::sync::Arc<S>, Printed>,
    tenant: &hazardloop_core::model::TenantId,
) -> Result<Vec<LedgerRow>, CliError> {
    let size = engine.policy().limits().page_size;
    let mut rows = Vec::new();
    loop {
        let page =
            engine.ledger(tenant, &LedgerFilter::default(), Page::new(rows.len(), size)).await?;
        let n = page.rows.len();
        rows.extend(page.rows);
        if n < size {
            return Ok(rows);
        }
    }
}

/// Writes the export file.
pub async fn export<S: InspectionStore>(
    app: &App<S>,
    args: ExportArgs,
    out: &mut Out,
) -> Result<(), CliError> {
    let (engine, _, org) = app.engine().await?;
    let policy = engine.policy().clone();
    let tenant = &app.opts.tenant;
    let format = match app.opts.format {
        OutputFormat::Table | OutputFormat::Xlsx => Format::Xlsx,
        OutputFormat::Csv => Format::Csv,
        OutputFormat::Json => Format::Json,
        OutputFormat::Html => Format::Html,
    };
    let cx = CellContext::new(app.opts.lang, policy.calendar().time_zone())
        .with_org(&org)
        .with_matrix(policy.matrix());
    let period = || -> Result<Period, CliError> {
        let text = args.period.as_deref().ok_or_else(|| {
            CliError::Usage("export --what stats|inspections needs --period".into())
        })?;
        Ok(text.parse()?)
    };
    let bytes =
        match (args.what.as_str(), format) {
            ("ledger", Format::Html) | ("stats", Format::Html) => {
                let period = period()?;
                let rows = all_rows(&engine, tenant).await?;
                let table = engine.statistics(tenant, &period).await?;
                let bounds = period.bounds(policy.calendar());
                let query = hazardloop_core::inspection::OccurrenceQuery {
                    due_from: Some(bounds.0),
                    due_to: Some(bounds.1),
                    ..Default::default()
                };
                let occurrences = engine.occurrences(tenant, &query).await?;
                let summary = hazardloop_export::InspectionSummary::from_rows(
                    &occurrences,
                    &org,
                    bounds,
                    engine.now(),
                );
                crate::export::html(&rows, &table, &period, &cx, policy.calendar(), &summary)?
            }
            ("ledger", format) => {
                let rows = all_rows(&engine, tenant).await?;
                hazardloop_export::export_ledger(format, &rows, &cx)
                    .map_err(|e| CliError::Other(e.to_string()))?
            }
            ("stats", format) => {
                let period = period()?;
                let table = engine.statistics(tenant, &period).await?;
                // The workbook carries the period's inspections on a sheet of their own.
                let bounds = period.bounds(policy.calendar());
                let lines = match format {
                    Format::Xlsx => engine.inspection_statistics(tenant, bounds).await?,
                    _ => Vec::new(),
                };
                if lines.is_empty() {
                    hazardloop_export::export_stats(format, &table, &cx)
                } else {
                    hazardloop_export::stats_xlsx_with_inspections(&table, &lines, &cx)
                }
                .map_err(|e| CliError::Other(e.to_string()))?
            }
            ("inspections", Format::Html) => return Err(CliError::Usage(
                "--what inspections: xlsx, csv or json (the HTML summary of --what stats has them)"
                    .into(),
            )),
            ("inspections", format) => {
                let bounds = period()?.bounds(policy.calendar());
                let lines = engine.inspection_statistics(tenant, bounds).await?;
                hazardloop_export::export_inspections(format, &lines, &cx)
                    .map_err(|e| CliError::Other(e.to_string()))?
            }
            (other, _) => {
                return Err(CliError::Usage(format!(
                    "--what: `{other}` is none of ledger, stats, inspections"
                )))
            }
        };
    std::fs::write(&args.out, &bytes)
        .map_err(|e| CliError::Other(format!("--out {}: {e}", args.out.display())))?;
    let human = format!("已导出 {}（{} 字节）", args.out.display(), bytes.len());
    out.value(
        "export",
        json!({ "out": args.out.display().to_string(), "bytes": bytes.len(), "format": format }),
        human,
    );
    Ok(())
}

fn html(
    rows: &[LedgerRow],
    table: &hazardloop_core::report::StatsTable,
    period: &Period,
    cx: &CellContext<'_>,
    calendar: &hazardloop_core::calendar::Calendar,
    inspections: &hazardloop_export::InspectionSummary,
) -> Result<Vec<u8>, CliError> {
    let inspections = (!inspections.lines.is_empty()).then_some(inspections);
    hazardloop_export::monthly_html_with(rows, table, period, calendar, cx, inspections)
        .map(String::into_bytes)
        .map_err(|e| CliError::Other(e.to_string()))
}
