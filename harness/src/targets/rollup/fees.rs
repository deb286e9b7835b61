//! The L1 data fee an OP-stack chain charges each L2 transaction on top of its execution
//! fee: Fjord (size estimated from the FastLZ-compressed signed transaction) or Ecotone
//! (calldata gas of the signed transaction), priced at the L1 origin's base fee and blob
//! base fee. Pure integer arithmetic, as the OP specs define it
//! (`specs/protocol/fjord/exec-engine.md`, `specs/protocol/exec-engine.md`).

use alloy::primitives::U256;

use crate::scenario::{FeeModel, L1FeeSpec};

/// Fjord's regression intercept, scaled by 1e6 (negative).
pub const FJORD_INTERCEPT: i64 = -42_585_600;
/// Fjord's FastLZ coefficient, scaled by 1e6.
pub const FJORD_FASTLZ_COEF: i64 = 836_500;
/// Fjord's lower bound on a transaction's size, in bytes.
pub const FJORD_MIN_TX_SIZE: i64 = 100;

/// The L1 fee facts of an L2 block's L1 origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct L1Origin {
    pub number: u64,
    pub base_fee_wei: u128,
    pub blob_base_fee_wei: u128,
}

/// One transaction's L1 data fee and the size figure it was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L1Fee {
    pub fee_wei: u128,
    /// Fjord: the FastLZ-compressed length; Ecotone: the signed length.
    pub size_bytes: u32,
}

/// The fee of the EIP-2718 encoded signed transaction `signed` under `spec`.
pub fn l1_fee(spec: &L1FeeSpec, origin: &L1Origin, signed: &[u8]) -> L1Fee {
    match spec.model {
        FeeModel::Fjord => {
            let size = op_alloy_flz::flz_compress_len(signed);
            L1Fee { fee_wei: fjord_fee(size, spec, origin), size_bytes: size }
        }
        FeeModel::Ecotone => {
            let zeroes = signed.iter().filter(|b| **b == 0).count() as u64;
            let others = signed.len() as u64 - zeroes;
            L1Fee { fee_wei: ecotone_fee(zeroes, others, spec, origin), size_bytes: signed.len() as u32 }
        }
    }
}

/// `l1BaseFeeScalar * l1BaseFee * 16 + l1BlobFeeScalar * l1BlobBaseFee`.
fn fee_scaled(spec: &L1FeeSpec, origin: &L1Origin) -> U256 {
    U256::from(spec.base_fee_scalar) * U256::from(origin.base_fee_wei) * U256::from(16u8)
        + U256::from(spec.blob_base_fee_scalar) * U256::from(origin.blob_base_fee_wei)
}

/// Fjord: `max(minTransactionSize * 1e6, intercept + fastlzCoef * fastlzSize) * l1FeeScaled / 1e12`.
pub fn fjord_fee(fastlz_size: u32, spec: &L1FeeSpec, origin: &L1Origin) -> u128 {
    let estimated = (FJORD_INTERCEPT + FJORD_FASTLZ_COEF * i64::from(fastlz_size)).max(FJORD_MIN_TX_SIZE * 1_000_000);
    let fee = U256::from(estimated as u64) * fee_scaled(spec, origin) / U256::from(1_000_000_000_000u64);
    fee.saturating_to()
}

/// Ecotone: `(zeroes * 4 + ones * 16) * (16 * l1BaseFee * l1BaseFeeScalar + l1BlobBaseFee * l1BlobBaseFeeScalar) / 16e6`.
pub fn ecotone_fee(zeroes: u64, others: u64, spec: &L1FeeSpec, origin: &L1Origin) -> u128 {
    let gas = U256::from(zeroes * 4 + others * 16);
    (gas * fee_scaled(spec, origin) / U256::from(16_000_000u64)).saturating_to()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OP Mainnet's scalars (the defaults).
    fn op_mainnet(model: FeeModel) -> L1FeeSpec {
        L1FeeSpec { model, ..L1FeeSpec::default() }
    }

    const GWEI: u128 = 1_000_000_000;

    #[test]
    fn fjord_matches_hand_computed_vectors() {
        let spec = op_mainnet(FeeModel::Fjord);
        let origin = L1Origin { number: 1, base_fee_wei: GWEI, blob_base_fee_wei: 1 };
        // l1FeeScaled = 5227 * 1e9 * 16 + 1014213 * 1 = 83,632,001,014,213.
        // fastlz 50: 836,500 * 50 - 42,585,600 = -760,600 < 100e6, so the floor of 100
        // bytes: 1e8 * 83,632,001,014,213 / 1e12 = 8,363,200,101.42 -> 8,363,200,101.
        assert_eq!(fjord_fee(50, &spec, &origin), 8_363_200_101);
        // The floor holds up to fastlz 170 (836,500 * 170 - 42,585,600 = 99,619,400).
        assert_eq!(fjord_fee(170, &spec, &origin), 8_363_200_101);
        // fastlz 200: 836,500 * 200 - 42,585,600 = 124,714,400;
        // 124,714,400 * 83,632,001,014,213 / 1e12 = 10,430,114,827.
        assert_eq!(fjord_fee(200, &spec, &origin), 10_430_114_827);
        // 30 gwei base fee, 1 gwei blob base fee:
        // l1FeeScaled = 5227 * 30e9 * 16 + 1014213 * 1e9 = 3,523,173,000,000,000;
        // 124,714,400 * 3,523,173e12 / 1e12 = 439,390,406,791.
        let busy = L1Origin { number: 1, base_fee_wei: 30 * GWEI, blob_base_fee_wei: GWEI };
        assert_eq!(fjord_fee(200, &spec, &busy), 439_390_406_791);
    }

    #[test]
    fn ecotone_matches_hand_computed_vectors() {
        let spec = op_mainnet(FeeModel::Ecotone);
        let origin = L1Origin { number: 1, base_fee_wei: GWEI, blob_base_fee_wei: 1 };
        // 10 zero bytes, 100 others: 10*4 + 100*16 = 1,640 gas;
        // 1,640 * 83,632,001,014,213 / 16e6 = 8,572,280,103.96 -> 8,572,280,103.
        assert_eq!(ecotone_fee(10, 100, &spec, &origin), 8_572_280_103);
        let mut signed = vec![0u8; 10];
        signed.extend([7u8; 100]);
        assert_eq!(l1_fee(&spec, &origin, &signed), L1Fee { fee_wei: 8_572_280_103, size_bytes: 110 });
    }

    #[test]
    fn fjord_prices_what_compresses_well_lower() {
        let spec = op_mainnet(FeeModel::Fjord);
        let origin = L1Origin { number: 1, base_fee_wei: GWEI, blob_base_fee_wei: 1 };
        let repetitive = vec![0xabu8; 2_000];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let noisy: Vec<u8> = (0..2_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let (r, n) = (l1_fee(&spec, &origin, &repetitive), l1_fee(&spec, &origin, &noisy));
        assert!(r.size_bytes < 100 && n.size_bytes > 1_500, "fastlz sizes {} and {}", r.size_bytes, n.size_bytes);
        assert_eq!(r.fee_wei, fjord_fee(r.size_bytes, &spec, &origin));
        assert!(r.fee_wei < n.fee_wei);
    }
}
