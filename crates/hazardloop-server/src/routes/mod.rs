//! Every route of the API in one table: the router and the OpenAPI document are both built from
//! it, so neither can list a route the other lacks.

pub mod batch;
pub mod campaigns;
mod doc;
pub mod documents;
pub mod duties;
pub mod hazards;
pub mod http;
pub mod incidents;
pub mod inspections;
pub mod ops;
pub mod queries;
mod records;
mod rows;

use std::sync::Arc;

use axum::routing::MethodRouter;

pub use self::doc::{Body, Doc};
use crate::state::Service;
use crate::store::ServedStore;

/// A route: its documentation and its handler.
pub type Route<S> = (Doc, MethodRouter<Arc<Service<S>>>);

/// Every route of the service.
pub fn table<S: ServedStore>() -> Vec<Route<S>> {
    // This order is the OpenAPI document's.
    [
        rows::operation_routes::<S>(),
        rows::hazard_routes::<S>(),
        rows::query_routes::<S>(),
        rows::document_routes::<S>(),
        rows::inspection_routes::<S>(),
        rows::export_routes::<S>(),
        rows::incident_routes::<S>(),
        rows::duty_routes::<S>(),
        rows::campaign_routes::<S>(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The documentation of every route.
pub fn docs() -> Vec<Doc> {
    // The documentation does not depend on the store: any served store gives the same table.
    table::<hazardloop_sqlite::SqliteStore>().into_iter().map(|(d, _)| d).collect()
}
