//! Bearer-token authentication: the token (from `GASBENCH_TOKEN` or a file) is compared
//! in constant time; mutating requests always need it when one is configured, reads too
//! with `--token-on-reads`. Probes (`/healthz`, `/readyz`) stay open for orchestrators.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use subtle::ConstantTimeEq;

use super::{Service, error::ApiError};

/// A secret token. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl core::fmt::Debug for Token {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Token(***)")
    }
}

impl core::str::FromStr for Token {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.len() < 16 {
            return Err("the token is shorter than 16 characters; generate one, e.g. `openssl rand -hex 32`".into());
        }
        if !t.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("the token must be printable ASCII without spaces".into());
        }
        Ok(Self(t.to_string()))
    }
}

impl Token {
    /// Reads a token from a file (surrounding whitespace trimmed).
    pub fn from_file(path: &std::path::Path) -> Result<Self, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read the token file {}: {e}", path.display()))?;
        text.parse().map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Constant-time comparison with what a client sent.
    pub fn matches(&self, given: &[u8]) -> bool {
        self.0.as_bytes().ct_eq(given).into()
    }

    /// The token itself (for clients in tests and tools).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Whether `method` changes something.
fn mutating(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The middleware: refuses with 401 when a needed token is missing or wrong.
pub async fn require_token(State(svc): State<Arc<Service>>, req: Request, next: Next) -> Response {
    let Some(token) = &svc.config.token else { return next.run(req).await };
    let path = req.uri().path();
    let probe = path == "/healthz" || path == "/readyz";
    let needed = !probe && (mutating(req.method()) || svc.config.token_on_reads);
    if !needed {
        return next.run(req).await;
    }
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
        .unwrap_or_default();
    if token.matches(given) { next.run(req).await } else { ApiError::Unauthorized.into_response() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_and_never_print() {
        let t: Token = "0123456789abcdef-secret".parse().unwrap();
        assert!(t.matches(b"0123456789abcdef-secret"));
        assert!(!t.matches(b"0123456789abcdef-secreT"));
        assert!(!t.matches(b"0123456789abcdef-secre"));
        assert!(!t.matches(b""));
        assert!(!format!("{t:?}").contains("secret"));
        assert!("short".parse::<Token>().is_err());
    }
}
