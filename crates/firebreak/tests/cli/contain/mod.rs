//! Blocking addresses for real: Debian's nginx on loopback, refusals of what must never be
//! blocked, dry runs and expiry.

mod nginx;
mod refuse;
mod rotate;
mod server;
