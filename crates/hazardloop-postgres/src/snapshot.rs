//! The hazard snapshot as JSON. `Hazard::fired` is a map keyed by a struct (`RungKey`), which
//! JSON objects cannot hold, so the snapshot stores it as a list of `[key, fired]` pairs. The
//! mirror structs list every field of `Hazard`: a field added in the core breaks this build
//! instead of being dropped silently.

use hazardloop_core::deadline::{ClockSet, Deadlines};
use hazardloop_core::escalation::{Fired, RungKey};
use hazardloop_core::model::HazardId;
use hazardloop_core::store::StoreError;
use hazardloop_core::workflow::{Hazard, Pause, Stage};
use serde::{Deserialize, Serialize};

use crate::error::corrupt;

/// The stored form of a hazard, borrowed from it.
#[derive(Debug, Serialize)]
pub(crate) struct Out<'a> {
    id: HazardId,
    version: u64,
    stage: &'a Stage,
    clocks: &'a Deadlines,
    #[serde(skip_serializing_if = "ClockSet::is_empty")]
    provisional: &'a ClockSet,
    paused: &'a Option<Box<Pause>>,
    fired: Vec<(&'a RungKey, &'a Fired)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: &'a Option<String>,
}

#[derive(Deserialize)]
struct In {
    id: HazardId,
    version: u64,
    stage: Stage,
    clocks: Deadlines,
    #[serde(default)]
    provisional: ClockSet,
    paused: Option<Box<Pause>>,
    fired: Vec<(RungKey, Fired)>,
    #[serde(default)]
    number: Option<String>,
}

/// The snapshot of `h`, serialised straight into the statement's parameter.
pub(crate) fn encode(h: &Hazard) -> Out<'_> {
    let Hazard { id, version, stage, clocks, provisional, paused, fired, number } = h;
    let fired = fired.iter().collect();
    Out { id: *id, version: *version, stage, clocks, provisional, paused, fired, number }
}

/// A hazard from its stored snapshot.
pub(crate) fn decode(value: serde_json::Value) -> Result<Hazard, StoreError> {
    let In { id, version, stage, clocks, provisional, paused, fired, number } =
        serde_json::from_value(value).map_err(|e| corrupt("snapshot", e))?;
    let fired = fired.into_iter().collect();
    Ok(Hazard { id, version, stage, clocks, provisional, paused, fired, number })
}
