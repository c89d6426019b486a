//! `export`: the ledger or the statistics table to a file (xlsx, csv, json; html summary).

use hazardloop_core::model::Lang;
use hazardloop_core::report::Period;
use hazardloop_core::store::InspectionStore;
use hazardloop_export::{Format, RenderError, What};
use serde_json::json;

use crate::app::App;
use crate::args::{ExportArgs, OutputFormat};
use crate::error::CliError;
use crate::out::Out;

/// Writes the export file.
pub async fn export<S: InspectionStore>(
    app: &App<S>,
    args: ExportArgs,
    out: &mut Out,
) -> Result<(), CliError> {
    let (engine, _, org) = app.engine().await?;
    let format = match app.opts.format {
        OutputFormat::Table | OutputFormat::Xlsx => Format::Xlsx,
        OutputFormat::Csv => Format::Csv,
        OutputFormat::Json => Format::Json,
        OutputFormat::Html => Format::Html,
    };
    let lang = app.opts.lang;
    let zh = lang == Lang::Zh;
    let what: What = args.what.parse().map_err(|e| {
        CliError::Usage(if zh {
            format!("--what：`{}` 不可导出（可选 ledger、stats、inspections）", args.what)
        } else {
            format!("--what: {e}")
        })
    })?;
    let period: Option<Period> =
        args.period.as_deref().map(str::parse).transpose().map_err(|e| {
            CliError::Invalid(crate::error::about("--period", &crate::error::input(&e, lang), lang))
        })?;
    let rendered = hazardloop_export::render(
        &engine,
        &app.opts.tenant,
        &org,
        app.opts.lang,
        what,
        format,
        period.as_ref(),
    )
    .await;
    let bytes = match rendered {
        Ok(bytes) => bytes,
        Err(RenderError::Engine(e)) => return Err(crate::error::hazard(e, lang)),
        Err(RenderError::NeedsPeriod) => {
            return Err(CliError::Usage(if zh {
                "导出统计表（--what stats|inspections）须填 --period".into()
            } else {
                "export --what stats|inspections needs --period".into()
            }))
        }
        Err(RenderError::Unsupported(e)) => return Err(CliError::Usage(format!("--what {e}"))),
        Err(e) => return Err(CliError::Other(e.to_string())),
    };
    std::fs::write(&args.out, &bytes)
        .map_err(|e| CliError::Other(format!("--out {}: {e}", args.out.display())))?;
    let human = if zh {
        format!("已导出 {}（{} 字节）", args.out.display(), bytes.len())
    } else {
        format!("exported {} ({} bytes)", args.out.display(), bytes.len())
    };
    out.value(
        "export",
        json!({ "out": args.out.display().to_string(), "bytes": bytes.len(), "format": format }),
        human,
    );
    Ok(())
}
