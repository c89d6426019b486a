//! Arguments of the loop's own steps, 排查 to 销号 and 撤销: `discover`, `register`, `report`,
//! `start`, `progress`, `extend`, `complete`, `accept`, `close`, `archive` and `dismiss`. The
//! auxiliary steps have theirs in [`crate::step_args`].

use clap::Args;
use hazardloop_core::model::{Lang, Method};

use crate::error::CliError;

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

/// The risk assessment (风险评估) of `register` and `fix-on-the-spot`: LEC factors, LS factors
/// or a judged colour, at most one of them.
#[derive(Debug, Args)]
pub struct AssessmentArgs {
    /// LEC factors `L,E,C` (e.g. `3,6,7`).
    #[arg(long, conflicts_with_all = ["ls", "colour"])]
    pub lec: Option<String>,
    /// LS factors `L,S` (e.g. `3,4`).
    #[arg(long, conflicts_with = "colour")]
    pub ls: Option<String>,
    /// A judged colour: red, orange, yellow, blue.
    #[arg(long)]
    pub colour: Option<String>,
}

impl AssessmentArgs {
    /// Whether any of the three was given.
    pub fn given(&self) -> bool {
        self.lec.is_some() || self.ls.is_some() || self.colour.is_some()
    }

    /// The assessment method they give (none given: judged blue).
    pub fn method(&self, lang: Lang) -> Result<Method, CliError> {
        crate::parse::method(self.lec.as_deref(), self.ls.as_deref(), self.colour.as_deref(), lang)
    }
}

/// `register`.
#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// The hazard: its number (隐患编号, `2026-0017`) or its id.
    pub id: String,
    /// general or major; when absent, derived from the assessed colour.
    #[arg(long)]
    pub grade: Option<String>,
    /// How it was assessed.
    #[command(flatten)]
    pub assessment: AssessmentArgs,
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
