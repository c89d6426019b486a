//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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

/// `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The seed preset for departments and categories: focus_areas, work_groups or domains.
    #[arg(long, default_value = "focus_areas")]
    pub preset: String,
    /// A policy file (TOML or JSON); default: the built-in default policy.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Bureau unit id.
    #[arg(long, default_value = "bureau")]
    pub bureau_id: String,
    /// Bureau name.
    #[arg(long, default_value = "区教育局")]
    pub bureau: String,
    /// School unit id.
    #[arg(long, default_value = "school")]
    pub school_id: String,
    /// School name.
    #[arg(long, default_value = "学校")]
    pub school: String,
}

/// `org …`.
#[derive(Debug, Subcommand)]
pub enum OrgCmd {
    /// Add a unit.
    AddUnit {
        /// Unit id.
        id: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// Kind: bureau, school, department or grid.
        #[arg(long)]
        kind: String,
        /// Parent unit id.
        #[arg(long)]
        parent: Option<String>,
    },
    /// Add a person.
    AddPerson {
        /// Person id.
        id: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// Their unit.
        #[arg(long)]
        unit: String,
        /// Roles (repeatable): principal, safety_deputy, department_head, safety_officer,
        /// grid_member, inspector, bureau_officer.
        #[arg(long = "role")]
        roles: Vec<String>,
        /// Email address.
        #[arg(long)]
        email: Option<String>,
        /// Mobile number.
        #[arg(long)]
        mobile: Option<String>,
    },
    /// Show units and people.
    Show,
}

/// A hazard id.
#[derive(Debug, Args)]
pub struct IdArg {
    /// The hazard: its number (隐患编号, `2026-0017`) or its id.
    pub id: String,
}

/// What was found and where: the part `discover` and `fix-on-the-spot` share.
#[derive(Debug, Args)]
pub struct FindingArgs {
    /// The unit where the hazard is.
    #[arg(long)]
    pub unit: String,
    /// Where exactly.
    #[arg(long)]
    pub location: String,
    /// A short title.
    #[arg(long)]
    pub title: String,
    /// What was seen (the title when empty).
    #[arg(long, default_value = "")]
    pub description: String,
    /// How it was found: daily_patrol, weekly, half_monthly, monthly, term_start, mid_term,
    /// term_end, severe_weather, special_campaign, report.
    #[arg(long, default_value = "daily_patrol")]
    pub source: String,
    /// The special campaign (专项整治) it was found in: a code of `hazardloop campaign list`.
    #[arg(long)]
    pub campaign: Option<String>,
}

/// `discover`.
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// What was found, where.
    #[command(flatten)]
    pub finding: FindingArgs,
    /// A suggested category.
    #[arg(long)]
    pub category: Option<String>,
    /// Evidence as `URI,SHA256,MEDIA_TYPE` (repeatable).
    #[arg(long)]
    pub evidence: Vec<String>,
}

/// `register`.
#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// The hazard: its number (隐患编号, `2026-0017`) or its id.
    pub id: String,
    /// general or major; when absent, derived from the assessed colour.
    #[arg(long)]
    pub grade: Option<String>,
    /// LEC factors `L,E,C` (e.g. `3,6,7`).
    #[arg(long, conflicts_with_all = ["ls", "colour"])]
    pub lec: Option<String>,
    /// LS factors `L,S` (e.g. `3,4`).
    #[arg(long, conflicts_with = "colour")]
    pub ls: Option<String>,
    /// A judged colour: red, orange, yellow, blue.
    #[arg(long)]
    pub colour: Option<String>,
    /// The category (a code of the responsibility matrix).
    #[arg(long)]
    pub category: String,
    /// The person responsible.
    #[arg(long)]
    pub assignee: String,
    /// The responsible unit (default: the category's lead department).
    #[arg(long)]
    pub unit: Option<String>,
    /// The rectification deadline (default: from policy).
    #[arg(long)]
    pub deadline: Option<String>,
    /// It cannot be removed at once (interim control will be required).
    #[arg(long)]
    pub not_fixable_at_once: bool,
    /// The special campaign (专项整治) to count it in: a code of `hazardloop campaign list`.
    #[arg(long)]
    pub campaign: Option<String>,
}

/// `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The hazard: its number (隐患编号, `2026-0017`) or its id.
    pub id: String,
    /// Also to the education bureau.
    #[arg(long)]
    pub to_bureau: bool,
    /// In writing.
    #[arg(long)]
    pub written: bool,
    /// Document reference.
    #[arg(long)]
    pub reference: Option<String>,
}

/// `start`.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// The hazard: its number (隐患编号, `2026-0017`) or its id.
    pub id: String,
    /// The rectification deadline the plan commits to (default: the registered deadline).
    #[arg(long)]
    pub deadline: Option<String>,
    /// General plan: the measures (措施).
    #[arg(long)]
    pub measures: Option<String>,
    /// General plan: the contingency plan (预案).
    #[arg(long)]
    pub contingency: Option<String>,
    /// General plan: the responsible person (default: the actor).
    #[arg(long)]
    pub responsible: Option<String>,
    /// Major plan: objectives and tasks.
    #[arg(long)]
    pub objectives: Option<String>,
    /// Major plan: methods and measures.
    #[arg(long)]
    pub methods: Option<String>,
    /// Major plan: funds and materials.
    #[arg(long)]
    pub funds: Option<String>,
    /// Major plan: responsible organisation and people.
    #[arg(long)]
    pub organisation: Option<String>,
    /// Major plan: time limit and requirements.
    #[arg(long)]
    pub schedule: Option<String>,
    /// Major plan: safety measures and contingency plan.
    #[arg(long)]
    pub safety: Option<String>,
    /// Interim control measures (comma list): withdraw_people, cordon, warning_signs, stop_using, other.
    #[arg(long)]
    pub interim: Option<String>,
    /// What the interim control is.
    #[arg(long, default_value = "")]
    pub interim_note: String,
}

/// `progress`.
#[derive(Debug, Args)]
pub struct ProgressArgs {
    /// The hazard: its number (隐患编号, `2026-0017`) or its id.
    pub id: String,
    /// What was done.
    #[arg(long)]
    pub note: String,
    /// Percent complete.
    #[arg(long)]
    pub percent: Option<u8>,
    /// Evidence as `URI,SHA256,MEDIA_TYPE` (repeatable).
    #[arg(long)]
    pub evidence: Vec<String>,
}

/// `extend`.
#[derive(Debug, Args)]
pub struct ExtendArgs {
    /// The hazard: its number (隐患编号, `2026-0017`) or its id.
    pub id: String,
    /// Request an extension to this date.
    #[arg(long, conflicts_with_all = ["grant", "deny"])]
    pub to: Option<String>,
    /// Grant the pending request.
    #[arg(long, conflicts_with = "deny")]
    pub grant: bool,
    /// Deny the pending request.
    #[arg(long)]
    pub deny: bool,
    /// The reason (required to request or deny).
    #[arg(long, default_value = "")]
    pub reason: String,
}

/// `complete`.
#[derive(Debug, Args)]
pub struct CompleteArgs {
    /// The hazard: its number (隐患编号, `2026-0017`) or its id.
    pub id: String,
    /// What was done.
    #[arg(long)]
    pub summary: String,
    /// Evidence as `URI,SHA256,MEDIA_TYPE` (at least one; repeatable).
    #[arg(long)]
    pub evidence: Vec<String>,
}

/// `accept`.
#[derive(Debug, Args)]
pub struct AcceptArgs {
    /// The hazard: its number (隐患编号, `2026-0017`) or its id.
    pub id: String,
    /// The check passed.
    #[arg(long, conflicts_with = "fail", required_unless_present = "fail")]
    pub pass: bool,
    /// The check failed (needs --reason).
    #[arg(long)]
    pub fail: bool,
    /// The note, or the reason of a failure.
    #[arg(long, default_value = "")]
    pub reason: String,
}

/// `close`.
#[derive(Debug, Args)]
pub struct CloseArgs {
    /// The hazard: its number (隐患编号, `2026-0017`) or its id.
    pub id: String,
    /// Note.
    #[arg(long, default_value = "")]
    pub note: String,
}

/// `dismiss`.
#[derive(Debug, Args)]
pub struct DismissArgs {
    /// The hazard: its number (隐患编号, `2026-0017`) or its id.
    pub id: String,
    /// `not_a_hazard`, or `duplicate:<hazard id>`.
    #[arg(long, default_value = "not_a_hazard")]
    pub reason: String,
    /// Explanation.
    #[arg(long)]
    pub note: String,
    /// Who proposed the dismissal (the actor approves it).
    #[arg(long)]
    pub requested_by: String,
}

/// `list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only these stages (repeatable): discovered, registered, reported, treating, treated,
    /// accepted, closed, archived, dismissed.
    #[arg(long)]
    pub stage: Vec<String>,
    /// Only overdue hazards.
    #[arg(long)]
    pub overdue: bool,
    /// Only hazards of this unit and the units below it.
    #[arg(long)]
    pub unit: Option<String>,
    /// Only this category.
    #[arg(long)]
    pub category: Option<String>,
    /// Only this grade.
    #[arg(long)]
    pub grade: Option<String>,
    /// Rows to skip.
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Rows to show.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
}

/// `stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The period: `2025-03`, `2025-03-H1`, `2025-W10`, `2025-Q1`, `2025`, `2025-03-01..2025-03-20`.
    #[arg(long)]
    pub period: String,
}

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What: ledger, stats (the statistics table) or inspections (the inspection statistics).
    #[arg(long, default_value = "ledger")]
    pub what: String,
    /// The period (for stats and html).
    #[arg(long)]
    pub period: Option<String>,
    /// The file to write.
    #[arg(long)]
    pub out: PathBuf,
}

/// `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// One hazard (its number or id); all when absent.
    pub id: Option<String>,
}

/// `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The ledger: CSV (UTF-8) or XLSX (its first sheet).
    pub file: PathBuf,
    /// A TOML file mapping source headers to fields (`[columns]` "源表头" = "location").
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Report what would be imported and every bad row; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}
