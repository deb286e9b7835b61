//! Intended send times of the open model, from the rate profile: computed one at a time
//! (a soak's hours of load never exist as a list), or counted up to an instant.

use core::time::Duration;

/// The open model's intended send times for a profile of (start, end, rate) segments:
/// evenly spaced at each segment's rate, the fractional remainder carried across
/// segments. Cheap to clone; iterating yields offsets in ns since the load's start.
#[derive(Debug, Clone)]
pub struct Schedule {
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    base_ns: f64,
    step_ns: f64,
    count: u64,
}

impl Schedule {
    pub fn new(profile: &[(Duration, Duration, f64)]) -> Self {
        let mut segments = Vec::new();
        let mut carry = 0.0f64;
        for &(start, end, rate) in profile {
            if rate <= 0.0 {
                continue;
            }
            let exact = (end - start).as_secs_f64() * rate + carry;
            let count = exact.floor() as u64;
            carry = exact - count as f64;
            segments.push(Segment { base_ns: start.as_nanos() as f64, step_ns: 1e9 / rate, count });
        }
        Self { segments }
    }

    /// Transactions in the schedule.
    pub fn len(&self) -> u64 {
        self.segments.iter().map(|s| s.count).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Intended times, in order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + Send + '_ {
        self.segments.iter().flat_map(|s| (0..s.count).map(move |k| (s.base_ns + k as f64 * s.step_ns) as u64))
    }

    /// The same, owning the schedule (for a signer thread).
    pub fn into_iter_owned(self) -> impl Iterator<Item = u64> + Send {
        self.segments.into_iter().flat_map(|s| (0..s.count).map(move |k| (s.base_ns + k as f64 * s.step_ns) as u64))
    }

    /// How many intended times are at or before `ns` (what was offered so far).
    pub fn count_until(&self, ns: u64) -> u64 {
        let mut n = 0;
        for s in &self.segments {
            let at = |k: u64| (s.base_ns + k as f64 * s.step_ns) as u64;
            if s.count == 0 || at(0) > ns {
                break;
            }
            // An estimate, then settled against the very times `iter` yields.
            let mut k = (((ns as f64 - s.base_ns) / s.step_ns).floor().max(0.0) as u64 + 1).min(s.count);
            while k < s.count && at(k) <= ns {
                k += 1;
            }
            while k > 0 && at(k - 1) > ns {
                k -= 1;
            }
            n += k;
        }
        n
    }

    /// How many intended times fall in `[from_ns, to_ns)`.
    pub fn count_between(&self, from_ns: u64, to_ns: u64) -> u64 {
        let before = |ns: u64| if ns == 0 { 0 } else { self.count_until(ns - 1) };
        before(to_ns).saturating_sub(before(from_ns))
    }
}

/// Every intended time of `profile`, as a list (short runs and tests).
pub fn intended_times(profile: &[(Duration, Duration, f64)]) -> Vec<u64> {
    Schedule::new(profile).iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_and_staged_profiles() {
        let s = |x| Duration::from_secs(x);
        let t = intended_times(&[(s(0), s(2), 1000.0)]);
        assert_eq!(t.len(), 2000);
        assert_eq!(t[1] - t[0], 1_000_000);
        let t = intended_times(&[(s(0), s(1), 10.0), (s(1), s(2), 0.0), (s(2), s(3), 100.0)]);
        assert_eq!(t.len(), 110);
        assert!(t[10] >= 2_000_000_000, "nothing is sent during the pause");
        assert!(t.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn counts_agree_with_the_list() {
        let s = |x| Duration::from_millis(x);
        let profile = [(s(0), s(1500), 333.0), (s(1500), s(2000), 0.0), (s(2000), s(4000), 1234.5)];
        let sched = Schedule::new(&profile);
        let list = intended_times(&profile);
        assert_eq!(sched.len(), list.len() as u64);
        for ns in [0, 1, 2_999_999, 3_003_003, 1_499_000_000, 1_700_000_000, 2_000_000_000, 3_999_999_999, u64::MAX / 2]
        {
            assert_eq!(sched.count_until(ns), list.iter().filter(|&&t| t <= ns).count() as u64, "at {ns}");
        }
        let (a, b) = (500_000_000, 2_500_000_000);
        assert_eq!(sched.count_between(a, b), list.iter().filter(|&&t| (a..b).contains(&t)).count() as u64);
    }
}
