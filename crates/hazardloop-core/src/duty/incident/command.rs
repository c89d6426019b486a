//! The commands on an incident: open it, make its reports, attach documents, close it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::IncidentType;
use crate::model::UnitId;

/// A command on an incident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum IncidentCommand {
    /// Open an incident the school has learned of.
    Open {
        /// The unit (the school, or a unit in it).
        unit: UnitId,
        /// A short title (at most 200 characters).
        title: String,
        /// Its class.
        kind: IncidentType,
        /// Where it happened.
        #[serde(default)]
        location: String,
        /// What is known (at most 4,000 characters).
        #[serde(default)]
        summary: String,
        /// When it happened; not after `learned_at`.
        occurred_at: DateTime<Utc>,
        /// When the school learned of it; defaults to now; not in the future.
        #[serde(default)]
        learned_at: Option<DateTime<Utc>>,
    },
    /// The phone report was made.
    PhoneReport {
        /// When; defaults to now.
        #[serde(default)]
        at: Option<DateTime<Utc>>,
        /// Whom it went to.
        to: String,
        /// What was said.
        #[serde(default)]
        note: Option<String>,
    },
    /// The brief written report was sent.
    WrittenReport {
        /// When; defaults to now.
        #[serde(default)]
        at: Option<DateTime<Utc>>,
        /// What it said.
        #[serde(default)]
        note: Option<String>,
        /// The report and its annexes (URIs).
        #[serde(default)]
        attachments: Vec<String>,
    },
    /// A follow-up report (续报).
    FollowUp {
        /// When; defaults to now.
        #[serde(default)]
        at: Option<DateTime<Utc>>,
        /// What it said.
        note: String,
        /// Documents (URIs).
        #[serde(default)]
        attachments: Vec<String>,
    },
    /// Add a document.
    Attach {
        /// Where it is.
        uri: String,
    },
    /// Close the incident.
    Close {
        /// How it ended.
        #[serde(default)]
        note: Option<String>,
    },
}
