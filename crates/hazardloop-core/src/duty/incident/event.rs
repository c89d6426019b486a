//! The events of an incident's chain: opened, reported, attached, escalated, closed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{IncidentClock, IncidentReport, IncidentType};
use crate::model::{PersonId, UnitId};

/// What happens to an incident, in its chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum IncidentEvent {
    /// The school learned of it; both report clocks start.
    Opened {
        /// Where it belongs.
        unit: UnitId,
        /// A short title.
        title: String,
        /// Its class.
        kind: IncidentType,
        /// Where it happened.
        location: String,
        /// What is known.
        summary: String,
        /// When it happened.
        occurred_at: DateTime<Utc>,
        /// When the school learned of it: the clocks run from here.
        learned_at: DateTime<Utc>,
        /// Who opened it.
        by: PersonId,
        /// When the phone report is due.
        phone_due: DateTime<Utc>,
        /// When the written report is due.
        written_due: DateTime<Utc>,
    },
    /// A report was made.
    Reported {
        /// The report.
        report: IncidentReport,
    },
    /// A document was added.
    Attached {
        /// Who added it.
        by: PersonId,
        /// Where it is.
        uri: String,
    },
    /// A rung of the ladder fired for a report that is due or missed.
    Escalated {
        /// Which report.
        clock: IncidentClock,
        /// The rung (index into `[incidents] ladder`).
        rung: usize,
        /// When.
        at: DateTime<Utc>,
    },
    /// The incident was closed.
    Closed {
        /// When.
        at: DateTime<Utc>,
        /// Who closed it.
        by: PersonId,
        /// Why, or how it ended.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
}
