//! `game_quest`: players completing quests for experience and reward tokens (minted by
//! the game). Every quest of a world mints its reward token, so the token's supply slot
//! is shared by all of them: `games: N` spreads quests over N worlds. With
//! `leaderboard: true` quests also compare against, and often write, one leader slot.

use alloy::{primitives::U256, sol_types::SolCall};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::{
    Check, GenCtx, Generator, Op, Pick, Picker, Rng, Setup, WorkloadError,
    common::{Users, supply_check},
    contracts::Game,
    game::{self, World},
};

/// Gas limit of one quest (measured ~60-90k; more with the leaderboard).
const GAS: u64 = 150_000;

/// Scenario settings of `game_quest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GameQuestSpec {
    #[serde(default = "crate::dials::default_weight")]
    pub weight: u32,
    #[serde(default = "crate::dials::one")]
    pub games: u32,
    #[serde(default)]
    pub game_pick: Pick,
    /// Keep a leaderboard in one shared slot (a hotspot every quest touches).
    #[serde(default)]
    pub leaderboard: bool,
}

/// The `game_quest` generator.
#[derive(Debug)]
pub struct GameQuest {
    spec: GameQuestSpec,
    pick: Picker,
    worlds: Vec<World>,
    users: Users,
    /// Reward tokens the planned quests pay, per world.
    rewards: Vec<U256>,
    planned: u64,
}

impl GameQuest {
    pub fn new(spec: &GameQuestSpec, accounts: usize) -> Result<Self, WorkloadError> {
        crate::dials::need_accounts(accounts, 1)?;
        Ok(Self {
            pick: spec.game_pick.picker(crate::dials::at_least_one(spec.games, "games")?, "game_pick")?,
            spec: spec.clone(),
            worlds: Vec::new(),
            users: Users::default(),
            rewards: vec![U256::ZERO; spec.games as usize],
            planned: 0,
        })
    }
}

impl Generator for GameQuest {
    fn name(&self) -> &'static str {
        "game_quest"
    }

    fn deploy(&mut self, setup: &mut Setup, _: &GenCtx<'_>) {
        self.worlds = game::deploy(setup, "QUEST", self.spec.games, self.spec.leaderboard);
    }

    fn next_op(&mut self, _: &GenCtx<'_>, sender: usize, rng: &mut Rng) -> Op {
        let g = self.pick.pick(rng);
        self.users.add(g, sender);
        let quest: u64 = rng.random_range(0..1_000);
        // Game.quest pays (10 + questId % 8) experience, 10^18 tokens per point.
        self.rewards[g] += U256::from(10 + quest % 8) * U256::from(10u64).pow(U256::from(18));
        self.planned += 1;
        let input = Game::questCall { questId: U256::from(quest) }.abi_encode();
        Op { to: self.worlds[g].game, value_wei: U256::ZERO, input: input.into(), gas_limit: GAS, kind: "quest" }
    }

    fn provision(&mut self, setup: &mut Setup, ctx: &GenCtx<'_>) {
        if setup.open_ended {
            self.users.add_all(self.worlds.len(), ctx.accounts.len());
        }
        game::join(setup, &self.worlds, &self.users);
    }

    fn checks(&self, ctx: &GenCtx<'_>) -> Vec<Check> {
        self.worlds
            .iter()
            .enumerate()
            .map(|(g, w)| {
                let holders: Vec<_> = self.users.of(g).map(|i| ctx.accounts[i]).collect();
                let (reward, planned) = (self.rewards[g], self.planned);
                supply_check(
                    format!("game_quest: world {g} rewards minted = quests paid"),
                    w.reward,
                    &holders,
                    move |b, a, ctx| {
                        // Exact when every planned quest succeeded; otherwise bounded by them.
                        let minted = a - b;
                        if ctx.ok("quest") == planned && minted != reward {
                            Some(format!("{minted} reward tokens minted, the quests pay {reward}"))
                        } else if minted > reward {
                            Some(format!("{minted} reward tokens minted, more than the {reward} all quests pay"))
                        } else {
                            None
                        }
                    },
                )
            })
            .collect()
    }
}
