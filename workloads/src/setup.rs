//! The set-up phase: deployments and provisioning, as ordinary transactions that any
//! target can take. Contract addresses are predicted from the deployer's nonces (CREATE),
//! so that the load can be planned before anything is sent.

use alloy::primitives::{Address, Bytes, TxKind, U256};

/// Who sends a set-up transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Actor {
    /// The run's deployer: a key of its own, derived from the seed.
    Deployer,
    /// A generated account, by index.
    Account(usize),
}

/// One set-up transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupTx {
    pub from: Actor,
    pub to: TxKind,
    pub value_wei: U256,
    pub input: Bytes,
    pub gas_limit: u64,
    /// What it does, for error messages (`deploy Token`, `approve router`, ...).
    pub label: String,
}

/// The phases of a set-up: the deployer's transactions (deployments, minting, seeding),
/// then the accounts' (approvals, joins, deposits), which need the former included.
pub const PHASES: usize = 2;

/// Collects set-up transactions and predicts addresses.
#[derive(Debug, Clone)]
pub struct Setup {
    deployer: Address,
    next_nonce: u64,
    phases: [Vec<SetupTx>; PHASES],
    /// The load is planned while it runs (a closed run without a count): provision every
    /// account for everything, not just what the plan used.
    pub open_ended: bool,
}

impl Setup {
    /// A set-up whose deployer is `deployer`, at nonce `nonce` on the target.
    pub fn new(deployer: Address, nonce: u64) -> Self {
        Self { deployer, next_nonce: nonce, phases: Default::default(), open_ended: false }
    }

    pub fn deployer(&self) -> Address {
        self.deployer
    }

    /// Deploys `creation` (bytecode followed by the ABI-encoded constructor arguments);
    /// returns the address the contract will have.
    pub fn deploy(&mut self, label: &str, creation: Bytes, gas_limit: u64) -> Address {
        let address = self.deployer.create(self.next_nonce);
        self.push_deployer(label, TxKind::Create, U256::ZERO, creation, gas_limit);
        address
    }

    /// A call by the deployer.
    pub fn deployer_call(&mut self, label: &str, to: Address, input: impl Into<Bytes>, gas_limit: u64) {
        self.push_deployer(label, TxKind::Call(to), U256::ZERO, input.into(), gas_limit);
    }

    /// A call by generated account `account`, after every deployer transaction.
    pub fn account_call(&mut self, account: usize, label: &str, to: Address, input: impl Into<Bytes>, gas_limit: u64) {
        self.phases[1].push(SetupTx {
            from: Actor::Account(account),
            to: TxKind::Call(to),
            value_wei: U256::ZERO,
            input: input.into(),
            gas_limit,
            label: label.to_string(),
        });
    }

    fn push_deployer(&mut self, label: &str, to: TxKind, value_wei: U256, input: Bytes, gas_limit: u64) {
        self.next_nonce += 1;
        self.phases[0].push(SetupTx {
            from: Actor::Deployer,
            to,
            value_wei,
            input,
            gas_limit,
            label: label.to_string(),
        });
    }

    /// Every transaction, by phase.
    pub fn phases(&self) -> &[Vec<SetupTx>; PHASES] {
        &self.phases
    }

    pub fn len(&self) -> usize {
        self.phases.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many set-up transactions each of `accounts` generated accounts sends.
    pub fn per_account(&self, accounts: usize) -> Vec<u64> {
        let mut out = vec![0; accounts];
        for tx in self.phases.iter().flatten() {
            if let Actor::Account(i) = tx.from {
                out[i] += 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicts_create_addresses_from_the_deployer_nonce() {
        let deployer = Address::repeat_byte(7);
        let mut s = Setup::new(deployer, 3);
        let a = s.deploy("a", Bytes::new(), 1);
        s.deployer_call("call", a, Bytes::new(), 1);
        let b = s.deploy("b", Bytes::new(), 1);
        assert_eq!(a, deployer.create(3));
        assert_eq!(b, deployer.create(5));
        s.account_call(2, "approve", a, Bytes::new(), 1);
        assert_eq!(s.per_account(3), vec![0, 0, 1]);
        assert_eq!(s.len(), 4);
    }
}
