//! A minimal SVG/HTML element writer: every tag, attribute and text of the HTML report
//! goes through it, so escaping lives in one place.

use core::fmt::Write as _;

/// Escapes text for HTML/SVG content and attribute values (as for XML: SVG is XML).
pub fn escape(s: &str) -> String {
    crate::report::gate::junit::esc(s)
}

/// An element under construction: `El::new("rect").attr("x", 1).child(...)`.
#[derive(Debug, Clone)]
pub struct El {
    tag: &'static str,
    attrs: Vec<(&'static str, String)>,
    body: String,
}

impl El {
    pub fn new(tag: &'static str) -> Self {
        Self { tag, attrs: Vec::new(), body: String::new() }
    }

    pub fn attr(mut self, name: &'static str, value: impl core::fmt::Display) -> Self {
        self.attrs.push((name, value.to_string()));
        self
    }

    /// A numeric attribute, rounded to 0.1 (a pixel tenth is enough, and files stay small).
    pub fn num(self, name: &'static str, v: f64) -> Self {
        self.attr(name, px(v))
    }

    pub fn text(mut self, t: &str) -> Self {
        self.body.push_str(&escape(t));
        self
    }

    #[allow(clippy::needless_pass_by_value)] // builder style: `.child(El::new(..))`
    pub fn child(mut self, c: El) -> Self {
        c.write_to(&mut self.body);
        self
    }

    pub fn children(mut self, cs: impl IntoIterator<Item = El>) -> Self {
        for c in cs {
            c.write_to(&mut self.body);
        }
        self
    }

    /// Markup already built by this module (another element's output).
    pub fn raw(mut self, markup: &str) -> Self {
        self.body.push_str(markup);
        self
    }

    /// A hover tooltip (SVG `<title>`, or the HTML `title` attribute's SVG twin).
    pub fn tooltip(self, t: &str) -> Self {
        self.child(El::new("title").text(t))
    }

    pub fn write_to(&self, out: &mut String) {
        let _ = write!(out, "<{}", self.tag);
        for (k, v) in &self.attrs {
            let _ = write!(out, " {k}=\"{}\"", escape(v));
        }
        if self.body.is_empty() && is_void(self.tag) {
            out.push_str("/>");
        } else {
            let _ = write!(out, ">{}</{}>", self.body, self.tag);
        }
    }

    pub fn render(&self) -> String {
        let mut s = String::new();
        self.write_to(&mut s);
        s
    }
}

/// Tags written self-closed when empty (SVG shapes; HTML void elements).
fn is_void(tag: &str) -> bool {
    matches!(tag, "line" | "circle" | "rect" | "path" | "meta" | "br" | "stop")
}

/// A coordinate with at most one decimal.
pub fn px(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 { format!("{r:.0}") } else { format!("{r:.1}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        let e = El::new("text").attr("data-x", "a\"<b").text("1 < 2 & 3");
        assert_eq!(e.render(), "<text data-x=\"a&quot;&lt;b\">1 &lt; 2 &amp; 3</text>");
        assert_eq!(El::new("path").attr("d", "M0 0").render(), "<path d=\"M0 0\"/>");
        assert_eq!(px(1.04), "1");
        assert_eq!(px(1.06), "1.1");
    }
}
