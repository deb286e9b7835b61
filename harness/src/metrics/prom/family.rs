//! Building Prometheus metric families by name: each family once, its help from the
//! catalog, its labels checked against the catalog's.

use std::collections::BTreeMap;

use prometheus::proto::{Bucket, Counter, Gauge, Histogram, LabelPair, Metric, MetricFamily, MetricType};

use super::{
    buckets::cumulative,
    catalog::{self, Kind},
};
use crate::metrics::Hist;

/// Families under construction, by name.
#[derive(Debug, Default)]
pub struct Families {
    map: BTreeMap<&'static str, MetricFamily>,
}

fn pair(name: &str, value: &str) -> LabelPair {
    let mut p = LabelPair::default();
    p.set_name(name.to_string());
    p.set_value(value.to_string());
    p
}

impl Families {
    /// A metric of family `name` with `base` labels (the run's) and `extra` ones, which
    /// must be exactly the catalog's labels for it, in its order.
    fn push(&mut self, name: &'static str, kind: Kind, base: &[LabelPair], extra: &[(&str, &str)], m: Metric) {
        let def = catalog::get(name);
        assert_eq!(def.kind, kind, "{name} is a {} in the catalog", def.kind.as_str());
        assert!(
            def.labels.len() == extra.len() && def.labels.iter().zip(extra).all(|(a, (b, _))| a == b),
            "{name}: labels {extra:?} differ from the catalog's {:?}",
            def.labels
        );
        let mut m = m;
        let mut labels = base.to_vec();
        labels.extend(extra.iter().map(|(k, v)| pair(k, v)));
        m.set_label(labels);
        let family = self.map.entry(name).or_insert_with(|| {
            let mut f = MetricFamily::default();
            f.set_name(name.to_string());
            f.set_help(def.help.to_string());
            f.set_field_type(match kind {
                Kind::Counter => MetricType::COUNTER,
                Kind::Gauge => MetricType::GAUGE,
                Kind::Histogram => MetricType::HISTOGRAM,
            });
            f
        });
        family.mut_metric().push(m);
    }

    pub fn counter(&mut self, name: &'static str, base: &[LabelPair], extra: &[(&str, &str)], v: f64) {
        let mut c = Counter::default();
        c.set_value(v);
        let mut m = Metric::default();
        m.set_counter(c);
        self.push(name, Kind::Counter, base, extra, m);
    }

    pub fn gauge(&mut self, name: &'static str, base: &[LabelPair], extra: &[(&str, &str)], v: f64) {
        let mut g = Gauge::default();
        g.set_value(v);
        let mut m = Metric::default();
        m.set_gauge(g);
        self.push(name, Kind::Gauge, base, extra, m);
    }

    /// A histogram from an HDR histogram of microseconds, in seconds.
    pub fn histogram_us(
        &mut self,
        name: &'static str,
        base: &[LabelPair],
        extra: &[(&str, &str)],
        h: &Hist,
        bounds_s: &[f64],
    ) {
        let (counts, n, sum_s) = cumulative(h, bounds_s);
        let mut hist = Histogram::default();
        hist.set_sample_count(n);
        hist.set_sample_sum(sum_s);
        hist.set_bucket(
            bounds_s
                .iter()
                .zip(counts)
                .map(|(&b, c)| {
                    let mut bucket = Bucket::default();
                    bucket.set_upper_bound(b);
                    bucket.set_cumulative_count(c);
                    bucket
                })
                .collect(),
        );
        let mut m = Metric::default();
        m.set_histogram(hist);
        self.push(name, Kind::Histogram, base, extra, m);
    }

    /// Adds another set's metrics (another run's) into these families.
    pub fn extend(&mut self, other: Self) {
        for (name, mut f) in other.map {
            match self.map.get_mut(name) {
                Some(mine) => mine.mut_metric().extend(f.take_metric()),
                None => {
                    self.map.insert(name, f);
                }
            }
        }
    }

    pub fn into_vec(self) -> Vec<MetricFamily> {
        self.map.into_values().collect()
    }
}

/// Label pairs from names and values.
pub fn labels(pairs: &[(&str, &str)]) -> Vec<LabelPair> {
    pairs.iter().map(|(k, v)| pair(k, v)).collect()
}
