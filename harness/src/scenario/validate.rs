//! Checks a parsed scenario for what types cannot say: ranges, exclusive choices,
//! consistency between sections, and a run whose memory estimate exceeds the machine's.

use core::time::Duration;

use workloads::{Mix, WorkloadError};

use super::{ExecutorKind, Scenario, TargetSpec, gwei_to_wei};

/// Bounds that protect the machine; the CLI can state them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limits {
    /// Memory a run may plan to use, bytes; `None`: what the machine has available now
    /// (`MemAvailable` of /proc/meminfo).
    pub memory_available_bytes: Option<u64>,
    /// Most cells a `sweep:` may have; `None`: `sweep::DEFAULT_MAX_CELLS`.
    pub max_sweep_cells: Option<usize>,
}

#[derive(Debug)]
pub(super) struct Problem {
    pub path: String,
    pub message: String,
    pub hint: Option<String>,
}

fn problem(path: &str, message: impl Into<String>, hint: impl Into<Option<&'static str>>) -> Problem {
    Problem { path: path.into(), message: message.into(), hint: hint.into().map(str::to_string) }
}

pub(super) fn validate(s: &Scenario, limits: &Limits) -> Vec<Problem> {
    let mut out = Vec::new();
    if s.name.trim().is_empty() {
        out.push(problem("name", "the name is empty", "give the scenario a short name"));
    }
    if s.accounts.count == 0 || s.accounts.count > 1_000_000 {
        out.push(problem(
            "accounts.count",
            format!("{} accounts: must be between 1 and 1,000,000", s.accounts.count),
            None,
        ));
    }
    if s.workloads.is_empty() {
        out.push(problem("workloads", "the mix is empty", "add e.g. `- kind: transfer`"));
    } else if let Err(WorkloadError::InvalidDial { field, message }) =
        Mix::new(&s.workloads, s.accounts.count.max(1) as usize)
    {
        let idx = s.workloads.iter().position(|w| w.build(s.accounts.count.max(1) as usize).is_err());
        let path = match (field, idx) {
            ("accounts.count", _) => "accounts.count".to_string(),
            (f, Some(i)) => format!("workloads[{i}].{f}"),
            (_, None) => "workloads".to_string(),
        };
        out.push(Problem { path, message, hint: None });
    }
    if s.shard.count == 0 || s.shard.index >= s.shard.count {
        out.push(problem(
            "shard",
            format!(
                "shard {} of {}: the index must be below the count, and the count at least 1",
                s.shard.index, s.shard.count
            ),
            "number the shards 0 to count - 1, e.g. `shard: {index: 1, count: 2}`",
        ));
    }
    validate_load(s, &mut out);
    validate_fees(s, &mut out);
    validate_target(s, &mut out);
    validate_targets(s, &mut out);
    if out.is_empty() {
        validate_size(s, limits, &mut out);
    }
    out
}

fn validate_load(s: &Scenario, out: &mut Vec<Problem>) {
    let positive = |path: &str, rate: f64, out: &mut Vec<Problem>| {
        if !(rate.is_finite() && rate > 0.0) {
            out.push(problem(path, format!("rate {rate}: must be a number of transactions per second above 0"), None));
        }
    };
    match (&s.load.open, &s.load.closed) {
        (None, None) => out.push(problem(
            "load",
            "neither `open` nor `closed` is set",
            "write `open: {rate: 1000}` or `closed: {in_flight: 64}`",
        )),
        (Some(_), Some(_)) => {
            out.push(problem("load.closed", "`open` and `closed` are both set", "keep one load model"))
        }
        (Some(open), None) => match (&open.rate, &open.stages) {
            (Some(rate), None) => positive("load.open.rate", *rate, out),
            (None, Some(stages)) => {
                if stages.is_empty() {
                    out.push(problem("load.open.stages", "no stages", "add `- {rate: 1000, duration: 10s}`"));
                }
                for (i, st) in stages.iter().enumerate() {
                    if !(st.rate.is_finite() && st.rate >= 0.0) {
                        out.push(problem(
                            &format!("load.open.stages[{i}].rate"),
                            format!("rate {}: must be 0 or more", st.rate),
                            None,
                        ));
                    }
                    if st.duration.get().is_zero() {
                        out.push(problem(&format!("load.open.stages[{i}].duration"), "the stage lasts 0s", None));
                    }
                }
            }
            (None, None) => {
                out.push(problem("load.open", "neither `rate` nor `stages` is set", "write `rate: 1000` (tx/s)"))
            }
            (Some(_), Some(_)) => out.push(problem("load.open.stages", "`rate` and `stages` are both set", "keep one")),
        },
        (None, Some(closed)) => {
            if closed.count.is_none()
                && let Some(i) = s.workloads.iter().position(workloads::WorkloadSpec::needs_planned_count)
            {
                out.push(problem(
                    "load.closed.count",
                    format!(
                        "workloads[{i}] ({}) allocates its items and listings while planning, so the run needs a count",
                        s.workloads[i].name()
                    ),
                    "add `count: N` to `closed`, or use the open model",
                ));
            }
            if closed.in_flight == 0 {
                out.push(problem("load.closed.in_flight", "0 in flight sends nothing", "set 1 or more"));
            }
            if closed.count == Some(0) {
                out.push(problem("load.closed.count", "a count of 0 sends nothing", None));
            }
        }
    }
    let staged = s.load.open.as_ref().is_some_and(|o| o.stages.is_some());
    let total = s.load.stages_total();
    match s.measure.duration {
        None if !staged => {
            out.push(problem("measure.duration", "missing: how long to measure", "add `measure: {duration: 10s}`"))
        }
        None if total <= s.measure.warmup.get() => out.push(problem(
            "measure.warmup",
            format!(
                "the warmup ({}) is as long as all the stages ({})",
                s.measure.warmup,
                humantime::format_duration(total)
            ),
            "shorten the warmup or lengthen the stages",
        )),
        Some(d) if d.get().is_zero() => out.push(problem("measure.duration", "the measured window is 0s", None)),
        Some(d) if staged && d.get() + s.measure.warmup.get() != total => out.push(problem(
            "measure.duration",
            format!(
                "warmup ({}) + duration ({d}) must equal the stages' total ({})",
                s.measure.warmup,
                humantime::format_duration(total)
            ),
            "remove `duration`: with stages it follows from them",
        )),
        _ => {}
    }
    if s.run_length() > Duration::from_secs(24 * 3600) {
        out.push(problem("measure.duration", "the run would last more than 24 hours", "split it into several runs"));
    }
    if s.measure.setup_timeout.get().is_zero() {
        out.push(problem("measure.setup_timeout", "0s leaves no time for the set-up", "e.g. `setup_timeout: 5m`"));
    }
    if s.measure.drain_timeout.get() > Duration::from_secs(3600) {
        out.push(problem("measure.drain_timeout", "more than 1 hour", None));
    }
}

fn validate_fees(s: &Scenario, out: &mut Vec<Problem>) {
    let f = &s.fees;
    if !(f.max_fee_gwei.is_finite() && f.max_fee_gwei > 0.0) {
        out.push(problem("fees.max_fee_gwei", format!("{}: must be above 0", f.max_fee_gwei), None));
    }
    if !(f.priority_fee_gwei.is_finite() && f.priority_fee_gwei >= 0.0) {
        out.push(problem("fees.priority_fee_gwei", format!("{}: must be 0 or more", f.priority_fee_gwei), None));
    } else if f.priority_fee_gwei > f.max_fee_gwei {
        out.push(problem(
            "fees.priority_fee_gwei",
            "the priority fee is above the max fee",
            "EIP-1559 needs max_fee >= priority_fee",
        ));
    }
}

/// Each entry of `targets:` is checked as `target:` is, its problems placed under
/// `targets[i]`.
fn validate_targets(s: &Scenario, out: &mut Vec<Problem>) {
    if s.targets.first().is_some_and(|first| *first != s.target) {
        out.push(problem(
            "target",
            "both `target:` and `targets:` are given",
            "with `targets:`, leave `target:` out: the targets run in the order listed",
        ));
    }
    for (i, t) in s.targets.iter().enumerate() {
        let one = Scenario { target: t.clone(), targets: Vec::new(), ..s.clone() };
        let mut problems = Vec::new();
        validate_target(&one, &mut problems);
        for mut p in problems {
            p.path = p.path.replacen("target", &format!("targets[{i}]"), 1);
            out.push(p);
        }
    }
}

fn validate_target(s: &Scenario, out: &mut Vec<Problem>) {
    match &s.target {
        TargetSpec::Embedded(e) => validate_embedded("target", e, Some(s.fees.max_fee_gwei), out),
        TargetSpec::Rollup(r) => {
            validate_embedded("target.l2", &r.l2.embedded(), Some(s.fees.max_fee_gwei), out);
            let l1 = &r.l1.embedded;
            validate_embedded("target.l1.embedded", &l1.embedded(), None, out);
            for (path, message) in r.problems() {
                out.push(Problem { path, message, hint: None });
            }
        }
        TargetSpec::Rpc(r) => validate_rpc(r, "target", out),
        TargetSpec::Container(c) => validate_container(c, out),
    }
}

/// The checks of an embedded chain's settings at `p` (`target`, `target.l2`, ...); the
/// scenario's `max_fee_gwei` is held against its base fee when given.
fn validate_embedded(p: &str, e: &super::EmbeddedSpec, max_fee_gwei: Option<f64>, out: &mut Vec<Problem>) {
    let bt = e.block_time.get();
    if bt < Duration::from_millis(10) || bt > Duration::from_secs(3600) {
        out.push(problem(&format!("{p}.block_time"), format!("{}: must be between 10ms and 1h", e.block_time), None));
    }
    if e.gas_limit < 21_000 {
        out.push(problem(&format!("{p}.gas_limit"), "below 21,000: not even a transfer fits", None));
    }
    if e.chain_id == 0 {
        out.push(problem(&format!("{p}.chain_id"), "chain id 0 is not allowed", None));
    }
    if e.base_fee.elasticity == 0 || e.base_fee.denominator == 0 {
        out.push(problem(&format!("{p}.base_fee"), "elasticity and denominator must be 1 or more", None));
    }
    if !(e.base_fee.initial_gwei.is_finite() && e.base_fee.initial_gwei >= 0.0) {
        out.push(problem(&format!("{p}.base_fee.initial_gwei"), "must be 0 or more", None));
    } else if !(e.base_fee.min_gwei.is_finite() && e.base_fee.min_gwei >= 0.0) {
        out.push(problem(&format!("{p}.base_fee.min_gwei"), "must be 0 or more", None));
    } else if let Some(max_fee) = max_fee_gwei.filter(|m| gwei_to_wei(*m) < gwei_to_wei(e.base_fee.initial_gwei)) {
        out.push(Problem {
            path: "fees.max_fee_gwei".into(),
            message: format!(
                "{max_fee} gwei is below the chain's initial base fee ({} gwei): nothing could be included",
                e.base_fee.initial_gwei
            ),
            hint: Some(format!("raise fees.max_fee_gwei or lower {p}.base_fee.initial_gwei")),
        });
    }
    match (e.executor, e.threads) {
        (ExecutorKind::Sequential, Some(_)) => out.push(problem(
            &format!("{p}.threads"),
            "threads only apply to the parallel executor",
            "add `executor: parallel`, or remove `threads`",
        )),
        (_, Some(t)) if t == 0 || t > 256 => {
            out.push(problem(&format!("{p}.threads"), format!("{t} threads: must be between 1 and 256"), None))
        }
        _ => {}
    }
    if e.state_read_latency_us > 100_000 {
        out.push(problem(
            &format!("{p}.state_read_latency_us"),
            format!("{} us: must be at most 100,000 (100 ms)", e.state_read_latency_us),
            "a disk read takes ~20-100 us; an SSD-backed node is a few tens of us",
        ));
    }
    if e.mempool_limit == 0 {
        out.push(problem(&format!("{p}.mempool_limit"), "0 would reject every transaction", None));
    }
    for (i, f) in e.faults.iter().enumerate() {
        if f.stall.get().is_zero() {
            out.push(problem(&format!("{p}.faults[{i}].stall"), "a stall of 0s does nothing", None));
        }
    }
}

/// Whether `url` is `{scheme}://` followed by something, for one of `schemes`.
pub(crate) fn has_scheme(url: &str, schemes: &[&str]) -> bool {
    schemes.iter().any(|s| url.strip_prefix(s).and_then(|r| r.strip_prefix("://")).is_some_and(|r| !r.is_empty()))
}

fn validate_rpc(r: &super::RpcSpec, at: &str, out: &mut Vec<Problem>) {
    if !has_scheme(&r.http, &["http", "https"]) {
        out.push(problem(
            &format!("{at}.http"),
            format!("`{}` is not an http:// or https:// URL", r.http),
            "write e.g. `http: http://127.0.0.1:8545`",
        ));
    }
    if let Some(ws) = &r.ws
        && !has_scheme(ws, &["ws", "wss"])
    {
        out.push(problem(
            &format!("{at}.ws"),
            format!("`{ws}` is not a ws:// or wss:// URL"),
            "write e.g. `ws: ws://127.0.0.1:8545`, or leave it out to poll",
        ));
    }
    if r.chain_id.is_some_and(|c| c != super::ANVIL_CHAIN_ID) && r.funder.is_none() {
        out.push(problem(
            &format!("{at}.funder"),
            "missing: only a local anvil (chain 31337) has a default funder",
            "add `funder: {env: VAR}` (a hex key in $VAR) or `funder: {mnemonic_env: VAR, index: 0}`",
        ));
    }
    match &r.funder {
        Some(super::FunderSpec::Key(k)) if k.env.trim().is_empty() => {
            out.push(problem(&format!("{at}.funder.env"), "the variable name is empty", None))
        }
        Some(super::FunderSpec::Mnemonic(m)) if m.mnemonic_env.trim().is_empty() => {
            out.push(problem(&format!("{at}.funder.mnemonic_env"), "the variable name is empty", None))
        }
        _ => {}
    }
    if !(1..=10_000).contains(&r.batch_size) {
        out.push(problem(&format!("{at}.batch_size"), format!("{}: must be between 1 and 10,000", r.batch_size), None));
    }
    if !(1..=1024).contains(&r.connections) {
        out.push(problem(&format!("{at}.connections"), format!("{}: must be between 1 and 1024", r.connections), None));
    }
    if r.poll_interval.get() < Duration::from_millis(1) || r.poll_interval.get() > Duration::from_secs(60) {
        out.push(problem(&format!("{at}.poll_interval"), "must be between 1ms and 60s", None));
    }
    if r.drop_timeout.get() < Duration::from_millis(100) {
        out.push(problem(&format!("{at}.drop_timeout"), "below 100ms: nothing could be included in time", None));
    }
}

fn validate_container(c: &super::ContainerSpec, out: &mut Vec<Problem>) {
    if c.image.trim().is_empty() || c.image.contains(char::is_whitespace) {
        out.push(problem(
            "target.image",
            format!("`{}` is not an image reference", c.image),
            "write e.g. `image: local/anvil:1.7.1` or `image: NAME@sha256:DIGEST`",
        ));
    }
    if c.port == 0 {
        out.push(problem("target.port", "port 0: the node must listen on a known port", "e.g. `port: 8545`"));
    }
    if c.ws_port == Some(0) {
        out.push(problem("target.ws_port", "port 0: the node must listen on a known port", None));
    }
    match &c.wait_for {
        super::WaitFor::Log { log } if log.is_empty() => {
            out.push(problem("target.wait_for.log", "the text is empty", "e.g. `wait_for: {log: \"Listening on\"}`"))
        }
        super::WaitFor::Rpc { rpc: false } => out.push(problem(
            "target.wait_for.rpc",
            "false would wait for nothing",
            "write `wait_for: {rpc: true}` or `wait_for: {log: TEXT}`",
        )),
        _ => {}
    }
    let t = c.startup_timeout.get();
    if t < Duration::from_secs(1) || t > Duration::from_secs(3600) {
        out.push(problem("target.startup_timeout", format!("{}: must be between 1s and 1h", c.startup_timeout), None));
    }
    if let Some(cpus) = c.cpus
        && !(cpus.is_finite() && (0.01..=1024.0).contains(&cpus))
    {
        out.push(problem("target.cpus", format!("{cpus}: must be between 0.01 and 1024"), "e.g. `cpus: 2`"));
    }
    match c.memory.as_ref().map(super::Memory::bytes) {
        Some(Err(e)) => out.push(problem("target.memory", e, "write e.g. `memory: 2g` or `memory: 512m`")),
        Some(Ok(b)) if b < 6 << 20 => {
            out.push(problem("target.memory", format!("{b} bytes: Docker needs at least 6m"), None))
        }
        _ => {}
    }
    for name in c.env.keys() {
        if name.is_empty() || name.contains('=') {
            out.push(problem("target.env", format!("`{name}` is not a variable name"), None));
        }
    }
    validate_rpc(&c.rpc_spec(), "target.rpc", out);
}

fn validate_size(s: &Scenario, limits: &Limits, out: &mut Vec<Problem>) {
    if s.load.signing == super::SigningMode::Lazy {
        out.push(problem(
            "load.signing",
            "`lazy` is what a closed load without `count` does by itself, not a choice",
            "use `streamed` (the default) or `presigned`",
        ));
    }
    let estimate = super::memory::estimate(s);
    let Some(available) = limits.memory_available_bytes.or_else(super::memory::available_bytes) else { return };
    if estimate.total_bytes() > available {
        let path = if s.load.closed.is_some() {
            "load.closed.count"
        } else if s.load.open.as_ref().is_some_and(|o| o.rate.is_some()) {
            "load.open.rate"
        } else {
            "load.open.stages"
        };
        out.push(Problem {
            path: path.into(),
            message: format!("{}; the machine has {} available", estimate, super::memory::gib(available)),
            hint: Some(
                "lower the rate or the duration; or, if the memory will be there when it runs, state it with \
                 --memory-available-mib"
                    .into(),
            ),
        });
    }
}
