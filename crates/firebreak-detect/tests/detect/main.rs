//! Integration tests of the log engine: one binary.
