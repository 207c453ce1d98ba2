//! The server's integration tests, one binary (issue 17 item 7: one link instead of one per
//! file). Each module is one area; `common` starts a service on SQLite or PostgreSQL and
//! makes one test per backend with `each_backend!`.

#[macro_use]
mod common;

mod archive;
mod audit;
mod audit_coverage;
mod authorisation;
mod backup;
mod binary_bodies;
mod console;
mod disk;
mod examples;
mod http_lifecycle;
mod http_signing;
mod mutual_recognition;
mod newcomer;
mod on_application;
mod outbox;
mod registry;
mod review;
mod revocation;
mod slow_clients;
mod structure;
mod transparency;
