//! Errors of incidents, report duties and campaigns in the exit-code scheme of
//! [`crate::error`]: a denial names the rule (exit 3), a refusal names the rule (exit 4), bad
//! input names the field (exit 4), an unknown record is invalid input (exit 4), a record whose
//! history does not verify is exit 1.

use hazardloop_core::duty::{DutyError, DutyRule};
use hazardloop_core::engine::EngineError;
use hazardloop_core::model::{Lang, Named};

use crate::error::{self, CliError};

/// A rule's stable code (`written_before_close`).
fn code(rule: DutyRule) -> String {
    serde_json::to_value(rule).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// A refused or denied command on an incident or a duty, in `lang`. The core's reasons are
/// English sentences; in Chinese the rule's name says what is wrong, with the field the reason
/// names, if any.
pub fn duty(e: &DutyError, lang: Lang) -> CliError {
    let zh = lang == Lang::Zh;
    let say = |verb_zh: &str, verb_en: &str, rule: DutyRule, reason: &str| {
        if zh {
            match error::field_of(reason) {
                Some(field) => {
                    format!("{verb_zh}：{}（{field}；规则 {}）", rule.name(lang), code(rule))
                }
                None => format!("{verb_zh}：{}（规则 {}）", rule.name(lang), code(rule)),
            }
        } else {
            format!("{verb_en}: {} (rule {}): {reason}", rule.name(lang), code(rule))
        }
    };
    match e {
        DutyError::Denied { rule, reason } => {
            CliError::Denied(say("无权办理", "denied", *rule, reason))
        }
        DutyError::Refused { rule, reason } => {
            CliError::Invalid(say("不予办理", "refused", *rule, reason))
        }
        DutyError::Input(i) => CliError::Invalid(error::input(i, lang)),
        other => CliError::Invalid(other.to_string()),
    }
}

/// An engine error of a record command in `lang`.
pub fn record(e: EngineError, lang: Lang) -> CliError {
    let zh = lang == Lang::Zh;
    match e {
        EngineError::Duty(d) => duty(&d, lang),
        EngineError::RecordNotFound { tenant, kind, id } => CliError::Invalid(match (zh, kind) {
            (true, hazardloop_core::duty::RecordKind::Duty) => format!(
                "租户 {tenant} 中没有{} {id}（编号形如 制度/单位/期次；可先运行 `hazardloop duty generate`）",
                kind.name(lang)
            ),
            (true, _) => format!("租户 {tenant} 中没有{} {id}", kind.name(lang)),
            (false, _) => format!("no {} {id} in tenant {tenant}", kind.name(lang)),
        }),
        EngineError::RecordChain { kind, id, seq, reason } => CliError::Other(if zh {
            format!(
                "校验失败：{} {id} 的第 {seq} 条事件未通过校验：{}",
                kind.name(lang),
                error::chain_reason_zh(&reason)
            )
        } else {
            format!("verify failed: {} {id}: event {seq}: {reason}", kind.name(lang))
        }),
        EngineError::Conflict { .. } => CliError::Conflict(if zh {
            "记录已被他人同时修改，请重新查看后再办理".to_owned()
        } else {
            "the record changed meanwhile; look again and retry".to_owned()
        }),
        other => error::engine(other, lang),
    }
}

/// A step's error about its campaign tag, naming the flag: the engine names the command's
/// field `campaign`; on the command line it is `--campaign`.
pub fn campaign_flag(e: CliError, lang: Lang) -> CliError {
    match e {
        CliError::Invalid(m) if m.starts_with("campaign：") || m.starts_with("campaign: ") => {
            CliError::Invalid(match lang {
                Lang::Zh => format!(
                    "--campaign：{}（专项整治代码，见 `hazardloop campaign list`）",
                    m.trim_start_matches("campaign：")
                ),
                Lang::En => format!("--{m} (a campaign code; see `hazardloop campaign list`)"),
            })
        }
        other => other,
    }
}
