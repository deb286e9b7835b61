//! How busy the machine was with other work while the bench ran: parallel speedups on a
//! 2-core machine mean little if another process held a core, so the report says.
//! Linux only (`/proc`); elsewhere the figure is absent.

use std::time::Instant;

/// CPU time (all cores, and this process) in clock ticks.
fn ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu = stat.lines().next()?.split_whitespace().skip(1).map(|v| v.parse::<u64>().ok());
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
    let v: Vec<u64> = cpu.take(8).collect::<Option<_>>()?;
    let busy = v.iter().sum::<u64>() - v.get(3)? - v.get(4)?;
    let me = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command's closing parenthesis; utime and stime are 14th and 15th.
    let rest = me.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let mine = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some((busy, mine))
}

/// Runs `f`; also returns the cores other processes kept busy on average meanwhile.
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, Option<f64>) {
    let before = ticks();
    let start = Instant::now();
    let out = f();
    let secs = start.elapsed().as_secs_f64();
    let others = before.zip(ticks()).map(|((b0, m0), (b1, m1))| {
        // The kernel counts in USER_HZ, 100 per second on Linux.
        ((b1 - b0).saturating_sub(m1 - m0)) as f64 / 100.0 / secs
    });
    (out, others)
}
