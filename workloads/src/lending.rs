//! `lending`: deposits, borrows against collateral and repayments on lending pools. Every
//! mutating call writes the pool's one `market` slot (the interest index): a realistic
//! shared hotspot, so one pool is fully contended whatever the accounts do. A repay only
//! follows a borrow of the same sender and pool in the plan; collateral is provisioned
//! for three times what each account borrows.

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
    contracts::{LendingPool, Token},
};

/// Gas limit of a deposit, borrow or repay (measured ~60-120k).
const GAS: u64 = 200_000;

/// Scenario settings of `lending`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LendingSpec {
    #[serde(default = "crate::dials::default_weight")]
    pub weight: u32,
    /// How many lending pools (all over one asset and one collateral token).
    #[serde(default = "crate::dials::one")]
    pub pools: u32,
    #[serde(default)]
    pub pool_pick: Pick,
    /// Asset units per deposit, borrow and repay.
    #[serde(default = "crate::dials::token_amount")]
    pub amount: u64,
}

/// The `lending` generator.
#[derive(Debug)]
pub struct Lending {
    spec: LendingSpec,
    pick: Picker,
    asset: Address,
    collateral: Address,
    pools: Vec<Address>,
    /// The only depositor besides the users (it seeds every pool).
    deployer: Address,
    users: Users,
    /// Borrows not yet repaid, and borrows in all, per (pool, account).
    outstanding: BTreeMap<(usize, usize), (u64, u64)>,
}

impl Lending {
    pub fn new(spec: &LendingSpec, accounts: usize) -> Result<Self, WorkloadError> {
        crate::dials::need_accounts(accounts, 1)?;
        Ok(Self {
            pick: spec.pool_pick.picker(crate::dials::at_least_one(spec.pools, "pools")?, "pool_pick")?,
            spec: spec.clone(),
            asset: Address::ZERO,
            collateral: Address::ZERO,
            pools: Vec::new(),
            deployer: Address::ZERO,
            users: Users::default(),
            outstanding: BTreeMap::new(),
        })
    }

    /// Liquidity the deployer deposits in each pool.
    fn pool_liquidity() -> U256 {
        U256::from(10u64).pow(U256::from(27))
    }
}

impl Generator for Lending {
    fn name(&self) -> &'static str {
        "lending"
    }

    fn deploy(&mut self, setup: &mut Setup, _: &GenCtx<'_>) {
        self.asset = deploy_token(setup, "LENDASSET");
        self.collateral = deploy_token(setup, "LENDCOLL");
        let deployer = setup.deployer();
        self.deployer = deployer;
        let liquidity = Self::pool_liquidity();
        mint_many(setup, self.asset, &[deployer], liquidity * U256::from(self.spec.pools));
        self.pools = (0..self.spec.pools)
            .map(|i| {
                let code = creation(
                    &LendingPool::BYTECODE,
                    &LendingPool::constructorCall { asset_: self.asset, collateral_: self.collateral },
                );
                let gas = deploy_gas(&code, LendingPool::DEPLOYED_BYTECODE.len());
                let pool = setup.deploy(&format!("deploy LendingPool {i}"), code, gas);
                let approve = Token::approveCall { spender: pool, amount: U256::MAX }.abi_encode();
                setup.deployer_call("Token.approve", self.asset, approve, 60_000);
                let deposit = LendingPool::depositCall { amount: liquidity }.abi_encode();
                setup.deployer_call("LendingPool.deposit (liquidity)", pool, deposit, GAS);
                pool
            })
            .collect();
    }

    fn next_op(&mut self, _: &GenCtx<'_>, sender: usize, rng: &mut Rng) -> Op {
        let p = self.pick.pick(rng);
        self.users.add(p, sender);
        let amount = U256::from(self.spec.amount);
        let (open, total) = self.outstanding.entry((p, sender)).or_default();
        let draw: f64 = rng.random();
        let (input, kind) = if *open > 0 && draw < 0.3 {
            *open -= 1;
            (LendingPool::repayCall { amount }.abi_encode(), "repay")
        } else if draw < 0.6 {
            *open += 1;
            *total += 1;
            (LendingPool::borrowCall { amount }.abi_encode(), "borrow")
        } else {
            (LendingPool::depositCall { amount }.abi_encode(), "deposit")
        };
        Op { to: self.pools[p], value_wei: U256::ZERO, input: input.into(), gas_limit: GAS, kind }
    }

    fn provision(&mut self, setup: &mut Setup, ctx: &GenCtx<'_>) {
        if setup.open_ended {
            self.users.add_all(self.pools.len(), ctx.accounts.len());
        }
        let amount = U256::from(self.spec.amount);
        let mut accounts: Vec<usize> = self.users.0.iter().map(|&(_, a)| a).collect();
        accounts.sort_unstable();
        accounts.dedup();
        let to: Vec<Address> = accounts.iter().map(|&a| ctx.accounts[a]).collect();
        mint_many(setup, self.asset, &to, account_tokens());
        mint_many(setup, self.collateral, &to, account_tokens());
        for (p, &pool) in self.pools.iter().enumerate() {
            for a in self.users.of(p) {
                let borrows = self.outstanding.get(&(p, a)).map_or(0, |&(_, t)| t);
                // 50% LTV: three times the borrowed amount keeps every borrow well inside
                // it, interest included; at least 1,000 borrows' worth for open-ended runs.
                let collateral = amount * U256::from(borrows.max(1_000)) * U256::from(3);
                approve_max(setup, a, self.asset, pool);
                approve_max(setup, a, self.collateral, pool);
                let input = LendingPool::depositCollateralCall { amount: collateral }.abi_encode();
                setup.account_call(a, "LendingPool.depositCollateral", pool, input, GAS);
            }
        }
    }

    fn checks(&self, ctx: &GenCtx<'_>) -> Vec<Check> {
        let mut out = Vec::new();
        let mut all = Vec::new();
        for (p, &pool) in self.pools.iter().enumerate() {
            let mut reads = vec![
                Read::new(pool, &LendingPool::totalDepositsCall {}),
                Read::new(pool, &LendingPool::totalCollateralCall {}),
                Read::new(pool, &LendingPool::totalScaledDebtCall {}),
                Read::new(pool, &LendingPool::totalBorrowedCall {}),
                Read::new(pool, &LendingPool::totalRepaidCall {}),
                Read::new(self.asset, &Token::balanceOfCall::new((pool,))),
            ];
            let users: Vec<Address> = self.users.of(p).map(|i| ctx.accounts[i]).collect();
            let depositors: Vec<Address> = users.iter().copied().chain([self.deployer]).collect();
            reads.extend(depositors.iter().map(|&u| Read::new(pool, &LendingPool::depositOfCall::new((u,)))));
            reads.extend(users.iter().map(|&u| Read::new(pool, &LendingPool::collateralOfCall::new((u,)))));
            reads.extend(users.iter().map(|&u| Read::new(pool, &LendingPool::scaledDebtOfCall::new((u,)))));
            let (nd, nu) = (depositors.len(), users.len());
            out.push(Check {
                name: format!("lending: pool {p} totals add up"),
                reads,
                fold: None,
                verify: Box::new(move |ctx| {
                    let sum = |from: usize, n: usize| (from..from + n).fold(U256::ZERO, |s, i| s + ctx.after_word(i));
                    let w = |i| ctx.after_word(i);
                    let (deposits, collateral, scaled, borrowed, repaid, cash) = (w(0), w(1), w(2), w(3), w(4), w(5));
                    let mut bad = Vec::new();
                    if deposits != sum(6, nd) {
                        bad.push(format!("totalDeposits {deposits} != sum of deposits {}", sum(6, nd)));
                    }
                    if collateral != sum(6 + nd, nu) {
                        bad.push(format!("totalCollateral {collateral} != sum {}", sum(6 + nd, nu)));
                    }
                    if scaled != sum(6 + nd + nu, nu) {
                        bad.push(format!("totalScaledDebt {scaled} != sum {}", sum(6 + nd + nu, nu)));
                    }
                    if cash + borrowed != deposits + repaid {
                        bad.push(format!("cash {cash} + borrowed {borrowed} != deposits {deposits} + repaid {repaid}"));
                    }
                    if bad.is_empty() {
                        Ok(format!("deposits {deposits}, borrowed {borrowed}, repaid {repaid}, cash {cash}"))
                    } else {
                        Err(bad.join("; "))
                    }
                }),
            });
            all.push(pool);
        }
        let amount = U256::from(self.spec.amount);
        out.push(Check {
            name: "lending: borrowed total grew by the successful borrows".into(),
            reads: all.iter().map(|&pool| Read::new(pool, &LendingPool::totalBorrowedCall {})).collect(),
            fold: None,
            verify: Box::new(move |ctx| {
                let (mut before, mut after) = (U256::ZERO, U256::ZERO);
                for i in 0..ctx.after.len() {
                    before += ctx.before_word(i);
                    after += ctx.after_word(i);
                }
                let expected = amount * U256::from(ctx.ok("borrow"));
                if after - before == expected {
                    Ok(format!("{} borrows of {amount}", ctx.ok("borrow")))
                } else {
                    Err(format!("totalBorrowed grew by {}, expected {expected}", after - before))
                }
            }),
        });
        let mut holders: Vec<Address> = self.users.0.iter().map(|&(_, a)| ctx.accounts[a]).collect();
        holders.sort_unstable();
        holders.dedup();
        holders.extend(self.pools.iter().copied());
        out.push(supply_check(
            "lending: collateral token supply conserved".into(),
            self.collateral,
            &holders,
            unchanged,
        ));
        out
    }
}
