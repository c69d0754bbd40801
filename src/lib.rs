//! Concord: second-opinion ingestion, discordance classification and patient summaries.
//!
//! `domain` is the pure core; `app` holds the use cases; `db`, `http`, `auth` and `events` are
//! the I/O shell around them.

pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod events;
pub mod http;
pub mod startup;
pub mod telemetry;
