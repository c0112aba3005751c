//! crmtui: a terminal client for Django-CRM and the bundled API core it runs on.
//!
//! Dependencies point one way: `tui -> client -> model <- server`. The model holds the wire
//! types; the server (the bundled core) and the client (HTTP) both speak them.
#![forbid(unsafe_code)]

pub mod cli;
pub mod client;
pub mod config;
pub mod logging;
pub mod model;
pub mod script;
pub mod server;
pub mod signin;
pub mod tui;
