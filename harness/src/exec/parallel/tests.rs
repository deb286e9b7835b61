//! Named cases: each a block that exercises one hard corner of parallel execution,
//! executed sequentially and in parallel (1, 2 and 4 threads, with random yields in
//! state reads), with outcomes (status, gas, logs) and final state compared.

use core::time::Duration;

use alloy::primitives::{Address, Bytes, TxKind, U256, address, hex};
use revm::{bytecode::Bytecode, context::TxEnv, state::AccountInfo};

use super::{Parallel, ParallelConfig};
use crate::exec::{BlockCtx, ChainState, ExecCounters, Executor, Sequential, TxOutcome, outcome_diff, state_diff};

const COINBASE: Address = address!("00000000000000000000000000000000000c0ffe");
/// Increments slot 0 and logs the new value: `sstore(0, sload(0) + 1); log0(new)`.
const COUNTER_CODE: &str = "5f54600101805f555f5260205fa000";
const COUNTER: Address = address!("0000000000000000000000000000000000c0c0c0");
/// `selfbalance` is not enough: `balance(coinbase)` stored in slot 0.
const READS_COINBASE: Address = address!("0000000000000000000000000000000000ba1a1c");
const REVERTS: Address = address!("000000000000000000000000000000000000dead");
const INVALID: Address = address!("000000000000000000000000000000000000bad0");
const ETH: u128 = 1_000_000_000_000_000_000;

fn user(i: u8) -> Address {
    Address::with_last_byte(i).into_array().map(|b| b ^ 0x55).into()
}

fn block() -> BlockCtx {
    BlockCtx {
        number: 1,
        timestamp: 1_700_000_000,
        base_fee_wei: 1_000_000_000,
        gas_limit: 100_000_000,
        coinbase: COINBASE,
        chain_id: 1337,
    }
}

fn state() -> ChainState {
    let mut s = ChainState::default();
    for i in 0..40 {
        s.insert_account_info(user(i), AccountInfo { balance: U256::from(10 * ETH), ..Default::default() });
    }
    s.insert_account_info(COINBASE, AccountInfo { balance: U256::from(ETH), ..Default::default() });
    for (addr, code) in [(COUNTER, COUNTER_CODE), (READS_COINBASE, "41315f5500"), (REVERTS, "5f5ffd"), (INVALID, "fe")]
    {
        let code = Bytecode::new_raw(Bytes::from(hex::decode(code).unwrap()));
        s.insert_account_info(
            addr,
            AccountInfo { code_hash: code.hash_slow(), code: Some(code), ..Default::default() },
        );
    }
    s
}

fn tx(from: Address, nonce: u64, to: TxKind, value: u128, gas: u64) -> TxEnv {
    TxEnv {
        tx_type: 2,
        caller: from,
        gas_limit: gas,
        gas_price: 3_000_000_000,
        kind: to,
        value: U256::from(value),
        nonce,
        chain_id: Some(1337),
        gas_priority_fee: Some(1_000_000_000),
        ..TxEnv::default()
    }
}

fn send(from: u8, nonce: u64, to: Address, value: u128) -> TxEnv {
    tx(user(from), nonce, TxKind::Call(to), value, 100_000)
}

/// Independent transfers from users 20.. (nonce 0), to pad a block.
fn padding(n: u8) -> Vec<TxEnv> {
    (0..n).map(|i| send(20 + i, 0, user(i % 5), 1000)).collect()
}

/// Runs `txs` both ways on a fresh state; returns the parallel outcomes and the
/// counters of the last parallel run.
fn check(txs: &[TxEnv]) -> (Vec<TxOutcome>, ExecCounters) {
    check_on(&state(), txs)
}

/// As [`check`], from `genesis`.
fn check_on(genesis: &ChainState, txs: &[TxEnv]) -> (Vec<TxOutcome>, ExecCounters) {
    let mut seq_state = genesis.clone();
    let seq = Sequential::default().execute(&mut seq_state, &block(), txs.to_vec());
    let mut last = ExecCounters::default();
    for threads in [1, 2, 4] {
        // The default (hints, groups, a block of one group run straight) with and
        // without stress; the last runs a block of one group through the multi-version
        // memory too, under stress: its counters are returned.
        for (stress, hints, groups, straight) in [
            (true, false, false, false),
            (true, true, false, false),
            (false, true, true, true),
            (true, true, true, true),
            (true, true, true, false),
        ] {
            let mut p = Parallel::new(ParallelConfig {
                min_txs: 1,
                stress,
                adaptive: false,
                hints,
                groups,
                straight,
                ..ParallelConfig::new(threads, Duration::ZERO)
            });
            // Twice: the second run has the hints learned from the first.
            for run in 0..2 {
                let before = p.counters();
                let mut st = genesis.clone();
                let out = p.execute(&mut st, &block(), txs.to_vec());
                let case = format!(
                    "{threads} threads, stress {stress}, hints {hints}, groups {groups}, straight {straight}, run {run}"
                );
                assert_eq!(outcome_diff(&seq, &out), None, "{case}");
                assert_eq!(state_diff(&seq_state, &st), None, "{case}");
                last = p.counters().since(&before);
            }
        }
    }
    (seq, last)
}

fn included(o: &[TxOutcome]) -> usize {
    o.iter().filter(|o| matches!(o, TxOutcome::Included(_))).count()
}

#[test]
fn block_producer_as_sender_and_as_recipient_stays_parallel() {
    let mut txs = padding(10);
    txs.push(tx(COINBASE, 0, TxKind::Call(user(1)), 5, 21_000));
    txs.extend(padding(10).into_iter().map(|mut t| {
        t.nonce = 1;
        t
    }));
    let (_, c) = check(&txs);
    assert_eq!((c.fallbacks, c.parallel_blocks), (0, 1), "the producer's account is read lazily: {c:?}");
    let mut txs = padding(10);
    txs.insert(5, send(1, 0, COINBASE, 7));
    let (out, c) = check(&txs);
    assert_eq!((included(&out), c.fallbacks), (11, 0));
}

#[test]
fn a_builder_paying_the_proposer_from_the_coinbase_at_the_end_of_the_block() {
    let mut txs = padding(16);
    txs.push(tx(COINBASE, 0, TxKind::Call(user(39)), ETH / 10, 21_000));
    let (out, c) = check(&txs);
    assert_eq!((included(&out), c.fallbacks), (17, 0), "{c:?}");
}

#[test]
fn a_producer_spending_fees_it_is_owed_in_the_same_block() {
    // The producer starts with 1 ETH and pays out more than that: only the fees of the
    // earlier transactions make it affordable (its fee-free balance goes "negative").
    let mut txs = padding(12);
    let fees: u128 = 12 * 21_000 * 1_000_000_000;
    txs.push(tx(COINBASE, 0, TxKind::Call(user(39)), ETH + fees / 2, 21_000));
    txs.extend((0..4).map(|i| send(34 + i, 0, COINBASE, 3)));
    let (out, c) = check(&txs);
    assert_eq!((included(&out), c.fallbacks), (17, 0), "{c:?}");
    // Without the fees before it, the payment would not be affordable.
    let mut alone = state();
    let TxOutcome::Excluded(_) = &Sequential::default().execute(&mut alone, &block(), txs[12..13].to_vec())[0] else {
        panic!("1 ETH does not cover the payment without the block's fees")
    };
}

#[test]
fn balance_of_the_block_producer() {
    let mut txs = padding(12);
    txs.insert(6, send(1, 0, READS_COINBASE, 0));
    let (out, c) = check(&txs);
    assert_eq!(included(&out), 13);
    assert_eq!((c.fallbacks, c.fallback_coinbase), (1, 1), "read at run time, so the block falls back: {c:?}");
}

#[test]
fn a_give_up_found_while_speculating_teaches_the_adaptive_policy() {
    // Every block reads the coinbase mid-block: speculation gives up each time it runs.
    // The policy must learn that the parallel attempt cost more than running
    // sequentially, and stop attempting it (save rare probes).
    let mut p = Parallel::new(ParallelConfig { min_txs: 1, ..ParallelConfig::new(2, Duration::ZERO) });
    let mut st = state();
    for k in 0..12u64 {
        let mut txs: Vec<TxEnv> = (0..12).map(|i| send(20 + i, k, user(i % 5), 1000)).collect();
        txs.insert(6, send(1, k, READS_COINBASE, 0));
        p.execute(&mut st, &block(), txs);
    }
    let c = p.counters();
    assert_eq!(c.blocks, 12);
    // Unfed, the policy never learns the parallel mode's cost and attempts it on all 12
    // blocks. Fed, it attempts the first block and a probe or two (2 or 3 of 12). The
    // bounds leave room for a few flips caused by timing noise (the costs compared are
    // measured, and a test process can be preempted mid-block), not for the unfed 12.
    assert!(c.fallback_coinbase <= 6, "parallel attempted again and again: {c:?}");
    assert!(c.fallback_policy >= 6, "the policy chose sequential: {c:?}");
    assert_eq!(c.parallel_blocks, 0, "{c:?}");
}

#[test]
fn adaptive_on_one_thread_runs_every_block_sequentially() {
    // With one thread nothing overlaps, so a parallel attempt can only cost more; the
    // policy's noisy cost comparison used to try it anyway (34% of the blocks of one AMM
    // pool in exec-bench, 0.86x). Independent transfers, which two threads would run in
    // parallel: with one, none is attempted.
    let run = |threads| {
        let mut p = Parallel::new(ParallelConfig { min_txs: 1, ..ParallelConfig::new(threads, Duration::ZERO) });
        let mut st = state();
        for k in 0..12u64 {
            let txs: Vec<TxEnv> = (0..12).map(|i| send(20 + i, k, user(i % 5), 1000)).collect();
            p.execute(&mut st, &block(), txs);
        }
        p.counters()
    };
    let one = run(1);
    assert_eq!((one.blocks, one.parallel_blocks, one.fallback_policy), (12, 0, 12), "{one:?}");
    let two = run(2);
    assert!(two.parallel_blocks > 0, "the policy measures the parallel mode first on two threads: {two:?}");
}

#[test]
fn create_inside_the_block_then_calls_to_it() {
    // Init code: copy the 15-byte counter runtime from offset 10 and return it.
    let init = Bytes::from(hex::decode(format!("600f600a5f39600f5ff3{COUNTER_CODE}")).unwrap());
    let mut create = tx(user(1), 0, TxKind::Create, 0, 200_000);
    create.data = init;
    let created = user(1).create(0);
    let mut txs = vec![create];
    txs.extend((2..12).map(|i| send(i, 0, created, 0)));
    txs.extend(padding(6));
    let (out, c) = check(&txs);
    assert_eq!(included(&out), 17);
    assert_eq!(c.fallbacks, 0, "{c:?}");
    let TxOutcome::Included(last) = &out[10] else { panic!("{:?}", out[10]) };
    assert_eq!(last.logs[0].data.data.as_ref(), U256::from(10).to_be_bytes::<32>(), "ten increments, in order");
}

#[test]
fn reverts_and_halts_mixed_with_successes() {
    let mut txs = Vec::new();
    for i in 0..12u8 {
        txs.push(match i % 4 {
            0 => send(i, 0, REVERTS, 0),
            1 => send(i, 0, INVALID, 0),
            2 => tx(user(i), 0, TxKind::Call(COUNTER), 0, 21_100), // out of gas
            _ => send(i, 0, COUNTER, 0),
        });
    }
    txs.push(send(12, 0, Address::with_last_byte(3), 1)); // a transfer to a precompile
    let (out, _) = check(&txs);
    let failed = out.iter().filter(|o| matches!(o, TxOutcome::Included(r) if !r.success)).count();
    assert!(failed >= 9, "{out:?}");
}

#[test]
fn same_sender_nonce_chains() {
    let mut txs: Vec<TxEnv> = (0..15).map(|n| send(1, n, user(2), 1)).collect();
    txs.extend((0..15).map(|n| send(3, n, COUNTER, 0)));
    txs.push(send(4, 5, user(2), 1)); // a nonce gap
    let (out, _) = check(&txs);
    assert_eq!(included(&out), 30);
}

#[test]
fn insufficient_funds_chains() {
    let mut txs: Vec<TxEnv> = (0..6).map(|n| send(1, n, user(2), 4 * ETH)).collect();
    txs.extend(padding(8));
    let (out, _) = check(&txs);
    assert_eq!(included(&out), 2 + 8, "two transfers fit in 10 ETH, the rest are left out");
}

#[test]
fn empty_block() {
    let (out, c) = check(&[]);
    assert!(out.is_empty());
    assert_eq!(c.txs, 0);
}

#[test]
fn a_self_destruct_sends_the_block_to_sequential() {
    // Init code `CALLER SELFDESTRUCT`: created and destroyed in one transaction.
    let mut suicide = tx(user(1), 0, TxKind::Create, 0, 100_000);
    suicide.data = Bytes::from(hex::decode("33ff").unwrap());
    let mut txs = padding(10);
    txs.insert(4, suicide);
    let (out, c) = check(&txs);
    assert_eq!(included(&out), 11);
    assert_eq!((c.fallbacks, c.fallback_self_destruct), (1, 1), "{c:?}");
}

#[test]
fn create2_twice_with_one_salt_collides_the_second_time() {
    // The factory runs CREATE2(value 0, init code `STOP`, salt 0): the first call
    // creates the account, the later ones find it taken (CREATE2 pushes 0, no revert).
    let factory = Address::with_last_byte(0xfa);
    let mut st = state();
    let code = Bytecode::new_raw(Bytes::from(hex::decode("6000600160006000f5").unwrap()));
    st.insert_account_info(
        factory,
        AccountInfo { code_hash: code.hash_slow(), code: Some(code), ..Default::default() },
    );
    let txs: Vec<TxEnv> = (0..3u8).map(|i| send(i, 0, factory, 0)).chain(padding(8)).collect();
    let (out, c) = check_on(&st, &txs);
    assert_eq!((included(&out), c.fallbacks), (11, 0), "{c:?}");
    let gas: Vec<u64> = out[..3].iter().map(|o| if let TxOutcome::Included(r) = o { r.gas_used } else { 0 }).collect();
    // A collision burns the gas the CREATE2 forwarded: the later two cost alike, and
    // more than the deployment.
    assert!(gas[1] == gas[2] && gas[1] > gas[0], "only the first CREATE2 deployed: {gas:?}");
}

#[test]
fn eip7702_delegations_set_code_that_later_transactions_run() {
    use revm::context_interface::transaction::{Authorization, RecoveredAuthority, RecoveredAuthorization};
    // Users 1..4 delegate their accounts to the counter in one type-4 transaction sent by
    // user 9; then each is called, running the counter's code in its own storage.
    let auths = (1..4u8)
        .map(|i| {
            let auth = Authorization { chain_id: U256::from(1337), address: COUNTER, nonce: 0 };
            RecoveredAuthorization::new_unchecked(auth, RecoveredAuthority::Valid(user(i)))
        })
        .collect();
    let mut delegate = tx(user(9), 0, TxKind::Call(user(10)), 0, 200_000);
    delegate.tx_type = 4;
    delegate.set_recovered_authorization(auths);
    let mut txs = vec![delegate];
    txs.extend((1..4u8).map(|i| send(11 + i, 0, user(i), 0)));
    txs.extend(padding(8));
    let (out, c) = check(&txs);
    assert_eq!((included(&out), c.fallbacks), (12, 0), "{c:?}");
    let TxOutcome::Included(call) = &out[1] else { panic!("{:?}", out[1]) };
    assert_eq!(call.logs.len(), 1, "the delegated code ran and logged: {call:?}");
}

#[test]
fn fully_serial_block() {
    let txs: Vec<TxEnv> = (0..30).map(|i| send(i, 0, COUNTER, 0)).collect();
    let (out, c) = check(&txs);
    assert_eq!(included(&out), 30);
    assert_eq!((c.fallbacks, c.parallel_blocks), (0, 1), "{c:?}");
    assert!(c.busy_ns > 0, "busy time is measured per task: {c:?}");
}

#[test]
fn a_task_group_spanning_the_whole_block() {
    // One sender's nonce chain: every transaction is predicted to follow the one before,
    // so the block is one group run in order by one worker.
    let txs: Vec<TxEnv> = (0..20).map(|n| send(1, n, COUNTER, 0)).collect();
    let (out, c) = check(&txs);
    assert_eq!(included(&out), 20);
    assert_eq!((c.fallbacks, c.parallel_blocks, c.grouped_txs), (0, 1, 20), "{c:?}");
    assert_eq!((c.re_executions, c.hint_waits), (0, 0), "one unit: nothing to wait for or redo: {c:?}");
    let TxOutcome::Included(last) = &out[19] else { panic!("{:?}", out[19]) };
    assert_eq!(last.logs[0].data.data.as_ref(), U256::from(20).to_be_bytes::<32>(), "each member saw the last");
}

#[test]
fn a_group_member_reads_what_a_transaction_outside_the_group_writes() {
    // User 39 starts empty; the first transaction (outside the group) funds it, and its
    // chain of four spends what it received: run before the funding, every member
    // would be left out for want of funds. The group's read of its sender comes from
    // outside it, so validation must send the group back when the funding lands.
    let mut st = state();
    st.insert_account_info(user(39), AccountInfo::default());
    let mut txs = vec![send(1, 0, user(39), ETH)];
    txs.extend((0..4).map(|n| send(39, n, user(2), ETH / 8)));
    txs.extend(padding(8));
    let (out, c) = check_on(&st, &txs);
    assert_eq!(included(&out), 13, "the chain spent the funding: {out:?}");
    assert!(c.grouped_txs >= 4, "the chain ran as a group: {c:?}");
    // The same chain without its funding is left out: the funding decides.
    let (out, _) = check_on(&st, &txs[1..]);
    assert_eq!(included(&out), 8);
}

#[test]
fn a_wrong_hint_costs_parallelism_never_correctness() {
    // A first block teaches the hints that calls to the counter collide (each
    // increments slot 0). Then the counter's code is replaced by one that only logs, so
    // the next block's calls to it are independent, yet the hints still chain and group
    // them: the block must still come out as sequential execution's.
    let logs_only = Bytecode::new_raw(Bytes::from(hex::decode("5f5fa000").unwrap()));
    let hot: Vec<TxEnv> = (0..12).map(|i| send(i, 0, COUNTER, 0)).collect();
    let mut seq_state = state();
    let mut p = Parallel::new(ParallelConfig {
        min_txs: 1,
        adaptive: false,
        stress: true,
        ..ParallelConfig::new(2, Duration::ZERO)
    });
    let mut par_state = seq_state.clone();
    let seq = Sequential::default().execute(&mut seq_state, &block(), hot.clone());
    assert_eq!(outcome_diff(&seq, &p.execute(&mut par_state, &block(), hot)), None);
    // Between blocks the counter's code is replaced by one that only logs: the hint that
    // its calls chain is now wrong.
    for st in [&mut seq_state, &mut par_state] {
        st.insert_account_info(
            COUNTER,
            AccountInfo { code_hash: logs_only.hash_slow(), code: Some(logs_only.clone()), ..Default::default() },
        );
    }
    let cold: Vec<TxEnv> = (12..24).map(|i| send(i, 0, COUNTER, 0)).collect();
    let before = p.counters();
    let seq = Sequential::default().execute(&mut seq_state, &block(), cold.clone());
    let out = p.execute(&mut par_state, &block(), cold);
    assert_eq!(outcome_diff(&seq, &out), None);
    assert_eq!(state_diff(&seq_state, &par_state), None);
    let c = p.counters().since(&before);
    assert_eq!(c.grouped_txs, 12, "the stale hint grouped the independent calls: {c:?}");
}

#[test]
fn a_block_that_is_one_group_runs_straight_and_its_hints_keep_learning() {
    // Twelve senders each increment the counter (every call writes slot 0). The first
    // block has no hints: Block-STM. It teaches the hints that calls to the counter
    // collide, so the next blocks are one task group end to end and run straight on
    // the state, still learning: while the calls collide the hint holds. Then the
    // counter only logs: the first such block still runs straight, sees no collision,
    // and the hint cools (11 of 12 calls collided before, none now: a share of 0.46,
    // under the 0.5 that makes a recipient hot), so the blocks after it spread over the
    // threads again.
    let logs_only = Bytecode::new_raw(Bytes::from(hex::decode("5f5fa000").unwrap()));
    let mut p = Parallel::new(ParallelConfig { min_txs: 1, adaptive: false, ..ParallelConfig::new(2, Duration::ZERO) });
    let mut seq_state = state();
    let mut par_state = seq_state.clone();
    let run = |k: u64, p: &mut Parallel, seq_state: &mut ChainState, par_state: &mut ChainState| {
        let txs: Vec<TxEnv> = (0..12).map(|i| send(20 + i, k, COUNTER, 0)).collect();
        let before = p.counters();
        let seq = Sequential::default().execute(seq_state, &block(), txs.clone());
        assert_eq!(outcome_diff(&seq, &p.execute(par_state, &block(), txs)), None, "block {k}");
        assert_eq!(state_diff(seq_state, par_state), None, "block {k}");
        p.counters().since(&before)
    };
    let modes: Vec<_> = (0..6).map(|k| run(k, &mut p, &mut seq_state, &mut par_state)).collect();
    assert_eq!(modes[0].parallel_blocks, 1, "no hints yet: {:?}", modes[0]);
    for (k, c) in modes.iter().enumerate().skip(1) {
        assert_eq!((c.one_group_blocks, c.grouped_txs, c.executions), (1, 12, 12), "block {k}: {c:?}");
    }
    for st in [&mut seq_state, &mut par_state] {
        st.insert_account_info(
            COUNTER,
            AccountInfo { code_hash: logs_only.hash_slow(), code: Some(logs_only.clone()), ..Default::default() },
        );
    }
    let cold: Vec<_> = (6..10).map(|k| run(k, &mut p, &mut seq_state, &mut par_state)).collect();
    let straight: Vec<u64> = cold.iter().map(|c| c.one_group_blocks).collect();
    assert_eq!(straight, [1, 0, 0, 0], "the hint cools after a block without collisions: {cold:?}");
    assert_eq!((cold[1].parallel_blocks, cold[1].grouped_txs), (1, 0), "{:?}", cold[1]);
}

#[test]
fn a_straight_block_teaches_the_hints_the_right_recipient_around_a_left_out_transaction() {
    // One sender's chain (one group, run straight): first a transaction left out (its
    // nonce is ahead), then calls alternating between the counter (each writes slot 0:
    // they collide) and a logger (writes nothing). The hints must learn that calls to
    // the counter collide and calls to the logger do not; a collision flag shifted by
    // the left-out transaction would pin it on the logger. A second block of calls to
    // the logger from twelve senders is then independent: Block-STM, not one group.
    let logger = Address::with_last_byte(0x10);
    let logs_only = Bytecode::new_raw(Bytes::from(hex::decode("5f5fa000").unwrap()));
    let mut seq_state = state();
    seq_state.insert_account_info(
        logger,
        AccountInfo { code_hash: logs_only.hash_slow(), code: Some(logs_only), ..Default::default() },
    );
    let mut par_state = seq_state.clone();
    let mut p = Parallel::new(ParallelConfig { min_txs: 1, adaptive: false, ..ParallelConfig::new(2, Duration::ZERO) });
    let mut chain = vec![send(1, 99, COUNTER, 0)];
    chain.extend((0..12).map(|n| send(1, n, if n % 2 == 0 { COUNTER } else { logger }, 0)));
    let spread: Vec<TxEnv> = (0..12).map(|i| send(20 + i, 0, logger, 0)).collect();
    for (k, txs) in [chain, spread].into_iter().enumerate() {
        let seq = Sequential::default().execute(&mut seq_state, &block(), txs.clone());
        assert_eq!(outcome_diff(&seq, &p.execute(&mut par_state, &block(), txs)), None, "block {k}");
        assert_eq!(state_diff(&seq_state, &par_state), None, "block {k}");
        if k == 0 {
            assert_eq!((included(&seq), p.counters().one_group_blocks), (12, 1), "{:?}", p.counters());
        }
    }
    let c = p.counters();
    assert_eq!((c.one_group_blocks, c.parallel_blocks), (1, 1), "the logger's calls are independent: {c:?}");
}

#[test]
fn a_straight_block_with_modelled_read_latency() {
    // One sender's chain, with first reads waiting 5 us: the straight run takes the
    // latency-modelling path and must still come out as the sequential executor's.
    let latency = Duration::from_micros(5);
    let txs: Vec<TxEnv> = (0..10).map(|n| send(1, n, COUNTER, 0)).collect();
    let mut seq_state = state();
    let seq = Sequential::new(latency).execute(&mut seq_state, &block(), txs.clone());
    let mut p = Parallel::new(ParallelConfig { min_txs: 1, adaptive: false, ..ParallelConfig::new(2, latency) });
    let mut st = state();
    assert_eq!(outcome_diff(&seq, &p.execute(&mut st, &block(), txs)), None);
    assert_eq!(state_diff(&seq_state, &st), None);
    assert_eq!(p.counters().one_group_blocks, 1, "{:?}", p.counters());
}

/// A funded account without code that many plain transfers pay (a lazy recipient).
const HOT: Address = address!("00000000000000000000000000000000000f1a7e");
/// `balance(HOT)` stored in slot 0 and logged: a read of the hot account mid-block.
const READS_HOT: Address = address!("0000000000000000000000000000000000ba1a2c");

fn with_hot() -> ChainState {
    let mut st = state();
    st.insert_account_info(HOT, AccountInfo { balance: U256::from(1_000), ..Default::default() });
    let code = format!("73{}31805f555f5260205fa000", hex::encode(HOT));
    let code = Bytecode::new_raw(Bytes::from(hex::decode(code).unwrap()));
    st.insert_account_info(
        READS_HOT,
        AccountInfo { code_hash: code.hash_slow(), code: Some(code), ..Default::default() },
    );
    st
}

#[test]
fn plain_transfers_to_a_hot_recipient_credit_lazily_and_a_read_mid_block_sees_them() {
    // Eleven transfers pay HOT (1,000 wei to start); between them a contract reads and
    // logs HOT's balance and HOT itself pays out three of the ether it was credited
    // (unaffordable without the credits before it).
    let mut txs: Vec<TxEnv> = (1..7).map(|i| send(i, 0, HOT, ETH)).collect();
    txs.push(send(7, 0, READS_HOT, 0));
    txs.push(tx(HOT, 0, TxKind::Call(user(8)), 3 * ETH, 21_000));
    txs.extend((9..14).map(|i| send(i, 0, HOT, ETH)));
    txs.extend(padding(5));
    let (out, c) = check_on(&with_hot(), &txs);
    assert_eq!(included(&out), txs.len(), "{out:?}");
    assert_eq!((c.fallbacks, c.lazy_credits), (0, 11), "{c:?}");
    let TxOutcome::Included(read) = &out[6] else { panic!("{:?}", out[6]) };
    let seen = U256::from(6 * ETH + 1_000);
    assert_eq!(read.logs[0].data.data.as_ref(), seen.to_be_bytes::<32>(), "the read saw the six credits before it");
    // Without the credits before it, HOT's payment is left out.
    let (out, _) = check_on(&with_hot(), &txs[6..]);
    assert!(matches!(out[1], TxOutcome::Excluded(_)), "{:?}", out[1]);
}

#[test]
fn a_delegation_mid_block_turns_lazy_credits_back_into_calls() {
    use revm::context_interface::transaction::{Authorization, RecoveredAuthority, RecoveredAuthorization};
    // HOT delegates its account to the counter (EIP-7702, sent by user 9) in the middle
    // of the transfers paying it: the transfers after it run the counter's code in
    // HOT's storage, so they cannot stay lazy credits.
    let auth = Authorization { chain_id: U256::from(1337), address: COUNTER, nonce: 0 };
    let mut delegate = tx(user(9), 0, TxKind::Call(user(10)), 0, 200_000);
    delegate.tx_type = 4;
    delegate
        .set_recovered_authorization(vec![RecoveredAuthorization::new_unchecked(auth, RecoveredAuthority::Valid(HOT))]);
    let mut txs: Vec<TxEnv> = (1..5).map(|i| send(i, 0, HOT, ETH)).collect();
    txs.push(delegate);
    txs.extend((11..16).map(|i| send(i, 0, HOT, ETH)));
    txs.extend(padding(6));
    let (out, c) = check_on(&with_hot(), &txs);
    assert_eq!((included(&out), c.fallbacks), (txs.len(), 0), "{c:?}");
    let TxOutcome::Included(last) = &out[9] else { panic!("{:?}", out[9]) };
    assert_eq!(last.logs[0].data.data.as_ref(), U256::from(5).to_be_bytes::<32>(), "five calls ran the counter");
}
