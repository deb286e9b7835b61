//! `gasbench compare A.json B.json ...`: stored reports side by side, the first as the
//! reference: the headline figures with ratios, a verdict line each, and `--html`.
//! Reports of another scenario or seed than the first are compared, and said to differ.

use std::{path::PathBuf, process::ExitCode};

use clap::Args;

use super::EXIT_BAD_INPUT;
use crate::report::{
    compare::{Comparison, ComparisonKind, Entry},
    gate::{
        self,
        baseline::{self, Identity},
    },
};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Two or more JSON reports (written by `gasbench run --out`); the first is the reference.
    #[arg(required = true, num_args = 2.., value_name = "REPORT.json")]
    pub reports: Vec<PathBuf>,
    /// Write the comparison as JSON.
    #[arg(long, short, value_name = "FILE.json")]
    pub out: Option<PathBuf>,
    /// Write the comparison as one self-contained HTML page with charts.
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<PathBuf>,
}

/// The label of a report file: its name without `.json`, or the path when names repeat.
fn labels(paths: &[PathBuf]) -> Vec<String> {
    let stems: Vec<String> = paths
        .iter()
        .map(|p| p.file_stem().map_or_else(|| p.display().to_string(), |s| s.to_string_lossy().into()))
        .collect();
    let unique = stems.iter().enumerate().all(|(i, s)| !stems[..i].contains(s));
    if unique { stems } else { paths.iter().map(|p| p.display().to_string()).collect() }
}

pub fn run(args: &CompareArgs) -> ExitCode {
    let mut reports = Vec::new();
    for p in &args.reports {
        match gate::read_report(p) {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_BAD_INPUT);
            }
        }
    }
    let first = Identity::of_report(&reports[0]);
    for (p, r) in args.reports.iter().zip(&reports).skip(1) {
        // Another target is what a comparison is for; another scenario or seed is not.
        for m in baseline::mismatches(&Identity::of_report(r), &first).into_iter().filter(|m| m.what != "target kind") {
            eprintln!("WARNING: {} is another experiment than {}: {m}", p.display(), args.reports[0].display());
        }
    }
    let entries = labels(&args.reports).into_iter().zip(reports).map(|(l, r)| Entry::ran(l, r)).collect::<Vec<_>>();
    let (name, seed) = entries[0].report().map(|r| (r.run.scenario_name.clone(), r.run.seed)).unwrap_or_default();
    let c = Comparison::new(ComparisonKind::Files, name, seed, entries);
    super::comparison::finish(&c, args.out.as_deref(), args.html.as_deref())
}
