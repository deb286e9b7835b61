//! Scenario errors: what was wrong, where (file:line:column, field path), what to do.

use core::fmt;

/// One problem found in a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: String,
    /// 1-based line and column, when the field could be located.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Field path such as `load.open.rate` or `workloads[1].recipients`.
    pub path: String,
    pub message: String,
    pub hint: Option<String>,
    /// The offending source line, shown under the message.
    pub snippet: Option<String>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        f.write_str(": ")?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)?;
        if let (Some(snippet), Some(line)) = (&self.snippet, self.line) {
            let gutter = line.to_string();
            write!(f, "\n  {gutter} | {snippet}")?;
            if let Some(col) = self.column {
                write!(f, "\n  {} | {}^", " ".repeat(gutter.len()), " ".repeat(col.saturating_sub(1)))?;
            }
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Every problem found in one scenario (validation reports them all at once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "error: {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioErrors {}

impl ScenarioError {
    /// A YAML syntax or shape error from serde_yaml, located in `text` when it can be.
    pub(crate) fn from_yaml(file: &str, text: &str, e: &serde_yaml::Error, message: String, hint: &str) -> Self {
        let loc = e.location();
        Self {
            file: file.to_string(),
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            path: String::new(),
            message,
            hint: Some(hint.to_string()),
            snippet: loc.and_then(|l| text.lines().nth(l.line().saturating_sub(1)).map(str::to_string)),
        }
    }
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("rat", ["rate", "stages"]), Some("rate"));
        assert_eq!(did_you_mean("in_fligt", ["in_flight", "count"]), Some("in_flight"));
        assert_eq!(did_you_mean("zzzzzz", ["rate", "stages"]), None);
    }
}
