//! The `firebreak` binary's library half: the command-line interface ([`cli`]), the settings it
//! resolves ([`settings`]), and the incident service ([`service`]) that joins the domain
//! (`firebreak-core`) to storage (`firebreak-store`). The HTTP server ([`server`]) drives the same
//! service, so neither the CLI nor the API reimplements what the service does.

pub mod check;
pub mod cli;
pub mod collect;
pub mod contain;
pub mod notify;
pub mod output;
pub mod report;
pub mod runner;
pub mod server;
pub mod service;
pub mod settings;
