//! The catalog: the one table of workload kinds. Each entry gives a kind's name, what
//! `gasbench workloads` says of it, its settings type, how to build its generator and its
//! contention facts; the scenario's `WorkloadSpec`, the listing, the contention dials and
//! the scenario parser's kinds all come from it. Adding a workload is one entry here plus
//! its generator file.

use serde::{Deserialize, Serialize};

use crate::{
    Generator, Pick, WorkloadError,
    amm_liquidity::{AmmLiquidity, AmmLiquiditySpec},
    amm_swap::{AmmSwap, AmmSwapSpec},
    erc20_transfer::{Erc20Transfer, Erc20TransferSpec},
    game::GameSpec,
    game_combine::GameCombine,
    game_move::GameMove,
    game_quest::{GameQuest, GameQuestSpec},
    lending::{Lending, LendingSpec},
    nft_mint::{NftMint, NftMintSpec},
    nft_trade::{NftTrade, NftTradeSpec},
    staking::{Staking, StakingSpec},
    transfer::{Transfer, TransferSpec},
};

/// One entry of the catalog, as `gasbench workloads` lists it.
#[derive(Debug, Clone, Copy)]
pub struct WorkloadInfo {
    /// The `kind` of a scenario's workload entry, and its label in reports and metrics.
    pub name: &'static str,
    pub description: &'static str,
    /// Its settings, as `gasbench workloads` shows them.
    pub dials: &'static str,
    /// The settings that pick the shared item each transaction touches (what
    /// `WorkloadSpec::set_pick` turns).
    pub pick_fields: &'static [&'static str],
    /// The setting that counts the shared items, if any (what `WorkloadSpec::set_items` turns).
    pub items_field: Option<&'static str>,
    /// Whether its inventory (items, listings) is allocated while planning, so the run
    /// needs a known number of transactions (open model, or closed with a count).
    pub needs_planned_count: bool,
}

/// A use of one kind's settings type itself rather than a value of it: deserializing a
/// workload entry's fields on their own, as the scenario parser does to locate an error
/// inside one. See [`visit_spec`].
pub trait SpecVisitor {
    type Output;
    fn visit<S: serde::de::DeserializeOwned>(self) -> Self::Output;
}

/// `Some` of the one token tree given, or `None`: an entry's optional fact.
macro_rules! some {
    () => {
        None
    };
    ($x:expr) => {
        Some($x)
    };
}

/// Writes out, from the table below, everything that enumerates the kinds.
macro_rules! kinds {
    ($(
        $variant:ident($spec:ty) {
            name: $name:literal,
            description: $description:expr,
            dials: $dials:expr,
            build: $build:expr,
            pick: [$($pick:ident),+],
            items: [$($items:ident)?],
            planned_count: $planned:literal $(,)?
        }
    ),+ $(,)?) => {
        /// Every workload gasbench can generate.
        pub const CATALOG: &[WorkloadInfo] = &[$(
            WorkloadInfo {
                name: $name,
                description: $description,
                dials: $dials,
                pick_fields: &[$(stringify!($pick)),+],
                items_field: some!($(stringify!($items))?),
                needs_planned_count: $planned,
            },
        )+];

        /// A workload entry of a scenario's mix: `{kind: amm_swap, weight: 3, ...}`.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind")]
        pub enum WorkloadSpec {
            $(#[serde(rename = $name)] $variant($spec),)+
        }

        impl WorkloadSpec {
            /// The catalog name.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => $name,)+
                }
            }

            /// Relative share in the mix.
            pub fn weight(&self) -> u32 {
                match self {
                    $(Self::$variant(s) => s.weight,)+
                }
            }

            /// Whether its inventory (items, listings) is allocated while planning, so the
            /// run needs a known number of transactions (open model, or closed with a count).
            pub fn needs_planned_count(&self) -> bool {
                match self {
                    $(Self::$variant(_) => $planned,)+
                }
            }

            /// Builds the generator for `accounts` generated accounts.
            pub fn build(&self, accounts: usize) -> Result<Box<dyn Generator>, WorkloadError> {
                Ok(match self {
                    $(Self::$variant(s) => Box::new(($build)(s, accounts)?),)+
                })
            }

            /// Its contention dials: the pick settings and the item count, if it has one.
            pub(crate) fn contention_mut(&mut self) -> (Vec<&mut Pick>, Option<&mut u32>) {
                match self {
                    $(Self::$variant(s) => (vec![$(&mut s.$pick),+], some!($(&mut s.$items)?)),)+
                }
            }
        }

        /// Runs `visitor` with the settings type of `kind`; `None` when no kind has that name.
        pub fn visit_spec<V: SpecVisitor>(kind: &str, visitor: V) -> Option<V::Output> {
            match kind {
                $($name => Some(visitor.visit::<$spec>()),)+
                _ => None,
            }
        }
    };
}

const POOLS: &str = "pools: N; pool_pick: uniform | zipf(S) | hot(RATIO[, SET_SIZE])";
const GAMES: &str = "games: N; game_pick";

kinds! {
    Transfer(TransferSpec) {
        name: "transfer",
        description: "native ETH transfers between generated accounts (21,000 gas each)",
        dials: "recipients: uniform | zipf(S) | hot(RATIO[, SET_SIZE]); value_wei",
        build: Transfer::new,
        pick: [recipients],
        items: [],
        planned_count: false,
    },
    Erc20Transfer(Erc20TransferSpec) {
        name: "erc20_transfer",
        description: "ERC-20 transfers between accounts that all hold the token (~34k gas)",
        dials: "tokens: N; token_pick; recipients; amount",
        build: Erc20Transfer::new,
        pick: [token_pick, recipients],
        items: [tokens],
        planned_count: false,
    },
    AmmSwap(AmmSwapSpec) {
        name: "amm_swap",
        description: "exact-input swaps through a constant-product AMM router (~80k gas)",
        dials: "pools: N; pool_pick; amount_in",
        build: AmmSwap::new,
        pick: [pool_pick],
        items: [pools],
        planned_count: false,
    },
    AmmLiquidity(AmmLiquiditySpec) {
        name: "amm_liquidity",
        description: "adding and removing AMM liquidity (LP tokens minted and burned)",
        dials: POOLS,
        build: AmmLiquidity::new,
        pick: [pool_pick],
        items: [pools],
        planned_count: false,
    },
    Lending(LendingSpec) {
        name: "lending",
        description: "deposit, borrow against collateral, repay; one interest index per pool",
        dials: POOLS,
        build: Lending::new,
        pick: [pool_pick],
        items: [pools],
        planned_count: false,
    },
    Staking(StakingSpec) {
        name: "staking",
        description: "stake, unstake, claim rewards; one reward accumulator per pool",
        dials: POOLS,
        build: Staking::new,
        pick: [pool_pick],
        items: [pools],
        planned_count: false,
    },
    NftMint(NftMintSpec) {
        name: "nft_mint",
        description: "open ERC-721 mints; each collection's counter is a hotspot",
        dials: "collections: N; collection_pick",
        build: NftMint::new,
        pick: [collection_pick],
        items: [collections],
        planned_count: false,
    },
    NftTrade(NftTradeSpec) {
        name: "nft_trade",
        description: "NFT market: list owned items, transfer them, buy stocked listings with ETH",
        dials: "collections: N; collection_pick; recipients; price_wei",
        build: NftTrade::new,
        pick: [collection_pick],
        items: [collections],
        planned_count: true,
    },
    GameMove(GameSpec) {
        name: "game_move",
        description: "players moving on a map, spending energy (own slot only)",
        dials: GAMES,
        build: GameMove::new,
        pick: [game_pick],
        items: [games],
        planned_count: false,
    },
    GameQuest(GameQuestSpec) {
        name: "game_quest",
        description: "quests paying experience and minted reward tokens (each world's token supply is shared)",
        dials: "games: N; game_pick; leaderboard: true (one shared slot)",
        build: GameQuest::new,
        pick: [game_pick],
        items: [games],
        planned_count: false,
    },
    GameCraft(GameSpec) {
        name: "game_craft",
        description: "crafting: burn two items, mint a better one",
        dials: GAMES,
        build: GameCombine::craft,
        pick: [game_pick],
        items: [games],
        planned_count: true,
    },
    GameBreed(GameSpec) {
        name: "game_breed",
        description: "breeding two items into a child item",
        dials: GAMES,
        build: GameCombine::breed,
        pick: [game_pick],
        items: [games],
        planned_count: true,
    },
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_catalog_entry_parses_as_a_spec_with_defaults_and_builds_its_own_generator() {
        for info in CATALOG {
            let spec: WorkloadSpec =
                serde_yaml::from_str(&format!("kind: {}", info.name)).unwrap_or_else(|e| panic!("{}: {e}", info.name));
            assert_eq!(spec.name(), info.name);
            assert_eq!(spec.needs_planned_count(), info.needs_planned_count, "{}", info.name);
            let generator = spec.build(10).unwrap_or_else(|e| panic!("{}: {e}", info.name));
            assert_eq!(generator.name(), info.name, "the generator labels its reports with its own kind");
            assert_eq!(serde_yaml::to_string(&spec).unwrap().lines().next(), Some(&*format!("kind: {}", info.name)));
        }
        let names: BTreeSet<&str> = CATALOG.iter().map(|w| w.name).collect();
        assert_eq!(names.len(), CATALOG.len(), "names are unique");
    }

    #[test]
    fn the_listing_shows_every_contention_dial() {
        for info in CATALOG {
            for field in info.pick_fields.iter().chain(&info.items_field) {
                assert!(info.dials.contains(field), "{}: `{}` omits {field}", info.name, info.dials);
            }
        }
    }

    /// docs/scenario.md, and its catalog section.
    fn scenario_doc() -> (String, String) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/scenario.md");
        let doc = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let start = doc.find("### The catalog").expect("docs/scenario.md has a `### The catalog` section");
        let end = doc[start + 1..].find("\n### ").map_or(doc.len(), |e| start + 1 + e);
        let catalog = doc[start..end].to_string();
        (doc, catalog)
    }

    /// The words in backticks of `text`.
    fn quoted(text: &str) -> BTreeSet<&str> {
        text.split('`').skip(1).step_by(2).collect()
    }

    #[test]
    fn the_scenario_docs_list_every_kind_with_its_contention_dials() {
        let (doc, catalog) = scenario_doc();
        let mut documented = BTreeSet::new();
        // The table's rows, after its header and separator lines.
        for row in catalog.lines().filter(|l| l.starts_with('|')).skip(2) {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let kind = cells[1].trim_matches('`');
            documented.insert(kind);
            let Some(info) = CATALOG.iter().find(|w| w.name == kind) else {
                panic!("docs/scenario.md documents `{kind}`, which the catalog does not have");
            };
            let fields = quoted(cells[3]);
            for field in info.pick_fields.iter().chain(&info.items_field) {
                assert!(fields.contains(field), "docs/scenario.md: the `{kind}` row's dials omit `{field}`");
            }
        }
        for info in CATALOG {
            assert!(
                documented.contains(info.name),
                "`{}` is in the catalog but not in docs/scenario.md's table",
                info.name
            );
        }
        // The paragraph on workloads that need a planned count names exactly those.
        let para = doc.split("\n\n").find(|p| p.contains("allocate items")).expect("the planned-count paragraph");
        let planned: BTreeSet<&str> = CATALOG.iter().filter(|w| w.needs_planned_count).map(|w| w.name).collect();
        assert_eq!(quoted(para).intersection(&documented).copied().collect::<BTreeSet<_>>(), planned, "{para}");
    }

    #[test]
    fn a_kinds_settings_type_is_visited_by_name() {
        struct Fields(serde_yaml::Value);
        impl SpecVisitor for Fields {
            type Output = Option<String>;
            fn visit<S: serde::de::DeserializeOwned>(self) -> Option<String> {
                serde_yaml::from_value::<S>(self.0).err().map(|e| e.to_string())
            }
        }
        let fields = |y: &str| Fields(serde_yaml::from_str(y).unwrap());
        assert_eq!(visit_spec("game_breed", fields("games: 2")), Some(None));
        let err = visit_spec("game_breed", fields("leaderboard: true")).unwrap().unwrap();
        assert!(err.contains("unknown field `leaderboard`"), "{err}");
        assert_eq!(visit_spec("game_quest", fields("leaderboard: true")), Some(None));
        assert!(visit_spec("game_bred", fields("games: 2")).is_none());
    }
}
