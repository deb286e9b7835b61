//! Noise-aware relative gates: when the report and its baseline both hold repetitions
//! (`run --repeat N`), a relative gate compares the two distributions, not two numbers.
//! The test: a 95% percentile-bootstrap confidence interval of the relative change of
//! the medians (both samples resampled with replacement, 4,000 times; as criterion
//! does for its change estimates). "regressed" when the whole interval lies beyond the
//! allowed change, "improved" when it lies wholly on the better side of zero, else
//! "within noise".

use serde::Serialize;

use super::parse::Change;
use crate::bench::stats::{Rng, median};

/// The test's name, as verdicts say it.
pub const TEST: &str = "bootstrap 95% CI of the relative change of medians";

const RESAMPLES: usize = 4_000;
/// Fixed: the same repetitions always give the same interval.
const SEED: u64 = 0x6761_7362_656e_6368;

/// Which way the figure moved, beyond the noise or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Movement {
    Regressed,
    Improved,
    WithinNoise,
}

impl Movement {
    pub fn words(self) -> &'static str {
        match self {
            Self::Regressed => "regressed",
            Self::Improved => "improved",
            Self::WithinNoise => "within noise",
        }
    }
}

/// A relative gate judged on repetitions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Noise {
    pub test: &'static str,
    pub movement: Movement,
    /// The relative change of the medians (report / baseline - 1) and its 95% interval.
    pub change: f64,
    pub change_low: f64,
    pub change_high: f64,
    pub median: f64,
    pub baseline_median: f64,
    pub repetitions: usize,
    pub baseline_repetitions: usize,
}

fn resample(v: &[f64], rng: &mut Rng) -> f64 {
    let s: Vec<f64> = (0..v.len()).map(|_| v[rng.below(v.len())]).collect();
    median(&s)
}

/// Judges `report` against `baseline` (each a figure's value per repetition, neither
/// empty, baseline median not 0) under `change`.
pub fn judge(report: &[f64], baseline: &[f64], change: Change) -> Noise {
    let mut rng = Rng::new(SEED);
    let mut changes: Vec<f64> = (0..RESAMPLES)
        .filter_map(|_| {
            let b = resample(baseline, &mut rng);
            let r = resample(report, &mut rng);
            (b != 0.0).then(|| r / b - 1.0)
        })
        .collect();
    changes.sort_by(f64::total_cmp);
    let at = |q: f64| changes.get(((changes.len().max(1) - 1) as f64 * q).round() as usize).copied().unwrap_or(0.0);
    let (low, high) = (at(0.025), at(0.975));
    let (m, bm) = (median(report), median(baseline));
    let movement = match change {
        // Higher is better: it may fall `percent`.
        Change::MayFall { percent } if high < -percent / 100.0 => Movement::Regressed,
        Change::MayFall { .. } if low > 0.0 => Movement::Improved,
        Change::MayRise { percent } if low > percent / 100.0 => Movement::Regressed,
        Change::MayRise { .. } if high < 0.0 => Movement::Improved,
        _ => Movement::WithinNoise,
    };
    Noise {
        test: TEST,
        movement,
        change: if bm != 0.0 { m / bm - 1.0 } else { 0.0 },
        change_low: low,
        change_high: high,
        median: m,
        baseline_median: bm,
        repetitions: report.len(),
        baseline_repetitions: baseline.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shift_beyond_the_spread_is_found_and_overlap_is_noise() {
        let base = [100.0, 104.0, 97.0, 101.0, 99.0];
        let rise = Change::MayRise { percent: 10.0 };
        let slow = judge(&[150.0, 160.0, 149.0, 155.0, 158.0], &base, rise);
        assert_eq!(slow.movement, Movement::Regressed, "{slow:?}");
        assert!(slow.change_low > 0.1 && slow.change_high < 0.7, "{slow:?}");
        let same = judge(&[103.0, 96.0, 100.0, 108.0, 98.0], &base, rise);
        assert_eq!(same.movement, Movement::WithinNoise, "{same:?}");
        assert!(same.change_low < 0.0 && same.change_high > 0.0, "{same:?}");
        let fast = judge(&[60.0, 62.0, 59.0, 61.0, 63.0], &base, rise);
        assert_eq!(fast.movement, Movement::Improved, "{fast:?}");
        // Higher is better: a fall within the allowed 5% is not a regression, even when real.
        let fall = judge(
            &[97.0, 97.5, 96.5, 97.2, 96.8],
            &[100.0, 100.2, 99.8, 100.1, 99.9],
            Change::MayFall { percent: 5.0 },
        );
        assert_eq!(fall.movement, Movement::WithinNoise, "{fall:?}");
    }
}
