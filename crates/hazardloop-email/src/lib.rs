//! E-mail notifier for hazardloop (邮件通知): each delivery from the outbox becomes one
//! plain-text UTF-8 e-mail to the recipient's address, sent over SMTP (plain, STARTTLS or TLS),
//! with a `Message-ID` derived from the delivery's idempotency key so a re-send is
//! recognisable. A recipient without an e-mail address is a permanent failure (the message is
//! dead-lettered with `"<person> has no email address"`), never silently skipped.
//!
//! ```no_run
//! use std::sync::Arc;
//! use hazardloop_core::clock::SystemClock;
//! use hazardloop_core::engine::Engine;
//! use hazardloop_core::policy::Policy;
//! use hazardloop_core::store::MemoryStore;
//! use hazardloop_email::{EmailNotifier, Security, SmtpConfig};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = SmtpConfig::new("smtp.exmail.qq.com", Security::Tls, "安全办 <safety@school.example.cn>")
//!     .credentials("safety@school.example.cn", "app-password");
//! let email = EmailNotifier::new(config)?;
//! let engine = Engine::new(MemoryStore::new(), email, Arc::new(SystemClock), Policy::default());
//! let report = engine.dispatch().await?;
//! println!("{} delivered, {} to retry, {} dead", report.delivered, report.retried, report.dead);
//! # Ok(()) }
//! ```

mod config;
mod error;
mod message;
mod notifier;

pub use config::{Security, SmtpConfig, DEFAULT_TIMEOUT};
pub use error::EmailError;
pub use message::message_id;
pub use notifier::EmailNotifier;
