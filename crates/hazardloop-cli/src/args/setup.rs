//! Arguments of setting up: `init` (schema, organisation, policy) and `org …` (units and people).

use std::path::PathBuf;

use clap::{Args, Subcommand};

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
