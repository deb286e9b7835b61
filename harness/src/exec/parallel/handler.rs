//! revm's mainnet handler, except that the block producer is not paid during the
//! transaction: paying it would make every transaction write the same account. The fee
//! it would have been paid is kept aside, to be credited after the block.

use core::{cell::Cell, marker::PhantomData};

use alloy::primitives::U256;
use revm::{
    Database, ExecuteEvm, MainnetEvm,
    context::{ContextSetters, ContextTr, TxEnv},
    context_interface::{
        Block, Cfg, Transaction,
        result::{EVMError, ExecutionResult, HaltReason, InvalidTransaction},
    },
    handler::{EvmTr, FrameResult, FrameTr, Handler, MainnetContext},
    primitives::hardfork::SpecId,
    state::EvmState,
};

/// The EVM a worker runs.
pub type WorkerEvm<DB> = MainnetEvm<MainnetContext<DB>>;

/// The mainnet handler with the block producer's reward deferred.
#[derive(Debug)]
struct DeferredFee<DB> {
    fee_wei: Cell<U256>,
    _db: PhantomData<fn() -> DB>,
}

impl<DB: Database> Handler for DeferredFee<DB> {
    type Evm = WorkerEvm<DB>;
    type Error = EVMError<DB::Error, InvalidTransaction>;
    type HaltReason = HaltReason;

    fn reward_beneficiary(
        &self,
        evm: &mut Self::Evm,
        result: &mut <<Self::Evm as EvmTr>::Frame as FrameTr>::FrameResult,
    ) -> Result<(), Self::Error> {
        // As revm's `post_execution::reward_beneficiary`, without touching the account.
        let ctx = evm.ctx();
        if ctx.cfg().is_fee_charge_disabled() {
            return Ok(());
        }
        let basefee = u128::from(ctx.block().basefee());
        let price = ctx.tx().effective_gas_price(basefee);
        let coinbase_price =
            if ctx.cfg().spec().is_enabled_in(SpecId::LONDON) { price.saturating_sub(basefee) } else { price };
        let gas = FrameResult::gas(result);
        let used = gas.used().saturating_sub(gas.reservoir());
        self.fee_wei.set(U256::from(coinbase_price * u128::from(used)));
        Ok(())
    }
}

/// The result of one execution, or why the transaction is invalid.
pub type TxResult<E> = Result<ExecutionResult, EVMError<E, InvalidTransaction>>;

/// What one execution produced: its result, the state it touched, and the fee the
/// block producer is owed.
pub type Executed<E> = (TxResult<E>, EvmState, U256);

/// Executes `tx` on `evm` without paying the block producer.
pub fn transact<DB: Database>(evm: &mut WorkerEvm<DB>, tx: TxEnv) -> Executed<DB::Error> {
    evm.ctx().set_tx(tx);
    let mut handler = DeferredFee::<DB> { fee_wei: Cell::new(U256::ZERO), _db: PhantomData };
    let result = handler.run(evm);
    let state = evm.finalize();
    (result, state, handler.fee_wei.get())
}
