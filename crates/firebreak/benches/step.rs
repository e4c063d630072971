//! firebreak's cost per shell step: `bash --noprofile --norc -c true` spawned bare with
//! `std::process::Command::status`, next to the same script through `runner::shell::run` (own
//! process group, piped and captured output, reader threads, timeout watch). The difference
//! between the two is the runner's overhead.
//!
//! ```text
//! cargo bench -p firebreak --bench step
//! ```

use std::process::Command;
use std::time::Duration;

use criterion::Criterion;
use firebreak::runner::shell::{self, Step};

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut group = c.benchmark_group("step");
    group.bench_function("bare-command", |b| {
        b.iter(|| {
            Command::new("bash")
                .args(["--noprofile", "--norc", "-c", "true"])
                .status()
                .expect("bash runs")
        })
    });
    let step = Step {
        script: "true",
        args: &[],
        stdin: None,
        env: &[],
        cwd: None,
        timeout: Duration::from_secs(10),
        cancel: None,
    };
    group.bench_function("runner", |b| {
        b.iter(|| shell::run(&step, &mut |_, _| {}).expect("step runs"))
    });
    group.finish();
    c.final_summary();
}
