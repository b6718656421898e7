//! Test support: [`TestServer`] runs the real application (built by the same `App::build` that
//! `main` uses) on `127.0.0.1:0` over a fresh database — a SQLite file, or a PostgreSQL schema
//! when `GATEHOUSE_TEST_DATABASE_URL` is set — and talks real HTTP to it.

pub mod receiver;
pub mod smtp;

use gatehouse::config::{Config, Overrides};
use gatehouse::App;
use gatehouse_domain::events::StoredEvent;
use gatehouse_domain::time::{Clock, ManualClock, SystemClock};
use gatehouse_domain::Domain;
use gatehouse_testkit::TestDb;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A configuration for tests: zero-config defaults, cheap argon2, rate limits off.
pub fn test_config(database_url: &str) -> Config {
    let mut config = Config::load_from(&Overrides::default(), &[]).expect("default configuration");
    config.database.url = database_url.to_owned();
    config.database.max_connections = 8;
    config.rate_limit.enabled = false;
    config.auth.argon2.memory_kib = 64;
    config.auth.argon2.iterations = 1;
    config.auth.hash_queue = 256;
    config
}

/// A change to the test configuration.
type ConfigTweak = Box<dyn FnOnce(&mut Config)>;

/// Builds a [`TestServer`] with changes to the configuration or an injected clock.
pub struct TestServerBuilder {
    tweaks: Vec<ConfigTweak>,
    clock: Option<Arc<ManualClock>>,
    database_url: Option<String>,
    extensions: gatehouse::extend::Extensions,
}

impl TestServerBuilder {
    /// Changes the configuration before the server is built.
    pub fn with_config(mut self, tweak: impl FnOnce(&mut Config) + 'static) -> Self {
        self.tweaks.push(Box::new(tweak));
        self
    }

    /// Runs the server on a manual clock that the test moves.
    pub fn with_manual_clock(mut self) -> Self {
        self.clock = Some(Arc::new(ManualClock::new()));
        self
    }

    /// Runs with an application's customizations (see `gatehouse::extend`).
    pub fn with_extensions(mut self, extensions: gatehouse::extend::Extensions) -> Self {
        self.extensions = extensions;
        self
    }

    /// Runs on an existing database (kept alive by the test) instead of a fresh one.
    pub fn on_database(mut self, url: &str) -> Self {
        self.database_url = Some(url.to_owned());
        self
    }

    /// Starts the server.
    pub async fn spawn(self) -> TestServer {
        let (db, url) = match self.database_url {
            Some(url) => (None, url),
            None => {
                let db = TestDb::new().await;
                let url = db.url().to_owned();
                (Some(db), url)
            }
        };
        // Bind first, so links in mails point at this server.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let mut config = test_config(&url);
        config.server.public_url = Some(base.clone());
        for tweak in self.tweaks {
            tweak(&mut config);
        }
        let clock: Arc<dyn Clock> = match &self.clock {
            Some(manual) => manual.clone(),
            None => Arc::new(SystemClock),
        };
        let app = App::build_with_clock_and(&config, clock, &self.extensions).await.expect("the application builds");
        let domain = app.domain().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            app.serve(listener, async {
                let _ = stopped.await;
            })
            .await
            .expect("server runs");
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("client");
        TestServer { base, client, domain, clock: self.clock, _db: db, stop: Some(stop), task: Some(task) }
    }
}

/// A running Gatehouse with its own database.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// A client with redirects off.
    pub client: reqwest::Client,
    domain: Arc<Domain>,
    clock: Option<Arc<ManualClock>>,
    _db: Option<TestDb>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// An answer read whole: status, headers and body text.
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Answer {
    async fn read(response: Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        Self { status, headers, text }
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.text))
    }

    /// `error.name` and `error.message` of a Strapi error envelope.
    pub fn error(&self) -> (String, String) {
        let body = self.json();
        assert_eq!(body["data"], Value::Null, "error envelope: {}", self.text);
        assert_eq!(body["error"]["status"], json!(self.status.as_u16()), "error envelope: {}", self.text);
        (
            body["error"]["name"].as_str().unwrap_or_default().to_owned(),
            body["error"]["message"].as_str().unwrap_or_default().to_owned(),
        )
    }
}

impl TestServer {
    /// A server with the test defaults.
    pub async fn spawn() -> Self {
        Self::builder().spawn().await
    }

    /// A builder for a server with changes.
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder { tweaks: Vec::new(), clock: None, database_url: None, extensions: Default::default() }
    }

    /// The domain behind the server (read-only checks).
    pub fn domain(&self) -> &Arc<Domain> {
        &self.domain
    }

    /// The manual clock, when the server was built with one.
    pub fn clock(&self) -> &ManualClock {
        self.clock.as_deref().expect("built with_manual_clock")
    }

    /// `base + path`
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POST a JSON body, optionally with a bearer token.
    pub async fn post(&self, path: &str, body: &Value, token: Option<&str>) -> Answer {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Answer::read(request.send().await.expect("request")).await
    }

    /// GET, optionally with a bearer token.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Answer::read(request.send().await.expect("request")).await
    }

    /// Sends a prepared request.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        Answer::read(request.send().await.expect("request")).await
    }

    /// Registers `username` with `<username>@example.com` and a fixed password; returns the
    /// JWT and the user JSON.
    pub async fn register(&self, username: &str) -> (String, Value) {
        let answer = self
            .post(
                "/api/auth/local/register",
                &json!({"username": username, "email": format!("{username}@example.com"), "password": PASSWORD}),
                None,
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "register {username}: {}", answer.text);
        let body = answer.json();
        (body["jwt"].as_str().expect("jwt").to_owned(), body["user"].clone())
    }

    /// A new API token of `kind` (with `actions` for custom tokens); returns its secret.
    pub async fn api_token(&self, kind: &str, actions: &[&str], lifespan_ms: Option<i64>) -> (i64, String) {
        use gatehouse_domain::api_tokens::ApiTokenInput;
        use gatehouse_domain::model::ApiTokenKind;
        let input = ApiTokenInput {
            name: format!("token-{}", gatehouse_domain::crypto::token::random_hex(4)),
            description: String::new(),
            kind: ApiTokenKind::from_name(kind).expect("token kind"),
            lifespan_ms,
            actions: actions.iter().map(|name| (*name).to_owned()).collect(),
        };
        let issued =
            self.domain.create_api_token(&gatehouse_domain::Caller::system(), input).await.expect("token created");
        (issued.token.id.0, issued.secret.expose().to_owned())
    }

    /// A full-access API token's secret.
    pub async fn full_access(&self) -> String {
        self.api_token("full-access", &[], None).await.1
    }

    /// PUT a JSON body with a bearer token.
    pub async fn put(&self, path: &str, body: &Value, token: &str) -> Answer {
        self.send(self.client.put(self.url(path)).json(body).bearer_auth(token)).await
    }

    /// DELETE with a bearer token.
    pub async fn delete(&self, path: &str, token: &str) -> Answer {
        self.send(self.client.delete(self.url(path)).bearer_auth(token)).await
    }

    /// Every event in the outbox, oldest first.
    pub async fn events(&self) -> Vec<StoredEvent> {
        self.domain.store().list_events(0, 100_000).await.expect("events")
    }
}

/// The password [`TestServer::register`] uses.
pub const PASSWORD: &str = "Passw0rd!";

/// What a run of the `gatehouse` binary printed.
pub struct CliOutput {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `gatehouse ARGS --database-url URL` in an empty folder with cheap argon2 and no
/// inherited configuration. It awaits the process instead of blocking: a test's server runs on
/// the test's own runtime, and a blocked runtime stalls that server mid-transaction, holding
/// PostgreSQL locks the command may wait for.
pub async fn gatehouse_cli(database_url: &str, args: &[&str]) -> CliOutput {
    let dir = tempfile::tempdir().unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"));
    command.current_dir(dir.path()).args(args).args(["--database-url", database_url]);
    for (key, _) in std::env::vars().filter(|(key, _)| key.starts_with("GATEHOUSE_") && key.contains("__")) {
        command.env_remove(key);
    }
    let output = command
        .env_remove("GATEHOUSE_CONFIG")
        .env("GATEHOUSE_AUTH__ARGON2__MEMORY_KIB", "64")
        .env("GATEHOUSE_AUTH__ARGON2__ITERATIONS", "1")
        .env("GATEHOUSE_LOG__LEVEL", "warn")
        .output()
        .await
        .unwrap();
    CliOutput {
        ok: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// [`gatehouse_cli`] that must succeed: its standard output.
pub async fn gatehouse_cli_ok(database_url: &str, args: &[&str]) -> String {
    let output = gatehouse_cli(database_url, args).await;
    assert!(output.ok, "gatehouse {args:?}: {}", output.stderr);
    output.stdout
}
