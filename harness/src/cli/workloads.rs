//! `gasbench workloads`: the catalog, one line each, with its dials.

use std::process::ExitCode;

use super::EXIT_OK;

pub fn run() -> ExitCode {
    let width = workloads::CATALOG.iter().map(|w| w.name.len()).max().unwrap_or(0);
    for w in workloads::CATALOG {
        println!("{:width$}  {}", w.name, w.description);
        println!("{:width$}  dials: {}", "", w.dials);
    }
    ExitCode::from(EXIT_OK)
}
