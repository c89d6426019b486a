//! The dispatcher: claim outbox messages, deliver them as digests, settle them.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use tracing::Instrument;

use super::{Engine, EngineError};
use crate::calendar::{Span, SpanUnit};
use crate::notify::{Addressee, Delivery, DeliveryError, Notifier};
use crate::store::{Claimed, Settlement, Store};

/// What a dispatch did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Deliveries attempted (a digest counts once).
    pub deliveries: usize,
    /// Messages delivered.
    pub delivered: usize,
    /// Messages to be retried later.
    pub retried: usize,
    /// Messages dead-lettered.
    pub dead: usize,
    /// Settlements refused because the lease was lost to another dispatcher.
    pub stale: usize,
}

impl<S: Store, N: Notifier> Engine<S, N> {
    /// Delivers what is waiting in the outbox: claims messages (leased, so a crashed dispatcher's
    /// messages come back after the lease), delivers each group as one digest with a stable
    /// idempotency key, and acknowledges, retries with exponential backoff and jitter, or
    /// dead-letters after the policy's attempts. Repeats until nothing is claimable now.
    pub async fn dispatch(&self) -> Result<DispatchReport, EngineError> {
        let now = self.clock.now();
        let span = tracing::info_span!("dispatch", at = %now, delivered = tracing::field::Empty);
        async {
            let mut report = DispatchReport::default();
            let lease = now + Duration::seconds(self.tuning.lease_seconds);
            loop {
                let claimed =
                    self.store.claim_outbox(now, self.tuning.dispatch_batch, lease).await?;
                if claimed.is_empty() {
                    break;
                }
                for group in groups(claimed) {
                    self.deliver_group(group, now, &mut report).await?;
                }
            }
            tracing::Span::current().record("delivered", report.delivered);
            Ok(report)
        }
        .instrument(span)
        .await
    }

    async fn deliver_group(
        &self,
        group: Vec<Claimed>,
        now: DateTime<Utc>,
        report: &mut DispatchReport,
    ) -> Result<(), EngineError> {
        let Some(first) = group.first() else { return Ok(()) };
        let tenant = first.message.tenant.clone();
        let person = first.message.to.clone();
        let addressee = match (&person, self.org(&tenant)) {
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
        };
        report.deliveries += 1;
        let outcome = match addressee {
            Err(reason) => Err(DeliveryError::Permanent(reason)),
            Ok(to) => {
                let delivery = Delivery {
                    idempotency_key: idempotency_key(&group),
                    tenant,
                    to,
                    notices: group.iter().map(|c| c.message.notice.clone()).collect(),
                    lang: self.lang,
                };
                let result = self.notifier.deliver(&delivery).await;
                tracing::debug!(key = %delivery.idempotency_key, ok = result.is_ok(), "delivery");
                result
            }
        };
        let mut settlements = Vec::with_capacity(group.len());
        for claimed in group {
            let attempts = claimed.message.attempts;
            let settlement = match &outcome {
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
