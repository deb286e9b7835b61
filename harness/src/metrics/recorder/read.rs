//! Reading the recorder out while a run goes on: live figures for observers, copied so
//! that the caller holds the recorder's lock only while they are taken. The report's
//! sections are assembled in `report/assemble.rs` from [`Measured`].

use super::*;

impl Recorder {
    /// Every live figure, for observers (the Prometheus exporter): copies, so that the
    /// caller holds the recorder's lock only while they are taken.
    pub fn live(&self) -> LiveFigures {
        let workloads = self
            .m
            .per
            .iter()
            .zip(&self.m.names)
            .map(|(f, name)| WorkloadLive {
                name,
                counts: f.counts.clone(),
                latency: f.latency.clone(),
                gas_used: f.fees.gas,
                fees: FeeParts { base_wei: f.fees.base, priority_wei: f.fees.priority, l1_wei: f.fees.l1 },
            })
            .collect();
        let counts = |m: &BTreeMap<String, KindCount>| m.iter().map(|(k, v)| (k.clone(), v.count)).collect();
        LiveFigures {
            workloads,
            rejected: counts(&self.m.rejected),
            dropped: counts(&self.m.dropped),
            late_sends: self.m.late_sends,
            pending: self.m.pending,
            blocks: self.m.blocks_seen,
            block_gas_used: self.m.gas_seen,
            last_block: self.m.last_block_gas.map(|(gas_used, gas_limit)| LastBlock {
                gas_used,
                gas_limit,
                base_fee_wei: self.m.base_fee_last,
            }),
            send_lag: self.m.send_lag.clone(),
        }
    }
}
