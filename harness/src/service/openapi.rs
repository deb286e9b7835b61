//! The OpenAPI 3 document of the API, served at `/openapi.json`. Written by hand from
//! one table (`OPERATIONS`); a test sends every documented operation to the router and
//! every other method on each path, so the document and the routes cannot drift apart.

use serde_json::{Value, json};

/// One documented operation: method, path, id, summary, success status, and whether it
/// takes the run id and needs the token (mutating).
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub id: &'static str,
    pub summary: &'static str,
    pub ok: u16,
    pub mutating: bool,
}

const fn op(method: &'static str, path: &'static str, id: &'static str, summary: &'static str, ok: u16) -> Operation {
    let mutating = matches!(method.as_bytes(), b"post" | b"delete");
    Operation { method, path, id, summary, ok, mutating }
}

/// Every operation the router serves.
pub const OPERATIONS: [Operation; 10] = [
    op("post", "/v1/runs", "submitRun", "Queue a run of a scenario (YAML body, or JSON with set and labels)", 201),
    op("get", "/v1/runs", "listRuns", "List stored runs, newest first, filtered and paginated by cursor", 200),
    op("get", "/v1/runs/{id}", "getRun", "A run's status, queue position, live progress and summary", 200),
    op("delete", "/v1/runs/{id}", "deleteRun", "Delete a finished run and its report", 204),
    op(
        "get",
        "/v1/runs/{id}/report",
        "getReport",
        "The run's full report: JSON by default, the HTML page when Accept prefers text/html",
        200,
    ),
    op(
        "post",
        "/v1/runs/{id}/cancel",
        "cancelRun",
        "Cancel a queued or running run (its partial report is stored)",
        202,
    ),
    op("get", "/v1/runs/{id}/events", "followRun", "Server-sent events: progress each second, then end", 200),
    op("get", "/healthz", "health", "Liveness", 200),
    op("get", "/readyz", "ready", "Readiness: the run store answers", 200),
    op("get", "/openapi.json", "openapi", "This document", 200),
];

/// Error answers each kind of operation may give, with why.
fn errors(o: &Operation) -> Vec<(u16, &'static str)> {
    let mut e = Vec::new();
    if o.mutating {
        e.push((401, "A bearer token is required or wrong"));
    }
    if o.path.contains("{id}") {
        e.push((404, "No run with this id"));
    }
    match o.id {
        "submitRun" => e.extend([
            (400, "Bad overrides, labels or JSON shape"),
            (413, "The body is over --max-body-bytes"),
            (415, "Content type is neither YAML nor JSON"),
            (422, "The scenario is invalid: located errors as `gasbench validate` prints them"),
            (429, "The queue is full"),
            (503, "Shutting down"),
        ]),
        "listRuns" => e.push((400, "A bad filter")),
        "cancelRun" | "deleteRun" => e.push((409, "The run is in the wrong state for this")),
        "getReport" => e.extend([
            (406, "Accept allows neither application/json nor text/html (or HTML of a report of another version)"),
            (409, "The run has not ended yet"),
        ]),
        "ready" => e.push((503, "The store does not answer")),
        _ => {}
    }
    e
}

fn parameters(o: &Operation) -> Vec<Value> {
    let mut p = Vec::new();
    if o.path.contains("{id}") {
        p.push(json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}));
    }
    let query = |name: &str, desc: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": "string"}, "description": desc});
    match o.id {
        "listRuns" => p.extend([
            query("scenario", "Scenario name"),
            query("target", "Target kind (embedded, rpc, ...)"),
            query("status", "queued, running, passed, failed, cancelled, interrupted, error"),
            query("label", "KEY=VALUE; repeat for several"),
            query("since_ms", "Created at or after (unix ms)"),
            query("until_ms", "Created before (unix ms)"),
            query("limit", "Page size (default 50, at most 1000)"),
            query("cursor", "next_cursor of the previous page"),
        ]),
        "submitRun" => p.extend([
            query("set", "PATH=VALUE override, as --set (YAML bodies); repeat for several"),
            query("label", "KEY=VALUE label, e.g. commit=abc123 (YAML bodies); repeat for several"),
        ]),
        _ => {}
    }
    p
}

/// The document.
pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for o in &OPERATIONS {
        let mut responses = serde_json::Map::new();
        let ok_content = match o.id {
            "followRun" => json!({"text/event-stream": {"schema": {"type": "string"}}}),
            "getReport" => json!({
                "application/json": {"schema": {"type": "object"}},
                "text/html": {"schema": {"type": "string"}},
            }),
            _ if o.ok == 204 => json!({}),
            _ => json!({"application/json": {"schema": {"type": "object"}}}),
        };
        responses.insert(o.ok.to_string(), json!({"description": "Success", "content": ok_content}));
        for (code, why) in errors(o) {
            responses.insert(
                code.to_string(),
                json!({"description": why, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
            );
        }
        let mut operation = json!({
            "operationId": o.id, "summary": o.summary,
            "parameters": parameters(o), "responses": responses,
        });
        if o.mutating {
            operation["security"] = json!([{"bearer": []}]);
        }
        if o.id == "submitRun" {
            operation["requestBody"] = json!({"required": true, "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object", "required": ["scenario"], "properties": {
                    "scenario": {"description": "The scenario as an object, or its YAML text as a string"},
                    "set": {"type": "array", "items": {"type": "string"}},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                }}},
            }});
        }
        paths
            .entry(o.path)
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("path items are objects")
            .insert(o.method.into(), operation);
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "gasbench", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Start, follow, cancel and find gasbench runs. See docs/service.md."},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["error", "message"], "properties": {
                "error": {"type": "string"}, "message": {"type": "string"},
                "errors": {"type": "array", "description": "Located scenario errors (422)", "items": {"type": "object"}},
            }}},
        },
    })
}
