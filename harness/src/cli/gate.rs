//! `gasbench gate REPORT.json --gates FILE [--baseline REPORT.json]`: judge a stored report
//! against a gates file; also the gate step of `gasbench run --gates`. Exit 0 when every
//! gate passes, 1 when one fails, 2 for bad input (report, gates file, baseline).

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::Args;

use super::{EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK};
use crate::report::{
    Report,
    compare::Comparison,
    gate::{
        self, BaselineUse, GateReport, GateSet, Verdict,
        baseline::{self, Identity, Mismatch},
    },
};

#[derive(Debug, Args)]
pub struct GateArgs {
    /// The JSON report to judge (written by `gasbench run --out`), or a comparison (a
    /// `targets:` or `sweep:` run's, or `gasbench compare --out`) for `speedup(a, b)` gates.
    pub report: PathBuf,
    /// The gates file (YAML); see docs/gates.md.
    #[arg(long, value_name = "FILE.yaml")]
    pub gates: PathBuf,
    #[command(flatten)]
    pub with: GateOptions,
}

/// Flags shared by `gate` and `run --gates`.
#[derive(Debug, Clone, Args)]
pub struct GateOptions {
    /// A baseline report for the relative gates (same scenario, seed and target kind).
    #[arg(long, value_name = "REPORT.json", requires = "gates")]
    pub baseline: Option<PathBuf>,
    /// Compare with a baseline of another scenario, seed or target kind (said loudly).
    #[arg(long, requires = "baseline")]
    pub allow_mismatch: bool,
    /// Write the verdict as JUnit XML (one testcase per gate).
    #[arg(long, value_name = "FILE.xml", requires = "gates")]
    pub junit: Option<PathBuf>,
    /// Write the verdict as Markdown (for a CI step summary).
    #[arg(long, value_name = "FILE.md", requires = "gates")]
    pub markdown: Option<PathBuf>,
    /// Write the verdict as JSON.
    #[arg(long = "json", value_name = "FILE.json", requires = "gates")]
    pub json: Option<PathBuf>,
}

/// A gates file and its baseline, read before anything is judged (or run).
#[derive(Debug)]
pub struct Prepared {
    gates: GateSet,
    baseline: Option<(PathBuf, Report)>,
}

fn bad_input(message: impl core::fmt::Display) -> ExitCode {
    eprintln!("{message}");
    ExitCode::from(EXIT_BAD_INPUT)
}

/// Reads the gates file and the baseline; any problem is printed and gives exit 2.
pub fn prepare(gates: &Path, with: &GateOptions) -> Result<Prepared, ExitCode> {
    let set = gate::load_file(gates).map_err(bad_input)?;
    if set.has_relative() && with.baseline.is_none() {
        return Err(bad_input(format!(
            "error: {}: has relative gates but no baseline\n  hint: pass --baseline REPORT.json (a report of the same scenario, seed and target kind)",
            set.file
        )));
    }
    let baseline = match &with.baseline {
        Some(p) => Some((p.clone(), gate::read_report(p).map_err(|e| bad_input(format!("error: baseline {e}")))?)),
        None => None,
    };
    Ok(Prepared { gates: set, baseline })
}

/// Refuses a baseline of another experiment than `run` (exit 2), unless allowed; returns
/// the differences accepted.
pub fn check_baseline(
    prepared: &Prepared,
    run: &Identity,
    run_name: &str,
    with: &GateOptions,
) -> Result<Vec<Mismatch>, ExitCode> {
    let Some((path, b)) = &prepared.baseline else { return Ok(Vec::new()) };
    let mismatches = baseline::mismatches(run, &Identity::of_report(b));
    if !mismatches.is_empty() && !with.allow_mismatch {
        let diffs: Vec<String> = mismatches.iter().map(|m| format!("  {m}")).collect();
        return Err(bad_input(format!(
            "error: baseline {} is not comparable with {run_name}:\n{}\n  hint: gate against a report of the same scenario, seed and target kind, or pass --allow-mismatch to compare anyway",
            path.display(),
            diffs.join("\n")
        )));
    }
    Ok(mismatches)
}

/// Judges `report`, prints the table, writes the requested outputs; returns the exit code
/// and the verdict (none when the baseline was refused).
pub fn judge(
    prepared: &Prepared,
    report: &Report,
    report_path: &str,
    with: &GateOptions,
) -> (ExitCode, Option<GateReport>) {
    let accepted = match check_baseline(prepared, &Identity::of_report(report), report_path, with) {
        Ok(m) => m,
        Err(code) => return (code, None),
    };
    let baseline = prepared
        .baseline
        .as_ref()
        .map(move |(path, b)| (b, BaselineUse { path: path.display().to_string(), accepted_mismatches: accepted }));
    let verdict = gate::evaluate(&prepared.gates, report, report_path, baseline);
    let text = gate::terminal::render(&verdict);
    if verdict.baseline.as_ref().is_some_and(|b| !b.accepted_mismatches.is_empty()) {
        eprint!("{}", gate::terminal::mismatch_warning(&verdict));
    }
    println!("{text}");
    if let Err(code) = write_outputs(&verdict, with) {
        return (code, Some(verdict));
    }
    let code =
        if verdict.verdict == Verdict::Pass { ExitCode::from(EXIT_OK) } else { ExitCode::from(EXIT_CHECK_FAILED) };
    (code, Some(verdict))
}

fn write_outputs(verdict: &GateReport, with: &GateOptions) -> Result<(), ExitCode> {
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).map_err(|e| {
            bad_input(format!(
                "error: cannot write {}: {e}\n  hint: check the directory exists and is writable",
                path.display()
            ))
        })
    };
    if let Some(p) = &with.junit {
        write(p, gate::junit::render(verdict))?;
    }
    if let Some(p) = &with.markdown {
        write(p, gate::markdown::render(verdict))?;
    }
    if let Some(p) = &with.json {
        gate::write_json(verdict, p).map_err(|e| bad_input(format!("error: cannot write {}: {e}", p.display())))?;
    }
    Ok(())
}

/// Reads the gates file for a comparison of the entries `labels`: relative gates and a
/// baseline are refused (they hold one report against another), and every name in a
/// `speedup(a, b)` must be an entry (exit 2, listing the valid ones).
pub fn prepare_comparison(gates: &Path, with: &GateOptions, labels: &[String]) -> Result<Prepared, ExitCode> {
    let set = gate::load_file(gates).map_err(bad_input)?;
    if set.has_relative() || with.baseline.is_some() {
        return Err(bad_input(format!(
            "error: {}: relative gates and --baseline hold one report against another, and this is a comparison of {} entries\n  hint: gate the comparison with absolute and `speedup(a, b)` gates, or gate one entry's report against a baseline",
            set.file,
            labels.len()
        )));
    }
    let problems = gate::across::check_names(&set, labels);
    if !problems.is_empty() {
        return Err(bad_input(
            problems.iter().map(|p| format!("error: {p}")).collect::<Vec<_>>().join("\n")
                + "\n  hint: name an entry by its label, or by words only its label holds",
        ));
    }
    Ok(Prepared { gates: set, baseline: None })
}

/// Judges a comparison, prints the table, writes the requested outputs; the exit code.
pub fn judge_comparison(prepared: &Prepared, c: &Comparison, path: &str, with: &GateOptions) -> ExitCode {
    let verdict = gate::across::evaluate_comparison(&prepared.gates, c, path);
    println!("{}", gate::terminal::render(&verdict));
    if let Err(code) = write_outputs(&verdict, with) {
        return code;
    }
    if verdict.verdict == Verdict::Pass { ExitCode::from(EXIT_OK) } else { ExitCode::from(EXIT_CHECK_FAILED) }
}

/// A comparison file (`run` of `targets:` or `sweep:`, `compare --out`), told from a
/// report by its `comparison_version`.
fn read_comparison(path: &Path) -> Option<Result<Comparison, String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.get("comparison_version")?;
    Some(serde_json::from_value(v).map_err(|e| format!("{}: not a gasbench comparison: {e}", path.display())))
}

pub fn run(args: &GateArgs) -> ExitCode {
    if let Some(c) = read_comparison(&args.report) {
        let c = match c {
            Ok(c) => c,
            Err(e) => return bad_input(format!("error: {e}")),
        };
        let labels: Vec<String> = c.entries.iter().map(|e| e.label.clone()).collect();
        let prepared = match prepare_comparison(&args.gates, &args.with, &labels) {
            Ok(p) => p,
            Err(code) => return code,
        };
        return judge_comparison(&prepared, &c, &args.report.display().to_string(), &args.with);
    }
    let prepared = match prepare(&args.gates, &args.with) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let report = match gate::read_report(&args.report) {
        Ok(r) => r,
        Err(e) => return bad_input(format!("error: {e}")),
    };
    judge(&prepared, &report, &args.report.display().to_string(), &args.with).0
}
