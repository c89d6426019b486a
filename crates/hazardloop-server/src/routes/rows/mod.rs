//! The rows of the route table, grouped by area; [`super::table`] puts the groups in order.

mod duties;
mod hazards;
mod incidents;
mod inspections;
mod operations;

pub(super) use duties::{campaign_routes, duty_routes};
pub(super) use hazards::{hazard_routes, query_routes};
pub(super) use incidents::incident_routes;
pub(super) use inspections::inspection_routes;
pub(super) use operations::{document_routes, export_routes, operation_routes};
