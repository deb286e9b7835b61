//! The planner: draws operations from the mix, assigns senders round-robin with their
//! nonces, and signs (in parallel, with libsecp256k1).

use std::{sync::Arc, time::Instant};

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::Encodable2718,
    primitives::TxKind,
};
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use workloads::{GenCtx, Mix, Rng, WorkloadError};

use super::{Keyring, PlannedTx, TxId};
use crate::scenario::{Scenario, gwei_to_wei};

/// What signing cost, reported on its own (it happens before the measured window).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SigningStats {
    pub txs: u64,
    pub wall_seconds: f64,
    pub threads: usize,
    /// Wall time per transaction over all threads.
    pub per_tx_us: f64,
    /// Transactions signed while load was running (closed model without a count).
    pub signed_during_run: u64,
}

/// Generates and signs the run's transactions.
#[derive(Debug)]
pub struct Planner {
    keys: Arc<Keyring>,
    mix: Mix,
    rng: Rng,
    nonces: Vec<u64>,
    next_sender: usize,
    next_id: TxId,
    chain_id: u64,
    max_fee: u128,
    tip: u128,
}

impl Planner {
    /// A planner for `scenario` on a chain with `chain_id`, whose accounts start at
    /// `nonces` (all zero on a fresh chain).
    pub fn new(
        scenario: &Scenario,
        keys: Arc<Keyring>,
        chain_id: u64,
        nonces: Vec<u64>,
    ) -> Result<Self, WorkloadError> {
        let mix = Mix::new(&scenario.workloads, keys.len())?;
        Ok(Self {
            mix,
            rng: Rng::seed_from_u64(scenario.seed ^ 0x6761_7362_656e_6368),
            nonces,
            next_sender: 0,
            next_id: 0,
            chain_id,
            max_fee: gwei_to_wei(scenario.fees.max_fee_gwei),
            tip: gwei_to_wei(scenario.fees.priority_fee_gwei),
            keys,
        })
    }

    /// Workload labels by index (`PlannedTx::workload`).
    pub fn workload_names(&self) -> Vec<&'static str> {
        self.mix.names()
    }

    /// The keyring the planner signs with.
    pub fn keys(&self) -> &Arc<Keyring> {
        &self.keys
    }

    /// How many transactions were planned so far.
    pub fn planned(&self) -> u64 {
        u64::from(self.next_id)
    }

    fn next_unsigned(&mut self, intended_ns: u64) -> PlannedTx {
        let sender = self.next_sender;
        self.next_sender = (self.next_sender + 1) % self.keys.len();
        let ctx = GenCtx { accounts: self.keys.addresses() };
        let (workload, op) = self.mix.next_op(&ctx, sender, &mut self.rng);
        let recipient = self.mix.native_recipient(workload, &op, &ctx).map(|r| r as u32);
        let nonce = self.nonces[sender];
        self.nonces[sender] += 1;
        let tx = TxEip1559 {
            chain_id: self.chain_id,
            nonce,
            gas_limit: op.gas_limit,
            max_fee_per_gas: self.max_fee,
            max_priority_fee_per_gas: self.tip,
            to: TxKind::Call(op.to),
            value: op.value_wei,
            access_list: Default::default(),
            input: op.input,
        };
        let id = self.next_id;
        self.next_id += 1;
        PlannedTx {
            id,
            workload: workload as u16,
            sender: sender as u32,
            from: ctx.accounts[sender],
            nonce,
            hash: Default::default(),
            raw: Default::default(),
            tx,
            intended_ns,
            recipient,
        }
    }

    /// Plans and signs one transaction now (closed model without a count).
    pub fn next_signed(&mut self) -> PlannedTx {
        let mut tx = self.next_unsigned(0);
        sign(&self.keys, &mut tx);
        tx
    }

    /// Plans one transaction per intended time and signs them all on every core.
    pub fn presign(&mut self, intended: &[u64]) -> (Vec<Arc<PlannedTx>>, SigningStats) {
        let started = Instant::now();
        let mut txs: Vec<PlannedTx> = intended.iter().map(|&t| self.next_unsigned(t)).collect();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(txs.len().max(1));
        let chunk = txs.len().div_ceil(threads).max(1);
        let keys = &self.keys;
        std::thread::scope(|s| {
            for part in txs.chunks_mut(chunk) {
                s.spawn(move || part.iter_mut().for_each(|tx| sign(keys, tx)));
            }
        });
        let wall = started.elapsed().as_secs_f64();
        let stats = SigningStats {
            txs: txs.len() as u64,
            wall_seconds: wall,
            threads,
            per_tx_us: if txs.is_empty() { 0.0 } else { wall * 1e6 / txs.len() as f64 },
            signed_during_run: 0,
        };
        (txs.into_iter().map(Arc::new).collect(), stats)
    }
}

fn sign(keys: &Keyring, tx: &mut PlannedTx) {
    let sig = keys.sign(tx.sender as usize, &tx.tx.signature_hash());
    let envelope = TxEnvelope::from(tx.tx.clone().into_signed(sig));
    tx.hash = *envelope.tx_hash();
    tx.raw = envelope.encoded_2718().into();
}

#[cfg(test)]
mod tests {
    use alloy::{consensus::Transaction, eips::Decodable2718};

    use super::*;

    fn scenario() -> Scenario {
        crate::scenario::load_str(
            "t.yaml",
            "name: t\nseed: 5\naccounts: {count: 4}\nworkloads: [{kind: transfer}]\nload: {open: {rate: 10}}\nmeasure: {duration: 1s}\ntarget: {kind: embedded}\n",
            &[],
            &Default::default(),
        )
        .unwrap()
    }

    #[test]
    fn signed_transactions_decode_recover_and_chain_nonces() {
        let s = scenario();
        let keys = Arc::new(Keyring::derive(s.seed, 4));
        let mut p = Planner::new(&s, keys.clone(), 1337, vec![0; 4]).unwrap();
        let (txs, stats) = p.presign(&(0..10).map(|i| i * 100).collect::<Vec<_>>());
        assert_eq!(stats.txs, 10);
        for tx in &txs {
            let env = TxEnvelope::decode_2718(&mut tx.raw.as_ref()).unwrap();
            assert_eq!(*env.tx_hash(), tx.hash);
            let signed = env.as_eip1559().unwrap();
            // Recovered with alloy's k256 path, independent of our libsecp256k1 signing.
            let from = signed.signature().recover_address_from_prehash(&signed.signature_hash()).unwrap();
            assert_eq!(from, tx.from);
            assert_eq!(env.chain_id(), Some(1337));
            assert_eq!(env.nonce(), tx.nonce);
        }
        // Round-robin senders: the 5th transaction is sender 0's second.
        assert_eq!((txs[4].sender, txs[4].nonce), (0, 1));
        let again = Planner::new(&s, keys, 1337, vec![0; 4]).unwrap().presign(&[0; 10]).0;
        assert_eq!(again.iter().map(|t| t.hash).collect::<Vec<_>>(), txs.iter().map(|t| t.hash).collect::<Vec<_>>());
    }
}
