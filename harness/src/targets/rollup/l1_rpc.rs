//! The L1 as a real node over JSON-RPC (anvil): the batcher's key funded from the
//! funder, batcher transactions sent with `eth_sendRawTransaction`, the L1's head followed
//! by polling (each block read with its transactions, the batcher's receipts for gas, blob
//! gas and prices, `eth_blobBaseFee` for the blob base fee of the next origin), and after
//! the run the batcher transactions read back from the blocks, filtered by inbox and
//! sender as op-node does, blobs fetched with anvil's `anvil_getBlobByHash`.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use alloy::{
    consensus::TxEip1559,
    primitives::{Address, B256, Bytes, TxKind, U64, U128, U256},
};
use serde::Deserialize;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::fees::L1Origin;
use crate::{
    clock::Clock,
    lock,
    plan::TxId,
    scenario::L1RpcSpec,
    targets::{
        BlockEvent, ChainEvent, EventSink, IncludedTx, RejectKind, Rejection, TargetError,
        rpc::{Client, RpcError, funder::Funder},
    },
};

/// Each request waits at most this for its answer. anvil checks a blob transaction's KZG
/// proofs before it answers, and loads its trusted setup for the first: seconds on a
/// loaded machine. (A send is bounded by the batcher's settle deadline too.)
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The funding transfer must be included within this.
const FUNDING_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RpcTx {
    hash: B256,
    from: Address,
    #[serde(default)]
    to: Option<Address>,
    #[serde(default)]
    input: Bytes,
    #[serde(default)]
    blob_versioned_hashes: Option<Vec<B256>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RpcBlock {
    number: U64,
    hash: B256,
    #[serde(default)]
    base_fee_per_gas: Option<U128>,
    gas_used: U64,
    gas_limit: U64,
    transactions: Vec<RpcTx>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RpcReceipt {
    status: U64,
    gas_used: U64,
    effective_gas_price: U128,
    #[serde(default)]
    blob_gas_used: Option<U64>,
    #[serde(default)]
    blob_gas_price: Option<U128>,
}

/// What the batcher's blob transactions used and paid on the real L1 (from receipts).
#[derive(Debug, Clone, Copy, Default)]
pub struct BlobStats {
    pub blob_txs_included: u64,
    pub blob_gas_used: u64,
    pub blob_spend_wei: u128,
    pub blob_base_fee_last_wei: u128,
    pub blob_base_fee_max_wei: u128,
}

/// The L1 node.
#[derive(Debug)]
pub struct RpcL1 {
    pub spec: L1RpcSpec,
    client: Client,
    inbox: Address,
    batcher: Address,
    head: Mutex<L1Origin>,
    /// The L1 head when the run started: the derivation reads the blocks after it.
    first_block: Mutex<u64>,
    /// The batcher's transactions sent, by hash, with the id the batcher knows them by.
    posted: Mutex<HashMap<B256, TxId>>,
    next_id: AtomicU32,
    pub blob_stats: Mutex<BlobStats>,
    stop: CancellationToken,
}

fn failed(what: &str, e: &RpcError) -> TargetError {
    TargetError::Failed(format!("the L1 node: {what}: {e}"))
}

impl RpcL1 {
    pub fn new(spec: L1RpcSpec, inbox: Address, batcher: Address) -> Self {
        let client = Client::new(&spec.http, 2, REQUEST_TIMEOUT);
        Self {
            spec,
            client,
            inbox,
            batcher,
            head: Mutex::new(L1Origin { number: 0, base_fee_wei: 0, blob_base_fee_wei: 1 }),
            first_block: Mutex::new(0),
            posted: Mutex::default(),
            next_id: AtomicU32::new(0),
            blob_stats: Mutex::default(),
            stop: CancellationToken::new(),
        }
    }

    /// The L1 origin the L2 prices its data from: the last L1 block seen.
    pub fn origin(&self) -> L1Origin {
        *lock(&self.head)
    }

    /// Connects, reads the head, and funds the batcher from the funder (the key never
    /// shown). Returns the L1's chain id.
    pub async fn prepare(&self) -> Result<u64, TargetError> {
        let unreachable =
            |e: RpcError| TargetError::Unreachable(format!("the L1 node at {}: {e} ({})", self.spec.http, e.hint()));
        let chain_id: u64 = self.client.call::<U64>("eth_chainId", json!([])).await.map_err(unreachable)?.to();
        let head = self.refresh_head().await?;
        *lock(&self.first_block) = head;
        let funder = Funder::resolve(self.spec.funder.as_ref(), chain_id, &self.spec.http)?;
        let f = funder.address();
        let nonce: U64 = self
            .client
            .call("eth_getTransactionCount", json!([f, "pending"]))
            .await
            .map_err(|e| failed("nonce", &e))?;
        let base_fee = self.origin().base_fee_wei;
        let tip = 1_000_000_000u128;
        let tx = TxEip1559 {
            chain_id,
            nonce: nonce.to(),
            gas_limit: 21_000,
            max_fee_per_gas: 2 * base_fee + tip,
            max_priority_fee_per_gas: tip,
            to: TxKind::Call(self.batcher),
            value: U256::from(self.spec.batcher_funding_eth) * U256::from(10u64).pow(U256::from(18)),
            ..TxEip1559::default()
        };
        let raw = funder.sign(tx)?;
        let hash: B256 = self
            .client
            .call("eth_sendRawTransaction", json!([raw]))
            .await
            .map_err(|e| TargetError::Setup(format!("the L1 node refused the batcher's funding from {f}: {e}")))?;
        let deadline = tokio::time::Instant::now() + FUNDING_TIMEOUT;
        loop {
            let r: Option<RpcReceipt> = self
                .client
                .call("eth_getTransactionReceipt", json!([hash]))
                .await
                .map_err(|e| failed("receipt", &e))?;
            match r {
                Some(r) if r.status.to::<u64>() == 1 => break,
                Some(_) => return Err(TargetError::Setup(format!("the batcher's funding {hash} reverted on the L1"))),
                None if tokio::time::Instant::now() >= deadline => {
                    return Err(TargetError::Setup(format!(
                        "the batcher's funding {hash} was not included within {FUNDING_TIMEOUT:?}: is the L1 mining \
                         (e.g. anvil --block-time 1)?"
                    )));
                }
                None => tokio::time::sleep(self.spec.poll_interval.get()).await,
            }
        }
        Ok(chain_id)
    }

    /// Reads the head block's number and base fee and the node's blob base fee.
    async fn refresh_head(&self) -> Result<u64, TargetError> {
        let n: U64 = self.client.call("eth_blockNumber", json!([])).await.map_err(|e| failed("head", &e))?;
        let block = self.block(n.to()).await?;
        self.set_origin(&block).await;
        Ok(n.to())
    }

    async fn block(&self, n: u64) -> Result<RpcBlock, TargetError> {
        let b: Option<RpcBlock> = self
            .client
            .call("eth_getBlockByNumber", json!([U64::from(n), true]))
            .await
            .map_err(|e| failed("eth_getBlockByNumber", &e))?;
        b.ok_or_else(|| TargetError::Failed(format!("the L1 node has no block {n}")))
    }

    async fn set_origin(&self, b: &RpcBlock) {
        // A node before Cancun has no blob base fee: EIP-4844's minimum stands in.
        let blob: u128 = self.client.call::<U128>("eth_blobBaseFee", json!([])).await.map(|v| v.to()).unwrap_or(1);
        *lock(&self.head) = L1Origin {
            number: b.number.to(),
            base_fee_wei: b.base_fee_per_gas.map_or(0, |f| f.to()),
            blob_base_fee_wei: blob,
        };
        let mut s = lock(&self.blob_stats);
        s.blob_base_fee_last_wei = blob;
        s.blob_base_fee_max_wei = s.blob_base_fee_max_wei.max(blob);
    }

    /// Sends a signed batcher transaction; its id is how the L1's block events name it.
    pub async fn send(&self, raw: Bytes, hash: B256) -> Result<TxId, Rejection> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        lock(&self.posted).insert(hash, id);
        match self.client.call::<B256>("eth_sendRawTransaction", json!([raw])).await {
            Ok(_) => Ok(id),
            // The answer was lost, not the transaction: its nonce is taken as used (a
            // resend would be a replacement), and the L1's blocks tell whether it landed.
            Err(e) if e.maybe_delivered() => Ok(id),
            Err(e) => {
                lock(&self.posted).remove(&hash);
                let kind = if e.is_transport() { RejectKind::Transport } else { RejectKind::Other };
                Err(Rejection { kind, message: format!("the L1 node: {e}") })
            }
        }
    }

    /// Follows the L1's head until stopped, announcing each block (with the batcher's
    /// transactions in it) to `sink`.
    pub async fn follow(self: std::sync::Arc<Self>, sink: EventSink) {
        let clock: Clock = sink.clock();
        let mut seen = *lock(&self.first_block);
        let mut tick = tokio::time::interval(self.spec.poll_interval.get());
        loop {
            tokio::select! {
                () = self.stop.cancelled() => return,
                _ = tick.tick() => {}
            }
            let Ok(head) = self.client.call::<U64>("eth_blockNumber", json!([])).await else { continue };
            let head: u64 = head.to();
            while seen < head {
                let Ok(block) = self.block(seen + 1).await else { break };
                seen += 1;
                let observed_ns = clock.now_ns();
                self.set_origin(&block).await;
                let ev = self.block_event(&block, observed_ns).await;
                sink.emit(ChainEvent::Block(ev));
            }
        }
    }

    async fn block_event(&self, b: &RpcBlock, observed_ns: u64) -> BlockEvent {
        let ours: Vec<(TxId, B256)> = {
            let posted = lock(&self.posted);
            b.transactions.iter().filter_map(|t| posted.get(&t.hash).map(|id| (*id, t.hash))).collect()
        };
        let mut txs = Vec::with_capacity(ours.len());
        for (id, hash) in ours {
            let Ok(Some(r)) = self.client.call::<Option<RpcReceipt>>("eth_getTransactionReceipt", json!([hash])).await
            else {
                continue;
            };
            if let (Some(gas), Some(price)) = (r.blob_gas_used, r.blob_gas_price) {
                let mut s = lock(&self.blob_stats);
                s.blob_txs_included += 1;
                s.blob_gas_used += gas.to::<u64>();
                s.blob_spend_wei += u128::from(gas.to::<u64>()) * price.to::<u128>();
            }
            txs.push(IncludedTx {
                id,
                success: r.status.to::<u64>() == 1,
                gas_used: r.gas_used.to(),
                effective_gas_price_wei: r.effective_gas_price.to(),
                l1_fee_wei: None,
                revert_data: None,
            });
        }
        BlockEvent {
            number: b.number.to(),
            hash: b.hash,
            observed_ns,
            base_fee_wei: b.base_fee_per_gas.map_or(0, |f| f.to()),
            gas_used: b.gas_used.to(),
            gas_limit: b.gas_limit.to(),
            foreign_txs: (b.transactions.len() - txs.len()) as u64,
            txs,
        }
    }

    /// Stops following the head.
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// The batcher transactions' data as a rollup node reads it from the L1: every
    /// transaction of the blocks since the run began sent to the inbox by the batcher, in
    /// L1 order; a blob transaction's data is its blobs' (fetched by versioned hash,
    /// decoded), one batcher transaction each.
    pub async fn batcher_data(&self) -> Result<Vec<Bytes>, String> {
        let from = *lock(&self.first_block) + 1;
        let head: u64 =
            self.client.call::<U64>("eth_blockNumber", json!([])).await.map_err(|e| format!("the L1 head: {e}"))?.to();
        let mut out = Vec::new();
        for n in from..=head {
            let block = self.block(n).await.map_err(|e| e.to_string())?;
            for tx in block.transactions {
                if tx.to != Some(self.inbox) || tx.from != self.batcher {
                    continue;
                }
                match tx.blob_versioned_hashes {
                    Some(hashes) if !hashes.is_empty() => {
                        for h in hashes {
                            let blob: Option<Bytes> = self
                                .client
                                .call("anvil_getBlobByHash", json!([h]))
                                .await
                                .map_err(|e| format!("blob {h} of {}: {e}", tx.hash))?;
                            let blob = blob.ok_or_else(|| format!("the L1 node has no blob {h} of {}", tx.hash))?;
                            // A blob that does not decode goes on as data the frame parser refuses.
                            out.push(super::blob::decode(&blob).map(Bytes::from).unwrap_or_default());
                        }
                    }
                    _ => out.push(tx.input),
                }
            }
        }
        Ok(out)
    }
}
