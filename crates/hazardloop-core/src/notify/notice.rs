//! The notices the loop sends, with their Chinese (default) and English texts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::deadline::ClockKind;
use crate::escalation::Action;
use crate::model::{named_enum, HazardId, Lang, Named};
use crate::workflow::StageKind;

/// What a notice is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A deadline is near.
    Reminder,
    /// A deadline has passed.
    Overdue,
    /// A bureau supervision letter (督办函).
    SupervisionLetter,
    /// A summons (约谈).
    Summons,
    /// A circulated notice (通报).
    Circular,
    /// Work is complete and waits for the acceptance check.
    AcceptanceRequested,
    /// The acceptance check failed; the work goes back.
    AcceptanceFailed,
    /// The ledger entry was closed.
    Closed,
    /// Another step was taken (for steps the policy's `[notices]` adds).
    StepTaken,
    /// An inspection was missed (漏检).
    InspectionMissed,
    /// An inspection was given to the recipient.
    InspectionReassigned,
    /// An incident report (phone or written) is due or was missed.
    IncidentReportDue,
    /// A report duty is due, overdue or missed.
    ReportDue,
}

named_enum!(NoticeKind {
    Reminder => ("到期提醒", "reminder"),
    Overdue => ("逾期通知", "overdue notice"),
    SupervisionLetter => ("督办函", "supervision letter"),
    Summons => ("约谈通知", "summons"),
    Circular => ("通报", "circular"),
    AcceptanceRequested => ("待验收", "acceptance requested"),
    AcceptanceFailed => ("验收不合格", "acceptance failed"),
    Closed => ("已销号", "closed"),
    StepTaken => ("隐患办理进展", "hazard update"),
    InspectionMissed => ("漏检通知", "missed inspection"),
    InspectionReassigned => ("检查任务改派", "inspection reassigned"),
    IncidentReportDue => ("突发事件报告时限", "incident report deadline"),
    ReportDue => ("报告事项", "report duty"),
});

impl NoticeKind {
    /// The notice a step sends, when the policy's `[notices]` names recipients for it.
    pub fn of_step(step: crate::workflow::Step) -> NoticeKind {
        use crate::workflow::Step;
        match step {
            Step::Complete => NoticeKind::AcceptanceRequested,
            Step::Fail => NoticeKind::AcceptanceFailed,
            Step::Close => NoticeKind::Closed,
            _ => NoticeKind::StepTaken,
        }
    }
}

impl From<Action> for NoticeKind {
    fn from(action: Action) -> NoticeKind {
        match action {
            Action::Remind => NoticeKind::Reminder,
            Action::Overdue => NoticeKind::Overdue,
            Action::SupervisionLetter => NoticeKind::SupervisionLetter,
            Action::Summons => NoticeKind::Summons,
            Action::Circular => NoticeKind::Circular,
        }
    }
}

/// One notice about one hazard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// What it is about.
    pub kind: NoticeKind,
    /// The hazard.
    pub hazard: HazardId,
    /// The hazard's number (隐患编号), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// The hazard's title.
    pub title: String,
    /// Where it is.
    pub location: String,
    /// Its step now.
    pub stage: StageKind,
    /// The clock concerned, if any.
    pub clock: Option<ClockKind>,
    /// The due time concerned, if any.
    pub due: Option<DateTime<Utc>>,
    /// A note (the failure reason, …).
    pub note: Option<String>,
    /// Set when the notice is about an inspection occurrence (检查任务) rather than a hazard:
    /// then `hazard` is the nil id, `title` the plan's title and `due` the occurrence's due time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurrence: Option<crate::inspection::OccurrenceId>,
    /// Set when the notice is about a record of another kind (an incident, a report duty):
    /// then `hazard` is the nil id, `title` the record's title, `due` the deadline concerned
    /// and `note` what is due (电话报告, 书面报告, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<crate::duty::RecordRef>,
}

impl Notice {
    /// A one-line subject.
    pub fn subject(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => format!(
                "【{}】{}{}（{}）",
                self.kind.name(lang),
                self.numbered(),
                self.title,
                self.location
            ),
            Lang::En => format!(
                "[{}] {}{} ({})",
                self.kind.name(lang),
                self.numbered(),
                self.title,
                self.location
            ),
        }
    }

    /// The number and a space, or nothing.
    fn numbered(&self) -> String {
        self.number.as_ref().map(|n| format!("{n} ")).unwrap_or_default()
    }

    /// What the recipient must do.
    pub fn action_required(&self, lang: Lang) -> &'static str {
        use NoticeKind::*;
        match (self.kind, lang) {
            (Reminder, Lang::Zh) => "请在期限前完成本环节。",
            (Reminder, Lang::En) => "Please finish this step before the deadline.",
            (Overdue, Lang::Zh) => "已逾期，请立即办理并说明原因。",
            (Overdue, Lang::En) => "This is overdue: act now and explain the delay.",
            (SupervisionLetter, Lang::Zh) => "教育局督办：请限期整改并书面报告。",
            (SupervisionLetter, Lang::En) => "Bureau supervision: rectify and report in writing.",
            (Summons, Lang::Zh) => "请责任部门负责人按约谈要求说明情况。",
            (Summons, Lang::En) => "The responsible head is summoned to explain.",
            (Circular, Lang::Zh) => "予以通报，请引以为戒。",
            (Circular, Lang::En) => "Circulated for everyone's attention.",
            (AcceptanceRequested, Lang::Zh) => "整改已完成，请组织验收（验收人不得为整改人）。",
            (AcceptanceRequested, Lang::En) => {
                "Rectification is complete: check it (not by the rectifier)."
            }
            (AcceptanceFailed, Lang::Zh) => "验收不合格，请按意见重新整改。",
            (AcceptanceFailed, Lang::En) => "The check failed: rework it as noted.",
            (Closed, Lang::Zh) => "隐患已销号，请归档备案。",
            (Closed, Lang::En) => "The hazard is closed; file the record.",
            (StepTaken, Lang::Zh) => "隐患办理有新进展，请知悉。",
            (StepTaken, Lang::En) => "The hazard has moved on; for your information.",
            (InspectionMissed, Lang::Zh) => "检查任务已漏检，请说明原因并及时补查。",
            (InspectionMissed, Lang::En) => {
                "An inspection was missed: explain why and inspect now."
            }
            (InspectionReassigned, Lang::Zh) => "该检查任务已改派给您，请按时完成。",
            (InspectionReassigned, Lang::En) => "This inspection is now yours: do it on time.",
            (IncidentReportDue, Lang::Zh) => "请立即向教育局报告突发事件；已超时的，请马上补报并说明原因。",
            (IncidentReportDue, Lang::En) => {
                "Report the incident to the bureau now; if the deadline has passed, report at once and explain why."
            }
            (ReportDue, Lang::Zh) => "请按时报送；已逾期的，请立即报送并说明原因。",
            (ReportDue, Lang::En) => "Submit it on time; if it is overdue, submit it now and explain why.",
        }
    }

    /// The body paragraph: hazard, location, step, deadline, what to do.
    pub fn body(&self, lang: Lang, tz: chrono_tz::Tz) -> String {
        let due = self.due.map(|d| d.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string());
        let clock = self.clock.map(|c| c.name(lang));
        if let Some(occurrence) = &self.occurrence {
            return self.inspection_body(occurrence, lang, due);
        }
        if let Some(record) = &self.record {
            return self.record_body(record, lang, due);
        }
        let mut lines = match lang {
            Lang::Zh => vec![
                format!("隐患：{}{}", self.numbered(), self.title),
                format!("位置：{}", self.location),
                format!("当前环节：{}", self.stage.name(lang)),
            ],
            Lang::En => vec![
                format!("Hazard: {}{}", self.numbered(), self.title),
                format!("Location: {}", self.location),
                format!("Step: {}", self.stage.name(lang)),
            ],
        };
        if let (Some(clock), Some(due)) = (clock, due) {
            lines.push(match lang {
                Lang::Zh => format!("{clock}：{due}"),
                Lang::En => format!("{clock}: {due}"),
            });
        }
        if let Some(note) = &self.note {
            lines.push(match lang {
                Lang::Zh => format!("说明：{note}"),
                Lang::En => format!("Note: {note}"),
            });
        }
        lines.push(self.action_required(lang).into());
        lines.push(format!("{}: {}", if lang == Lang::Zh { "编号" } else { "Id" }, self.hazard));
        lines.join("\n")
    }

    fn record_body(
        &self,
        record: &crate::duty::RecordRef,
        lang: Lang,
        due: Option<String>,
    ) -> String {
        let what = self.note.clone().unwrap_or_default();
        let due = due.unwrap_or_default();
        let kind = record.kind.name(lang);
        let lines = match lang {
            Lang::Zh => vec![
                format!("{kind}：{}", self.title),
                format!("事项：{what}"),
                format!("时限：{due}"),
                self.action_required(lang).to_owned(),
                format!("编号：{}", record.id),
            ],
            Lang::En => vec![
                format!("{kind}: {}", self.title),
                format!("Due: {what}"),
                format!("Deadline: {due}"),
                self.action_required(lang).to_owned(),
                format!("Id: {}", record.id),
            ],
        };
        lines.join("\n")
    }

    fn inspection_body(
        &self,
        occurrence: &crate::inspection::OccurrenceId,
        lang: Lang,
        due: Option<String>,
    ) -> String {
        let due = due.unwrap_or_default();
        let (what, missed) = match lang {
            Lang::Zh => ("请按检查表完成检查并提交结果；已漏检的，请说明原因。", "检查任务"),
            Lang::En => (
                "Carry out the inspection and submit it; if it was missed, explain why.",
                "Inspection",
            ),
        };
        let mut lines = match lang {
            Lang::Zh => vec![
                format!("{missed}：{}", self.title),
                format!("地点：{}", self.location),
                format!("应完成时间：{due}"),
            ],
            Lang::En => vec![
                format!("{missed}: {}", self.title),
                format!("Place: {}", self.location),
                format!("Due: {due}"),
            ],
        };
        if let Some(note) = &self.note {
            lines.push(note.clone());
        }
        lines.push(what.into());
        lines.push(format!("{}: {occurrence}", if lang == Lang::Zh { "编号" } else { "Id" }));
        lines.join("\n")
    }
}
