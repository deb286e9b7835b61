//! SVG charts with typed series and axes: line charts (figures over time, the latency
//! percentile curve) and grouped or stacked bar charts. Every chart has a title, axis
//! labels with units, a legend, and a tooltip (`<title>`) on each series, point and bar.

use super::svg::El;

/// Categorical colours (Tableau 10): distinguishable, and readable when printed.
pub const PALETTE: [&str; 10] =
    ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

/// The colour of the `i`th series.
pub fn color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 28.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 44.0;
/// Most points drawn with their own tooltip; longer series keep a tooltip on the line.
const MAX_MARKERS: usize = 240;

/// What a value measures, and how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    Millis,
    TxPerSec,
    GasPerSec,
    Gas,
    Gwei,
    /// A share, written as a percentage (0.25 is "25%").
    Share,
    Count,
    /// A percentile rank in [0, 1), written as "p99.9".
    Percentile,
}

impl Unit {
    /// The unit as written beside an axis label.
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Seconds => "s",
            Self::Millis => "ms",
            Self::TxPerSec => "tx/s",
            Self::GasPerSec => "gas/s",
            Self::Gas => "gas",
            Self::Gwei => "gwei",
            Self::Share => "%",
            Self::Count | Self::Percentile => "",
        }
    }

    /// `v` in words, with the unit (tooltips, table cells).
    pub fn format(self, v: f64) -> String {
        match self {
            Self::Share => format!("{:.1}%", v * 100.0),
            Self::Percentile => percentile_label(v),
            Self::Count => si(v),
            Self::Millis => format!("{} ms", sig(v)),
            Self::Seconds => format!("{} s", sig(v)),
            _ => format!("{} {}", si(v), self.suffix()),
        }
    }

    /// `v` on an axis tick (short, no unit: the axis label has it).
    fn tick(self, v: f64) -> String {
        match self {
            Self::Share => format!("{:.0}%", v * 100.0),
            Self::Percentile => percentile_label(v),
            Self::Millis | Self::Seconds => sig(v),
            _ => si(v),
        }
    }
}

/// "p99.9" for 0.999; "p0" for 0.
fn percentile_label(p: f64) -> String {
    let pct = p * 100.0;
    let s = format!("{pct:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("p{s}")
}

/// Three significant figures at most, no exponent, no trailing zeros.
fn sig(v: f64) -> String {
    let a = v.abs();
    let s = if a == 0.0 {
        return "0".into();
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    };
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// With an SI suffix: 1.5k, 2.3M, 30G.
pub fn si(v: f64) -> String {
    let a = v.abs();
    let (d, s) = if a >= 1e12 {
        (1e12, "T")
    } else if a >= 1e9 {
        (1e9, "G")
    } else if a >= 1e6 {
        (1e6, "M")
    } else if a >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let n = v / d;
    let t = if s.is_empty() && n.fract() == 0.0 { format!("{n:.0}") } else { sig(n) };
    format!("{t}{s}")
}

/// How values map onto an axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Linear,
    /// Percentile ranks in [0, 1), spread by their tail: p90, p99, p99.9 and p99.99
    /// are equally spaced (`log10(1 / (1 - p))`), as HdrHistogram plots them.
    PercentileTail,
}

/// The highest percentile a tail axis shows: p99.99.
pub const TAIL_MAX: f64 = 0.9999;

impl Scale {
    fn map(self, v: f64) -> f64 {
        match self {
            Self::Linear => v,
            Self::PercentileTail => (1.0 / (1.0 - v.clamp(0.0, TAIL_MAX))).log10(),
        }
    }
}

/// An axis: its label, unit and scale.
#[derive(Debug, Clone)]
pub struct Axis {
    pub label: String,
    pub unit: Unit,
    pub scale: Scale,
}

impl Axis {
    pub fn linear(label: &str, unit: Unit) -> Self {
        Self { label: label.into(), unit, scale: Scale::Linear }
    }

    fn title(&self) -> String {
        match self.unit.suffix() {
            "" => self.label.clone(),
            u => format!("{} ({u})", self.label),
        }
    }
}

/// One line: a name (the legend), its points `(x, y)` and how it is drawn.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub style: Style,
}

/// How a line is drawn: its palette index (runs keep their colour across charts) and
/// whether it is dashed (a run's second figure on the same chart, e.g. sent beside
/// included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    pub color: Option<usize>,
    pub dashed: bool,
}

impl Series {
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self { name: name.into(), points, style: Style::default() }
    }

    fn color(&self, i: usize) -> &'static str {
        color(self.style.color.unwrap_or(i))
    }
}

/// Figures over an x axis, one line per series.
#[derive(Debug, Clone)]
pub struct LineChart {
    pub title: String,
    pub x: Axis,
    pub y: Axis,
    pub series: Vec<Series>,
}

/// One group of bars (a target, a statistic, a fee part) with a value per category.
#[derive(Debug, Clone)]
pub struct BarGroup {
    pub name: String,
    pub values: Vec<f64>,
}

/// Bars per category: side by side (one per group) or stacked.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub title: String,
    pub y: Axis,
    pub categories: Vec<String>,
    pub groups: Vec<BarGroup>,
    pub stacked: bool,
}

/// A chart of either kind.
#[derive(Debug, Clone)]
pub enum Chart {
    Line(LineChart),
    Bar(BarChart),
}

impl Chart {
    pub fn title(&self) -> &str {
        match self {
            Self::Line(c) => &c.title,
            Self::Bar(c) => &c.title,
        }
    }

    /// The SVG paths that carry data: one per series, one per non-zero bar.
    pub fn data_paths(&self) -> usize {
        match self {
            Self::Line(c) => c.series.iter().filter(|s| !s.points.is_empty()).count(),
            Self::Bar(c) => c.groups.iter().flat_map(|g| &g.values).filter(|v| **v > 0.0).count(),
        }
    }

    /// The chart as a `<figure>`: caption, SVG, legend.
    pub fn render(&self, id: &str) -> El {
        let (svg, legend) = match self {
            Self::Line(c) => (
                line_svg(c),
                c.series
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.name.clone(), s.color(i), s.style.dashed))
                    .collect::<Vec<_>>(),
            ),
            Self::Bar(c) => {
                (bar_svg(c), c.groups.iter().enumerate().map(|(i, g)| (g.name.clone(), color(i), false)).collect())
            }
        };
        let legend = El::new("div").attr("class", "legend").children(legend.iter().map(|(name, c, dashed)| {
            let swatch = if *dashed {
                format!("background:repeating-linear-gradient(90deg,{c} 0 3px,transparent 3px 5px)")
            } else {
                format!("background:{c}")
            };
            El::new("span").child(El::new("i").attr("style", swatch)).text(name)
        }));
        El::new("figure")
            .attr("class", "chart")
            .attr("id", id)
            .attr("data-paths", self.data_paths())
            .child(El::new("figcaption").text(self.title()))
            .child(svg)
            .child(legend)
    }
}

/// "Nice" ticks covering [lo, hi]: steps of 1, 2 or 5 times a power of ten.
fn nice_ticks(lo: f64, hi: f64, want: usize) -> Vec<f64> {
    let span = (hi - lo).max(f64::EPSILON);
    let raw = span / want.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step =
        [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * mag).find(|s| span / s <= want as f64).unwrap_or(mag * 10.0);
    let first = (lo / step).floor() * step;
    let mut v = first;
    let mut out = Vec::new();
    while v <= hi + step * 1e-9 && out.len() < 50 {
        out.push(v);
        v += step;
    }
    if out.last().is_some_and(|l| *l < hi) {
        out.push(v);
    }
    out
}

/// The plot area and its mapping from data to pixels.
struct Frame {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Frame {
    fn px_x(&self, x: f64) -> f64 {
        LEFT + (x - self.x0) / (self.x1 - self.x0).max(f64::EPSILON) * (WIDTH - LEFT - RIGHT)
    }
    fn px_y(&self, y: f64) -> f64 {
        HEIGHT - BOTTOM - (y - self.y0) / (self.y1 - self.y0).max(f64::EPSILON) * (HEIGHT - TOP - BOTTOM)
    }
}

fn svg_root(title: &str) -> El {
    El::new("svg")
        .attr("xmlns", "http://www.w3.org/2000/svg")
        .attr("viewBox", format!("0 0 {WIDTH} {HEIGHT}"))
        .attr("role", "img")
        .attr("aria-label", title)
}

/// Horizontal grid lines and y tick labels; the y axis title.
fn y_axis(f: &Frame, ticks: &[f64], axis: &Axis) -> Vec<El> {
    let mut out = Vec::new();
    for &t in ticks {
        let y = f.px_y(t);
        out.push(
            El::new("line").attr("class", "grid").num("x1", LEFT).num("x2", WIDTH - RIGHT).num("y1", y).num("y2", y),
        );
        out.push(
            El::new("text")
                .attr("class", "tick")
                .attr("text-anchor", "end")
                .num("x", LEFT - 6.0)
                .num("y", y + 4.0)
                .text(&axis.unit.tick(t)),
        );
    }
    let mid = (TOP + HEIGHT - BOTTOM) / 2.0;
    out.push(
        El::new("text")
            .attr("class", "axis-title")
            .attr("text-anchor", "middle")
            .attr("transform", format!("translate(14 {mid:.0}) rotate(-90)"))
            .text(&axis.title()),
    );
    out
}

fn x_title(axis: &Axis) -> El {
    El::new("text")
        .attr("class", "axis-title")
        .attr("text-anchor", "middle")
        .num("x", (LEFT + WIDTH - RIGHT) / 2.0)
        .num("y", HEIGHT - 6.0)
        .text(&axis.title())
}

fn empty_note(svg: El) -> El {
    svg.child(
        El::new("text")
            .attr("class", "empty")
            .attr("text-anchor", "middle")
            .num("x", WIDTH / 2.0)
            .num("y", HEIGHT / 2.0)
            .text("nothing to draw: no data in this report"),
    )
}

fn line_svg(c: &LineChart) -> El {
    let svg = svg_root(&c.title);
    let pts = c.series.iter().flat_map(|s| &s.points).filter(|(x, y)| x.is_finite() && y.is_finite());
    let (mut xmin, mut xmax, mut ymax) = (f64::INFINITY, f64::NEG_INFINITY, 0f64);
    for &(x, y) in pts {
        let mx = c.x.scale.map(x);
        xmin = xmin.min(mx);
        xmax = xmax.max(mx);
        ymax = ymax.max(y);
    }
    if !xmin.is_finite() {
        return empty_note(svg);
    }
    if xmax <= xmin {
        xmax = xmin + 1.0;
    }
    let yticks = nice_ticks(0.0, if ymax > 0.0 { ymax } else { 1.0 }, 5);
    let f = Frame { x0: xmin, x1: xmax, y0: 0.0, y1: *yticks.last().unwrap_or(&1.0) };
    let mut svg = svg.children(y_axis(&f, &yticks, &c.y));
    // x ticks: on a tail axis the classic percentiles; else nice values.
    let xticks: Vec<(f64, String)> = match c.x.scale {
        Scale::PercentileTail => {
            [0.0, 0.9, 0.99, 0.999, 0.9999].into_iter().map(|p| (c.x.scale.map(p), c.x.unit.tick(p))).collect()
        }
        Scale::Linear => nice_ticks(xmin, xmax, 6).into_iter().map(|v| (v, c.x.unit.tick(v))).collect(),
    };
    for (x, label) in xticks.into_iter().filter(|(x, _)| *x >= xmin - 1e-9 && *x <= xmax + 1e-9) {
        let px = f.px_x(x);
        svg = svg
            .child(
                El::new("line")
                    .attr("class", "grid v")
                    .num("x1", px)
                    .num("x2", px)
                    .num("y1", TOP)
                    .num("y2", HEIGHT - BOTTOM),
            )
            .child(
                El::new("text")
                    .attr("class", "tick")
                    .attr("text-anchor", "middle")
                    .num("x", px)
                    .num("y", HEIGHT - BOTTOM + 16.0)
                    .text(&label),
            );
    }
    svg = svg.child(x_title(&c.x));
    for (i, s) in c.series.iter().enumerate() {
        let pts: Vec<(f64, f64)> = s.points.iter().copied().filter(|(x, y)| x.is_finite() && y.is_finite()).collect();
        if pts.is_empty() {
            continue;
        }
        let mut d = String::new();
        for (k, &(x, y)) in pts.iter().enumerate() {
            let cmd = if k == 0 { 'M' } else { 'L' };
            d.push_str(&format!("{cmd}{} {} ", super::svg::px(f.px_x(c.x.scale.map(x))), super::svg::px(f.px_y(y))));
        }
        let last = pts[pts.len() - 1];
        let summary = format!(
            "{}: {} points, last {} at {}",
            s.name,
            pts.len(),
            c.y.unit.format(last.1),
            c.x.unit.format(last.0)
        );
        let mut g = El::new("g").attr("class", "series").child(
            El::new("path").attr("class", "line").attr("d", d.trim_end()).attr("stroke", color(i)).tooltip(&summary),
        );
        if pts.len() <= MAX_MARKERS {
            g = g.children(pts.iter().map(|&(x, y)| {
                El::new("circle")
                    .attr("class", if pts.len() == 1 { "pt lone" } else { "pt" })
                    .num("cx", f.px_x(c.x.scale.map(x)))
                    .num("cy", f.px_y(y))
                    .attr("r", 3)
                    .attr("fill", s.color(i))
                    .tooltip(&format!("{} — {}: {}", s.name, c.x.unit.format(x), c.y.unit.format(y)))
            }));
        }
        svg = svg.child(g);
    }
    svg
}

fn bar_svg(c: &BarChart) -> El {
    let svg = svg_root(&c.title);
    let n = c.categories.len();
    if n == 0 || c.groups.is_empty() {
        return empty_note(svg);
    }
    let top = (0..n)
        .map(|k| {
            let vals = c.groups.iter().map(|g| g.values.get(k).copied().unwrap_or(0.0).max(0.0));
            if c.stacked { vals.sum::<f64>() } else { vals.fold(0.0, f64::max) }
        })
        .fold(0.0, f64::max);
    let yticks = nice_ticks(0.0, if top > 0.0 { top } else { 1.0 }, 5);
    let f = Frame { x0: 0.0, x1: n as f64, y0: 0.0, y1: *yticks.last().unwrap_or(&1.0) };
    let mut svg = svg.children(y_axis(&f, &yticks, &c.y));
    let slot = (WIDTH - LEFT - RIGHT) / n as f64;
    let inner = slot * 0.72;
    let per = if c.stacked { 1.0 } else { c.groups.len() as f64 };
    let bar_w = inner / per;
    for (k, cat) in c.categories.iter().enumerate() {
        let x_start = LEFT + slot * k as f64 + (slot - inner) / 2.0;
        let mut base = 0.0;
        for (gi, g) in c.groups.iter().enumerate() {
            let v = g.values.get(k).copied().unwrap_or(0.0).max(0.0);
            if v <= 0.0 {
                continue;
            }
            let (x, y_lo, y_hi) = if c.stacked {
                let r = (x_start, base, base + v);
                base += v;
                r
            } else {
                (x_start + bar_w * gi as f64, 0.0, v)
            };
            let (py_top, py_bot) = (f.px_y(y_hi), f.px_y(y_lo));
            let d = format!(
                "M{} {} h{} v{} h-{} Z",
                super::svg::px(x + 1.0),
                super::svg::px(py_bot),
                super::svg::px(bar_w - 2.0),
                super::svg::px(py_top - py_bot),
                super::svg::px(bar_w - 2.0)
            );
            svg =
                svg.child(El::new("path").attr("class", "bar").attr("d", d).attr("fill", color(gi)).tooltip(&format!(
                    "{cat} — {}: {}",
                    g.name,
                    c.y.unit.format(v)
                )));
        }
        let label: String =
            if cat.chars().count() > 22 { cat.chars().take(21).chain(['…']).collect() } else { cat.clone() };
        svg = svg.child(
            El::new("text")
                .attr("class", "tick")
                .attr("text-anchor", "middle")
                .num("x", LEFT + slot * (k as f64 + 0.5))
                .num("y", HEIGHT - BOTTOM + 16.0)
                .child(El::new("title").text(cat))
                .text(&label),
        );
    }
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_write_values_as_engineers_read_them() {
        assert_eq!(Unit::TxPerSec.format(1530.0), "1.53k tx/s");
        assert_eq!(Unit::GasPerSec.format(3.2e7), "32M gas/s");
        assert_eq!(Unit::Share.format(0.256), "25.6%");
        assert_eq!(Unit::Percentile.format(0.999), "p99.9");
        assert_eq!(Unit::Percentile.format(0.0), "p0");
        assert_eq!(Unit::Millis.format(52.48), "52.5 ms");
    }

    #[test]
    fn ticks_cover_the_range_in_round_steps() {
        assert_eq!(nice_ticks(0.0, 97.0, 5), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        let t = nice_ticks(0.0, 0.0031, 5);
        assert!(t.last().unwrap() >= &0.0031 && t.len() <= 7, "{t:?}");
    }

    #[test]
    fn the_tail_axis_spaces_the_nines_evenly() {
        let s = Scale::PercentileTail;
        let (a, b, c) = (s.map(0.9), s.map(0.99), s.map(0.999));
        assert!(((b - a) - (c - b)).abs() < 1e-9);
        assert!((s.map(1.0) - 4.0).abs() < 1e-9, "clamped to p99.99");
    }

    #[test]
    fn a_chart_draws_a_path_per_series_and_per_bar() {
        let line = Chart::Line(LineChart {
            title: "t".into(),
            x: Axis::linear("time", Unit::Seconds),
            y: Axis::linear("rate", Unit::TxPerSec),
            series: vec![Series::new("a", vec![(0.0, 1.0), (1.0, 2.0)]), Series::new("b", vec![(0.0, 3.0)])],
        });
        let svg = line.render("c").render();
        assert_eq!(svg.matches("<path").count(), 2);
        assert_eq!(line.data_paths(), 2);
        let bar = Chart::Bar(BarChart {
            title: "b".into(),
            y: Axis::linear("gas", Unit::Gas),
            categories: vec!["x".into(), "y".into()],
            groups: vec![BarGroup { name: "p50".into(), values: vec![1.0, 0.0] }],
            stacked: false,
        });
        assert_eq!(bar.render("d").render().matches("<path").count(), 1);
    }
}
