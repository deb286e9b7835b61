//! Latency stages as data: a stage is a name (`submit`, `inclusion`, `safe`, ...), and the
//! recorder, the report, the table, the gates and the Prometheus export key their latency
//! figures by it, so a target that reports one more stage (a rollup's `safe`) adds no
//! field anywhere.

use std::{borrow::Cow, fmt};

use serde::{Deserialize, Serialize};

use super::hist::{Hist, new_hist, record};

/// A latency stage: from each transaction's intended send time to the moment it reached
/// the stage. Serialized as its name (the key in `latency.*`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Stage(Cow<'static, str>);

impl Stage {
    /// The target answered the submission (accepted it).
    pub const SUBMIT: Self = Self(Cow::Borrowed("submit"));
    /// A block holding it was seen, over included transactions only.
    pub const INCLUSION: Self = Self(Cow::Borrowed("inclusion"));
    /// `inclusion` over every transaction sent, the never-included ones at their timeout.
    pub const INCLUSION_ALL_SENT: Self = Self(Cow::Borrowed("inclusion_all_sent"));
    /// Its block became safe (a rollup's L2 block derivable from L1).
    pub const SAFE: Self = Self(Cow::Borrowed("safe"));
    /// Its block became final.
    pub const FINALIZED: Self = Self(Cow::Borrowed("finalized"));

    /// The stages every report holds, in pipeline order.
    pub const ALWAYS: [Self; 3] = [Self::SUBMIT, Self::INCLUSION, Self::INCLUSION_ALL_SENT];

    /// A stage by name (for a stage this file does not list).
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        Self(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Where the stage comes in a transaction's life, for views that list stages in
    /// that order (the table); unknown stages come last, by name.
    pub fn rank(&self) -> u8 {
        match self.as_str() {
            "submit" => 0,
            "inclusion" => 1,
            "inclusion_all_sent" => 2,
            "safe" => 3,
            "finalized" => 4,
            _ => 5,
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Latency histograms (microseconds) by stage; the stages a run has are few, so a small
/// list searched by name beats a map on the hot path.
#[derive(Debug, Clone)]
pub struct StageHists(Vec<(Stage, Hist)>);

impl Default for StageHists {
    /// The stages every report holds, empty.
    fn default() -> Self {
        Self(Stage::ALWAYS.into_iter().map(|s| (s, new_hist())).collect())
    }
}

impl StageHists {
    /// The histogram of `stage`, created empty on first use.
    pub fn entry(&mut self, stage: &Stage) -> &mut Hist {
        let i = match self.0.iter().position(|(s, _)| s == stage) {
            Some(i) => i,
            None => {
                self.0.push((stage.clone(), new_hist()));
                self.0.len() - 1
            }
        };
        &mut self.0[i].1
    }

    /// Records `us` at `stage`.
    pub fn record(&mut self, stage: &Stage, us: u64) {
        record(self.entry(stage), us);
    }

    pub fn get(&self, stage: &Stage) -> Option<&Hist> {
        self.0.iter().find(|(s, _)| s == stage).map(|(_, h)| h)
    }

    /// Every stage with its histogram, in the order they were first recorded.
    pub fn iter(&self) -> impl Iterator<Item = (&Stage, &Hist)> {
        self.0.iter().map(|(s, h)| (s, h))
    }

    /// Adds `other`'s histograms into these, stage by stage.
    pub fn add(&mut self, other: &Self) {
        for (stage, h) in other.iter() {
            let _ = self.entry(stage).add(h);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_its_name_and_reads_back_any_name() {
        assert_eq!(serde_json::to_string(&Stage::SAFE).unwrap(), "\"safe\"");
        let s: Stage = serde_json::from_str("\"l1_posted\"").unwrap();
        assert_eq!(s, Stage::new("l1_posted"));
        assert_eq!((s.rank(), Stage::SUBMIT.rank()), (5, 0));
    }

    #[test]
    fn a_new_stage_gets_its_own_histogram() {
        let mut h = StageHists::default();
        h.record(&Stage::SAFE, 5);
        h.record(&Stage::INCLUSION, 7);
        assert_eq!(h.get(&Stage::SAFE).unwrap().len(), 1);
        assert_eq!(h.get(&Stage::INCLUSION).unwrap().max(), 7);
        assert!(h.get(&Stage::FINALIZED).is_none());
        let names: Vec<_> = h.iter().map(|(s, _)| s.as_str().to_string()).collect();
        assert_eq!(names, ["submit", "inclusion", "inclusion_all_sent", "safe"]);
    }
}
