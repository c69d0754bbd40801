//! Concord: second-opinion ingestion, discordance classification and patient summaries.
//!
//! `domain` is the pure core; `db`, `http`, `auth` and `events` are the I/O shell around it.

pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod events;
pub mod http;
pub mod startup;
pub mod telemetry;
