//! The clock of the core's benchmarks (`bench_micro`, `bench_jwe`): CPU time of the calling
//! thread, not wall time, so that the other builds sharing the machine do not inflate a
//! contender's figure (every language's harness here measures its thread's or process's CPU
//! time).

use std::time::Duration;

/// CPU time of this thread (ns): the first field of /proc/thread-self/schedstat.
pub fn cpu_ns() -> u64 {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").expect("schedstat");
    text.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("schedstat CPU time")
}

/// µs of CPU per call of `f` over at least `span` of CPU time, calling it `batch` times between
/// two readings of the clock (reading it costs a file read: a batch keeps that out of cheap calls).
pub fn measure(f: &mut dyn FnMut(), span: Duration, batch: u32) -> f64 {
    let start = cpu_ns();
    let span = u64::try_from(span.as_nanos()).expect("span");
    let mut count = 0u32;
    loop {
        for _ in 0..batch {
            f();
        }
        count += batch;
        let elapsed = cpu_ns() - start;
        if elapsed >= span {
            return elapsed as f64 / 1e3 / f64::from(count);
        }
    }
}
