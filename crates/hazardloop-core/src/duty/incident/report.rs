//! The reports an incident owes: the two with a deadline (phone and written), the ways a
//! report is made, and one report as made.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{named_enum, PersonId};

/// The two reports with a deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentClock {
    /// The phone report (电话口头报告).
    Phone,
    /// The brief written report (简要书面报告).
    Written,
}

named_enum!(IncidentClock {
    Phone => ("电话报告", "phone report"),
    Written => ("书面报告", "written report"),
});

/// How a report was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportWay {
    /// By phone.
    Phone,
    /// In writing.
    Written,
    /// A follow-up report (续报).
    FollowUp,
}

named_enum!(ReportWay {
    Phone => ("电话报告", "phone report"),
    Written => ("书面报告", "written report"),
    FollowUp => ("续报", "follow-up report"),
});

/// One report made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentReport {
    /// How.
    pub way: ReportWay,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// Who made it.
    pub by: PersonId,
    /// Whom it went to (the bureau's duty office, a named officer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// What it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Documents (URIs of the host's document store).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
}
