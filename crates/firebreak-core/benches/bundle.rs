//! Placeholder until the bundle benchmark lands.
fn main() {}
