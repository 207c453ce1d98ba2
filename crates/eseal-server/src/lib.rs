//! The registry service (issue 6): the axum HTTP API, users and roles, making, the filing
//! (备案) outbox, the police and national-platform connectors and their simulators.

pub mod access;
pub mod api;
pub mod app;
pub mod archive;
pub mod audit;
pub mod audit_words;
pub mod auth;
pub mod backup;
pub mod connectors;
pub mod console;
pub mod devpki;
pub mod documents;
pub mod failure;
pub mod files;
pub mod fixture;
pub mod fonts;
pub mod hsm;
pub mod install;
pub mod keystore;
pub mod making;
pub mod outbox;
pub mod ports;
pub mod registry;
pub mod reqlog;
pub mod revocation;
pub mod seals;
pub mod service;
pub mod sessions;
pub mod signing;
pub mod sim;
pub mod state;
pub mod transparency;
pub mod trustlist;
pub mod verifying;
pub mod views;
pub mod witness;
pub mod work;

// The HTTP plumbing lives in the JSON API adapter; configuration types keep their paths.
pub use api::{limits, ops, wire};

/// The store, for the operator commands that work on the database directly (`eseal user
/// reset`, `eseal trust`, `eseal audit`): the CLI reaches the database only through here.
pub use eseal_store as store;
