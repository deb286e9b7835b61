//! The CLI's progress on stderr: an observer of the run's events that prints the signing
//! and set-up lines, warnings, and one line a second with offered and achieved rates,
//! inclusion, p99 so far and failures (`BEHIND` when sending falls behind the offered
//! rate). `--quiet` leaves only the warnings.

use std::io::Write;

use crate::runner::{RunEvent, RunObserver};

/// See the module docs.
#[derive(Debug)]
pub struct ProgressLine {
    pub quiet: bool,
}

impl RunObserver for ProgressLine {
    fn event(&self, event: &RunEvent) {
        let line = match event {
            RunEvent::Warning(w) => format!("warning: {w}"),
            _ if self.quiet => return,
            RunEvent::Signed { stats, setup_txs } => format!(
                "signed {} transactions ({setup_txs} for the set-up) in {:.2}s on {} threads ({:.1} us/tx)",
                stats.txs, stats.wall_seconds, stats.threads, stats.per_tx_us
            ),
            RunEvent::SetupProgress(p) => format!(
                "[set-up {:6.1}s] phase {}/{}: included {} of {} | blocks {} | waiting for {} (gives up after {:?} \
                 without progress)",
                p.elapsed_s,
                p.phase + 1,
                p.phases,
                p.included,
                p.total,
                p.blocks,
                p.waiting,
                p.stall
            ),
            RunEvent::SetupDone(s) if s.txs > 0 => format!(
                "set-up: {} transactions in {} blocks, {:.1} Mgas, {:.2}s; starting the load",
                s.txs,
                s.blocks,
                s.gas_used as f64 / 1e6,
                s.seconds
            ),
            RunEvent::Progress(p) => {
                let s = &p.now;
                let sent_rate = p.sent_last_s;
                let mut line = format!(
                    "[{:6.1}s] sent {:>9} ({sent_rate:>7}/s) | included {:>9} ({:>7}/s) | pending {:>7} | failed {:>6} | \
                     p99 inclusion {:>8.1} ms | blocks {}",
                    p.elapsed_s,
                    s.sent,
                    s.included,
                    p.included_last_s,
                    s.pending,
                    s.failed,
                    s.inclusion_p99_us as f64 / 1e3,
                    s.blocks,
                );
                if let Some(offered) = p.offered_tps
                    && (sent_rate as f64) < offered * 0.95
                    && s.sent > 0
                {
                    line.push_str(&format!(" | BEHIND: offered {offered:.0}/s, sent {sent_rate}/s"));
                }
                line
            }
            _ => return,
        };
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}
