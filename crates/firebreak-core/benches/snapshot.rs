//! Placeholder until the snapshot benchmark lands.
fn main() {}
