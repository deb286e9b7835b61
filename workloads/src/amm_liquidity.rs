//! `amm_liquidity`: liquidity providers adding to and removing from pools. A remove only
//! burns LP tokens its sender minted in an earlier add of the same plan (tracked with a
//! 1% margin), so it never reverts whatever the order of senders in blocks.

use std::collections::BTreeMap;

use alloy::{
    primitives::{Address, U256},
    sol_types::SolCall,
};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::{
    Check, CheckCtx, GenCtx, Generator, Op, Pick, Picker, Read, Rng, Setup, WorkloadError,
    amm::{DEAD, Dex},
    common::{Users, approve_max},
    contracts::{AmmPair, AmmRouter},
};

/// Gas limits (measured: add ~110-190k, remove ~100-130k).
const ADD_GAS: u64 = 260_000;
const REMOVE_GAS: u64 = 200_000;

/// Scenario settings of `amm_liquidity`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmmLiquiditySpec {
    #[serde(default = "crate::dials::default_weight")]
    pub weight: u32,
    #[serde(default = "crate::dials::one")]
    pub pools: u32,
    #[serde(default)]
    pub pool_pick: Pick,
    /// Token units of each side per add; a remove burns half as many LP tokens.
    #[serde(default = "crate::dials::token_amount")]
    pub amount: u64,
}

/// The `amm_liquidity` generator.
#[derive(Debug)]
pub struct AmmLiquidity {
    spec: AmmLiquiditySpec,
    pick: Picker,
    dex: Dex,
    users: Users,
    /// LP tokens each (pool, account) surely holds, given its planned adds and removes.
    lp: BTreeMap<(usize, usize), U256>,
}

impl AmmLiquidity {
    pub fn new(spec: &AmmLiquiditySpec, accounts: usize) -> Result<Self, WorkloadError> {
        crate::dials::need_accounts(accounts, 1)?;
        Ok(Self {
            pick: spec.pool_pick.picker(crate::dials::at_least_one(spec.pools, "pools")?, "pool_pick")?,
            spec: spec.clone(),
            dex: Dex::default(),
            users: Users::default(),
            lp: BTreeMap::new(),
        })
    }
}

impl Generator for AmmLiquidity {
    fn name(&self) -> &'static str {
        "amm_liquidity"
    }

    fn deploy(&mut self, setup: &mut Setup, _: &GenCtx<'_>) {
        self.dex = Dex::deploy(setup, "LIQ", self.spec.pools);
    }

    fn next_op(&mut self, ctx: &GenCtx<'_>, sender: usize, rng: &mut Rng) -> Op {
        let p = self.pick.pick(rng);
        self.users.add(p, sender);
        let (a, b, _) = self.dex.pools[p];
        let me = ctx.accounts[sender];
        let amount = U256::from(self.spec.amount);
        let burn = amount / U256::from(2);
        let held = self.lp.entry((p, sender)).or_default();
        let (input, gas, kind) = if *held >= burn && rng.random_bool(0.5) {
            *held -= burn;
            let call = AmmRouter::removeLiquidityCall {
                tokenA: a,
                tokenB: b,
                liquidity: burn,
                amountAMin: U256::ZERO,
                amountBMin: U256::ZERO,
                to: me,
            };
            (call.abi_encode(), REMOVE_GAS, "remove")
        } else {
            // The pool stays near 1:1 (only adds and removes touch it), so an add of
            // `amount` of each side mints about `amount` LP tokens; count 99%.
            *held += amount * U256::from(99) / U256::from(100);
            let call = AmmRouter::addLiquidityCall {
                tokenA: a,
                tokenB: b,
                amountADesired: amount,
                amountBDesired: amount,
                amountAMin: U256::ZERO,
                amountBMin: U256::ZERO,
                to: me,
            };
            (call.abi_encode(), ADD_GAS, "add")
        };
        Op { to: self.dex.router, value_wei: U256::ZERO, input: input.into(), gas_limit: gas, kind }
    }

    fn provision(&mut self, setup: &mut Setup, ctx: &GenCtx<'_>) {
        if setup.open_ended {
            self.users.add_all(self.dex.pools.len(), ctx.accounts.len());
        }
        self.dex.provision_traders(setup, &self.users, ctx.accounts);
        for (p, &(_, _, pair)) in self.dex.pools.iter().enumerate() {
            for i in self.users.of(p) {
                approve_max(setup, i, pair, self.dex.router);
            }
        }
    }

    fn checks(&self, ctx: &GenCtx<'_>) -> Vec<Check> {
        let mut out = self.dex.checks("amm_liquidity", &self.users, ctx.accounts, &[]);
        for (p, &(_, _, pair)) in self.dex.pools.iter().enumerate() {
            let mut holders: Vec<Address> = self.users.of(p).map(|i| ctx.accounts[i]).collect();
            holders.extend([self.dex.deployer, DEAD]);
            out.push(crate::common::supply_check(
                format!("amm_liquidity: pool {p} LP supply = sum of LP balances"),
                pair,
                &holders,
                |_, _, _: &CheckCtx<'_>| None,
            ));
            out.push(Check {
                name: format!("amm_liquidity: pool {p} LP minted only by adds"),
                reads: vec![Read::new(pair, &AmmPair::totalSupplyCall {})],
                fold: None,
                verify: Box::new(|ctx| {
                    let (before, after) = (ctx.before_word(0), ctx.after_word(0));
                    if ctx.ok("add") == 0 && after > before {
                        return Err(format!("LP supply grew from {before} to {after} with no add"));
                    }
                    Ok(format!(
                        "LP supply {before} -> {after} after {} adds, {} removes",
                        ctx.ok("add"),
                        ctx.ok("remove")
                    ))
                }),
            });
        }
        out
    }
}
