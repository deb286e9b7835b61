//! `game_move`: players moving on a game's map, spending energy (100 at most, one back
//! every 12 s). Moves touch only the player's own slot: independent unless many players
//! share one account. A sender that plans more moves than its energy allows will see
//! `OutOfEnergy` reverts: the plan warns about it.

use std::collections::BTreeMap;

use alloy::{primitives::U256, sol_types::SolCall};
use rand::Rng as _;

use crate::{
    Check, GenCtx, Generator, Op, Picker, Read, Rng, Setup, WorkloadError,
    common::Users,
    contracts::Game,
    game::{self, GameSpec, World},
};

/// Gas limit of one move (measured ~30-35k).
const GAS: u64 = 60_000;
/// Moves a player can surely make (energy starts full at 100; regeneration not counted).
const ENERGY: u64 = 100;

/// The `game_move` generator.
#[derive(Debug)]
pub struct GameMove {
    spec: GameSpec,
    pick: Picker,
    worlds: Vec<World>,
    users: Users,
    /// Planned moves and the position they lead to, per (game, account).
    moves: BTreeMap<(usize, usize), (u64, i64, i64)>,
}

impl GameMove {
    pub fn new(spec: &GameSpec, accounts: usize) -> Result<Self, WorkloadError> {
        crate::dials::need_accounts(accounts, 1)?;
        Ok(Self {
            pick: spec.game_pick.picker(crate::dials::at_least_one(spec.games, "games")?, "game_pick")?,
            spec: spec.clone(),
            worlds: Vec::new(),
            users: Users::default(),
            moves: BTreeMap::new(),
        })
    }
}

impl Generator for GameMove {
    fn name(&self) -> &'static str {
        "game_move"
    }

    fn deploy(&mut self, setup: &mut Setup, _: &GenCtx<'_>) {
        self.worlds = game::deploy(setup, "MOVE", self.spec.games, false);
    }

    fn next_op(&mut self, _: &GenCtx<'_>, sender: usize, rng: &mut Rng) -> Op {
        let g = self.pick.pick(rng);
        self.users.add(g, sender);
        let (dx, dy) = (rng.random_range(-1i8..=1), rng.random_range(-1i8..=1));
        let m = self.moves.entry((g, sender)).or_default();
        *m = (m.0 + 1, m.1 + i64::from(dx), m.2 + i64::from(dy));
        let input = Game::moveCall { dx, dy }.abi_encode();
        Op { to: self.worlds[g].game, value_wei: U256::ZERO, input: input.into(), gas_limit: GAS, kind: "move" }
    }

    fn provision(&mut self, setup: &mut Setup, ctx: &GenCtx<'_>) {
        if setup.open_ended {
            self.users.add_all(self.worlds.len(), ctx.accounts.len());
        }
        game::join(setup, &self.worlds, &self.users);
    }

    fn warnings(&self) -> Vec<String> {
        let over = self.moves.values().filter(|m| m.0 > ENERGY).count();
        let most = self.moves.values().map(|m| m.0).max().unwrap_or(0);
        if over == 0 {
            return Vec::new();
        }
        vec![format!(
            "game_move: {over} players plan more than {ENERGY} moves (up to {most}); energy comes back at one per 12 s, \
             so expect OutOfEnergy reverts. Raise accounts.count or lower the rate to stay within the game's rules."
        )]
    }

    fn checks(&self, ctx: &GenCtx<'_>) -> Vec<Check> {
        let planned: u64 = self.moves.values().map(|m| m.0).sum();
        let mut reads = Vec::new();
        let mut expected = Vec::new();
        for (&(g, a), &(_, x, y)) in &self.moves {
            reads.push(Read::new(self.worlds[g].game, &Game::playerCall { who: ctx.accounts[a] }));
            expected.push((a, x, y));
        }
        vec![Check {
            name: "game_move: every player stands where its moves lead".into(),
            reads,
            fold: None,
            verify: Box::new(move |ctx| {
                if ctx.ok("move") != planned {
                    return Ok(format!(
                        "{} of {planned} moves succeeded: positions not compared (the failures are in the report)",
                        ctx.ok("move")
                    ));
                }
                // int32 return values are sign-extended words: the low 32 bits say it all.
                let int32 = |w: U256| i64::from(w.as_limbs()[0] as u32 as i32);
                for (i, &(a, x, y)) in expected.iter().enumerate() {
                    let at = (int32(crate::check::word(&ctx.after[i], 0)), int32(crate::check::word(&ctx.after[i], 1)));
                    if at != (x, y) {
                        return Err(format!("account #{a} is at {at:?}, its moves lead to ({x}, {y})"));
                    }
                }
                Ok(format!("{} players at their planned positions", expected.len()))
            }),
        }]
    }
}
