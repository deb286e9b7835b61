//! The JSON report matches the JSON Schema in the repo, round-trips, and its serialized
//! histograms hold the same figures as its percentiles.

use gasbench::report::Stage;
use gasbench::{
    metrics::decode,
    report::Report,
    runner::{RunOptions, run},
};
use tokio_util::sync::CancellationToken;

use crate::{root, scenario, small};

/// The report schema, compiled.
pub fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("harness/report.schema.json")).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("the schema is valid")
}

/// Fails with every schema error of `json`.
pub fn assert_valid(json: &serde_json::Value) {
    let errors: Vec<String> = validator().iter_errors(json).map(|e| format!("{}: {e}", e.instance_path)).collect();
    assert!(errors.is_empty(), "report does not match harness/report.schema.json:\n{}", errors.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_report_matches_the_schema_and_merges_exactly() {
    let r = run(
        &scenario(&small(300, "1s", "target: {kind: embedded, block_time: 100ms}\n")),
        &RunOptions::default(),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    gasbench::report::write_json(&r, &path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();

    let validator = validator();
    assert_valid(&json);

    // Provenance is there.
    assert_eq!(json["report_version"], 1);
    assert_eq!(json["tool"]["name"], "gasbench");
    assert!(json["host"]["cores"].as_u64().unwrap() >= 1);
    assert_eq!(json["run"]["seed"], 3);
    assert_eq!(json["scenario"]["name"], "small");

    // An unknown field is caught by the schema (it is strict).
    let mut extra = json.clone();
    extra["surprise"] = 1.into();
    assert!(!validator.is_valid(&extra));

    // Round trip, and the histogram behind the percentiles.
    let back: Report = serde_json::from_value(json).unwrap();
    assert_eq!((&back.accounting, &back.fees, &back.series), (&r.accounting, &r.fees, &r.series));
    assert_eq!(back.latency[Stage::INCLUSION].hdr, r.latency[Stage::INCLUSION].hdr);
    let h = decode(&r.latency[Stage::INCLUSION].hdr).unwrap();
    assert_eq!(h.len(), r.latency[Stage::INCLUSION].count);
    assert_eq!(h.value_at_quantile(0.99), r.latency[Stage::INCLUSION].p99_us);
    let mut twice = h.clone();
    twice.add(&h).unwrap();
    assert_eq!(twice.len(), 2 * h.len(), "two workers' histograms add exactly");
    assert_eq!(twice.value_at_quantile(0.99), h.value_at_quantile(0.99));

    // Two shards that saw the same chain: counts and histograms add, the blocks both saw
    // count once, and the merged report is a valid report.
    let m = Report::merge(&[r.clone(), r.clone()]).unwrap();
    assert_eq!(m.accounting.sent, 2 * r.accounting.sent);
    assert!(m.accounting.balanced);
    let (one, both) = (&r.latency[Stage::INCLUSION], &m.latency[Stage::INCLUSION]);
    assert_eq!((both.count, both.p99_us, both.mean_us), (2 * one.count, one.p99_us, one.mean_us));
    assert_eq!(m.fees.total_wei.0, 2 * r.fees.total_wei.0);
    assert_eq!(m.fees.mean_fee_per_tx_wei, r.fees.mean_fee_per_tx_wei);
    assert!(r.throughput.blocks > 0);
    assert_eq!(m.throughput.blocks, r.throughput.blocks, "the same blocks, counted once");
    assert_eq!(m.throughput.gas_per_second, r.throughput.gas_per_second);
    assert_eq!(m.series.iter().map(|s| s.gas_used).sum::<u64>(), r.series.iter().map(|s| s.gas_used).sum::<u64>());
    assert_eq!(m.series.iter().map(|s| s.sent).sum::<u64>(), 2 * r.accounting.sent);
    assert_valid(&serde_json::to_value(&m).unwrap());
}
