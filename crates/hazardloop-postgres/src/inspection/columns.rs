//! The columns an occurrence is written with, borrowed from its commit: one commit's, in its
//! statement's parameter order, and a scheduled batch's, as column arrays.

use chrono::{DateTime, Utc};
use hazardloop_core::inspection::{Occurrence, OccurrenceRecord, OccurrenceRow};
use hazardloop_core::store::{OccurrenceCommit, StoreError};
use tokio_postgres::types::Json;

use crate::batch::Param;
use crate::codec::int;
use crate::commit::OutboxColumns;

/// An occurrence commit's columns, in its statement's parameter order.
pub(crate) struct Written<'a> {
    pub(crate) new: bool,
    pub(crate) outbox: bool,
    tenant: &'a str,
    id: &'a str,
    cols: Columns<'a>,
    expected: i64,
    seqs: Vec<i64>,
    records: Vec<Json<&'a OccurrenceRecord>>,
    messages: OutboxColumns<'a>,
}

/// The nine written columns of `occurrences`, from `$3`.
struct Columns<'a> {
    version: i64,
    /// None: an empty commit keeps the stored head.
    head: Option<String>,
    state: Json<&'a Occurrence>,
    listing: Json<&'a OccurrenceRow>,
    plan: &'a str,
    unit: &'a str,
    inspector: &'a str,
    due: DateTime<Utc>,
    next_due: Option<DateTime<Utc>>,
}

impl<'a> Columns<'a> {
    fn of(c: &'a OccurrenceCommit) -> Result<Columns<'a>, StoreError> {
        Ok(Columns {
            version: int(c.state.version)?,
            head: c.events.last().map(|r| r.hash.to_string()),
            state: Json(&c.state),
            listing: Json(&c.row),
            plan: &c.row.plan,
            unit: c.row.unit.as_str(),
            inspector: c.row.inspector.as_str(),
            due: c.row.due,
            next_due: c.next_due,
        })
    }
}

impl<'a> Written<'a> {
    pub(crate) fn of(c: &'a OccurrenceCommit) -> Result<Written<'a>, StoreError> {
        Ok(Written {
            new: c.expected_version == 0,
            outbox: !c.outbox.is_empty(),
            tenant: c.tenant.as_str(),
            id: c.occurrence.as_str(),
            cols: Columns::of(c)?,
            expected: int(c.expected_version)?,
            seqs: c.events.iter().map(|r| int(r.seq)).collect::<Result<_, _>>()?,
            records: c.events.iter().map(Json).collect(),
            messages: OutboxColumns::of(&c.outbox),
        })
    }

    pub(crate) fn params(&self) -> Vec<Param<'_>> {
        let c = &self.cols;
        let mut p: Vec<Param<'_>> = vec![
            &self.tenant,
            &self.id,
            &c.version,
            &c.head,
            &c.state,
            &c.listing,
            &c.plan,
            &c.unit,
            &c.inspector,
            &c.due,
            &c.next_due,
        ];
        if !self.new {
            p.push(&self.expected);
        }
        p.push(&self.seqs);
        p.push(&self.records);
        if self.outbox {
            p.extend_from_slice(&self.messages.params());
        }
        debug_assert_eq!(p.len(), super::sql::commit_params(self.new, self.outbox));
        p
    }
}

/// A batch of new occurrences as column arrays.
pub(crate) struct Batch<'a> {
    pub(crate) outbox: bool,
    tenants: Vec<&'a str>,
    ids: Vec<&'a str>,
    versions: Vec<i64>,
    heads: Vec<Option<String>>,
    states: Vec<Json<&'a Occurrence>>,
    listings: Vec<Json<&'a OccurrenceRow>>,
    plans: Vec<&'a str>,
    units: Vec<&'a str>,
    inspectors: Vec<&'a str>,
    dues: Vec<DateTime<Utc>>,
    next_dues: Vec<Option<DateTime<Utc>>>,
    /// The events: tenant, occurrence, seq, record.
    event_tenants: Vec<&'a str>,
    event_ids: Vec<&'a str>,
    seqs: Vec<i64>,
    records: Vec<Json<&'a OccurrenceRecord>>,
    /// The messages: tenant, occurrence, and the outbox columns.
    message_tenants: Vec<&'a str>,
    message_ids: Vec<&'a str>,
    messages: OutboxColumns<'a>,
}

impl<'a> Batch<'a> {
    pub(crate) fn of(commits: &[&'a OccurrenceCommit]) -> Result<Batch<'a>, StoreError> {
        let mut b = Batch {
            outbox: commits.iter().any(|c| !c.outbox.is_empty()),
            tenants: Vec::with_capacity(commits.len()),
            ids: Vec::with_capacity(commits.len()),
            versions: Vec::with_capacity(commits.len()),
            heads: Vec::with_capacity(commits.len()),
            states: Vec::with_capacity(commits.len()),
            listings: Vec::with_capacity(commits.len()),
            plans: Vec::with_capacity(commits.len()),
            units: Vec::with_capacity(commits.len()),
            inspectors: Vec::with_capacity(commits.len()),
            dues: Vec::with_capacity(commits.len()),
            next_dues: Vec::with_capacity(commits.len()),
            event_tenants: Vec::with_capacity(commits.len()),
            event_ids: Vec::with_capacity(commits.len()),
            seqs: Vec::with_capacity(commits.len()),
            records: Vec::with_capacity(commits.len()),
            message_tenants: Vec::new(),
            message_ids: Vec::new(),
            messages: OutboxColumns::of(commits.iter().flat_map(|c| &c.outbox)),
        };
        for c in commits {
            let (tenant, id) = (c.tenant.as_str(), c.occurrence.as_str());
            let cols = Columns::of(c)?;
            b.tenants.push(tenant);
            b.ids.push(id);
            b.versions.push(cols.version);
            b.heads.push(cols.head);
            b.states.push(cols.state);
            b.listings.push(cols.listing);
            b.plans.push(cols.plan);
            b.units.push(cols.unit);
            b.inspectors.push(cols.inspector);
            b.dues.push(cols.due);
            b.next_dues.push(cols.next_due);
            for r in &c.events {
                b.event_tenants.push(tenant);
                b.event_ids.push(id);
                b.seqs.push(int(r.seq)?);
                b.records.push(Json(r));
            }
            for _ in &c.outbox {
                b.message_tenants.push(tenant);
                b.message_ids.push(id);
            }
        }
        Ok(b)
    }

    pub(crate) fn params(&self) -> Vec<Param<'_>> {
        let mut p: Vec<Param<'_>> = vec![
            &self.tenants,
            &self.ids,
            &self.versions,
            &self.heads,
            &self.states,
            &self.listings,
            &self.plans,
            &self.units,
            &self.inspectors,
            &self.dues,
            &self.next_dues,
            &self.event_tenants,
            &self.event_ids,
            &self.seqs,
            &self.records,
        ];
        if self.outbox {
            p.push(&self.message_tenants);
            p.push(&self.message_ids);
            p.extend_from_slice(&self.messages.params());
        }
        p
    }
}
