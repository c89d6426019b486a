//! `hazardloop duty submit`: a duty's documents, the statistics table of its period made here
//! when asked, and the signer.

use std::path::Path;

use hazardloop_core::duty::{Attachment, Duty, DutyCommand};
use hazardloop_core::model::Lang;
use hazardloop_core::org::Org;
use hazardloop_core::report::{CellContext, Period};
use hazardloop_core::store::{InspectionStore, RecordStore};
use hazardloop_export::{Format, PrintSetup, RenderError, What};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::error::CliError;
use crate::inspection::Eng;
use crate::out::Out;
use crate::record_args::DutySubmitArgs;
use crate::record_error::record as fail;
use crate::record_view::record_id;

use crate::duty::status_name;

/// `--attach URI` or `URI#SHA256`.
fn attachment(text: &str, lang: Lang) -> Result<Attachment, CliError> {
    if let Some((uri, tail)) = text.rsplit_once('#') {
        if !tail.is_empty() && tail.chars().all(|c| c.is_ascii_hexdigit()) {
            if tail.len() != 64 {
                return Err(CliError::Invalid(match lang {
                    Lang::Zh => format!("--attach：`{tail}` 不是 SHA-256（应为 64 位十六进制）"),
                    Lang::En => format!("--attach: `{tail}` is not a SHA-256 (64 hex digits)"),
                }));
            }
            return Ok(Attachment { uri: uri.to_owned(), sha256: Some(tail.to_ascii_lowercase()) });
        }
    }
    Ok(Attachment { uri: text.to_owned(), sha256: None })
}

/// `duty submit`.
pub(crate) async fn submit<S: InspectionStore + RecordStore>(
    app: &App<S>,
    engine: &Eng<S>,
    org: &Org,
    a: DutySubmitArgs,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = app.opts.lang;
    let tenant = &app.opts.tenant;
    let actor = app.actor(org)?;
    let id = record_id(&a.id, "id", lang)?;
    let mut attachments =
        a.attach.iter().map(|x| attachment(x, lang)).collect::<Result<Vec<_>, _>>()?;
    let signed_by =
        a.signed_by.as_deref().map(|p| crate::parse::person("--signed-by", p, lang)).transpose()?;
    let duty = engine.load_duty(tenant, &id).await.map_err(|e| fail(e, lang))?;
    let mut written = None;
    if let Some(path) = &a.statistics {
        if duty.submission.is_some() {
            // Refused below (already submitted): write no file for it.
            attachments.push(Attachment { uri: path.display().to_string(), sha256: None });
        } else {
            let (attached, bytes) = statistics_file(app, engine, org, &duty, path).await?;
            attachments.push(attached);
            written = Some(bytes);
        }
    }
    let command = DutyCommand::Submit { attachments, signed_by, note: a.note };
    let outcome = engine.duty(&actor, &id, command).await.map_err(|e| {
        match fail(e, lang) {
            // The core names the command's fields; on the command line they are flags.
            CliError::Invalid(m) => CliError::Invalid(
                m.replace("attachments：必须填写", "--attach：必须填写（或 --statistics）")
                    .replace("attachments: missing", "--attach: missing (or --statistics)")
                    .replace("signed_by", "--signed-by"),
            ),
            other => other,
        }
    })?;
    let d = &outcome.record;
    let status = d.status_at(engine.now());
    let mut human = match lang {
        Lang::Zh => {
            format!("报告事项 {}（{}）  状态：{}", d.id, d.title, status_name(status, lang))
        }
        Lang::En => format!("duty {} ({})  status: {}", d.id, d.title, status_name(status, lang)),
    };
    if let (Some(path), Some(bytes)) = (&a.statistics, written) {
        human += &match lang {
            Lang::Zh => format!("\n统计表已写入 {}（{bytes} 字节）并作为附件报送", path.display()),
            Lang::En => format!(
                "\nstatistics table written to {} ({bytes} bytes) and attached",
                path.display()
            ),
        };
    }
    let attachments = d.submission.as_ref().map(|s| s.attachments.clone()).unwrap_or_default();
    out.value(
        "duty.submit",
        json!({ "duty": d.id, "version": d.version, "status": status, "attachments": attachments }),
        human,
    );
    Ok(())
}

/// Renders the statistics table of the duty's period (a campaign duty's: its campaign's) to
/// `path` and returns it as an attachment with its SHA-256, and its size.
async fn statistics_file<S: InspectionStore + RecordStore>(
    app: &App<S>,
    engine: &Eng<S>,
    org: &Org,
    duty: &Duty,
    path: &Path,
) -> Result<(Attachment, usize), CliError> {
    let lang = app.opts.lang;
    let tenant = &app.opts.tenant;
    let ext = path.extension().and_then(|x| x.to_str()).unwrap_or_default().to_ascii_lowercase();
    let format = match ext.as_str() {
        "xlsx" => Format::Xlsx,
        "csv" => Format::Csv,
        _ => {
            return Err(CliError::Invalid(match lang {
                Lang::Zh => format!("--statistics：`{}` 须为 .xlsx 或 .csv 文件", path.display()),
                Lang::En => {
                    format!("--statistics: `{}` must be a .xlsx or .csv file", path.display())
                }
            }))
        }
    };
    let policy = engine.policy();
    let calendar = policy.calendar();
    let bytes = match &duty.campaign {
        Some(code) => {
            // The campaign's hazards from its first day to this report's date.
            let (from, to) = duty.period.unwrap_or((chrono::NaiveDate::MIN, duty.due_date));
            let (_, period, table) = engine
                .campaign_statistics_between(tenant, code, from, to)
                .await
                .map_err(|e| fail(e, lang))?;
            let cx = CellContext::new(lang, calendar.time_zone())
                .with_org(org)
                .with_matrix(policy.matrix());
            let made = match format {
                Format::Xlsx => {
                    let setup = PrintSetup::for_period(&period, calendar, lang, engine.now());
                    hazardloop_export::stats_xlsx_with(&table, &cx, &setup)
                }
                other => hazardloop_export::export_stats(other, &table, &cx),
            };
            made.map_err(|e| CliError::Other(e.to_string()))?
        }
        None => {
            let Some((from, to)) = duty.period else {
                return Err(CliError::Invalid(match lang {
                    Lang::Zh => {
                        format!("--statistics：报告事项 {} 没有所报期间，无统计表", duty.id)
                    }
                    Lang::En => format!("--statistics: duty {} reports on no period", duty.id),
                }));
            };
            let period = Period::custom(from, to)
                .map_err(|e| CliError::Invalid(crate::error::input(&e, lang)))?;
            let rendered = hazardloop_export::render(
                engine,
                tenant,
                org,
                lang,
                What::Stats,
                format,
                Some(&period),
            )
            .await;
            match rendered {
                Ok(bytes) => bytes,
                Err(RenderError::Engine(e)) => return Err(fail(e, lang)),
                Err(e) => return Err(CliError::Other(e.to_string())),
            }
        }
    };
    std::fs::write(path, &bytes).map_err(|e| {
        CliError::Other(match lang {
            Lang::Zh => format!("--statistics {}：无法写入（{e}）", path.display()),
            Lang::En => format!("--statistics {}: {e}", path.display()),
        })
    })?;
    let sha = hex::encode(Sha256::digest(&bytes));
    let uri = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    Ok((Attachment { uri: uri.display().to_string(), sha256: Some(sha) }, bytes.len()))
}
