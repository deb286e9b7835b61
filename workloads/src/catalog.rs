//! The catalog: every workload's name, one-line description and scenario settings.

use serde::{Deserialize, Serialize};

use crate::{
    Generator, WorkloadError,
    amm_liquidity::{AmmLiquidity, AmmLiquiditySpec},
    amm_swap::{AmmSwap, AmmSwapSpec},
    erc20_transfer::{Erc20Transfer, Erc20TransferSpec},
    game_breed::{GameBreed, GameBreedSpec},
    game_craft::{GameCraft, GameCraftSpec},
    game_move::{GameMove, GameMoveSpec},
    game_quest::{GameQuest, GameQuestSpec},
    lending::{Lending, LendingSpec},
    nft_mint::{NftMint, NftMintSpec},
    nft_trade::{NftTrade, NftTradeSpec},
    staking::{Staking, StakingSpec},
    transfer::{Transfer, TransferSpec},
};

pub(crate) fn default_weight() -> u32 {
    1
}
pub(crate) fn one() -> u32 {
    1
}
/// 0.001 of an 18-decimal token.
pub(crate) fn small_amount() -> u64 {
    1_000_000_000_000_000
}
/// One 18-decimal token.
pub(crate) fn token_amount() -> u64 {
    1_000_000_000_000_000_000
}

pub(crate) fn need_accounts(accounts: usize, n: usize) -> Result<(), WorkloadError> {
    if accounts < n {
        return Err(WorkloadError::InvalidDial {
            field: "accounts.count",
            message: format!("this workload needs at least {n} accounts"),
        });
    }
    Ok(())
}

/// A count dial (`pools`, `tokens`, `collections`, `games`) must be at least 1.
pub(crate) fn at_least_one(n: u32, field: &'static str) -> Result<usize, WorkloadError> {
    if n == 0 {
        return Err(WorkloadError::InvalidDial { field, message: "must be at least 1".into() });
    }
    Ok(n as usize)
}

/// One entry of the catalog, as `gasbench workloads` lists it.
#[derive(Debug, Clone, Copy)]
pub struct WorkloadInfo {
    pub name: &'static str,
    pub description: &'static str,
    pub dials: &'static str,
}

const POOLS: &str = "pools: N; pool_pick: uniform | zipf(S) | hot(RATIO[, SET_SIZE])";

/// Every workload gasbench can generate.
pub const CATALOG: &[WorkloadInfo] = &[
    WorkloadInfo {
        name: "transfer",
        description: "native ETH transfers between generated accounts (21,000 gas each)",
        dials: "recipients: uniform | zipf(S) | hot(RATIO[, SET_SIZE]); value_wei",
    },
    WorkloadInfo {
        name: "erc20_transfer",
        description: "ERC-20 transfers between accounts that all hold the token (~34k gas)",
        dials: "tokens: N; token_pick; recipients; amount",
    },
    WorkloadInfo {
        name: "amm_swap",
        description: "exact-input swaps through a constant-product AMM router (~80k gas)",
        dials: "pools: N; pool_pick; amount_in",
    },
    WorkloadInfo {
        name: "amm_liquidity",
        description: "adding and removing AMM liquidity (LP tokens minted and burned)",
        dials: POOLS,
    },
    WorkloadInfo {
        name: "lending",
        description: "deposit, borrow against collateral, repay; one interest index per pool",
        dials: POOLS,
    },
    WorkloadInfo {
        name: "staking",
        description: "stake, unstake, claim rewards; one reward accumulator per pool",
        dials: POOLS,
    },
    WorkloadInfo {
        name: "nft_mint",
        description: "open ERC-721 mints; each collection's counter is a hotspot",
        dials: "collections: N; collection_pick",
    },
    WorkloadInfo {
        name: "nft_trade",
        description: "NFT market: list owned items, transfer them, buy stocked listings with ETH",
        dials: "collections: N; collection_pick; recipients; price_wei",
    },
    WorkloadInfo {
        name: "game_move",
        description: "players moving on a map, spending energy (own slot only)",
        dials: "games: N; game_pick",
    },
    WorkloadInfo {
        name: "game_quest",
        description: "quests paying experience and minted reward tokens (each world's token supply is shared)",
        dials: "games: N; game_pick; leaderboard: true (one shared slot)",
    },
    WorkloadInfo {
        name: "game_craft",
        description: "crafting: burn two items, mint a better one",
        dials: "games: N; game_pick",
    },
    WorkloadInfo {
        name: "game_breed",
        description: "breeding two items into a child item",
        dials: "games: N; game_pick",
    },
];

/// A workload entry of a scenario's mix: `{kind: amm_swap, weight: 3, ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WorkloadSpec {
    Transfer(TransferSpec),
    #[serde(rename = "erc20_transfer")]
    Erc20Transfer(Erc20TransferSpec),
    AmmSwap(AmmSwapSpec),
    AmmLiquidity(AmmLiquiditySpec),
    Lending(LendingSpec),
    Staking(StakingSpec),
    NftMint(NftMintSpec),
    NftTrade(NftTradeSpec),
    GameMove(GameMoveSpec),
    GameQuest(GameQuestSpec),
    GameCraft(GameCraftSpec),
    GameBreed(GameBreedSpec),
}

/// Calls `$f` on the spec inside any variant.
macro_rules! each {
    ($self:expr, $s:ident => $e:expr) => {
        match $self {
            WorkloadSpec::Transfer($s) => $e,
            WorkloadSpec::Erc20Transfer($s) => $e,
            WorkloadSpec::AmmSwap($s) => $e,
            WorkloadSpec::AmmLiquidity($s) => $e,
            WorkloadSpec::Lending($s) => $e,
            WorkloadSpec::Staking($s) => $e,
            WorkloadSpec::NftMint($s) => $e,
            WorkloadSpec::NftTrade($s) => $e,
            WorkloadSpec::GameMove($s) => $e,
            WorkloadSpec::GameQuest($s) => $e,
            WorkloadSpec::GameCraft($s) => $e,
            WorkloadSpec::GameBreed($s) => $e,
        }
    };
}

impl WorkloadSpec {
    /// The catalog name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Transfer(_) => "transfer",
            Self::Erc20Transfer(_) => "erc20_transfer",
            Self::AmmSwap(_) => "amm_swap",
            Self::AmmLiquidity(_) => "amm_liquidity",
            Self::Lending(_) => "lending",
            Self::Staking(_) => "staking",
            Self::NftMint(_) => "nft_mint",
            Self::NftTrade(_) => "nft_trade",
            Self::GameMove(_) => "game_move",
            Self::GameQuest(_) => "game_quest",
            Self::GameCraft(_) => "game_craft",
            Self::GameBreed(_) => "game_breed",
        }
    }

    /// Relative share in the mix.
    pub fn weight(&self) -> u32 {
        each!(self, s => s.weight)
    }

    /// Whether its inventory (items, listings) is allocated while planning, so the run
    /// needs a known number of transactions (open model, or closed with a count).
    pub fn needs_planned_count(&self) -> bool {
        matches!(self, Self::NftTrade(_) | Self::GameCraft(_) | Self::GameBreed(_))
    }

    /// Builds the generator for `accounts` generated accounts.
    pub fn build(&self, accounts: usize) -> Result<Box<dyn Generator>, WorkloadError> {
        Ok(match self {
            Self::Transfer(s) => Box::new(Transfer::new(s, accounts)?),
            Self::Erc20Transfer(s) => Box::new(Erc20Transfer::new(s, accounts)?),
            Self::AmmSwap(s) => Box::new(AmmSwap::new(s, accounts)?),
            Self::AmmLiquidity(s) => Box::new(AmmLiquidity::new(s, accounts)?),
            Self::Lending(s) => Box::new(Lending::new(s, accounts)?),
            Self::Staking(s) => Box::new(Staking::new(s, accounts)?),
            Self::NftMint(s) => Box::new(NftMint::new(s, accounts)?),
            Self::NftTrade(s) => Box::new(NftTrade::new(s, accounts)?),
            Self::GameMove(s) => Box::new(GameMove::new(s, accounts)?),
            Self::GameQuest(s) => Box::new(GameQuest::new(s, accounts)?),
            Self::GameCraft(s) => Box::new(GameCraft::new(s, accounts)?),
            Self::GameBreed(s) => Box::new(GameBreed::new(s, accounts)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_entry_parses_as_a_spec_with_defaults() {
        for info in CATALOG {
            let spec: WorkloadSpec =
                serde_yaml::from_str(&format!("kind: {}", info.name)).unwrap_or_else(|e| panic!("{}: {e}", info.name));
            assert_eq!(spec.name(), info.name);
            assert!(spec.build(10).is_ok(), "{}", info.name);
        }
        assert_eq!(CATALOG.len(), 12);
    }
}
