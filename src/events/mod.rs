//! Events for coordinator tools: the transactional outbox, webhook signing and delivery.

pub mod outbox;
pub mod signing;
pub mod target;
pub mod worker;
