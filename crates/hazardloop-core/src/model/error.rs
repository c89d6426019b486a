//! Errors for input that fails validation.

/// Input that cannot be accepted. Each variant names the field, using the same dotted path as the
/// command or policy document (`assessment.lec.l`, `plan.funds`).
///
/// **Handling:** the input is wrong and retrying it unchanged fails again; show the message to the
/// person who typed it. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// A required field is absent or blank.
    #[error("{field}: is required")]
    Missing {
        /// Path of the field.
        field: String,
    },
    /// The field is present but not well formed.
    #[error("{field}: {reason}")]
    Malformed {
        /// Path of the field.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The value is not one of the values the rules allow.
    #[error("{field}: {value} is not allowed (allowed: {allowed})")]
    NotAllowed {
        /// Path of the field.
        field: String,
        /// The value given.
        value: String,
        /// The values that are allowed.
        allowed: String,
    },
    /// The value names something that does not exist (an unknown category, unit or person).
    #[error("{field}: unknown {value}")]
    Unknown {
        /// Path of the field.
        field: String,
        /// The unknown value.
        value: String,
    },
    /// The category is not one of the responsibility matrix's (the rule `known_category`).
    #[error("{field}: `{category}` is not in the responsibility matrix (known: {known})")]
    UnknownCategory {
        /// Path of the field.
        field: String,
        /// The category given.
        category: String,
        /// The matrix's category codes, comma-separated.
        known: String,
    },
    /// The value exceeds a limit set by policy.
    #[error("{field}: exceeds the limit of {limit}")]
    TooLarge {
        /// Path of the field.
        field: String,
        /// The limit, with its unit (`2000 characters`, `20 items`).
        limit: String,
    },
    /// A time is out of order with another (a deadline before discovery).
    #[error("{field}: {reason}")]
    OutOfOrder {
        /// Path of the field.
        field: String,
        /// Which order is broken.
        reason: String,
    },
}

impl InputError {
    /// The path of the field the error is about.
    pub fn field(&self) -> &str {
        match self {
            Self::Missing { field }
            | Self::Malformed { field, .. }
            | Self::NotAllowed { field, .. }
            | Self::Unknown { field, .. }
            | Self::UnknownCategory { field, .. }
            | Self::TooLarge { field, .. }
            | Self::OutOfOrder { field, .. } => field,
        }
    }

    /// The same error with `prefix.` put before the field path.
    pub fn within(self, prefix: &str) -> Self {
        let join = |f: String| format!("{prefix}.{f}");
        match self {
            Self::Missing { field } => Self::Missing { field: join(field) },
            Self::Malformed { field, reason } => Self::Malformed { field: join(field), reason },
            Self::NotAllowed { field, value, allowed } => {
                Self::NotAllowed { field: join(field), value, allowed }
            }
            Self::Unknown { field, value } => Self::Unknown { field: join(field), value },
            Self::UnknownCategory { field, category, known } => {
                Self::UnknownCategory { field: join(field), category, known }
            }
            Self::TooLarge { field, limit } => Self::TooLarge { field: join(field), limit },
            Self::OutOfOrder { field, reason } => Self::OutOfOrder { field: join(field), reason },
        }
    }
}
