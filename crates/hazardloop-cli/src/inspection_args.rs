//! Arguments of `hazardloop inspection …` (排查: checklists, plans, occurrences).

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `inspection …`: 排查检查表、检查计划与检查任务。
#[derive(Debug, Subcommand)]
pub enum InspectionCmd {
    /// 检查表: list, show or import checklist templates.
    #[command(subcommand)]
    Templates(TemplatesCmd),
    /// 检查计划: add or list inspection plans.
    #[command(subcommand)]
    Plans(PlansCmd),
    /// 生成检查任务: the plans' occurrences whose first day lies in a range of dates.
    Generate(GenerateArgs),
    /// 今日待检: what the acting person (--as) must inspect on a day.
    Due(DueArgs),
    /// 开始检查: begin an occurrence.
    Start(OccurrenceArg),
    /// 填写检查项: answer one item, or a whole response file.
    Answer(AnswerArgs),
    /// 完成检查: complete an occurrence; each failed item becomes a hazard.
    Complete(CompleteArgs),
    /// 核准免检: excuse a missed occurrence (the safety office), with a reason.
    Excuse(ReasonArgs),
    /// 改派: give an occurrence to another inspector (a head of the unit or the safety office).
    Reassign(ReassignArgs),
    /// 漏检与逾期: list missed and overdue occurrences; --sweep marks and escalates first.
    Missed(MissedArgs),
    /// 检查统计表: planned, completed, on time, late, missed, excused per unit.
    Stats(RangeArgs),
    /// 查看检查任务: one occurrence with its answers, findings and event timeline.
    Show(OccurrenceArg),
    /// 校验: verify an occurrence's hash chain.
    Verify(OccurrenceArg),
}

/// `inspection templates …`.
#[derive(Debug, Subcommand)]
pub enum TemplatesCmd {
    /// The stored templates.
    List,
    /// One template: its sections and items.
    Show {
        /// `CODE` (the latest version) or `CODE@VERSION`.
        template: String,
    },
    /// Import a template file (TOML), or shipped presets.
    Import(ImportTemplateArgs),
}

/// `inspection templates import`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["file", "preset", "all_presets"])))]
pub struct ImportTemplateArgs {
    /// A template file (TOML; `.json` is read as JSON).
    pub file: Option<PathBuf>,
    /// A shipped preset by code (repeatable): daily_patrol, half_monthly, monthly_leadership, …
    #[arg(long)]
    pub preset: Vec<String>,
    /// Every shipped preset (19).
    #[arg(long)]
    pub all_presets: bool,
}

/// `inspection plans …`.
#[derive(Debug, Subcommand)]
pub enum PlansCmd {
    /// Add the plans of a file (`[[plans]]` in TOML).
    Add {
        /// The plan file.
        file: PathBuf,
    },
    /// The tenant's plans.
    List,
}

/// `inspection generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The first day (YYYY-MM-DD); default: today.
    #[arg(long)]
    pub from: Option<String>,
    /// The last day (YYYY-MM-DD); default: 30 days after --from.
    #[arg(long)]
    pub to: Option<String>,
}

/// `inspection due`.
#[derive(Debug, Args)]
pub struct DueArgs {
    /// The day (YYYY-MM-DD); default: today.
    #[arg(long)]
    pub date: Option<String>,
}

/// An occurrence id (`plan/unit/period`).
#[derive(Debug, Args)]
pub struct OccurrenceArg {
    /// The occurrence id, as printed (`plan/unit/period`).
    pub id: String,
}

/// `inspection answer`.
#[derive(Debug, Args)]
pub struct AnswerArgs {
    /// The occurrence id.
    pub id: String,
    /// The item id.
    #[arg(long, required_unless_present = "file", conflicts_with = "file")]
    pub item: Option<String>,
    /// pass, fail, na, a number, or one of the item's options.
    #[arg(long, required_unless_present = "file", conflicts_with = "file")]
    pub response: Option<String>,
    /// A comment.
    #[arg(long, default_value = "")]
    pub comment: String,
    /// Evidence as `URI,SHA256,MEDIA_TYPE` (repeatable).
    #[arg(long)]
    pub evidence: Vec<String>,
    /// Where exactly a failure was seen; its hazard takes it instead of the plan's location.
    #[arg(long)]
    pub location: Option<String>,
    /// For a failed item fixed at once (立查立改): what was done.
    #[arg(long)]
    pub fixed: Option<String>,
    /// A response file (`[[answers]]` in TOML, or JSON) with many answers.
    #[arg(long)]
    pub file: Option<PathBuf>,
}

/// `inspection complete`.
#[derive(Debug, Args)]
pub struct CompleteArgs {
    /// The occurrence id.
    pub id: String,
    /// Last answers, from a response file, taken before completing.
    #[arg(long)]
    pub file: Option<PathBuf>,
}

/// `inspection excuse`.
#[derive(Debug, Args)]
pub struct ReasonArgs {
    /// The occurrence id.
    pub id: String,
    /// Why (kept on record).
    #[arg(long)]
    pub reason: String,
}

/// `inspection reassign`.
#[derive(Debug, Args)]
pub struct ReassignArgs {
    /// The occurrence id.
    pub id: String,
    /// The new inspector (a person id).
    #[arg(long)]
    pub to: String,
    /// Why.
    #[arg(long)]
    pub reason: String,
}

/// `inspection missed`.
#[derive(Debug, Args)]
pub struct MissedArgs {
    /// Run the inspection sweep first: mark missed occurrences and fire due rungs.
    #[arg(long)]
    pub sweep: bool,
}

/// `inspection stats`.
#[derive(Debug, Args)]
pub struct RangeArgs {
    /// The first day (YYYY-MM-DD).
    #[arg(long)]
    pub from: String,
    /// The last day (YYYY-MM-DD).
    #[arg(long)]
    pub to: String,
}
