//! Running runbooks. At the bottom, [`shell`] runs one shell step (its own process group,
//! parameters in the environment, a timeout that kills the whole group, output streamed and
//! captured) and [`mask`] masks secrets in what it prints, including secrets split across output
//! chunks; neither knows about runbooks. [`carry`] hands variables from one step's shell to the
//! next; [`failure_text`] notices output that reports a failure its exit status does not. The
//! other modules decide which steps run, with what
//! parameters, and where their results are recorded.

pub mod ask;
pub mod carry;
pub mod execute;
pub mod failure_text;
pub mod interrupt;
pub mod library;
pub mod mask;
pub mod params;
pub mod plan;
pub mod practice;
pub mod record;
pub mod shell;
pub mod suggest;
