//! The `gasbench` binary: parse the command line, hand over to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = gasbench::cli::Cli::parse();
    gasbench::cli::run(cli)
}
