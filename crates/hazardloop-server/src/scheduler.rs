//! Keeping time: sweeps every `sweep_every_seconds` (so a rung fires within that long of its
//! instant) and dispatches the outbox continuously. A sweep covers the hazards, the inspection
//! occurrences, and the records: incidents' report clocks and report duties (due, overdue,
//! missed). Several processes on one PostgreSQL may run
//! it at once: a rung is fired by whichever commit lands first (the others conflict and find
//! nothing left to fire), and an outbox message is leased to one dispatcher at a time.

use std::sync::Arc;
use std::time::Duration;

use hazardloop_core::engine::{DispatchReport, EngineError};
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::state::Service;
use crate::store::ServedStore;

/// What one tick did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tick {
    /// Rungs of hazards fired.
    pub fired: usize,
    /// Inspection occurrences marked missed.
    pub missed: usize,
    /// Hazards left to other processes' tenants.
    pub other_tenants: usize,
    /// Rungs of incidents (突发事件报告) and report duties (报告事项) fired.
    pub record_fired: usize,
    /// Report duties marked missed (漏报).
    pub duties_missed: usize,
    /// Messages the records' rungs queued.
    pub record_messages: usize,
}

impl Tick {
    /// Every rung fired: the hazards' and the records'.
    pub fn rungs(&self) -> usize {
        self.fired + self.record_fired
    }

    /// Whether the tick wrote anything that may have queued messages.
    pub fn wrote(&self) -> bool {
        self.rungs() > 0 || self.duties_missed > 0
    }
}

/// The scheduler of one service.
pub struct Scheduler<S: ServedStore> {
    service: Arc<Service<S>>,
}

impl<S: ServedStore> Scheduler<S> {
    /// A scheduler for `service`.
    pub fn new(service: Arc<Service<S>>) -> Scheduler<S> {
        Scheduler { service }
    }

    /// One sweep: the hazards' rungs due now, then the inspections' missed windows, then the
    /// rungs of incidents and report duties (and duties missed).
    pub async fn tick(&self) -> Result<Tick, EngineError> {
        let engine = self.service.engine();
        let at = engine.now();
        let failed = |e: EngineError| {
            self.service.metrics.sweep_failures.inc();
            e
        };
        let swept = engine.sweep().await.map_err(failed)?;
        // The hazards' rungs are written: count them even if a later part fails.
        self.service.metrics.rungs_fired.inc_by(swept.fired as u64);
        let inspections = engine.sweep_inspections().await.map_err(failed)?;
        let records = engine.sweep_records().await.map_err(failed)?;
        self.service.metrics.rungs_fired.inc_by(records.fired as u64);
        self.service.metrics.swept(at.timestamp_millis());
        Ok(Tick {
            fired: swept.fired,
            missed: inspections.missed,
            other_tenants: swept.other_tenants,
            record_fired: records.fired,
            duties_missed: records.missed,
            record_messages: records.messages,
        })
    }

    /// Dispatches until the outbox has nothing more due now.
    pub async fn dispatch(&self) -> Result<DispatchReport, EngineError> {
        let engine = self.service.engine();
        let mut total = DispatchReport::default();
        loop {
            let r = engine.dispatch().await?;
            self.service.metrics.delivered.inc_by(r.delivered as u64);
            total.deliveries += r.deliveries;
            total.delivered += r.delivered;
            total.retried += r.retried;
            total.dead += r.dead;
            total.stale += r.stale;
            if r.deliveries < engine.tuning().dispatch_batch {
                return Ok(total);
            }
        }
    }

    /// Runs until `stop` turns true; the sweep or dispatch in progress then finishes first.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let config = self.service.config();
        let mut sweeps = tokio::time::interval(Duration::from_secs(config.sweep_every_seconds));
        sweeps.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut dispatches =
            tokio::time::interval(Duration::from_secs(config.dispatch_every_seconds));
        dispatches.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            if *stop.borrow() {
                return;
            }
            tokio::select! {
                _ = stop.changed() => return,
                _ = sweeps.tick() => match self.tick().await {
                    Ok(t) if t.wrote() => {
                        tracing::info!(
                            fired = t.fired,
                            missed = t.missed,
                            record_fired = t.record_fired,
                            duties_missed = t.duties_missed,
                            record_messages = t.record_messages,
                            "sweep"
                        );
                        if let Err(e) = self.dispatch().await {
                            tracing::warn!(error = %e, "dispatch failed; retried next tick");
                        }
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "sweep failed; retried next tick"),
                },
                _ = dispatches.tick() => if let Err(e) = self.dispatch().await {
                    tracing::warn!(error = %e, "dispatch failed; retried next tick");
                },
            }
        }
    }
}
