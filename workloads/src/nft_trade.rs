//! `nft_trade`: an NFT market's traffic. Each operation is a listing of an item the
//! sender owns, a transfer of one to another account, or a purchase (paid in ETH) of a
//! listing the deployer stocked. Items and listings are allocated while planning and
//! minted and listed in the set-up, so every operation is valid in any block order.

use alloy::{
    primitives::{Address, U256},
    sol_types::SolCall,
};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::{
    Check, GenCtx, Generator, Op, Pick, Picker, Read, Rng, Setup, WorkloadError,
    common::{Items, Users, deploy_collection, deploy_gas},
    contracts::{Nft, NftMarket},
};

/// Gas limits (measured: list ~120k, buy ~75k, transfer ~40-60k).
const LIST_GAS: u64 = 200_000;
const BUY_GAS: u64 = 150_000;
const TRANSFER_GAS: u64 = 100_000;
/// Listings per `listMany` in the set-up.
const LIST_CHUNK: usize = 100;

/// Scenario settings of `nft_trade`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NftTradeSpec {
    #[serde(default = "crate::dials::default_weight")]
    pub weight: u32,
    /// How many collections, each with its own market.
    #[serde(default = "crate::dials::one")]
    pub collections: u32,
    #[serde(default)]
    pub collection_pick: Pick,
    /// Who receives transferred items.
    #[serde(default)]
    pub recipients: Pick,
    /// Price of every listing, in wei.
    #[serde(default = "default_price")]
    pub price_wei: u64,
}

fn default_price() -> u64 {
    1_000_000_000_000
}

#[derive(Debug, Default, Clone)]
struct Collection {
    nft: Address,
    market: Address,
    items: Items,
    /// Items the deployer lists, in listing order (listing k+1 sells `stock[k]`).
    stock: Vec<U256>,
}

/// The `nft_trade` generator.
#[derive(Debug)]
pub struct NftTrade {
    spec: NftTradeSpec,
    pick: Picker,
    recipients: Picker,
    deployer: Address,
    collections: Vec<Collection>,
    users: Users,
}

impl NftTrade {
    pub fn new(spec: &NftTradeSpec, accounts: usize) -> Result<Self, WorkloadError> {
        crate::dials::need_accounts(accounts, 2)?;
        Ok(Self {
            pick: spec
                .collection_pick
                .picker(crate::dials::at_least_one(spec.collections, "collections")?, "collection_pick")?,
            recipients: spec.recipients.picker(accounts, "recipients")?,
            spec: spec.clone(),
            deployer: Address::ZERO,
            collections: Vec::new(),
            users: Users::default(),
        })
    }
}

impl Generator for NftTrade {
    fn name(&self) -> &'static str {
        "nft_trade"
    }

    fn deploy(&mut self, setup: &mut Setup, _: &GenCtx<'_>) {
        self.deployer = setup.deployer();
        self.collections = (0..self.spec.collections)
            .map(|i| {
                let nft = deploy_collection(setup, &format!("TRADE{i}"));
                let code = NftMarket::BYTECODE.clone();
                let gas = deploy_gas(&code, NftMarket::DEPLOYED_BYTECODE.len());
                let market = setup.deploy(&format!("deploy NftMarket {i}"), code, gas);
                Collection { nft, market, ..Default::default() }
            })
            .collect();
    }

    fn next_op(&mut self, ctx: &GenCtx<'_>, sender: usize, rng: &mut Rng) -> Op {
        let c = self.pick.pick(rng);
        self.users.add(c, sender);
        let me = ctx.accounts[sender];
        let col = &mut self.collections[c];
        let price = U256::from(self.spec.price_wei);
        match rng.random_range(0..3) {
            0 => {
                let id = col.items.alloc(me);
                let input = NftMarket::listCall { nft: col.nft, id, price }.abi_encode();
                Op { to: col.market, value_wei: U256::ZERO, input: input.into(), gas_limit: LIST_GAS, kind: "list" }
            }
            1 => {
                let to = self.recipients.pick_other(rng, sender);
                self.users.add(c, to);
                let id = col.items.alloc(me);
                let input = Nft::transferFromCall { from: me, to: ctx.accounts[to], id }.abi_encode();
                Op {
                    to: col.nft,
                    value_wei: U256::ZERO,
                    input: input.into(),
                    gas_limit: TRANSFER_GAS,
                    kind: "transfer",
                }
            }
            _ => {
                let item = col.items.alloc(self.deployer);
                col.stock.push(item);
                let listing = U256::from(col.stock.len());
                let input = NftMarket::buyCall { listingId: listing }.abi_encode();
                Op { to: col.market, value_wei: price, input: input.into(), gas_limit: BUY_GAS, kind: "buy" }
            }
        }
    }

    fn provision(&mut self, setup: &mut Setup, ctx: &GenCtx<'_>) {
        let price = U256::from(self.spec.price_wei);
        for (c, col) in self.collections.iter().enumerate() {
            col.items.provision(setup, col.nft, 0);
            let approve = Nft::setApprovalForAllCall { operator: col.market, approved: true }.abi_encode();
            setup.deployer_call("Nft.setApprovalForAll(market)", col.nft, approve.clone(), 80_000);
            for chunk in col.stock.chunks(LIST_CHUNK) {
                let input = NftMarket::listManyCall { nft: col.nft, ids: chunk.to_vec(), price }.abi_encode();
                setup.deployer_call("NftMarket.listMany", col.market, input, 100_000 + 120_000 * chunk.len() as u64);
            }
            for a in self.users.of(c) {
                setup.account_call(a, "Nft.setApprovalForAll(market)", col.nft, approve.clone(), 80_000);
            }
        }
        let _ = ctx;
    }

    fn checks(&self, ctx: &GenCtx<'_>) -> Vec<Check> {
        let mut out = Vec::new();
        for (c, col) in self.collections.iter().enumerate() {
            let mut holders: Vec<Address> = self.users.of(c).map(|i| ctx.accounts[i]).collect();
            holders.extend([col.market, self.deployer]);
            let mut reads = vec![
                Read::new(col.nft, &Nft::totalSupplyCall {}),
                Read::new(col.market, &NftMarket::listingCountCall {}),
            ];
            reads.extend(holders.iter().map(|&h| Read::new(col.nft, &Nft::balanceOfCall { account: h })));
            out.push(Check {
                name: format!("nft_trade: collection {c} items conserved, listings = stock + successful lists"),
                reads,
                fold: None,
                verify: Box::new(|ctx| {
                    let supply = ctx.after_word(0);
                    let held = (2..ctx.after.len()).fold(U256::ZERO, |s, i| s + ctx.after_word(i));
                    if supply != held || supply != ctx.before_word(0) {
                        return Err(format!("supply {} -> {supply}, held {held}", ctx.before_word(0)));
                    }
                    Ok(format!("{supply} items; {} listings", ctx.after_word(1)))
                }),
            });
        }
        out.push(Check {
            name: "nft_trade: new listings = successful lists".into(),
            reads: self.collections.iter().map(|col| Read::new(col.market, &NftMarket::listingCountCall {})).collect(),
            fold: None,
            verify: Box::new(|ctx| {
                let (mut before, mut after) = (U256::ZERO, U256::ZERO);
                for i in 0..ctx.after.len() {
                    before += ctx.before_word(i);
                    after += ctx.after_word(i);
                }
                if after - before == U256::from(ctx.ok("list")) {
                    Ok(format!(
                        "{} listed, {} bought, {} transferred",
                        ctx.ok("list"),
                        ctx.ok("buy"),
                        ctx.ok("transfer")
                    ))
                } else {
                    Err(format!("{} new listings, {} lists succeeded", after - before, ctx.ok("list")))
                }
            }),
        });
        out
    }

    fn native_recipient(&self, _: &Op, _: &GenCtx<'_>) -> Option<usize> {
        // Purchases pay the deployer (the seller), not a generated account.
        None
    }
}
