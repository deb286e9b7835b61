//! The AMM both AMM workloads trade on: a factory, a router and `pools` constant-product
//! pairs over two fresh tokens each, seeded by the deployer at a 1:1 price.

use alloy::{
    primitives::{Address, U256, address},
    sol_types::SolCall,
};

use crate::{
    Check, Read, Setup,
    common::{
        Users, account_tokens, approve_max, creation, deploy_gas, deploy_token, mint_many, supply_check, unchanged,
    },
    contracts::{AmmFactory, AmmPair, AmmRouter, Token},
};

/// Where each pair locks its first MINIMUM_LIQUIDITY.
pub(crate) const DEAD: Address = address!("000000000000000000000000000000000000dEaD");

/// Token units the deployer seeds each side of each pool with.
pub(crate) fn seed_liquidity() -> U256 {
    U256::from(10u64).pow(U256::from(24))
}

/// `AmmRouter.getAmountOut`: what selling `amount_in` pays out (0.3% fee), `None` where
/// the router reverts.
pub(crate) fn amount_out(amount_in: U256, reserve_in: U256, reserve_out: U256) -> Option<U256> {
    if amount_in.is_zero() || reserve_in.is_zero() || reserve_out.is_zero() {
        return None;
    }
    let with_fee = amount_in.checked_mul(U256::from(997))?;
    let out = with_fee.checked_mul(reserve_out)? / reserve_in.checked_mul(U256::from(1000))?.checked_add(with_fee)?;
    (out < reserve_out && !out.is_zero()).then_some(out)
}

/// One deployed AMM.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dex {
    pub deployer: Address,
    pub router: Address,
    /// Per pool: (token a, token b, pair).
    pub pools: Vec<(Address, Address, Address)>,
}

impl Dex {
    pub fn deploy(setup: &mut Setup, prefix: &str, pools: u32) -> Self {
        let code = AmmFactory::BYTECODE.clone();
        let factory = setup.deploy(
            &format!("deploy {prefix} AmmFactory"),
            code.clone(),
            deploy_gas(&code, AmmFactory::DEPLOYED_BYTECODE.len()),
        );
        let code = creation(&AmmRouter::BYTECODE, &AmmRouter::constructorCall { factory_: factory });
        let router = setup.deploy(
            &format!("deploy {prefix} AmmRouter"),
            code.clone(),
            deploy_gas(&code, AmmRouter::DEPLOYED_BYTECODE.len()),
        );
        let deployer = setup.deployer();
        let seed = seed_liquidity();
        let pair_gas = 400_000 + 200 * AmmPair::DEPLOYED_BYTECODE.len() as u64;
        let pools = (0..pools as u64)
            .map(|i| {
                let a = deploy_token(setup, &format!("{prefix}A{i}"));
                let b = deploy_token(setup, &format!("{prefix}B{i}"));
                setup.deployer_call(
                    "AmmFactory.createPair",
                    factory,
                    AmmFactory::createPairCall { tokenA: a, tokenB: b }.abi_encode(),
                    pair_gas,
                );
                // A contract's nonce starts at 1 (EIP-161); each pair is one CREATE.
                let pair = factory.create(1 + i);
                for t in [a, b] {
                    mint_many(setup, t, &[deployer], seed);
                    let approve = Token::approveCall { spender: router, amount: U256::MAX }.abi_encode();
                    setup.deployer_call("Token.approve", t, approve, 60_000);
                }
                let add = AmmRouter::addLiquidityCall {
                    tokenA: a,
                    tokenB: b,
                    amountADesired: seed,
                    amountBDesired: seed,
                    amountAMin: U256::ZERO,
                    amountBMin: U256::ZERO,
                    to: deployer,
                };
                setup.deployer_call("AmmRouter.addLiquidity (seed)", router, add.abi_encode(), 400_000);
                (a, b, pair)
            })
            .collect();
        Self { deployer, router, pools }
    }

    /// Mints both tokens of every pool to its users and has them approve the router.
    pub fn provision_traders(&self, setup: &mut Setup, users: &Users, accounts: &[Address]) {
        for (p, &(a, b, _)) in self.pools.iter().enumerate() {
            let to: Vec<Address> = users.of(p).map(|i| accounts[i]).collect();
            for t in [a, b] {
                mint_many(setup, t, &to, account_tokens());
            }
        }
        for (p, &(a, b, _)) in self.pools.iter().enumerate() {
            for i in users.of(p) {
                approve_max(setup, i, a, self.router);
                approve_max(setup, i, b, self.router);
            }
        }
    }

    /// Per pool: the reserves after the load equal those before with every successful
    /// swap of the plan replayed in inclusion order at the constant-product price
    /// (`getAmountOut`, 0.3% fee), computed here. Only for pools nothing else trades on.
    pub fn swap_replay_checks(&self, workload: &str) -> Vec<Check> {
        let router = self.router;
        self.pools
            .iter()
            .enumerate()
            .map(|(p, &(a, b, pair))| {
                let t0 = a.min(b);
                let r = |d: &[u8]| (crate::check::word(d, 0), crate::check::word(d, 1));
                crate::check::replaying(
                    format!("{workload}: pool {p} reserves moved by each swap's constant-product amount"),
                    vec![Read::new(pair, &AmmPair::getReservesCall {})],
                    // The reserves replayed so far, and the swaps.
                    move |before| (before.first().map_or((U256::ZERO, U256::ZERO), |d| r(d)), 0u64),
                    move |((r0, r1), swaps), op| {
                        let Some(s) = op.call_to::<AmmRouter::swapExactTokensForTokensCall>(router) else {
                            return Ok(());
                        };
                        if !((s.tokenIn == a && s.tokenOut == b) || (s.tokenIn == b && s.tokenOut == a)) {
                            return Ok(());
                        }
                        *swaps += 1;
                        let (r_in, r_out) = if s.tokenIn == t0 { (r0, r1) } else { (r1, r0) };
                        let Some(out) = amount_out(s.amountIn, *r_in, *r_out) else {
                            return Err(format!("swap #{swaps} could not have succeeded on these reserves"));
                        };
                        *r_in += s.amountIn;
                        *r_out -= out;
                        Ok(())
                    },
                    move |ctx, &((r0, r1), swaps)| {
                        let after = r(&ctx.after[0]);
                        if after == (r0, r1) {
                            Ok(format!("{swaps} swaps replayed: reserves ({r0}, {r1})"))
                        } else {
                            Err(format!(
                                "reserves ({}, {}) after {swaps} swaps, replayed from the plan: ({r0}, {r1})",
                                after.0, after.1
                            ))
                        }
                    },
                )
            })
            .collect()
    }

    /// Per pool: reserves equal the pair's token balances and `k = r0 * r1` did not
    /// decrease; per token: supply conserved among its holders.
    pub fn checks(&self, workload: &str, users: &Users, accounts: &[Address], extra_holders: &[Address]) -> Vec<Check> {
        let mut out = Vec::new();
        for (p, &(a, b, pair)) in self.pools.iter().enumerate() {
            let (t0, t1) = if a < b { (a, b) } else { (b, a) };
            out.push(Check {
                name: format!("{workload}: pool {p} reserves match balances, k never decreases"),
                reads: vec![
                    Read::new(pair, &AmmPair::getReservesCall {}),
                    Read::new(t0, &Token::balanceOfCall::new((pair,))),
                    Read::new(t1, &Token::balanceOfCall::new((pair,))),
                ],
                fold: None,
                verify: Box::new(|ctx| {
                    let r = |d: &[u8]| (crate::check::word(d, 0), crate::check::word(d, 1));
                    let (b0, b1) = r(&ctx.before[0]);
                    let (a0, a1) = r(&ctx.after[0]);
                    if (a0, a1) != (ctx.after_word(1), ctx.after_word(2)) {
                        return Err(format!(
                            "reserves ({a0}, {a1}) != balances ({}, {})",
                            ctx.after_word(1),
                            ctx.after_word(2)
                        ));
                    }
                    let (kb, ka) = (b0 * b1, a0 * a1);
                    if ka < kb {
                        return Err(format!("k decreased from {kb} to {ka}"));
                    }
                    Ok(format!("k {kb} -> {ka}"))
                }),
            });
            let mut holders: Vec<Address> = users.of(p).map(|i| accounts[i]).collect();
            holders.extend([pair, self.deployer]);
            holders.extend_from_slice(extra_holders);
            for (side, t) in [("A", a), ("B", b)] {
                out.push(supply_check(
                    format!("{workload}: pool {p} token {side} supply conserved"),
                    t,
                    &holders,
                    unchanged,
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amount_out_is_the_routers_formula() {
        // 1,000 in on a 1:1 pool of 10^24 each: 997/1000 of it, less the price impact.
        let seed = seed_liquidity();
        assert_eq!(amount_out(U256::from(1000), seed, seed), Some(U256::from(996)));
        // (997 * 10 * 200) / (100 * 1000 + 997 * 10) = 1_994_000 / 109_970 = 18.13...
        assert_eq!(amount_out(U256::from(10), U256::from(100), U256::from(200)), Some(U256::from(18)));
        assert_eq!(amount_out(U256::ZERO, seed, seed), None, "the router reverts on zero in");
        assert_eq!(amount_out(U256::from(1), U256::from(1000), U256::from(1)), None, "nothing out reverts");
    }
}
