//! Errors of the engine.

use crate::chain::ChainError;
use crate::model::{HazardId, TenantId};
use crate::store::StoreError;
use crate::workflow::{ApplyError, WorkflowError};

/// Why the engine could not do what was asked. Nothing was changed unless the variant says so.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The rules refused the command.
    ///
    /// **Handling:** show the message; it names the rule or field.
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    /// Another command changed the hazard first.
    ///
    /// **Handling:** reload and decide again whether the command still makes sense.
    #[error("the hazard changed meanwhile: expected version {expected}, found {actual}")]
    Conflict {
        /// The version decided on.
        expected: u64,
        /// The version found at commit.
        actual: u64,
    },
    /// The hazard is no longer at the version the caller decided on (`If-Match`, an offline
    /// device's command): nothing was written.
    ///
    /// **Handling:** reload the hazard (its version is `actual`) and decide again.
    #[error("hazard {hazard} is at version {actual}, not {expected} as the command assumed")]
    Stale {
        /// The hazard.
        hazard: HazardId,
        /// The version the caller assumed.
        expected: u64,
        /// The hazard's version now.
        actual: u64,
    },
    /// No such hazard in this tenant.
    ///
    /// **Handling:** check the id and the tenant.
    #[error("no hazard {hazard} in tenant {tenant}")]
    NotFound {
        /// The tenant.
        tenant: TenantId,
        /// The hazard.
        hazard: HazardId,
    },
    /// No hazard has this number (隐患编号) in this tenant, and it is not a hazard id either.
    ///
    /// **Handling:** check the number (the ledger lists them) and the tenant.
    #[error("no hazard numbered {number} in tenant {tenant}")]
    UnknownNumber {
        /// The tenant.
        tenant: TenantId,
        /// The number as given.
        number: String,
    },
    /// The engine has no organisation for this tenant.
    ///
    /// **Handling:** call `Engine::set_org` for the tenant first.
    #[error("no organisation is loaded for tenant {0}")]
    UnknownTenant(TenantId),
    /// The stored history does not verify.
    ///
    /// **Handling:** the record was changed outside hazardloop; restore it from a backup.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The stored history does not fold.
    ///
    /// **Handling:** as for `Chain`.
    #[error("stored history is damaged: {0}")]
    Damaged(#[from] ApplyError),
    /// The store failed.
    ///
    /// **Handling:** retry later; nothing was written.
    #[error(transparent)]
    Store(StoreError),
    /// An inspection command was refused, or its input is malformed.
    ///
    /// **Handling:** show the rule or the field; nothing was written.
    #[error(transparent)]
    Inspection(#[from] crate::inspection::InspectionError),
    /// No such occurrence in the tenant.
    ///
    /// **Handling:** check the id (`plan/unit/period`); generate the plan's occurrences first.
    #[error("no occurrence {occurrence} in tenant {tenant}")]
    OccurrenceNotFound {
        /// The tenant.
        tenant: TenantId,
        /// The occurrence.
        occurrence: crate::inspection::OccurrenceId,
    },
    /// An occurrence's stored history does not verify or does not fold.
    ///
    /// **Handling:** as for a broken hazard chain: restore the occurrence from a backup.
    #[error("occurrence {occurrence}: event {seq} does not verify: {reason}")]
    OccurrenceChain {
        /// The occurrence.
        occurrence: crate::inspection::OccurrenceId,
        /// The first bad event.
        seq: u64,
        /// Why.
        reason: String,
    },
    /// A command on an incident or a report duty was refused, or its input is malformed.
    ///
    /// **Handling:** show the rule or the field; nothing was written.
    #[error(transparent)]
    Duty(#[from] crate::duty::DutyError),
    /// No such incident or report duty in the tenant.
    ///
    /// **Handling:** check the id; generate the duties of the period first.
    #[error("no {} {id} in tenant {tenant}", kind.code())]
    RecordNotFound {
        /// The tenant.
        tenant: TenantId,
        /// The kind.
        kind: crate::duty::RecordKind,
        /// The id.
        id: crate::duty::RecordId,
    },
    /// A record's stored history does not verify or does not fold.
    ///
    /// **Handling:** as for a broken hazard chain: restore the record from a backup.
    #[error("{} {id}: event {seq} does not verify: {reason}", kind.code())]
    RecordChain {
        /// The kind.
        kind: crate::duty::RecordKind,
        /// The id.
        id: crate::duty::RecordId,
        /// The first bad event.
        seq: u64,
        /// Why.
        reason: String,
    },
}

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> EngineError {
        match e {
            StoreError::Conflict { expected, actual } => EngineError::Conflict { expected, actual },
            // A stored event that does not decode was changed outside hazardloop: a broken chain.
            StoreError::CorruptEvent { hazard, seq, reason } => EngineError::Chain(ChainError {
                hazard,
                seq,
                reason: format!("content changed: it does not decode ({reason})"),
            }),
            other => EngineError::Store(other),
        }
    }
}
