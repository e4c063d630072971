//! The errors a requested change can meet before anything is written.

use crate::review::State as ReviewState;
use crate::status::Status;

/// Why a requested change to an incident was refused. Each message is one line a responder can
/// act on; nothing has been recorded when one of these is returned.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DomainError {
    /// The title was empty or only whitespace.
    #[error("the incident title is empty; give a short description of what is wrong")]
    EmptyTitle,
    /// A text field (note, action item, reason) was empty.
    #[error("the {0} is empty")]
    EmptyText(&'static str),
    /// A text field was longer than firebreak stores.
    #[error("the {what} is {len} characters long; at most {max} are allowed")]
    TooLong {
        /// Which field.
        what: &'static str,
        /// Its length in characters.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The severity is not one the policy defines.
    #[error("unknown severity {given:?}; the policy defines {known}")]
    UnknownSeverity {
        /// What was asked for.
        given: String,
        /// The policy's levels, comma separated.
        known: String,
    },
    /// The status lifecycle does not allow this move.
    #[error("cannot move from {from} to {to}: {hint}")]
    InvalidTransition {
        /// Current status.
        from: Status,
        /// Requested status.
        to: Status,
        /// What to do instead.
        hint: &'static str,
    },
    /// A value is not acceptable (with the reason).
    #[error("{0}")]
    Invalid(String),
    /// The change would not change anything.
    #[error("{0}")]
    NoChange(String),
    /// The incident is closed and takes no changes until reopened.
    #[error("the incident is closed; reopen it first (firebreak reopen INC --reason …)")]
    Closed,
    /// A checklist or action item reference did not resolve.
    #[error("{0}")]
    NotFound(String),
    /// A role name was not usable.
    #[error("invalid role name {0:?}: use letters, digits, '-' or '_' (e.g. commander, scribe)")]
    InvalidRole(String),
    /// The review's state does not allow this (publishing a draft, editing a published review).
    #[error("the review of {incident} is {state}; {hint}")]
    Review {
        /// The incident.
        incident: String,
        /// The review's state.
        state: ReviewState,
        /// What to do instead, naming the command.
        hint: String,
    },
    /// Closing needs a published review at this severity (`[policy] review_required`).
    #[error(
        "{incident} is {severity}, and {severity} incidents need a published review before they close (review is {state}); publish it with `firebreak review publish {incident}` (after `firebreak review submit {incident}`)"
    )]
    ReviewRequired {
        /// The incident.
        incident: String,
        /// Its severity.
        severity: String,
        /// The review's state now.
        state: ReviewState,
    },
}
