//! Events for coordinator tools: the typed catalogue, the transactional outbox, webhook
//! signing and delivery.

pub mod catalogue;
pub mod links;
pub mod outbox;
pub mod signing;
pub mod target;
pub mod worker;

pub use catalogue::Event;
pub use links::Links;
