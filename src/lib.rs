#![doc = include_str!("../README.md")]

pub use hazardloop_core::{
    calendar, chain, clock, deadline, engine, escalation, inspection, model, notify, org, policy,
    prelude, report, store, workflow,
};

/// Exports of the ledger and the statistics table: CSV, XLSX, JSON and the HTML monthly summary.
#[cfg(feature = "export")]
pub use hazardloop_export as export;

/// The PostgreSQL store (feature `postgres`).
#[cfg(feature = "postgres")]
pub use hazardloop_postgres as postgres;

/// The SQLite store, the embedded default (feature `sqlite`).
#[cfg(feature = "sqlite")]
pub use hazardloop_sqlite as sqlite;

/// Webhook, WeCom and DingTalk notifiers (feature `webhook`).
#[cfg(feature = "webhook")]
pub use hazardloop_webhook as webhook;

/// The SMTP notifier (feature `email`).
#[cfg(feature = "email")]
pub use hazardloop_email as email;
