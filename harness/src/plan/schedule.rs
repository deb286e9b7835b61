//! Intended send times of the open model, from the rate profile.

use core::time::Duration;

/// Intended send offsets (ns) for a profile of (start, end, rate) segments: evenly
/// spaced at each segment's rate, the fractional remainder carried across segments.
pub fn intended_times(profile: &[(Duration, Duration, f64)]) -> Vec<u64> {
    let mut out = Vec::new();
    let mut carry = 0.0f64;
    for &(start, end, rate) in profile {
        if rate <= 0.0 {
            continue;
        }
        let span = (end - start).as_secs_f64();
        let exact = span * rate + carry;
        let n = exact.floor() as u64;
        carry = exact - n as f64;
        let step = 1e9 / rate;
        let base = start.as_nanos() as f64;
        out.extend((0..n).map(|k| (base + k as f64 * step) as u64));
    }
    out
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
}
