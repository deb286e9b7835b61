//! The effects check: after a run, every generated account's nonce and balance on chain
//! must equal its state after the set-up plus what the plan and the recorded outcomes
//! imply.

use std::sync::Arc;

use alloy::primitives::{Address, U256};

use crate::{
    metrics::Recorder,
    plan::PlannedTx,
    report::Effects,
    target::{AccountState, TargetError},
};

/// Most mismatches described in the report.
const MAX_DETAILS: usize = 10;

/// Compares the target's account state (`actual`, read after the run) with the
/// expectation from the plan and the recorded outcomes.
pub fn check(
    actual: Result<Vec<AccountState>, TargetError>,
    accounts: &[Address],
    baseline: &[AccountState],
    txs: &[Arc<PlannedTx>],
    recorder: &Recorder,
) -> Effects {
    let mut nonces: Vec<u64> = baseline.iter().map(|a| a.nonce).collect();
    // Balances as signed deltas from the initial balance: no underflow mid-way.
    let mut spent = vec![U256::ZERO; accounts.len()];
    let mut received = vec![U256::ZERO; accounts.len()];
    for tx in txs {
        let Some(inc) = recorder.included(tx.id) else { continue };
        let s = tx.sender as usize;
        nonces[s] = nonces[s].max(tx.nonce + 1);
        spent[s] += U256::from(inc.fee_wei);
        if inc.success {
            spent[s] += tx.tx.value;
            if let Some(r) = tx.recipient {
                received[r as usize] += tx.tx.value;
            }
        }
    }
    let actual = match actual {
        Ok(a) => a,
        Err(e) => {
            return Effects {
                verdict: "skipped".into(),
                details: vec![format!("cannot read account state: {e}")],
                ..Default::default()
            };
        }
    };
    let mut details = Vec::new();
    let mut mismatches = 0u64;
    for (i, a) in actual.iter().enumerate() {
        let expected_balance = baseline[i].balance + received[i] - spent[i];
        let mut bad = Vec::new();
        if a.nonce != nonces[i] {
            bad.push(format!("nonce {} (expected {})", a.nonce, nonces[i]));
        }
        if a.balance != expected_balance {
            bad.push(format!("balance {} wei (expected {expected_balance})", a.balance));
        }
        if !bad.is_empty() {
            mismatches += 1;
            if details.len() < MAX_DETAILS {
                details.push(format!("account #{i} {}: {}", accounts[i], bad.join(", ")));
            }
        }
    }
    Effects {
        verdict: if mismatches == 0 { "pass" } else { "fail" }.into(),
        accounts_checked: actual.len() as u64,
        mismatches,
        details,
        checks: Vec::new(),
    }
}
