//! Reading a scenario: YAML text -> `--set` overrides -> typed `Scenario` -> validation.
//! Every failure comes back located in the file.

use std::path::Path;

use serde_yaml::Value;

use super::{
    Limits, Scenario, ScenarioError, ScenarioErrors,
    error::did_you_mean,
    locate::{Seg, locate, parse_path},
    validate::validate,
};

/// A `--set path=value` override from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub path: String,
    pub value: String,
}

impl core::str::FromStr for Override {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (path, value) = s
            .split_once('=')
            .ok_or_else(|| format!("`{s}`: write --set PATH=VALUE, e.g. --set load.open.rate=5000"))?;
        if path.trim().is_empty() {
            return Err(format!("`{s}`: the path before `=` is empty"));
        }
        Ok(Self { path: path.trim().to_string(), value: value.to_string() })
    }
}

/// Reads, overrides, parses and validates the scenario at `path`.
pub fn load_file(path: &Path, overrides: &[Override], limits: &Limits) -> Result<Scenario, ScenarioErrors> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        ScenarioErrors(vec![ScenarioError {
            file: file.clone(),
            line: None,
            column: None,
            path: String::new(),
            message: format!("cannot read the scenario: {e}"),
            hint: Some("check the path; ready scenarios are in scenarios/".into()),
            snippet: None,
        }])
    })?;
    load_str(&file, &text, overrides, limits)
}

/// As [`load_file`], from text already read; `file` names it in errors.
pub fn load_str(file: &str, text: &str, overrides: &[Override], limits: &Limits) -> Result<Scenario, ScenarioErrors> {
    let at = |path: &str, message: String, hint: Option<String>, extra: Option<&str>| {
        located(file, text, overrides, path, extra, message, hint)
    };
    let mut value: Value = serde_yaml::from_str(text).map_err(|e| {
        let message = format!("not valid YAML: {e}");
        ScenarioErrors(vec![ScenarioError::from_yaml(
            file,
            text,
            &e,
            message,
            "check indentation and quoting near that line",
        )])
    })?;
    for o in overrides {
        apply_override(&mut value, o).map_err(|m| {
            ScenarioErrors(vec![at(&o.path, m, Some("--set takes PATH=VALUE, e.g. load.open.rate=5000".into()), None)])
        })?;
    }
    first_target_as_target(&mut value);
    let scenario: Scenario = serde_path_to_error::deserialize(value.clone()).map_err(|e| {
        let path = match e.path().to_string() {
            p if p == "." => String::new(),
            p => p,
        };
        let (path, message) = refine_tagged(&value, &path).unwrap_or_else(|| (path, e.inner().to_string()));
        let (hint, mut extra) = unknown_workload_kind(&value, &path).unwrap_or_else(|| hint_for(&message));
        // An unknown `kind` of a tagged section: point at the `kind:` line.
        let tagged_section = path == "target" || (path.starts_with("workloads[") && path.ends_with(']'));
        if extra.as_deref() == Some("kind") && !tagged_section {
            extra = None;
        }
        ScenarioErrors(vec![at(&path, message, hint, extra.as_deref())])
    })?;
    let problems = validate(&scenario, limits);
    if problems.is_empty() {
        // Every cell of a sweep is read and validated now, before anything runs.
        super::sweep::cells(&scenario, limits)
            .map_err(|p| ScenarioErrors(vec![sweep_error(file, text, &scenario, p)]))?;
        Ok(scenario)
    } else {
        Err(ScenarioErrors(problems.into_iter().map(|p| at(&p.path, p.message, p.hint, None)).collect()))
    }
}

/// A sweep problem, located at its entry of `sweep:` (or at `sweep:` itself).
fn sweep_error(file: &str, text: &str, s: &Scenario, p: super::sweep::SweepProblem) -> ScenarioError {
    let mut segs = vec![Seg::Key("sweep".into())];
    if let Some((k, _)) = p.axis.and_then(|i| s.sweep.iter().nth(i)) {
        segs.push(Seg::Key(k.as_str().unwrap_or_default().to_string()));
    }
    let loc = locate(text, &segs, false);
    ScenarioError {
        file: file.to_string(),
        line: loc.map(|(l, _)| l),
        column: loc.map(|(_, c)| c),
        path: p.path,
        message: p.message,
        hint: p.hint,
        snippet: loc.and_then(|(l, _)| text.lines().nth(l - 1)).map(str::to_string),
    }
}

/// With `targets:` and no `target:`, the first of the list is the scenario's `target`
/// (what a single run, `validate` and the metrics' labels read).
fn first_target_as_target(root: &mut Value) {
    let Value::Mapping(m) = root else { return };
    if m.contains_key("target") {
        return;
    }
    if let Some(first) = m.get("targets").and_then(Value::as_sequence).and_then(|s| s.first()).cloned() {
        m.insert(Value::from("target"), first);
    }
}

/// A hint for a serde message, and the child key the message is about (to locate it).
pub(super) fn hint_for(message: &str) -> (Option<String>, Option<String>) {
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    if message.starts_with("unknown field") {
        let field = quoted.first().copied().unwrap_or_default();
        let expected = &quoted[1.min(quoted.len())..];
        let hint = match did_you_mean(field, expected.iter().copied()) {
            Some(m) => format!("did you mean `{m}`?"),
            None if expected.is_empty() => "remove it".to_string(),
            None => format!("remove it; the fields here are {}", expected.join(", ")),
        };
        return (Some(hint), Some(field.to_string()));
    }
    if message.starts_with("unknown variant") {
        let word = quoted.first().copied().unwrap_or_default();
        let expected = &quoted[1.min(quoted.len())..];
        let hint = match did_you_mean(word, expected.iter().copied()) {
            Some(m) => format!("did you mean `{m}`?"),
            None => format!("choose one of: {}", expected.join(", ")),
        };
        return (Some(hint), Some("kind".to_string()));
    }
    if message.starts_with("missing field") {
        let field = quoted.first().copied().unwrap_or_default();
        return (Some(format!("add `{field}:`; see docs/scenario.md for every field")), None);
    }
    if message.starts_with("invalid type") {
        return (Some("see docs/scenario.md for the type each field takes".into()), None);
    }
    (None, None)
}

/// serde cannot see inside `kind`-tagged sections (`target`, `workloads[i]`): it
/// reports their errors at the section. Deserializing the section's variant on its own
/// recovers the field path.
fn refine_tagged(root: &Value, path: &str) -> Option<(String, String)> {
    fn inner<T: serde::de::DeserializeOwned>(v: Value) -> Option<(String, String)> {
        serde_path_to_error::deserialize::<_, T>(v).err().map(|e| (e.path().to_string(), e.inner().to_string()))
    }
    let segs = parse_path(path);
    let mut section = root;
    for seg in &segs {
        section = match seg {
            Seg::Key(k) => section.get(k.as_str())?,
            Seg::Index(i) => section.get(*i)?,
        };
    }
    let mut fields = section.as_mapping()?.clone();
    let kind = fields.remove("kind")?.as_str()?.to_string();
    let fields = Value::Mapping(fields);
    let (sub, message) = match (segs.first()?, kind.as_str()) {
        (Seg::Key(k), "embedded") if k == "target" => inner::<super::EmbeddedSpec>(fields)?,
        (Seg::Key(k), "rollup") if k == "target" => inner::<super::RollupSpec>(fields)?,
        (Seg::Key(k), kind) if k == "workloads" => workload_fields(kind, fields)?,
        _ => return None,
    };
    let sub = if sub == "." { String::new() } else { format!(".{sub}") };
    Some((format!("{path}{sub}"), message))
}

/// The field path and message of an error inside a workload entry of kind `kind`: its
/// fields deserialized alone as the settings type the catalog gives that kind.
fn workload_fields(kind: &str, fields: Value) -> Option<(String, String)> {
    struct FieldError(Value);
    impl workloads::SpecVisitor for FieldError {
        type Output = Option<(String, String)>;
        fn visit<S: serde::de::DeserializeOwned>(self) -> Self::Output {
            serde_path_to_error::deserialize::<_, S>(self.0)
                .err()
                .map(|e| (e.path().to_string(), e.inner().to_string()))
        }
    }
    workloads::visit_spec(kind, FieldError(fields)).flatten()
}

/// For a workload entry whose `kind` is not in the catalog: a hint naming the nearest kind
/// (or every kind) of the catalog, and the key to point at.
fn unknown_workload_kind(root: &Value, path: &str) -> Option<(Option<String>, Option<String>)> {
    let segs = parse_path(path);
    let [Seg::Key(section), Seg::Index(i), Seg::Key(key)] = segs.as_slice() else { return None };
    let kind = root.get(section.as_str())?.get(*i)?.get("kind")?.as_str()?;
    let names = || workloads::CATALOG.iter().map(|w| w.name);
    if section != "workloads" || key != "kind" || names().any(|n| n == kind) {
        return None;
    }
    let hint = match did_you_mean(kind, names()) {
        Some(m) => format!("did you mean `{m}`?"),
        None => {
            format!("choose one of: {} (`gasbench workloads` describes each)", names().collect::<Vec<_>>().join(", "))
        }
    };
    Some((Some(hint), Some("kind".to_string())))
}

fn located(
    file: &str,
    text: &str,
    overrides: &[Override],
    path: &str,
    extra: Option<&str>,
    message: String,
    hint: Option<String>,
) -> ScenarioError {
    let mut segs = parse_path(path);
    // The message's own key (an unknown field) is where to point, unless the path
    // already ends with it.
    let at_key = message.starts_with("unknown field");
    if let Some(extra) = extra
        && segs.last() != Some(&Seg::Key(extra.to_string()))
    {
        segs.push(Seg::Key(extra.to_string()));
    }
    let full = render(&segs);
    let overridden = overrides.iter().find(|o| full == o.path || full.starts_with(&format!("{}.", o.path)));
    let (line, column) = match overridden {
        Some(_) => (None, None),
        None => locate(text, &segs, !at_key).map_or((None, None), |(l, c)| (Some(l), Some(c))),
    };
    let message = match overridden {
        Some(o) => format!("{message} (set on the command line: --set {}={})", o.path, o.value),
        None => message,
    };
    ScenarioError {
        file: file.to_string(),
        line,
        column,
        path: full,
        message,
        hint,
        snippet: line.and_then(|l| text.lines().nth(l - 1)).map(str::to_string),
    }
}

fn render(segs: &[Seg]) -> String {
    let mut s = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn apply_override(root: &mut Value, o: &Override) -> Result<(), String> {
    let new: Value =
        serde_yaml::from_str(&o.value).map_err(|e| format!("the value `{}` is not valid YAML: {e}", o.value))?;
    set_value(root, &o.path, new)
}

/// Sets the field at `path` (the `--set` syntax) to `new`, making the mappings on the way.
pub(super) fn set_value(root: &mut Value, path: &str, new: Value) -> Result<(), String> {
    let segs = parse_path(path);
    let mut cur = root;
    for seg in &segs {
        cur = match seg {
            Seg::Key(k) => {
                if cur.is_null() {
                    *cur = Value::Mapping(Default::default());
                }
                let map =
                    cur.as_mapping_mut().ok_or_else(|| format!("cannot set `{k}`: its parent is not a mapping"))?;
                map.entry(Value::String(k.clone())).or_insert(Value::Null)
            }
            Seg::Index(i) => {
                let seq = cur.as_sequence_mut().ok_or_else(|| format!("cannot index [{i}]: not a list"))?;
                let len = seq.len();
                seq.get_mut(*i).ok_or_else(|| format!("index [{i}] is out of range (the list has {len} items)"))?
            }
        };
    }
    *cur = new;
    Ok(())
}
