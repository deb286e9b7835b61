//! `GET /v1/runs/{id}/events`: server-sent events. A `progress` event each second (the
//! figures of the progress line, or the queue position while waiting), then one `end`
//! event with the final status, summary and report URL, and the stream closes.

use core::{convert::Infallible, time::Duration};

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::watch;

use super::live::{End, View};

/// Events of a live run, following its watch channel.
pub fn follow(rx: watch::Receiver<View>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let tick = tokio::time::interval(Duration::from_secs(1));
    let stream = futures_util::stream::unfold((rx, tick, false), |(mut rx, mut tick, done)| async move {
        if done {
            return None;
        }
        loop {
            let view = rx.borrow_and_update().clone();
            if let Some(end) = &view.end {
                return Some((Ok(end_event(end)), (rx, tick, true)));
            }
            tokio::select! {
                _ = tick.tick() => {
                    let view = rx.borrow().clone();
                    if view.end.is_none() {
                        return Some((Ok(json_event("progress", &view)), (rx, tick, false)));
                    }
                }
                changed = rx.changed() => {
                    if changed.is_err() {
                        // The run is gone without an end (cannot happen in order): say so.
                        let view = rx.borrow().clone();
                        let end = view.end.unwrap_or(End { status: view.status, summary: None, error: None, report_url: None });
                        return Some((Ok(end_event(&end)), (rx, tick, true)));
                    }
                }
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// The single `end` event of a run that has already ended.
pub fn ended(end: End) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    Sse::new(futures_util::stream::once(async move { Ok(end_event(&end)) }))
}

fn end_event(end: &End) -> Event {
    json_event("end", end)
}

fn json_event(name: &str, value: &impl serde::Serialize) -> Event {
    Event::default().event(name).data(serde_json::to_string(value).expect("views always serialize"))
}
