//! The effects check: after a run, every generated account's nonce and balance on chain
//! must equal its state when the load started plus what the plan implies for the
//! transactions the recorder saw included. Fees are recomputed, not taken from the
//! receipts: the price from the plan's fee caps and the chain's base fee of the block
//! (`min(max_fee, base_fee + tip)`), times the gas used. Beside the accounts, three
//! chain checks: the prices the target reported, the base fee burned per block against
//! the chain's own gas figures, and the coinbase's credit against the priority fees.
//! Built up as transactions are checked against the chain (`Expected`), run by run's end;
//! each block's burn is checked as soon as the reconciliation is done with the block, so
//! nothing is kept per block either.

use std::collections::BTreeMap;

use alloy::primitives::{Address, U256};

use super::reconcile::BlockFacts;
use crate::{
    metrics::Included,
    plan::PlannedTx,
    report::{CheckResult, Effects, Verdict},
    targets::{AccountState, TargetError},
};

/// Most mismatches described in the report (and per chain check).
const MAX_DETAILS: usize = 10;
/// The workload name the chain checks are filed under.
pub const CHAIN: &str = "chain";

/// The block producer's balance when the load started and now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoinbaseDelta {
    pub address: Address,
    pub before: U256,
    pub after: U256,
}

/// What the chain itself says, read back after the run (its blocks were handed in one by
/// one, [`Expected::on_block`]).
#[derive(Debug, Clone, Copy)]
pub struct ChainView {
    pub coinbase: Option<CoinbaseDelta>,
}

/// The price a transaction pays per gas under EIP-1559.
pub fn effective_price(max_fee_wei: u128, tip_wei: u128, base_fee_wei: u128) -> u128 {
    max_fee_wei.min(base_fee_wei.saturating_add(tip_wei))
}

/// What the accounts should hold after the run, built up as each included transaction
/// is checked against the chain's block that holds it (so nothing is kept per
/// transaction).
#[derive(Debug)]
pub struct Expected {
    nonces: Vec<u64>,
    // Balances as deltas from the initial balance: no underflow mid-way.
    spent: Vec<U256>,
    received: Vec<U256>,
    prices: Findings,
    /// Per block not yet handed in: the base fee burned by our transactions, from the gas
    /// they reported.
    burned: BTreeMap<u64, u128>,
    priority_wei: u128,
    blocks: BlockChecks,
}

/// The burn check over the blocks handed in so far, and what the coinbase check needs of
/// them.
#[derive(Debug, Default)]
struct BlockChecks {
    burn: Findings,
    burned_total_wei: u128,
    with_foreign: u64,
    /// The coinbase of the first block, and whether another block credited another.
    coinbase: Option<Address>,
    coinbases_differ: bool,
}

impl Expected {
    /// Starting from the accounts' state when the load started.
    pub fn new(baseline: &[AccountState]) -> Self {
        Self {
            nonces: baseline.iter().map(|a| a.nonce).collect(),
            spent: vec![U256::ZERO; baseline.len()],
            received: vec![U256::ZERO; baseline.len()],
            prices: Findings::default(),
            burned: BTreeMap::new(),
            priority_wei: 0,
            blocks: BlockChecks::default(),
        }
    }

    /// A block read back whose transactions of the load were all handed in: its burn is
    /// checked (when it holds nothing foreign) and its figures forgotten.
    pub fn on_block(&mut self, n: u64, b: &BlockFacts) {
        let ours = self.burned.remove(&n).unwrap_or(0);
        let c = &mut self.blocks;
        c.coinbases_differ |= c.coinbase.is_some_and(|a| a != b.coinbase);
        c.coinbase.get_or_insert(b.coinbase);
        if b.foreign_txs > 0 {
            c.with_foreign += 1;
            return;
        }
        c.burn.checked += 1;
        let chain = b.base_fee_wei * u128::from(b.gas_used);
        c.burned_total_wei += chain;
        if chain != ours {
            c.burn.bad(|| {
                format!(
                    "block {n}: base fee {} x gas used {} = {chain} wei, but its transactions' reported gas burns {ours}",
                    b.base_fee_wei, b.gas_used
                )
            });
        }
    }

    /// An included transaction, with the chain's block that holds it (`None`: in no
    /// block read back; the reconciliation names it, and the reported price is used).
    pub fn on_included(&mut self, tx: &PlannedTx, inc: &Included, block: Option<(u64, &BlockFacts)>) {
        let s = tx.sender as usize;
        if s >= self.nonces.len() {
            return;
        }
        self.nonces[s] = self.nonces[s].max(tx.nonce + 1);
        let gas = u128::from(inc.gas_used);
        let price = match block {
            Some((number, b)) => {
                let expected = effective_price(tx.tx.max_fee_per_gas, tx.tx.max_priority_fee_per_gas, b.base_fee_wei);
                self.prices.checked += 1;
                if inc.effective_gas_price_wei != expected {
                    self.prices.bad(|| {
                        format!(
                            "{}: reported {} wei/gas, expected min({}, {} + {}) = {expected}",
                            tx.hash,
                            inc.effective_gas_price_wei,
                            tx.tx.max_fee_per_gas,
                            b.base_fee_wei,
                            tx.tx.max_priority_fee_per_gas
                        )
                    });
                }
                *self.burned.entry(number).or_default() += gas * b.base_fee_wei.min(expected);
                self.priority_wei += gas * expected.saturating_sub(b.base_fee_wei);
                expected
            }
            None => inc.effective_gas_price_wei,
        };
        self.spent[s] += U256::from(gas * price + inc.l1_fee_wei);
        if inc.success {
            self.spent[s] += tx.tx.value;
            if let Some(r) = tx.recipient
                && let Some(x) = self.received.get_mut(r as usize)
            {
                *x += tx.tx.value;
            }
        }
    }

    /// Compares the target's account state (`actual`, read after the run) with the
    /// expectation, and adds the chain checks.
    pub fn check(
        self,
        actual: &Result<Vec<AccountState>, TargetError>,
        accounts: &[Address],
        baseline: &[AccountState],
        chain: &ChainView,
    ) -> Effects {
        let Self { nonces, spent, received, prices, burned: _, priority_wei, blocks } = self;
        let mut checks = vec![
            prices.result(
                "effective gas price = min(max_fee, base_fee + tip), base fee from the chain's block",
                "transactions priced",
            ),
            burn_check(&blocks),
            coinbase_check(chain, &blocks, priority_wei),
        ];
        checks.retain(|c| c.verdict != Verdict::Skipped || !c.detail.is_empty());
        let actual = match actual {
            Ok(a) => a,
            Err(e) => {
                return Effects {
                    verdict: Verdict::Skipped,
                    details: vec![format!("cannot read account state: {e}")],
                    checks,
                    ..Default::default()
                };
            }
        };
        let mut details = Vec::new();
        let mut mismatches = 0u64;
        for (i, a) in actual.iter().enumerate() {
            let expected_balance = baseline[i].balance + received[i] - spent[i];
            let mut bad = Vec::new();
            if a.nonce != nonces[i] {
                bad.push(format!("nonce {} (expected {})", a.nonce, nonces[i]));
            }
            if a.balance != expected_balance {
                bad.push(format!("balance {} wei (expected {expected_balance})", a.balance));
            }
            if !bad.is_empty() {
                mismatches += 1;
                if details.len() < MAX_DETAILS {
                    details.push(format!("account #{i} {}: {}", accounts[i], bad.join(", ")));
                }
            }
        }
        let verdict = if mismatches > 0 { Verdict::Fail } else { Verdict::all(checks.iter().map(|c| c.verdict)) };
        Effects { verdict, accounts_checked: actual.len() as u64, mismatches, details, checks }
    }
}

/// Per block without foreign transactions: the chain's `base_fee * gas_used` against the
/// base fee our transactions burned by the gas the target reported for each (checked as
/// each block was handed in).
fn burn_check(blocks: &BlockChecks) -> CheckResult {
    let (f, total, skipped) = (&blocks.burn, blocks.burned_total_wei, blocks.with_foreign);
    let mut r = f.result("base fee burned: each block's base_fee x gas_used = the sum over its transactions", "blocks");
    if f.problems == 0 && f.checked > 0 {
        r.detail = format!("{} blocks, {total} wei burned", f.checked);
    }
    if skipped > 0 {
        let sep = if r.detail.is_empty() { "" } else { "; " };
        r.detail.push_str(&format!("{sep}{skipped} blocks with foreign transactions not checked"));
    }
    r
}

/// The coinbase's balance grew by exactly the priority fees, when the load's blocks all
/// credit one coinbase that is not one of ours and hold nothing foreign.
fn coinbase_check(chain: &ChainView, blocks: &BlockChecks, priority_wei: u128) -> CheckResult {
    let name = "coinbase credited: its balance delta = the sum of gas_used x (price - base_fee)";
    let skip =
        |why: String| CheckResult { workload: CHAIN.into(), name: name.into(), verdict: Verdict::Skipped, detail: why };
    let Some(cb) = chain.coinbase else { return skip("the coinbase's balance could not be read".into()) };
    if blocks.coinbases_differ || blocks.coinbase.is_some_and(|a| a != cb.address) {
        return skip("the load's blocks credit more than one coinbase".into());
    }
    if blocks.with_foreign > 0 {
        return skip("the load's blocks hold foreign transactions".into());
    }
    let expected = U256::from(priority_wei);
    let delta = cb.after.checked_sub(cb.before);
    let (verdict, detail) = if delta == Some(expected) {
        (Verdict::Pass, format!("{} credited {expected} wei", cb.address))
    } else {
        (Verdict::Fail, format!("{} went from {} to {} wei, expected +{expected}", cb.address, cb.before, cb.after))
    };
    CheckResult { workload: CHAIN.into(), name: name.into(), verdict, detail }
}

/// A chain check's count of items checked and the first problems.
#[derive(Debug, Default)]
struct Findings {
    checked: u64,
    problems: u64,
    details: Vec<String>,
}

impl Findings {
    fn bad(&mut self, detail: impl FnOnce() -> String) {
        self.problems += 1;
        if self.details.len() < MAX_DETAILS {
            self.details.push(detail());
        }
    }

    fn result(&self, name: &str, what: &str) -> CheckResult {
        let (verdict, detail) = match (self.checked, self.problems) {
            (0, _) => (Verdict::Skipped, String::new()),
            (n, 0) => (Verdict::Pass, format!("{n} {what}")),
            (n, p) => (Verdict::Fail, format!("{p} of {n} {what} wrong: {}", self.details.join("; "))),
        };
        CheckResult { workload: CHAIN.into(), name: name.into(), verdict, detail }
    }
}
