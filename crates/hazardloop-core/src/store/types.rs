//! The values that cross the [`Store`](super::Store) boundary.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::chain::{ChainHash, Recorded};
use crate::model::{Category, Grade, HazardId, MessageId, PersonId, TenantId, UnitId};
use crate::notify::Notice;
use crate::org::Org;
use crate::report::{LedgerFilter, LedgerRow, Page};
use crate::workflow::{Hazard, StageKind};

/// What a store reports of a commit that landed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Committed {
    /// The number (隐患编号) the store gave the new hazard in this commit's transaction
    /// ([`Commit::numbering`]); `None` when the commit numbered nothing.
    pub number: Option<String>,
}

impl Committed {
    /// A commit that numbered the new hazard `number`.
    pub fn numbered(number: Option<String>) -> Committed {
        Committed { number }
    }
}

/// Everything one command (or one sweep of one hazard) writes.
#[derive(Clone, Debug, PartialEq)]
pub struct Commit {
    /// The tenant.
    pub tenant: TenantId,
    /// The hazard.
    pub hazard: HazardId,
    /// The version the hazard must be at (0 for a new hazard).
    pub expected_version: u64,
    /// New events, with seq following `expected_version`. May be empty (only the projections
    /// change). Shared: the engine hands the same records to the caller in its `Outcome`, and a
    /// store that keeps them in memory keeps this slice.
    pub events: Arc<[Recorded]>,
    /// The ledger row after the events. Shared: the engine hands the same row to the caller in
    /// its `Outcome`, and a store that keeps rows in memory keeps this one.
    pub ledger: Arc<LedgerRow>,
    /// The hazard after the events (the snapshot `Store::snapshot` returns).
    pub state: Hazard,
    /// When the hazard's next escalation rung fires (`None`: no clock to watch).
    pub next_due: Option<DateTime<Utc>>,
    /// Messages to deliver.
    pub outbox: Vec<OutboxMessage>,
    /// The idempotency key and result to remember.
    pub idempotency: Option<IdempotentResult>,
    /// Set on the commit that creates a hazard: the store takes the next number of this
    /// series for the tenant, in the commit's own transaction, and gives it to the hazard with
    /// [`Commit::assign_number`] before it writes anything.
    pub numbering: Option<crate::numbering::Numbering>,
}

impl Commit {
    /// Gives the new hazard its number `seq` of the commit's series: to its state, its ledger
    /// row and the notices of this commit. Stores call it inside the transaction that took
    /// `seq`; a commit without numbering is left as it is.
    pub fn assign_number(&mut self, seq: u64) {
        let Some(numbering) = &self.numbering else { return };
        let number = numbering.render(seq);
        for message in &mut self.outbox {
            message.notice.number = Some(number.clone());
        }
        Arc::make_mut(&mut self.ledger).number = Some(number.clone());
        self.state.number = Some(number);
    }

    /// The checks every store makes before it writes a commit, after the version check (so a
    /// stale commit is a conflict first): the events follow `expected_version` in order and
    /// belong to the commit's tenant and hazard; the outbox messages belong to its tenant.
    ///
    /// A commit the engine built always passes; a failure means a host built a commit by hand.
    pub fn check_shape(&self) -> Result<(), super::StoreError> {
        let mut seq = self.expected_version;
        for e in self.events.iter() {
            seq += 1;
            if e.seq != seq || e.tenant != self.tenant || e.hazard != self.hazard {
                return Err(super::StoreError::Malformed(format!(
                    "event {} is out of sequence: expected {seq} of hazard {}",
                    e.seq, self.hazard
                )));
            }
        }
        if let Some(m) = self.outbox.iter().find(|m| m.tenant != self.tenant) {
            return Err(super::StoreError::Malformed(format!(
                "outbox message {} belongs to tenant {}, not {}",
                m.id, m.tenant, self.tenant
            )));
        }
        Ok(())
    }
}

/// A stored hazard: its events and head.
#[derive(Clone, Debug, PartialEq)]
pub struct HazardRecord {
    /// The events, in order.
    pub events: Vec<Recorded>,
    /// The version the store holds (number of events).
    pub version: u64,
    /// The last event's hash, as stored with the ledger row.
    pub head: ChainHash,
}

/// A hazard's latest state and chain head, read in one go by the engine before a command.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The hazard (its `version` is the number of events).
    pub hazard: Hazard,
    /// The last event's hash.
    pub head: ChainHash,
}

/// The remembered result of a command with an idempotency key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotentResult {
    /// The key.
    pub key: String,
    /// The hazard the command acted on.
    pub hazard: HazardId,
    /// The version after it.
    pub version: u64,
    /// How many events it wrote (the last `events` before `version`).
    pub events: u64,
}

/// A hazard whose next rung is due.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Due {
    /// When.
    pub at: DateTime<Utc>,
    /// The tenant.
    pub tenant: TenantId,
    /// The hazard.
    pub hazard: HazardId,
}

/// Ledger query: filters the store can apply with indexed columns, and a page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LedgerQuery {
    /// Only these stages (empty: all).
    pub stages: BTreeSet<StageKind>,
    /// Only rows whose accountable unit is one of these (the engine expands a subtree).
    pub units: Option<Vec<UnitId>>,
    /// Only this category.
    pub category: Option<Category>,
    /// Only this grade.
    pub grade: Option<Grade>,
    /// Only overdue (`true`) or not overdue (`false`) at `now`.
    pub overdue: Option<bool>,
    /// The time overdue is judged at.
    pub now: Option<DateTime<Utc>>,
    /// Discovered at or after.
    pub discovered_from: Option<DateTime<Utc>>,
    /// Discovered before.
    pub discovered_to: Option<DateTime<Utc>>,
    /// Text contained in the title or location, ignoring the case of Latin letters (A–Z);
    /// leading and trailing blanks are ignored, and a blank text matches everything. Stores
    /// search for [`LedgerQuery::search_text`].
    pub text: Option<String>,
    /// Rows to skip.
    pub offset: usize,
    /// Rows to return at most.
    pub limit: usize,
    /// Count matching rows only up to this many (`None`: count them all). A count that reaches
    /// it stops there: [`LedgerPage::total`] is then this number and
    /// [`LedgerPage::total_capped`] says more rows match. Counting every match of a city's
    /// ledger costs more than the page itself (design note 28).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_limit: Option<usize>,
}

impl LedgerQuery {
    /// A page of `rows` with `total` matches counted up to this query's `count_limit` (a store
    /// that counts `count_limit + 1` rows at most learns whether more match).
    pub fn page_of(&self, total: usize, rows: Vec<LedgerRow>) -> LedgerPage {
        match self.count_limit {
            Some(limit) if total > limit => LedgerPage { total: limit, total_capped: true, rows },
            _ => LedgerPage { total, total_capped: false, rows },
        }
    }

    /// How many rows a store's count need read at most: one past `count_limit`, or all.
    pub fn count_up_to(&self) -> Option<usize> {
        self.count_limit.map(|n| n.saturating_add(1))
    }

    /// The query of `filter` on `page`, judged at `now` (else each row's `as_of`): the unit is
    /// expanded to its subtree in `org` (a unit `org` does not know matches nothing).
    pub fn new(
        filter: &LedgerFilter,
        org: &Org,
        now: Option<DateTime<Utc>>,
        page: Page,
    ) -> LedgerQuery {
        let units = filter.unit.as_ref().map(|u| match org.unit(u) {
            Some(_) => std::iter::once(u.clone())
                .chain(org.descendants(u).into_iter().map(|d| d.id.clone()))
                .collect(),
            None => Vec::new(),
        });
        LedgerQuery {
            stages: filter.stages.clone(),
            units,
            category: filter.category.clone(),
            grade: filter.grade,
            overdue: filter.overdue,
            now,
            discovered_from: filter.discovered_from,
            discovered_to: filter.discovered_to,
            text: filter.text.clone(),
            offset: page.offset,
            limit: page.limit,
            count_limit: None,
        }
    }

    /// Whether `row` passes the filters: the one rule, which every store's query must agree
    /// with (the conformance suite compares them).
    pub fn matches(&self, row: &LedgerRow) -> bool {
        (self.stages.is_empty() || self.stages.contains(&row.stage))
            && self.units.as_ref().is_none_or(|u| u.contains(row.accountable_unit()))
            && self.category.as_ref().is_none_or(|c| row.category.as_ref() == Some(c))
            && self.grade.is_none_or(|g| row.grade == Some(g))
            && self.discovered_from.is_none_or(|t| row.discovered_at >= t)
            && self.discovered_to.is_none_or(|t| row.discovered_at < t)
            && self.overdue.is_none_or(|want| self.is_overdue(row) == want)
            && self.search_text().is_none_or(|t| {
                row.title.to_ascii_lowercase().contains(&t)
                    || row.location.to_ascii_lowercase().contains(&t)
            })
    }

    /// The text to search for, trimmed and with Latin letters in lower case; `None` when there
    /// is none or it is blank. A store compares it with the title and location lowered the
    /// same way (A–Z only: SQLite's `lower`, PostgreSQL's `translate`).
    pub fn search_text(&self) -> Option<String> {
        let text = self.text.as_deref()?.trim();
        (!text.is_empty()).then(|| text.to_ascii_lowercase())
    }

    /// Overdue at the query's `now` (else at the row's `as_of`), by
    /// [`LedgerRow::is_overdue_at`]: open and not yet accepted, not paused, the rectification
    /// deadline in force passed.
    pub fn is_overdue(&self, row: &LedgerRow) -> bool {
        row.is_overdue_at(self.now.unwrap_or(row.as_of))
    }
}

/// A page of the ledger.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LedgerPage {
    /// All rows matching the filters, or the query's `count_limit` when more match.
    pub total: usize,
    /// More rows match than `total`: the count stopped at the query's `count_limit`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub total_capped: bool,
    /// The rows of this page, newest discovery first.
    pub rows: Vec<LedgerRow>,
}

/// Where an outbox message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting for (re)delivery.
    Pending,
    /// Delivered and acknowledged.
    Delivered,
    /// Given up: the reason is in `last_error`.
    Dead,
}

/// A message waiting in the outbox.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// Its id.
    pub id: MessageId,
    /// The tenant.
    pub tenant: TenantId,
    /// Messages with the same group key go out as one digest to one person.
    pub group: String,
    /// The recipient, or `None` when the ladder's role resolved to nobody (dead-lettered with the reason).
    pub to: Option<PersonId>,
    /// The notice.
    pub notice: Notice,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// Not before.
    pub available_at: DateTime<Utc>,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Why the last attempt failed, or why it is dead.
    pub last_error: Option<String>,
    /// Status.
    pub status: OutboxStatus,
}

/// A claimed message and the token that settles it.
#[derive(Clone, Debug, PartialEq)]
pub struct Claimed {
    /// The message (with `attempts` counting this attempt).
    pub message: OutboxMessage,
    /// The claim token.
    pub token: u64,
}

/// How a claimed message ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settlement {
    /// Delivered.
    Delivered,
    /// Try again at `at`.
    Retry {
        /// Not before.
        at: DateTime<Utc>,
        /// Why this attempt failed.
        error: String,
    },
    /// Give up.
    Dead {
        /// Why.
        reason: String,
    },
}
