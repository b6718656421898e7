//! A webhook receiver on `127.0.0.1:0`: records every request (headers and body) and answers
//! each with the next status of a script (200 once the script is used up; 0 never answers).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub headers: HeaderMap,
    pub body: String,
}

impl Received {
    /// The body's `type`.
    pub fn event_type(&self) -> String {
        let body: serde_json::Value = serde_json::from_str(&self.body).expect("JSON body");
        body["type"].as_str().expect("type").to_owned()
    }
}

#[derive(Default)]
struct Inner {
    received: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<u16>>,
    /// Once the script is used up: per cent of requests answered 500, and left hanging.
    chaos: Option<(u32, u32)>,
    /// The `webhook-id` of every request answered 2xx.
    succeeded: Mutex<Vec<String>>,
}

/// The receiver; stops when dropped.
pub struct Receiver {
    /// `http://127.0.0.1:PORT/hook`
    pub url: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default().to_owned();
    let received = Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: String::from_utf8_lossy(&body).into_owned(),
        headers: headers.clone(),
    };
    let id = received.id.clone();
    inner.received.lock().push(received);
    let scripted = inner.script.lock().pop_front();
    let status = match (scripted, inner.chaos) {
        (Some(status), _) => status,
        (None, None) => 200,
        (None, Some((fail, hang))) => {
            let roll = rand::random::<u32>() % 100;
            if roll < hang {
                0
            } else if roll < hang + fail {
                500
            } else {
                200
            }
        }
    };
    if status == 0 {
        // Never answers (the sender times out or dies first).
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    if status.is_success() {
        inner.succeeded.lock().push(id);
    }
    status
}

impl Receiver {
    /// Starts a receiver that answers `script` in turn, then 200.
    pub async fn start(script: &[u16]) -> Self {
        Self::start_with(Inner { script: Mutex::new(script.iter().copied().collect()), ..Inner::default() }).await
    }

    /// Starts a receiver that answers 500 to `fail_percent` of the requests at random, never
    /// answers `hang_percent` of them, and 200 to the rest.
    pub async fn start_unreliable(fail_percent: u32, hang_percent: u32) -> Self {
        Self::start_with(Inner { chaos: Some((fail_percent, hang_percent)), ..Inner::default() }).await
    }

    async fn start_with(inner: Inner) -> Self {
        let inner = Arc::new(inner);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("address"));
        let app = Router::new().route("/hook", post(receive)).with_state(inner.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, inner, task }
    }

    /// The `webhook-id` of every request answered 2xx so far.
    pub fn succeeded(&self) -> Vec<String> {
        self.inner.succeeded.lock().clone()
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.inner.received.lock().clone()
    }

    /// Waits (up to 20 s) until at least `count` requests arrived; returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..400 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "expected {count} webhook requests, got {:?}",
            self.received().iter().map(Received::event_type).collect::<Vec<_>>()
        );
    }
}

/// Checks a request's signature with `secret` using the standardwebhooks Python package
/// (`scripts/verify-webhook.py`) when it is installed: with the python that
/// `GATEHOUSE_WEBHOOK_VERIFY_PYTHON` names (`.ci/run` sets it from `scripts/webhook-verifier`;
/// then the package must be there), else `python3` if it has the package; `None` when neither
/// has it, so the Rust check alone runs.
pub fn verify_with_python(secret: &str, received: &Received) -> Option<bool> {
    let required = std::env::var("GATEHOUSE_WEBHOOK_VERIFY_PYTHON").ok();
    let python = required.clone().unwrap_or_else(|| "python3".to_owned());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/verify-webhook.py");
    let available = std::process::Command::new(&python)
        .args(["-c", "import standardwebhooks"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !available {
        assert!(required.is_none(), "{python} cannot import standardwebhooks (run scripts/webhook-verifier)");
        return None;
    }
    let output = std::process::Command::new(&python)
        .arg(script)
        .env("WEBHOOK_SECRET", secret)
        .env("WEBHOOK_ID", &received.id)
        .env("WEBHOOK_TIMESTAMP", &received.timestamp)
        .env("WEBHOOK_SIGNATURE", &received.signature)
        .env("WEBHOOK_BODY", &received.body)
        .output()
        .expect("python runs");
    Some(output.status.success())
}
