//! What a plan can cost its senders at most: gas limit x max fee plus value, for every
//! transaction. A real node's accounts are funded with exactly this (after a precheck of
//! the funder's balance).

use std::collections::BTreeMap;

use alloy::primitives::{Address, U256};

use super::{PlannedTx, Prepared};

/// The most a run can spend, per sender and in total.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunCost {
    /// What each sender needs to hold.
    pub per_account: BTreeMap<Address, U256>,
    /// Gas limit x max fee over the load's transactions.
    pub gas_wei: U256,
    /// Value sent by the load's transactions.
    pub value_wei: U256,
    /// Gas and value of the set-up (deployments, provisioning).
    pub setup_wei: U256,
    /// Extra balance given to every account when the load is planned during the run.
    pub allowance_wei: U256,
}

impl RunCost {
    /// The cost of everything `prepared` holds.
    pub fn of(prepared: &Prepared) -> Self {
        let mut cost = Self::default();
        cost.add_setup(prepared.setup.iter().flatten().map(|t| &**t));
        prepared.txs.iter().for_each(|t| cost.add_load(t));
        cost
    }

    /// Adds set-up transactions.
    pub fn add_setup<'a>(&mut self, txs: impl Iterator<Item = &'a PlannedTx>) {
        for tx in txs {
            let wei = self.add(tx);
            self.setup_wei += wei;
        }
    }

    /// Adds one load transaction.
    pub fn add_load(&mut self, tx: &PlannedTx) {
        let gas = U256::from(tx.tx.gas_limit) * U256::from(tx.tx.max_fee_per_gas);
        self.gas_wei += gas;
        self.value_wei += tx.tx.value;
        self.add(tx);
    }

    /// Gives each of `accounts` `amount` more: for transactions not planned yet.
    pub fn allow_each(&mut self, accounts: &[Address], amount: U256) {
        for a in accounts {
            *self.per_account.entry(*a).or_default() += amount;
            self.allowance_wei += amount;
        }
    }

    /// The sum of every sender's need.
    pub fn total(&self) -> U256 {
        self.per_account.values().fold(U256::ZERO, |a, b| a + b)
    }

    fn add(&mut self, tx: &PlannedTx) -> U256 {
        let wei = U256::from(tx.tx.gas_limit) * U256::from(tx.tx.max_fee_per_gas) + tx.tx.value;
        *self.per_account.entry(tx.from).or_default() += wei;
        wei
    }
}

/// Wei as ETH with 6 decimals, for messages.
pub fn eth(wei: U256) -> String {
    let micro: U256 = wei / U256::from(1_000_000_000_000u64);
    let micro = u128::try_from(micro).unwrap_or(u128::MAX);
    format!("{}.{:06}", micro / 1_000_000, micro % 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eth_formats_with_six_decimals() {
        assert_eq!(eth(U256::from(1_500_000_000_000_000_000u128)), "1.500000");
        assert_eq!(eth(U256::from(21_000u64) * U256::from(100_000_000_000u64)), "0.002100");
    }
}
