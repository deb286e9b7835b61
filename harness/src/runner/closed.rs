//! The closed model: keep `in_flight` transactions sent and not yet resolved (included,
//! rejected or dropped); each resolution frees a slot. Bounded by count and time. A
//! transaction's intended send time is the moment its slot freed, before it is signed
//! (lazy planning) or waits for a submission slot: both count in its latency.

use std::{
    sync::{Arc, Mutex},
    time::Instant,
};

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::{
    feed::Feed,
    model::{Drive, Model, OnBatch},
    submit::{MAX_BATCH, Submitter},
};
use crate::{
    clock::Clock,
    metrics::Recorder,
    plan::{PlannedTx, Planner},
    report,
    scenario::SigningMode,
};

/// The closed model: see the module docs.
#[derive(Debug, Clone)]
pub struct Closed {
    pub in_flight: u32,
    /// Transactions planned ahead; `None`: only time bounds the run, and each is signed
    /// when its slot frees.
    pub count: Option<u64>,
}

#[async_trait::async_trait]
impl Model for Closed {
    fn kind(&self) -> report::LoadModel {
        report::LoadModel::Closed
    }

    fn signing(&self, asked: SigningMode) -> SigningMode {
        if self.count.is_none() { SigningMode::Lazy } else { asked }
    }

    fn count(&self) -> Option<u64> {
        self.count
    }

    fn in_flight(&self) -> Option<u32> {
        Some(self.in_flight)
    }

    async fn drive(
        &self,
        feed: Feed<'_>,
        planner: &mut Planner,
        d: &Drive<'_>,
        on_batch: &mut OnBatch<'_>,
    ) -> (u64, f64) {
        let source = if self.count.is_some() { Source::Planned(feed) } else { Source::Lazy(planner) };
        run(source, self.in_flight, d.submitter, d.recorder, d.clock, d.end_ns, d.cancel, on_batch).await
    }
}

/// Plans and signs the next transaction when the closed loop needs one.
pub trait SignNext: Send {
    fn next_signed(&mut self) -> PlannedTx;
}

impl SignNext for Planner {
    fn next_signed(&mut self) -> PlannedTx {
        Planner::next_signed(self)
    }
}

/// Where the closed loop takes its transactions from.
pub enum Source<'a> {
    /// Signed ahead, before the load or streamed (the scenario gave a count).
    Planned(Feed<'a>),
    /// Signed as needed (no count: only time bounds the run).
    Lazy(&'a mut dyn SignNext),
}

impl core::fmt::Debug for Source<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Planned(feed) => write!(f, "Planned({feed:?})"),
            Self::Lazy(_) => f.write_str("Lazy"),
        }
    }
}

/// Runs the closed loop; hands each batch sent to `on_batch`, and returns how many were
/// sent and the seconds spent signing during the run (lazy source).
#[allow(clippy::too_many_arguments)]
pub async fn run(
    mut source: Source<'_>,
    in_flight: u32,
    submitter: &Submitter,
    recorder: &Arc<Mutex<Recorder>>,
    clock: Clock,
    end_ns: u64,
    cancel: &CancellationToken,
    mut on_batch: impl FnMut(&[Arc<PlannedTx>]),
) -> (u64, f64) {
    let slots = Arc::new(Semaphore::new(in_flight as usize));
    crate::lock(recorder).notify_completions(slots.clone());
    let mut sent = 0u64;
    let mut signing = 0.0;
    let deadline = clock.instant_at(end_ns);
    // The first `in_flight` slots are free from the start.
    let (start_ns, mut initial_left) = (clock.now_ns(), in_flight as usize);
    loop {
        if cancel.is_cancelled() {
            break;
        }
        let first = tokio::select! {
            p = slots.acquire() => p.expect("never closed"),
            () = tokio::time::sleep_until(deadline.into()) => break,
            () = cancel.cancelled() => break,
        };
        first.forget();
        let extra = slots.available_permits().min(MAX_BATCH - 1);
        if extra > 0 {
            slots.try_acquire_many(extra as u32).expect("permits are available").forget();
        }
        let n = 1 + extra;
        // When each slot freed (oldest first): taken now, before signing.
        let from_start = n.min(initial_left);
        initial_left -= from_start;
        let mut intended = vec![start_ns; from_start];
        intended.extend(crate::lock(recorder).take_freed(n - from_start));
        intended.resize(n, clock.now_ns());
        let batch: Vec<Arc<PlannedTx>> = match &mut source {
            Source::Planned(feed) => {
                let b = tokio::select! {
                    b = feed.take_exact(n) => b,
                    () = cancel.cancelled() => break,
                };
                if b.is_empty() {
                    break;
                }
                b
            }
            Source::Lazy(planner) => {
                let t = Instant::now();
                let b = (0..n).map(|_| Arc::new(planner.next_signed())).collect();
                signing += t.elapsed().as_secs_f64();
                b
            }
        };
        sent += batch.len() as u64;
        on_batch(&batch);
        intended.truncate(batch.len());
        let permit = tokio::select! {
            p = submitter.reserve() => p,
            () = cancel.cancelled() => break,
        };
        submitter.send(permit, batch, Some(&intended));
    }
    submitter.flush().await;
    (sent, signing)
}

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use alloy::{
        consensus::TxEip1559,
        primitives::{Address, Bytes, U256},
    };

    use super::*;
    use crate::report::Stage;
    use crate::{
        metrics::RecorderConfig,
        targets::{
            AccountState, BlockEvent, ChainEvent, EventSink, IncludedTx, Rejection, Target, TargetError, TargetInfo,
        },
    };

    /// What signing costs in the test: far above anything else the loop does.
    const SIGN: Duration = Duration::from_millis(20);

    /// A signer as slow as `SIGN`, busy all the while (signing is CPU work).
    struct SlowSigner(u32);

    impl SignNext for SlowSigner {
        fn next_signed(&mut self) -> PlannedTx {
            let t = Instant::now();
            while t.elapsed() < SIGN {
                core::hint::spin_loop();
            }
            self.0 += 1;
            PlannedTx {
                id: self.0 - 1,
                workload: 0,
                sender: 0,
                from: Address::ZERO,
                nonce: u64::from(self.0),
                hash: Default::default(),
                raw: Default::default(),
                tx: TxEip1559::default(),
                intended_ns: 0,
                recipient: None,
                op: "transfer",
            }
        }
    }

    /// A chain that includes every transaction the moment it is submitted, so that a
    /// transaction's latency is the loop's own doing: what it measures from.
    #[derive(Debug)]
    struct InstantChain {
        recorder: Arc<Mutex<Recorder>>,
        clock: Clock,
    }

    #[async_trait::async_trait]
    impl Target for InstantChain {
        fn info(&self) -> TargetInfo {
            TargetInfo {
                kind: crate::scenario::TargetKind::Embedded,
                chain_id: 1,
                block_gas_limit: 0,
                executor: None,
                notes: vec![],
                warnings: vec![],
            }
        }
        async fn prepare(&self, a: &[Address], _: U256) -> Result<Vec<u64>, TargetError> {
            Ok(vec![0; a.len()])
        }
        async fn start(&self, _: EventSink) -> Result<(), TargetError> {
            Ok(())
        }
        async fn submit(&self, batch: &[Arc<PlannedTx>]) -> Vec<Result<(), Rejection>> {
            let now = self.clock.now_ns();
            let txs = batch
                .iter()
                .map(|t| IncludedTx {
                    id: t.id,
                    success: true,
                    gas_used: 21_000,
                    effective_gas_price_wei: 1,
                    l1_fee_wei: None,
                    revert_data: None,
                })
                .collect();
            let block = BlockEvent {
                number: 1,
                hash: alloy::primitives::B256::ZERO,
                observed_ns: now,
                base_fee_wei: 1,
                gas_used: 0,
                gas_limit: 1,
                txs,
                foreign_txs: 0,
            };
            crate::lock(&self.recorder).on_event(&ChainEvent::Block(block), now);
            vec![Ok(()); batch.len()]
        }
        async fn accounts(&self, a: &[Address]) -> Result<Vec<AccountState>, TargetError> {
            Ok(vec![AccountState::default(); a.len()])
        }
        async fn call(&self, _: Address, _: Bytes) -> Result<Bytes, TargetError> {
            Ok(Bytes::new())
        }
        async fn stop(&self) {}
    }

    #[tokio::test]
    async fn a_lazy_closed_run_counts_signing_in_latency() {
        let clock = Clock::start();
        let end_ns = 1_000_000_000;
        let cfg = RecorderConfig {
            workloads: vec!["transfer"],
            window_start_ns: 0,
            window_end_ns: u64::MAX,
            late_threshold_ns: 10_000_000,
        };
        let recorder = Arc::new(Mutex::new(Recorder::new(cfg, 64)));
        let target = Arc::new(InstantChain { recorder: recorder.clone(), clock });
        let submitter = Submitter::new(target, recorder.clone(), clock, 4);
        let mut signer = SlowSigner(0);
        let (sent, signing_s) =
            run(Source::Lazy(&mut signer), 1, &submitter, &recorder, clock, end_ns, &CancellationToken::new(), |_| {})
                .await;
        let mut r = crate::lock(&recorder);
        r.finish(clock.now_ns());
        let l = r.measured().latencies();
        assert!(sent >= 3, "{sent} sent");
        assert_eq!(l[Stage::INCLUSION].count, sent, "{l:?}");
        // Each transaction's latency runs from its slot freeing, so it includes its own
        // signing; measured from after signing it would be microseconds.
        let sign_us = SIGN.as_micros() as u64;
        assert!(l[Stage::INCLUSION].min_us >= sign_us * 999 / 1000, "{l:?}");
        assert!(l[Stage::SUBMIT].min_us >= sign_us * 999 / 1000, "{l:?}");
        assert!(signing_s >= SIGN.as_secs_f64() * sent as f64, "{signing_s}");
    }
}
