//! The routes and their handlers. Every answer is JSON (errors through `ApiError`), but
//! the report, which is HTML too when the client's `Accept` prefers it.

use std::sync::Arc;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, RawQuery, State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Serialize;
use serde_json::json;

use crate::report::gate::parse_report;

use super::{
    ApiError, Service,
    accept::{ReportForm, report_form},
    body,
    live::{End, LiveEntry, View},
    now_ms, openapi,
    queue::Cancelled,
    sse,
    store::{Cursor, ListFilter, NewRun, RunRow, Status},
};

/// Every route (the OpenAPI document lists the same, checked by a test).
pub fn router() -> Router<Arc<Service>> {
    Router::new()
        .route("/v1/runs", post(submit).get(list))
        .route("/v1/runs/{id}", get(show).delete(remove))
        .route("/v1/runs/{id}/report", get(report))
        .route("/v1/runs/{id}/cancel", post(cancel))
        .route("/v1/runs/{id}/events", get(events))
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/readyz", get(ready))
        .route("/openapi.json", get(|| async { Json(openapi::document()) }))
}

/// A run as the API shows it: what is stored, and while it is live, its progress.
#[derive(Debug, Serialize)]
struct RunView {
    #[serde(flatten)]
    row: RunRow,
    url: String,
    events_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    report_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    live: Option<View>,
}

impl RunView {
    fn new(mut row: RunRow, live: Option<View>) -> Self {
        if let Some(v) = &live {
            // The live state is newer than the store's (written a moment later).
            row.status = v.status;
        }
        let url = format!("/v1/runs/{}", row.id);
        let has_report = row.summary.is_some()
            || live.as_ref().is_some_and(|v| v.end.as_ref().is_some_and(|e| e.report_url.is_some()));
        Self {
            events_url: format!("{url}/events"),
            report_url: has_report.then(|| format!("{url}/report")),
            url,
            row,
            live,
        }
    }
}

async fn submit(
    State(svc): State<Arc<Service>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge { limit_bytes: svc.config.max_body_bytes },
        _ => ApiError::BadRequest(format!("cannot read the body: {e}")),
    })?;
    let sub = body::parse(&headers, query.as_deref(), &body, &svc.config.limits)?;
    svc.admit()?;
    let created_ms = now_ms();
    let id = format!("{created_ms:012x}{:08x}", rand::random::<u32>());
    let new = NewRun {
        id: id.clone(),
        created_ms,
        scenario: sub.scenario.name.clone(),
        target: sub.scenario.target.kind().to_string(),
        labels: sub.labels,
    };
    svc.store.insert(&new).await?;
    let entry = LiveEntry::new(id.clone(), 0);
    let position = svc.enqueue(entry, sub.scenario);
    tracing::info!(run_id = %id, scenario = %new.scenario, position, "run queued");
    let url = format!("/v1/runs/{id}");
    let body = json!({
        "id": id, "url": url, "events_url": format!("{url}/events"),
        "status": Status::Queued, "queue_position": position,
    });
    Ok((StatusCode::CREATED, [(header::LOCATION, url)], Json(body)).into_response())
}

async fn list(State(svc): State<Arc<Service>>, RawQuery(query): RawQuery) -> Result<Json<serde_json::Value>, ApiError> {
    let mut f = ListFilter { limit: 50, ..ListFilter::default() };
    let int = |k: &str, v: &str| {
        v.parse::<i64>().map_err(|_| ApiError::BadRequest(format!("{k}={v:?}: give a whole number")))
    };
    for (k, v) in body::query_pairs(query.as_deref()) {
        match k.as_str() {
            "scenario" => f.scenario = Some(v),
            "target" => f.target = Some(v),
            "status" => {
                f.status = Some(Status::parse(&v).ok_or_else(|| {
                    let all: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
                    ApiError::BadRequest(format!("status={v:?}: one of {}", all.join(", ")))
                })?);
            }
            "label" => {
                let (lk, lv) = v
                    .split_once('=')
                    .ok_or_else(|| ApiError::BadRequest(format!("label={v:?}: write label=KEY=VALUE")))?;
                f.labels.push((lk.into(), lv.into()));
            }
            "since_ms" => f.since_ms = Some(int(&k, &v)?),
            "until_ms" => f.until_ms = Some(int(&k, &v)?),
            "limit" => f.limit = int(&k, &v)?.clamp(1, 1000) as u32,
            "cursor" => {
                f.cursor = Some(
                    Cursor::decode(&v)
                        .ok_or_else(|| ApiError::BadRequest(format!("cursor={v:?}: pass next_cursor as given")))?,
                );
            }
            other => {
                return Err(ApiError::BadRequest(format!(
                    "unknown query parameter `{other}`: use scenario, target, status, label, since_ms, until_ms, limit, cursor"
                )));
            }
        }
    }
    let (rows, next) = svc.store.list(&f).await?;
    let runs: Vec<RunView> = rows
        .into_iter()
        .map(|r| {
            let live = svc.live(&r.id).map(|e| e.view());
            RunView::new(r, live)
        })
        .collect();
    Ok(Json(json!({ "runs": runs, "next_cursor": next.map(|c| c.encode()) })))
}

async fn find(svc: &Service, id: &str) -> Result<RunRow, ApiError> {
    svc.store.get(id).await?.ok_or_else(|| ApiError::NotFound(format!("no run with id {id:?}")))
}

async fn show(State(svc): State<Arc<Service>>, Path(id): Path<String>) -> Result<Json<RunView>, ApiError> {
    let row = find(&svc, &id).await?;
    Ok(Json(RunView::new(row, svc.live(&id).map(|e| e.view()))))
}

async fn report(
    State(svc): State<Arc<Service>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let form = report_form(&headers).ok_or_else(|| {
        ApiError::NotAcceptable("the report comes as application/json (the default) or text/html: ask for one".into())
    })?;
    let row = find(&svc, &id).await?;
    let json = match svc.store.report(&id).await? {
        Some(json) => json,
        None if !row.status.is_final() => {
            return Err(ApiError::Conflict(format!(
                "run {id} is {}: its report comes when it ends",
                row.status.as_str()
            )));
        }
        None => {
            return Err(ApiError::NotFound(format!(
                "run {id} ended {} without a report: {}",
                row.status.as_str(),
                row.error.as_deref().unwrap_or("no reason stored")
            )));
        }
    };
    let vary = (header::VARY, "accept");
    Ok(match form {
        ReportForm::Json => ([(header::CONTENT_TYPE, "application/json"), vary], json).into_response(),
        ReportForm::Html => {
            // The page `gasbench report --html` writes for the same JSON. A report stored by
            // another gasbench version cannot be drawn; its JSON can still be fetched.
            let report = parse_report(format!("run {id}'s stored report"), &json).map_err(|e| {
                ApiError::NotAcceptable(format!("{e}\n  (the JSON form is still served: ask for application/json)"))
            })?;
            let page = crate::report::html::render_run(&report, None);
            // The page draws with inline styles and SVG only: nothing else may load or run.
            let csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), vary, (header::CONTENT_SECURITY_POLICY, csp)], page)
                .into_response()
        }
    })
}

async fn cancel(State(svc): State<Arc<Service>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let row = find(&svc, &id).await?;
    let what = match svc.cancel(&id).await? {
        Cancelled::Queued => "removed from the queue",
        Cancelled::Running => "stopping: its partial report will be stored",
        Cancelled::NotLive => {
            return Err(ApiError::Conflict(format!("run {id} has already ended ({})", row.status.as_str())));
        }
    };
    Ok((StatusCode::ACCEPTED, Json(json!({ "id": id, "cancel": what, "url": format!("/v1/runs/{id}") })))
        .into_response())
}

async fn remove(State(svc): State<Arc<Service>>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    if svc.live(&id).is_some() {
        return Err(ApiError::Conflict(format!("run {id} has not ended: cancel it first")));
    }
    let row = find(&svc, &id).await?;
    if !row.status.is_final() {
        return Err(ApiError::Conflict(format!("run {id} is {}: cancel it first", row.status.as_str())));
    }
    svc.store.delete(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn events(State(svc): State<Arc<Service>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    if let Some(entry) = svc.live(&id) {
        return Ok(sse::follow(entry.subscribe()).into_response());
    }
    let row = find(&svc, &id).await?;
    let end = End {
        status: row.status,
        summary: row.summary,
        error: row.error,
        report_url: row.summary.is_some().then(|| format!("/v1/runs/{id}/report")),
    };
    Ok(sse::ended(end).into_response())
}

async fn ready(State(svc): State<Arc<Service>>) -> Response {
    match svc.store.ping().await {
        Ok(()) => Json(json!({"status": "ready"})).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the run store does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "store unavailable"}))).into_response()
        }
    }
}
