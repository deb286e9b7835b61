//! A real Hardhat node (EDR) for the RPC tests: the pinned npm package under tools/
//! (installed by scripts/test.sh), with tools/hardhat.config.js (chain 31337, interval
//! mining), on a free 127.0.0.1 port, killed when dropped.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use crate::{
    anvil::{free_port, target_yaml},
    root,
};

/// Hardhat prints this once it listens.
const READY: &str = "Started HTTP and WebSocket JSON-RPC server";
/// Its start takes 3-10 s here (Node.js loading Hardhat); a loaded CI box takes longer.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// A running Hardhat node.
#[derive(Debug)]
pub struct Hardhat {
    child: Child,
    port: u16,
}

impl Hardhat {
    /// Starts `hardhat node`, mining a block every `interval_ms`.
    pub fn start(interval_ms: u32) -> Self {
        let cli = root().join("tools/node_modules/hardhat/internal/cli/cli.js");
        assert!(cli.exists(), "{} is missing: run scripts/test.sh (npm ci --prefix tools)", cli.display());
        let port = free_port();
        let mut child = Command::new("node")
            .arg(&cli)
            .args(["node", "--hostname", "127.0.0.1", "--port", &port.to_string()])
            .current_dir(root().join("tools"))
            .env("HARDHAT_DISABLE_TELEMETRY_PROMPT", "true")
            .env("GASBENCH_HARDHAT_INTERVAL_MS", interval_ms.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node starts (Node.js is needed for Hardhat)");
        let stdout = child.stdout.take().expect("piped");
        let (ready, listening) = mpsc::channel();
        // Reads (and drains) its output; says when it listens.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains(READY) {
                    let _ = ready.send(());
                }
            }
        });
        let node = Self { child, port };
        listening
            .recv_timeout(START_TIMEOUT)
            .unwrap_or_else(|_| panic!("hardhat node did not listen on {port} within {START_TIMEOUT:?}"));
        node
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// `target:` YAML for this node, with `extra` fields.
    pub fn target(&self, extra: &str) -> String {
        target_yaml(&self.url(), extra)
    }
}

impl Drop for Hardhat {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
