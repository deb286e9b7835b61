//! Reports: the versioned data of a run and its views.

mod assemble;
pub mod compare;
pub mod gate;
mod host;
pub mod html;
mod merge;
mod model;
mod table;

pub use assemble::{RunFacts, assemble};
pub use host::{host_info, tool_info};
pub use merge::MergeError;
pub use model::*;
pub use table::summary_table;

/// Writes the JSON report to `path` (pretty, with a trailing newline), atomically.
pub fn write_json(report: &Report, path: &std::path::Path) -> std::io::Result<()> {
    write_pretty(report, path)
}

/// Writes `value` as pretty JSON with a trailing newline, atomically (a temp file renamed).
pub fn write_pretty<T: serde::Serialize>(value: &T, path: &std::path::Path) -> std::io::Result<()> {
    let mut text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    text.push('\n');
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
