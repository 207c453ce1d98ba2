//! The one error type of the domain.

/// Why a domain operation was refused. Nothing changes when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DomainError {
    /// The action is not allowed in the current state.
    #[error("{action} is not allowed while the {what} is {state}")]
    IllegalTransition {
        /// The aggregate.
        what: &'static str,
        /// Its state.
        state: String,
        /// The refused action.
        action: &'static str,
    },
    /// A rule forbids it (separation of duties, missing materials, renewal window …).
    #[error("{0}")]
    Forbidden(String),
    /// A field is invalid.
    #[error("{field}: {why}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// What is wrong.
        why: String,
    },
}
