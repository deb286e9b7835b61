//! HDR histograms and their report summaries (percentiles plus the serialized
//! histogram, so that reports merge exactly).

use base64::Engine as _;
use hdrhistogram::{
    Histogram,
    serialization::{Deserializer, Serializer, V2DeflateSerializer},
};

use crate::report::{GasSummary, LatencySummary};

/// A histogram of u64 values (microseconds, gas), 3 significant figures.
pub type Hist = Histogram<u64>;

/// A new auto-resizing histogram, 3 significant figures (latencies).
pub fn new_hist() -> Hist {
    Histogram::new(3).expect("3 significant figures is valid")
}

/// A new auto-resizing histogram, 5 significant figures: gas per operation is reported
/// exactly (21,000 stays 21,000).
pub fn new_exact_hist() -> Hist {
    Histogram::new(5).expect("5 significant figures is valid")
}

/// Records `v`, clamped to at least 1 (an HDR histogram's lowest trackable value); the
/// histogram grows to fit (`saturating_record` would clamp to its current top instead).
pub fn record(h: &mut Hist, v: u64) {
    if h.record(v.max(1)).is_err() {
        h.saturating_record(v);
    }
}

/// Records `v` `n` times, as [`record`].
pub fn record_n(h: &mut Hist, v: u64, n: u64) {
    if h.record_n(v.max(1), n).is_err() {
        h.saturating_record_n(v, n);
    }
}

/// Serializes a histogram: HDR V2, deflated, base64.
pub fn encode(h: &Hist) -> String {
    let mut buf = Vec::new();
    V2DeflateSerializer::new().serialize(h, &mut buf).expect("serializing to memory cannot fail");
    base64::engine::general_purpose::STANDARD.encode(buf)
}

/// The inverse of [`encode`].
pub fn decode(s: &str) -> Result<Hist, String> {
    if s.is_empty() {
        return Ok(new_hist());
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(s).map_err(|e| e.to_string())?;
    let mut h: Hist = Deserializer::new().deserialize(&mut bytes.as_slice()).map_err(|e| format!("{e:?}"))?;
    h.auto(true);
    Ok(h)
}

/// Percentiles (microseconds) of a latency histogram.
pub fn latency_summary(h: &Hist) -> LatencySummary {
    if h.is_empty() {
        return LatencySummary { hdr: encode(h), ..Default::default() };
    }
    LatencySummary {
        count: h.len(),
        min_us: h.min(),
        mean_us: h.mean(),
        p50_us: h.value_at_quantile(0.50),
        p90_us: h.value_at_quantile(0.90),
        p99_us: h.value_at_quantile(0.99),
        p999_us: h.value_at_quantile(0.999),
        max_us: h.max(),
        hdr: encode(h),
    }
}

/// Percentiles of a gas-per-operation histogram.
pub fn gas_summary(h: &Hist) -> GasSummary {
    if h.is_empty() {
        return GasSummary { hdr: encode(h), ..Default::default() };
    }
    GasSummary {
        count: h.len(),
        mean: h.mean(),
        min: h.min(),
        p50: h.value_at_quantile(0.50),
        p99: h.value_at_quantile(0.99),
        max: h.max(),
        hdr: encode(h),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialized_histograms_round_trip_and_add() {
        let mut a = new_hist();
        let mut b = new_hist();
        (1..=1000).for_each(|v| record(&mut a, v));
        record(&mut a, 3_600_000_000);
        assert_eq!(a.max(), a.highest_equivalent(3_600_000_000), "large values grow the histogram");
        a.reset();
        (1..=1000).for_each(|v| record(&mut a, v));
        (1001..=2000).for_each(|v| record(&mut b, v));
        let mut merged = decode(&encode(&a)).unwrap();
        merged.add(decode(&encode(&b)).unwrap()).unwrap();
        assert_eq!(merged.len(), 2000);
        assert_eq!(merged.value_at_quantile(0.5), a.max(), "exact merge: the median of 1..=2000 is 1000");
        assert!(decode("").unwrap().is_empty());
    }
}
