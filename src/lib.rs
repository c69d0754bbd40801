//! Concord: second-opinion ingestion, discordance classification and patient summaries.

pub mod domain;
