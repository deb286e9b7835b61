//! Contention dials: how a generator picks counterparties, pools, tokens and items.
//!
//! `uniform` spreads picks evenly (independent transactions); `zipf(s)` skews them towards
//! low indices; `hot(ratio)` or `hot(ratio, set_size)` sends `ratio` of the picks to a
//! small hot set. A dial is written as a string in the scenario, e.g. `zipf(1.1)`.

use core::{fmt, str::FromStr};

use rand::Rng as _;
use rand_distr::{Distribution, Zipf};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Rng, WorkloadError};

/// A contention dial, as written in a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Pick {
    /// Every index equally likely.
    #[default]
    Uniform,
    /// Zipf-distributed with exponent `s` (> 0): index 0 is the most popular.
    Zipf(f64),
    /// With probability `ratio` pick from the first `set_size` indices, else uniformly.
    Hot { ratio: f64, set_size: usize },
}

impl Pick {
    /// Builds a sampler over `n` items; fails when the dial does not fit `n`.
    pub fn picker(self, n: usize, field: &'static str) -> Result<Picker, WorkloadError> {
        let invalid = |message: String| WorkloadError::InvalidDial { field, message };
        if n == 0 {
            return Err(invalid("there is nothing to pick from (0 items)".into()));
        }
        Ok(match self {
            Self::Uniform => Picker::Uniform(n),
            Self::Zipf(s) => {
                let zipf = Zipf::new(n as f64, s).map_err(|e| invalid(format!("zipf({s}) over {n} items: {e}")))?;
                Picker::Zipf(n, zipf)
            }
            Self::Hot { ratio, set_size } => {
                if set_size > n {
                    return Err(invalid(format!("hot set of {set_size} is larger than the {n} items to pick from")));
                }
                Picker::Hot { n, ratio, set_size }
            }
        })
    }
}

impl fmt::Display for Pick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Uniform => f.write_str("uniform"),
            Self::Zipf(s) => write!(f, "zipf({s})"),
            Self::Hot { ratio, set_size } => write!(f, "hot({ratio}, {set_size})"),
        }
    }
}

impl FromStr for Pick {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const HINT: &str =
            "expected `uniform`, `zipf(S)` with S > 0, `hot(RATIO)` or `hot(RATIO, SET_SIZE)` with RATIO in [0, 1]";
        let s = s.trim();
        if s == "uniform" {
            return Ok(Self::Uniform);
        }
        let (name, args) =
            s.strip_suffix(')').and_then(|rest| rest.split_once('(')).ok_or_else(|| format!("`{s}`: {HINT}"))?;
        let args: Vec<&str> = args.split(',').map(str::trim).collect();
        let num = |a: &str| a.parse::<f64>().map_err(|_| format!("`{s}`: `{a}` is not a number; {HINT}"));
        match (name.trim(), args.as_slice()) {
            ("zipf", [a]) => {
                let exp = num(a)?;
                if !(exp > 0.0 && exp.is_finite()) {
                    return Err(format!("`{s}`: the zipf exponent must be > 0"));
                }
                Ok(Self::Zipf(exp))
            }
            ("hot", [r, rest @ ..]) if rest.len() <= 1 => {
                let ratio = num(r)?;
                if !(0.0..=1.0).contains(&ratio) {
                    return Err(format!("`{s}`: the hot ratio must be between 0 and 1"));
                }
                let set_size = match rest.first() {
                    Some(n) => n
                        .parse::<usize>()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| format!("`{s}`: the hot set size must be a whole number > 0"))?,
                    None => 1,
                };
                Ok(Self::Hot { ratio, set_size })
            }
            _ => Err(format!("`{s}`: {HINT}")),
        }
    }
}

impl Serialize for Pick {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Pick {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A ready sampler over `0..n`.
#[derive(Debug, Clone)]
pub enum Picker {
    Uniform(usize),
    Zipf(usize, Zipf<f64>),
    Hot { n: usize, ratio: f64, set_size: usize },
}

impl Picker {
    /// One index in `0..n`.
    pub fn pick(&self, rng: &mut Rng) -> usize {
        match self {
            Self::Uniform(n) => rng.random_range(0..*n),
            // Zipf samples lie in [1, n].
            Self::Zipf(n, z) => (z.sample(rng) as usize).clamp(1, *n) - 1,
            Self::Hot { n, ratio, set_size } => {
                if rng.random_bool(*ratio) {
                    rng.random_range(0..*set_size)
                } else {
                    rng.random_range(0..*n)
                }
            }
        }
    }

    /// One index in `0..n` other than `not` (when there is another one).
    pub fn pick_other(&self, rng: &mut Rng, not: usize) -> usize {
        let n = self.len();
        let i = self.pick(rng);
        if i != not || n == 1 { i } else { (i + 1) % n }
    }

    /// The number of items picked from.
    pub fn len(&self) -> usize {
        match self {
            Self::Uniform(n) | Self::Zipf(n, _) | Self::Hot { n, .. } => *n,
        }
    }

    /// Always false: a picker is never built over nothing.
    pub fn is_empty(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn parses_every_dial() {
        assert_eq!("uniform".parse::<Pick>(), Ok(Pick::Uniform));
        assert_eq!("zipf(1.1)".parse::<Pick>(), Ok(Pick::Zipf(1.1)));
        assert_eq!("hot(0.5)".parse::<Pick>(), Ok(Pick::Hot { ratio: 0.5, set_size: 1 }));
        assert_eq!(" hot(0.9, 10) ".parse::<Pick>(), Ok(Pick::Hot { ratio: 0.9, set_size: 10 }));
        for bad in ["zipf(0)", "hot(1.5)", "hot(0.5, 0)", "normal(1)", "zipf", "zipf(x)"] {
            assert!(bad.parse::<Pick>().is_err(), "{bad} should not parse");
        }
        assert_eq!(
            Pick::Hot { ratio: 0.5, set_size: 3 }.to_string().parse::<Pick>().unwrap().to_string(),
            "hot(0.5, 3)"
        );
    }

    #[test]
    fn hot_one_sends_everything_to_the_hot_set() {
        let p = Pick::Hot { ratio: 1.0, set_size: 2 }.picker(100, "t").unwrap();
        let mut rng = Rng::seed_from_u64(1);
        assert!((0..1000).all(|_| p.pick(&mut rng) < 2));
    }

    #[test]
    fn zipf_skews_towards_low_indices_and_stays_in_range() {
        let p = Pick::Zipf(1.2).picker(1000, "t").unwrap();
        let mut rng = Rng::seed_from_u64(7);
        let picks: Vec<usize> = (0..10_000).map(|_| p.pick(&mut rng)).collect();
        assert!(picks.iter().all(|&i| i < 1000));
        let head = picks.iter().filter(|&&i| i < 10).count();
        assert!(head > 5_000, "zipf(1.2) puts most picks in the first 1%: {head}");
    }

    #[test]
    fn pick_other_never_returns_the_excluded_index() {
        let p = Pick::Hot { ratio: 1.0, set_size: 1 }.picker(5, "t").unwrap();
        let mut rng = Rng::seed_from_u64(3);
        assert!((0..100).all(|_| p.pick_other(&mut rng, 0) != 0));
    }

    #[test]
    fn a_hot_set_larger_than_the_population_is_refused() {
        let err = Pick::Hot { ratio: 0.5, set_size: 10 }.picker(5, "recipients").unwrap_err();
        assert!(err.to_string().contains("recipients"));
    }
}
