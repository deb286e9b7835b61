//! The catalog: every workload's name, one-line description and scenario settings.

use serde::{Deserialize, Serialize};

use crate::{
    Generator, WorkloadError,
    transfer::{Transfer, TransferSpec},
};

pub(crate) fn default_weight() -> u32 {
    1
}

/// One entry of the catalog, as `gasbench workloads` lists it.
#[derive(Debug, Clone, Copy)]
pub struct WorkloadInfo {
    pub name: &'static str,
    pub description: &'static str,
    pub dials: &'static str,
}

/// Every workload gasbench can generate.
pub const CATALOG: &[WorkloadInfo] = &[WorkloadInfo {
    name: "transfer",
    description: "native ETH transfers between generated accounts (21,000 gas each)",
    dials: "recipients: uniform | zipf(S) | hot(RATIO[, SET_SIZE]); value_wei",
}];

/// A workload entry of a scenario's mix: `{kind: transfer, weight: 3, ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WorkloadSpec {
    Transfer(TransferSpec),
}

impl WorkloadSpec {
    /// The catalog name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Transfer(_) => "transfer",
        }
    }

    /// Relative share in the mix.
    pub fn weight(&self) -> u32 {
        match self {
            Self::Transfer(s) => s.weight,
        }
    }

    /// Builds the generator for `accounts` generated accounts.
    pub fn build(&self, accounts: usize) -> Result<Box<dyn Generator>, WorkloadError> {
        Ok(match self {
            Self::Transfer(s) => Box::new(Transfer::new(s, accounts)?),
        })
    }
}
