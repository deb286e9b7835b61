//! The game world the four game workloads play in: `games` independent instances, each a
//! `Game` with its own reward token and item collection (the game mints both).

use alloy::{
    primitives::{Address, U256},
    sol_types::SolCall,
};
use serde::{Deserialize, Serialize};

use crate::{
    Pick, Setup,
    common::{Items, Users, creation, deploy_collection, deploy_gas, deploy_token},
    contracts::{Game, Nft, Token},
};

/// Scenario settings of `game_move`, `game_craft` and `game_breed` (`game_quest` adds a
/// leaderboard to them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GameSpec {
    #[serde(default = "crate::dials::default_weight")]
    pub weight: u32,
    /// How many independent game worlds.
    #[serde(default = "crate::dials::one")]
    pub games: u32,
    /// How each transaction picks its world.
    #[serde(default)]
    pub game_pick: Pick,
}

/// One game instance.
#[derive(Debug, Clone, Default)]
pub(crate) struct World {
    pub game: Address,
    pub reward: Address,
    pub items: Address,
    /// Items allocated to players while planning (crafting and breeding inputs).
    pub inventory: Items,
}

/// Deploys `n` game worlds named `prefix`; `leaderboard` turns on the shared leader slot.
pub(crate) fn deploy(setup: &mut Setup, prefix: &str, n: u32, leaderboard: bool) -> Vec<World> {
    (0..n)
        .map(|i| {
            let reward = deploy_token(setup, &format!("{prefix}GOLD{i}"));
            let items = deploy_collection(setup, &format!("{prefix}ITEM{i}"));
            let code = creation(&Game::BYTECODE, &Game::constructorCall { rewardToken_: reward, itemNft_: items });
            let gas = deploy_gas(&code, Game::DEPLOYED_BYTECODE.len());
            let game = setup.deploy(&format!("deploy Game {prefix}{i}"), code, gas);
            let minter = Token::setMinterCall { minter: game, allowed: true }.abi_encode();
            setup.deployer_call("Token.setMinter(game)", reward, minter, 80_000);
            let minter = Nft::setMinterCall { minter: game, allowed: true }.abi_encode();
            setup.deployer_call("Nft.setMinter(game)", items, minter, 80_000);
            if leaderboard {
                let on = Game::setLeaderboardCall { enabled: true }.abi_encode();
                setup.deployer_call("Game.setLeaderboard(true)", game, on, 80_000);
            }
            World { game, reward, items, inventory: Items::default() }
        })
        .collect()
}

/// Each user of each world joins it.
pub(crate) fn join(setup: &mut Setup, worlds: &[World], users: &Users) {
    for (g, w) in worlds.iter().enumerate() {
        for a in users.of(g) {
            setup.account_call(a, "Game.join", w.game, Game::joinCall {}.abi_encode(), 150_000);
        }
    }
}

/// Mints every world's allocated inventory (kind 1); when the game burns items
/// (`approve_game`), each user lets it.
pub(crate) fn provision_items(setup: &mut Setup, worlds: &[World], users: &Users, approve_game: bool) {
    for (g, w) in worlds.iter().enumerate() {
        w.inventory.provision(setup, w.items, 1);
        if approve_game {
            let approve = Nft::setApprovalForAllCall { operator: w.game, approved: true }.abi_encode();
            for a in users.of(g) {
                setup.account_call(a, "Nft.setApprovalForAll(game)", w.items, approve.clone(), 80_000);
            }
        }
    }
}

/// Sums a word over every read (`before` or `after`).
pub(crate) fn total(words: impl Iterator<Item = U256>) -> U256 {
    words.fold(U256::ZERO, |s, w| s + w)
}
