//! `target: {kind: container, ...}`: a node that gasbench starts itself in Docker, pinned
//! by image, and then drives as the RPC target does.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Dur, FunderSpec, RpcSpec};

/// A node in a container: what to start, how to know it is up, what it may use, and the
/// JSON-RPC settings of the conversation with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerSpec {
    /// The image, `NAME:TAG` or `NAME@sha256:DIGEST` (the report records its id either way).
    pub image: String,
    /// Arguments after the image's entrypoint; the node must listen on 127.0.0.1:`port`
    /// (the container shares the host's network).
    #[serde(default)]
    pub args: Vec<String>,
    /// Environment of the container. Only the names go into the report.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// The node's HTTP JSON-RPC port on 127.0.0.1.
    #[serde(default = "default_port")]
    pub port: u16,
    /// The node's WebSocket port on 127.0.0.1 (the same as `port` for anvil and reth):
    /// new heads are then announced instead of polled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ws_port: Option<u16>,
    /// When the node counts as up: a line in its log, or an answer to `eth_chainId`.
    #[serde(default)]
    pub wait_for: WaitFor,
    /// How long the node may take to come up (the image must already be on the host).
    #[serde(default = "default_startup_timeout")]
    pub startup_timeout: Dur,
    /// CPUs the container may use (Docker's `--cpus`, e.g. 1.5); unlimited when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<f64>,
    /// Memory the container may use (Docker's `--memory`): bytes, or a number with a
    /// `k`, `m` or `g` suffix (powers of 1024), e.g. `2g`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Memory>,
    /// The conversation with the node, as for `kind: rpc` (without `http` and `ws`,
    /// which follow from the ports).
    #[serde(default)]
    pub rpc: ContainerRpc,
}

fn default_port() -> u16 {
    8545
}
fn default_startup_timeout() -> Dur {
    Dur::from_secs(60)
}

/// When the container's node counts as up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WaitFor {
    /// This text appears on the container's stdout or stderr (e.g. anvil's `Listening on`).
    Log { log: String },
    /// `eth_chainId` on the HTTP port answers (`rpc: true`).
    Rpc { rpc: bool },
}

impl Default for WaitFor {
    fn default() -> Self {
        Self::Rpc { rpc: true }
    }
}

/// A memory size: bytes, or text with a k/m/g suffix (powers of 1024, as Docker reads them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Memory {
    Bytes(u64),
    Text(String),
}

impl Memory {
    /// The size in bytes, or what is wrong with the text.
    pub fn bytes(&self) -> Result<u64, String> {
        let text = match self {
            Self::Bytes(b) => return Ok(*b),
            Self::Text(t) => t.trim().to_ascii_lowercase(),
        };
        let text = text.strip_suffix('b').filter(|t| t.ends_with(['k', 'm', 'g'])).unwrap_or(&text);
        let (digits, unit) = match text.char_indices().last() {
            Some((i, c @ ('k' | 'm' | 'g'))) => (&text[..i], c),
            _ => (text, 'b'),
        };
        let n: u64 = digits.trim().parse().map_err(|_| format!("`{text}` is not a size such as 512m or 2g"))?;
        let shift = match unit {
            'k' => 10,
            'm' => 20,
            'g' => 30,
            _ => 0,
        };
        n.checked_mul(1 << shift).ok_or_else(|| format!("`{text}` is too large"))
    }
}

/// The JSON-RPC settings of a container target: those of [`RpcSpec`] but the endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerRpc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funder: Option<FunderSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_interval: Option<Dur>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop_timeout: Option<Dur>,
    #[serde(default)]
    pub drain_back: bool,
}

impl Default for ContainerRpc {
    fn default() -> Self {
        serde_yaml::from_str("{}").expect("every field has a default")
    }
}

impl ContainerSpec {
    /// The RPC target that talks to this container's node (on 127.0.0.1), with the
    /// defaults of `kind: rpc` for what is not set.
    pub fn rpc_spec(&self) -> RpcSpec {
        let base: RpcSpec = serde_yaml::from_str(&format!("http: http://127.0.0.1:{}", self.port))
            .expect("an rpc target needs only its URL");
        let r = &self.rpc;
        RpcSpec {
            ws: self.ws_port.map(|p| format!("ws://127.0.0.1:{p}")),
            chain_id: r.chain_id,
            funder: r.funder.clone(),
            batch_size: r.batch_size.unwrap_or(base.batch_size),
            connections: r.connections.unwrap_or(base.connections),
            poll_interval: r.poll_interval.unwrap_or(base.poll_interval),
            drop_timeout: r.drop_timeout.unwrap_or(base.drop_timeout),
            drain_back: r.drain_back,
            ..base
        }
    }

    /// The image's name and tag as testcontainers takes them: `NAME:TAG` splits at the
    /// last colon after the last slash (no tag: `latest`); `NAME@sha256:HEX` splits into
    /// `NAME@sha256` and `HEX`, which testcontainers joins back into the same reference.
    pub fn image_name_tag(&self) -> (&str, &str) {
        let slash = self.image.rfind('/').map_or(0, |i| i + 1);
        match self.image[slash..].rfind(':') {
            Some(i) => (&self.image[..slash + i], &self.image[slash + i + 1..]),
            None => (&self.image, "latest"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(image: &str) -> ContainerSpec {
        serde_yaml::from_str(&format!("image: \"{image}\"")).unwrap()
    }

    #[test]
    fn image_references_split_into_what_testcontainers_joins_back() {
        assert_eq!(spec("local/anvil:1.7.1").image_name_tag(), ("local/anvil", "1.7.1"));
        assert_eq!(spec("localhost:5000/reth").image_name_tag(), ("localhost:5000/reth", "latest"));
        assert_eq!(spec("ghcr.io/x/reth@sha256:abc").image_name_tag(), ("ghcr.io/x/reth@sha256", "abc"));
    }

    #[test]
    fn memory_reads_as_docker_does() {
        assert_eq!(Memory::Text("512m".into()).bytes(), Ok(512 << 20));
        assert_eq!(Memory::Text("2G".into()).bytes(), Ok(2 << 30));
        assert_eq!(Memory::Text("64kb".into()).bytes(), Ok(64 << 10));
        assert_eq!(Memory::Bytes(1000).bytes(), Ok(1000));
        assert!(Memory::Text("lots".into()).bytes().is_err());
    }

    #[test]
    fn the_rpc_settings_default_as_for_an_rpc_target() {
        let s: ContainerSpec =
            serde_yaml::from_str("{image: a:b, port: 9000, ws_port: 9000, rpc: {batch_size: 7}}").unwrap();
        let r = s.rpc_spec();
        assert_eq!(
            (r.http.as_str(), r.ws.as_deref(), r.batch_size),
            ("http://127.0.0.1:9000", Some("ws://127.0.0.1:9000"), 7)
        );
        let plain: RpcSpec = serde_yaml::from_str("http: http://x").unwrap();
        assert_eq!((r.connections, r.drop_timeout), (plain.connections, plain.drop_timeout));
    }
}
