//! `hazardloop campaign …`: 专项整治. A campaign has phases (阶段) and report dates (报送日期,
//! which `duty generate` turns into report duties); hazards tagged with `--campaign` at
//! `discover` or `register` are counted in its own statistics table.

use hazardloop_core::duty::{campaign_preset, campaign_preset_codes, Campaign};
use hazardloop_core::model::{Lang, TenantId};
use hazardloop_core::org::Org;
use hazardloop_core::report::{CellContext, LedgerFilter};
use hazardloop_core::store::{InspectionStore, RecordStore};
use hazardloop_export::{Format, PrintSetup};
use serde_json::json;

use crate::app::App;
use crate::args::OutputFormat;
use crate::error::CliError;
use crate::inspection::{date, Eng};
use crate::out::Out;
use crate::record_args::{CampaignCmd, CampaignStatsArgs};
use crate::record_error::record as fail;
use crate::record_view::{read_doc, strings, t};

/// Runs one `campaign` subcommand.
pub async fn run<S: InspectionStore + RecordStore>(
    app: &App<S>,
    cmd: CampaignCmd,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = app.opts.lang;
    let (engine, _, org) = app.engine().await?;
    let tenant = &app.opts.tenant;
    match cmd {
        CampaignCmd::Add { file } => {
            let campaign: Campaign = read_doc(&file, "campaign add", lang)?;
            save(&engine, tenant, campaign, "campaign.add", out).await
        }
        CampaignCmd::Preset(a) => {
            let Some(mut campaign) = campaign_preset(&a.preset) else {
                let known = campaign_preset_codes().join(", ");
                return Err(CliError::Invalid(match lang {
                    Lang::Zh => format!("PRESET：没有预设专项整治 `{}`（可选：{known}）", a.preset),
                    Lang::En => {
                        format!("PRESET: no campaign preset `{}` (known: {known})", a.preset)
                    }
                }));
            };
            if let Some(start) = a.start.as_deref() {
                campaign = campaign.moved_to(date(start, "--start", lang)?);
            }
            save(&engine, tenant, campaign, "campaign.preset", out).await
        }
        CampaignCmd::List => {
            let all = engine.campaigns(tenant).await.map_err(|e| fail(e, lang))?;
            let header = strings(&[
                t(lang, "代码", "code"),
                t(lang, "名称", "title"),
                t(lang, "阶段", "phases"),
                t(lang, "报送日期", "report dates"),
            ]);
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|c| vec![c.code.clone(), c.title.clone(), phases(c, lang), dates(c, lang)])
                .collect();
            let title = vec![match lang {
                Lang::Zh => format!("专项整治 {} 项", all.len()),
                Lang::En => format!("{} campaigns", all.len()),
            }];
            out.grid("campaign.list", &title, &header, &rows, json!({ "campaigns": all }));
            Ok(())
        }
        CampaignCmd::Stats(a) => stats(app, &engine, &org, a, out).await,
    }
}

/// The phases in a line: `自查自纠阶段 2021-11-08–2021-11-15；…`.
fn phases(c: &Campaign, lang: Lang) -> String {
    let list: Vec<String> =
        c.phases.iter().map(|p| format!("{} {}–{}", p.name, p.from, p.to)).collect();
    list.join(t(lang, "；", "; "))
}

/// The report dates in a line.
fn dates(c: &Campaign, lang: Lang) -> String {
    let list: Vec<String> = c.report_dates.iter().map(ToString::to_string).collect();
    list.join(t(lang, "、", ", "))
}

async fn save<S: InspectionStore + RecordStore>(
    engine: &Eng<S>,
    tenant: &TenantId,
    campaign: Campaign,
    command: &str,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = out.lang;
    engine.put_campaign(tenant, campaign.clone()).await.map_err(|e| fail(e, lang))?;
    let message = match lang {
        Lang::Zh => format!(
            "已保存专项整治 {}（{}）：{} 个阶段（{}），报送日期 {}。用 `hazardloop duty generate` 生成报送事项。",
            campaign.code,
            campaign.title,
            campaign.phases.len(),
            phases(&campaign, lang),
            dates(&campaign, lang)
        ),
        Lang::En => format!(
            "campaign {} ({}) saved: {} phases ({}), report dates {}. Generate its duties with `hazardloop duty generate`.",
            campaign.code,
            campaign.title,
            campaign.phases.len(),
            phases(&campaign, lang),
            dates(&campaign, lang)
        ),
    };
    out.message(command, &message, json!({ "campaign": campaign }));
    Ok(())
}

/// `campaign stats`: printed as `stats` prints, or rendered to `--out`.
async fn stats<S: InspectionStore + RecordStore>(
    app: &App<S>,
    engine: &Eng<S>,
    org: &Org,
    a: CampaignStatsArgs,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = app.opts.lang;
    let tenant = &app.opts.tenant;
    let phase = match a.phase {
        None => None,
        Some(0) => {
            return Err(CliError::Invalid(match lang {
                Lang::Zh => "--phase：阶段从 1 起数".to_owned(),
                Lang::En => "--phase: phases count from 1".to_owned(),
            }))
        }
        Some(n) => Some(n - 1),
    };
    let (campaign, period, table) =
        engine.campaign_statistics(tenant, &a.code, phase).await.map_err(|e| {
            match fail(e, lang) {
                // The engine names the 0-based `phase`; on the command line it is `--phase`.
                CliError::Invalid(m) if m.starts_with("phase") => {
                    CliError::Invalid(format!("--{m}"))
                }
                other => other,
            }
        })?;
    let phase_name = phase.and_then(|i| campaign.phases.get(i)).map(|p| p.name.clone());
    let label = match (&phase_name, lang) {
        (Some(p), Lang::Zh) => {
            format!("{}（{p}）{}", campaign.title, period.label(lang))
        }
        (Some(p), Lang::En) => format!("{} ({p}) {}", campaign.title, period.label(lang)),
        (None, _) => format!("{} {}", campaign.title, period.label(lang)),
    };
    let Some(path) = a.out else {
        out.stats(&label, &table);
        return Ok(());
    };
    let policy = engine.policy();
    let calendar = policy.calendar();
    let cx =
        CellContext::new(lang, calendar.time_zone()).with_org(org).with_matrix(policy.matrix());
    let format = match app.opts.format {
        OutputFormat::Table | OutputFormat::Xlsx => Format::Xlsx,
        OutputFormat::Csv => Format::Csv,
        OutputFormat::Json => Format::Json,
        OutputFormat::Html => Format::Html,
    };
    let made = match format {
        Format::Xlsx => {
            let mut setup = PrintSetup::for_period(&period, calendar, lang, engine.now());
            setup.period = Some(label.clone());
            hazardloop_export::stats_xlsx_with(&table, &cx, &setup)
        }
        Format::Html => {
            let rows: Vec<_> = engine
                .ledger_rows(tenant, &LedgerFilter::default())
                .await
                .map_err(|e| fail(e, lang))?
                .into_iter()
                .filter(|r| r.campaign.as_deref() == Some(campaign.code.as_str()))
                .collect();
            hazardloop_export::monthly_html_with(&rows, &table, &period, calendar, &cx, None)
                .map(String::into_bytes)
        }
        other => hazardloop_export::export_stats(other, &table, &cx),
    };
    let bytes = made.map_err(|e| CliError::Other(e.to_string()))?;
    std::fs::write(&path, &bytes).map_err(|e| {
        CliError::Other(match lang {
            Lang::Zh => format!("--out {}：无法写入（{e}）", path.display()),
            Lang::En => format!("--out {}: {e}", path.display()),
        })
    })?;
    let human = match lang {
        Lang::Zh => format!("已导出 {}（{}，{} 字节）", path.display(), label, bytes.len()),
        Lang::En => format!("exported {} ({}, {} bytes)", path.display(), label, bytes.len()),
    };
    out.value(
        "campaign.stats",
        json!({ "out": path.display().to_string(), "bytes": bytes.len(), "format": format, "period": label, "table": table }),
        human,
    );
    Ok(())
}
