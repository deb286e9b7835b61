//! The load model as a type: what the phases ask of the load (its intended send times,
//! how it is signed, how it is driven, what the report calls it), answered once per
//! model by [`open::Open`](super::open::Open) and [`closed::Closed`](super::closed::Closed),
//! so that no phase branches on the scenario's `load:`. A staged open load is the open
//! model with a stepped schedule: it needs no type of its own.

use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use super::{closed::Closed, feed::Feed, open::Open, submit::Submitter};
use crate::{
    clock::Clock,
    metrics::Recorder,
    plan::{PlannedTx, Planner, Schedule},
    report,
    scenario::{Scenario, SigningMode},
};

/// What a load loop needs besides its transactions.
#[derive(Debug)]
pub struct Drive<'a> {
    pub submitter: &'a Submitter,
    pub recorder: &'a Arc<Mutex<Recorder>>,
    pub clock: Clock,
    /// The planned end of the load (warmup + duration), on the run clock.
    pub end_ns: u64,
    pub cancel: &'a CancellationToken,
}

/// Each batch sent, for whoever keeps what was sent.
pub type OnBatch<'a> = dyn FnMut(&[Arc<PlannedTx>]) + Send + 'a;

/// See the module docs.
#[async_trait::async_trait]
pub trait Model: Send + Sync + core::fmt::Debug {
    /// The report's name for the model.
    fn kind(&self) -> report::LoadModel;

    /// How the load is signed, given what the scenario asks.
    fn signing(&self, asked: SigningMode) -> SigningMode {
        asked
    }

    /// The intended send times of the whole load, when known before it (open model).
    fn schedule(&self) -> Option<&Schedule> {
        None
    }

    /// Intended send times to plan the load with, `planned` of them when the model has
    /// no schedule (the closed model's times are set when each is sent).
    fn times(&self, planned: u64) -> Box<dyn Iterator<Item = u64> + Send> {
        match self.schedule() {
            Some(s) => Box::new(s.clone().into_iter_owned()),
            None => Box::new(core::iter::repeat_n(0, planned as usize)),
        }
    }

    /// Transactions to plan ahead when there is no schedule; `None`: planned as the load
    /// runs (lazily).
    fn count(&self) -> Option<u64> {
        None
    }

    /// The planned rate (open model), transactions per second.
    fn offered_tps(&self) -> Option<f64> {
        None
    }

    /// The highest planned rate (the streamed signer's pace), transactions per second.
    fn peak_tps(&self) -> Option<f64> {
        None
    }

    /// Transactions kept in flight (closed model).
    fn in_flight(&self) -> Option<u32> {
        None
    }

    /// Sends the load: from `feed`, or planned and signed by `planner` as it goes.
    /// Returns how many were sent and the seconds spent signing during the load.
    async fn drive(
        &self,
        feed: Feed<'_>,
        planner: &mut Planner,
        drive: &Drive<'_>,
        on_batch: &mut OnBatch<'_>,
    ) -> (u64, f64);
}

/// The model of `scenario`'s load.
pub fn of(scenario: &Scenario) -> Box<dyn Model> {
    match &scenario.load.closed {
        Some(c) => Box::new(Closed { in_flight: c.in_flight, count: c.count }),
        None => {
            let profile = scenario.load.profile(scenario.run_length());
            let offered_tps = scenario.load.open.as_ref().and_then(|o| o.rate);
            let peak_tps = profile.iter().map(|p| p.2).reduce(f64::max);
            Box::new(Open { schedule: Schedule::new(&profile), offered_tps, peak_tps })
        }
    }
}
