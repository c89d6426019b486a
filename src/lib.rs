#![doc = include_str!("../README.md")]

pub use hazardloop_core::{
    calendar, chain, clock, deadline, engine, escalation, model, notify, org, policy, prelude,
    report, store, workflow,
};
