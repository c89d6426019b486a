//! Arguments of the auxiliary steps: fix on the spot, interim control, evidence, comments,
//! clock pauses, reassignment and supervision. Each takes the hazard id first, as the loop's
//! steps do; who acts is `--as`, when is `--now`.

use clap::Args;

/// `fix-on-the-spot` (立查立改).
#[derive(Debug, Args)]
pub struct FixArgs {
    /// What was found, where (as for `discover`).
    #[command(flatten)]
    pub finding: crate::args::FindingArgs,
    /// The category (a code of `hazardloop categories`).
    #[arg(long)]
    pub category: String,
    /// How it was assessed (none given: judged blue).
    #[command(flatten)]
    pub assessment: crate::args::AssessmentArgs,
    /// What was done to fix it.
    #[arg(long)]
    pub measures: String,
    /// Evidence of the fix as `URI,SHA256,MEDIA_TYPE` (at least one; repeatable).
    #[arg(long)]
    pub evidence: Vec<String>,
}

/// `interim` (临时管控措施).
#[derive(Debug, Args)]
pub struct InterimArgs {
    /// The hazard: its number (隐患编号, `2026-0017`) or its id.
    pub id: String,
    /// The measures (comma list): withdraw_people, cordon, warning_signs, stop_using, other.
    #[arg(long)]
    pub measures: String,
    /// What was done.
    #[arg(long, default_value = "")]
    pub note: String,
}

/// `evidence` (补充佐证).
#[derive(Debug, Args)]
pub struct EvidenceArgs {
    /// The hazard: its number (隐患编号, `2026-0017`) or its id.
    pub id: String,
    /// Evidence as `URI,SHA256,MEDIA_TYPE` (at least one; repeatable).
    #[arg(long = "evidence", required = true)]
    pub items: Vec<String>,
}

/// `comment` (备注).
#[derive(Debug, Args)]
pub struct CommentArgs {
    /// The hazard: its number (隐患编号, `2026-0017`) or its id.
    pub id: String,
    /// The text.
    #[arg(long)]
    pub text: String,
}

/// `pause` (暂停计时).
#[derive(Debug, Args)]
pub struct PauseArgs {
    /// The hazard: its number (隐患编号, `2026-0017`) or its id.
    pub id: String,
    /// Why (required).
    #[arg(long)]
    pub reason: String,
}

/// `resume` (恢复计时).
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The hazard: its number (隐患编号, `2026-0017`) or its id.
    pub id: String,
    /// Note.
    #[arg(long, default_value = "")]
    pub note: String,
}

/// `reassign` (变更责任人).
#[derive(Debug, Args)]
pub struct ReassignArgs {
    /// The hazard: its number (隐患编号, `2026-0017`) or its id.
    pub id: String,
    /// The new assignee (a person id).
    #[arg(long)]
    pub to: String,
    /// Why.
    #[arg(long)]
    pub note: String,
}

/// `supervise` (挂牌督办).
#[derive(Debug, Args)]
pub struct SuperviseArgs {
    /// The hazard: its number (隐患编号, `2026-0017`) or its id.
    pub id: String,
    /// The supervision document reference.
    #[arg(long)]
    pub reference: Option<String>,
}
