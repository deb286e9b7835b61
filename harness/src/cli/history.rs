//! `gasbench history`: the runs stored by `gasbench serve`, from the same store (SQLite
//! in the data directory, or `--database-url`). `history` lists, `history show ID` shows
//! one run's status changes and its report's summary.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use comfy_table::Table;

use super::{EXIT_BAD_INPUT, EXIT_OK, serve::StoreArgs};
use crate::{
    report::{self, Report},
    service::store::{ListFilter, Status, Store},
};

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(subcommand)]
    pub command: Option<HistoryCommand>,
    /// Only runs of this scenario.
    #[arg(long)]
    pub scenario: Option<String>,
    /// Only runs with this status (passed, failed, cancelled, interrupted, error, queued, running).
    #[arg(long)]
    pub status: Option<String>,
    /// Only runs with this label, KEY=VALUE (repeat for several).
    #[arg(long, value_name = "KEY=VALUE")]
    pub label: Vec<String>,
    /// How many runs, newest first.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// One run: its status changes and its report's summary.
    Show {
        id: String,
        /// Print the stored JSON report instead.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: &HistoryArgs) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    rt.block_on(async {
        let store = match Store::open(&args.store.location()).await {
            Ok(s) => s,
            Err(e) => return fail(&e.to_string()),
        };
        let code = match &args.command {
            None => list(&store, args).await,
            Some(HistoryCommand::Show { id, json }) => show(&store, id, *json).await,
        };
        store.close().await;
        code
    })
}

async fn list(store: &Store, args: &HistoryArgs) -> ExitCode {
    let status = match args.status.as_deref().map(|s| Status::parse(s).ok_or(s)).transpose() {
        Ok(s) => s,
        Err(s) => {
            return fail(&format!(
                "--status {s:?}: one of passed, failed, cancelled, interrupted, error, queued, running"
            ));
        }
    };
    let mut labels = Vec::new();
    for l in &args.label {
        match l.split_once('=') {
            Some((k, v)) => labels.push((k.to_string(), v.to_string())),
            None => return fail(&format!("--label {l:?}: write KEY=VALUE")),
        }
    }
    let filter =
        ListFilter { scenario: args.scenario.clone(), status, labels, limit: args.limit, ..ListFilter::default() };
    let (runs, more) = match store.list(&filter).await {
        Ok(x) => x,
        Err(e) => return fail(&e.to_string()),
    };
    let mut table = Table::new();
    table.set_header([
        "id",
        "created (UTC)",
        "scenario",
        "target",
        "status",
        "tx/s",
        "p99 incl. ms",
        "gas/op",
        "labels",
    ]);
    for r in &runs {
        let s = r.summary;
        table.add_row([
            r.id.clone(),
            utc(r.created_ms),
            r.scenario.clone(),
            r.target.clone(),
            r.status.as_str().to_string(),
            s.map_or("-".into(), |s| format!("{:.1}", s.included_tps)),
            s.map_or("-".into(), |s| format!("{:.1}", s.inclusion_p99_us as f64 / 1e3)),
            s.map_or("-".into(), |s| format!("{:.0}", s.gas_per_op)),
            r.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "),
        ]);
    }
    println!("{table}");
    if more.is_some() {
        println!("(more runs: raise --limit or filter)");
    }
    ExitCode::from(EXIT_OK)
}

async fn show(store: &Store, id: &str, json: bool) -> ExitCode {
    let row = match store.get(id).await {
        Ok(Some(r)) => r,
        Ok(None) => return fail(&format!("no run with id {id:?}; `gasbench history` lists them")),
        Err(e) => return fail(&e.to_string()),
    };
    let report = match store.report(id).await {
        Ok(r) => r,
        Err(e) => return fail(&e.to_string()),
    };
    if json {
        return match report {
            Some(r) => {
                println!("{r}");
                ExitCode::from(EXIT_OK)
            }
            None => fail(&format!("run {id} has no report ({})", row.status.as_str())),
        };
    }
    println!("run {} ({}, {} target): {}", row.id, row.scenario, row.target, row.status.as_str());
    if let Some(e) = &row.error {
        println!("  {e}");
    }
    for (k, v) in &row.labels {
        println!("  label {k}={v}");
    }
    match store.events(id).await {
        Ok(events) => {
            for (at, status, detail) in events {
                println!("  {} {status}{}", utc(at), detail.map_or(String::new(), |d| format!(" ({d})")));
            }
        }
        Err(e) => return fail(&e.to_string()),
    }
    if let Some(text) = report {
        match serde_json::from_str::<Report>(&text) {
            Ok(r) => println!("{}", report::summary_table(&r)),
            Err(e) => println!("(the stored report does not parse with this version: {e}; --json prints it)"),
        }
    }
    ExitCode::from(EXIT_OK)
}

/// Unix ms as `YYYY-MM-DD HH:MM:SS`.
fn utc(ms: i64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_seconds(t).to_string().replace('T', " ").trim_end_matches('Z').to_string()
}

fn fail(what: &str) -> ExitCode {
    eprintln!("error: {what}");
    ExitCode::from(EXIT_BAD_INPUT)
}
