//! Replays one recorded Strapi transcript entry against a running Gatehouse and says how the
//! answer differs: status, JSON shape (keys recursively, the first element of lists, JSON
//! types) and, for error envelopes, Strapi's `error.name` and `error.message`.
//!
//! The transcripts carry placeholders (`<jwt>`, `<refresh-token>`, `<admin-jwt>`, `<token>`,
//! `<reset-code>`, forged `<jwt:…>` variants) and Strapi's own ids; the replay substitutes the
//! live tokens Gatehouse handed out and maps ids, documentIds and registration tokens learnt by
//! pairing earlier Strapi answers with Gatehouse's.

use crate::support::smtp::SmtpSink;
use crate::support::TestServer;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

/// Where the recorded transcripts live.
pub fn transcripts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/strapi/transcripts")
}

/// The entries of one transcript file.
pub fn load(file: &str) -> Vec<Value> {
    let path = transcripts_dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let transcript: Value = serde_json::from_str(&text).unwrap_or_else(|error| panic!("{file}: {error}"));
    transcript["entries"].as_array().cloned().unwrap_or_default()
}

/// Which end-user JWT a `<jwt>` placeholder stands for.
#[derive(Clone, Copy, Debug)]
pub enum JwtRef {
    /// The newest JWT handed to this username.
    Latest(&'static str),
    /// The JWT its registration answered.
    Registration(&'static str),
    /// The JWT answered by this entry of the same file.
    Entry(&'static str),
}

/// Says, for a file and an entry name, whose credentials its placeholders stand for.
pub trait Cast {
    /// The user a file's `<jwt>` and `<refresh-token>` belong to by default.
    fn user(&self, file: &str) -> &'static str;
    /// The JWT meant by `<jwt>` in this entry.
    fn jwt(&self, file: &str, entry: &str) -> JwtRef;
}

/// The outcome of one replayed entry.
#[derive(Debug)]
pub struct Outcome {
    pub file: String,
    pub entry: String,
    /// Empty when Gatehouse answered as Strapi.
    pub differences: Vec<String>,
    /// What was sent and answered, for failure reports.
    pub trace: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    User,
    Role,
    AdminUser,
    AdminRole,
    ApiToken,
}

/// The state of one replay: one server, the files of one phase in recording order.
pub struct Replay<'a> {
    server: &'a TestServer,
    sink: &'a SmtpSink,
    cast: &'a dyn Cast,
    /// (kind, Strapi id or documentId) → Gatehouse's value.
    ids: HashMap<(Kind, String), Value>,
    /// Strapi registration token → Gatehouse's.
    registration_tokens: HashMap<String, String>,
    latest_jwt: HashMap<String, String>,
    registration_jwt: HashMap<String, String>,
    registration_refresh: HashMap<String, String>,
    entry_jwt: HashMap<(String, String), String>,
    admin_jwt: Option<String>,
    /// API token type → secret.
    api_tokens: HashMap<String, String>,
    /// The newest value of each cookie Gatehouse set.
    cookies: HashMap<String, String>,
    forgot_email: Option<String>,
    /// Accepted forgot-password requests per address (each mails a code superseding the last).
    resets_asked: HashMap<String, usize>,
    reset_code: Option<String>,
    /// Whether Strapi's `X-RateLimit-*` headers are compared too (phases with the limiter on).
    rate_limit_headers: bool,
}

const UNRESOLVED: &str = "unresolved-placeholder";

impl<'a> Replay<'a> {
    pub fn new(server: &'a TestServer, sink: &'a SmtpSink, cast: &'a dyn Cast) -> Self {
        Self {
            server,
            sink,
            cast,
            ids: HashMap::new(),
            registration_tokens: HashMap::new(),
            latest_jwt: HashMap::new(),
            registration_jwt: HashMap::new(),
            registration_refresh: HashMap::new(),
            entry_jwt: HashMap::new(),
            admin_jwt: None,
            api_tokens: HashMap::new(),
            cookies: HashMap::new(),
            forgot_email: None,
            resets_asked: HashMap::new(),
            reset_code: None,
            rate_limit_headers: false,
        }
    }

    /// Also compares Strapi's `X-RateLimit-*` headers where the recording has them: limit and
    /// remaining exactly, the reset as a Unix time within the next hour.
    pub fn comparing_rate_limit_headers(mut self) -> Self {
        self.rate_limit_headers = true;
        self
    }

    /// Replays one entry (it must have a `request`).
    pub async fn run(&mut self, file: &str, entry: &Value) -> Outcome {
        let name = entry["name"].as_str().unwrap_or_default().to_owned();
        let request = &entry["request"];
        let method = request["method"].as_str().unwrap_or("GET");
        let path = self.map_path(request["path"].as_str().unwrap_or("/"));
        let query = self.map_query(request["query_string"].as_str().unwrap_or_default());

        let mut placeholders = HashMap::new();
        let mut wanted = BTreeSet::new();
        collect_placeholders(&request["headers"], &mut wanted);
        collect_placeholders(&request["body"], &mut wanted);
        for placeholder in wanted {
            let value = self.resolve(file, &name, &placeholder).await;
            placeholders.insert(placeholder, value);
        }

        let url = if query.is_empty() { self.server.url(&path) } else { format!("{}?{query}", self.server.url(&path)) };
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut builder = self.server.client.request(method.clone(), url.clone());
        if let Some(headers) = request["headers"].as_object() {
            for (header, value) in headers {
                builder =
                    builder.header(header.as_str(), substitute(value.as_str().unwrap_or_default(), &placeholders));
            }
        }
        if let Some(cookies) = request["cookies"].as_object() {
            let sent: Vec<String> = cookies
                .keys()
                .filter_map(|cookie| self.cookies.get(cookie).map(|value| format!("{cookie}={value}")))
                .collect();
            if !sent.is_empty() {
                builder = builder.header("cookie", sent.join("; "));
            }
        }
        let body = match &request["body"] {
            Value::Null => None,
            Value::String(raw) => {
                builder = builder.body(raw.clone());
                Some(Value::String(raw.clone()))
            }
            other => {
                let body = self.map_body(other, None, &placeholders);
                builder = builder.json(&body);
                Some(body)
            }
        };

        let answer = self.server.send(builder).await;
        if path == "/api/auth/forgot-password" && answer.status.is_success() {
            if let Some(email) = body.as_ref().and_then(|body| body["email"].as_str()) {
                self.forgot_email = Some(email.to_owned());
                *self.resets_asked.entry(email.to_owned()).or_default() += 1;
            }
        }
        let gatehouse: Value = serde_json::from_str(&answer.text).unwrap_or(Value::String(answer.text.clone()));
        for cookie in answer.headers.get_all("set-cookie") {
            let pair = cookie.to_str().unwrap_or_default().split(';').next().unwrap_or_default();
            if let Some((cookie, value)) = pair.split_once('=') {
                if !value.is_empty() {
                    self.cookies.insert(cookie.trim().to_owned(), value.to_owned());
                }
            }
        }

        let recorded = &entry["response"];
        let strapi_status = recorded["status"].as_u64().unwrap_or_default() as u16;
        let strapi = &recorded["body"];
        let status = answer.status.as_u16();
        if (200..300).contains(&status) && (200..300).contains(&strapi_status) {
            self.learn(strapi, &gatehouse);
        }
        self.capture(file, &name, &path, body.as_ref(), status, &gatehouse);

        let mut differences = compare(strapi_status, strapi, status, &gatehouse);
        if self.rate_limit_headers && strapi_status == status {
            differences.extend(compare_rate_limit_headers(&recorded["headers"], &answer.headers));
        }
        let trace = format!(
            "{method} {url}\n  body: {}\n  Gatehouse {status}: {}\n  Strapi {strapi_status}: {}",
            body.map(|body| body.to_string()).unwrap_or_default(),
            excerpt(&answer.text),
            excerpt(&strapi.to_string()),
        );
        Outcome { file: file.to_owned(), entry: name, differences, trace }
    }

    /// Compares the decoded tokens a note of `jwt.json` or `jwt_legacy.json` records with the
    /// ones Gatehouse handed out in this replay (header and claims, shape only).
    pub fn claims(&self, file: &str, note: &Value) -> Vec<Outcome> {
        let mut recorded: Vec<(String, &Value)> = Vec::new();
        if let Some(tokens) = note["tokens"].as_object() {
            recorded.extend(tokens.iter().map(|(name, token)| (format!("token {name}"), token)));
        }
        if note["token"].is_object() {
            recorded.push(("token".to_owned(), &note["token"]));
        }
        let user = self.cast.user(file);
        recorded
            .into_iter()
            .map(|(name, token)| {
                let live = if name.contains("admin_access") {
                    self.admin_jwt.clone()
                } else if name.contains("strapi_admin_refresh") {
                    self.cookies.get("strapi_admin_refresh").cloned()
                } else if name.contains("strapi_up_refresh") {
                    self.cookies.get("strapi_up_refresh").cloned()
                } else if name.contains("refresh_token from register") {
                    self.registration_refresh.get(user).cloned()
                } else if name.contains("from register") {
                    self.registration_jwt.get(user).cloned()
                } else {
                    self.latest_jwt.get(user).cloned()
                };
                let strapi = json!({"header": token["header"], "payload": token["payload"]});
                let decoded = live.as_deref().and_then(|jwt| {
                    let header = URL_SAFE_NO_PAD.decode(jwt.split('.').next()?).ok()?;
                    let header: Value = serde_json::from_slice(&header).ok()?;
                    Some(json!({"header": header, "payload": claims_of(jwt)?}))
                });
                let differences = match &decoded {
                    Some(decoded) => compare(200, &strapi, 200, decoded),
                    None if live.is_some() => vec!["an opaque token (Strapi: a JWT)".to_owned()],
                    None => vec!["no such token was handed out".to_owned()],
                };
                let trace = format!(
                    "decoded token\n  Gatehouse: {}\n  Strapi: {strapi}",
                    decoded.map(|decoded| decoded.to_string()).unwrap_or_default()
                );
                Outcome { file: file.to_owned(), entry: name, differences, trace }
            })
            .collect()
    }

    /// The live value of one placeholder.
    async fn resolve(&mut self, file: &str, entry: &str, placeholder: &str) -> String {
        let user = self.cast.user(file);
        let resolved = match placeholder {
            "<admin-jwt>" => self.admin_jwt.clone(),
            "<token>" => self.api_tokens.get("full-access").cloned(),
            "<token:read-only>" => self.api_tokens.get("read-only").cloned(),
            "<refresh-token>" => self.registration_refresh.get(user).cloned(),
            "<jwt>" => self.jwt(file, entry),
            "<reset-code>" => {
                if self.reset_code.is_none() {
                    if let Some(email) = self.forgot_email.clone() {
                        let asked = self.resets_asked.get(&email).copied().unwrap_or(1);
                        let mut mails = Vec::new();
                        for _ in 0..300 {
                            mails = self.sink.all().await;
                            mails.retain(|mail| mail.to.contains(&email));
                            if mails.len() >= asked {
                                break;
                            }
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        }
                        let mail = mails.pop().unwrap_or_else(|| panic!("no reset mail to {email}"));
                        self.reset_code = mail
                            .bodies()
                            .iter()
                            .find_map(|body| body.split("code=").nth(1).map(|rest| rest.to_owned()))
                            .map(|rest| rest.chars().take_while(char::is_ascii_alphanumeric).collect());
                    }
                }
                self.reset_code.clone()
            }
            "<jwt:unlabelled>" => {
                Some("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJnYXJiYWdlIjp0cnVlfQ.Z2FyYmFnZQ".to_owned())
            }
            forged if forged.starts_with("<jwt:") => self.forge(file, entry, forged).await,
            _ => None,
        };
        resolved.unwrap_or_else(|| UNRESOLVED.to_owned())
    }

    fn jwt(&self, file: &str, entry: &str) -> Option<String> {
        match self.cast.jwt(file, entry) {
            JwtRef::Latest(user) => self.latest_jwt.get(user).cloned(),
            JwtRef::Registration(user) => self.registration_jwt.get(user).cloned(),
            JwtRef::Entry(other) => self.entry_jwt.get(&(file.to_owned(), other.to_owned())).cloned(),
        }
    }

    /// Tokens signed by the replay: expired, wrong secret, Strapi's legacy claims, no `exp`.
    async fn forge(&self, file: &str, entry: &str, placeholder: &str) -> Option<String> {
        let model = claims_of(&self.jwt(file, entry)?)?;
        let now = self.server.domain().clock().now();
        let secret = self.server.domain().store().secret("jwt_secret.api", "unused", now).await.ok()?;
        let unix = now.as_secs();
        let user_id = model.get("id").cloned().or_else(|| {
            model.get("userId").and_then(Value::as_str).and_then(|id| id.parse::<i64>().ok()).map(Value::from)
        })?;
        let sign = |claims: &Value, secret: &str| {
            encode(&Header::default(), claims, &EncodingKey::from_secret(secret.as_bytes())).ok()
        };
        let mut claims = Value::Object(model.clone());
        match placeholder {
            "<jwt:expired,signed-with-real-secret>" => {
                claims["iat"] = json!(unix - 7200);
                claims["exp"] = json!(unix - 3600);
                sign(&claims, &secret)
            }
            "<jwt:wrong-secret>" => sign(&claims, "a secret that is not the server's, long enough to be one"),
            "<jwt:legacy-claims {id},real-secret>" => {
                sign(&json!({"id": user_id, "iat": unix, "exp": unix + 3600}), &secret)
            }
            "<jwt:{id,iat} no exp, real secret>" => sign(&json!({"id": user_id, "iat": unix}), &secret),
            _ => None,
        }
    }

    /// Remembers the credentials an answer handed out.
    fn capture(&mut self, file: &str, entry: &str, path: &str, body: Option<&Value>, status: u16, answer: &Value) {
        if !(200..300).contains(&status) {
            return;
        }
        if let Some(jwt) = answer["jwt"].as_str() {
            self.entry_jwt.insert((file.to_owned(), entry.to_owned()), jwt.to_owned());
            if let Some(username) = answer["user"]["username"].as_str() {
                self.latest_jwt.insert(username.to_owned(), jwt.to_owned());
                if path == "/api/auth/local/register" {
                    self.registration_jwt.insert(username.to_owned(), jwt.to_owned());
                    if let Some(refresh) = answer["refreshToken"].as_str() {
                        self.registration_refresh.insert(username.to_owned(), refresh.to_owned());
                    }
                }
            }
        }
        if matches!(path, "/admin/login" | "/admin/register-admin") {
            if let Some(token) = answer["data"]["token"].as_str() {
                self.admin_jwt = Some(token.to_owned());
            }
        }
        if path == "/admin/api-tokens" {
            if let (Some(secret), Some(kind)) =
                (answer["data"]["accessKey"].as_str(), body.and_then(|body| body["type"].as_str()))
            {
                self.api_tokens.insert(kind.to_owned(), secret.to_owned());
            }
        }
    }

    /// Pairs a Strapi answer with Gatehouse's and learns their ids.
    fn learn(&mut self, strapi: &Value, gatehouse: &Value) {
        match (strapi, gatehouse) {
            (Value::Object(recorded), Value::Object(live)) => {
                if let Some(kind) = kind_of(recorded) {
                    for key in ["id", "documentId"] {
                        if let (Some(theirs), Some(ours)) = (recorded.get(key), live.get(key)) {
                            if !theirs.is_null() && !ours.is_null() {
                                self.ids.insert((kind, scalar(theirs)), ours.clone());
                            }
                        }
                    }
                    if let (Some(Value::String(theirs)), Some(Value::String(ours))) =
                        (recorded.get("registrationToken"), live.get("registrationToken"))
                    {
                        self.registration_tokens.insert(theirs.clone(), ours.clone());
                    }
                }
                for (key, theirs) in recorded {
                    if let Some(ours) = live.get(key) {
                        self.learn(theirs, ours);
                    }
                }
            }
            (Value::Array(recorded), Value::Array(live)) => {
                for (index, theirs) in recorded.iter().enumerate() {
                    if let Some(ours) = counterpart(theirs, index, live) {
                        self.learn(theirs, ours);
                    }
                }
            }
            _ => {}
        }
    }

    fn mapped(&self, kind: Kind, strapi: &str) -> Option<String> {
        self.ids.get(&(kind, strapi.to_owned())).map(scalar)
    }

    fn map_path(&self, path: &str) -> String {
        let segments: Vec<&str> = path.split('/').collect();
        let kind = if path.starts_with("/api/users/") {
            Some(Kind::User)
        } else if path.starts_with("/api/users-permissions/roles/") || path.starts_with("/users-permissions/roles/") {
            Some(Kind::Role)
        } else {
            None
        };
        match (kind, segments.split_last()) {
            (Some(kind), Some((last, rest))) => {
                let last = self.mapped(kind, last).unwrap_or_else(|| (*last).to_owned());
                format!("{}/{last}", rest.join("/"))
            }
            _ => path.to_owned(),
        }
    }

    fn map_query(&self, query: &str) -> String {
        if query.is_empty() {
            return String::new();
        }
        query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, value)) if key.contains("[id]") => {
                    format!("{key}={}", self.mapped(Kind::User, value).unwrap_or_else(|| value.to_owned()))
                }
                Some(("registrationToken", value)) => format!(
                    "registrationToken={}",
                    self.registration_tokens.get(value).cloned().unwrap_or_else(|| value.to_owned())
                ),
                _ => pair.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    fn map_body(&self, value: &Value, key: Option<&str>, placeholders: &HashMap<String, String>) -> Value {
        let id_kind = match key {
            Some("role") => Some(Kind::Role),
            Some("roles") => Some(Kind::AdminRole),
            _ => None,
        };
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, value)| (key.clone(), self.map_body(value, Some(key), placeholders)))
                    .collect::<Map<_, _>>(),
            ),
            Value::Array(items) => {
                Value::Array(items.iter().map(|item| self.map_body(item, key, placeholders)).collect())
            }
            Value::String(text) if placeholders.contains_key(text) => Value::String(placeholders[text].clone()),
            Value::String(text) if key == Some("registrationToken") => {
                Value::String(self.registration_tokens.get(text).cloned().unwrap_or_else(|| text.clone()))
            }
            Value::String(_) | Value::Number(_) => match id_kind {
                Some(kind) => self.ids.get(&(kind, scalar(value))).cloned().unwrap_or_else(|| value.clone()),
                None => value.clone(),
            },
            other => other.clone(),
        }
    }
}

/// What a recorded object is, from its keys.
fn kind_of(object: &Map<String, Value>) -> Option<Kind> {
    let has = |key: &str| object.contains_key(key);
    if has("username") && has("provider") {
        Some(Kind::User)
    } else if has("firstname") {
        Some(Kind::AdminUser)
    } else if has("code") && has("name") {
        Some(Kind::AdminRole)
    } else if has("lastUsedAt") || has("accessKey") {
        Some(Kind::ApiToken)
    } else if has("type") && has("name") {
        Some(Kind::Role)
    } else {
        None
    }
}

/// The Gatehouse element that stands for a recorded list element: same natural key, else the
/// same position.
fn counterpart<'v>(recorded: &Value, index: usize, live: &'v [Value]) -> Option<&'v Value> {
    let natural = recorded.as_object().and_then(kind_of).map(|kind| match kind {
        Kind::User => "username",
        Kind::AdminUser => "email",
        Kind::AdminRole => "code",
        Kind::Role => "type",
        Kind::ApiToken => "name",
    });
    match natural {
        Some(key) => live.iter().find(|candidate| candidate[key] == recorded[key] && !recorded[key].is_null()),
        None => live.get(index),
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn collect_placeholders(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::String(text) => {
            let mut rest = text.as_str();
            while let Some(start) = rest.find('<') {
                let Some(length) = rest[start..].find('>') else { break };
                into.insert(rest[start..start + length + 1].to_owned());
                rest = &rest[start + length + 1..];
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_placeholders(item, into)),
        Value::Object(map) => map.values().for_each(|item| collect_placeholders(item, into)),
        _ => {}
    }
}

fn substitute(text: &str, placeholders: &HashMap<String, String>) -> String {
    placeholders.iter().fold(text.to_owned(), |text, (placeholder, value)| text.replace(placeholder, value))
}

fn claims_of(jwt: &str) -> Option<Map<String, Value>> {
    let payload = URL_SAFE_NO_PAD.decode(jwt.split('.').nth(1)?).ok()?;
    serde_json::from_slice(&payload).ok()
}

fn excerpt(text: &str) -> String {
    let cut: String = text.chars().take(600).collect();
    if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// `(name, message)` of a Strapi error envelope.
fn error_of(body: &Value) -> Option<(String, String)> {
    let error = body.get("error")?.as_object()?;
    Some((
        error.get("name")?.as_str().unwrap_or_default().to_owned(),
        error.get("message").and_then(Value::as_str).unwrap_or_default().to_owned(),
    ))
}

/// How Gatehouse's answer differs from Strapi's, one line per difference.
/// How Gatehouse's `X-RateLimit-*` headers differ from the recording's (none recorded: none).
fn compare_rate_limit_headers(recorded: &Value, headers: &reqwest::header::HeaderMap) -> Vec<String> {
    let mut differences = Vec::new();
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_owned);
    for name in ["x-ratelimit-limit", "x-ratelimit-remaining"] {
        if let Some(strapi) = recorded[name].as_str() {
            match header(name) {
                Some(ours) if ours == strapi => {}
                Some(ours) => differences.push(format!("header {name} {ours} (Strapi {strapi})")),
                None => differences.push(format!("lacks header {name}")),
            }
        }
    }
    if recorded["x-ratelimit-reset"].is_string() {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
        match header("x-ratelimit-reset").and_then(|reset| reset.parse::<u64>().ok()) {
            Some(reset) if (now..=now + 3600).contains(&reset) => {}
            Some(reset) => {
                differences.push(format!("header x-ratelimit-reset {reset} is not a Unix time within the hour"))
            }
            None => differences.push("lacks header x-ratelimit-reset".to_owned()),
        }
    }
    differences
}

pub fn compare(strapi_status: u16, strapi: &Value, status: u16, gatehouse: &Value) -> Vec<String> {
    if strapi_status != status {
        let said = |status: u16, body: &Value| match error_of(body) {
            Some((name, message)) => format!("{status} {name} \"{message}\""),
            None => status.to_string(),
        };
        return vec![format!("status {} (Strapi {})", said(status, gatehouse), said(strapi_status, strapi))];
    }
    let mut differences = Vec::new();
    if let (Some((strapi_name, strapi_message)), Some((name, message))) = (error_of(strapi), error_of(gatehouse)) {
        if strapi_name != name {
            differences.push(format!("error.name {name} (Strapi {strapi_name})"));
        }
        if strapi_message != message {
            differences.push(format!("error.message \"{message}\" (Strapi \"{strapi_message}\")"));
        }
    }
    shape("", strapi, gatehouse, &mut differences);
    differences
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn shape(path: &str, strapi: &Value, gatehouse: &Value, out: &mut Vec<String>) {
    let at = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    match (strapi, gatehouse) {
        (Value::Null, _) | (_, Value::Null) => {}
        // A 204's empty body against an empty body.
        (Value::String(theirs), Value::String(ours)) if path.is_empty() && theirs.is_empty() && ours.is_empty() => {}
        (Value::Object(theirs), Value::Object(ours)) => {
            for key in theirs.keys().filter(|key| !ours.contains_key(*key)) {
                out.push(format!("lacks {}", at(key)));
            }
            for key in ours.keys().filter(|key| !theirs.contains_key(*key)) {
                out.push(format!("adds {}", at(key)));
            }
            for (key, value) in theirs {
                if let Some(ours) = ours.get(key) {
                    shape(&at(key), value, ours, out);
                }
            }
        }
        (Value::Array(theirs), Value::Array(ours)) => {
            if let (Some(first), Some(our_first)) = (theirs.first(), ours.first()) {
                shape(&format!("{path}[0]"), first, our_first, out);
            }
        }
        (theirs, ours) if type_name(theirs) == type_name(ours) => {}
        (theirs, ours) => out.push(format!(
            "{} is {} (Strapi {})",
            if path.is_empty() { "body" } else { path },
            type_name(ours),
            type_name(theirs)
        )),
    }
}
