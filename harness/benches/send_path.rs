//! CPU per transaction of the RPC send path's own work: encoding an
//! `eth_sendRawTransaction` batch of real signed transfers and parsing the node's
//! answers. The whole harness's CPU per transaction against a live node is in every
//! report (`load.harness_cpu_us_per_tx`; see scripts/bench-rpc.sh).
//!
//!   cargo bench -p gasbench --bench send_path

use std::{hint::black_box, sync::Arc, time::Instant};

use gasbench::{
    plan::{Keyring, Planner},
    targets::rpc::{encode_send_batch, parse_send_answers},
};

const BATCH: usize = 100;
const ROUNDS: usize = 2_000;

fn main() {
    let yaml = "name: b\nseed: 1\naccounts: {count: 100}\nworkloads: [{kind: transfer}]\nload: {open: {rate: 100}}\n\
                measure: {warmup: 0s, duration: 1s}\ntarget: {kind: embedded}\n";
    let s = gasbench::scenario::load_str("bench.yaml", yaml, &[], &Default::default()).expect("a valid scenario");
    let keys = Arc::new(Keyring::derive(1, 100));
    let mut planner =
        Planner::new(&s, keys, Arc::new(Planner::deployer_keys(1)), 31337, vec![0; 100], 0).expect("a valid mix");
    let txs = planner.prepare(Some(&[0; BATCH])).txs;
    let answer = {
        let items: Vec<String> = txs
            .iter()
            .enumerate()
            .map(|(i, t)| format!(r#"{{"jsonrpc":"2.0","id":{i},"result":"{}"}}"#, t.hash))
            .collect();
        format!("[{}]", items.join(",")).into_bytes()
    };
    let raw_len: usize = txs.iter().map(|t| t.raw.len()).sum::<usize>() / txs.len();
    let started = Instant::now();
    for _ in 0..ROUNDS {
        let body = encode_send_batch(black_box(&txs));
        black_box(&body);
        let answers = parse_send_answers(black_box(&answer), BATCH).expect("a valid answer");
        assert!(answers.iter().all(Result::is_ok));
    }
    let per_tx_us = started.elapsed().as_secs_f64() * 1e6 / (ROUNDS * BATCH) as f64;
    println!(
        "send path, encode + parse, batches of {BATCH} signed transfers ({raw_len} bytes each): {per_tx_us:.3} us per tx \
         ({:.0} tx/s per core)",
        1e6 / per_tx_us
    );
}
