//! How a run ends badly, classified once: a run that could not produce a report
//! ([`RunError`]) and a report that says something went wrong both map to a
//! [`RunErrorKind`], which gives the CLI's exit code and the service's HTTP status.

use super::setup::SetupError;
use crate::{
    report::{Outcome, Report},
    targets::TargetError,
};

/// Why a run could not produce a report.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error("cannot build the workloads: {0}")]
    Workload(#[from] workloads::WorkloadError),
    #[error(transparent)]
    Setup(#[from] SetupError),
}

impl RunError {
    pub fn kind(&self) -> RunErrorKind {
        match self {
            Self::Target(_) => RunErrorKind::UnusableTarget,
            Self::Workload(_) => RunErrorKind::BadInput,
            Self::Setup(SetupError::Interrupted) => RunErrorKind::Interrupted,
            // Nothing was measured: the target could not take the set-up.
            Self::Setup(_) => RunErrorKind::UnusableTarget,
        }
    }

    /// What to do about it, in a line; `None` when there is nothing to do (interrupted).
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            Self::Target(_) => "check the target settings in the scenario",
            Self::Workload(_) => "check the workloads' dials against accounts.count",
            Self::Setup(SetupError::Interrupted) => return None,
            Self::Setup(_) => {
                "the set-up (deployments, provisioning) did not complete, so nothing was measured; \
                 see measure.setup_timeout and the target's capacity"
            }
        })
    }
}

/// What went wrong with a run, for callers that must decide what to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunErrorKind {
    /// The scenario, the flags or the request: nothing ran.
    BadInput,
    /// The target could not be used (unreachable, refused the funding or the set-up):
    /// nothing was measured.
    UnusableTarget,
    /// The target had a fault mid-run (e.g. the node went away): the report is partial
    /// and names the fault.
    FaultMidRun,
    /// The run finished but a check failed (accounting, reconciliation, effects).
    CheckFailed,
    /// Stopped by a signal or a cancellation: the report (if any) covers what was measured.
    Interrupted,
}

/// Exit code: the run finished and every check passed.
pub const EXIT_OK: u8 = 0;

impl RunErrorKind {
    /// How a run that produced `report` went wrong, if it did: interrupted first, then a
    /// fault of the target, then a failed check.
    pub fn of_report(report: &Report) -> Option<Self> {
        if report.run.outcome == Outcome::Interrupted {
            Some(Self::Interrupted)
        } else if report.run.fault.is_some() {
            Some(Self::FaultMidRun)
        } else if report.checks_failed() {
            Some(Self::CheckFailed)
        } else {
            None
        }
    }

    /// The exit code of `gasbench run` (0, [`EXIT_OK`], when nothing went wrong).
    pub const fn exit_code(self) -> u8 {
        match self {
            Self::CheckFailed => 1,
            Self::BadInput | Self::UnusableTarget => 2,
            Self::FaultMidRun => 3,
            Self::Interrupted => 130,
        }
    }

    /// The HTTP status of a request that ran (or tried to run) a run: the request's
    /// fault (422), an upstream that failed (the target: 502), a service stopping (503).
    /// A run whose check failed was served: 200, the verdict is in the report.
    pub const fn http_status(self) -> u16 {
        match self {
            Self::BadInput => 422,
            Self::UnusableTarget | Self::FaultMidRun => 502,
            Self::CheckFailed => 200,
            Self::Interrupted => 503,
        }
    }

    /// A name for logs and JSON (`bad_input`, `unusable_target`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadInput => "bad_input",
            Self::UnusableTarget => "unusable_target",
            Self::FaultMidRun => "fault_mid_run",
            Self::CheckFailed => "check_failed",
            Self::Interrupted => "interrupted",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_classifies_itself() {
        let unreachable = RunError::Target(TargetError::Unreachable("connection refused".into()));
        assert_eq!(unreachable.kind(), RunErrorKind::UnusableTarget);
        assert_eq!(unreachable.kind().exit_code(), 2);
        assert_eq!(unreachable.kind().http_status(), 502);
        let dial =
            RunError::Workload(workloads::WorkloadError::InvalidDial { field: "pool_pick", message: "too big".into() });
        assert_eq!((dial.kind(), dial.kind().http_status()), (RunErrorKind::BadInput, 422));
        let stopped = RunError::Setup(SetupError::Interrupted);
        assert_eq!((stopped.kind().exit_code(), stopped.hint()), (130, None));
        let stalled = RunError::Setup(SetupError::TargetFault { phase: 1, waiting: "x".into(), fault: "gone".into() });
        assert_eq!(stalled.kind(), RunErrorKind::UnusableTarget);
        assert!(stalled.hint().is_some_and(|h| h.contains("setup_timeout")));
    }
}
