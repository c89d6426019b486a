//! Errors of building an [`crate::EmailNotifier`].

/// Why an e-mail notifier could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmailError {
    /// The `From` address does not parse (`"安全办 <safety@school.example.cn>"` or a bare address).
    ///
    /// **Handling:** a configuration mistake: fix the address and build again.
    #[error("invalid From address {address:?}: {reason}")]
    InvalidFrom {
        /// The address as configured.
        address: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The SMTP host cannot be used for TLS (the name is not a valid server name).
    ///
    /// **Handling:** a configuration mistake: give the host name the server's certificate
    /// names, or use [`crate::Security::Plain`] for a relay on the local network.
    #[error("SMTP host {host:?} cannot be used: {reason}")]
    InvalidHost {
        /// The host as configured.
        host: String,
        /// Why.
        reason: String,
    },
}
