//! `gasbench target probe URL`: what a node is and what it supports, before a run.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::{EXIT_BAD_INPUT, EXIT_OK};
use crate::targets::rpc::{Client, SEND_TIMEOUT, probe, probe_subscribe};

#[derive(Debug, Args)]
pub struct TargetArgs {
    #[command(subcommand)]
    pub command: TargetCommand,
}

#[derive(Debug, Subcommand)]
pub enum TargetCommand {
    /// Ask a JSON-RPC node for its client version, chain id, head, gas limit, base fee,
    /// block time, and which optional methods it serves (eth_getBlockReceipts, callTracer,
    /// eth_subscribe, batches, txpool, automine), with the path a run takes for each.
    Probe {
        /// The node's HTTP endpoint, e.g. http://127.0.0.1:8545 (https:// too).
        url: String,
        /// Also try `eth_subscribe newHeads` over this WebSocket endpoint (ws:// or wss://).
        #[arg(long, value_name = "WS_URL")]
        ws: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: &TargetArgs) -> ExitCode {
    let TargetCommand::Probe { url, ws, json } = &args.command;
    if !crate::scenario::has_scheme(url, &["http", "https"]) {
        eprintln!("error: `{url}` is not an http:// or https:// URL (e.g. http://127.0.0.1:8545)");
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let probed = rt.block_on(async {
        let subscribe = match ws {
            Some(ws) => Some(probe_subscribe(ws).await),
            None => None,
        };
        probe(&Client::new(url, 1, SEND_TIMEOUT), subscribe).await
    });
    match probed {
        Ok(p) if *json => {
            println!("{}", serde_json::to_string_pretty(&p).expect("a probe serializes"));
            ExitCode::from(EXIT_OK)
        }
        Ok(p) => {
            println!("{p}");
            ExitCode::from(EXIT_OK)
        }
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("  hint: {}", e.hint());
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}
