//! Integration tests over HTTP against a real PostgreSQL. One binary, one module per area.

mod declared;
mod helpers;

mod access;
mod analytics;
mod cases;
mod characterisation;
mod cors;
mod crash;
mod discordance;
mod fhir;
mod foundation;
mod ingestion;
mod matrix;
mod paging;
mod scale;
mod sign_off;
mod summaries;
mod webhooks;
