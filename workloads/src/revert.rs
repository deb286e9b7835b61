//! Revert reasons in words: `Error(string)`, `Panic(uint256)` and every custom error of
//! the workload contracts, decoded from revert data.

use alloy::{
    json_abi::JsonAbi,
    sol_types::{Panic, Revert, SolError},
};
use std::sync::OnceLock;

/// The custom errors of every workload contract, by selector.
fn errors() -> &'static Vec<([u8; 4], String, alloy::json_abi::Error)> {
    static ERRORS: OnceLock<Vec<([u8; 4], String, alloy::json_abi::Error)>> = OnceLock::new();
    ERRORS.get_or_init(|| {
        let mut out = Vec::new();
        for (contract, json) in crate::contracts::ARTIFACT_JSON {
            let artifact: serde_json::Value = serde_json::from_str(json).expect("committed artifacts are JSON");
            let abi: JsonAbi =
                serde_json::from_value(artifact["abi"].clone()).expect("committed artifacts hold an ABI");
            for e in abi.errors() {
                if !out.iter().any(|(s, _, _): &([u8; 4], String, _)| *s == e.selector().0) {
                    out.push((e.selector().0, (*contract).to_string(), e.clone()));
                }
            }
        }
        out
    })
}

/// The reason of a revert with `data`, e.g. `OutOfEnergy(7)`, `Error("...")`, `Panic(0x11:
/// arithmetic overflow)`, or `revert without data`.
pub fn decode(data: &[u8]) -> String {
    if data.is_empty() {
        return "revert without data".into();
    }
    if let Ok(r) = Revert::abi_decode(data) {
        return format!("Error({:?})", r.reason);
    }
    if let Ok(p) = Panic::abi_decode(data) {
        let code = p.code;
        let what = p.kind().map_or_else(|| "unknown panic".to_string(), |k| k.to_string());
        return format!("Panic(0x{code:x}: {what})");
    }
    if data.len() >= 4 {
        let selector: [u8; 4] = data[..4].try_into().expect("4 bytes");
        if let Some((_, _, e)) = errors().iter().find(|(s, _, _)| *s == selector) {
            let args: Vec<String> =
                (0..e.inputs.len()).map(|i| crate::check::word(&data[4..], i).to_string()).collect();
            return format!("{}({})", e.name, args.join(", "));
        }
        return format!("unknown error 0x{}", alloy::hex::encode(selector));
    }
    format!("malformed revert data 0x{}", alloy::hex::encode(data))
}

#[cfg(test)]
mod tests {
    use alloy::{primitives::U256, sol_types::SolError};

    use super::*;
    use crate::contracts::{Game, Token};

    #[test]
    fn decodes_standard_and_custom_errors() {
        assert_eq!(decode(&[]), "revert without data");
        assert_eq!(decode(&Revert::from("nope").abi_encode()), "Error(\"nope\")");
        assert!(decode(&Panic::from(0x11).abi_encode()).starts_with("Panic(0x11:"));
        assert_eq!(decode(&Token::InsufficientBalance {}.abi_encode()), "InsufficientBalance()");
        let e = Game::OutOfEnergy { secondsUntilNextEnergy: U256::from(7) }.abi_encode();
        assert_eq!(decode(&e), "OutOfEnergy(7)");
        assert_eq!(decode(&[1, 2, 3, 4]), "unknown error 0x01020304");
    }
}
