//! `gasbench report REPORT.json --html FILE`: the HTML page of a stored report (the one
//! `run --html` writes), e.g. for a report kept as a CI artifact.

use std::{path::PathBuf, process::ExitCode};

use clap::Args;

use super::{EXIT_BAD_INPUT, EXIT_OK};
use crate::report::{gate, html};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The JSON report (written by `gasbench run --out`).
    pub report: PathBuf,
    /// Write it as one self-contained HTML page with charts.
    #[arg(long, value_name = "FILE.html")]
    pub html: PathBuf,
}

pub fn run(args: &ReportArgs) -> ExitCode {
    let report = match gate::read_report(&args.report) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    match super::run::write_html(&args.html, &html::render_run(&report, None)) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(code) => code,
    }
}
