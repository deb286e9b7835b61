//! Which share of a scenario's load this run is: shard `index` of `count` runs of one
//! scenario at the same time, each with its own accounts and deployer (keys derived from
//! the seed and the index), so their nonces never collide and their reports merge
//! (`Report::merge`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shard {
    /// This run's place among the shards, from 0.
    pub index: u32,
    /// How many shards run the scenario.
    pub count: u32,
}

impl Default for Shard {
    /// The whole scenario: shard 0 of 1, whose keys are those of a scenario without shards.
    fn default() -> Self {
        Self { index: 0, count: 1 }
    }
}

impl Shard {
    /// Shard 0 of 1 (left out of a serialized scenario, so reports stay as they were).
    pub fn is_whole(&self) -> bool {
        *self == Self::default()
    }
}
