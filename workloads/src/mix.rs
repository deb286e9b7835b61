//! A weighted mix of generators: picks which workload each transaction comes from, and
//! runs every generator's set-up and checks.

use rand::Rng as _;

use crate::{Check, GenCtx, Generator, Op, Rng, Setup, WorkloadError, WorkloadSpec};

/// The scenario's workloads with their cumulative weights.
#[derive(Debug)]
pub struct Mix {
    generators: Vec<Box<dyn Generator>>,
    cumulative: Vec<u64>,
}

impl Mix {
    /// Builds every generator of `specs`; weights of zero take no share.
    pub fn new(specs: &[WorkloadSpec], accounts: usize) -> Result<Self, WorkloadError> {
        let mut total = 0u64;
        let mut cumulative = Vec::with_capacity(specs.len());
        let mut generators = Vec::with_capacity(specs.len());
        for spec in specs {
            total += u64::from(spec.weight());
            cumulative.push(total);
            generators.push(spec.build(accounts)?);
        }
        if total == 0 {
            return Err(WorkloadError::InvalidDial { field: "workloads", message: "the weights add up to 0".into() });
        }
        Ok(Self { generators, cumulative })
    }

    /// The workload labels, by index (the index is what `next_op` returns).
    pub fn names(&self) -> Vec<&'static str> {
        self.generators.iter().map(|g| g.name()).collect()
    }

    /// Every generator deploys its contracts, in mix order.
    pub fn deploy(&mut self, setup: &mut Setup, ctx: &GenCtx<'_>) {
        self.generators.iter_mut().for_each(|g| g.deploy(setup, ctx));
    }

    /// Picks a workload by weight and returns its index and its next operation.
    pub fn next_op(&mut self, ctx: &GenCtx<'_>, sender: usize, rng: &mut Rng) -> (usize, Op) {
        let total = *self.cumulative.last().expect("a mix is never empty");
        let draw = rng.random_range(0..total);
        let idx = self.cumulative.partition_point(|&c| c <= draw);
        (idx, self.generators[idx].next_op(ctx, sender, rng))
    }

    /// Every generator provisions what the planned load consumes, in mix order.
    pub fn provision(&mut self, setup: &mut Setup, ctx: &GenCtx<'_>) {
        self.generators.iter_mut().for_each(|g| g.provision(setup, ctx));
    }

    /// Every generator's checks, with the index of its workload.
    pub fn checks(&self, ctx: &GenCtx<'_>) -> Vec<(usize, Check)> {
        self.generators.iter().enumerate().flat_map(|(i, g)| g.checks(ctx).into_iter().map(move |c| (i, c))).collect()
    }

    /// Every generator's warnings about the planned load.
    pub fn warnings(&self) -> Vec<String> {
        self.generators.iter().flat_map(|g| g.warnings()).collect()
    }

    /// See [`Generator::native_recipient`].
    pub fn native_recipient(&self, workload: usize, op: &Op, ctx: &GenCtx<'_>) -> Option<usize> {
        self.generators[workload].native_recipient(op, ctx)
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::Address;
    use rand::SeedableRng;

    use super::*;
    use crate::transfer::TransferSpec;

    #[test]
    fn weights_are_respected_and_deterministic() {
        let t = |w| WorkloadSpec::Transfer(TransferSpec { weight: w, recipients: Default::default(), value_wei: 1 });
        let accounts: Vec<Address> = (0..10u8).map(Address::repeat_byte).collect();
        let ctx = GenCtx { accounts: &accounts };
        let run = || {
            let mut mix = Mix::new(&[t(3), t(1)], accounts.len()).unwrap();
            let mut rng = Rng::seed_from_u64(9);
            (0..4000).map(|i| mix.next_op(&ctx, i % 10, &mut rng)).collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run(), "same seed, same operations");
        let first = a.iter().filter(|(w, _)| *w == 0).count();
        assert!((2800..3200).contains(&first), "3:1 weights: {first} of 4000");
        assert!(Mix::new(&[t(0)], 10).is_err());
    }
}
