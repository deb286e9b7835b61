//! The funder: the account that pays for a run on a real node. Its key comes from an
//! environment variable (a hex key or a mnemonic), or for a local anvil from anvil's
//! public dev mnemonic. The key never leaves this type: errors name the variable, never
//! its content, and `Debug` shows the address only.

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::Encodable2718,
    primitives::{Address, Bytes},
    signers::{
        SignerSync,
        local::{MnemonicBuilder, PrivateKeySigner},
    },
};

use crate::{
    scenario::{ANVIL_CHAIN_ID, FunderSpec},
    targets::TargetError,
};

/// anvil's (and hardhat's) well-known dev mnemonic: public, funds only local chains.
const ANVIL_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// The paying account. Its `Debug` shows the address only (alloy's signer redacts too).
pub struct Funder {
    signer: PrivateKeySigner,
    source: String,
}

impl core::fmt::Debug for Funder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Funder").field("address", &self.address()).field("source", &self.source).finish()
    }
}

impl Funder {
    /// The funder of `spec` on a chain with `chain_id`, from the process environment.
    pub fn resolve(spec: Option<&FunderSpec>, chain_id: u64, url: &str) -> Result<Self, TargetError> {
        Self::resolve_with(spec, chain_id, url, |v| std::env::var(v).ok())
    }

    /// As [`Self::resolve`], reading variables through `env`.
    fn resolve_with(
        spec: Option<&FunderSpec>,
        chain_id: u64,
        url: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, TargetError> {
        let bad = |m: String| TargetError::Setup(m);
        let (signer, source) = match spec {
            None if chain_id == ANVIL_CHAIN_ID => {
                let s = MnemonicBuilder::from_phrase(ANVIL_MNEMONIC)
                    .build()
                    .map_err(|e| bad(format!("cannot derive anvil's dev account: {e}")))?;
                (s, "anvil dev account 0".to_string())
            }
            None => {
                return Err(bad(format!(
                    "target.funder: the node at {url} reports chain {chain_id}, which is not a local anvil \
                     ({ANVIL_CHAIN_ID}), so there is no default funder; add `funder: {{env: VAR}}` with a hex \
                     private key in $VAR, or `funder: {{mnemonic_env: VAR, index: 0}}`"
                )));
            }
            Some(FunderSpec::Key(k)) => {
                let text = read_env(&env, &k.env, "target.funder.env")?;
                let s: PrivateKeySigner = text.trim().parse().map_err(|_| {
                    bad(format!(
                        "target.funder.env: ${} does not hold a 32-byte hex private key (its value is not shown)",
                        k.env
                    ))
                })?;
                (s, format!("${}", k.env))
            }
            Some(FunderSpec::Mnemonic(m)) => {
                let text = read_env(&env, &m.mnemonic_env, "target.funder.mnemonic_env")?;
                let s =
                    MnemonicBuilder::from_phrase(text.trim()).index(m.index).and_then(|b| b.build()).map_err(|_| {
                        bad(format!(
                            "target.funder.mnemonic_env: ${} does not hold a valid BIP-39 English mnemonic \
                             (its value is not shown)",
                            m.mnemonic_env
                        ))
                    })?;
                (s, format!("${} index {}", m.mnemonic_env, m.index))
            }
        };
        Ok(Self { signer, source })
    }

    pub fn address(&self) -> Address {
        self.signer.address()
    }

    /// Where the key came from (the variable's name, never its value).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Signs `tx` and returns its EIP-2718 encoding.
    pub fn sign(&self, tx: TxEip1559) -> Result<Bytes, TargetError> {
        let sig = self
            .signer
            .sign_hash_sync(&tx.signature_hash())
            .map_err(|e| TargetError::Setup(format!("the funder cannot sign: {e}")))?;
        Ok(TxEnvelope::from(tx.into_signed(sig)).encoded_2718().into())
    }
}

fn read_env(env: impl Fn(&str) -> Option<String>, var: &str, field: &str) -> Result<String, TargetError> {
    env(var).ok_or_else(|| {
        TargetError::Setup(format!("{field}: the environment variable ${var} is not set (or not UTF-8); export it"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{FunderKey, FunderMnemonic};

    #[test]
    fn anvil_default_and_env_funders_resolve_without_showing_keys() {
        let anvil = Funder::resolve(None, ANVIL_CHAIN_ID, "http://x").unwrap();
        assert_eq!(anvil.address().to_string(), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        let err = Funder::resolve(None, 10, "http://x").unwrap_err().to_string();
        assert!(err.contains("target.funder") && err.contains("chain 10"), "{err}");

        let key = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        let env = |v: &str| match v {
            "KEY" => Some(key.to_string()),
            "BAD" => Some("not a key at all".to_string()),
            "WORDS" => Some(ANVIL_MNEMONIC.to_string()),
            _ => None,
        };
        let key_spec = |v: &str| FunderSpec::Key(FunderKey { env: v.into() });
        let f = Funder::resolve_with(Some(&key_spec("KEY")), 10, "http://x", env).unwrap();
        assert_eq!(f.address(), anvil.address());
        assert!(!format!("{f:?}").contains(key) && format!("{f:?}").contains("$KEY"));

        let err = Funder::resolve_with(Some(&key_spec("BAD")), 10, "http://x", env).unwrap_err().to_string();
        assert!(err.contains("$BAD") && !err.contains("not a key at all"), "{err}");

        let words = FunderSpec::Mnemonic(FunderMnemonic { mnemonic_env: "WORDS".into(), index: 1 });
        let f = Funder::resolve_with(Some(&words), 10, "http://x", env).unwrap();
        assert_eq!(f.address().to_string(), "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

        let err = Funder::resolve_with(Some(&key_spec("UNSET")), 10, "http://x", env).unwrap_err().to_string();
        assert!(err.contains("$UNSET is not set"), "{err}");
    }
}
