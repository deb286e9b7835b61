//! The HTML page: a header with provenance, verdicts, the headline figures (side by side
//! with ratios against the first run when there are several), the charts, and the
//! details. Self-contained: inline CSS, inline SVG, no script, nothing fetched.

use super::{
    charts::{self, Run},
    svg::El,
};
use crate::report::{
    Outcome, Report,
    gate::{GateReport, figures},
};

/// The figures of the summary table, by their gate names (docs/gates.md).
pub const HEADLINE: &[&str] = &[
    "throughput.included_tps",
    "load.offered_tps",
    "load.achieved_send_tps",
    "throughput.gas_per_second",
    "latency.inclusion.p50",
    "latency.inclusion.p99",
    "latency.inclusion.p999",
    "latency.submit.p99",
    "fees.per_tx.total_gwei",
    "accounting.sent",
    "accounting.included",
    "accounting.rejected",
    "accounting.dropped",
    "revert_rate",
    "throughput.mean_block_fill",
    "throughput.mean_block_interval",
];

/// Rows after [`HEADLINE`] where some run has a non-zero value: the fee per transaction
/// by part (L2 execution: base and priority; a rollup's L1 data fee) and a rollup's later
/// stages, so an L1 and a rollup sit side by side.
pub const PARTS_AND_STAGES: &[&str] = &[
    "fees.per_tx.base_gwei",
    "fees.per_tx.priority_gwei",
    "fees.per_tx.l1_gwei",
    "latency.safe.p50",
    "latency.safe.p99",
    "latency.finalized.p50",
    "latency.finalized.p99",
];

/// The rows of the headline table for `reports`: [`HEADLINE`], then those of
/// [`PARTS_AND_STAGES`] that some report has.
pub fn headline_rows(reports: &[&crate::report::Report]) -> Vec<&'static str> {
    let extra = PARTS_AND_STAGES.iter().copied().filter(|name| {
        figures::resolve(name).is_ok_and(|fig| reports.iter().any(|r| fig.read(r).ok().is_some_and(|v| v != 0.0)))
    });
    HEADLINE.iter().copied().chain(extra).collect()
}

/// What a page shows besides the runs.
#[derive(Debug, Default)]
pub struct Extras<'a> {
    /// The gates' verdict, when the run was gated.
    pub gates: Option<&'a GateReport>,
    /// Lines said above the figures (e.g. a comparison's verdict per target).
    pub verdicts: Vec<(Badge, String)>,
    /// Extra sections (a sweep's table), already built.
    pub sections: Vec<El>,
}

/// A coloured word: how a verdict looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Badge {
    Pass,
    Fail,
    Warn,
    Info,
}

impl Badge {
    fn class(self) -> &'static str {
        match self {
            Self::Pass => "badge pass",
            Self::Fail => "badge fail",
            Self::Warn => "badge warn",
            Self::Info => "badge info",
        }
    }
}

pub fn badge(kind: Badge, text: &str) -> El {
    El::new("span").attr("class", kind.class()).text(text)
}

const CSS: &str = r#"
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;--card:#fff;--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;--info:#0969da}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
header{background:#24292f;color:#fff;padding:20px 32px}header h1{margin:0 0 4px;font-size:22px;font-weight:600}
header .meta{color:#c9d1d9;font-size:12.5px}main{padding:20px 32px;max-width:1280px;margin:auto}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:0 0 18px;overflow-x:auto}
h2{font-size:16px;margin:0 0 12px;font-weight:600}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;margin-right:6px;color:#fff}
.pass{background:var(--pass)}.fail{background:var(--fail)}.warn{background:var(--warn)}.info{background:var(--info)}
.verdicts div{margin:4px 0}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}th{color:var(--muted);font-weight:600;font-size:12.5px}
td.better{color:var(--pass);font-weight:600}td.worse{color:var(--fail);font-weight:600}code{font-size:12.5px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:18px}
figure.chart{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
figcaption{font-weight:600;margin-bottom:6px}svg{width:100%;height:auto;display:block}
svg text{font:11px -apple-system,"Segoe UI",Helvetica,Arial,"DejaVu Sans",sans-serif;fill:var(--muted)}
svg .axis-title{font-size:11.5px;fill:var(--fg)}svg .empty{font-size:13px}
svg .grid{stroke:#eaeef2;stroke-width:1}svg .line{fill:none;stroke-width:2;stroke-linejoin:round}
svg .pt{opacity:0;stroke:none}svg .pt:hover,svg .pt.lone{opacity:1}svg .bar:hover{opacity:.8}
.legend{font-size:12px;color:var(--muted);margin-top:4px}.legend span{margin-right:14px;white-space:nowrap}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
pre{background:var(--bg);padding:10px;border-radius:6px;overflow:auto;font-size:12px}
.note{color:var(--muted);font-size:12.5px}
"#;

fn run_badges(r: &Report) -> Vec<El> {
    let mut out = vec![match r.run.outcome {
        Outcome::Completed if r.run.partial => badge(Badge::Warn, "partial"),
        Outcome::Completed => badge(Badge::Pass, "completed"),
        Outcome::Interrupted => badge(Badge::Warn, "interrupted"),
    }];
    if let Some(f) = &r.run.fault {
        out.push(badge(Badge::Fail, &format!("target fault: {f}")));
    }
    out.push(if r.checks_failed() { badge(Badge::Fail, "checks failed") } else { badge(Badge::Pass, "checks passed") });
    out.push(badge(Badge::Info, &format!("reconciliation {}", r.reconciliation.verdict.as_str())));
    out.push(badge(Badge::Info, &format!("effects {}", r.effects.verdict)));
    out
}

fn verdicts(runs: &[Run<'_>], extras: &Extras<'_>) -> El {
    let mut s = El::new("section").attr("class", "verdicts").child(El::new("h2").text("Verdicts"));
    // A comparison says its own line per entry (failed ones included) instead.
    for run in runs.iter().filter(|_| extras.verdicts.is_empty()) {
        let r = run.report;
        let what = format!(
            "{}: {:.1} tx/s included of {:.1} offered, inclusion p99 {:.1} ms",
            run.label,
            r.throughput.included_tps,
            r.load.offered_tps,
            r.latency[crate::metrics::Stage::INCLUSION].p99_us as f64 / 1e3
        );
        s = s.child(El::new("div").children(run_badges(run.report)).text(&what));
    }
    for (b, line) in &extras.verdicts {
        s = s.child(El::new("div").child(badge(*b, if *b == Badge::Fail { "FAIL" } else { "PASS" })).text(line));
    }
    if let Some(g) = extras.gates {
        let b = if g.verdict.passed() { Badge::Pass } else { Badge::Fail };
        let failed = g.results.iter().filter(|r| !r.verdict.passed()).count();
        s = s.child(El::new("div").child(badge(b, &format!("gates {}", g.verdict.label()))).text(&format!(
            "{} of {} gates passed",
            g.results.len() - failed,
            g.results.len()
        )));
    }
    s
}

fn cell(text: &str) -> El {
    El::new("td").text(text)
}

/// The headline figures, a column per run, and each later run's change against the first.
fn headline(runs: &[Run<'_>]) -> El {
    let mut head = El::new("tr").child(El::new("th").text("figure"));
    for (i, run) in runs.iter().enumerate() {
        head = head.child(El::new("th").text(run.label));
        if i > 0 {
            head = head.child(El::new("th").text(&format!("{} / {}", run.label, runs[0].label)));
        }
    }
    let mut table = El::new("table").child(head);
    for name in headline_rows(&runs.iter().map(|r| r.report).collect::<Vec<_>>()) {
        let Ok(fig) = figures::resolve(name) else { continue };
        let mut row = El::new("tr").child(El::new("td").child(El::new("code").text(name)));
        let first = fig.read(runs[0].report).ok();
        for (i, run) in runs.iter().enumerate() {
            let v = fig.read(run.report).ok();
            row = row.child(cell(&v.map_or_else(|| "–".into(), |v| fig.figure.unit.show(v))));
            if i > 0 {
                row = row.child(ratio_cell(first, v, fig.figure.better));
            }
        }
        table = table.child(row);
    }
    El::new("section").child(El::new("h2").text("Headline figures (measured window)")).child(table)
}

/// `b / a` as "×1.23", coloured by which way is better.
pub fn ratio_cell(a: Option<f64>, b: Option<f64>, better: figures::Better) -> El {
    let (Some(a), Some(b)) = (a, b) else { return cell("–") };
    if a == 0.0 {
        return cell(if b == 0.0 { "=" } else { "–" });
    }
    let r = b / a;
    // Coloured from a 2% change: smaller ones are within one run's noise here.
    let class = match better {
        _ if (r - 1.0).abs() < 0.02 => "",
        figures::Better::Higher if r > 1.0 => "better",
        figures::Better::Higher => "worse",
        figures::Better::Lower if r < 1.0 => "better",
        figures::Better::Lower => "worse",
        figures::Better::Neither => "",
    };
    El::new("td").attr("class", class).text(&format!("×{r:.3}"))
}

fn gates_section(g: &GateReport) -> El {
    let mut t = El::new("table")
        .child(El::new("tr").children(["gate", "expected", "measured", "verdict"].map(|h| El::new("th").text(h))));
    for r in &g.results {
        let b = if r.verdict.passed() { Badge::Pass } else { Badge::Fail };
        t = t.child(
            El::new("tr")
                .child(El::new("td").child(El::new("code").text(&r.gate)))
                .child(cell(&r.expected))
                .child(cell(&r.measured))
                .child(El::new("td").child(badge(b, r.verdict.label()))),
        );
    }
    El::new("section").child(El::new("h2").text("Gates")).child(t)
}

/// One provenance fact of a report, in words.
type Fact = fn(&Report) -> String;

fn details(runs: &[Run<'_>]) -> El {
    let rows: [(&str, Fact); 10] = [
        ("scenario", |r| r.run.scenario_name.clone()),
        ("seed", |r| r.run.seed.to_string()),
        ("started (UTC)", |r| r.run.started_at.clone()),
        ("target", |r| format!("{} {}", r.target.kind, r.target.executor.clone().unwrap_or_default())),
        ("load model", |r| r.load.model.as_str().to_string()),
        ("window", |r| {
            format!(
                "{:.1} s (warm-up {:.1} s, drain {:.1} s)",
                r.run.window_seconds, r.run.warmup_seconds, r.run.drain_seconds
            )
        }),
        ("gasbench", |r| format!("{} {}", r.tool.version, r.tool.git_sha.clone().unwrap_or_default())),
        ("host", |r| format!("{} × {} cores, {:.1} GiB", r.host.cpu_model, r.host.cores, r.host.memory_gib)),
        ("os", |r| format!("{} {}", r.host.os, r.host.kernel)),
        ("warnings", |r| if r.warnings.is_empty() { "none".into() } else { r.warnings.join("; ") }),
    ];
    let mut t = El::new("table")
        .child(El::new("tr").child(El::new("th").text("")).children(runs.iter().map(|r| El::new("th").text(r.label))));
    for (name, f) in rows {
        t = t.child(El::new("tr").child(cell(name)).children(runs.iter().map(|r| cell(&f(r.report)))));
    }
    let scenario = serde_json::to_string_pretty(&runs[0].report.scenario).unwrap_or_default();
    El::new("section").child(El::new("h2").text("Provenance")).child(t).child(
        El::new("details").child(El::new("summary").text("Scenario as run")).child(El::new("pre").text(&scenario)),
    )
}

/// A page for a comparison none of whose runs produced a report: the verdicts alone.
pub fn render_failed(title: &str, lines: &[(Badge, String)]) -> String {
    let mut s = El::new("section").attr("class", "verdicts").child(El::new("h2").text("Verdicts"));
    for (b, line) in lines {
        s = s.child(El::new("div").child(badge(*b, if *b == Badge::Fail { "FAIL" } else { "PASS" })).text(line));
    }
    document(title, "no run produced a report", El::new("main").child(s))
}

fn document(title: &str, meta: &str, main: El) -> String {
    let head = El::new("head")
        .child(El::new("meta").attr("charset", "utf-8"))
        .child(El::new("meta").attr("name", "viewport").attr("content", "width=device-width, initial-scale=1"))
        .child(El::new("title").text(title))
        .child(El::new("style").raw(CSS));
    let body = El::new("body")
        .child(
            El::new("header").child(El::new("h1").text(title)).child(El::new("div").attr("class", "meta").text(meta)),
        )
        .child(main);
    format!("<!DOCTYPE html>\n{}\n", El::new("html").attr("lang", "en").child(head).child(body).render())
}

/// The whole page for `runs` (at least one).
pub fn render(title: &str, runs: &[Run<'_>], extras: &Extras<'_>) -> String {
    assert!(!runs.is_empty(), "a page shows at least one run");
    let first = runs[0].report;
    let meta = format!(
        "{} · seed {} · started {} · gasbench {}{} · {} run{}",
        first.run.scenario_name,
        first.run.seed,
        first.run.started_at,
        first.tool.version,
        first.tool.git_sha.as_deref().map(|s| format!(" ({})", &s[..s.len().min(10)])).unwrap_or_default(),
        runs.len(),
        if runs.len() == 1 { "" } else { "s" }
    );
    let mut main = El::new("main").child(verdicts(runs, extras));
    if let Some(g) = extras.gates {
        main = main.child(gates_section(g));
    }
    main = main.child(headline(runs));
    for s in &extras.sections {
        main = main.child(s.clone());
    }
    let grid = El::new("div")
        .attr("class", "charts")
        .children(charts::all(runs).into_iter().map(|(id, chart)| chart.render(id)));
    main = main
        .child(
            El::new("section")
                .child(El::new("h2").text("Charts"))
                .child(El::new("p").attr("class", "note").text(
                    "Hover a line, point or bar for its value. Latencies run from each transaction's intended send time; \
                     per-second figures cover warm-up, window and drain.",
                ))
                .child(grid),
        )
        .child(details(runs));
    document(title, &meta, main)
}
