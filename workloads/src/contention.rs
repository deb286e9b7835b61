//! Turning a workload's contention dials from outside (the executor bench's sweep, the
//! parallel executor's property tests): how many shared items it spreads over, and
//! how it picks among them.

use crate::{Pick, WorkloadSpec};

impl WorkloadSpec {
    /// Sets the pick dial that decides conflicts: the pool, token recipient, collection
    /// or game each transaction touches (native transfers: the recipient).
    pub fn set_pick(&mut self, pick: Pick) {
        match self {
            Self::Transfer(s) => s.recipients = pick,
            Self::Erc20Transfer(s) => {
                s.token_pick = pick;
                s.recipients = pick;
            }
            Self::AmmSwap(s) => s.pool_pick = pick,
            Self::AmmLiquidity(s) => s.pool_pick = pick,
            Self::Lending(s) => s.pool_pick = pick,
            Self::Staking(s) => s.pool_pick = pick,
            Self::NftMint(s) => s.collection_pick = pick,
            Self::NftTrade(s) => s.collection_pick = pick,
            Self::GameMove(s) => s.game_pick = pick,
            Self::GameQuest(s) => s.game_pick = pick,
            Self::GameCraft(s) => s.game_pick = pick,
            Self::GameBreed(s) => s.game_pick = pick,
        }
    }

    /// Sets the number of shared items (pools, tokens, collections, games); native
    /// transfers have none and are left as they are.
    pub fn set_items(&mut self, n: u32) {
        match self {
            Self::Transfer(_) => {}
            Self::Erc20Transfer(s) => s.tokens = n,
            Self::AmmSwap(s) => s.pools = n,
            Self::AmmLiquidity(s) => s.pools = n,
            Self::Lending(s) => s.pools = n,
            Self::Staking(s) => s.pools = n,
            Self::NftMint(s) => s.collections = n,
            Self::NftTrade(s) => s.collections = n,
            Self::GameMove(s) => s.games = n,
            Self::GameQuest(s) => s.games = n,
            Self::GameCraft(s) => s.games = n,
            Self::GameBreed(s) => s.games = n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dials_land_in_each_workloads_own_fields() {
        let hot = Pick::Hot { ratio: 1.0, set_size: 1 };
        for info in crate::CATALOG {
            let mut w: WorkloadSpec = serde_yaml::from_str(&format!("kind: {}", info.name)).unwrap();
            w.set_pick(hot);
            w.set_items(3);
            let yaml = serde_yaml::to_string(&w).unwrap();
            assert!(yaml.contains("hot(1, 1)"), "{}: {yaml}", info.name);
            if info.name != "transfer" {
                assert!(yaml.contains(": 3\n"), "{}: {yaml}", info.name);
            }
        }
    }
}
