//! The verdict as JUnit XML: one testcase per gate, failures carry expected and measured.

use super::{evaluate::GateReport, terminal::mismatch_warning};

/// Escapes text for XML attributes and content; drops characters XML 1.0 cannot hold.
/// The HTML report escapes with it too.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Renders the judged gates as a JUnit XML document.
pub fn render(r: &GateReport) -> String {
    let suite = esc(&format!("gasbench gates: {}", r.scenario));
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"gasbench\" tests=\"{}\" failures=\"{}\">\n  <testsuite name=\"{suite}\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n",
        r.results.len(),
        r.failed,
        r.results.len(),
        r.failed
    ));
    let warning = mismatch_warning(r);
    if !warning.is_empty() {
        out.push_str(&format!("    <system-out>{}</system-out>\n", esc(warning.trim())));
    }
    for g in &r.results {
        out.push_str(&format!("    <testcase classname=\"gasbench.gates\" name=\"{}\"", esc(&g.gate)));
        if g.verdict.passed() {
            out.push_str("/>\n");
            continue;
        }
        let message = format!("{}: expected {}, measured {}", g.verdict.label(), g.expected, g.measured);
        out.push_str(&format!(
            ">\n      <failure type=\"{}\" message=\"{}\">figure: {}\nexpected: {}\nmeasured: {}</failure>\n    </testcase>\n",
            g.verdict.label().to_lowercase(),
            esc(&message),
            esc(&g.figure),
            esc(&g.expected),
            esc(&g.measured)
        ));
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(esc("a < b && c > \"d\" 'e'\u{1}"), "a &lt; b &amp;&amp; c &gt; &quot;d&quot; &apos;e&apos;");
    }
}
