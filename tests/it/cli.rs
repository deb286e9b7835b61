//! The command line: help, the workload catalog, validate on every ready scenario.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use gasbench::cli::{Cli, EXIT_OK};

#[test]
fn help_explains_every_flag() {
    let mut cmd = Cli::command();
    cmd.build();
    let run = cmd.find_subcommand_mut("run").unwrap();
    let help = run.render_long_help().to_string();
    for flag in [
        "--set",
        "--out",
        "--quiet",
        "--memory-available-mib",
        "--max-batches-in-flight",
        "--late-threshold-ms",
        "GASBENCH_OUT",
    ] {
        assert!(help.contains(flag), "run --help mentions {flag}:\n{help}");
    }
    Cli::command().debug_assert();
}

#[test]
fn workloads_lists_the_catalog() {
    let cli = Cli::try_parse_from(["gasbench", "workloads"]).unwrap();
    assert_eq!(gasbench::cli::run(cli), ExitCode::from(EXIT_OK));
    assert!(workloads::CATALOG.iter().any(|w| w.name == "transfer" && !w.description.is_empty()));
}

#[test]
fn validate_accepts_the_quickstart() {
    let path = crate::root().join("scenarios/quickstart.yaml");
    let cli = Cli::try_parse_from(["gasbench", "validate", path.to_str().unwrap()]).unwrap();
    assert_eq!(gasbench::cli::run(cli), ExitCode::from(EXIT_OK));
}
