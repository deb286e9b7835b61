//! `transfer`: native ETH between generated accounts. The recipient dial decides how
//! many transfers touch the same account (a parallel executor's conflicts).

use alloy::primitives::{Bytes, U256};
use serde::{Deserialize, Serialize};

use crate::{GenCtx, Generator, Op, Pick, Picker, Rng, WorkloadError};

/// Gas a plain value transfer uses (and the limit we give it).
pub const TRANSFER_GAS: u64 = 21_000;

/// Scenario settings of the `transfer` workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferSpec {
    /// Relative share of this workload in the mix.
    #[serde(default = "crate::dials::default_weight")]
    pub weight: u32,
    /// How recipients are picked among the generated accounts.
    #[serde(default)]
    pub recipients: Pick,
    /// Value of each transfer, in wei.
    #[serde(default = "default_value")]
    pub value_wei: u64,
}

fn default_value() -> u64 {
    1
}

/// The `transfer` generator.
#[derive(Debug)]
pub struct Transfer {
    recipients: Picker,
    value: U256,
}

impl Transfer {
    pub fn new(spec: &TransferSpec, accounts: usize) -> Result<Self, WorkloadError> {
        if accounts < 2 {
            return Err(WorkloadError::InvalidDial {
                field: "accounts.count",
                message: "transfers need at least 2 accounts".into(),
            });
        }
        Ok(Self { recipients: spec.recipients.picker(accounts, "recipients")?, value: U256::from(spec.value_wei) })
    }
}

impl Generator for Transfer {
    fn name(&self) -> &'static str {
        "transfer"
    }

    fn next_op(&mut self, ctx: &GenCtx<'_>, sender: usize, rng: &mut Rng) -> Op {
        let to = self.recipients.pick_other(rng, sender);
        Op {
            to: ctx.accounts[to],
            value_wei: self.value,
            input: Bytes::new(),
            gas_limit: TRANSFER_GAS,
            kind: "transfer",
        }
    }

    fn native_recipient(&self, op: &Op, ctx: &GenCtx<'_>) -> Option<usize> {
        ctx.accounts.iter().position(|a| *a == op.to)
    }
}
