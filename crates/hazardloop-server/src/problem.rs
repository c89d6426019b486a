//! Errors as `application/problem+json` (RFC 9457), and the one table that maps each engine
//! error to an HTTP status.
//!
//! | engine error | status | `type` (after `/problems/`) |
//! | --- | --- | --- |
//! | no or unknown token, revoked token | 401 | `unauthenticated` |
//! | `WorkflowError::Denied`, `InspectionError::Denied`, `DutyError::Denied`, a host speaking for a person it may not | 403 | `denied` |
//! | `NotFound`, `OccurrenceNotFound`, `RecordNotFound` (an incident or a report duty), `UnknownTenant`, an unknown route; a hazard or record of another tenant (the tenant comes from the token, so another tenant's hazards are unknown, never "forbidden") | 404 | `unknown` |
//! | `Conflict`, `WorkflowError::NotAllowed` (the step does not fit the stage), an idempotency key reused for another command | 409 | `conflict` |
//! | `Stale` (`If-Match` or a batch item's `expected_version`) | 412 | `stale` |
//! | `InputError::TooLarge`, a body over the policy's limit | 413 | `too_large` |
//! | a body that is not JSON | 415 / 400 | `unsupported_media` / `malformed` |
//! | `WorkflowError::Broken`, `WorkflowError::Input`, `InspectionError::Refused`/`Input`, `DutyError::Refused`/`Input` (an incident's or a duty's rule, such as 书面报告报送后方可结案, or a field), a bad parameter | 422 | `invalid` |
//! | `Store` (the store is unreachable or its schema is old) | 503 | `unavailable` |
//! | `Chain`, `Damaged`, `OccurrenceChain`, `RecordChain` (the stored history does not verify) | 500 | `damaged` |
//!
//! Every problem carries `rule` (the refusing rule's code, when one refused), `rule_name`
//! (`zh`, `en`), `field` (for bad input), and the message twice: `detail` in Chinese and
//! `detail_en` in English.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hazardloop_core::duty::DutyError;
use hazardloop_core::engine::EngineError;
use hazardloop_core::inspection::InspectionError;
use hazardloop_core::model::{InputError, Lang, Named};
use hazardloop_core::workflow::WorkflowError;
use serde::Serialize;
use serde_json::Value;

/// A problem document (RFC 9457) with hazardloop's extension members.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `https://hazardloop.invalid/problems/<kind>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short Chinese title of the kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened, in Chinese.
    pub detail: String,
    /// What happened, in English.
    pub detail_en: String,
    /// The members that only some problems carry.
    #[serde(flatten)]
    pub extra: Box<Extra>,
}

/// The members only some problems carry (boxed: a problem travels in `Result`s).
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Extra {
    /// The refusing rule's code (`checker_is_not_rectifier`), when a rule refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The rule's name (`zh`, `en`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub rule_name: Option<Value>,
    /// The input field that is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For a stale write: the version assumed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<u64>,
    /// For a stale write or a conflict: the version found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<u64>,
    /// For a stale or conflicting write: the hazard as it stands (its ledger row).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub current: Option<Value>,
}

/// The kinds of problem, each with its status and Chinese title.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// 401.
    Unauthenticated,
    /// 403.
    Denied,
    /// 404.
    Unknown,
    /// 405.
    MethodNotAllowed,
    /// 409.
    Conflict,
    /// 412.
    Stale,
    /// 413.
    TooLarge,
    /// 415.
    UnsupportedMedia,
    /// 400.
    Malformed,
    /// 422.
    Invalid,
    /// 503.
    Unavailable,
    /// 500.
    Damaged,
    /// 500.
    Internal,
}

impl Kind {
    /// The status, the `type` suffix and the Chinese title.
    pub fn parts(self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Kind::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated", "未认证"),
            Kind::Denied => (StatusCode::FORBIDDEN, "denied", "无权办理"),
            Kind::Unknown => (StatusCode::NOT_FOUND, "unknown", "对象不存在"),
            Kind::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "不支持的请求方法")
            }
            Kind::Conflict => (StatusCode::CONFLICT, "conflict", "与当前状态冲突"),
            Kind::Stale => (StatusCode::PRECONDITION_FAILED, "stale", "隐患已被他人更新"),
            Kind::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large", "内容超出限制"),
            Kind::UnsupportedMedia => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media", "请求体须为 JSON")
            }
            Kind::Malformed => (StatusCode::BAD_REQUEST, "malformed", "请求格式错误"),
            Kind::Invalid => (StatusCode::UNPROCESSABLE_ENTITY, "invalid", "输入不符合要求"),
            Kind::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", "服务暂不可用"),
            Kind::Damaged => (StatusCode::INTERNAL_SERVER_ERROR, "damaged", "存储记录校验失败"),
            Kind::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "服务内部错误"),
        }
    }
}

impl Problem {
    /// A problem of `kind` with its messages.
    pub fn new(kind: Kind, zh: impl Into<String>, en: impl Into<String>) -> Problem {
        let (status, name, title) = kind.parts();
        Problem {
            kind: format!("https://hazardloop.invalid/problems/{name}"),
            title: title.into(),
            status: status.as_u16(),
            detail: zh.into(),
            detail_en: en.into(),
            extra: Box::default(),
        }
    }

    /// A bad parameter or body field.
    pub fn invalid(field: &str, en: impl std::fmt::Display) -> Problem {
        let mut p =
            Problem::new(Kind::Invalid, format!("参数 {field} 无效"), format!("{field}: {en}"));
        p.extra.field = Some(field.to_string());
        p
    }

    /// With the refusing rule.
    fn with_rule(mut self, code: String, name: &impl Named) -> Problem {
        self.extra.rule = Some(code);
        self.extra.rule_name =
            Some(serde_json::json!({ "zh": name.name(Lang::Zh), "en": name.name(Lang::En) }));
        self
    }

    /// The `type` suffix (`denied`).
    pub fn kind_name(&self) -> &str {
        self.kind.rsplit('/').next().unwrap_or_default()
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(&self)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        response
    }
}

fn input(e: &InputError) -> Problem {
    let kind =
        if matches!(e, InputError::TooLarge { .. }) { Kind::TooLarge } else { Kind::Invalid };
    let mut p = Problem::new(kind, format!("输入字段 {} 不符合要求", e.field()), e.to_string());
    p.extra.field = Some(e.field().to_string());
    if let Some(rule) = WorkflowError::Input(e.clone()).rule() {
        p = p.with_rule(rule.code(), &rule);
    }
    p
}

impl From<EngineError> for Problem {
    fn from(e: EngineError) -> Problem {
        let en = e.to_string();
        match &e {
            EngineError::Workflow(WorkflowError::Input(i)) => input(i),
            EngineError::Workflow(w) => {
                let (kind, zh) = match w {
                    WorkflowError::Denied { .. } => (Kind::Denied, "无权办理"),
                    WorkflowError::NotAllowed { .. } => (Kind::Conflict, "当前环节不能办理此步骤"),
                    _ => (Kind::Invalid, "不符合规则"),
                };
                let p = Problem::new(kind, zh, en);
                match w.rule() {
                    Some(rule) => {
                        let zh = format!("{zh}：{}", rule.name(Lang::Zh));
                        Problem { detail: zh, ..p }.with_rule(rule.code(), &rule)
                    }
                    None => p,
                }
            }
            EngineError::Inspection(InspectionError::Input(i)) => input(i),
            EngineError::Inspection(i) => {
                let kind = match i {
                    InspectionError::Denied { .. } => Kind::Denied,
                    _ => Kind::Invalid,
                };
                let p = Problem::new(kind, "检查任务不能办理", en);
                match i.rule() {
                    Some(rule) => {
                        let code = serde_json::to_value(rule)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default();
                        let zh = format!("检查任务不能办理：{}", rule.name(Lang::Zh));
                        Problem { detail: zh, ..p }.with_rule(code, &rule)
                    }
                    None => p,
                }
            }
            EngineError::Duty(DutyError::Input(i)) => input(i),
            EngineError::Duty(d) => {
                let kind = match d {
                    DutyError::Denied { .. } => Kind::Denied,
                    _ => Kind::Invalid,
                };
                let p = Problem::new(kind, "不能办理", en);
                match d.rule() {
                    Some(rule) => {
                        let code = serde_json::to_value(rule)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default();
                        let zh = format!("不能办理：{}", rule.name(Lang::Zh));
                        Problem { detail: zh, ..p }.with_rule(code, &rule)
                    }
                    None => p,
                }
            }
            EngineError::RecordNotFound { kind, .. } => {
                Problem::new(Kind::Unknown, format!("{}不存在", kind.name(Lang::Zh)), en)
            }
            EngineError::Stale { expected, actual, .. } => {
                let mut p = Problem::new(
                    Kind::Stale,
                    format!("隐患已更新到第 {actual} 版，请求基于第 {expected} 版"),
                    en,
                );
                p.extra.expected = Some(*expected);
                p.extra.actual = Some(*actual);
                p
            }
            EngineError::Conflict { expected, actual } => {
                let mut p = Problem::new(Kind::Conflict, "隐患在办理期间已被他人更新，请重试", en);
                p.extra.expected = Some(*expected);
                p.extra.actual = Some(*actual);
                p
            }
            EngineError::NotFound { .. } => Problem::new(Kind::Unknown, "隐患不存在", en),
            EngineError::UnknownNumber { number, .. } => {
                Problem::new(Kind::Unknown, format!("隐患编号 {number} 不存在"), en)
            }
            EngineError::OccurrenceNotFound { .. } => {
                Problem::new(Kind::Unknown, "检查任务不存在", en)
            }
            EngineError::UnknownTenant(_) => Problem::new(Kind::Unknown, "单位未配置组织机构", en),
            EngineError::Store(_) => {
                Problem::new(Kind::Unavailable, "存储暂不可用，请稍后重试", en)
            }
            EngineError::Chain(_)
            | EngineError::Damaged(_)
            | EngineError::OccurrenceChain { .. }
            | EngineError::RecordChain { .. } => {
                Problem::new(Kind::Damaged, "存储记录校验失败，请从备份恢复", en)
            }
            _ => Problem::new(Kind::Internal, "服务内部错误", en),
        }
    }
}
