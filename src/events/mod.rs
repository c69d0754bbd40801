//! Events for coordinator tools: the typed catalogue (written in the change's transaction by
//! the unit of work, `app::Tx::emit`), webhook signing and delivery.

pub mod catalogue;
pub mod links;
pub mod signing;
pub mod target;
pub mod worker;

pub use catalogue::Event;
pub use links::Links;
