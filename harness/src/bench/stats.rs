//! Statistics of repeated measurements: medians, spreads and a bootstrap confidence
//! interval of a median, with a small seeded generator so a bench's figures are
//! reproducible from its seed.

/// The median of `v` (not empty).
pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 { s[n / 2] } else { (s[n / 2 - 1] + s[n / 2]) / 2.0 }
}

/// (max - min) / median, in percent.
pub fn spread_pct(v: &[f64]) -> f64 {
    let (lo, hi) = v.iter().fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
    (hi - lo) / median(v) * 100.0
}

/// SplitMix64: a tiny, well-mixed generator; enough to shuffle and resample.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Fisher-Yates.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

/// Resamples drawn for a bootstrap interval.
const RESAMPLES: usize = 4_000;

/// The 95% percentile-bootstrap confidence interval of the median of `v` (not empty):
/// `v` resampled with replacement, the median of each resample, and the 2.5th and
/// 97.5th percentiles of those medians. With few samples the interval is wide and
/// coarse (it can only take values of `v`): honest about what a short bench knows.
pub fn bootstrap_median_ci(v: &[f64], rng: &mut Rng) -> (f64, f64) {
    let mut medians: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            let sample: Vec<f64> = (0..v.len()).map(|_| v[rng.below(v.len())]).collect();
            median(&sample)
        })
        .collect();
    medians.sort_by(f64::total_cmp);
    let at = |q: f64| medians[((RESAMPLES - 1) as f64 * q).round() as usize];
    (at(0.025), at(0.975))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_holds_the_median_and_narrows_with_agreeing_samples() {
        let mut rng = Rng::new(7);
        let noisy = [0.8, 1.3, 0.9, 1.6, 1.0, 1.2, 0.7];
        let (lo, hi) = bootstrap_median_ci(&noisy, &mut rng);
        assert!(lo <= median(&noisy) && median(&noisy) <= hi, "{lo} {hi}");
        assert!(lo > 0.7 - 1e-9 && hi < 1.6 + 1e-9);
        let tight = [1.00, 1.01, 0.99, 1.00, 1.02, 1.00, 0.99];
        let (tlo, thi) = bootstrap_median_ci(&tight, &mut rng);
        assert!(thi - tlo < (hi - lo) / 5.0, "{tlo}..{thi} against {lo}..{hi}");
        assert_eq!(bootstrap_median_ci(&[2.0], &mut rng), (2.0, 2.0));
    }

    #[test]
    fn a_shuffle_is_a_permutation_and_follows_the_seed() {
        let mut a: Vec<u32> = (0..10).collect();
        Rng::new(1).shuffle(&mut a);
        let mut b: Vec<u32> = (0..10).collect();
        Rng::new(1).shuffle(&mut b);
        assert_eq!(a, b);
        assert_ne!(a, (0..10).collect::<Vec<_>>(), "seed 1 moves something");
        a.sort();
        assert_eq!(a, (0..10).collect::<Vec<_>>());
    }
}
