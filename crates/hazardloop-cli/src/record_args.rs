//! Arguments of `hazardloop incident …` (突发事件报告), `hazardloop duty …` (报告事项) and
//! `hazardloop campaign …` (专项整治).

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `incident …`: 突发事件报告（30 分钟内电话报告，2 小时内书面报告，续报，结案）。
#[derive(Debug, Subcommand)]
pub enum IncidentCmd {
    /// 获知突发事件: open an incident; both report clocks start at --learned-at.
    Open(IncidentOpenArgs),
    /// 电话报告: the phone report was made.
    Phone(IncidentPhoneArgs),
    /// 书面报告: the brief written report was sent.
    Written(IncidentWrittenArgs),
    /// 续报: a follow-up report (after the written report).
    FollowUp(IncidentFollowUpArgs),
    /// 补充附件: add a document.
    Attach(IncidentAttachArgs),
    /// 结案: close the incident (after the written report).
    Close(IncidentCloseArgs),
    /// 查看: one incident with its report clocks, reports and event timeline.
    Show(RecordArg),
    /// 列表: the tenant's incidents.
    List(IncidentListArgs),
    /// 统计: how the reports of the incidents learned of in a period went.
    Stats(PeriodArg),
}

/// `incident open`.
#[derive(Debug, Args)]
pub struct IncidentOpenArgs {
    /// The unit (the school, or a unit in it).
    #[arg(long)]
    pub unit: String,
    /// A short title.
    #[arg(long)]
    pub title: String,
    /// Its class: accident, natural_disaster, public_health or social_security.
    #[arg(long)]
    pub kind: String,
    /// When it happened (a time as for --now; local school time accepted).
    #[arg(long)]
    pub occurred_at: String,
    /// When the school learned of it (default: now); the report clocks run from here.
    #[arg(long)]
    pub learned_at: Option<String>,
    /// Where it happened.
    #[arg(long, default_value = "")]
    pub location: String,
    /// What is known.
    #[arg(long, default_value = "")]
    pub summary: String,
    /// Its id (default: one made of the time, such as `20261204-1650-7f3a`).
    #[arg(long)]
    pub id: Option<String>,
}

/// `incident phone`.
#[derive(Debug, Args)]
pub struct IncidentPhoneArgs {
    /// The incident id.
    pub id: String,
    /// Whom it went to (the bureau's duty office, a named officer).
    #[arg(long)]
    pub to: String,
    /// When it was made (default: now).
    #[arg(long)]
    pub at: Option<String>,
    /// What was said.
    #[arg(long)]
    pub note: Option<String>,
}

/// `incident written`.
#[derive(Debug, Args)]
pub struct IncidentWrittenArgs {
    /// The incident id.
    pub id: String,
    /// When it was sent (default: now).
    #[arg(long)]
    pub at: Option<String>,
    /// What it said (a note or at least one --attach is needed).
    #[arg(long)]
    pub note: Option<String>,
    /// The report and its annexes (URIs; repeatable).
    #[arg(long = "attach", value_name = "URI")]
    pub attach: Vec<String>,
}

/// `incident follow-up`.
#[derive(Debug, Args)]
pub struct IncidentFollowUpArgs {
    /// The incident id.
    pub id: String,
    /// What it said.
    #[arg(long)]
    pub note: String,
    /// When it was made (default: now).
    #[arg(long)]
    pub at: Option<String>,
    /// Documents (URIs; repeatable).
    #[arg(long = "attach", value_name = "URI")]
    pub attach: Vec<String>,
}

/// `incident attach`.
#[derive(Debug, Args)]
pub struct IncidentAttachArgs {
    /// The incident id.
    pub id: String,
    /// Where the document is.
    pub uri: String,
}

/// `incident close`.
#[derive(Debug, Args)]
pub struct IncidentCloseArgs {
    /// The incident id.
    pub id: String,
    /// How it ended.
    #[arg(long)]
    pub note: Option<String>,
}

/// `incident list`.
#[derive(Debug, Args)]
pub struct IncidentListArgs {
    /// Only incidents not yet closed.
    #[arg(long)]
    pub open: bool,
    /// Learned of on or after this day (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    /// Learned of on or before this day (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<String>,
}

/// The id of an incident or a report duty.
#[derive(Debug, Args)]
pub struct RecordArg {
    /// The id, as printed (a duty's is `schedule/unit/period`).
    pub id: String,
}

/// A period, as for `stats`.
#[derive(Debug, Args)]
pub struct PeriodArg {
    /// The period: `2026-10`, `2026-10-H1`, `2026-W40`, `2026-Q4`, `2026`,
    /// `2026-10-01..2026-10-20`.
    #[arg(long)]
    pub period: String,
}

/// `duty …`: 报告事项（季度分析、年度总结、会议纪要、责任书、专项整治统计表）。
#[derive(Debug, Subcommand)]
pub enum DutyCmd {
    /// 报告制度: show, preset or load the report schedules.
    #[command(subcommand)]
    Schedules(SchedulesCmd),
    /// 生成报告事项: the duties the schedules and campaigns call for, due in a range of days.
    Generate(DutyRangeArgs),
    /// 列表: the tenant's report duties.
    List(DutyListArgs),
    /// 查看: one duty with its submission and event timeline.
    Show(RecordArg),
    /// 报送: submit a duty with its documents (and the statistics table, made here).
    Submit(DutySubmitArgs),
    /// 统计: how the duties due in a period went.
    Stats(PeriodArg),
}

/// `duty schedules …`.
#[derive(Debug, Subcommand)]
pub enum SchedulesCmd {
    /// The tenant's report schedules.
    Show,
    /// Replace the schedules with the seed presets (quarterly analysis, annual summary,
    /// meetings, responsibility letters).
    Preset,
    /// Replace the schedules with those of a file (`[[schedules]]` in TOML, or JSON).
    Load {
        /// The schedule file.
        file: PathBuf,
    },
}

/// `duty generate`.
#[derive(Debug, Args)]
pub struct DutyRangeArgs {
    /// The first due day (YYYY-MM-DD).
    #[arg(long)]
    pub from: String,
    /// The last due day (YYYY-MM-DD).
    #[arg(long)]
    pub to: String,
}

/// `duty list`.
#[derive(Debug, Args)]
pub struct DutyListArgs {
    /// Only duties not yet submitted.
    #[arg(long)]
    pub open: bool,
    /// Only duties of this unit and the units below it.
    #[arg(long)]
    pub unit: Option<String>,
    /// Due on or after this day (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    /// Due on or before this day (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<String>,
}

/// `duty submit`.
#[derive(Debug, Args)]
pub struct DutySubmitArgs {
    /// The duty id (`schedule/unit/period`).
    pub id: String,
    /// A document as `URI` or `URI#SHA256` (repeatable).
    #[arg(long = "attach", value_name = "URI[#SHA256]")]
    pub attach: Vec<String>,
    /// Write the statistics table (隐患问题统计表) of the duty's period to this file (.xlsx or
    /// .csv) and attach it with its SHA-256.
    #[arg(long, value_name = "FILE")]
    pub statistics: Option<PathBuf>,
    /// Who signed it (a person id; needed when the schedule names a signer role).
    #[arg(long)]
    pub signed_by: Option<String>,
    /// A note.
    #[arg(long)]
    pub note: Option<String>,
}

/// `campaign …`: 专项整治（阶段、报送日期、专项隐患统计）。
#[derive(Debug, Subcommand)]
pub enum CampaignCmd {
    /// Add a campaign from a file (TOML or JSON), or replace the one with its code.
    Add {
        /// The campaign file.
        file: PathBuf,
    },
    /// Store a shipped campaign: `seed-001` (校园安全专项整治), moved with --start.
    Preset(CampaignPresetArgs),
    /// The tenant's campaigns.
    List,
    /// The statistics table of a campaign's hazards, whole or of one phase.
    Stats(CampaignStatsArgs),
}

/// `campaign preset`.
#[derive(Debug, Args)]
pub struct CampaignPresetArgs {
    /// The preset: seed-001.
    pub preset: String,
    /// Move it by whole weeks to start in the week of this day (YYYY-MM-DD); weekdays stay.
    #[arg(long)]
    pub start: Option<String>,
}

/// `campaign stats`.
#[derive(Debug, Args)]
pub struct CampaignStatsArgs {
    /// The campaign's code.
    pub code: String,
    /// Only this phase (1 = the first).
    #[arg(long)]
    pub phase: Option<usize>,
    /// Write the table to this file in --format (xlsx by default; csv, html or json).
    #[arg(long)]
    pub out: Option<PathBuf>,
}
