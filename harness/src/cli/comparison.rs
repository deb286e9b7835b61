//! The output of a comparison (`run` of a scenario with `targets:` or `sweep:`, and
//! `gasbench compare`): the table and verdict lines on stdout, the JSON and HTML files.

use std::{path::Path, process::ExitCode};

use super::{EXIT_CHECK_FAILED, EXIT_INTERRUPTED, EXIT_OK};
use crate::report::compare::{self, Comparison, EntryResult};

/// Prints `c`, writes it to `out` (JSON) and `html`; the exit code: 0 when every entry ran
/// and passed its checks, 130 when it was stopped, 1 otherwise.
pub fn finish(c: &Comparison, out: Option<&Path>, html: Option<&Path>) -> ExitCode {
    print!("{}", compare::table(c));
    if let Some(path) = out {
        match compare::write_json(c, path) {
            Ok(()) => eprintln!("comparison written to {}", path.display()),
            Err(e) => {
                eprintln!("error: cannot write the comparison to {}: {e}", path.display());
                return ExitCode::from(EXIT_CHECK_FAILED);
            }
        }
    }
    if let Some(path) = html
        && let Err(code) = super::run::write_html(path, &c.html())
    {
        return code;
    }
    let interrupted =
        c.entries.iter().any(|e| matches!(&e.result, EntryResult::Failed { kind, .. } if kind == "interrupted"));
    if interrupted {
        ExitCode::from(EXIT_INTERRUPTED)
    } else if c.passed() {
        ExitCode::from(EXIT_OK)
    } else {
        eprintln!("error: not every entry ran and passed its checks: see the lines above");
        ExitCode::from(EXIT_CHECK_FAILED)
    }
}
