//! examples/ci: the GitHub Actions workflow parses, every file and flag it names exists,
//! and its scenarios and gates load; its embedded step is run for real and passes.

use std::process::ExitCode;

use clap::Parser;
use gasbench::cli::{Cli, EXIT_OK};

use crate::root;

#[test]
fn the_github_actions_example_names_real_files_and_its_embedded_step_passes() {
    let dir = root().join("examples/ci");
    let text = std::fs::read_to_string(dir.join("github-actions.yml")).unwrap();
    let wf: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let steps = wf["jobs"]["bench"]["steps"].as_sequence().unwrap();
    let runs: Vec<String> = steps.iter().filter_map(|s| s["run"].as_str().map(str::to_string)).collect();
    let gasbench_runs: Vec<&String> = runs.iter().filter(|r| r.starts_with("target/release/gasbench")).collect();
    assert_eq!(gasbench_runs.len(), 3, "{runs:?}");
    for f in ["examples/ci/ci-embedded.yaml", "examples/ci/ci-anvil.yaml", "examples/ci/gates.yaml"] {
        assert!(text.contains(f) && root().join(f).exists(), "{f}");
    }
    assert!(text.contains("npm ci --prefix tools") && text.contains("anvil-linux-amd64/bin/anvil"));
    // Every gasbench command line parses as written.
    for r in &gasbench_runs {
        let args: Vec<&str> =
            r.split_whitespace().map(|a| if a.starts_with("target/") { "gasbench" } else { a }).collect();
        Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("{r}: {e}"));
    }
    for s in ["ci-embedded.yaml", "ci-anvil.yaml"] {
        gasbench::scenario::load_file(&dir.join(s), &[], &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    }
    gasbench::report::gate::load_file(&dir.join("gates.yaml")).unwrap_or_else(|e| panic!("{e}"));

    // The embedded step as the workflow runs it (shortened), gated: it passes.
    let out = tempfile::tempdir().unwrap();
    let o = |n: &str| out.path().join(n).to_str().unwrap().to_string();
    let scenario = dir.join("ci-embedded.yaml").to_str().unwrap().to_string();
    let gates = dir.join("gates.yaml").to_str().unwrap().to_string();
    let args = [
        "gasbench",
        "run",
        &scenario,
        "--quiet",
        "--set",
        "measure.duration=2s",
        "--set",
        "measure.warmup=0s",
        "--out",
        &o("e.json"),
        "--html",
        &o("e.html"),
        "--gates",
        &gates,
        "--junit",
        &o("e.xml"),
    ];
    let code = gasbench::cli::run(Cli::try_parse_from(args).unwrap());
    assert_eq!(code, ExitCode::from(EXIT_OK));
}
