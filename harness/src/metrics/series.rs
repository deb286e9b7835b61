//! The run's time series, bounded: one sample per second until it holds
//! [`MAX_SAMPLES`], then neighbouring samples are merged in pairs (2 s each, then 4 s,
//! ...), so a 24-hour run reports at most `MAX_SAMPLES` samples (32 s each) and its JSON
//! stays a size a browser opens. Merged counts add up; the base fee is the later
//! sample's; the inclusion p99 is the highest per-second p99 within the sample.

use crate::report::{SecondSample, Wei};

/// Most samples kept: full one-second resolution for the first ~68 minutes.
pub const MAX_SAMPLES: usize = 4096;

/// See the module docs.
#[derive(Debug, Clone)]
pub struct Series {
    samples: Vec<SecondSample>,
    /// Seconds each sample covers (a power of two).
    span_s: u64,
    max: usize,
}

impl Default for Series {
    fn default() -> Self {
        Self::with_max(MAX_SAMPLES)
    }
}

impl Series {
    /// A series of at most `max` samples (at least 2).
    pub fn with_max(max: usize) -> Self {
        Self { samples: Vec::new(), span_s: 1, max: max.max(2) }
    }

    /// The sample holding the instant `ns` (run clock), created as needed.
    pub fn at(&mut self, ns: u64) -> &mut SecondSample {
        let second = ns / 1_000_000_000;
        while second / self.span_s >= self.max as u64 {
            self.halve();
        }
        let i = (second / self.span_s) as usize;
        while self.samples.len() <= i {
            let t = self.samples.len() as u64 * self.span_s;
            self.samples.push(SecondSample { t, span_s: self.span_s, ..Default::default() });
        }
        &mut self.samples[i]
    }

    /// Notes a second's inclusion p99 in the sample that holds it.
    pub fn note_p99(&mut self, second: u64, p99_us: u64) {
        let s = self.at(second * 1_000_000_000);
        s.inclusion_p99_us = s.inclusion_p99_us.max(p99_us);
    }

    fn halve(&mut self) {
        let merged =
            self.samples.chunks(2).map(|pair| pair.iter().skip(1).fold(pair[0].clone(), |a, b| merge(&a, b))).collect();
        self.samples = merged;
        self.span_s *= 2;
        for s in &mut self.samples {
            s.span_s = self.span_s;
        }
    }

    pub fn samples(&self) -> &[SecondSample] {
        &self.samples
    }
}

fn merge(a: &SecondSample, b: &SecondSample) -> SecondSample {
    SecondSample {
        t: a.t,
        span_s: a.span_s + b.span_s,
        sent: a.sent + b.sent,
        included: a.included + b.included,
        failed: a.failed + b.failed,
        gas_used: a.gas_used + b.gas_used,
        blocks: a.blocks + b.blocks,
        base_fee_wei: if b.blocks > 0 { Wei(b.base_fee_wei.0) } else { Wei(a.base_fee_wei.0) },
        inclusion_p99_us: a.inclusion_p99_us.max(b.inclusion_p99_us),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_run_is_merged_into_at_most_max_samples_and_keeps_its_totals() {
        let mut s = Series::with_max(8);
        // 100 seconds, one transaction sent each, a block every second.
        for sec in 0..100u64 {
            let x = s.at(sec * 1_000_000_000 + 5);
            x.sent += 1;
            x.blocks += 1;
            x.base_fee_wei = Wei(u128::from(sec));
            s.note_p99(sec, sec * 10);
        }
        let samples = s.samples();
        assert!(samples.len() <= 8, "{}", samples.len());
        assert_eq!(samples.iter().map(|x| x.sent).sum::<u64>(), 100);
        assert_eq!(samples[0].span_s, 16);
        assert!(samples.iter().enumerate().all(|(i, x)| x.t == i as u64 * 16));
        let last = samples.last().unwrap();
        assert_eq!((last.base_fee_wei.0, last.inclusion_p99_us), (99, 990));
        // A short run is left at one-second resolution.
        let mut short = Series::with_max(8);
        short.at(3_500_000_000).sent += 1;
        assert_eq!(
            short.samples().iter().map(|x| (x.t, x.span_s)).collect::<Vec<_>>(),
            [(0, 1), (1, 1), (2, 1), (3, 1)]
        );
    }
}
