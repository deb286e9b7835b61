//! Finds the line and column of a field path (`load.stages[1].rate`) in block-style YAML
//! text, so that errors found after parsing still point at the source.

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Parses `a.b[2].c` into segments.
pub fn parse_path(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                out.push(Seg::Key(rest[..i].to_string()));
            }
            rest = &rest[i..];
            while let Some(end) = rest.find(']') {
                if let Ok(n) = rest[1..end].parse() {
                    out.push(Seg::Index(n));
                }
                rest = &rest[end + 1..];
            }
        } else {
            out.push(Seg::Key(rest.to_string()));
        }
    }
    out
}

#[derive(Debug)]
struct Entry<'a> {
    line: usize,
    indent: usize,
    dash: bool,
    text: &'a str,
}

/// Splits the text into entries: a `- key: v` line gives a dash entry and a key entry
/// two columns deeper, on the same line.
fn entries(text: &str) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let body = raw.trim_start();
        if body.is_empty() || body.starts_with('#') || body == "---" {
            continue;
        }
        let mut indent = raw.len() - body.len();
        let mut body = body;
        while let Some(rest) = body.strip_prefix("- ").or_else(|| (body == "-").then_some("")) {
            out.push(Entry { line: n + 1, indent, dash: true, text: "" });
            let trimmed = rest.trim_start();
            indent += 2 + (rest.len() - trimmed.len());
            body = trimmed;
            if body.is_empty() {
                break;
            }
        }
        if !body.is_empty() {
            out.push(Entry { line: n + 1, indent, dash: false, text: body });
        }
    }
    out
}

fn key_of(text: &str) -> Option<&str> {
    let (key, _) = text.split_once(':')?;
    Some(key.trim().trim_matches(|c| c == '"' || c == '\''))
}

/// The 1-based (line, column) of the deepest part of `path` that exists in `text`: of
/// its inline value when `at_value` and there is one, else of its key. The empty path is
/// the document's first line.
pub fn locate(text: &str, path: &[Seg], at_value: bool) -> Option<(usize, usize)> {
    let all = entries(text);
    if path.is_empty() {
        return all.first().map(|e| (e.line, e.indent + 1));
    }
    let (mut lo, mut hi) = (0, all.len());
    let mut found = None;
    for seg in path {
        let Some(base) = all[lo..hi].first().map(|e| e.indent) else { break };
        let at_base = |e: &&Entry<'_>| e.indent == base;
        let hit = match seg {
            Seg::Key(k) => {
                (lo..hi).find(|&i| at_base(&&all[i]) && !all[i].dash && key_of(all[i].text) == Some(k.as_str()))
            }
            Seg::Index(n) => (lo..hi).filter(|&i| at_base(&&all[i]) && all[i].dash).nth(*n),
        };
        let Some(i) = hit else { break };
        let e = &all[i];
        found = Some((e.line, e.indent + 1));
        // The node's children: following entries deeper than this one (for a dash, its
        // item's entries start right after it on the same line).
        let end = (i + 1..hi).find(|&j| all[j].indent <= e.indent).unwrap_or(hi);
        if let (Seg::Key(_), true) = (seg, at_value) {
            // An inline value (`rate: 5`) has no children; keep the key's position.
            if let Some((k, v)) = e.text.split_once(':')
                && !v.trim().is_empty()
            {
                let vcol = k.len() + 1 + (v.len() - v.trim_start().len());
                found = Some((e.line, e.indent + 1 + vcol));
            }
        }
        lo = i + 1;
        hi = end;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const Y: &str = "name: x\nload:\n  open:\n    stages:\n      - rate: 10\n        duration: 1s\n      - rate: -5\n        duration: 2s\nworkloads:\n  - kind: transfer\n    recipients: zipf(2)\n";

    #[test]
    fn finds_nested_keys_and_list_items() {
        assert_eq!(locate(Y, &parse_path("name"), true), Some((1, 7)));
        assert_eq!(locate(Y, &parse_path("load.open.stages[1].rate"), true), Some((7, 15)));
        assert_eq!(locate(Y, &parse_path("load.open.stages[1].duration"), true), Some((8, 19)));
        assert_eq!(locate(Y, &parse_path("workloads[0].recipients"), true), Some((11, 17)));
        assert_eq!(locate(Y, &parse_path("workloads[0]"), true), Some((10, 3)));
    }

    #[test]
    fn falls_back_to_the_deepest_existing_parent() {
        assert_eq!(locate(Y, &parse_path("load.open.rate"), true), Some((3, 3)));
        assert_eq!(locate(Y, &parse_path("nothing"), true), None);
        assert_eq!(locate(Y, &parse_path("load.open.stages[1].rate"), false), Some((7, 9)));
        assert_eq!(locate(Y, &[], true), Some((1, 1)));
    }
}
