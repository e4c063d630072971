//! Integration tests of the log engine: one binary.
mod follow;
mod formats;
mod fuzz;
mod generate;
mod input;
mod rules;
mod triage;
