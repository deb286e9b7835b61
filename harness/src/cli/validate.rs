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
            if let Ok(axes) = crate::scenario::sweep::axes(&s.sweep)
                && !axes.is_empty()
            {
                let sizes: Vec<String> = axes.iter().map(|a| format!("{} ({})", a.path, a.values.len())).collect();
                let cells: usize = axes.iter().map(|a| a.values.len()).product();
                println!("  sweep: {cells} cells, each valid: {}", sizes.join(" x "));
            }
            ExitCode::from(EXIT_OK)
        }
        Err(code) => code,
    }
}
