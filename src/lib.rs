#![doc = include_str!("../README.md")]

pub use hazardloop_core::{
    calendar, clock, deadline, escalation, model, org, policy, prelude, report, workflow,
};
