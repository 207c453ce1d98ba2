#![doc = include_str!("../README.md")]

pub mod outbox;
pub mod registry;
