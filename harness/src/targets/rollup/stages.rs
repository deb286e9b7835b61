//! Latency stages of a rollup transaction, from its intended send time: unsafe (in an L2
//! block), safe (its batch's channel fully included on the L1), finalized (that L1 block
//! `finality_depth` blocks deep). HDR histograms in microseconds. Kept here until the
//! report's latency section is keyed by stage name.

use std::collections::{BTreeMap, HashMap};

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::plan::TxId;

/// The stages, in order.
pub const STAGES: [&str; 3] = ["unsafe", "safe", "finalized"];

/// One stage's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct StageFigures {
    /// Load transactions that reached the stage.
    pub count: u64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

/// Stage latencies of the load's transactions (the set-up's are left out).
#[derive(Debug)]
pub struct Stages {
    /// Where the load's clock starts on the target's clock (unknown before the load).
    origin_ns: Option<u64>,
    intended_ns: HashMap<TxId, u64>,
    hists: [Histogram<u64>; 3],
}

impl Default for Stages {
    fn default() -> Self {
        let h = || Histogram::new(3).expect("3 significant figures is valid");
        Self { origin_ns: None, intended_ns: HashMap::new(), hists: [h(), h(), h()] }
    }
}

impl Stages {
    pub fn load_started(&mut self, origin_ns: u64) {
        self.origin_ns = Some(origin_ns);
    }

    /// Notes a submitted transaction's intended send time (load clock), once the load runs.
    pub fn submitted(&mut self, id: TxId, intended_ns: u64) {
        if self.origin_ns.is_some() {
            self.intended_ns.insert(id, intended_ns);
        }
    }

    /// Records that `ids` reached stage `stage` (an index into [`STAGES`]) at `at_ns` on
    /// the target's clock.
    pub fn reached(&mut self, stage: usize, ids: &[TxId], at_ns: u64) {
        let Some(origin) = self.origin_ns else { return };
        let at = at_ns.saturating_sub(origin);
        for id in ids {
            if let Some(intended) = self.intended_ns.get(id) {
                let us = at.saturating_sub(*intended) / 1_000;
                self.hists[stage].saturating_record(us.max(1));
            }
        }
    }

    /// Load transactions noted so far.
    pub fn tracked(&self) -> u64 {
        self.intended_ns.len() as u64
    }

    pub fn figures(&self) -> BTreeMap<String, StageFigures> {
        STAGES
            .iter()
            .zip(&self.hists)
            .map(|(name, h)| {
                let f = StageFigures {
                    count: h.len(),
                    p50_us: h.value_at_quantile(0.5),
                    p90_us: h.value_at_quantile(0.9),
                    p99_us: h.value_at_quantile(0.99),
                    max_us: h.max(),
                };
                (name.to_string(), f)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_count_from_the_intended_time_on_the_load_clock() {
        let mut s = Stages::default();
        s.submitted(1, 0); // set-up: before the load, not tracked
        s.load_started(5_000_000_000);
        s.submitted(2, 1_000_000_000);
        s.reached(0, &[1, 2], 6_500_000_000);
        s.reached(1, &[2], 9_000_000_000);
        let f = s.figures();
        assert_eq!(f["unsafe"].count, 1);
        assert!((499_000..=501_000).contains(&f["unsafe"].p50_us), "{:?}", f["unsafe"]);
        assert!((2_990_000..=3_010_000).contains(&f["safe"].max_us), "{:?}", f["safe"]);
        assert_eq!(f["finalized"].count, 0);
    }
}
