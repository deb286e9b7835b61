//! Generated accounts: private keys derived from the seed, their addresses, signing
//! and recovery with libsecp256k1. Keys never leave this module's types in text form.

use core::fmt;

use alloy::primitives::{Address, B256, Signature, U256, keccak256};
use secp256k1::{
    Message, PublicKey, SECP256K1, SecretKey,
    ecdsa::{RecoverableSignature, RecoveryId},
};

/// The generated accounts' keys and addresses. Its `Debug` shows no key.
pub struct Keyring {
    keys: Vec<SecretKey>,
    addresses: Vec<Address>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring").field("accounts", &self.keys.len()).finish_non_exhaustive()
    }
}

impl Keyring {
    /// `count` accounts derived from `seed`: key i = keccak256("gasbench/account" || seed || i).
    pub fn derive(seed: u64, count: usize) -> Self {
        Self::derive_for_shard(seed, 0, count)
    }

    /// `count` accounts of shard `shard` of a scenario seeded `seed`: shard 0's are
    /// [`Keyring::derive`]'s; shard s > 0 appends "shard" || s to each key's preimage, so
    /// two shards never share an account (nor its nonces).
    pub fn derive_for_shard(seed: u64, shard: u32, count: usize) -> Self {
        let keys: Vec<SecretKey> = (0..count as u64)
            .map(|i| {
                let mut material = [0u8; 32];
                let mut round = 0u64;
                loop {
                    let mut pre = b"gasbench/account".to_vec();
                    pre.extend_from_slice(&seed.to_be_bytes());
                    pre.extend_from_slice(&i.to_be_bytes());
                    pre.extend_from_slice(&round.to_be_bytes());
                    if shard > 0 {
                        pre.extend_from_slice(b"shard");
                        pre.extend_from_slice(&shard.to_be_bytes());
                    }
                    material.copy_from_slice(keccak256(&pre).as_slice());
                    if let Ok(k) = SecretKey::from_byte_array(material) {
                        break k;
                    }
                    round += 1;
                }
            })
            .collect();
        let addresses = keys.iter().map(address_of).collect();
        Self { keys, addresses }
    }

    pub fn addresses(&self) -> &[Address] {
        &self.addresses
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Signs a 32-byte hash with account `i`'s key.
    pub fn sign(&self, i: usize, hash: &B256) -> Signature {
        let sig = SECP256K1.sign_ecdsa_recoverable(Message::from_digest(hash.0), &self.keys[i]);
        let (rec, rs) = sig.serialize_compact();
        Signature::new(U256::from_be_slice(&rs[..32]), U256::from_be_slice(&rs[32..]), i32::from(rec) == 1)
    }
}

fn address_of(key: &SecretKey) -> Address {
    let public = PublicKey::from_secret_key_global(key).serialize_uncompressed();
    Address::from_slice(&keccak256(&public[1..])[12..])
}

/// Recovers the signer of `hash` (libsecp256k1; ~5x faster than k256).
pub fn recover_sender(hash: &B256, sig: &Signature) -> Option<Address> {
    let mut rs = [0u8; 64];
    rs[..32].copy_from_slice(&sig.r().to_be_bytes::<32>());
    rs[32..].copy_from_slice(&sig.s().to_be_bytes::<32>());
    let rec = RecoveryId::try_from(i32::from(sig.v())).ok()?;
    let sig = RecoverableSignature::from_compact(&rs, rec).ok()?;
    let public = SECP256K1.recover_ecdsa(Message::from_digest(hash.0), &sig).ok()?;
    Some(Address::from_slice(&keccak256(&public.serialize_uncompressed()[1..])[12..]))
}

#[cfg(test)]
mod tests {
    use alloy::signers::{SignerSync, local::PrivateKeySigner};

    use super::*;

    #[test]
    fn shards_get_their_own_keys_and_shard_zero_keeps_todays() {
        // Account 0 of seed 42 as gasbench derived it before shards existed.
        let today = Keyring::derive(42, 1).addresses()[0];
        assert_eq!(today.to_string(), "0x646D3248415Ba746e607eEA24decC679C1B3e3b2");
        assert_eq!(Keyring::derive_for_shard(42, 0, 1).addresses()[0], today);
        let all: std::collections::BTreeSet<Address> =
            (0..4).flat_map(|s| Keyring::derive_for_shard(42, s, 50).addresses().to_vec()).collect();
        assert_eq!(all.len(), 4 * 50, "no account shared between shards");
    }

    #[test]
    fn signatures_match_alloys_signer_and_recover() {
        let ring = Keyring::derive(7, 3);
        let hash = keccak256(b"gasbench");
        for i in 0..3 {
            let ours = ring.sign(i, &hash);
            let signer = PrivateKeySigner::from_bytes(&B256::from(ring.keys[i].secret_bytes())).unwrap();
            assert_eq!(signer.address(), ring.addresses()[i]);
            assert_eq!(signer.sign_hash_sync(&hash).unwrap(), ours);
            assert_eq!(recover_sender(&hash, &ours), Some(ring.addresses()[i]));
        }
        assert_eq!(Keyring::derive(7, 3).addresses(), ring.addresses(), "deterministic");
        assert_ne!(Keyring::derive(8, 1).addresses()[0], ring.addresses()[0]);
        assert!(!format!("{ring:?}").contains(&format!("{:x}", B256::from(ring.keys[0].secret_bytes()))));
    }
}
