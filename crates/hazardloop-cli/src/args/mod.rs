//! Command-line arguments (clap derive).
//!
//! Here the top level: global options and the subcommands. Each subcommand's own arguments live
//! beside it, in `setup` (`init`, `org`), `steps` (the loop's steps) and `queries` (`list`,
//! `stats`, `export`, `verify`, `import`), all re-exported here; the auxiliary steps, inspections
//! and records have theirs in [`crate::step_args`], [`crate::inspection_args`] and
//! [`crate::record_args`].

mod queries;
mod setup;
mod steps;

use clap::{Parser, Subcommand, ValueEnum};

pub use self::queries::{ExportArgs, ImportArgs, ListArgs, StatsArgs, VerifyArgs};
pub use self::setup::{InitArgs, OrgCmd};
pub use self::steps::{
    AcceptArgs, AssessmentArgs, CloseArgs, CompleteArgs, DiscoverArgs, DismissArgs, ExtendArgs,
    FindingArgs, IdArg, ProgressArgs, RegisterArgs, ReportArgs, StartArgs,
};

/// hazardloop：学校安全隐患排查治理闭环（排查—登记—报告—治理—验收—销号—备案存档）。
///
/// Drives the hazard loop on an embedded SQLite database (or PostgreSQL by URL).
/// Exit codes: 0 ok, 2 usage, 3 denied, 4 invalid input, 5 conflict, 1 anything else.
#[derive(Debug, Parser)]
#[command(name = "hazardloop", version, about, long_about = None)]
pub struct Cli {
    /// Database: a SQLite file path, or a postgres:// URL (when built with the `postgres` feature).
    #[arg(long, global = true, default_value = "./hazardloop.db", env = "HAZARDLOOP_DB")]
    pub db: String,
    /// The time to act at: RFC 3339 (`2026-10-01T10:00:00+08:00`, `2026-10-01T02:00:00Z`), a
    /// local time in the policy's time zone (`2026-10-01T10:00:00`, `2026-10-01T10:00`,
    /// `2026-10-01 10:00`) or a date (09:00 that day). Default: the system clock.
    #[arg(long, global = true)]
    pub now: Option<String>,
    /// Who is acting (a person id of the organisation).
    #[arg(long = "as", global = true, value_name = "PERSON")]
    pub actor: Option<String>,
    /// The tenant (one school or bureau system in the database).
    #[arg(long, global = true, default_value = "default", env = "HAZARDLOOP_TENANT")]
    pub tenant: String,
    /// Output format: table, json or csv; for `export` also xlsx or html (default xlsx).
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Language of names, headers and messages.
    #[arg(long, global = true, value_enum, default_value_t = LangArg::Zh)]
    pub lang: LangArg,
    /// What to do.
    #[command(subcommand)]
    pub command: Cmd,
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned text for people.
    Table,
    /// One JSON document (stable; see the crate docs).
    Json,
    /// CSV (UTF-8 with BOM) for lists and statistics.
    Csv,
    /// Excel workbook (`export` only).
    Xlsx,
    /// HTML monthly summary with charts (`export --what stats` only).
    Html,
}

/// Languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// 中文.
    Zh,
    /// English.
    En,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Create the database schema and a tenant's organisation and policy.
    Init(InitArgs),
    /// Manage the organisation: units and people.
    #[command(subcommand)]
    Org(OrgCmd),
    /// 排查: record a hazard.
    Discover(DiscoverArgs),
    /// 登记: register and assess a hazard.
    Register(RegisterArgs),
    /// 报告: report a hazard up the line.
    Report(ReportArgs),
    /// 治理: start treatment under a plan.
    Start(StartArgs),
    /// Record progress of treatment.
    Progress(ProgressArgs),
    /// 延期: request, grant or deny an extension.
    Extend(ExtendArgs),
    /// 整改完成: the rectifier says it is fixed.
    Complete(CompleteArgs),
    /// 验收: pass or fail the acceptance check.
    Accept(AcceptArgs),
    /// 销号: close the ledger entry.
    Close(CloseArgs),
    /// 备案存档: file and seal the record.
    Archive(IdArg),
    /// 撤销: dismiss a finding that is not a hazard or is a duplicate.
    Dismiss(DismissArgs),
    /// 立查立改: record a general hazard already fixed on the spot (acceptance still follows).
    ///
    /// Without `--lec`, `--ls` or `--colour` it is judged blue (low); a major grade is refused.
    FixOnTheSpot(crate::step_args::FixArgs),
    /// 临时管控: add interim control measures.
    Interim(crate::step_args::InterimArgs),
    /// 补充佐证: add evidence.
    Evidence(crate::step_args::EvidenceArgs),
    /// 备注: add a comment.
    Comment(crate::step_args::CommentArgs),
    /// 暂停计时: pause the hazard's clocks (the actor approves).
    Pause(crate::step_args::PauseArgs),
    /// 恢复计时: resume paused clocks; deadlines move by the paused time.
    Resume(crate::step_args::ResumeArgs),
    /// 变更责任人: hand the hazard to another person.
    Reassign(crate::step_args::ReassignArgs),
    /// 挂牌督办: the bureau puts a major hazard under supervision.
    Supervise(crate::step_args::SuperviseArgs),
    /// 隐患类别: the category codes and names of the responsibility matrix.
    Categories,
    /// The ledger (台账), filtered.
    List(ListArgs),
    /// One hazard with its timeline.
    Show(IdArg),
    /// Fire the escalation rungs that are due (hazards, incidents and report duties).
    Sweep,
    /// Deliver waiting notifications (printed; a host wires real channels).
    Dispatch,
    /// 工作日历: the holiday notices and horizon; load the next year's notice.
    #[command(subcommand)]
    Calendar(crate::calendar::CalendarCmd),
    /// The statistics table (隐患问题统计表) for a period.
    Stats(StatsArgs),
    /// Export the ledger or the statistics to a file.
    Export(ExportArgs),
    /// Verify hash chains: one hazard, or all (with every incident and report duty).
    Verify(VerifyArgs),
    /// Import an existing ledger: XLSX or CSV, with the common Chinese headers, the export's own,
    /// or a `--mapping` file; history kept, idempotent, `--dry-run` writes nothing.
    Import(ImportArgs),
    /// 排查: checklist templates, inspection plans, occurrences and their statistics.
    #[command(subcommand)]
    Inspection(crate::inspection_args::InspectionCmd),
    /// 突发事件报告: open an incident, report it by phone and in writing, follow up, close.
    #[command(subcommand)]
    Incident(crate::record_args::IncidentCmd),
    /// 报告事项: report schedules, their duties, submitting them.
    #[command(subcommand)]
    Duty(crate::record_args::DutyCmd),
    /// 专项整治: campaigns, their phases and the statistics of their hazards.
    #[command(subcommand)]
    Campaign(crate::record_args::CampaignCmd),
    /// Serve the HTTP API on this --db until SIGTERM, sweeping and dispatching on time.
    Serve(hazardloop_server::cli::ServeArgs),
    /// API tokens of --tenant for the HTTP service: create, list, revoke.
    #[command(subcommand)]
    Token(hazardloop_server::cli::TokenCmd),
    /// 控制台登录码: a one-time login code for the web console (`/console`) for a person.
    ConsoleCode {
        /// The person (their id in the organisation).
        #[arg(long)]
        person: String,
        /// Minutes it stays good (1–1440).
        #[arg(long, default_value_t = 30)]
        minutes: u32,
    },
}
