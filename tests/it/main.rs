//! End-to-end tests of gasbench: one binary, one module per area.

mod anvil;
mod browser;
mod checks_fail;
mod ci_example;
mod cli;
mod comparisons;
mod containers;
mod embedded_chain;
mod embedded_run;
mod exec_bench;
mod faulty_node;
mod gates;
mod golden;
mod hardhat;
mod hardhat_node;
mod html_report;
mod image;
mod noise;
mod op_receipts;
mod parallel;
mod parallel_props;
mod postgres;
mod prometheus;
mod report_schema;
mod rollup;
mod rollup_l1;
mod rpc;
mod run_handle;
mod scenario_errors;
mod scenarios_dir;
mod service;
mod service_process;
mod service_store;
mod soak;
mod speedup;
mod stall;
mod sweep;
mod tls;
mod workloads;

use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the repo").to_path_buf()
}

/// Loads a scenario from YAML text, with the default limits.
pub fn scenario(yaml: &str) -> gasbench::scenario::Scenario {
    gasbench::scenario::load_str("test.yaml", yaml, &[], &Default::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// A small transfer scenario on the embedded chain; `extra` is appended verbatim.
pub fn small(rate: u32, duration: &str, extra: &str) -> String {
    format!(
        "name: small\nseed: 3\naccounts: {{count: 50}}\nworkloads: [{{kind: transfer}}]\nload: {{open: {{rate: {rate}}}}}\nmeasure: {{warmup: 0s, duration: {duration}, drain_timeout: 5s}}\n{extra}"
    )
}
