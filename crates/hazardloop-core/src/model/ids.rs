//! Identifiers.
//!
//! Records created by the library (hazards, events, outbox messages) get UUID v7 ids, which sort by
//! creation time. Tenants, units and people belong to the host system, which already has keys for
//! them (a school code, an employee number), so those are validated string keys.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::InputError;

/// Longest accepted host key (tenant, unit, person, category code).
pub const MAX_KEY_LEN: usize = 64;

/// Bits of the UUID v7 counter (RFC 9562, method 1: a fixed-length dedicated counter).
const COUNTER_BITS: u8 = 42;

/// A UUID v7 for `at`. Within one millisecond a process-wide counter increments, so ids made
/// one after another sort in that order (a B-tree keyed by them appends instead of inserting at
/// random); in a new millisecond, forwards or backwards, the counter restarts from random bits,
/// and the bits below the counter stay random, so ids never collide in practice.
fn v7_at(at: DateTime<Utc>) -> Uuid {
    static LAST: Mutex<(u64, u64)> = Mutex::new((u64::MAX, 0));
    v7_after(&mut LAST.lock().unwrap_or_else(PoisonError::into_inner), at)
}

/// [`v7_at`] with its state: `last` is (unix milliseconds, counter) of the previous id.
fn v7_after(last: &mut (u64, u64), at: DateTime<Utc>) -> Uuid {
    let secs = u64::try_from(at.timestamp()).unwrap_or(0);
    let nanos = at.timestamp_subsec_nanos();
    let millis = secs.saturating_mul(1000).saturating_add(u64::from(nanos / 1_000_000));
    let counter = if last.0 == millis && last.1 + 1 < (1 << COUNTER_BITS) {
        last.1 + 1
    } else {
        // A new millisecond: seed from a random v7 of the same instant, whose low 64 bits are
        // random (but for the variant).
        let random = Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, nanos));
        (random.as_u128() as u64) & ((1 << (COUNTER_BITS - 1)) - 1)
    };
    *last = (millis, counter);
    Uuid::new_v7(uuid::Timestamp::from_unix_time(secs, nanos, u128::from(counter), COUNTER_BITS))
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new UUID v7 id whose time part is `at` (pass the engine clock's `now`). Ids made
            /// in one process in the same millisecond still sort in the order they were made.
            pub fn new_at(at: DateTime<Utc>) -> Self {
                Self(v7_at(at))
            }

            /// The id's UUID.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InputError;
            fn from_str(s: &str) -> Result<Self, InputError> {
                Uuid::parse_str(s).map(Self).map_err(|_| InputError::Malformed {
                    field: stringify!($name).into(),
                    reason: format!("`{s}` is not a UUID"),
                })
            }
        }
    };
}

uuid_id!(
    /// Identifies one hazard (隐患) across its whole life.
    HazardId
);
uuid_id!(
    /// Identifies one outbox message.
    MessageId
);

macro_rules! key_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        ///
        /// The key is shared, not copied: a clone counts a reference, and two clones compare
        /// equal without reading the text.
        #[derive(Clone, Debug, Eq, PartialOrd, Ord, Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(Arc<str>);

        impl $name {
            /// Validates and wraps a host key: 1 to [`MAX_KEY_LEN`] characters, no control
            /// characters, no leading or trailing whitespace.
            pub fn new(key: impl Into<String>) -> Result<Self, InputError> {
                let key = key.into();
                validate_key($field, &key)?;
                Ok(Self(Arc::from(key)))
            }

            /// The key as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InputError;
            fn try_from(s: String) -> Result<Self, InputError> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = InputError;
            fn try_from(s: &str) -> Result<Self, InputError> {
                Self::new(s)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InputError;
            fn from_str(s: &str) -> Result<Self, InputError> {
                Self::new(s)
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
            }
        }

        // By the text, as equality is.
        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.0.hash(state);
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0.as_ref().to_owned()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

key_id!(
    /// A tenant: one school or bureau system sharing a store. Every query is scoped by it.
    TenantId,
    "tenant"
);
key_id!(
    /// A unit of the organisation (bureau, school, department, grid), keyed by the host.
    UnitId,
    "unit"
);
key_id!(
    /// A person, keyed by the host (for example an employee number).
    PersonId,
    "person"
);
key_id!(
    /// A hazard category code (`fire`, `food`, ...); the responsibility matrix names it.
    Category,
    "category"
);

fn validate_key(field: &str, key: &str) -> Result<(), InputError> {
    let reason = if key.is_empty() {
        "must not be empty"
    } else if key.chars().count() > MAX_KEY_LEN {
        "is longer than 64 characters"
    } else if key.chars().any(char::is_control) {
        "must not contain control characters"
    } else if key.trim() != key {
        "must not start or end with whitespace"
    } else {
        return Ok(());
    };
    Err(InputError::Malformed { field: field.into(), reason: reason.into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_key_equals_hashes_and_serializes_by_its_text() {
        use std::hash::BuildHasher;
        let a = PersonId::new("张老师-017").unwrap();
        let b = PersonId::new(String::from("张老师-017")).unwrap();
        let c = PersonId::new("张老师-018").unwrap();
        assert!(!Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, b);
        assert_eq!(a, a.clone());
        assert_ne!(a, c);
        let state = std::collections::hash_map::RandomState::new();
        assert_eq!(state.hash_one(&a), state.hash_one(&b));
        assert_eq!(state.hash_one(&a), state.hash_one("张老师-017"));
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"张老师-017\"");
        assert_eq!(serde_json::from_str::<PersonId>("\"张老师-017\"").unwrap(), a);
        assert!(serde_json::from_str::<PersonId>("\" padded\"").is_err());
        assert_eq!(String::from(a), "张老师-017");
    }

    #[test]
    fn empty_key_is_rejected_naming_the_field() {
        let err = UnitId::new("").unwrap_err();
        assert!(err.to_string().contains("unit"), "{err}");
    }

    #[test]
    fn keys_round_trip_through_serde() {
        let id = PersonId::new("T-0042").unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"T-0042\"");
        assert_eq!(serde_json::from_str::<PersonId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<PersonId>("\"\"").is_err());
    }

    #[test]
    fn v7_ids_sort_by_time() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let t1 = DateTime::from_timestamp(1_700_000_001, 0).unwrap();
        assert!(HazardId::new_at(t0) < HazardId::new_at(t1));
        assert_eq!(HazardId::new_at(t0).as_uuid().get_version_num(), 7);
    }

    #[test]
    fn ids_of_one_millisecond_sort_in_the_order_they_are_made() {
        let t = DateTime::from_timestamp(1_740_967_200, 0).unwrap();
        let mut state = (u64::MAX, 0);
        let ids: Vec<HazardId> = (0..1000).map(|_| HazardId(v7_after(&mut state, t))).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "monotonic within a millisecond");
        let ms = |id: &HazardId| id.as_uuid().get_timestamp().map(|ts| ts.to_unix());
        assert!(
            ids.iter().all(|id| ms(id) == Some((t.timestamp() as u64, 0))),
            "time part is `at`"
        );
        // Backwards in time: still `at`, still unique.
        let earlier = HazardId(v7_after(&mut state, t - chrono::Duration::days(1)));
        assert_eq!(ms(&earlier), Some(((t.timestamp() - 86_400) as u64, 0)));
        let again: std::collections::HashSet<HazardId> = (0..1000)
            .map(|i| HazardId::new_at(t + chrono::Duration::milliseconds(i % 2)))
            .collect();
        // The shared generator too.
        let shared: Vec<HazardId> = (0..100).map(|_| HazardId::new_at(t)).collect();
        assert!(shared.iter().all(|id| ms(id) == Some((t.timestamp() as u64, 0))));
        assert_eq!(again.len(), 1000, "alternating milliseconds never collide");
    }
}
