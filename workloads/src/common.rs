//! Pieces every contract workload shares: deploying tokens and collections, minting to
//! many accounts in few transactions, approvals, items allocated at plan time, and the
//! supply check.

use std::collections::BTreeSet;

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::{SolCall, SolConstructor},
};

use crate::{
    Check, CheckCtx, Read, Setup,
    contracts::{Nft, Token},
};

/// Token units minted to each account that uses a token (1,000,000 tokens of 18 decimals).
pub(crate) fn account_tokens() -> U256 {
    U256::from(10u64).pow(U256::from(24))
}

/// Accounts per `mintMany` transaction.
const MINT_CHUNK: usize = 150;
/// Items per `Nft.mintMany` transaction.
const ITEM_CHUNK: usize = 100;

/// A gas limit for deploying `creation` whose runtime code is `runtime_len` bytes: code
/// deposit (200/byte), calldata (16/byte), the constructor's storage writes, and room.
pub(crate) fn deploy_gas(creation: &[u8], runtime_len: usize) -> u64 {
    150_000 + 200 * runtime_len as u64 + 16 * creation.len() as u64 + 300_000
}

/// Creation code followed by its constructor arguments.
pub(crate) fn creation(bytecode: &Bytes, args: &impl SolConstructor) -> Bytes {
    [bytecode.as_ref(), &args.abi_encode()].concat().into()
}

/// Deploys a `Token` (18 decimals) owned by the deployer.
pub(crate) fn deploy_token(setup: &mut Setup, name: &str) -> Address {
    let code = creation(
        &Token::BYTECODE,
        &Token::constructorCall { name_: name.to_string(), symbol_: name.to_string(), decimals_: 18 },
    );
    let gas = deploy_gas(&code, Token::DEPLOYED_BYTECODE.len());
    setup.deploy(&format!("deploy Token {name}"), code, gas)
}

/// Deploys an `Nft` collection owned by the deployer, who may also mint items.
pub(crate) fn deploy_collection(setup: &mut Setup, name: &str) -> Address {
    let code = creation(&Nft::BYTECODE, &Nft::constructorCall { name_: name.to_string(), symbol_: name.to_string() });
    let gas = deploy_gas(&code, Nft::DEPLOYED_BYTECODE.len());
    let nft = setup.deploy(&format!("deploy Nft {name}"), code, gas);
    let deployer = setup.deployer();
    setup.deployer_call(
        &format!("{name}.setMinter(deployer)"),
        nft,
        Nft::setMinterCall { minter: deployer, allowed: true }.abi_encode(),
        80_000,
    );
    nft
}

/// Mints `amount` of `token` to each of `to`, many per transaction.
pub(crate) fn mint_many(setup: &mut Setup, token: Address, to: &[Address], amount: U256) {
    for chunk in to.chunks(MINT_CHUNK) {
        let input = Token::mintManyCall { to: chunk.to_vec(), amount }.abi_encode();
        setup.deployer_call("Token.mintMany", token, input, 80_000 + 32_000 * chunk.len() as u64);
    }
}

/// Account `account` approves `spender` for all of its `token`.
pub(crate) fn approve_max(setup: &mut Setup, account: usize, token: Address, spender: Address) {
    let input = Token::approveCall { spender, amount: U256::MAX }.abi_encode();
    setup.account_call(account, "Token.approve", token, input, 60_000);
}

/// Which accounts use which token (or contract): who to mint to and who must approve.
#[derive(Debug, Default, Clone)]
pub(crate) struct Users(pub BTreeSet<(usize, usize)>);

impl Users {
    pub fn add(&mut self, thing: usize, account: usize) {
        self.0.insert((thing, account));
    }

    /// Every account uses every one of `things` (an open-ended plan).
    pub fn add_all(&mut self, things: usize, accounts: usize) {
        for t in 0..things {
            for a in 0..accounts {
                self.add(t, a);
            }
        }
    }

    /// The accounts of `thing`, in order.
    pub fn of(&self, thing: usize) -> impl Iterator<Item = usize> + '_ {
        self.0.range((thing, 0)..(thing + 1, 0)).map(|&(_, a)| a)
    }
}

/// Items of one collection, allocated while planning (ids in allocation order, from 1)
/// and minted in that order during the set-up.
#[derive(Debug, Default, Clone)]
pub(crate) struct Items {
    owners: Vec<Address>,
}

impl Items {
    /// A new item for `owner`; its id.
    pub fn alloc(&mut self, owner: Address) -> U256 {
        self.owners.push(owner);
        U256::from(self.owners.len())
    }

    /// Mints every allocated item (of `kind`) to its owner; run before any other mint of
    /// the collection so the ids match.
    pub fn provision(&self, setup: &mut Setup, nft: Address, kind: u64) {
        for chunk in self.owners.chunks(ITEM_CHUNK) {
            let input = Nft::mintManyCall { to: chunk.to_vec(), kind: U256::from(kind) }.abi_encode();
            setup.deployer_call("Nft.mintMany", nft, input, 100_000 + 80_000 * chunk.len() as u64);
        }
    }
}

/// `totalSupply == sum of balanceOf(holders)` after the load, and the supply moved as
/// `expect` says (`expect(before, after, ctx)` returns an error text when it did not).
pub(crate) fn supply_check(
    name: String,
    token: Address,
    holders: &[Address],
    expect: impl Fn(U256, U256, &CheckCtx<'_>) -> Option<String> + Send + Sync + 'static,
) -> Check {
    let mut reads = vec![Read::new(token, &Token::totalSupplyCall {})];
    reads.extend(holders.iter().map(|&h| Read::new(token, &Token::balanceOfCall::new((h,)))));
    Check {
        name,
        reads,
        fold: None,
        verify: Box::new(move |ctx| {
            let supply = ctx.after_word(0);
            let held = (1..ctx.after.len()).fold(U256::ZERO, |s, i| s + ctx.after_word(i));
            if supply != held {
                return Err(format!("totalSupply {supply} != {held} held by the {} holders", ctx.after.len() - 1));
            }
            if let Some(e) = expect(ctx.before_word(0), supply, ctx) {
                return Err(e);
            }
            Ok(format!("totalSupply {supply} = sum of {} balances", ctx.after.len() - 1))
        }),
    }
}

/// A supply that must not change during the load.
pub(crate) fn unchanged(before: U256, after: U256, _: &CheckCtx<'_>) -> Option<String> {
    (before != after).then(|| format!("totalSupply changed from {before} to {after}"))
}
