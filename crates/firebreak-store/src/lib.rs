//! firebreak's storage: the events of every incident, the seals over their heads, the day
//! counters that make ids, and the listing projection — in one SQLite file (the default, zero
//! setup) or in PostgreSQL (for several server replicas).
//!
//! One implementation serves both through sqlx's `Any` driver; what differs between the two —
//! connection settings, how a write transaction takes its lock, the DDL — is confined to
//! [`backend`] and [`schema`]. Queries are built at run time with `$n` placeholders, so no
//! database is needed to compile.
//!
//! The store is deliberately unintelligent: it never decides whether a change is allowed, never
//! computes a hash or signs. It guarantees three things: an append lands only on the head the
//! caller read (compare-and-swap, so concurrent writers cannot fork a chain), an id number is
//! handed out once per day however many processes declare at the same instant, and a write that
//! returned `Ok` is on disk.

mod access;
pub mod backend;
mod error;
mod health;
pub mod projection;
mod rows;
pub mod schema;
mod sqlite;
mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use access::{FoundToken, SessionRow, Signed, TokenAudit, TokenHeadRow, TokenRow};
pub use backend::Backend;
pub use error::StoreError;
pub use health::WriteState;
pub use projection::ListFilter;
pub use rows::EventRow;
pub use store::{
    Attack, Batch, CounterRecovered, Loaded, OpenMode, RegistryRow, SealRow, Snapshot, Store,
};
