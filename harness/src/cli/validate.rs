//! `gasbench validate FILE`: parse and check a scenario; exit 2 with located errors.

use std::process::ExitCode;

use clap::Args;

use super::{EXIT_OK, ScenarioArgs};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
}

pub fn run(args: &ValidateArgs) -> ExitCode {
    match args.scenario.load() {
        Ok(s) => {
            let count = s
                .load
                .planned_count(s.run_length())
                .map_or("bounded by time".to_string(), |n| format!("{n:.0} transactions"));
            println!(
                "{}: ok: `{}`, {} workload(s), {} accounts, {} load, {} target, {} warmup + {} measured ({count})",
                args.scenario.scenario.display(),
                s.name,
                s.workloads.len(),
                s.accounts.count,
                if s.load.closed.is_some() { "closed" } else { "open" },
                s.target.kind(),
                s.measure.warmup,
                humantime::format_duration(s.measured()),
            );
            ExitCode::from(EXIT_OK)
        }
        Err(code) => code,
    }
}
