//! Detection rules: YAML files that say which log lines matter, how to count them per key in
//! sliding windows, and what to do when they add up; the [`Engine`] that runs them over
//! records; and the test cases each file carries ([`test`](mod@test)). This module owns the rule
//! language and its state. It does not parse log lines ([`crate::format`]), read files
//! ([`crate::input`]) or turn findings into incidents (the binary does).
//!
//! The user guide with worked examples is `docs/rules.md`; the shipped rules are
//! `rules/*.yaml`, embedded at build time (adding a file there needs no code change).
//!
//! # Grammar
//!
//! A rule file is one YAML document. Mapping keys are exact; unknown keys are errors.
//! `[ x ]` is optional, `x*` any number, `x+` one or more, `a | b` either.
//!
//! ```text
//! file        ::= { rules: [ rule+ ], [ tests: [ case* ] ] }
//!
//! rule        ::= { id: ID, title: TEXT, severity: SEVERITY,
//!                   [ description: TEXT ], [ tags: [ TEXT* ] ], [ runbook: NAME ],
//!                   [ format: FORMAT ], [ match: condition ], [ group-by: FIELDS ],
//!                   [ counting ], [ dedup: DURATION ], [ max-keys: INT ] }
//! counting    ::= threshold: { count: INT, window: DURATION }
//!               | distinct:  { field: FIELD, count: INT, window: DURATION }
//!               | sum:       { field: FIELD, over: NUMBER, window: DURATION }
//!               | sequence:  { first: { match: condition, [ at-least: INT ] },
//!                              then:  { match: condition },
//!                              within: DURATION }
//!                 (at most one; none means every matching line is a finding)
//!
//! condition   ::= { entry+ }                       (all entries must hold)
//! entry       ::= FIELD: tests
//!               | all: [ condition+ ]              (every one holds)
//!               | any: [ condition+ ]              (at least one holds)
//!               | not: condition
//! tests       ::= { test+ }                        (all must hold)
//!               | SCALAR                           (same as { equals: SCALAR })
//!               | [ SCALAR+ ]                      (same as { in: [ … ] })
//! test        ::= equals: SCALAR
//!               | in: [ SCALAR+ ]
//!               | prefix: TEXTS                    (case-sensitive)
//!               | contains-any: TEXTS              (ignores case; @scanners, @scripts,
//!                                                   @crawlers name the shipped agent lists)
//!               | regex: REGEX                     (anywhere in the value)
//!               | cidr: TEXTS                      (10.0.0.0/8, 2001:db8::/32, one address)
//!               | gt: NUMBER | ge: NUMBER | lt: NUMBER | le: NUMBER
//!               | between: [ NUMBER, NUMBER ]      (both ends included)
//!               | present: BOOL                    (whether the line has the field)
//!
//! case        ::= { name: TEXT, [ format: FORMAT ], lines: lines, [ expect: [ expected* ] ] }
//! lines       ::= TEXT                             (one log line per text line)
//!               | [ ( TEXT | { line: TEXT, [ repeat: INT ] } )+ ]
//!                                                  ({n} in a repeated line is 1, 2, …)
//! expected    ::= { rule: ID, [ key: { FIELD: SCALAR* } ], [ count: INT ], [ at-least: INT ] }
//!
//! FIELDS      ::= FIELD | [ FIELD+ ]               (at most 8)
//! FIELD       ::= time | client | addr | remote_addr | ip | method | path | protocol
//!               | status | bytes | referer | agent | user_agent | user | request_time
//!               | upstream_time | forwarded_for | host | program | message | event
//!               | auth_method | extra.NAME
//! TEXTS       ::= TEXT | [ TEXT+ ]
//! ID          ::= [a-z0-9][a-z0-9._-]*             (at most 100 characters)
//! NAME        ::= [a-z0-9-]+                       (a runbook: connection-flood, …)
//! SEVERITY    ::= P1 | P2 | P3 | P4
//! FORMAT      ::= combined | common | syslog | json | …   (as `--format` takes it)
//! DURATION    ::= ( INT ( s | m | h | d ) )+       (1m, 1h30m; at most 30d)
//! NUMBER      ::= DECIMAL [ B | KB | MB | GB | TB | KiB | MiB | GiB | TiB ]
//! INT         ::= 1 … 1000000                      (max-keys: up to 10000000)
//! ```
//!
//! # Meaning
//!
//! - Numbers compare as numbers (`status`, `bytes`, `time`, `request_time`,
//!   `upstream_time`; an `extra.` field when its text is a number); `client` compares as an
//!   address; `event` takes the names `ssh_failed`, `ssh_accepted`, `ssh_invalid_user`,
//!   `ssh_disconnected`, `ssh_key_failed`, `ssh_refused`,
//!   `ssh_max_attempts`, `ssh_preauth`, `sudo_command`, `sudo_failed`. A test on a field the line lacks is
//!   false (so `not` of it is true), except `present: false`. Regexes match bytes, with ASCII
//!   classes and case folding unless the pattern turns Unicode on with `(?u)`.
//! - The key is the `group-by` values; a line lacking one of them does not count. Without
//!   `group-by` all lines count together.
//! - Windows slide with the lines' own times, to the second: a line at `t` is inside a window
//!   `w` at time `now` while `now - t < w`. A line without a time counts at the last time
//!   seen. `threshold` fires at `count` lines; `distinct` at `count` different values of its
//!   field; `sum` when the total exceeds `over`; `sequence` when a `then` line comes with at
//!   least `at-least` `first` lines within `within` before it (a `then` line ends the
//!   sequence whether it fired or not; a line meeting both steps is a `first` line). A
//!   sequence's `match`, if any, must hold for both steps.
//! - After a finding, the same rule and key raise no other finding for `dedup` (default
//!   `1h`; `0s` raises one per firing line), and the finding's count keeps growing with each
//!   counted line in that time.
//! - Each rule tracks at most `max-keys` keys (default 100000); past that, the least
//!   recently active are dropped and counted in [`Stats`].

mod builder;
mod condition;
mod config;
mod definition;
mod diagnostic;
mod engine;
mod fields;
mod finding;
mod gate;
mod hits;
mod key;
mod set;
mod sieve;
mod sieve_gate;
mod state;
pub mod test;
mod units;
mod window;

pub use condition::Scratch;
pub use config::{
    ConditionConfig, ConditionEntry, DistinctConfig, ExpectConfig, FieldTestConfig, FieldTestInput,
    FileConfig, KeyConfig, LinePiece, LinesConfig, RepeatConfig, RuleConfig, SequenceConfig,
    StepConfig, SumConfig, TestCaseConfig, Texts, ThresholdConfig,
};
pub use definition::{Counting, DEFAULT_DEDUP, DEFAULT_MAX_KEYS, Rule, Severity, Step};
pub use diagnostic::{Diagnostic, LoadError};
pub use engine::{Engine, MAX_FINDINGS, RuleStats, Stats};
pub use finding::{Counted, Finding, MAX_SAMPLE_BYTES, MAX_SAMPLES, Sample};
pub use hits::{Hits, Matcher};
pub use set::RuleSet;
