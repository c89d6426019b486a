//! Errors of the command, each with its exit code.

use hazardloop_core::engine::EngineError;
use hazardloop_core::inspection::InspectionError;
use hazardloop_core::model::{InputError, Lang, Named};
use hazardloop_core::store::StoreError;
use hazardloop_core::workflow::{StageKind, Step, WorkflowError};

/// Exit codes: 0 ok, 2 usage, 3 denied, 4 invalid input, 5 conflict, 1 anything else.
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// Anything else (storage, I/O, a failed verification).
    pub const OTHER: i32 = 1;
    /// The command line is wrong.
    pub const USAGE: i32 = 2;
    /// The actor may not do this.
    pub const DENIED: i32 = 3;
    /// The input is invalid, names something unknown, or breaks a rule of the loop.
    pub const INVALID: i32 = 4;
    /// Another command changed the hazard first.
    pub const CONFLICT: i32 = 5;
}

/// A failure of the command: a readable sentence and its exit code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// The command line is wrong.
    #[error("{0}")]
    Usage(String),
    /// The actor may not do this.
    #[error("{0}")]
    Denied(String),
    /// Invalid input or a broken rule.
    #[error("{0}")]
    Invalid(String),
    /// A concurrent change.
    #[error("{0}")]
    Conflict(String),
    /// Anything else.
    #[error("{0}")]
    Other(String),
    /// The command printed its own result (with `"ok": false`) and fails with this exit code.
    #[error("{message}")]
    Reported {
        /// The exit code.
        code: i32,
        /// The sentence for stderr.
        message: String,
    },
}

impl CliError {
    /// The process exit code.
    pub fn code(&self) -> i32 {
        match self {
            CliError::Usage(_) => exit::USAGE,
            CliError::Denied(_) => exit::DENIED,
            CliError::Invalid(_) => exit::INVALID,
            CliError::Conflict(_) => exit::CONFLICT,
            CliError::Other(_) => exit::OTHER,
            CliError::Reported { code, .. } => *code,
        }
    }

    /// A stable machine name of the kind, for `--format json`.
    pub fn kind(&self) -> &'static str {
        match self {
            CliError::Usage(_) => "usage",
            CliError::Denied(_) => "denied",
            CliError::Invalid(_) => "invalid",
            CliError::Conflict(_) => "conflict",
            CliError::Other(_) | CliError::Reported { .. } => "error",
        }
    }
}

impl From<EngineError> for CliError {
    fn from(e: EngineError) -> CliError {
        match e {
            EngineError::Workflow(w) => w.into(),
            EngineError::Conflict { .. } => CliError::Conflict(e.to_string()),
            EngineError::NotFound { .. } => CliError::Invalid(e.to_string()),
            EngineError::UnknownTenant(_) => {
                CliError::Usage(format!("{e}; run `hazardloop init` first"))
            }
            EngineError::Inspection(i) => inspection(&i, Lang::En),
            EngineError::OccurrenceNotFound { .. } => CliError::Invalid(e.to_string()),
            EngineError::Duty(_)
            | EngineError::RecordNotFound { .. }
            | EngineError::RecordChain { .. } => crate::record_error::record(e, Lang::En),
            other => CliError::Other(other.to_string()),
        }
    }
}

impl From<WorkflowError> for CliError {
    fn from(e: WorkflowError) -> CliError {
        match e {
            WorkflowError::Denied { .. } => CliError::Denied(e.to_string()),
            other => CliError::Invalid(other.to_string()),
        }
    }
}

impl From<InputError> for CliError {
    fn from(e: InputError) -> CliError {
        CliError::Invalid(e.to_string())
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> CliError {
        match e {
            StoreError::Conflict { .. } => CliError::Conflict(e.to_string()),
            StoreError::Schema(_) => CliError::Usage(format!("{e}; run `hazardloop init` first")),
            other => CliError::Other(other.to_string()),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> CliError {
        CliError::Other(e.to_string())
    }
}

/// An engine error of an inspection command, in `lang`: a denial names the rule (exit 3), a
/// refusal names the rule (exit 4, as a refused step of the loop), bad input names the field
/// (exit 4), a concurrent change is a conflict (exit 5).
pub fn engine(e: EngineError, lang: Lang) -> CliError {
    match e {
        EngineError::Inspection(i) => inspection(&i, lang),
        EngineError::OccurrenceNotFound { tenant, occurrence } => CliError::Invalid(match lang {
            Lang::Zh => {
                format!("租户 {tenant} 中没有检查任务 {occurrence}（编号形如 计划/单位/期次）")
            }
            Lang::En => {
                format!("no occurrence {occurrence} in tenant {tenant} (ids are plan/unit/period)")
            }
        }),
        EngineError::Conflict { .. } => CliError::Conflict(match lang {
            Lang::Zh => "检查任务已被他人同时修改，请重新查看后再办理".to_owned(),
            Lang::En => "the occurrence changed meanwhile; look again and retry".to_owned(),
        }),
        EngineError::OccurrenceChain { .. } => CliError::Other(match lang {
            Lang::Zh => format!("校验失败：{e}"),
            Lang::En => format!("verify failed: {e}"),
        }),
        EngineError::Duty(_)
        | EngineError::RecordNotFound { .. }
        | EngineError::RecordChain { .. } => crate::record_error::record(e, lang),
        other => other.into(),
    }
}

/// An inspection error in `lang` with its exit code.
pub fn inspection(e: &InspectionError, lang: Lang) -> CliError {
    let code = |rule: &hazardloop_core::inspection::InspectionRule| {
        serde_json::to_value(rule)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    match e {
        InspectionError::Denied { rule, reason } => CliError::Denied(match lang {
            Lang::Zh => format!("无权办理：{}（规则 {}）：{reason}", rule.name(lang), code(rule)),
            Lang::En => format!("denied: {} (rule {}): {reason}", rule.name(lang), code(rule)),
        }),
        InspectionError::Refused { rule, reason } => CliError::Invalid(match lang {
            Lang::Zh => format!("不予办理：{}（规则 {}）：{reason}", rule.name(lang), code(rule)),
            Lang::En => format!("refused: {} (rule {}): {reason}", rule.name(lang), code(rule)),
        }),
        InspectionError::Input(i) => CliError::Invalid(input(i, lang)),
        other => CliError::Invalid(other.to_string()),
    }
}

/// An input error in `lang`, naming its field first.
pub fn input(e: &InputError, lang: Lang) -> String {
    if lang == Lang::En {
        return e.to_string();
    }
    match e {
        InputError::Missing { field } => format!("{field}：必须填写"),
        InputError::Malformed { field, reason } => format!("{field}：格式有误（{reason}）"),
        InputError::NotAllowed { field, value, allowed } => {
            format!("{field}：不接受 {value}（可填：{allowed}）")
        }
        InputError::Unknown { field, value } => format!("{field}：没有 {value}"),
        InputError::UnknownCategory { field, category, known } => {
            format!("{field}：类别 `{category}` 不在职责清单中（可选：{known}）")
        }
        InputError::TooLarge { field, limit } => format!("{field}：超出限制 {limit}"),
        InputError::OutOfOrder { field, reason } => format!("{field}：先后顺序有误（{reason}）"),
        other => other.to_string(),
    }
}

/// An engine error of a hazard command (a step, `show`, `verify`), in `lang`: a refused step
/// names the rule (exit 4), a denial names the rule (exit 3), an unknown hazard is invalid input
/// (exit 4), a concurrent change is a conflict (exit 5), a history that does not verify is 1.
pub fn hazard(e: EngineError, lang: Lang) -> CliError {
    let zh = lang == Lang::Zh;
    match e {
        EngineError::Workflow(w) => workflow(&w, lang),
        EngineError::NotFound { tenant, hazard } => CliError::Invalid(if zh {
            format!("租户 {tenant} 中没有隐患 {hazard}")
        } else {
            format!("no hazard {hazard} in tenant {tenant}")
        }),
        EngineError::UnknownNumber { tenant, number } => CliError::Invalid(if zh {
            format!("租户 {tenant} 中没有编号为 `{number}` 的隐患（填隐患编号如 2026-0017，或记录标识 UUID）")
        } else {
            format!("no hazard numbered `{number}` in tenant {tenant} (give a number like 2026-0017, or the UUID)")
        }),
        EngineError::Conflict { .. } | EngineError::Stale { .. } => CliError::Conflict(if zh {
            "隐患已被他人同时修改，请重新查看后再办理".to_owned()
        } else {
            "the hazard changed meanwhile; look again and retry".to_owned()
        }),
        EngineError::UnknownTenant(tenant) => CliError::Usage(if zh {
            format!("租户 {tenant} 尚未初始化，请先运行 `hazardloop init`")
        } else {
            format!("tenant {tenant} has no organisation; run `hazardloop init` first")
        }),
        EngineError::Chain(c) => CliError::Other(if zh {
            format!(
                "校验失败：隐患 {} 的第 {} 条事件未通过校验：{}",
                c.hazard,
                c.seq,
                chain_reason_zh(&c.reason)
            )
        } else {
            format!("verify failed: {c}")
        }),
        EngineError::Damaged(d) => CliError::Other(if zh {
            format!("校验失败：历史记录已损坏（事件 {} 不适用于 {} 状态的隐患）", d.event, d.stage)
        } else {
            format!("verify failed: {d}")
        }),
        other => engine(other, lang),
    }
}

/// A refused or denied step in `lang`, naming the rule. The core's details are English
/// sentences; in Chinese the rule's name says what is wrong instead.
pub fn workflow(e: &WorkflowError, lang: Lang) -> CliError {
    let zh = lang == Lang::Zh;
    match e {
        WorkflowError::NotAllowed { stage, step } => {
            let rule = e.rule().map(|r| r.code()).unwrap_or_default();
            CliError::Invalid(if zh {
                format!(
                    "隐患当前为「{}」，不能办理「{}」（规则 {rule}）",
                    stage.name(lang),
                    step.name(lang)
                )
            } else {
                format!(
                    "{} is not allowed while the hazard is {} (rule {rule})",
                    step.name(lang),
                    stage.name(lang)
                )
            })
        }
        WorkflowError::Broken { rule, detail } => CliError::Invalid(if zh {
            // The detail is English; the field it names (`plan.contingency: …`) is not.
            match field_of(detail) {
                Some(field) => {
                    format!("不予办理：{}（{field}；规则 {}）", rule.name(lang), rule.code())
                }
                None => format!("不予办理：{}（规则 {}）", rule.name(lang), rule.code()),
            }
        } else {
            format!("refused: {} (rule {}: {})", english(detail), rule.code(), rule.name(lang))
        }),
        WorkflowError::Denied { rule, detail } => CliError::Denied(if zh {
            format!("无权办理：{}（规则 {}）", rule.name(lang), rule.code())
        } else {
            format!("denied: {} (rule {}: {})", english(detail), rule.code(), rule.name(lang))
        }),
        WorkflowError::Input(i) => CliError::Invalid(input(i, lang)),
        other => CliError::Invalid(other.to_string()),
    }
}

/// The field a core detail starts with (`plan.contingency: the rectification lacks …`), if any.
pub(crate) fn field_of(detail: &str) -> Option<&str> {
    let (field, _) = detail.split_once(": ")?;
    let is_field = !field.is_empty()
        && field
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.[]".contains(c));
    is_field.then_some(field)
}

/// A core detail in English: the core writes step and stage names with their `Display`, which
/// is Chinese; those names become their English ones (the longest first, as `不批准延期` holds
/// `批准延期`).
fn english(detail: &str) -> String {
    let mut names: Vec<(&str, &str)> = Step::ALL
        .iter()
        .chain([Step::Import].iter())
        .map(|s| (s.name(Lang::Zh), s.name(Lang::En)))
        .chain(StageKind::ALL.iter().map(|s| (s.name(Lang::Zh), s.name(Lang::En))))
        .collect();
    names.sort_by_key(|(zh, _)| std::cmp::Reverse(zh.chars().count()));
    names.iter().fold(detail.to_owned(), |text, (zh, en)| text.replace(zh, en))
}

/// The fixed reasons of `hazardloop_core::chain::verify`, in Chinese (unknown ones as given).
pub(crate) fn chain_reason_zh(reason: &str) -> String {
    const TABLE: [(&str, &str); 6] = [
        ("missing", "序号不连续，有记录缺失"),
        ("belongs to another", "属于其他租户或隐患"),
        ("written after the archive seal", "写于备案存档之后"),
        ("does not link", "未链接到上一条事件"),
        ("its hash does not match", "内容被改动，哈希值不符"),
        ("does not decode", "内容被改动，无法解析"),
    ];
    TABLE
        .iter()
        .find(|(en, _)| reason.contains(en))
        .map_or_else(|| reason.to_owned(), |(_, zh)| (*zh).to_owned())
}

/// A store error in `lang`: a database without the schema needs `init` (exit 2), a concurrent
/// change is a conflict (5), anything else is the store's own sentence (1).
pub fn store(e: StoreError, lang: Lang) -> CliError {
    let zh = lang == Lang::Zh;
    match e {
        StoreError::Schema(_) if zh => CliError::Usage(format!(
            "数据库尚未初始化或版本不符（{e}），请先运行 `hazardloop init`"
        )),
        StoreError::Conflict { .. } if zh => {
            CliError::Conflict("记录已被他人同时修改，请重新查看后再办理".to_owned())
        }
        other => other.into(),
    }
}

/// `message` about `option`, joined as `lang` writes it (`--period：…`, `--period: …`).
pub fn about(option: &str, message: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{option}：{message}"),
        Lang::En => format!("{option}: {message}"),
    }
}
