//! The recorder, fed synthetic events.

use alloy::consensus::TxEip1559;

use super::*;
use crate::report::Latencies;
use crate::targets::{IncludedTx, RejectKind};

const S: u64 = 1_000_000_000;

fn tx(id: u32, intended_ns: u64) -> Arc<PlannedTx> {
    Arc::new(PlannedTx {
        id,
        workload: 0,
        sender: 0,
        from: Default::default(),
        nonce: u64::from(id),
        hash: Default::default(),
        raw: Default::default(),
        tx: TxEip1559::default(),
        intended_ns,
        recipient: None,
        op: "transfer",
    })
}

fn recorder() -> Recorder {
    Recorder::new(
        RecorderConfig {
            workloads: vec!["transfer"],
            window_start_ns: S,
            window_end_ns: 3 * S,
            late_threshold_ns: 10_000_000,
        },
        8,
    )
}

fn block(observed_ns: u64, ids: &[u32]) -> ChainEvent {
    ChainEvent::Block(BlockEvent {
        number: 1,
        hash: alloy::primitives::B256::ZERO,
        observed_ns,
        base_fee_wei: 7,
        gas_used: 21_000 * ids.len() as u64,
        gas_limit: 42_000,
        txs: ids
            .iter()
            .map(|&id| IncludedTx {
                id,
                success: id != 2,
                gas_used: 21_000,
                effective_gas_price_wei: 10,
                l1_fee_wei: None,
                revert_data: None,
            })
            .collect(),
        foreign_txs: 0,
    })
}

#[test]
fn latency_is_measured_from_the_intended_time_and_everything_is_accounted() {
    let mut r = recorder();
    let txs: Vec<_> = (0..5).map(|i| tx(i, S + u64::from(i) * 1_000_000)).collect();
    // Sent 200 ms late (a stalled sender): latency still counts from intended time.
    r.on_sent(&txs, None, S + 200_000_000);
    let ok = Ok(());
    let rej = Err(Rejection { kind: RejectKind::NonceTooLow, message: "nonce too low".into() });
    r.on_acks(&txs, &[ok.clone(), ok.clone(), ok.clone(), rej, ok], S + 250_000_000);
    r.on_event(&block(S + 500_000_000, &[0, 1, 2]), S + 500_000_000);
    r.on_event(&ChainEvent::Dropped { id: 4, reason: "excluded: gas".into() }, 2 * S);
    assert_eq!(r.pending(), 0);
    r.finish(3 * S);
    let a = r.measured().accounting(6);
    assert_eq!((a.sent, a.included, a.reverted, a.rejected, a.dropped, a.not_sent), (5, 3, 1, 1, 1, 1));
    let l = r.measured().latencies();
    assert_eq!(l[Stage::INCLUSION].count, 3);
    assert!(l[Stage::INCLUSION].min_us >= 497_000 && l[Stage::INCLUSION].max_us <= 501_000, "{l:?}");
    // The rejected (3) and dropped (4) ones count in the all-sent latency at their
    // timeout, the run's end (3 s) minus their intended time: ~1,997 ms.
    assert_eq!(l[Stage::INCLUSION_ALL_SENT].count, 5);
    assert!(
        l[Stage::INCLUSION_ALL_SENT].max_us >= 1_995_000 && l[Stage::INCLUSION_ALL_SENT].max_us <= 1_999_000,
        "{l:?}"
    );
    assert_eq!(l[Stage::INCLUSION_ALL_SENT].p50_us, l[Stage::INCLUSION].max_us, "the median is still an included one");
    assert!(l[Stage::INCLUSION_ALL_SENT].p90_us > l[Stage::INCLUSION].max_us);
    let f = &l.failures;
    assert_eq!((f.sent, f[Stage::SUBMIT].count, f[Stage::INCLUSION].count, f.pending_at_end), (5, 1, 2, 0));
    assert_eq!((f[Stage::SUBMIT].share_of_sent, f[Stage::INCLUSION].share_of_sent), (0.2, 0.4));
    assert!(l[Stage::SUBMIT].min_us >= 245_000);
    assert_eq!(r.measured().load(crate::report::LoadModel::Open, 5, 2.0, None).late_sends, 5);
    let f = r.measured().fees();
    assert_eq!(f.total_wei, Wei(3 * 21_000 * 10));
    assert_eq!(f.base_fee_wei, Wei(3 * 21_000 * 7));
    assert_eq!(f.priority_fee_wei, Wei(3 * 21_000 * 3));
    let resolved = r.take_resolved();
    let reverted = resolved
        .iter()
        .find_map(|x| match &x.outcome {
            Outcome::Included(i) if x.tx.id == 2 => Some(*i),
            _ => None,
        })
        .expect("id 2 was included (and reverted)");
    assert_eq!((reverted.success, reverted.fee_wei, reverted.block, reverted.order), (false, 210_000, 1, 2));
    assert_eq!(resolved.len(), 5, "each sent transaction is handed out once: {resolved:?}");
    assert!(r.take_resolved().is_empty(), "and only once");
}

#[test]
fn pending_transactions_end_as_dropped_and_duplicates_are_anomalies() {
    let mut r = recorder();
    let txs = vec![tx(0, S), tx(1, S)];
    r.on_sent(&txs, None, S);
    r.on_acks(&txs, &[Ok(()), Ok(())], S);
    r.on_event(&block(S, &[0]), S);
    r.on_event(&block(S, &[0]), S);
    r.finish(3 * S);
    let a = r.measured().accounting(2);
    assert_eq!((a.included, a.dropped, a.pending_at_end), (1, 1, 1));
    let l = r.measured().latencies();
    assert_eq!((l.failures[Stage::INCLUSION].count, l.failures.pending_at_end), (1, 1));
    assert!(
        (1_998_000..=2_002_000).contains(&l[Stage::INCLUSION_ALL_SENT].max_us),
        "pending since 1 s, run end 3 s: {l:?}"
    );
    assert_eq!(r.measured().failures().anomalies, 1);
}

#[test]
fn warmup_is_excluded_from_figures_but_not_from_accounting() {
    let mut r = recorder();
    let txs = vec![tx(0, S / 2), tx(1, S + 1)];
    r.on_sent(&txs, None, S / 2);
    r.on_event(&block(S + 10, &[0, 1]), S + 10);
    r.finish(3 * S);
    assert_eq!(r.measured().latencies()[Stage::INCLUSION].count, 1);
    assert_eq!(r.measured().accounting(2).included, 2);
}

#[test]
fn a_later_stage_is_recorded_by_name_and_lands_in_the_report_as_a_key() {
    let mut r = recorder();
    let txs = vec![tx(0, S), tx(1, S), tx(2, S)];
    r.on_sent(&txs, None, S);
    r.on_acks(&txs, &[Ok(()), Ok(()), Ok(())], S);
    r.on_event(&block(S + 100_000_000, &[0, 1]), S + 100_000_000);
    let safe = Stage::SAFE;
    // 2 was never included: a later stage for it is an anomaly, not a latency.
    r.on_event(&ChainEvent::Reached { stage: safe.clone(), ids: vec![0, 1, 2], observed_ns: 3 * S }, 3 * S);
    r.finish(4 * S);
    let l = r.measured().latencies();
    assert_eq!(l[safe.clone()].count, 2);
    assert!((1_999_000..=2_001_000).contains(&l[safe.clone()].p50_us), "{l:?}");
    assert_eq!(r.measured().failures().anomalies, 1);
    assert_eq!(r.measured().workloads(&[3], &[])["transfer"].latency[safe].count, 2);
    let json = serde_json::to_value(&l).unwrap();
    assert_eq!(json["safe"]["count"], 2);
    assert_eq!(json["inclusion"]["count"], 2);
    assert!(json.get("finalized").is_none(), "a stage no target reported is absent: {json}");
    let back: Latencies = serde_json::from_value(json).unwrap();
    assert_eq!(back, l);
}
