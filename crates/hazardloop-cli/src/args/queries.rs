//! Arguments of the queries over the ledger and of moving it in and out: `list`, `stats`,
//! `export`, `verify` and `import`.

use std::path::PathBuf;

use clap::Args;

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
