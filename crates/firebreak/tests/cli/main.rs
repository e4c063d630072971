//! The `firebreak` binary, run for real in temporary data directories: one test binary for all
//! command-line behaviour, one module per concern.

mod bad_input;
mod check;
mod concurrency;
mod contain;
mod crash;
mod escapes;
mod evidence;
mod lifecycle;
mod logs;
mod notify;
mod report;
mod review;
mod runbook;
mod server;
mod support;
mod tamper;
