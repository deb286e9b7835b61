//! EIP-1559 base fee update.

/// The base fee of the block after one with `gas_used` of `gas_limit` at `parent` base
/// fee: it moves towards keeping blocks at the target (`gas_limit / elasticity`), by at
/// most `1/denominator` per block.
pub fn next_base_fee(parent: u64, gas_used: u64, gas_limit: u64, elasticity: u64, denominator: u64) -> u64 {
    let target = gas_limit / elasticity.max(1);
    let denominator = u128::from(denominator.max(1));
    if target == 0 || gas_used == target {
        return parent;
    }
    let (parent, target128) = (u128::from(parent), u128::from(target));
    if gas_used > target {
        let delta = (parent * u128::from(gas_used - target) / target128 / denominator).max(1);
        u64::try_from(parent + delta).unwrap_or(u64::MAX)
    } else {
        let delta = parent * u128::from(target - gas_used) / target128 / denominator;
        (parent - delta) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::next_base_fee;

    #[test]
    fn follows_eip_1559() {
        // Full block: +12.5%; empty block: -12.5%; at target: unchanged.
        assert_eq!(next_base_fee(1_000_000_000, 30_000_000, 30_000_000, 2, 8), 1_125_000_000);
        assert_eq!(next_base_fee(1_000_000_000, 0, 30_000_000, 2, 8), 875_000_000);
        assert_eq!(next_base_fee(1_000_000_000, 15_000_000, 30_000_000, 2, 8), 1_000_000_000);
        // The increase is at least 1 wei.
        assert_eq!(next_base_fee(7, 15_000_001, 30_000_000, 2, 8), 8);
    }
}
