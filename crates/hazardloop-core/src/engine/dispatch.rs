//! The dispatcher: claim outbox messages, deliver them as digests, settle them, paced by the
//! channel's limits (see [`ChannelLimits`]): a digest too large for the channel goes out in
//! parts, and what the channel's minute cannot take waits, leased, for the window to free.

use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use tracing::Instrument;

use super::{Engine, EngineError};
use crate::calendar::{Span, SpanUnit};
use crate::notify::{Addressee, ChannelLimits, Delivery, DeliveryError, Notifier, RateWindow};
use crate::store::{Claimed, Settlement, Store};

/// What a dispatch did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Deliveries attempted (a digest counts once; each part of a split digest once).
    pub deliveries: usize,
    /// Messages delivered.
    pub delivered: usize,
    /// Messages to be retried later.
    pub retried: usize,
    /// Messages dead-lettered.
    pub dead: usize,
    /// Settlements refused because the lease was lost to another dispatcher.
    pub stale: usize,
    /// Claimed messages the channel's minute could not take: they stay leased to this engine
    /// and go first when the window frees. Not an attempt: nothing was sent.
    pub postponed: usize,
    /// When the channel's window next takes a message, if the dispatch stopped for it (messages
    /// pending, claimed or not, wait until then).
    pub resume_at: Option<DateTime<Utc>>,
}

/// What the dispatcher keeps between calls: the channel's send window and the parts it has
/// claimed but not yet sent because the window was spent.
#[derive(Debug, Default)]
pub(super) struct Pacing {
    state: Mutex<PacingState>,
}

#[derive(Debug, Default)]
struct PacingState {
    window: Option<RateWindow>,
    held: Vec<Part>,
}

impl Pacing {
    fn lock(&self) -> std::sync::MutexGuard<'_, PacingState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends the window admits now (`u32::MAX` for an unlimited channel).
    fn free(&self, limits: ChannelLimits, now: DateTime<Utc>) -> u32 {
        let Some(per_minute) = limits.per_minute else { return u32::MAX };
        let mut state = self.lock();
        window(&mut state, per_minute).free(now)
    }

    /// Takes `cost` sends from the window if it has them (always, for an unlimited channel).
    fn admit(&self, limits: ChannelLimits, now: DateTime<Utc>, cost: u32) -> bool {
        let Some(per_minute) = limits.per_minute else { return true };
        let mut state = self.lock();
        let window = window(&mut state, per_minute);
        // A delivery of more parts than a minute takes waits for an empty window.
        let cost = cost.min(window.per_minute());
        if window.free(now) < cost {
            return false;
        }
        window.record(now, cost);
        true
    }

    /// When `cost` sends are next admitted.
    fn frees_at(&self, limits: ChannelLimits, now: DateTime<Utc>, cost: u32) -> DateTime<Utc> {
        let Some(per_minute) = limits.per_minute else { return now };
        let mut state = self.lock();
        window(&mut state, per_minute).frees_at(now, cost)
    }
}

/// The window for `per_minute` (a new one if the channel's limit changed).
fn window(state: &mut PacingState, per_minute: u32) -> &mut RateWindow {
    let fits = state.window.as_ref().is_some_and(|w| w.per_minute() == per_minute.max(1));
    if !fits {
        state.window = Some(RateWindow::new(per_minute));
    }
    state.window.get_or_insert_with(|| RateWindow::new(per_minute))
}

/// One delivery's worth of claimed messages: a whole digest group, or one part of a group too
/// large for the channel. `delivery` is the reason to dead-letter them when there is nobody to
/// deliver to.
#[derive(Debug)]
struct Part {
    claims: Vec<Claimed>,
    delivery: Result<Delivery, String>,
    lease_until: DateTime<Utc>,
}

impl<S: Store, N: Notifier> Engine<S, N> {
    /// Delivers what is waiting in the outbox: claims messages (leased, so a crashed dispatcher's
    /// messages come back after the lease), delivers each group as one digest with a stable
    /// idempotency key, and acknowledges, retries with exponential backoff and jitter, or
    /// dead-letters after the policy's attempts. Repeats until nothing is claimable now.
    ///
    /// Paced by the notifier's [`limits`](Notifier::limits): a digest the channel would send
    /// in several parts is split into digests that fit (in order, each with its own key), at
    /// most `per_minute` messages go out in any minute of the engine's clock, and claims stop
    /// when the minute is spent. Parts already claimed then wait, still leased, for the next
    /// dispatch after [`DispatchReport::resume_at`]; waiting is not an attempt and never
    /// dead-letters anything.
    pub async fn dispatch(&self) -> Result<DispatchReport, EngineError> {
        let now = self.clock.now();
        let span = tracing::info_span!("dispatch", at = %now, delivered = tracing::field::Empty);
        async {
            let mut report = DispatchReport::default();
            let limits = self.notifier.limits();
            let lease = now + Duration::seconds(self.tuning.lease_seconds);
            // Parts held from an earlier call go first, while their lease lasts (after it, they
            // are claimable again and come back through the claim).
            let held = std::mem::take(&mut self.pacing.lock().held);
            let mut queue: Vec<Part> = held.into_iter().filter(|p| p.lease_until > now).collect();
            loop {
                if queue.is_empty() {
                    let budget = self.pacing.free(limits, now);
                    if budget == 0 {
                        report.resume_at = Some(self.pacing.frees_at(limits, now, 1));
                        break;
                    }
                    // Paced, one group at a time: a group split into many parts is then sent
                    // before its lease runs out, and nothing is claimed the minute cannot take.
                    let limit = match limits.per_minute {
                        Some(_) => 1,
                        None => self.tuning.dispatch_batch,
                    };
                    let claimed = self.store.claim_outbox(now, limit, lease).await?;
                    if claimed.is_empty() {
                        break;
                    }
                    for group in groups(claimed) {
                        queue.extend(self.split(group, lease));
                    }
                }
                let mut parts = std::mem::take(&mut queue).into_iter();
                while let Some(part) = parts.next() {
                    if let Err(part) = self.deliver_part(part, limits, now, &mut report).await? {
                        let cost = self.cost(&part, limits);
                        report.resume_at = Some(self.pacing.frees_at(limits, now, cost));
                        let mut held = vec![part];
                        held.extend(parts);
                        report.postponed = held.iter().map(|p| p.claims.len()).sum();
                        // Appended: a concurrent dispatch may have held parts of its own.
                        self.pacing.lock().held.extend(held);
                        tracing::Span::current().record("delivered", report.delivered);
                        return Ok(report);
                    }
                }
            }
            tracing::Span::current().record("delivered", report.delivered);
            Ok(report)
        }
        .instrument(span)
        .await
    }

    /// A claimed group as deliveries: one digest, or (when the channel would need several
    /// messages for it) consecutive digests that each fit in one, in claim order.
    fn split(&self, group: Vec<Claimed>, lease_until: DateTime<Utc>) -> Vec<Part> {
        let to = match self.addressee(&group) {
            Ok(to) => to,
            Err(reason) => return vec![Part { claims: group, delivery: Err(reason), lease_until }],
        };
        let Some(first) = group.first() else { return Vec::new() };
        let tenant = first.message.tenant.clone();
        let delivery = |claims: &[Claimed]| Delivery {
            idempotency_key: idempotency_key(claims),
            tenant: tenant.clone(),
            to: to.clone(),
            notices: claims.iter().map(|c| c.message.notice.clone()).collect(),
            lang: self.lang,
        };
        let whole = delivery(&group);
        if group.len() == 1 || self.notifier.parts(&whole) <= 1 {
            return vec![Part { claims: group, delivery: Ok(whole), lease_until }];
        }
        let mut parts: Vec<Vec<Claimed>> = Vec::new();
        for claim in group {
            match parts.last_mut() {
                Some(last) => {
                    last.push(claim);
                    if self.notifier.parts(&delivery(last)) > 1 {
                        let moved = last.pop();
                        parts.extend(moved.map(|c| vec![c]));
                    }
                }
                None => parts.push(vec![claim]),
            }
        }
        parts
            .into_iter()
            .map(|claims| Part { delivery: Ok(delivery(&claims)), claims, lease_until })
            .collect()
    }

    /// Whom a group goes to, or why nobody.
    fn addressee(&self, group: &[Claimed]) -> Result<Addressee, String> {
        let Some(first) = group.first() else { return Err("no messages".into()) };
        let tenant = &first.message.tenant;
        match (&first.message.to, self.org(tenant)) {
            (None, _) => {
                Err(first.message.last_error.clone().unwrap_or_else(|| "no recipient".into()))
            }
            (Some(p), Ok(org)) => match org.person(p) {
                Some(found) => Ok(Addressee {
                    person: p.clone(),
                    name: found.name.clone(),
                    contacts: found.contacts.clone(),
                }),
                None => Err(format!("{p} is no longer in the organisation")),
            },
            (Some(_), Err(e)) => Err(e.to_string()),
        }
    }

    /// Messages the channel sends for a part (none when it is dead-lettered unsent).
    fn cost(&self, part: &Part, limits: ChannelLimits) -> u32 {
        match (&part.delivery, limits.per_minute) {
            (Ok(d), Some(per_minute)) => self.notifier.parts(d).clamp(1, per_minute.max(1)),
            _ => 0,
        }
    }

    /// Delivers and settles one part, or gives it back untouched when the channel's window
    /// cannot take it now.
    async fn deliver_part(
        &self,
        part: Part,
        limits: ChannelLimits,
        now: DateTime<Utc>,
        report: &mut DispatchReport,
    ) -> Result<Result<(), Part>, EngineError> {
        let cost = self.cost(&part, limits);
        if cost > 0 && !self.pacing.admit(limits, now, cost) {
            return Ok(Err(part));
        }
        report.deliveries += 1;
        let outcome = match &part.delivery {
            Err(reason) => Err(DeliveryError::Permanent(reason.clone())),
            Ok(delivery) => {
                let result = self.notifier.deliver(delivery).await;
                tracing::debug!(key = %delivery.idempotency_key, ok = result.is_ok(), "delivery");
                result
            }
        };
        self.settle(part.claims, &outcome, now, report).await?;
        Ok(Ok(()))
    }

    async fn settle(
        &self,
        group: Vec<Claimed>,
        outcome: &Result<(), DeliveryError>,
        now: DateTime<Utc>,
        report: &mut DispatchReport,
    ) -> Result<(), EngineError> {
        let mut settlements = Vec::with_capacity(group.len());
        for claimed in group {
            let attempts = claimed.message.attempts;
            let settlement = match outcome {
                Ok(()) => Settlement::Delivered,
                Err(DeliveryError::Permanent(reason)) => {
                    Settlement::Dead { reason: reason.clone() }
                }
                Err(e) if attempts >= self.policy.delivery().max_attempts => {
                    Settlement::Dead { reason: format!("gave up after {attempts} attempts: {e}") }
                }
                Err(e) => Settlement::Retry {
                    at: now + self.backoff(attempts, &claimed.message.id.to_string()),
                    error: e.to_string(),
                },
            };
            settlements.push((claimed.message.id, claimed.token, settlement));
        }
        // A group's messages settle together as soon as its delivery ends (a dispatcher stopped
        // later loses no acknowledgement), each settling on its own.
        let counters: Vec<Counter> = settlements.iter().map(|s| Counter::of(&s.2)).collect();
        let results = self.store.settle_many(settlements).await;
        for (counter, result) in counters.into_iter().zip(results) {
            if result? {
                *counter.of_report(report) += 1;
            } else {
                report.stale += 1;
            }
        }
        Ok(())
    }

    /// `base × 2^(attempts − 1)`, at most `backoff_max`, times a jitter of 0.8–1.2 derived from
    /// the message id and attempt (deterministic, so tests can predict it).
    fn backoff(&self, attempts: u32, id: &str) -> Duration {
        let delivery = self.policy.delivery();
        let base = elapsed(delivery.backoff_base).num_milliseconds().max(1);
        let max = elapsed(delivery.backoff_max).num_milliseconds().max(base);
        let doubled = base.saturating_mul(1_i64 << attempts.saturating_sub(1).min(40)).min(max);
        let digest = Sha256::digest(format!("{id}/{attempts}"));
        let jitter = 0.8 + 0.4 * f64::from(digest[0]) / 255.0;
        Duration::milliseconds((doubled as f64 * jitter) as i64)
    }
}

/// Which count of the report a settlement adds to once the store accepts it.
#[derive(Clone, Copy)]
enum Counter {
    Delivered,
    Retried,
    Dead,
}

impl Counter {
    fn of(settlement: &Settlement) -> Counter {
        match settlement {
            Settlement::Delivered => Counter::Delivered,
            Settlement::Retry { .. } => Counter::Retried,
            Settlement::Dead { .. } => Counter::Dead,
        }
    }

    fn of_report(self, report: &mut DispatchReport) -> &mut usize {
        match self {
            Counter::Delivered => &mut report.delivered,
            Counter::Retried => &mut report.retried,
            Counter::Dead => &mut report.dead,
        }
    }
}

/// A span as elapsed time (working days count as calendar days here).
fn elapsed(span: Span) -> Duration {
    let n = i64::from(span.amount);
    match span.unit {
        SpanUnit::Minutes => Duration::minutes(n),
        SpanUnit::Hours => Duration::hours(n),
        SpanUnit::CalendarDays | SpanUnit::WorkingDays => Duration::days(n),
    }
}

/// Claimed messages grouped by (tenant, group), in claim order.
fn groups(claimed: Vec<Claimed>) -> Vec<Vec<Claimed>> {
    let mut out: Vec<Vec<Claimed>> = Vec::new();
    for c in claimed {
        match out.iter_mut().find(|g| {
            g[0].message.group == c.message.group && g[0].message.tenant == c.message.tenant
        }) {
            Some(g) => g.push(c),
            None => out.push(vec![c]),
        }
    }
    out
}

/// Stable for the same set of messages: retries of a delivery carry the same key.
fn idempotency_key(group: &[Claimed]) -> String {
    let mut ids: Vec<String> = group.iter().map(|c| c.message.id.to_string()).collect();
    ids.sort();
    let digest = Sha256::digest(ids.join(","));
    format!("hl-{}", &hex::encode(digest)[..32])
}
