//! The planner: deploys the workloads' contracts (on paper), draws operations from the
//! mix, assigns senders round-robin with their nonces, provisions what the plan uses,
//! and signs the set-up and the load (in parallel, with libsecp256k1).

use std::{collections::BTreeMap, sync::Arc, time::Instant};

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::Encodable2718,
    primitives::{Address, TxKind},
};
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use workloads::{Actor, Check, GenCtx, Mix, Rng, Setup, WorkloadError};

use super::{Keyring, PlannedTx, RunCost, TxId, stream::StreamStats};
use crate::scenario::{Scenario, SigningMode, gwei_to_wei};

/// `PlannedTx::workload` of set-up transactions (they belong to no workload).
pub const SETUP_WORKLOAD: u16 = u16::MAX;

/// What signing cost, reported on its own (it happens before the measured window).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SigningStats {
    pub txs: u64,
    pub wall_seconds: f64,
    pub threads: usize,
    /// Wall time per transaction over all threads.
    pub per_tx_us: f64,
    /// Transactions signed while load was running (closed model without a count, or
    /// streamed).
    pub signed_during_run: u64,
    /// `presigned` (all before the load), `streamed` (ahead of the schedule, bounded),
    /// or `lazy` (closed model without a count: as slots free up).
    #[serde(default)]
    pub mode: SigningMode,
    /// How far ahead of the schedule the streamed signer ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streamed: Option<StreamStats>,
}

/// Everything a run sends, ready: the set-up by phase, the load, and what to check.
#[derive(Debug, Default)]
pub struct Prepared {
    /// Set-up transactions, by phase (each phase waits for the previous one's inclusion).
    pub setup: Vec<Vec<Arc<PlannedTx>>>,
    /// What each set-up transaction does, by id.
    pub setup_labels: BTreeMap<TxId, String>,
    /// The load, signed (empty when it is planned during the run).
    pub txs: Vec<Arc<PlannedTx>>,
    pub signing: SigningStats,
    /// Workload checks, with the index of their workload.
    pub checks: Vec<(usize, Check)>,
    /// What the generators want the user to know about this plan.
    pub warnings: Vec<String>,
    /// What the whole run can cost (the load too when it is streamed: generated once
    /// unsigned to add it up, then again as it is signed).
    pub cost: RunCost,
    /// Load transactions planned, and per workload (mix index).
    pub load_count: u64,
    pub planned_per_workload: Vec<u64>,
}

/// Generates and signs the run's transactions.
#[derive(Debug)]
pub struct Planner {
    keys: Arc<Keyring>,
    deployer: Arc<Keyring>,
    deployer_nonce: u64,
    mix: Mix,
    rng: Rng,
    nonces: Vec<u64>,
    next_sender: usize,
    next_id: TxId,
    chain_id: u64,
    max_fee: u128,
    tip: u128,
    /// To build the same planner again (the streamed load replays the generation).
    spec: Vec<workloads::WorkloadSpec>,
    seed: u64,
}

impl Planner {
    /// A planner for `scenario` on a chain with `chain_id`, whose accounts start at
    /// `nonces` and whose deployer (one key) at `deployer_nonce`.
    pub fn new(
        scenario: &Scenario,
        keys: Arc<Keyring>,
        deployer: Arc<Keyring>,
        chain_id: u64,
        nonces: Vec<u64>,
        deployer_nonce: u64,
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
            deployer,
            deployer_nonce,
            spec: scenario.workloads.clone(),
            seed: scenario.seed,
        })
    }

    /// The deployer key of a run with `seed` (one key, derived apart from the accounts').
    pub fn deployer_keys(seed: u64) -> Keyring {
        Self::deployer_keys_for_shard(seed, 0)
    }

    /// The deployer of shard `shard`: shard 0's is [`Planner::deployer_keys`]'s.
    pub fn deployer_keys_for_shard(seed: u64, shard: u32) -> Keyring {
        Keyring::derive_for_shard(seed ^ 0x6465_706c_6f79_6572, shard, 1)
    }

    /// Workload labels by index (`PlannedTx::workload`).
    pub fn workload_names(&self) -> Vec<&'static str> {
        self.mix.names()
    }

    /// The keyring the planner signs with.
    pub fn keys(&self) -> &Arc<Keyring> {
        &self.keys
    }

    /// How many transactions were planned so far (set-up included).
    pub fn planned(&self) -> u64 {
        u64::from(self.next_id)
    }

    fn tx(&self, nonce: u64, to: TxKind, op: &workloads::Op) -> TxEip1559 {
        TxEip1559 {
            chain_id: self.chain_id,
            nonce,
            gas_limit: op.gas_limit,
            max_fee_per_gas: self.max_fee,
            max_priority_fee_per_gas: self.tip,
            to,
            value: op.value_wei,
            access_list: Default::default(),
            input: op.input.clone(),
        }
    }

    pub(super) fn next_unsigned(&mut self, intended_ns: u64) -> PlannedTx {
        let sender = self.next_sender;
        self.next_sender = (self.next_sender + 1) % self.keys.len();
        let keys = self.keys.clone();
        let ctx = GenCtx { accounts: keys.addresses() };
        let (workload, op) = self.mix.next_op(&ctx, sender, &mut self.rng);
        let recipient = self.mix.native_recipient(workload, &op, &ctx).map(|r| r as u32);
        let nonce = self.nonces[sender];
        self.nonces[sender] += 1;
        let tx = self.tx(nonce, TxKind::Call(op.to), &op);
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
            op: op.kind,
        }
    }

    /// Plans one transaction now and signs it (closed model without a count).
    pub fn next_signed(&mut self) -> PlannedTx {
        let mut tx = self.next_unsigned(0);
        sign(&self.keys, &mut tx);
        tx
    }

    /// Plans the run: deployments, one load transaction per intended time (or none when
    /// `intended` is `None`: the load is planned as it runs), the provisioning that load
    /// needs, and signs it all on every core. Account nonces of the load come after the
    /// accounts' own set-up transactions.
    pub fn prepare(&mut self, intended: Option<&[u64]>) -> Prepared {
        let keys = self.keys.clone();
        let ctx = GenCtx { accounts: keys.addresses() };
        let mut setup = Setup::new(self.deployer.addresses()[0], self.deployer_nonce);
        self.mix.deploy(&mut setup, &ctx);
        let started_nonces = self.nonces.clone();
        let mut txs: Vec<PlannedTx> = intended.unwrap_or(&[]).iter().map(|&t| self.next_unsigned(t)).collect();
        let mut load_cost = RunCost::default();
        let mut per_workload = vec![0u64; self.mix.names().len()];
        for t in &txs {
            load_cost.add_load(t);
            per_workload[t.workload as usize] += 1;
        }
        setup.open_ended = intended.is_none();
        let (mut prepared, _) = self.finish_prepare(setup, started_nonces, &mut txs, load_cost, per_workload);
        prepared.txs = txs.into_iter().map(Arc::new).collect();
        prepared
    }

    /// Plans a streamed run: the set-up as [`Self::prepare`] does, and the load generated
    /// once unsigned to add up its cost and provisioning, then dropped. The planner
    /// returned generates the same load again, for the streamed signer.
    pub fn prepare_streamed(&mut self, times: &mut dyn Iterator<Item = u64>) -> (Prepared, Planner) {
        let keys = self.keys.clone();
        let ctx = GenCtx { accounts: keys.addresses() };
        let (scenario_deployer_nonce, first_id) = (self.deployer_nonce, self.next_id);
        let mut replay = self.fresh();
        let mut setup = Setup::new(self.deployer.addresses()[0], self.deployer_nonce);
        self.mix.deploy(&mut setup, &ctx);
        let mut throwaway = Setup::new(self.deployer.addresses()[0], scenario_deployer_nonce);
        replay.mix.deploy(&mut throwaway, &ctx);
        let started_nonces = self.nonces.clone();
        let mut load_cost = RunCost::default();
        let mut per_workload = vec![0u64; self.mix.names().len()];
        for t in times {
            let tx = self.next_unsigned(t);
            load_cost.add_load(&tx);
            per_workload[tx.workload as usize] += 1;
        }
        let (prepared, per_account) = self.finish_prepare(setup, started_nonces, &mut [], load_cost, per_workload);
        // The load's nonces come after each account's own set-up transactions.
        replay.nonces.iter_mut().zip(&per_account).for_each(|(n, k)| *n += k);
        replay.next_id = first_id;
        (prepared, replay)
    }

    /// The same planner, as `new` made it: same seed, same mix, same starting nonces.
    fn fresh(&self) -> Planner {
        let mix = Mix::new(&self.spec, self.keys.len()).expect("it was built from the same spec before");
        Planner {
            keys: self.keys.clone(),
            deployer: self.deployer.clone(),
            deployer_nonce: self.deployer_nonce,
            mix,
            rng: Rng::seed_from_u64(self.seed ^ 0x6761_7362_656e_6368),
            nonces: self.nonces.clone(),
            next_sender: self.next_sender,
            next_id: self.next_id,
            chain_id: self.chain_id,
            max_fee: self.max_fee,
            tip: self.tip,
            spec: self.spec.clone(),
            seed: self.seed,
        }
    }

    /// Provisions, shifts the load's nonces after the set-up's, and signs the set-up and
    /// `txs` on every core. Also returns each account's set-up transactions.
    fn finish_prepare(
        &mut self,
        mut setup: Setup,
        started_nonces: Vec<u64>,
        txs: &mut [PlannedTx],
        load_cost: RunCost,
        per_workload: Vec<u64>,
    ) -> (Prepared, Vec<u64>) {
        let keys = self.keys.clone();
        let ctx = GenCtx { accounts: keys.addresses() };
        self.mix.provision(&mut setup, &ctx);

        let per_account = setup.per_account(keys.len());
        for tx in txs.iter_mut() {
            tx.nonce += per_account[tx.sender as usize];
            tx.tx.nonce = tx.nonce;
        }
        self.nonces.iter_mut().zip(&per_account).for_each(|(n, k)| *n += k);

        let mut setup_nonces = started_nonces;
        let mut deployer_nonce = self.deployer_nonce;
        let mut labels = BTreeMap::new();
        let mut phases: Vec<Vec<PlannedTx>> = Vec::new();
        for phase in setup.phases() {
            let mut out = Vec::with_capacity(phase.len());
            for stx in phase {
                let (sender, from, nonce) = match stx.from {
                    Actor::Deployer => {
                        deployer_nonce += 1;
                        (u32::MAX, self.deployer.addresses()[0], deployer_nonce - 1)
                    }
                    Actor::Account(i) => {
                        setup_nonces[i] += 1;
                        (i as u32, ctx.accounts[i], setup_nonces[i] - 1)
                    }
                };
                let op = workloads::Op {
                    to: Address::ZERO,
                    value_wei: stx.value_wei,
                    input: stx.input.clone(),
                    gas_limit: stx.gas_limit,
                    kind: "setup",
                };
                let id = self.next_id;
                self.next_id += 1;
                labels.insert(id, stx.label.clone());
                out.push(PlannedTx {
                    id,
                    workload: SETUP_WORKLOAD,
                    sender,
                    from,
                    nonce,
                    hash: Default::default(),
                    raw: Default::default(),
                    tx: self.tx(nonce, stx.to, &op),
                    intended_ns: 0,
                    recipient: None,
                    op: "setup",
                });
            }
            if !out.is_empty() {
                phases.push(out);
            }
        }
        self.deployer_nonce = deployer_nonce;

        let started = Instant::now();
        let count = txs.len() + phases.iter().map(Vec::len).sum::<usize>();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(count.max(1));
        let chunk = txs.len().div_ceil(threads).max(1);
        let (keys_ref, deployer) = (&*self.keys, &*self.deployer);
        std::thread::scope(|s| {
            for part in txs.chunks_mut(chunk) {
                s.spawn(move || part.iter_mut().for_each(|tx| sign(keys_ref, tx)));
            }
            for tx in phases.iter_mut().flatten() {
                if tx.sender == u32::MAX {
                    sign_with(deployer, 0, tx);
                } else {
                    sign(keys_ref, tx);
                }
            }
        });
        let wall = started.elapsed().as_secs_f64();
        let signing = SigningStats {
            txs: count as u64,
            wall_seconds: wall,
            threads,
            per_tx_us: if count == 0 { 0.0 } else { wall * 1e6 / count as f64 },
            signed_during_run: 0,
            mode: SigningMode::Presigned,
            streamed: None,
        };
        let setup: Vec<Vec<Arc<PlannedTx>>> =
            phases.into_iter().map(|p| p.into_iter().map(Arc::new).collect()).collect();
        let mut cost = load_cost;
        cost.add_setup(setup.iter().flatten().map(|t| &**t));
        let prepared = Prepared {
            setup,
            setup_labels: labels,
            txs: Vec::new(),
            signing,
            checks: self.mix.checks(&ctx),
            warnings: self.mix.warnings(),
            cost,
            load_count: per_workload.iter().sum(),
            planned_per_workload: per_workload,
        };
        (prepared, per_account)
    }
}

pub(super) fn sign(keys: &Keyring, tx: &mut PlannedTx) {
    let i = tx.sender as usize;
    sign_with(keys, i, tx);
}

fn sign_with(keys: &Keyring, i: usize, tx: &mut PlannedTx) {
    let sig = keys.sign(i, &tx.tx.signature_hash());
    let envelope = TxEnvelope::from(tx.tx.clone().into_signed(sig));
    tx.hash = *envelope.tx_hash();
    tx.raw = envelope.encoded_2718().into();
}

#[cfg(test)]
mod tests {
    use alloy::{consensus::Transaction, eips::Decodable2718};

    use super::*;

    fn scenario(workload: &str) -> Scenario {
        crate::scenario::load_str(
            "t.yaml",
            &format!("name: t\nseed: 5\naccounts: {{count: 4}}\nworkloads: [{{kind: {workload}}}]\nload: {{open: {{rate: 10}}}}\nmeasure: {{duration: 1s}}\ntarget: {{kind: embedded}}\n"),
            &[],
            &Default::default(),
        )
        .unwrap()
    }

    fn planner(s: &Scenario) -> Planner {
        let keys = Arc::new(Keyring::derive(s.seed, 4));
        Planner::new(s, keys, Arc::new(Planner::deployer_keys(s.seed)), 1337, vec![0; 4], 0).unwrap()
    }

    #[test]
    fn signed_transactions_decode_recover_and_chain_nonces() {
        let s = scenario("transfer");
        let mut p = planner(&s);
        let prepared = p.prepare(Some(&(0..10).map(|i| i * 100).collect::<Vec<_>>()));
        let txs = &prepared.txs;
        assert_eq!(prepared.signing.txs, 10);
        assert!(prepared.setup.is_empty(), "plain transfers need no set-up");
        for tx in txs {
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
        let again = planner(&s).prepare(Some(&[0; 10])).txs;
        assert_eq!(again.iter().map(|t| t.hash).collect::<Vec<_>>(), txs.iter().map(|t| t.hash).collect::<Vec<_>>());
    }

    #[test]
    fn a_streamed_plan_generates_and_signs_the_same_load_and_set_up() {
        for workload in ["transfer", "amm_swap"] {
            let s = scenario(workload);
            let times: Vec<u64> = (0..600).map(|i| i * 1000).collect();
            let pre = planner(&s).prepare(Some(&times));
            let mut p = planner(&s);
            let (streamed, mut replay) = p.prepare_streamed(&mut times.iter().copied());
            let hashes = |txs: &[Arc<PlannedTx>]| txs.iter().map(|t| t.hash).collect::<Vec<_>>();
            assert_eq!(
                streamed.setup.iter().map(|p| hashes(p)).collect::<Vec<_>>(),
                pre.setup.iter().map(|p| hashes(p)).collect::<Vec<_>>()
            );
            assert_eq!(streamed.cost, pre.cost, "the dry pass adds up the same cost");
            assert_eq!((streamed.load_count, streamed.txs.len()), (600, 0));
            let mut again: Vec<PlannedTx> = times.iter().map(|&t| replay.next_unsigned(t)).collect();
            again.iter_mut().for_each(|t| sign(&keys_of(&replay), t));
            assert_eq!(again.iter().map(|t| t.hash).collect::<Vec<_>>(), hashes(&pre.txs), "{workload}");
            assert_eq!(
                again.iter().map(|t| t.id).collect::<Vec<_>>(),
                pre.txs.iter().map(|t| t.id).collect::<Vec<_>>()
            );
        }
    }

    fn keys_of(p: &Planner) -> Arc<Keyring> {
        p.keys().clone()
    }

    #[test]
    fn load_nonces_follow_each_accounts_setup_transactions() {
        let s = scenario("amm_swap");
        let mut p = planner(&s);
        let prepared = p.prepare(Some(&[0; 8]));
        assert_eq!(prepared.setup.len(), 2, "deployer phase, then accounts");
        let deployer = Planner::deployer_keys(s.seed).addresses()[0];
        assert!(prepared.setup[0].iter().all(|t| t.from == deployer));
        for (i, t) in prepared.setup[0].iter().enumerate() {
            assert_eq!(t.nonce, i as u64, "the deployer's chain of nonces");
        }
        // Each account approves two tokens in the set-up, then swaps from nonce 2.
        for tx in &prepared.txs {
            let approvals = prepared.setup[1].iter().filter(|t| t.sender == tx.sender).count() as u64;
            assert_eq!(approvals, 2);
            assert!(tx.nonce >= approvals);
        }
        assert_eq!(prepared.txs[0].nonce, 2);
        assert!(!prepared.checks.is_empty());
    }
}
