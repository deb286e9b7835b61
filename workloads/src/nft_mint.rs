//! `nft_mint`: open ERC-721 mints to the sender. Every mint of a collection increments
//! its `totalMinted` counter: with one collection the load is fully serial, a natural
//! hotspot; more collections spread it.

use alloy::{
    primitives::{Address, U256},
    sol_types::SolCall,
};
use serde::{Deserialize, Serialize};

use crate::{
    Check, GenCtx, Generator, Op, Pick, Picker, Read, Rng, Setup, WorkloadError,
    common::{Users, deploy_collection},
    contracts::Nft,
};

/// Gas limit of one mint (measured ~70k for a new holder, ~53k after).
const GAS: u64 = 120_000;

/// Scenario settings of `nft_mint`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NftMintSpec {
    #[serde(default = "crate::dials::default_weight")]
    pub weight: u32,
    /// How many collections.
    #[serde(default = "crate::dials::one")]
    pub collections: u32,
    #[serde(default)]
    pub collection_pick: Pick,
}

/// The `nft_mint` generator.
#[derive(Debug)]
pub struct NftMint {
    spec: NftMintSpec,
    pick: Picker,
    collections: Vec<Address>,
    users: Users,
}

impl NftMint {
    pub fn new(spec: &NftMintSpec, accounts: usize) -> Result<Self, WorkloadError> {
        crate::dials::need_accounts(accounts, 1)?;
        Ok(Self {
            pick: spec
                .collection_pick
                .picker(crate::dials::at_least_one(spec.collections, "collections")?, "collection_pick")?,
            spec: spec.clone(),
            collections: Vec::new(),
            users: Users::default(),
        })
    }
}

impl Generator for NftMint {
    fn name(&self) -> &'static str {
        "nft_mint"
    }

    fn deploy(&mut self, setup: &mut Setup, _: &GenCtx<'_>) {
        self.collections = (0..self.spec.collections).map(|i| deploy_collection(setup, &format!("MINT{i}"))).collect();
    }

    fn next_op(&mut self, ctx: &GenCtx<'_>, sender: usize, rng: &mut Rng) -> Op {
        let c = self.pick.pick(rng);
        self.users.add(c, sender);
        let input = Nft::mintCall { to: ctx.accounts[sender] }.abi_encode();
        Op { to: self.collections[c], value_wei: U256::ZERO, input: input.into(), gas_limit: GAS, kind: "mint" }
    }

    fn provision(&mut self, _: &mut Setup, ctx: &GenCtx<'_>) {
        // Nothing to provision; an open-ended run may mint to anyone: check everyone.
        let _ = ctx;
    }

    fn checks(&self, ctx: &GenCtx<'_>) -> Vec<Check> {
        let mut out = vec![Check {
            name: "nft_mint: items minted = successful mints".into(),
            reads: self.collections.iter().map(|&c| Read::new(c, &Nft::totalMintedCall {})).collect(),
            fold: None,
            verify: Box::new(|ctx| {
                let (mut before, mut after) = (U256::ZERO, U256::ZERO);
                for i in 0..ctx.after.len() {
                    before += ctx.before_word(i);
                    after += ctx.after_word(i);
                }
                let minted = after - before;
                if minted == U256::from(ctx.ok("mint")) {
                    Ok(format!("{minted} minted"))
                } else {
                    Err(format!("{minted} items minted, {} mints succeeded", ctx.ok("mint")))
                }
            }),
        }];
        for (c, &nft) in self.collections.iter().enumerate() {
            let holders: Vec<Address> = self.users.of(c).map(|i| ctx.accounts[i]).collect();
            let mut reads = vec![Read::new(nft, &Nft::totalSupplyCall {})];
            reads.extend(holders.iter().map(|&h| Read::new(nft, &Nft::balanceOfCall { account: h })));
            out.push(Check {
                name: format!("nft_mint: collection {c} supply = sum of holdings"),
                reads,
                fold: None,
                verify: Box::new(|ctx| {
                    let supply = ctx.after_word(0);
                    let held = (1..ctx.after.len()).fold(U256::ZERO, |s, i| s + ctx.after_word(i));
                    if supply == held {
                        Ok(format!("{supply} items"))
                    } else {
                        Err(format!("supply {supply} != held {held}"))
                    }
                }),
            });
        }
        out
    }
}
