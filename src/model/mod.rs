//! Wire types: the JSON shapes of the Django-CRM API as the bundled core serves them.
//!
//! Both the server and the client use these types, so a field renamed here is renamed on both
//! sides at once. Nothing in this module does I/O.

mod account;
mod auth;
mod common;
mod contact;
mod dashboard;
pub mod kinds;
pub mod record;

pub use account::*;
pub use auth::*;
pub use common::*;
pub use contact::*;
pub use dashboard::*;
