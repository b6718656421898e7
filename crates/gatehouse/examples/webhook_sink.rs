//! A webhook receiver for `scripts/bench-webhooks`: answers every POST 204 at once and keeps
//! count. `GET /stats` gives `{requests, unique, lag_ms_p50, lag_ms_p99, first_ms, last_ms}`,
//! where lag is arrival time minus the body's `timestamp` (when the event happened) and the
//! times are milliseconds since the epoch; `POST /reset` clears them.
//!
//!     cargo run --release --example webhook_sink -- 127.0.0.1:9999

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use parking_lot::Mutex;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::Arc;

#[derive(Default)]
struct Sink {
    ids: HashSet<String>,
    requests: u64,
    lags_ms: Vec<i64>,
    first_ms: Option<i64>,
    last_ms: Option<i64>,
}

type Shared = Arc<Mutex<Sink>>;

fn now_ms() -> i64 {
    i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()).unwrap()
}

async fn hook(State(sink): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let arrived = now_ms();
    let id = headers.get("webhook-id").and_then(|value| value.to_str().ok()).unwrap_or_default().to_owned();
    let happened = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|body| body["timestamp"].as_str().map(str::to_owned))
        .and_then(|text| chrono_millis(&text));
    let mut sink = sink.lock();
    sink.requests += 1;
    if sink.ids.insert(id) {
        if let Some(happened) = happened {
            sink.lags_ms.push(arrived - happened);
        }
    }
    sink.first_ms.get_or_insert(arrived);
    sink.last_ms = Some(arrived);
    StatusCode::NO_CONTENT
}

/// `2026-01-15T08:30:00.000Z` to milliseconds (the only form Gatehouse writes).
fn chrono_millis(text: &str) -> Option<i64> {
    let (date, time) = text.strip_suffix('Z')?.split_once('T')?;
    let mut date = date.split('-').map(|part| part.parse::<i64>().ok());
    let (year, month, day) = (date.next()??, date.next()??, date.next()??);
    let (hms, millis) = time.split_once('.')?;
    let mut hms = hms.split(':').map(|part| part.parse::<i64>().ok());
    let (hour, minute, second) = (hms.next()??, hms.next()??, hms.next()??);
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis.parse::<i64>().ok()?)
}

async fn stats(State(sink): State<Shared>) -> Json<Value> {
    let sink = sink.lock();
    let mut lags = sink.lags_ms.clone();
    lags.sort_unstable();
    let at = |fraction: f64| {
        if lags.is_empty() {
            return 0;
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let index = ((lags.len() as f64 - 1.0) * fraction).round() as usize;
        lags[index]
    };
    Json(json!({
        "requests": sink.requests,
        "unique": sink.ids.len(),
        "lag_ms_p50": at(0.5),
        "lag_ms_p99": at(0.99),
        "first_ms": sink.first_ms,
        "last_ms": sink.last_ms,
    }))
}

async fn reset(State(sink): State<Shared>) -> StatusCode {
    *sink.lock() = Sink::default();
    StatusCode::NO_CONTENT
}

#[tokio::main]
async fn main() {
    let bind = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9999".to_owned());
    let listener = tokio::net::TcpListener::bind(&bind).await.expect("bind");
    println!("listening on http://{}", listener.local_addr().expect("address"));
    let sink: Shared = Arc::default();
    let app = Router::new()
        .route("/hook", post(hook))
        .route("/stats", get(stats))
        .route("/reset", post(reset))
        .with_state(sink);
    axum::serve(listener, app).await.expect("serve");
}
