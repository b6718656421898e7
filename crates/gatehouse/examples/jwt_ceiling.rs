//! The "minimal server" ceiling for `GET /api/users/me`, used by `scripts/bench`.
//!
//! The same stack as the real server — axum 0.8 on a multi-threaded tokio runtime with the
//! default worker count — doing only what `/api/users/me` cannot avoid: verify an HS256
//! bearer JWT the way Gatehouse does (HS256 only, audience `api`, `exp` and `aud` required,
//! expiry checked after decoding) and answer a fixed user object of about 250 bytes. No
//! database, no session cache, no middleware.
//!
//! ```text
//! cargo run --release -p gatehouse --example jwt_ceiling -- [ADDR:PORT]   (default 127.0.0.1:0)
//! ```
//!
//! Prints `token <jwt>` (valid for one hour, signed with a random secret made at start) and then
//! `listening on http://ADDR:PORT`, and serves until killed.

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io::Write;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// What the handler needs: the key, the validation rules and the fixed answer.
struct Ceiling {
    decoding: DecodingKey,
    validation: Validation,
    body: Bytes,
    unauthorized: Bytes,
}

/// Claims as issued by Gatehouse in its default (legacy) style.
#[derive(Serialize)]
struct IssuedClaims<'a> {
    id: i64,
    sid: &'a str,
    iat: i64,
    exp: i64,
    aud: &'static str,
}

/// Claims as the server reads them.
#[derive(Deserialize)]
struct ReadClaims {
    id: Option<i64>,
    sid: Option<String>,
    exp: i64,
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(0))
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn json(status: StatusCode, body: Bytes) -> Response {
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

async fn me(State(ceiling): State<Arc<Ceiling>>, headers: HeaderMap) -> Response {
    let verified = bearer_token(&headers)
        .and_then(|token| decode::<ReadClaims>(token, &ceiling.decoding, &ceiling.validation).ok())
        .map(|data| data.claims)
        .filter(|claims| {
            claims.exp > now_secs() && claims.id.is_some() && claims.sid.as_deref().is_some_and(|s| !s.is_empty())
        });
    match verified {
        Some(_) => json(StatusCode::OK, ceiling.body.clone()),
        None => json(StatusCode::UNAUTHORIZED, ceiling.unauthorized.clone()),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let bind = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".to_owned());

    let mut secret = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut secret);
    let mut session = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut session);
    let session: String = session.iter().map(|byte| format!("{byte:02x}")).collect();

    let now = now_secs();
    let claims = IssuedClaims { id: 1, sid: &session, iat: now, exp: now + 3600, aud: "api" };
    let token = encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(&secret))
        .context("cannot sign the token")?;

    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&["api"]);
    validation.required_spec_claims = HashSet::from(["exp".to_owned(), "aud".to_owned()]);
    validation.validate_exp = false;

    // The shape (and size) of Gatehouse's user object.
    let body = serde_json::to_vec(&serde_json::json!({
        "id": 1,
        "documentId": "q3v9kz0m1x7c2b5n8l4j6h0a",
        "username": "bench",
        "email": "bench@example.com",
        "provider": "local",
        "confirmed": true,
        "blocked": false,
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-01T00:00:00.000Z",
        "publishedAt": "2026-01-01T00:00:00.000Z"
    }))?;
    let unauthorized = serde_json::to_vec(&serde_json::json!({
        "data": null,
        "error": {"status": 401, "name": "UnauthorizedError", "message": "Missing or invalid credentials", "details": {}}
    }))?;
    let ceiling = Arc::new(Ceiling {
        decoding: DecodingKey::from_secret(&secret),
        validation,
        body: Bytes::from(body),
        unauthorized: Bytes::from(unauthorized),
    });

    let router = Router::new().route("/api/users/me", get(me)).with_state(ceiling);
    let listener = tokio::net::TcpListener::bind(&bind).await.with_context(|| format!("cannot bind {bind}"))?;
    let address = listener.local_addr()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "token {token}")?;
    writeln!(out, "listening on http://{address}")?;
    out.flush()?;
    drop(out);
    axum::serve(listener, router).await.context("server error")
}
