#![doc = include_str!("../README.md")]

pub mod application;
pub mod approval;
pub mod error;
pub mod filing;
pub mod ids;
pub mod kind;
pub mod material;
pub mod party;
pub mod pin;
pub mod pin_reset;
pub mod scope;
pub mod seal;
pub mod text;
pub mod usage;

pub use application::{Application, ApplicationState, Material, MaterialKind, Purpose};
pub use approval::{UseRequest, UseRequestState};
pub use error::{DomainError, Text};
pub use filing::{DeadlineState, Filing, FilingEvent, FilingState, FilingTarget};
pub use ids::{CitizenId, IDENTIFIER_WORDS, SealId, Sm3Hex, Uscc};
pub use kind::{BusinessSeal, OfficialKind, PositionKind, SealKind};
pub use material::{DataKey, SealedMaterial};
pub use party::{Organisation, Person};
pub use pin::{PinAge, PinState};
pub use pin_reset::{PinReset, PinResetState};
pub use scope::{PositionScope, UseClaim};
pub use seal::{EarlierCertificate, KeyCustody, RevocationReason, Seal, SealState, SealStatus};
pub use usage::{Usage, UsageState};
