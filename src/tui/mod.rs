//! The terminal UI: triage of CRM records in list, detail and thread (comments and attachments)
//! panes.
//!
//! Where things are:
//! - [`boot`] starts it (config, terminal, the session task) and [`runtime`] runs the event loop;
//! - [`app::App`] is the reducer: the state changes only through keys, pastes, answers
//!   ([`msg::Msg`]) and ticks, and work for the network or the disk leaves as [`msg::Cmd`]s;
//! - [`worker`] runs those commands in tasks and posts the answers back;
//! - [`ui`] draws the state (and changes nothing) and [`sanitize`] is the one door through which
//!   server text reaches the screen.
//!
//! Signing in (`crmtui login`/`logout`) and the start-up probe of a server live in
//! [`crate::signin`].
//!
//! No `unwrap`, no `panic!` and no function over 100 lines here: everything that comes from
//! outside becomes a message. (The whole tree does not pass these yet, so they are not in
//! `Cargo.toml`.)
#![warn(clippy::unwrap_used, clippy::panic, clippy::too_many_lines)]

pub mod app;
pub mod boot;
pub mod clipboard;
pub mod defaults;
pub mod editor;
pub mod export;
pub mod keymap;
pub mod msg;
pub mod offline;
pub mod overlay;
pub mod panes;
pub mod records;
pub mod requests;
pub mod runtime;
pub mod sanitize;
pub mod terminal;
pub mod theme;
pub mod ui;
pub mod ui_state;
pub mod window;
pub mod worker;

pub use crate::logging::{flush_logs, init_file_logging};
pub use boot::{DEFAULT_PAGE_SIZE, DEMO_ACCOUNTS, page_size, run, timeouts};
