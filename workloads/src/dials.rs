//! What every generator's settings share: the defaults of their dials and the range checks
//! their `new` runs. Generators use this, never the catalog (which builds them).

use crate::WorkloadError;

/// A workload's share in the mix, when the scenario gives none.
pub(crate) fn default_weight() -> u32 {
    1
}

/// A count dial's default (`pools`, `tokens`, `collections`, `games`).
pub(crate) fn one() -> u32 {
    1
}

/// 0.001 of an 18-decimal token.
pub(crate) fn small_amount() -> u64 {
    1_000_000_000_000_000
}

/// One 18-decimal token.
pub(crate) fn token_amount() -> u64 {
    1_000_000_000_000_000_000
}

/// The scenario has at least the `n` accounts this workload needs.
pub(crate) fn need_accounts(accounts: usize, n: usize) -> Result<(), WorkloadError> {
    if accounts < n {
        return Err(WorkloadError::InvalidDial {
            field: "accounts.count",
            message: format!("this workload needs at least {n} accounts"),
        });
    }
    Ok(())
}

/// A count dial (`pools`, `tokens`, `collections`, `games`) must be at least 1.
pub(crate) fn at_least_one(n: u32, field: &'static str) -> Result<usize, WorkloadError> {
    if n == 0 {
        return Err(WorkloadError::InvalidDial { field, message: "must be at least 1".into() });
    }
    Ok(n as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_few_accounts_and_a_zero_count_name_their_field() {
        assert!(need_accounts(2, 2).is_ok());
        let e = need_accounts(1, 2).unwrap_err();
        assert_eq!(e.to_string(), "accounts.count: this workload needs at least 2 accounts");
        assert_eq!(at_least_one(3, "pools"), Ok(3));
        assert_eq!(at_least_one(0, "pools").unwrap_err().to_string(), "pools: must be at least 1");
    }
}
