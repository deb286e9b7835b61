//! `game_breed`: players breeding two of their items into a child. Each breed uses two
//! fresh parents (allocated while planning), so the 60 s cooldown never bites; the
//! child's id comes from the collection's shared counter.

use alloy::{primitives::U256, sol_types::SolCall};
use serde::{Deserialize, Serialize};

use crate::{
    Check, GenCtx, Generator, Op, Pick, Picker, Read, Rng, Setup, WorkloadError,
    common::Users,
    contracts::{Game, Nft},
    game::{self, World, total},
};

/// Gas limit of one breed (measured ~100-130k).
const GAS: u64 = 220_000;

/// Scenario settings of `game_breed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GameBreedSpec {
    #[serde(default = "crate::catalog::default_weight")]
    pub weight: u32,
    #[serde(default = "crate::catalog::one")]
    pub games: u32,
    #[serde(default)]
    pub game_pick: Pick,
}

/// The `game_breed` generator.
#[derive(Debug)]
pub struct GameBreed {
    spec: GameBreedSpec,
    pick: Picker,
    worlds: Vec<World>,
    users: Users,
}

impl GameBreed {
    pub fn new(spec: &GameBreedSpec, accounts: usize) -> Result<Self, WorkloadError> {
        crate::catalog::need_accounts(accounts, 1)?;
        Ok(Self {
            pick: spec.game_pick.picker(crate::catalog::at_least_one(spec.games, "games")?, "game_pick")?,
            spec: spec.clone(),
            worlds: Vec::new(),
            users: Users::default(),
        })
    }
}

impl Generator for GameBreed {
    fn name(&self) -> &'static str {
        "game_breed"
    }

    fn deploy(&mut self, setup: &mut Setup, _: &GenCtx<'_>) {
        self.worlds = game::deploy(setup, "BREED", self.spec.games, false);
    }

    fn next_op(&mut self, ctx: &GenCtx<'_>, sender: usize, rng: &mut Rng) -> Op {
        let g = self.pick.pick(rng);
        self.users.add(g, sender);
        let w = &mut self.worlds[g];
        let (a, b) = (w.inventory.alloc(ctx.accounts[sender]), w.inventory.alloc(ctx.accounts[sender]));
        let input = Game::breedCall { parentA: a, parentB: b }.abi_encode();
        Op { to: w.game, value_wei: U256::ZERO, input: input.into(), gas_limit: GAS, kind: "breed" }
    }

    fn provision(&mut self, setup: &mut Setup, _: &GenCtx<'_>) {
        game::provision_items(setup, &self.worlds, &self.users, false);
    }

    fn checks(&self, _: &GenCtx<'_>) -> Vec<Check> {
        vec![Check {
            name: "game_breed: each breed minted one child".into(),
            reads: self.worlds.iter().map(|w| Read::new(w.items, &Nft::totalMintedCall {})).collect(),
            fold: None,
            verify: Box::new(|ctx| {
                let n = ctx.after.len();
                let minted = total((0..n).map(|i| ctx.after_word(i))) - total((0..n).map(|i| ctx.before_word(i)));
                if minted == U256::from(ctx.ok("breed")) {
                    Ok(format!("{minted} children"))
                } else {
                    Err(format!("{minted} children minted, {} breeds succeeded", ctx.ok("breed")))
                }
            }),
        }]
    }
}
