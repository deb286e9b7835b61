//! CPU time of the gasbench process, for "how much CPU did the harness spend per
//! transaction" (Linux: /proc/self/stat, in clock ticks of 10 ms; elsewhere unknown).

/// User + system CPU seconds of this process so far; `None` where /proc is missing.
pub fn process_cpu_seconds() -> Option<f64> {
    parse_stat(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

/// The same for another process (e.g. a `gasbench serve` a benchmark started).
pub fn process_cpu_seconds_of(pid: u32) -> Option<f64> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Fields 14 (utime) and 15 (stime) of a /proc/PID/stat line, in seconds (USER_HZ is
/// 100 on every Linux architecture gasbench runs on).
fn parse_stat(line: &str) -> Option<f64> {
    // The command name (field 2) may hold spaces: count fields after its closing ')'.
    let rest = &line[line.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utime_and_stime_after_the_command_name() {
        let line = "4242 (gas bench) R 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 9 0 100 1000 10";
        assert_eq!(parse_stat(line), Some(3.0));
    }

    #[test]
    fn the_process_cpu_time_grows_while_the_process_works() {
        let start = process_cpu_seconds().expect("/proc/self/stat is readable");
        // Work until the kernel's tick counter moves (10 ms per tick); bounded by a count.
        let mut x = 0u64;
        for i in 0..50_000_000_000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(i);
            if i % 1_000_000 == 0 && process_cpu_seconds().is_some_and(|s| s > start) {
                break;
            }
        }
        std::hint::black_box(x);
        assert!(process_cpu_seconds().is_some_and(|s| s > start), "still {start} s after the work");
    }
}
