//! Lazy value credits (as pevm does beyond the coinbase): plain value transfers to a
//! hot recipient (several in the block) would each read and write the recipient's
//! balance, a chain. Instead each such transfer writes what it credited as a location
//! of its own ([`Loc::Credit`](crate::exec::Loc::Credit)) and leaves the recipient's
//! account location alone; whatever else reads the recipient's account (it sends, a
//! contract asks its balance) adds the credits of the transfers before it, read as
//! locations, so a change to any of them re-validates the reader. The account location
//! holds its balance without those credits (writers take back out what they read);
//! the block's commit adds them at the end.
//!
//! A recipient qualifies when, in the pre-state, it has no code and is not empty (a
//! code-less account that is not empty stays so through a block: only a transaction it
//! sends can lower its balance, and that raises its nonce), so a transfer's execution
//! depends on its nonce and code only, never on its balance. The recipient's account is
//! still read (and validated) by the transfer: code it gains in the block (an EIP-7702
//! delegation) turns the transfer back into an ordinary read of the full balance.

use alloy::primitives::Address;
use revm::{context::TxEnv, primitives::HashMap, state::AccountInfo};

/// Which transactions of the block credit their recipient lazily.
#[derive(Debug, Default)]
pub struct Credits {
    /// Lazy recipients, each with the transactions crediting it, in block order.
    recipients: HashMap<Address, Vec<u32>>,
    /// The recipient each transaction credits lazily.
    lazy: Vec<Option<Address>>,
    planned: u64,
}

/// Addresses up to 0xffff: precompiles (0x01..0x11 today) and system addresses.
fn reserved(a: &Address) -> bool {
    a[..18].iter().all(|b| *b == 0)
}

impl Credits {
    /// Plans the block: the plain transfers (no calldata, no authorizations) to a
    /// recipient that at least two of them pay, that is not the sender or the block
    /// producer, and that `account` (the pre-state) shows code-less and not empty.
    pub fn plan(&mut self, txs: &[TxEnv], coinbase: Address, account: impl Fn(Address) -> Option<AccountInfo>) {
        self.recipients.clear();
        self.lazy.clear();
        self.lazy.resize(txs.len(), None);
        self.planned = 0;
        for (j, tx) in txs.iter().enumerate() {
            if let Some(to) = tx.kind.to()
                && tx.data.is_empty()
                && tx.authorization_list.is_empty()
                && *to != tx.caller
                && *to != coinbase
                && !reserved(to)
            {
                self.recipients.entry(*to).or_default().push(j as u32);
            }
        }
        self.recipients.retain(|to, payers| {
            payers.len() >= 2 && account(*to).is_some_and(|a| a.is_empty_code_hash() && !a.is_empty())
        });
        for (to, payers) in &self.recipients {
            for &j in payers {
                self.lazy[j as usize] = Some(*to);
            }
            self.planned += payers.len() as u64;
        }
    }

    /// The transactions crediting `address` lazily, when it is a lazy recipient.
    pub fn payers(&self, address: &Address) -> Option<&[u32]> {
        if self.recipients.is_empty() {
            return None;
        }
        self.recipients.get(address).map(Vec::as_slice)
    }

    /// The recipient transaction `txn` credits lazily.
    pub fn recipient(&self, txn: u32) -> Option<Address> {
        self.lazy[txn as usize]
    }

    /// Transactions of the block that credit lazily.
    pub fn planned(&self) -> u64 {
        self.planned
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{Bytes, TxKind, U256};
    use revm::bytecode::Bytecode;

    use super::*;

    fn pay(from: u8, to: Address) -> TxEnv {
        TxEnv { caller: Address::repeat_byte(from), kind: TxKind::Call(to), value: U256::from(1), ..TxEnv::default() }
    }

    #[test]
    fn only_repeated_plain_transfers_to_a_funded_code_less_account_are_lazy() {
        let hot = Address::repeat_byte(0xaa);
        let contract = Address::repeat_byte(0xcc);
        let empty = Address::repeat_byte(0xee);
        let once = Address::repeat_byte(0x0e);
        let mut with_data = pay(4, hot);
        with_data.data = Bytes::from_static(&[1]);
        let txs = vec![
            pay(1, hot),
            pay(2, hot),
            with_data,
            pay(0xaa, hot), // the recipient paying itself
            pay(1, contract),
            pay(2, contract),
            pay(1, empty),
            pay(2, empty),
            pay(3, once),
            pay(5, Address::with_last_byte(4)), // a precompile
            pay(6, Address::with_last_byte(4)),
        ];
        let code = Bytecode::new_raw(Bytes::from_static(&[0x00]));
        let account = |a: Address| {
            let funded = AccountInfo { balance: U256::from(5), ..Default::default() };
            if a == contract {
                Some(AccountInfo { code_hash: code.hash_slow(), code: Some(code.clone()), ..funded })
            } else if a == empty {
                Some(AccountInfo::default())
            } else {
                Some(funded)
            }
        };
        let mut c = Credits::default();
        c.plan(&txs, Address::ZERO, account);
        let lazy: Vec<usize> = (0..txs.len()).filter(|j| c.recipient(*j as u32).is_some()).collect();
        assert_eq!(lazy, [0, 1]);
        assert_eq!((c.payers(&hot), c.planned()), (Some(&[0u32, 1][..]), 2));
        c.plan(&txs[..1], Address::ZERO, account);
        assert_eq!((c.payers(&hot), c.planned()), (None, 0), "one transfer is no contention");
    }
}
