//! `game_craft` and `game_breed`: players combining two of their items into a new one.
//! Crafting burns the two and mints a better one; breeding keeps the parents and mints a
//! child. Inputs are allocated while planning and minted in the set-up, two fresh ones per
//! operation (so breeding's 60 s cooldown never bites); the item collection's counters are
//! shared by every operation of a world.

use alloy::{primitives::U256, sol_types::SolCall};

use crate::{
    Check, GenCtx, Generator, Op, Picker, Read, Rng, Setup, WorkloadError,
    common::Users,
    contracts::{Game, Nft},
    game::{self, GameSpec, World, total},
};

/// What differs between the two workloads; everything else is one generator.
#[derive(Debug, Clone, Copy)]
pub struct Combine {
    /// The catalog name.
    pub workload: &'static str,
    /// The operation's kind in reports (`craft`, `breed`).
    pub op: &'static str,
    /// Prefix of the worlds' token and collection names in the set-up.
    prefix: &'static str,
    gas_limit: u64,
    /// Items the game burns per operation; when it burns, each player approves it.
    burns: u64,
    /// The calldata that combines items `a` and `b`.
    call: fn(U256, U256) -> Vec<u8>,
    /// The name of the check after the run.
    check: &'static str,
}

/// Burn two items, mint a better one (gas measured ~110-140k).
pub const CRAFT: Combine = Combine {
    workload: "game_craft",
    op: "craft",
    prefix: "CRAFT",
    gas_limit: 250_000,
    burns: 2,
    call: craft,
    check: "game_craft: each craft burned two items and minted one",
};

/// Breed two items into a child (gas measured ~100-130k).
pub const BREED: Combine = Combine {
    workload: "game_breed",
    op: "breed",
    prefix: "BREED",
    gas_limit: 220_000,
    burns: 0,
    call: breed,
    check: "game_breed: each breed minted one child",
};

fn craft(a: U256, b: U256) -> Vec<u8> {
    Game::craftCall { itemA: a, itemB: b }.abi_encode()
}

fn breed(a: U256, b: U256) -> Vec<u8> {
    Game::breedCall { parentA: a, parentB: b }.abi_encode()
}

/// The `game_craft` or `game_breed` generator.
#[derive(Debug)]
pub struct GameCombine {
    how: Combine,
    spec: GameSpec,
    pick: Picker,
    worlds: Vec<World>,
    users: Users,
}

impl GameCombine {
    pub fn new(how: Combine, spec: &GameSpec, accounts: usize) -> Result<Self, WorkloadError> {
        crate::dials::need_accounts(accounts, 1)?;
        Ok(Self {
            how,
            pick: spec.game_pick.picker(crate::dials::at_least_one(spec.games, "games")?, "game_pick")?,
            spec: spec.clone(),
            worlds: Vec::new(),
            users: Users::default(),
        })
    }

    /// The `game_craft` generator.
    pub fn craft(spec: &GameSpec, accounts: usize) -> Result<Self, WorkloadError> {
        Self::new(CRAFT, spec, accounts)
    }

    /// The `game_breed` generator.
    pub fn breed(spec: &GameSpec, accounts: usize) -> Result<Self, WorkloadError> {
        Self::new(BREED, spec, accounts)
    }
}

impl Generator for GameCombine {
    fn name(&self) -> &'static str {
        self.how.workload
    }

    fn deploy(&mut self, setup: &mut Setup, _: &GenCtx<'_>) {
        self.worlds = game::deploy(setup, self.how.prefix, self.spec.games, false);
    }

    fn next_op(&mut self, ctx: &GenCtx<'_>, sender: usize, rng: &mut Rng) -> Op {
        let g = self.pick.pick(rng);
        self.users.add(g, sender);
        let w = &mut self.worlds[g];
        let (a, b) = (w.inventory.alloc(ctx.accounts[sender]), w.inventory.alloc(ctx.accounts[sender]));
        let input = (self.how.call)(a, b);
        Op { to: w.game, value_wei: U256::ZERO, input: input.into(), gas_limit: self.how.gas_limit, kind: self.how.op }
    }

    fn provision(&mut self, setup: &mut Setup, _: &GenCtx<'_>) {
        game::provision_items(setup, &self.worlds, &self.users, self.how.burns > 0);
    }

    /// Each operation minted one item and burned `burns` (none for breeding: a breed that
    /// burned a parent fails the check too).
    fn checks(&self, _: &GenCtx<'_>) -> Vec<Check> {
        let mut reads = Vec::new();
        for w in &self.worlds {
            reads.push(Read::new(w.items, &Nft::totalMintedCall {}));
            reads.push(Read::new(w.items, &Nft::totalBurnedCall {}));
        }
        let Combine { op, burns, .. } = self.how;
        vec![Check {
            name: self.how.check.into(),
            reads,
            fold: None,
            verify: Box::new(move |ctx| {
                let n = ctx.after.len();
                let delta = |odd: usize| {
                    total((odd..n).step_by(2).map(|i| ctx.after_word(i)))
                        - total((odd..n).step_by(2).map(|i| ctx.before_word(i)))
                };
                let (minted, burned, ok) = (delta(0), delta(1), U256::from(ctx.ok(op)));
                if minted == ok && burned == ok * U256::from(burns) {
                    Ok(format!("{ok} {op}s: {burned} burned, {minted} minted"))
                } else {
                    Err(format!("{ok} {op}s succeeded, but {burned} items burned and {minted} minted"))
                }
            }),
        }]
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use alloy::primitives::{Address, Bytes};

    use super::*;
    use crate::{CheckCtx, Pick};

    /// The check's verdict for one world whose collection went from 0 minted and burned to
    /// `minted` and `burned`, with `ok` successful operations.
    fn verdict(how: Combine, ok: u64, minted: u64, burned: u64) -> Result<String, String> {
        let spec = GameSpec { weight: 1, games: 1, game_pick: Pick::Uniform };
        let mut g = GameCombine::new(how, &spec, 1).unwrap();
        g.worlds = vec![World::default()];
        let check = g.checks(&GenCtx { accounts: &[Address::ZERO] }).remove(0);
        assert_eq!(check.reads.len(), 2, "minted and burned of the one world");
        let word = |n: u64| Bytes::from(U256::from(n).to_be_bytes::<32>().to_vec());
        let succeeded = BTreeMap::from([(how.op, ok)]);
        let (before, after) = ([word(0), word(0)], [word(minted), word(burned)]);
        (check.verify)(&CheckCtx { before: &before, after: &after, succeeded: &succeeded })
    }

    #[test]
    fn crafting_must_burn_two_per_craft_and_breeding_none() {
        assert!(verdict(CRAFT, 3, 3, 6).is_ok());
        assert!(verdict(CRAFT, 3, 3, 5).is_err(), "one item not burned");
        assert!(verdict(CRAFT, 3, 2, 6).is_err(), "one item not minted");
        assert!(verdict(BREED, 3, 3, 0).is_ok());
        assert!(verdict(BREED, 3, 3, 1).unwrap_err().contains("1 items burned"), "a parent burned");
        assert!(verdict(BREED, 3, 4, 0).is_err(), "one child too many");
    }
}
