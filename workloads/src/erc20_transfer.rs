//! `erc20_transfer`: ERC-20 transfers between generated accounts. Every account holds
//! every token it uses (minted in the set-up), so a transfer updates two existing
//! balances (~34k gas). Dials: how many tokens, which token, which recipient.

use std::collections::HashMap;

use alloy::{
    primitives::{Address, U256},
    sol_types::SolCall,
};
use serde::{Deserialize, Serialize};

use crate::{
    Check, GenCtx, Generator, Op, Pick, Picker, Read, Rng, Setup, WorkloadError,
    check::{replaying, word},
    common::{Users, account_tokens, deploy_token, mint_many, supply_check, unchanged},
    contracts::Token,
};

/// Gas limit of one transfer (measured ~34k to an existing holder).
const GAS: u64 = 60_000;

/// Scenario settings of `erc20_transfer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Erc20TransferSpec {
    #[serde(default = "crate::dials::default_weight")]
    pub weight: u32,
    /// How many tokens to deploy.
    #[serde(default = "crate::dials::one")]
    pub tokens: u32,
    /// How each transfer picks its token.
    #[serde(default)]
    pub token_pick: Pick,
    /// How recipients are picked among the generated accounts.
    #[serde(default)]
    pub recipients: Pick,
    /// Token units per transfer.
    #[serde(default = "crate::dials::small_amount")]
    pub amount: u64,
}

/// The `erc20_transfer` generator.
#[derive(Debug)]
pub struct Erc20Transfer {
    spec: Erc20TransferSpec,
    token_pick: Picker,
    recipients: Picker,
    tokens: Vec<Address>,
    users: Users,
}

impl Erc20Transfer {
    pub fn new(spec: &Erc20TransferSpec, accounts: usize) -> Result<Self, WorkloadError> {
        crate::dials::need_accounts(accounts, 2)?;
        Ok(Self {
            token_pick: spec.token_pick.picker(crate::dials::at_least_one(spec.tokens, "tokens")?, "token_pick")?,
            recipients: spec.recipients.picker(accounts, "recipients")?,
            spec: spec.clone(),
            tokens: Vec::new(),
            users: Users::default(),
        })
    }
}

impl Generator for Erc20Transfer {
    fn name(&self) -> &'static str {
        "erc20_transfer"
    }

    fn deploy(&mut self, setup: &mut Setup, _: &GenCtx<'_>) {
        self.tokens = (0..self.spec.tokens).map(|i| deploy_token(setup, &format!("ERC{i}"))).collect();
    }

    fn next_op(&mut self, ctx: &GenCtx<'_>, sender: usize, rng: &mut Rng) -> Op {
        let t = self.token_pick.pick(rng);
        let to = self.recipients.pick_other(rng, sender);
        self.users.add(t, sender);
        self.users.add(t, to);
        let input = Token::transferCall { to: ctx.accounts[to], amount: U256::from(self.spec.amount) }.abi_encode();
        Op { to: self.tokens[t], value_wei: U256::ZERO, input: input.into(), gas_limit: GAS, kind: "transfer" }
    }

    fn provision(&mut self, setup: &mut Setup, ctx: &GenCtx<'_>) {
        if setup.open_ended {
            self.users.add_all(self.tokens.len(), ctx.accounts.len());
        }
        for (t, &token) in self.tokens.iter().enumerate() {
            let to: Vec<Address> = self.users.of(t).map(|a| ctx.accounts[a]).collect();
            mint_many(setup, token, &to, account_tokens());
        }
    }

    fn checks(&self, ctx: &GenCtx<'_>) -> Vec<Check> {
        let mut out = Vec::new();
        for (t, &token) in self.tokens.iter().enumerate() {
            let holders: Vec<Address> = self.users.of(t).map(|a| ctx.accounts[a]).collect();
            out.push(supply_check(format!("erc20_transfer: ERC{t} supply conserved"), token, &holders, unchanged));
            out.push(moved_check(
                format!("erc20_transfer: ERC{t} each holder's balance moved by its transfers"),
                token,
                holders,
            ));
        }
        out
    }
}

/// Every holder's balance after the load = before, minus what it sent, plus what it
/// received, by the plan's successful `transfer` calls replayed in inclusion order as the
/// run goes (one expected balance per holder is kept, not the calls).
fn moved_check(name: String, token: Address, holders: Vec<Address>) -> Check {
    let reads = holders.iter().map(|&h| Read::new(token, &Token::balanceOfCall::new((h,)))).collect();
    let index: HashMap<Address, usize> = holders.iter().enumerate().map(|(i, &h)| (h, i)).collect();
    let n = holders.len();
    replaying(
        name,
        reads,
        // Each holder's expected balance, and the transfers replayed.
        move |before| ((0..n).map(|i| word(before.get(i).map_or(&[][..], |b| &b[..]), 0)).collect::<Vec<U256>>(), 0u64),
        move |(expected, transfers), op| {
            let Some(call) = op.call_to::<Token::transferCall>(token) else { return Ok(()) };
            let from = op.sender;
            let (Some(&f), Some(&to)) = (index.get(&from), index.get(&call.to)) else {
                return Err(format!("a transfer from {from} to {} involves an account not read", call.to));
            };
            expected[f] = expected[f]
                .checked_sub(call.amount)
                .ok_or_else(|| format!("{from} sent {} it did not have", call.amount))?;
            expected[to] += call.amount;
            *transfers += 1;
            Ok(())
        },
        move |ctx, (expected, transfers)| {
            let wrong: Vec<String> = (0..holders.len())
                .filter(|&i| ctx.after_word(i) != expected[i])
                .take(5)
                .map(|i| format!("{} holds {} (expected {})", holders[i], ctx.after_word(i), expected[i]))
                .collect();
            if wrong.is_empty() {
                Ok(format!("{transfers} transfers replayed over {} holders", holders.len()))
            } else {
                Err(format!("after {transfers} transfers: {}", wrong.join("; ")))
            }
        },
    )
}
