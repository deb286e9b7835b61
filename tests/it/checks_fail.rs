//! Every verdict can turn: runs on the real embedded chain behind a target that corrupts
//! one thing (hides, duplicates or invents an inclusion, misreports gas or a price, or
//! answers the post-run reads with the state before the load), or with an executor that
//! skips one state write, and the check that guards that thing fails, naming it. A
//! wrapper that corrupts nothing passes every check, so the wrapper is not the cause.

use std::{
    collections::HashMap,
    process::ExitCode,
    sync::{Arc, Mutex},
};

use alloy::primitives::{Address, B256, Bytes, U256};
use gasbench::{
    cli::{EXIT_CHECK_FAILED, finish_run},
    exec::{BlockCtx, ChainState, Executor, Sequential, TxOutcome},
    plan::{PlannedTx, RunCost, TxId},
    report::{Report, Verdict},
    runner::{RunOptions, run_on},
    scenario::TargetSpec,
    targets::{
        AccountState, ChainBlock, ChainEvent, EventSink, Rejection, Target, TargetError, TargetInfo, embedded::Embedded,
    },
};
use revm::{DatabaseRef, context::TxEnv};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::{scenario, small};

/// What the wrapper corrupts, once, on the first load transaction it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// Leaves a transaction out of its block's event: the chain has it, the recorder not.
    HideInclusion,
    /// Reports a transaction's inclusion a second time, in a block event of its own.
    DuplicateInclusion,
    /// Reports 1 more gas than the transaction used.
    WrongGas,
    /// Reports a price 1 wei per gas above what the transaction paid.
    WrongPrice,
    /// Accepts a transaction without passing it on, and reports it included.
    PhantomInclusion,
    /// After the run, answers every read with its answer from before the load: a chain
    /// where the load changed nothing.
    FrozenReads,
}

#[derive(Debug, Default)]
struct Faulted {
    /// The load's transactions (not the set-up's) seen at submit, by id.
    load: HashMap<TxId, B256>,
    /// The corrupted transaction's hash, once chosen.
    hash: Option<B256>,
    /// A transaction withheld from the chain, to report included.
    withheld: Option<TxId>,
    done: bool,
    /// Read answers from before the load.
    reads: HashMap<(Address, Bytes), Bytes>,
    stopped: bool,
    /// The fault waits for a block numbered at least this, and says which block it hit.
    from_block: u64,
    fault_block: Option<u64>,
}

/// The real embedded chain, behind a target that injects one fault.
#[derive(Debug)]
struct Faulty {
    inner: Arc<Embedded>,
    fault: Fault,
    state: Arc<Mutex<Faulted>>,
    forward: Mutex<Option<(CancellationToken, JoinHandle<()>)>>,
}

impl Faulty {
    fn new(inner: Embedded, fault: Fault) -> Self {
        Self { inner: Arc::new(inner), fault, state: Arc::default(), forward: Mutex::new(None) }
    }

    fn hash(&self) -> B256 {
        self.state.lock().unwrap().hash.expect("the fault was injected")
    }

    /// Corrupts `ev` as the fault says; may add events after it.
    fn corrupt(fault: Fault, st: &mut Faulted, ev: ChainEvent) -> Vec<ChainEvent> {
        let ChainEvent::Block(mut b) = ev else { return vec![ev] };
        if st.done {
            return vec![ChainEvent::Block(b)];
        }
        if let Some(id) = st.withheld {
            // Reported in the next block with a transaction to copy the figures from.
            if let Some(mut fake) = b.txs.first().cloned() {
                st.done = true;
                fake.id = id;
                b.txs.push(fake);
            }
            return vec![ChainEvent::Block(b)];
        }
        let corrupts_events =
            matches!(fault, Fault::HideInclusion | Fault::DuplicateInclusion | Fault::WrongGas | Fault::WrongPrice)
                && b.number >= st.from_block;
        let Some(i) = b.txs.iter().position(|t| st.load.contains_key(&t.id)).filter(|_| corrupts_events) else {
            return vec![ChainEvent::Block(b)];
        };
        st.hash = Some(st.load[&b.txs[i].id]);
        st.fault_block = Some(b.number);
        st.done = true;
        match fault {
            Fault::HideInclusion => {
                b.txs.remove(i);
            }
            Fault::DuplicateInclusion => {
                let mut again = b.clone();
                again.txs = vec![b.txs[i].clone()];
                return vec![ChainEvent::Block(b), ChainEvent::Block(again)];
            }
            Fault::WrongGas => b.txs[i].gas_used += 1,
            Fault::WrongPrice => b.txs[i].effective_gas_price_wei += 1,
            Fault::None | Fault::PhantomInclusion | Fault::FrozenReads => {}
        }
        vec![ChainEvent::Block(b)]
    }
}

#[async_trait::async_trait]
impl Target for Faulty {
    fn info(&self) -> TargetInfo {
        self.inner.info()
    }

    async fn prepare(&self, accounts: &[Address], balance: U256) -> Result<Vec<u64>, TargetError> {
        self.inner.prepare(accounts, balance).await
    }

    async fn fund(&self, cost: &RunCost) -> Result<(), TargetError> {
        self.inner.fund(cost).await
    }

    async fn start(&self, sink: EventSink) -> Result<(), TargetError> {
        let (mine, mut events) = EventSink::new(sink.clock());
        self.inner.start(mine).await?;
        let (cancel, fault, state) = (CancellationToken::new(), self.fault, self.state.clone());
        let stop = cancel.clone();
        let task = tokio::spawn(async move {
            let pass = |ev| {
                for ev in Self::corrupt(fault, &mut state.lock().unwrap(), ev) {
                    sink.emit(ev);
                }
            };
            loop {
                tokio::select! {
                    Some(ev) = events.recv() => pass(ev),
                    () = stop.cancelled() => break,
                }
            }
            while let Ok(ev) = events.try_recv() {
                pass(ev);
            }
        });
        *self.forward.lock().unwrap() = Some((cancel, task));
        Ok(())
    }

    async fn submit(&self, batch: &[Arc<PlannedTx>]) -> Vec<Result<(), Rejection>> {
        let withhold = {
            let mut st = self.state.lock().unwrap();
            st.load.extend(batch.iter().filter(|t| t.op != "setup").map(|t| (t.id, t.hash)));
            match batch.iter().position(|t| t.op != "setup") {
                Some(i) if self.fault == Fault::PhantomInclusion && st.withheld.is_none() => {
                    st.withheld = Some(batch[i].id);
                    st.hash = Some(batch[i].hash);
                    Some(i)
                }
                _ => None,
            }
        };
        let Some(i) = withhold else { return self.inner.submit(batch).await };
        let rest: Vec<Arc<PlannedTx>> =
            batch.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, t)| t.clone()).collect();
        let mut results = self.inner.submit(&rest).await;
        results.insert(i, Ok(()));
        results
    }

    async fn accounts(&self, addresses: &[Address]) -> Result<Vec<AccountState>, TargetError> {
        self.inner.accounts(addresses).await
    }

    async fn call(&self, to: Address, input: Bytes) -> Result<Bytes, TargetError> {
        let mut out = self.call_many(&[(to, input)]).await;
        out.pop().expect("one answer")
    }

    async fn call_many(&self, calls: &[(Address, Bytes)]) -> Vec<Result<Bytes, TargetError>> {
        let answers = self.inner.call_many(calls).await;
        if self.fault != Fault::FrozenReads {
            return answers;
        }
        let mut st = self.state.lock().unwrap();
        let stopped = st.stopped;
        calls
            .iter()
            .zip(answers)
            .map(|(call, answer)| match (stopped, answer) {
                (false, Ok(a)) => {
                    st.reads.entry(call.clone()).or_insert_with(|| a.clone());
                    Ok(a)
                }
                (true, Ok(a)) => Ok(st.reads.get(call).cloned().unwrap_or(a)),
                (_, Err(e)) => Err(e),
            })
            .collect()
    }

    async fn head_number(&self) -> Result<u64, TargetError> {
        self.inner.head_number().await
    }

    async fn blocks(&self, from: u64, to: u64) -> Result<Vec<ChainBlock>, TargetError> {
        self.inner.blocks(from, to).await
    }

    async fn stop(&self) {
        self.inner.stop().await;
        let forward = self.forward.lock().unwrap().take();
        if let Some((cancel, task)) = forward {
            cancel.cancel();
            task.await.unwrap();
        }
        self.state.lock().unwrap().stopped = true;
    }
}

/// An executor that executes correctly, then skips one write: the first block's first
/// value transfer is not credited to its recipient.
#[derive(Debug)]
struct SkipsACredit {
    inner: Sequential,
    skipped: Option<Address>,
}

impl Executor for SkipsACredit {
    fn name(&self) -> &'static str {
        "sequential (broken: skips a credit)"
    }

    fn execute(&mut self, state: &mut ChainState, block: &BlockCtx, txs: Vec<TxEnv>) -> Vec<TxOutcome> {
        let victim = txs.iter().find(|t| !t.value.is_zero()).and_then(|t| t.kind.to().map(|to| (*to, t.value)));
        let outcomes = self.inner.execute(state, block, txs);
        if let (None, Some((to, value))) = (self.skipped, victim) {
            let mut info = state.basic_ref(to).unwrap().unwrap_or_default();
            info.balance -= value;
            state.insert_account_info(to, info);
            self.skipped = Some(to);
        }
        outcomes
    }
}

/// Transfers for 1 s at 200 tx/s on a chain sealing every 100 ms.
fn transfers() -> gasbench::scenario::Scenario {
    scenario(
        &small(200, "1s", "target: {kind: embedded, block_time: 100ms}\n")
            .replace("drain_timeout: 5s", "drain_timeout: 1s"),
    )
}

/// Swaps, ERC-20 transfers and stakes for 1 s at 200 tx/s.
fn contracts() -> gasbench::scenario::Scenario {
    scenario(
        "name: contracts\nseed: 5\naccounts: {count: 60}\n\
         workloads: [{kind: amm_swap, pools: 2}, {kind: erc20_transfer}, {kind: staking}]\n\
         load: {open: {rate: 200}}\nmeasure: {warmup: 0s, duration: 1s, drain_timeout: 2s}\n\
         target: {kind: embedded, block_time: 100ms}\n",
    )
}

fn chain(s: &gasbench::scenario::Scenario) -> Embedded {
    let TargetSpec::Embedded(spec) = &s.target else { panic!("an embedded scenario") };
    Embedded::new(spec.clone())
}

fn run_faulty(s: &gasbench::scenario::Scenario, fault: Fault) -> (Report, Arc<Faulty>) {
    let target = Arc::new(Faulty::new(chain(s), fault));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let r = rt.block_on(run_on(s, target.clone(), &RunOptions::default(), CancellationToken::new())).unwrap();
    (r, target)
}

fn check<'a>(r: &'a Report, name: &str) -> &'a gasbench::report::CheckResult {
    r.effects
        .checks
        .iter()
        .find(|c| c.name.contains(name))
        .unwrap_or_else(|| panic!("no check {name}: {:?}", r.effects))
}

fn mismatch<'a>(r: &'a Report, kind: &str) -> &'a gasbench::report::Mismatch {
    r.reconciliation.mismatches.get(kind).unwrap_or_else(|| panic!("no {kind} mismatch: {:?}", r.reconciliation))
}

/// The reconciliation failed with one mismatch of `kind`, naming the corrupted transaction.
fn fails_once_naming(r: &Report, kind: &str, t: &Faulty) {
    assert_eq!(r.reconciliation.verdict, Verdict::Fail);
    let m = mismatch(r, kind);
    assert_eq!(m.count, 1);
    assert!(m.examples[0].contains(&t.hash().to_string()), "{m:?}");
}

#[test]
fn a_wrapper_that_corrupts_nothing_passes_every_check() {
    let (r, _) = run_faulty(&transfers(), Fault::None);
    assert_eq!(r.reconciliation.verdict, Verdict::Pass, "{:?}", r.reconciliation);
    assert_eq!(r.reconciliation.found_on_chain, r.accounting.included);
    assert_eq!(r.effects.verdict, "pass", "{:?}", r.effects);
    for name in ["effective gas price", "base fee burned", "coinbase credited"] {
        assert_eq!(check(&r, name).verdict, "pass", "{:?}", check(&r, name));
    }
    let (r, _) = run_faulty(&contracts(), Fault::None);
    assert_eq!(r.effects.verdict, "pass", "{:?}", r.effects);
    assert_eq!(r.reconciliation.verdict, Verdict::Pass, "{:?}", r.reconciliation);
}

#[test]
fn a_hidden_inclusion_fails_the_reconciliation_naming_the_transaction() {
    let (r, t) = run_faulty(&transfers(), Fault::HideInclusion);
    fails_once_naming(&r, "on_chain_but_not_counted", &t);
    // Its sender's nonce moved by one more than the recorder counted.
    assert_eq!(mismatch(&r, "sender_nonce").count, 1);
    assert!(r.accounting.balanced, "the accounting equation alone cannot see it");
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("report.json");
    assert_eq!(finish_run(&r, Some(&path)), ExitCode::from(EXIT_CHECK_FAILED));
    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(written["reconciliation"]["verdict"], "fail");
    crate::report_schema::assert_valid(&written);
}

#[test]
fn a_duplicated_inclusion_fails_the_reconciliation() {
    let (r, t) = run_faulty(&transfers(), Fault::DuplicateInclusion);
    fails_once_naming(&r, "included_twice", &t);
}

#[test]
fn an_inclusion_the_chain_never_made_fails_the_reconciliation() {
    let (r, t) = run_faulty(&transfers(), Fault::PhantomInclusion);
    fails_once_naming(&r, "counted_but_not_on_chain", &t);
}

#[test]
fn a_wrong_gas_figure_fails_the_burn_check_and_the_sender_balance() {
    let (r, _) = run_faulty(&transfers(), Fault::WrongGas);
    let burn = check(&r, "base fee burned");
    assert_eq!(burn.verdict, "fail", "{burn:?}");
    assert!(burn.detail.starts_with("1 of "), "{burn:?}");
    assert_eq!(r.effects.verdict, "fail");
    assert_eq!(r.effects.mismatches, 1, "{:?}", r.effects.details);
    assert_eq!(r.reconciliation.verdict, Verdict::Pass, "the chain has every transaction");
}

#[test]
fn an_altered_gas_price_fails_the_price_check_naming_the_transaction() {
    let (r, t) = run_faulty(&transfers(), Fault::WrongPrice);
    let price = check(&r, "effective gas price");
    assert_eq!(price.verdict, "fail", "{price:?}");
    assert!(price.detail.contains(&t.hash().to_string()), "{price:?}");
    assert_eq!(r.effects.verdict, "fail");
    // Fees are recomputed, not taken from the receipt: the balance still matches.
    assert_eq!(r.effects.mismatches, 0, "{:?}", r.effects.details);
}

#[test]
fn a_load_that_changed_nothing_fails_the_per_operation_checks_but_not_conservation() {
    let (r, _) = run_faulty(&contracts(), Fault::FrozenReads);
    for name in [
        "pool 0 reserves moved by each swap's constant-product amount",
        "ERC0 each holder's balance moved by its transfers",
        "pool 0 totalStaked moved by each stake's and unstake's amount",
    ] {
        assert_eq!(check(&r, name).verdict, "fail", "{:?}", check(&r, name));
    }
    // What the checks tested before: conservation holds on a chain where nothing moved.
    for name in ["pool 0 reserves match balances, k never decreases", "ERC0 supply conserved"] {
        assert_eq!(check(&r, name).verdict, "pass", "{:?}", check(&r, name));
    }
    assert_eq!(r.effects.verdict, "fail");
}

#[test]
fn an_executor_that_skips_a_state_write_fails_the_effects_check() {
    let s = transfers();
    let TargetSpec::Embedded(spec) = &s.target else { panic!("an embedded scenario") };
    let broken = SkipsACredit { inner: Sequential::default(), skipped: None };
    let target = Arc::new(Embedded::with_executor(spec.clone(), Box::new(broken)));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let r = rt.block_on(run_on(&s, target, &RunOptions::default(), CancellationToken::new())).unwrap();
    assert_eq!(r.effects.verdict, "fail");
    assert_eq!(r.effects.mismatches, 1, "{:?}", r.effects.details);
    assert!(r.effects.details[0].contains("balance"), "{:?}", r.effects.details);
    assert_eq!(r.reconciliation.verdict, Verdict::Pass, "every transaction is where it was reported");
    assert_eq!(finish_run(&r, None), ExitCode::from(EXIT_CHECK_FAILED));
}

/// A run long enough that the embedded chain drops the blocks it read back several times
/// over (it keeps 3 s of blocks; 10 s of load, 200 blocks): the reconciliation reads each
/// block while it is kept, so the accounting stays exact, and an inclusion hidden late in
/// the run (block 80 or later, after the first blocks were dropped) is still caught.
#[test]
fn a_long_run_recycling_the_chain_history_still_catches_a_hidden_inclusion() {
    let s = scenario(
        &small(200, "10s", "target: {kind: embedded, block_time: 50ms}\n")
            .replace("drain_timeout: 5s", "drain_timeout: 2s"),
    );
    let TargetSpec::Embedded(spec) = &s.target else { panic!("an embedded scenario") };
    let window = std::time::Duration::from_secs(3);
    let run = |fault: Fault| {
        let chain = Embedded::with_history_window(spec.clone(), window);
        let target = Arc::new(Faulty::new(chain, fault));
        target.state.lock().unwrap().from_block = 80;
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let r = rt.block_on(run_on(&s, target.clone(), &RunOptions::default(), CancellationToken::new())).unwrap();
        // The chain kept the last blocks only: the first were dropped long before the end.
        let kept = target.inner.history();
        let (first, last) = (kept.first().unwrap().number, kept.last().unwrap().number);
        assert!(first > 1 && last - first < 100, "kept blocks {first}..={last}");
        let old = rt.block_on(target.inner.blocks(1, 1)).unwrap_err().to_string();
        assert!(old.contains("no longer kept"), "{old}");
        (r, target)
    };
    let (clean, _) = run(Fault::None);
    assert_eq!(clean.reconciliation.verdict, Verdict::Pass, "{:?}", clean.reconciliation);
    assert_eq!(clean.reconciliation.found_on_chain, clean.accounting.included);
    assert!(clean.accounting.balanced, "{:?}", clean.accounting);
    assert!(clean.reconciliation.blocks_read > 100, "{:?}", clean.reconciliation);
    assert_eq!(clean.effects.verdict, "pass", "{:?}", clean.effects);

    let (r, t) = run(Fault::HideInclusion);
    assert!(t.state.lock().unwrap().fault_block.unwrap() >= 80);
    fails_once_naming(&r, "on_chain_but_not_counted", &t);
    assert_eq!(mismatch(&r, "sender_nonce").count, 1);
}
