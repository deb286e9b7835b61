//! Content negotiation for the report: JSON unless the client's `Accept` prefers HTML
//! (a browser's does; curl's `*/*` and no header at all get JSON).

use axum::http::{HeaderMap, header};

/// The forms `GET /v1/runs/{id}/report` comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportForm {
    Json,
    Html,
}

/// Which form `headers` ask for; `None` when they accept neither.
pub fn report_form(headers: &HeaderMap) -> Option<ReportForm> {
    let mut values = headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).peekable();
    if values.peek().is_none() {
        return Some(ReportForm::Json);
    }
    // The q of each form: the most specific matching range decides (RFC 9110 12.5.1).
    let (mut json, mut html) = ((0u8, 0.0f32), (0u8, 0.0f32));
    for range in values.flat_map(|v| v.split(',')) {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let specificity = |full: &str| match media.as_str() {
            m if m == full => 3,
            m if m.strip_suffix("/*").is_some_and(|t| full.starts_with(&format!("{t}/"))) => 2,
            "*/*" => 1,
            _ => 0,
        };
        for (form, full) in [(&mut json, "application/json"), (&mut html, "text/html")] {
            let s = specificity(full);
            if s > form.0 {
                *form = (s, q);
            }
        }
    }
    // Ties go to JSON, the API's default.
    if html.1 > json.1 {
        Some(ReportForm::Html)
    } else if json.1 > 0.0 {
        Some(ReportForm::Json)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn form(accept: &[&str]) -> Option<ReportForm> {
        let mut h = HeaderMap::new();
        for a in accept {
            h.append(header::ACCEPT, HeaderValue::from_str(a).unwrap());
        }
        report_form(&h)
    }

    #[test]
    fn json_is_the_default_and_html_is_given_to_who_prefers_it() {
        use ReportForm::{Html, Json};
        assert_eq!(form(&[]), Some(Json));
        assert_eq!(form(&["*/*"]), Some(Json), "curl");
        assert_eq!(form(&["application/json"]), Some(Json));
        assert_eq!(form(&["text/html"]), Some(Html));
        assert_eq!(
            form(&["text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"]),
            Some(Html),
            "a browser"
        );
        assert_eq!(form(&["application/json;q=0.5, text/html;q=0.9"]), Some(Html));
        assert_eq!(form(&["text/html;q=0.5, application/json"]), Some(Json));
        assert_eq!(form(&["text/*"]), Some(Html));
        assert_eq!(form(&["text/html;q=0, */*"]), Some(Json), "q=0 refuses HTML");
        assert_eq!(form(&["text/csv"]), None);
        assert_eq!(form(&["application/json;q=0"]), None);
        assert_eq!(form(&["text/plain", "text/html"]), Some(Html), "several headers");
    }
}
