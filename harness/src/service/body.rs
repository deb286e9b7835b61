//! What `POST /v1/runs` carries: the scenario as YAML (`application/yaml`, overrides and
//! labels in the query: `?set=load.open.rate=500&label=commit=abc`), or JSON
//! (`{"scenario": {...} or "yaml text", "set": [...], "labels": {...}}`). Either way the
//! scenario goes through the same parser as `gasbench validate`, so a bad one gets the
//! same located errors.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, header};
use serde::Deserialize;

use super::error::ApiError;
use crate::scenario::{self, Limits, Override, Scenario};

/// The name errors give the posted scenario (`scenario:LINE:COLUMN: ...`).
pub const SCENARIO_FILE: &str = "scenario";
/// At most this many labels per run.
const MAX_LABELS: usize = 32;

/// A parsed submission.
#[derive(Debug)]
pub struct Submission {
    pub scenario: Scenario,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonBody {
    scenario: Box<serde_json::value::RawValue>,
    #[serde(default)]
    set: Vec<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

/// Parses a submission from its content type, query and body.
pub fn parse(headers: &HeaderMap, query: Option<&str>, body: &[u8], limits: &Limits) -> Result<Submission, ApiError> {
    let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = kind.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let pairs = query_pairs(query);
    let (text, sets, labels) = match mime.as_str() {
        "application/yaml" | "application/x-yaml" | "text/yaml" | "text/x-yaml" => {
            let text = std::str::from_utf8(body)
                .map_err(|_| ApiError::BadRequest("the body is not UTF-8 text".into()))?
                .to_string();
            let sets = pairs.iter().filter(|(k, _)| k == "set").map(|(_, v)| v.clone()).collect();
            let labels = pairs
                .iter()
                .filter(|(k, _)| k == "label")
                .map(|(_, v)| {
                    v.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())).ok_or_else(|| {
                        ApiError::BadRequest(format!("label `{v}`: write label=KEY=VALUE, e.g. label=commit=abc123"))
                    })
                })
                .collect::<Result<BTreeMap<_, _>, _>>()?;
            (text, sets, labels)
        }
        "application/json" => {
            let b: JsonBody = serde_json::from_slice(body).map_err(|e| {
                ApiError::BadRequest(format!(
                    "the JSON body is not {{\"scenario\": ..., \"set\": [...], \"labels\": {{...}}}}: {e}"
                ))
            })?;
            // A JSON string holds YAML text; anything else is the scenario as JSON (which is
            // YAML too, so errors point into it).
            let text = match serde_json::from_str::<String>(b.scenario.get()) {
                Ok(yaml) => yaml,
                Err(_) => b.scenario.get().to_string(),
            };
            (text, b.set, b.labels)
        }
        "" => return Err(ApiError::UnsupportedMediaType("(none)".into())),
        other => return Err(ApiError::UnsupportedMediaType(other.into())),
    };
    check_labels(&labels)?;
    let overrides = sets
        .iter()
        .map(|s| s.parse::<Override>().map_err(|e| ApiError::BadRequest(format!("set: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let scenario = scenario::load_str(SCENARIO_FILE, &text, &overrides, limits).map_err(ApiError::InvalidScenario)?;
    if !scenario.sweep.is_empty() {
        return Err(ApiError::BadRequest(
            "`sweep:` runs a scenario per cell, and the service runs one scenario per submission: submit each cell (with `set`), or run the sweep with `gasbench run`".into(),
        ));
    }
    if scenario.targets.len() > 1 {
        return Err(ApiError::BadRequest(format!(
            "`targets:` lists {} targets, and the service runs one target per submission: submit one run per \
             target (with `set: [\"target=...\"]`) and compare their reports with `gasbench compare`, or run the \
             comparison with `gasbench run`",
            scenario.targets.len()
        )));
    }
    Ok(Submission { scenario, labels })
}

/// Decoded `key=value` pairs of a query string, in order (keys may repeat).
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn check_labels(labels: &BTreeMap<String, String>) -> Result<(), ApiError> {
    if labels.len() > MAX_LABELS {
        return Err(ApiError::BadRequest(format!("{} labels: at most {MAX_LABELS} per run", labels.len())));
    }
    for (k, v) in labels {
        let key_ok = !k.is_empty()
            && k.len() <= 64
            && k.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'));
        if !key_ok {
            return Err(ApiError::BadRequest(format!(
                "label key `{k}`: use 1-64 characters of letters, digits, `_`, `-`, `.`, `/`"
            )));
        }
        if v.len() > 256 {
            return Err(ApiError::BadRequest(format!("label `{k}`: the value is longer than 256 bytes")));
        }
    }
    Ok(())
}
