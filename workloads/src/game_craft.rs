//! `game_craft`: players crafting two of their items into a better one (the game burns
//! the two and mints the new one). Inputs are allocated while planning and minted in the
//! set-up; the item collection's counters are shared by every craft of a world.

use alloy::{primitives::U256, sol_types::SolCall};
use serde::{Deserialize, Serialize};

use crate::{
    Check, GenCtx, Generator, Op, Pick, Picker, Read, Rng, Setup, WorkloadError,
    common::Users,
    contracts::{Game, Nft},
    game::{self, World, total},
};

/// Gas limit of one craft (measured ~110-140k).
const GAS: u64 = 250_000;

/// Scenario settings of `game_craft`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GameCraftSpec {
    #[serde(default = "crate::catalog::default_weight")]
    pub weight: u32,
    #[serde(default = "crate::catalog::one")]
    pub games: u32,
    #[serde(default)]
    pub game_pick: Pick,
}

/// The `game_craft` generator.
#[derive(Debug)]
pub struct GameCraft {
    spec: GameCraftSpec,
    pick: Picker,
    worlds: Vec<World>,
    users: Users,
}

impl GameCraft {
    pub fn new(spec: &GameCraftSpec, accounts: usize) -> Result<Self, WorkloadError> {
        crate::catalog::need_accounts(accounts, 1)?;
        Ok(Self {
            pick: spec.game_pick.picker(crate::catalog::at_least_one(spec.games, "games")?, "game_pick")?,
            spec: spec.clone(),
            worlds: Vec::new(),
            users: Users::default(),
        })
    }
}

impl Generator for GameCraft {
    fn name(&self) -> &'static str {
        "game_craft"
    }

    fn deploy(&mut self, setup: &mut Setup, _: &GenCtx<'_>) {
        self.worlds = game::deploy(setup, "CRAFT", self.spec.games, false);
    }

    fn next_op(&mut self, ctx: &GenCtx<'_>, sender: usize, rng: &mut Rng) -> Op {
        let g = self.pick.pick(rng);
        self.users.add(g, sender);
        let w = &mut self.worlds[g];
        let (a, b) = (w.inventory.alloc(ctx.accounts[sender]), w.inventory.alloc(ctx.accounts[sender]));
        let input = Game::craftCall { itemA: a, itemB: b }.abi_encode();
        Op { to: w.game, value_wei: U256::ZERO, input: input.into(), gas_limit: GAS, kind: "craft" }
    }

    fn provision(&mut self, setup: &mut Setup, _: &GenCtx<'_>) {
        game::provision_items(setup, &self.worlds, &self.users, true);
    }

    fn checks(&self, _: &GenCtx<'_>) -> Vec<Check> {
        let mut reads = Vec::new();
        for w in &self.worlds {
            reads.push(Read::new(w.items, &Nft::totalMintedCall {}));
            reads.push(Read::new(w.items, &Nft::totalBurnedCall {}));
        }
        vec![Check {
            name: "game_craft: each craft burned two items and minted one".into(),
            reads,
            fold: None,
            verify: Box::new(|ctx| {
                let n = ctx.after.len();
                let delta = |odd: usize| {
                    total((odd..n).step_by(2).map(|i| ctx.after_word(i)))
                        - total((odd..n).step_by(2).map(|i| ctx.before_word(i)))
                };
                let (minted, burned, ok) = (delta(0), delta(1), U256::from(ctx.ok("craft")));
                if minted == ok && burned == ok * U256::from(2) {
                    Ok(format!("{ok} crafts: {burned} burned, {minted} minted"))
                } else {
                    Err(format!("{ok} crafts succeeded, but {burned} items burned and {minted} minted"))
                }
            }),
        }]
    }
}
