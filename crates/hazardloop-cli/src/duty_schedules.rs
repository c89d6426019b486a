//! `hazardloop duty schedules …`: the report schedules, shown, loaded or taken from the presets.

use hazardloop_core::duty::{schedule_presets, DueRule, Every, ReportSchedule};
use hazardloop_core::model::{Lang, Named, TenantId};
use hazardloop_core::store::{InspectionStore, RecordStore};
use serde_json::{json, Value};

use crate::error::CliError;
use crate::inspection::Eng;
use crate::out::Out;
use crate::record_args::SchedulesCmd;
use crate::record_error::record as fail;
use crate::record_view::{read_doc, strings, t};

/// `duty schedules …`.
pub(crate) async fn schedules<S: InspectionStore + RecordStore>(
    engine: &Eng<S>,
    tenant: &TenantId,
    cmd: SchedulesCmd,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = out.lang;
    let saved = |n: usize| match lang {
        Lang::Zh => format!("已保存报告制度 {n} 项（用 `hazardloop duty generate` 生成报告事项）"),
        Lang::En => {
            format!("{n} report schedules saved (generate duties with `hazardloop duty generate`)")
        }
    };
    match cmd {
        SchedulesCmd::Show => {
            let all = engine.schedules(tenant).await.map_err(|e| fail(e, lang))?;
            let header = strings(&[
                t(lang, "代码", "code"),
                t(lang, "名称", "title"),
                t(lang, "类型", "kind"),
                t(lang, "截止", "due"),
                t(lang, "统计表", "statistics"),
                t(lang, "签发", "signed by"),
            ]);
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|s| {
                    vec![
                        s.code.clone(),
                        s.title.clone(),
                        s.kind.name(lang).to_owned(),
                        due_rule(&s.due, lang),
                        if s.statistics { t(lang, "是", "yes") } else { "" }.to_owned(),
                        s.signer.map(|r| r.name(lang).to_owned()).unwrap_or_default(),
                    ]
                })
                .collect();
            let title = vec![match lang {
                Lang::Zh => format!("报告制度 {} 项", all.len()),
                Lang::En => format!("{} report schedules", all.len()),
            }];
            out.grid("duty.schedules", &title, &header, &rows, json!({ "schedules": all }));
            Ok(())
        }
        SchedulesCmd::Preset => {
            let presets = schedule_presets();
            let n = presets.len();
            engine.set_schedules(tenant, presets).await.map_err(|e| fail(e, lang))?;
            out.message("duty.schedules.preset", &saved(n), json!({ "schedules": n }));
            Ok(())
        }
        SchedulesCmd::Load { file } => {
            let doc: Value = read_doc(&file, "duty schedules load", lang)?;
            let items = match doc {
                Value::Array(items) => items,
                Value::Object(mut map) => match map.remove("schedules") {
                    Some(Value::Array(items)) => items,
                    _ => {
                        return Err(CliError::Invalid(match lang {
                            Lang::Zh => {
                                format!("{}：schedules：必须填写（[[schedules]]）", file.display())
                            }
                            Lang::En => {
                                format!("{}: schedules: missing ([[schedules]])", file.display())
                            }
                        }))
                    }
                },
                _ => Vec::new(),
            };
            let mut list = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let s: ReportSchedule = serde_json::from_value(item).map_err(|e| {
                    CliError::Invalid(match lang {
                        Lang::Zh => format!("schedules[{i}]：格式有误（{e}）"),
                        Lang::En => format!("schedules[{i}]: {e}"),
                    })
                })?;
                list.push(s);
            }
            let n = list.len();
            engine.set_schedules(tenant, list).await.map_err(|e| fail(e, lang))?;
            out.message("duty.schedules.load", &saved(n), json!({ "schedules": n }));
            Ok(())
        }
    }
}

/// A due rule in words.
fn due_rule(rule: &DueRule, lang: Lang) -> String {
    let every = |e: &Every| match e {
        Every::Quarter => t(lang, "季度", "quarter"),
        Every::HalfYear => t(lang, "半年", "half year"),
        Every::Year => t(lang, "年度", "year"),
    };
    match (rule, lang) {
        (DueRule::Dates { dates, .. }, _) => {
            let list: Vec<String> = dates.iter().map(ToString::to_string).collect();
            format!("{}{}", t(lang, "按日期：", "on "), list.join(t(lang, "、", ", ")))
        }
        (DueRule::AfterPeriod { every: e, month, day }, Lang::Zh) => {
            format!("每{}结束后第 {month} 个月 {day} 日前", every(e))
        }
        (DueRule::AfterPeriod { every: e, month, day }, Lang::En) => {
            format!("by day {day} of month {month} after each {}", every(e))
        }
        (DueRule::EndOfPeriod { every: e }, Lang::Zh) => format!("每{}末前", every(e)),
        (DueRule::EndOfPeriod { every: e }, Lang::En) => format!("by the end of each {}", every(e)),
        (DueRule::Yearly { month, day }, Lang::Zh) => format!("每年 {month} 月 {day} 日前"),
        (DueRule::Yearly { month, day }, Lang::En) => format!("each year by {month}-{day}"),
    }
}
