//! How to reach the SMTP server and how mail is addressed.

use std::time::Duration;

use secrecy::SecretString;

/// How the connection to the SMTP server is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Security {
    /// No encryption (a relay on the same host or a trusted network); default port 25.
    Plain,
    /// Plain connection upgraded with STARTTLS, which is required; default port 587.
    #[default]
    StartTls,
    /// TLS from the first byte (SMTPS); default port 465.
    Tls,
}

impl Security {
    /// The usual port for this kind of connection.
    pub fn default_port(self) -> u16 {
        match self {
            Security::Plain => 25,
            Security::StartTls => 587,
            Security::Tls => 465,
        }
    }
}

/// Default time an SMTP exchange may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The SMTP server, the sender, and how texts are written. The password is kept in a
/// redacting wrapper: `Debug` shows `[REDACTED]`.
///
/// ```
/// use hazardloop_email::{Security, SmtpConfig};
/// let config = SmtpConfig::new("smtp.exmail.qq.com", Security::Tls, "安全办 <safety@school.example.cn>")
///     .credentials("safety@school.example.cn", "app-password");
/// assert!(!format!("{config:?}").contains("app-password"));
/// ```
#[derive(Clone, Debug)]
pub struct SmtpConfig {
    pub(crate) host: String,
    pub(crate) port: Option<u16>,
    pub(crate) security: Security,
    pub(crate) credentials: Option<(String, SecretString)>,
    pub(crate) from: String,
    pub(crate) message_id_domain: Option<String>,
    pub(crate) timeout: Duration,
    pub(crate) time_zone: chrono_tz::Tz,
}

impl SmtpConfig {
    /// Mail through `host` secured by `security`, sent as `from` (an address, or
    /// `"Name <address>"`; UTF-8 names are fine).
    pub fn new(host: impl Into<String>, security: Security, from: impl Into<String>) -> SmtpConfig {
        SmtpConfig {
            host: host.into(),
            port: None,
            security,
            credentials: None,
            from: from.into(),
            message_id_domain: None,
            timeout: DEFAULT_TIMEOUT,
            time_zone: chrono_tz::Asia::Shanghai,
        }
    }

    /// On another port than [`Security::default_port`].
    #[must_use]
    pub fn port(mut self, port: u16) -> SmtpConfig {
        self.port = Some(port);
        self
    }

    /// Logging in with `username` and `password` (AUTH PLAIN or LOGIN).
    #[must_use]
    pub fn credentials(
        mut self,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> SmtpConfig {
        self.credentials = Some((username.into(), SecretString::from(password.into())));
        self
    }

    /// With `Message-ID`s under `hazardloop.<domain>` (the `From` address's domain by default).
    #[must_use]
    pub fn message_id_domain(mut self, domain: impl Into<String>) -> SmtpConfig {
        self.message_id_domain = Some(domain.into());
        self
    }

    /// With a time limit per SMTP exchange (10 s by default).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> SmtpConfig {
        self.timeout = timeout;
        self
    }

    /// With due times written in `tz` (Asia/Shanghai by default).
    #[must_use]
    pub fn time_zone(mut self, tz: chrono_tz::Tz) -> SmtpConfig {
        self.time_zone = tz;
        self
    }

    /// The port in use.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(self.security.default_port())
    }
}
