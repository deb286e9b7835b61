//! Noise-aware comparison of two reports that both hold repetitions (`run --repeat N`):
//! each ratio figure's change judged by the same bootstrap as relative gates
//! (`gate::noise`), with no allowed change: "regressed" or "improved" when the whole
//! 95% interval lies on one side of zero, else "within noise".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::RATIO_FIGURES;
use crate::report::{
    Report,
    gate::{
        Change,
        figures::{self, Better},
        noise::{self, Movement},
    },
};

pub use crate::report::gate::noise::TEST;

/// One figure of one entry against the first, over their repetitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shift {
    /// `regressed`, `improved` or `within_noise`, by the figure's better direction.
    pub movement: Movement,
    /// The relative change of the medians (this / first - 1) and its 95% interval.
    pub change: f64,
    pub change_low: f64,
    pub change_high: f64,
    pub repetitions: usize,
    pub first_repetitions: usize,
}

impl Shift {
    /// `+12.0% [+8.1%, +15.3%] regressed`.
    pub fn words(&self) -> String {
        let pct = |v: f64| format!("{:+.1}%", v * 100.0);
        format!("{} [{}, {}] {}", pct(self.change), pct(self.change_low), pct(self.change_high), self.movement.words())
    }
}

/// `name`'s value in each repetition of `r`, when there are at least two and each has it.
fn values(r: &Report, name: &str) -> Option<Vec<f64>> {
    let v: Vec<f64> = r.repetitions.iter().filter_map(|rep| rep.figures.get(name).copied()).collect();
    (v.len() >= 2 && v.len() == r.repetitions.len()).then_some(v)
}

/// Every ratio figure of `b` against `first` that both define in every repetition.
pub fn shifts(first: &Report, b: &Report) -> BTreeMap<String, Shift> {
    let mut out = BTreeMap::new();
    for name in RATIO_FIGURES {
        let (Some(base), Some(this)) = (values(first, name), values(b, name)) else { continue };
        if crate::bench::stats::median(&base) == 0.0 {
            continue;
        }
        // No allowed change: any move beyond the interval counts, in the worse direction.
        let change = match figures::resolve(name).map_or(Better::Neither, |f| f.figure.better) {
            Better::Lower => Change::MayRise { percent: 0.0 },
            _ => Change::MayFall { percent: 0.0 },
        };
        let n = noise::judge(&this, &base, change);
        out.insert(
            (*name).to_string(),
            Shift {
                movement: n.movement,
                change: n.change,
                change_low: n.change_low,
                change_high: n.change_high,
                repetitions: n.repetitions,
                first_repetitions: n.baseline_repetitions,
            },
        );
    }
    out
}
