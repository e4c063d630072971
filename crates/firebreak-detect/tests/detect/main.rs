//! Integration tests of the log engine: one binary.
mod attribution;
mod corpus;
mod follow;
mod formats;
mod fuzz;
mod generate;
mod input;
mod rules;
mod triage;
