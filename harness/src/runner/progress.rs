//! The live progress line: offered and achieved rates, inclusion, p99 so far, failures.

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use tokio_util::sync::CancellationToken;

use crate::{
    clock::Clock,
    metrics::{Recorder, Snapshot},
};

/// Prints one line a second to stderr until `stop` is cancelled. `offered_tps` is the
/// planned rate (open model), to say loudly when sending falls behind it.
pub async fn run(recorder: Arc<Mutex<Recorder>>, clock: Clock, offered_tps: Option<f64>, stop: CancellationToken) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.tick().await;
    let mut prev = Snapshot::default();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = stop.cancelled() => return,
        }
        let s = crate::lock(&recorder).snapshot();
        let t = clock.now_ns() as f64 / 1e9;
        let sent_rate = s.sent - prev.sent;
        let mut line = format!(
            "[{t:6.1}s] sent {:>9} ({sent_rate:>7}/s) | included {:>9} ({:>7}/s) | pending {:>7} | failed {:>6} | p99 inclusion {:>8.1} ms | blocks {}",
            s.sent,
            s.included,
            s.included - prev.included,
            s.pending,
            s.failed,
            s.inclusion_p99_us as f64 / 1e3,
            s.blocks,
        );
        if let Some(offered) = offered_tps
            && (sent_rate as f64) < offered * 0.95
            && s.sent > 0
        {
            line.push_str(&format!(" | BEHIND: offered {offered:.0}/s, sent {sent_rate}/s"));
        }
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{line}");
        prev = s;
    }
}
