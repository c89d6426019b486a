//! The SMTP notifier.

use std::sync::Arc;

use hazardloop_core::clock::{Clock, SystemClock};
use hazardloop_core::notify::{BoxFuture, Delivery, DeliveryError, Notifier};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::Error as SmtpError;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::message::compose;
use crate::{EmailError, Security, SmtpConfig};

/// Sends each delivery as one e-mail to the recipient's `contacts.email`.
///
/// | outcome | result |
/// | --- | --- |
/// | the server accepted the message | delivered |
/// | 4xx reply, connection failure, timeout, TLS failure | `DeliveryError::Transient`: retried |
/// | 5xx reply (unknown mailbox, refused login, …) | `DeliveryError::Permanent`: dead-lettered |
/// | no e-mail address, or one that does not parse | `DeliveryError::Permanent`: dead-lettered |
///
/// SMTP cannot drop repeats, so a delivery retried after a lost acknowledgement may arrive
/// twice; both copies carry the same `Message-ID` (see [`crate::message_id`]).
pub struct EmailNotifier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
    endpoint: String,
    security: Security,
    tz: chrono_tz::Tz,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for EmailNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailNotifier")
            .field("endpoint", &self.endpoint)
            .field("security", &self.security)
            .field("from", &self.from.to_string())
            .field("domain", &self.domain)
            .field("tz", &self.tz)
            .finish_non_exhaustive()
    }
}

impl EmailNotifier {
    /// A notifier sending through the server of `config`. Nothing connects until the first
    /// delivery.
    pub fn new(config: SmtpConfig) -> Result<EmailNotifier, EmailError> {
        let from: Mailbox = config.from.parse().map_err(|e: lettre::address::AddressError| {
            EmailError::InvalidFrom { address: config.from.clone(), reason: e.to_string() }
        })?;
        let domain =
            config.message_id_domain.clone().unwrap_or_else(|| from.email.domain().to_string());
        let invalid_host = |e: SmtpError| EmailError::InvalidHost {
            host: config.host.clone(),
            reason: e.to_string(),
        };
        let builder = match config.security {
            Security::Plain => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            }
            Security::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                    .map_err(invalid_host)?
            }
            Security::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host).map_err(invalid_host)?
            }
        };
        let port = config.effective_port();
        let mut builder = builder.port(port).timeout(Some(config.timeout));
        if let Some((user, password)) = &config.credentials {
            builder = builder
                .credentials(Credentials::new(user.clone(), password.expose_secret().to_string()));
        }
        Ok(EmailNotifier {
            transport: builder.build(),
            from,
            domain,
            endpoint: format!("{}:{port}", config.host),
            security: config.security,
            tz: config.time_zone,
            clock: Arc::new(SystemClock),
        })
    }

    /// With another clock for the `Date` header (the system clock by default).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> EmailNotifier {
        self.clock = clock;
        self
    }

    async fn send(&self, delivery: &Delivery) -> Result<(), DeliveryError> {
        let to = delivery.to.contacts.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
        let Some(to) = to else {
            return Err(DeliveryError::Permanent(format!(
                "{} ({}) has no email address",
                delivery.to.name, delivery.to.person
            )));
        };
        let date = self.clock.now().into();
        let message = compose(delivery, &self.from, to, &self.domain, self.tz, date)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) => Err(self.classify(&e)),
        }
    }

    /// 5xx replies and our own refusals are final; everything else (4xx, network, TLS,
    /// timeouts) may pass.
    fn classify(&self, e: &SmtpError) -> DeliveryError {
        let mut reason = format!("SMTP {}: {e}", self.endpoint);
        let mut cause = std::error::Error::source(e);
        while let Some(c) = cause {
            reason.push_str(": ");
            reason.push_str(&c.to_string());
            cause = c.source();
        }
        if e.is_permanent() || e.is_client() {
            DeliveryError::Permanent(reason)
        } else {
            DeliveryError::Transient(reason)
        }
    }
}

impl Notifier for EmailNotifier {
    fn name(&self) -> &str {
        "email"
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(self.send(delivery))
    }
}
