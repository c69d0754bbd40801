//! The pure core: no actix, no diesel, no clock, no I/O. Everything here is a function of
//! its arguments and the embedded reference data.

pub mod analytics;
pub mod case_status;
pub mod codes;
pub mod countries;
pub mod discordance;
pub mod fhir;
pub mod picture;
pub mod records;
pub mod referral;
pub mod summary;
pub mod tasks;
pub mod validation;
pub mod vocabulary;
pub mod vocabulary_r3;
