//! The one error type of the HTTP API: each variant knows its status code, and every
//! answer is JSON `{"error": code, "message": text, ...}`. Messages never carry secrets.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::store::StoreError;
use crate::scenario::ScenarioErrors;

/// What went wrong with a request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the scenario is invalid:\n{0}")]
    InvalidScenario(ScenarioErrors),
    #[error("{0}")]
    BadRequest(String),
    #[error("a bearer token is required: send `Authorization: Bearer TOKEN`")]
    Unauthorized,
    #[error("{0}")]
    NotFound(String),
    #[error(
        "the body is larger than the limit of {limit_bytes} bytes; send a smaller scenario or raise --max-body-bytes"
    )]
    TooLarge { limit_bytes: usize },
    #[error("content type {0:?} is not accepted: send application/yaml (the scenario) or application/json")]
    UnsupportedMediaType(String),
    #[error("the queue is full ({queued} runs waiting, limit {limit}); retry later or raise --max-queued")]
    QueueFull { queued: usize, limit: usize },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotAcceptable(String),
    #[error("the service is shutting down and takes no new runs")]
    ShuttingDown,
    #[error("the run store failed; see the service log (request id in x-request-id)")]
    Store(#[source] StoreError),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidScenario(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::QueueFull { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::ShuttingDown | Self::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The machine-readable code in the body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidScenario(_) => "invalid_scenario",
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::NotFound(_) => "not_found",
            Self::TooLarge { .. } => "too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::QueueFull { .. } => "queue_full",
            Self::Conflict(_) => "conflict",
            Self::NotAcceptable(_) => "not_acceptable",
            Self::ShuttingDown => "shutting_down",
            Self::Store(_) => "store_unavailable",
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let Self::Store(e) = &self {
            tracing::error!(error = %e, "run store failed");
        }
        let mut body = json!({ "error": self.code(), "message": self.to_string() });
        if let Self::InvalidScenario(errors) = &self {
            body["errors"] = errors
                .0
                .iter()
                .map(|e| {
                    json!({
                        "file": e.file, "line": e.line, "column": e.column, "path": e.path,
                        "message": e.message, "hint": e.hint, "snippet": e.snippet,
                        "text": e.to_string(),
                    })
                })
                .collect();
        }
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        match self {
            Self::Unauthorized => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::QueueFull { .. } | Self::ShuttingDown => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
            }
            _ => {}
        }
        response
    }
}
