//! `amm_swap`: exact-input swaps through the router, in a random direction, on a pool
//! picked by the dial. One pool makes every swap write the same reserves slot: the
//! classic hotspot; many pools picked uniformly make swaps independent.

use alloy::{primitives::U256, sol_types::SolCall};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::{
    Check, GenCtx, Generator, Op, Pick, Picker, Rng, Setup, WorkloadError, amm::Dex, common::Users,
    contracts::AmmRouter,
};

/// Gas limit of one swap (measured ~75-90k).
const GAS: u64 = 150_000;

/// Scenario settings of `amm_swap`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmmSwapSpec {
    #[serde(default = "crate::dials::default_weight")]
    pub weight: u32,
    /// How many pools (pairs of two fresh tokens each).
    #[serde(default = "crate::dials::one")]
    pub pools: u32,
    /// How each swap picks its pool.
    #[serde(default)]
    pub pool_pick: Pick,
    /// Token units sold per swap (pools hold 10^24 of each side).
    #[serde(default = "crate::dials::small_amount")]
    pub amount_in: u64,
}

/// The `amm_swap` generator.
#[derive(Debug)]
pub struct AmmSwap {
    spec: AmmSwapSpec,
    pick: Picker,
    dex: Dex,
    users: Users,
}

impl AmmSwap {
    pub fn new(spec: &AmmSwapSpec, accounts: usize) -> Result<Self, WorkloadError> {
        crate::dials::need_accounts(accounts, 1)?;
        Ok(Self {
            pick: spec.pool_pick.picker(crate::dials::at_least_one(spec.pools, "pools")?, "pool_pick")?,
            spec: spec.clone(),
            dex: Dex::default(),
            users: Users::default(),
        })
    }
}

impl Generator for AmmSwap {
    fn name(&self) -> &'static str {
        "amm_swap"
    }

    fn deploy(&mut self, setup: &mut Setup, _: &GenCtx<'_>) {
        self.dex = Dex::deploy(setup, "SWAP", self.spec.pools);
    }

    fn next_op(&mut self, ctx: &GenCtx<'_>, sender: usize, rng: &mut Rng) -> Op {
        let p = self.pick.pick(rng);
        self.users.add(p, sender);
        let (a, b, _) = self.dex.pools[p];
        let (token_in, token_out) = if rng.random_bool(0.5) { (a, b) } else { (b, a) };
        let input = AmmRouter::swapExactTokensForTokensCall {
            amountIn: U256::from(self.spec.amount_in),
            amountOutMin: U256::ZERO,
            tokenIn: token_in,
            tokenOut: token_out,
            to: ctx.accounts[sender],
        }
        .abi_encode();
        Op { to: self.dex.router, value_wei: U256::ZERO, input: input.into(), gas_limit: GAS, kind: "swap" }
    }

    fn provision(&mut self, setup: &mut Setup, ctx: &GenCtx<'_>) {
        if setup.open_ended {
            self.users.add_all(self.dex.pools.len(), ctx.accounts.len());
        }
        self.dex.provision_traders(setup, &self.users, ctx.accounts);
    }

    fn checks(&self, ctx: &GenCtx<'_>) -> Vec<Check> {
        let mut out = self.dex.checks("amm_swap", &self.users, ctx.accounts, &[]);
        out.extend(self.dex.swap_replay_checks("amm_swap"));
        out
    }
}
