//! The records: ids, hazard facts, evidence, assessment, actors.

mod assessment;
mod error;
mod facts;
mod ids;
mod lang;

pub use assessment::{
    Assessment, Bands, ColourBand, Grade, LecBand, Method, RiskColour, LEC_C, LEC_E, LEC_L,
};
pub use error::InputError;
pub use facts::{Actor, Evidence, Facts, Source};
pub use ids::{Category, HazardId, MessageId, PersonId, TenantId, UnitId, MAX_KEY_LEN};
pub(crate) use lang::{code_of, named_enum};
pub use lang::{Lang, Named};
