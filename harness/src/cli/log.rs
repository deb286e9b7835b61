//! The CLI's tracing subscriber: the library reports through `tracing` (it prints
//! nothing), and the CLI shows those events on stderr as plain lines (`warning: ...`,
//! `error: ...`, or the message alone), as it always has. `--quiet` keeps warnings and
//! errors only; `GASBENCH_LOG` (an `EnvFilter` directive) overrides both.

use core::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::{
    EnvFilter,
    fmt::{FmtContext, FormatEvent, FormatFields, format::Writer},
    registry::LookupSpan,
};

/// Installs the subscriber (once per process; later calls keep the first).
pub fn init(quiet: bool) {
    let default = if quiet { "error,gasbench=warn" } else { "warn,gasbench=info" };
    let filter = EnvFilter::try_from_env("GASBENCH_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).event_format(Plain).try_init();
}

/// A line per event: its level as a word for warnings and errors, then its fields.
struct Plain;

impl<S, N> FormatEvent<S, N> for Plain
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        match *event.metadata().level() {
            Level::ERROR => write!(writer, "error: ")?,
            Level::WARN => write!(writer, "warning: ")?,
            _ => {}
        }
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}
