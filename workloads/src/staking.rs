//! `staking`: stake, unstake and claim on Synthetix-style staking pools. Every call
//! updates the pool's reward-per-token accumulator (a shared hotspot per pool). An
//! unstake only takes back what the same sender staked earlier in the plan.

use std::collections::BTreeMap;

use alloy::{
    primitives::{Address, U256},
    sol_types::SolCall,
};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::{
    Check, GenCtx, Generator, Op, Pick, Picker, Read, Rng, Setup, WorkloadError,
    common::{
        Users, account_tokens, approve_max, creation, deploy_gas, deploy_token, mint_many, supply_check, unchanged,
    },
    contracts::{Staking as StakingContract, Token},
};

/// Gas limit of a stake, unstake or claim (measured ~50-110k).
const GAS: u64 = 180_000;

/// Scenario settings of `staking`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StakingSpec {
    #[serde(default = "crate::dials::default_weight")]
    pub weight: u32,
    /// How many staking pools (one stake token and one reward token for all).
    #[serde(default = "crate::dials::one")]
    pub pools: u32,
    #[serde(default)]
    pub pool_pick: Pick,
    /// Token units per stake and unstake.
    #[serde(default = "crate::dials::token_amount")]
    pub amount: u64,
}

/// The `staking` generator.
#[derive(Debug)]
pub struct Staking {
    spec: StakingSpec,
    pick: Picker,
    stake_token: Address,
    reward_token: Address,
    pools: Vec<Address>,
    users: Users,
    /// Stakes not yet taken back, per (pool, account).
    staked: BTreeMap<(usize, usize), u64>,
}

impl Staking {
    pub fn new(spec: &StakingSpec, accounts: usize) -> Result<Self, WorkloadError> {
        crate::dials::need_accounts(accounts, 1)?;
        Ok(Self {
            pick: spec.pool_pick.picker(crate::dials::at_least_one(spec.pools, "pools")?, "pool_pick")?,
            spec: spec.clone(),
            stake_token: Address::ZERO,
            reward_token: Address::ZERO,
            pools: Vec::new(),
            users: Users::default(),
            staked: BTreeMap::new(),
        })
    }
}

impl Generator for Staking {
    fn name(&self) -> &'static str {
        "staking"
    }

    fn deploy(&mut self, setup: &mut Setup, _: &GenCtx<'_>) {
        self.stake_token = deploy_token(setup, "STAKE");
        self.reward_token = deploy_token(setup, "REWARD");
        let rate = U256::from(10u64).pow(U256::from(15));
        self.pools = (0..self.spec.pools)
            .map(|i| {
                let code = creation(
                    &StakingContract::BYTECODE,
                    &StakingContract::constructorCall {
                        stakeToken_: self.stake_token,
                        rewardToken_: self.reward_token,
                        rewardRatePerSecond: rate,
                    },
                );
                let gas = deploy_gas(&code, StakingContract::DEPLOYED_BYTECODE.len());
                setup.deploy(&format!("deploy Staking {i}"), code, gas)
            })
            .collect();
        // Rewards for ~30 years at the rate: claims never find the pool underfunded.
        let funding = U256::from(10u64).pow(U256::from(24));
        mint_many(setup, self.reward_token, &self.pools.clone(), funding);
    }

    fn next_op(&mut self, _: &GenCtx<'_>, sender: usize, rng: &mut Rng) -> Op {
        let p = self.pick.pick(rng);
        self.users.add(p, sender);
        let amount = U256::from(self.spec.amount);
        let staked = self.staked.entry((p, sender)).or_default();
        let draw: f64 = rng.random();
        let (input, kind) = if *staked > 0 && draw < 0.3 {
            *staked -= 1;
            (StakingContract::unstakeCall { amount }.abi_encode(), "unstake")
        } else if *staked > 0 && draw < 0.5 {
            (StakingContract::claimCall {}.abi_encode(), "claim")
        } else {
            *staked += 1;
            (StakingContract::stakeCall { amount }.abi_encode(), "stake")
        };
        Op { to: self.pools[p], value_wei: U256::ZERO, input: input.into(), gas_limit: GAS, kind }
    }

    fn provision(&mut self, setup: &mut Setup, ctx: &GenCtx<'_>) {
        if setup.open_ended {
            self.users.add_all(self.pools.len(), ctx.accounts.len());
        }
        let mut to: Vec<Address> = self.users.0.iter().map(|&(_, a)| ctx.accounts[a]).collect();
        to.sort_unstable();
        to.dedup();
        mint_many(setup, self.stake_token, &to, account_tokens());
        for (p, &pool) in self.pools.iter().enumerate() {
            for a in self.users.of(p) {
                approve_max(setup, a, self.stake_token, pool);
            }
        }
    }

    fn checks(&self, ctx: &GenCtx<'_>) -> Vec<Check> {
        let mut out = Vec::new();
        for (p, &pool) in self.pools.iter().enumerate() {
            let users: Vec<Address> = self.users.of(p).map(|i| ctx.accounts[i]).collect();
            let mut reads = vec![
                Read::new(pool, &StakingContract::totalStakedCall {}),
                Read::new(self.stake_token, &Token::balanceOfCall::new((pool,))),
            ];
            reads.extend(users.iter().map(|&u| Read::new(pool, &StakingContract::stakedOfCall::new((u,)))));
            out.push(Check {
                name: format!("staking: pool {p} totalStaked = sum of stakes = tokens held"),
                reads,
                fold: None,
                verify: Box::new(|ctx| {
                    let total = ctx.after_word(0);
                    let held = ctx.after_word(1);
                    let sum = (2..ctx.after.len()).fold(U256::ZERO, |s, i| s + ctx.after_word(i));
                    if total == sum && total == held {
                        Ok(format!("totalStaked {total}"))
                    } else {
                        Err(format!("totalStaked {total}, sum of stakes {sum}, stake tokens held {held}"))
                    }
                }),
            });
            out.push(crate::check::replaying(
                format!("staking: pool {p} totalStaked moved by each stake's and unstake's amount"),
                vec![Read::new(pool, &StakingContract::totalStakedCall {})],
                // Staked and unstaked so far.
                |_| (U256::ZERO, U256::ZERO),
                move |(staked, unstaked), op| {
                    if let Some(c) = op.call_to::<StakingContract::stakeCall>(pool) {
                        *staked += c.amount;
                    } else if let Some(c) = op.call_to::<StakingContract::unstakeCall>(pool) {
                        *unstaked += c.amount;
                    }
                    Ok(())
                },
                |ctx, &(staked, unstaked)| {
                    let (before, after) = (ctx.before_word(0), ctx.after_word(0));
                    let expected = (before + staked).checked_sub(unstaked);
                    if expected == Some(after) {
                        Ok(format!("{before} + {staked} staked - {unstaked} unstaked = {after}"))
                    } else {
                        Err(format!("totalStaked {before} -> {after}, but the plan's stakes and unstakes give {before} + {staked} - {unstaked}"))
                    }
                },
            ));
        }
        let mut holders: Vec<Address> = self.users.0.iter().map(|&(_, a)| ctx.accounts[a]).collect();
        holders.sort_unstable();
        holders.dedup();
        holders.extend(self.pools.iter().copied());
        out.push(supply_check("staking: stake token supply conserved".into(), self.stake_token, &holders, unchanged));
        out.push(supply_check("staking: reward token supply conserved".into(), self.reward_token, &holders, unchanged));
        out
    }
}
