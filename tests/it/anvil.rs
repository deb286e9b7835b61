//! A real anvil for the RPC tests: the pinned binary from tools/node_modules (installed
//! by scripts/test.sh), on a free 127.0.0.1 port, killed when dropped.

use std::{
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A running anvil.
#[derive(Debug)]
pub struct Anvil {
    child: Child,
    port: u16,
}

/// The pinned anvil binary.
pub fn binary() -> PathBuf {
    let bin = crate::root().join("tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    assert!(bin.exists(), "{} is missing: run scripts/test.sh (npm ci --prefix tools)", bin.display());
    bin
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `target:` YAML for the node at `url`, with `extra` fields.
pub fn target_yaml(url: &str, extra: &str) -> String {
    format!("{{kind: rpc, http: \"{url}\"{}{extra}}}", if extra.is_empty() { "" } else { ", " })
}

impl Anvil {
    /// Starts anvil with `args` (e.g. `--block-time 1`) and waits until it listens.
    pub fn start(args: &[&str]) -> Self {
        let port = free_port();
        let child = Command::new(binary())
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("anvil starts");
        let anvil = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "anvil did not listen on {port} within 20s");
            std::thread::sleep(Duration::from_millis(20));
        }
        anvil
    }

    pub fn port(&self) -> u16 {
        self.port
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

    /// Freezes the node (SIGSTOP): it holds its connections and answers nothing, as a
    /// hung node does. Dropping it still kills it.
    pub fn pause(&self) {
        let status = Command::new("kill").args(["-STOP", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success(), "kill -STOP anvil");
    }

    /// Kills the node (a fault, mid-run).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        self.kill();
    }
}
