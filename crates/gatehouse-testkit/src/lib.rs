//! Test database kit: every test gets a database of its own.
//!
//! [`TestDb::new`] hands out either a fresh SQLite file in a temporary directory (the default)
//! or, when `GATEHOUSE_TEST_DATABASE_URL` names a PostgreSQL database, a fresh schema
//! `gh_test_<random>` in that database, reached through a URL whose `options` parameter sets
//! the `search_path` of every connection. Dropping the [`TestDb`] removes the directory or
//! drops the schema. [`sweep_leftovers`] removes schemas that crashed or killed test processes
//! left behind; `scripts/test` does the same (with `psql`) before the PostgreSQL pass.

use std::fmt;
use std::str::FromStr;

use rand::Rng;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};
use tempfile::TempDir;

/// Environment variable naming the PostgreSQL database the tests may use. Unset (or empty):
/// tests run on SQLite.
pub const DATABASE_URL_VAR: &str = "GATEHOUSE_TEST_DATABASE_URL";

/// Prefix of every schema a [`TestDb`] creates; [`sweep_leftovers`] drops all schemas with it.
pub const SCHEMA_PREFIX: &str = "gh_test_";

/// Number of random characters after [`SCHEMA_PREFIX`] in a schema name.
const SCHEMA_RANDOM_LEN: usize = 16;

/// How long the schema drop waits for locks before giving up (a test still holding a
/// transaction open must not hang the suite).
const DROP_LOCK_TIMEOUT: &str = "SET lock_timeout = '10s'";

/// The PostgreSQL URL from [`DATABASE_URL_VAR`], if set and not empty.
fn postgres_url_from_env() -> Option<String> {
    std::env::var(DATABASE_URL_VAR).ok().filter(|url| !url.trim().is_empty())
}

/// `"postgres"` when [`DATABASE_URL_VAR`] is set (and not empty), `"sqlite"` otherwise: the
/// backend [`TestDb::new`] will hand out.
pub fn backend_name() -> &'static str {
    if postgres_url_from_env().is_some() {
        "postgres"
    } else {
        "sqlite"
    }
}

/// Why a test database could not be set up.
#[derive(Debug)]
enum SetupError {
    Io(std::io::Error),
    Sql(sqlx::Error),
    NonUtf8Path,
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(err) => write!(f, "temporary directory: {err}"),
            Self::Sql(err) => write!(f, "PostgreSQL ({DATABASE_URL_VAR}): {err}"),
            Self::NonUtf8Path => write!(f, "temporary directory path is not UTF-8"),
        }
    }
}

impl From<std::io::Error> for SetupError {
    fn from(err: std::io::Error) -> Self {
        Self::Io(err)
    }
}

impl From<sqlx::Error> for SetupError {
    fn from(err: sqlx::Error) -> Self {
        Self::Sql(err)
    }
}

/// What a [`TestDb`] owns and must clean up.
enum Backend {
    /// The directory holding the SQLite file; deleted when dropped.
    Sqlite { _dir: TempDir },
    /// A schema in the database at `admin_url`; dropped in [`TestDb`]'s `Drop`.
    Postgres { admin_url: String, schema: String },
}

/// One test's private database: a SQLite file in a temporary directory, or a PostgreSQL
/// schema when [`DATABASE_URL_VAR`] is set. Cleaned up on drop; keep it alive for as long as
/// anything (a server, a pool) uses [`TestDb::url`].
pub struct TestDb {
    url: String,
    backend: Backend,
}

impl fmt::Debug for TestDb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestDb").field("url", &self.url).finish()
    }
}

impl TestDb {
    /// A fresh, empty test database on the backend [`backend_name`] names. Stops the test
    /// (panics) when the database cannot be set up: the temporary directory cannot be made,
    /// or PostgreSQL is unreachable.
    #[allow(clippy::panic, reason = "test helper: a broken test database must stop the test")]
    pub async fn new() -> TestDb {
        let made = match postgres_url_from_env() {
            Some(admin_url) => Self::postgres(&admin_url).await,
            None => Self::sqlite(),
        };
        match made {
            Ok(db) => db,
            Err(err) => panic!("cannot set up the test database: {err}"),
        }
    }

    /// A SQLite URL `sqlite://<fresh temporary directory>/gatehouse.db`; the file itself is
    /// not created.
    fn sqlite() -> Result<TestDb, SetupError> {
        let dir = tempfile::Builder::new().prefix("gatehouse-test-").tempdir()?;
        let path = dir.path().join("gatehouse.db");
        let path = path.to_str().ok_or(SetupError::NonUtf8Path)?;
        Ok(TestDb { url: format!("sqlite://{path}"), backend: Backend::Sqlite { _dir: dir } })
    }

    /// A fresh schema in the PostgreSQL database at `admin_url`.
    async fn postgres(admin_url: &str) -> Result<TestDb, SetupError> {
        let schema = random_schema_name();
        let mut conn = admin_connect(admin_url).await?;
        sqlx::query(&format!("CREATE SCHEMA \"{schema}\"")).execute(&mut conn).await?;
        // Closing politely is best effort; the schema exists either way.
        let _ = conn.close().await;
        Ok(TestDb {
            url: with_search_path(admin_url, &schema),
            backend: Backend::Postgres { admin_url: admin_url.to_owned(), schema },
        })
    }

    /// The URL to give the server or a pool: `sqlite://…/gatehouse.db`, or the PostgreSQL URL
    /// with `options=-c%20search_path%3D<schema>` added.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether this database is a PostgreSQL schema (rather than a SQLite file).
    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres { .. })
    }

    /// The PostgreSQL schema name, for tests of the kit itself.
    #[cfg(test)]
    fn schema(&self) -> Option<&str> {
        match &self.backend {
            Backend::Postgres { schema, .. } => Some(schema),
            Backend::Sqlite { .. } => None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // SQLite: the TempDir field removes the directory by itself.
        let Backend::Postgres { admin_url, schema } = &self.backend else {
            return;
        };
        let (admin_url, schema) = (admin_url.clone(), schema.clone());
        let name = schema.clone();
        // Drop is not async and may run inside a runtime (where block_on would panic), so the
        // drop runs on a thread of its own with its own small runtime, and we wait for it.
        let worker = std::thread::Builder::new().name("gh-testdb-drop".to_owned()).spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|err| format!("cannot start a runtime: {err}"))?;
            runtime.block_on(drop_schema(&admin_url, &schema)).map_err(|err| err.to_string())
        });
        let outcome = match worker {
            Ok(handle) => handle.join().unwrap_or_else(|_| Err("the drop thread panicked".to_owned())),
            Err(err) => Err(format!("cannot start the drop thread: {err}")),
        };
        if let Err(err) = outcome {
            eprintln!("gatehouse-testkit: could not drop test schema {name}: {err}");
        }
    }
}

/// A connection to the database the schemas live in, without statement logging (the kit's
/// own statements are not what a test log is for).
async fn admin_connect(admin_url: &str) -> Result<PgConnection, sqlx::Error> {
    PgConnectOptions::from_str(admin_url)?.disable_statement_logging().connect().await
}

/// Ends the sessions that hold locks in `schema`. A test's server runs on the test's own
/// runtime, which the drop blocks: a transaction the server had open at that moment (a
/// background sender woken by the test's last write) would hold its locks until the lock
/// timeout.
const END_LOCK_HOLDERS: &str = "SELECT pg_terminate_backend(pid) FROM (SELECT DISTINCT l.pid FROM pg_locks l \
     JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = $1 AND l.pid <> pg_backend_pid()) holders";

/// Drops one schema and everything in it.
async fn drop_schema(admin_url: &str, schema: &str) -> Result<(), sqlx::Error> {
    let mut conn = admin_connect(admin_url).await?;
    sqlx::query(DROP_LOCK_TIMEOUT).execute(&mut conn).await?;
    sqlx::query(END_LOCK_HOLDERS).bind(schema).execute(&mut conn).await?;
    sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE")).execute(&mut conn).await?;
    let _ = conn.close().await;
    Ok(())
}

/// Drops every schema whose name starts with [`SCHEMA_PREFIX`] in the database at
/// `admin_url` (left behind by test processes that were killed or crashed) and returns how
/// many it dropped. Never call this while tests run against the same database: it drops
/// their schemas too.
pub async fn sweep_leftovers(admin_url: &str) -> Result<u64, sqlx::Error> {
    sweep_prefix(admin_url, SCHEMA_PREFIX).await
}

/// Drops every schema whose name starts with `prefix`.
async fn sweep_prefix(admin_url: &str, prefix: &str) -> Result<u64, sqlx::Error> {
    let mut conn = admin_connect(admin_url).await?;
    let schemas: Vec<String> = sqlx::query_scalar(
        "SELECT nspname::text FROM pg_catalog.pg_namespace \
         WHERE starts_with(nspname::text, $1) ORDER BY nspname",
    )
    .bind(prefix)
    .fetch_all(&mut conn)
    .await?;
    sqlx::query(DROP_LOCK_TIMEOUT).execute(&mut conn).await?;
    let mut dropped = 0;
    for schema in &schemas {
        let quoted = schema.replace('"', "\"\"");
        sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{quoted}\" CASCADE")).execute(&mut conn).await?;
        dropped += 1;
    }
    let _ = conn.close().await;
    Ok(dropped)
}

/// `gh_test_` followed by [`SCHEMA_RANDOM_LEN`] random lowercase letters and digits.
fn random_schema_name() -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let mut name = String::with_capacity(SCHEMA_PREFIX.len() + SCHEMA_RANDOM_LEN);
    name.push_str(SCHEMA_PREFIX);
    for _ in 0..SCHEMA_RANDOM_LEN {
        let index = rng.gen_range(0..CHARS.len());
        name.push(char::from(CHARS[index]));
    }
    name
}

/// `url` with `options=-c%20search_path%3D<schema>` appended as a query parameter, so that
/// every connection made from it starts in `schema`. `schema` must be a plain identifier
/// (lowercase letters, digits, `_`), as [`random_schema_name`] makes.
fn with_search_path(url: &str, schema: &str) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (url, None),
    };
    let separator = if !base.contains('?') {
        "?"
    } else if base.ends_with('?') || base.ends_with('&') {
        ""
    } else {
        "&"
    };
    let mut out = format!("{base}{separator}options=-c%20search_path%3D{schema}");
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::Row;
    use std::path::PathBuf;

    /// Parses a PostgreSQL URL the way sqlx does, with statement logging off (tests only).
    fn pg_options(url: &str) -> Result<PgConnectOptions, sqlx::Error> {
        Ok(PgConnectOptions::from_str(url)?.disable_statement_logging())
    }

    /// The PostgreSQL URL, or `None` after printing why the test is skipped.
    fn pg_url_or_skip(test: &str) -> Option<String> {
        let url = postgres_url_from_env();
        if url.is_none() {
            eprintln!("skipping {test}: {DATABASE_URL_VAR} is not set");
        }
        url
    }

    async fn schema_exists(admin_url: &str, schema: &str) -> bool {
        let mut conn = PgConnection::connect(admin_url).await.unwrap();
        let found: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)")
                .bind(schema)
                .fetch_one(&mut conn)
                .await
                .unwrap();
        found
    }

    #[test]
    fn schema_names_are_prefixed_lowercase_alnum() {
        let name = random_schema_name();
        let rest = name.strip_prefix(SCHEMA_PREFIX).unwrap();
        assert_eq!(rest.len(), SCHEMA_RANDOM_LEN);
        assert!(rest.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert_ne!(name, random_schema_name());
    }

    #[test]
    fn search_path_joins_with_question_mark_or_ampersand() {
        assert_eq!(
            with_search_path("postgres://u@h:5/db", "gh_test_x"),
            "postgres://u@h:5/db?options=-c%20search_path%3Dgh_test_x"
        );
        assert_eq!(
            with_search_path("postgres://u@h:5/db?sslmode=disable", "gh_test_x"),
            "postgres://u@h:5/db?sslmode=disable&options=-c%20search_path%3Dgh_test_x"
        );
        assert_eq!(with_search_path("postgres://u@h:5/db?", "s"), "postgres://u@h:5/db?options=-c%20search_path%3Ds");
    }

    #[test]
    fn sqlx_reads_the_search_path_option() {
        let url = with_search_path("postgres://u@h:5/db?application_name=t", "gh_test_abc");
        let options = pg_options(&url).unwrap();
        assert_eq!(options.get_options(), Some("-c search_path=gh_test_abc"));
        assert_eq!(options.get_database(), Some("db"));
        assert_eq!(options.get_application_name(), Some("t"));
    }

    #[tokio::test]
    async fn sqlite_database_lives_in_a_temp_dir_removed_on_drop() {
        let db = TestDb::sqlite().unwrap();
        assert!(!db.is_postgres());
        let url = db.url().to_owned();
        let path = PathBuf::from(url.strip_prefix("sqlite://").unwrap());
        assert_eq!(path.file_name().unwrap(), "gatehouse.db");
        let dir = path.parent().unwrap().to_path_buf();
        assert!(dir.is_dir());
        assert!(dir.starts_with(std::env::temp_dir()));
        assert!(!path.exists(), "the file is left to the server to create");

        // The URL works as the server uses it: create-if-missing, then a real table.
        let options = SqliteConnectOptions::from_str(&url).unwrap().create_if_missing(true);
        let mut conn = options.connect().await.unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER)").execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
        assert!(path.is_file());

        drop(db);
        assert!(!dir.exists(), "the temporary directory outlived the TestDb");
    }

    #[test]
    fn sqlite_databases_do_not_share_a_directory() {
        let a = TestDb::sqlite().unwrap();
        let b = TestDb::sqlite().unwrap();
        assert_ne!(a.url(), b.url());
    }

    #[tokio::test]
    async fn new_follows_the_environment() {
        let db = TestDb::new().await;
        assert_eq!(db.is_postgres(), backend_name() == "postgres");
        let scheme = if db.is_postgres() { "postgres" } else { "sqlite://" };
        assert!(db.url().starts_with(scheme), "{}", db.url());
    }

    /// The schema exists while the TestDb lives, connections from its URL start in it, and
    /// it is gone after drop; run on both runtime flavours, since drop blocks inside them.
    async fn postgres_schema_lifecycle(test: &str) {
        let Some(admin_url) = pg_url_or_skip(test) else {
            return;
        };
        let db = TestDb::new().await;
        assert!(db.is_postgres());
        let schema = db.schema().unwrap().to_owned();
        assert!(schema.starts_with(SCHEMA_PREFIX));
        assert!(schema_exists(&admin_url, &schema).await);

        let mut conn = pg_options(db.url()).unwrap().connect().await.unwrap();
        let current: String = sqlx::query_scalar("SELECT current_schema()::text").fetch_one(&mut conn).await.unwrap();
        assert_eq!(current, schema);
        // Unqualified names land in the schema.
        sqlx::query("CREATE TABLE accounts (id BIGINT PRIMARY KEY)").execute(&mut conn).await.unwrap();
        let row = sqlx::query(
            "SELECT table_schema::text FROM information_schema.tables \
             WHERE table_name = 'accounts' AND table_schema = $1",
        )
        .bind(&schema)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(row.get::<String, _>(0), schema);
        conn.close().await.unwrap();

        drop(db);
        assert!(!schema_exists(&admin_url, &schema).await);
    }

    #[tokio::test]
    async fn postgres_schema_lifecycle_current_thread() {
        postgres_schema_lifecycle("postgres_schema_lifecycle_current_thread").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_schema_lifecycle_multi_thread() {
        postgres_schema_lifecycle("postgres_schema_lifecycle_multi_thread").await;
    }

    #[tokio::test]
    async fn postgres_drop_with_an_open_connection_in_the_schema() {
        let Some(admin_url) = pg_url_or_skip("postgres_drop_with_an_open_connection_in_the_schema") else {
            return;
        };
        let db = TestDb::new().await;
        let schema = db.schema().unwrap().to_owned();
        let mut conn = pg_options(db.url()).unwrap().connect().await.unwrap();
        sqlx::query("CREATE TABLE t (x INT)").execute(&mut conn).await.unwrap();
        // An idle connection (as a pool keeps) must not block the drop.
        drop(db);
        assert!(!schema_exists(&admin_url, &schema).await);
        drop(conn);
    }

    #[tokio::test]
    async fn postgres_sweep_drops_prefixed_schemas_only() {
        let Some(admin_url) = pg_url_or_skip("postgres_sweep_drops_prefixed_schemas_only") else {
            return;
        };
        // A private prefix, so that this test never sweeps schemas of tests running beside
        // it; sweep_leftovers is the same function with SCHEMA_PREFIX.
        let mut conn = PgConnection::connect(&admin_url).await.unwrap();
        let token = random_schema_name().split_off(SCHEMA_PREFIX.len());
        let prefix = format!("gh_sweep_{token}_");
        let leftovers = [format!("{prefix}a"), format!("{prefix}b")];
        // `_` is no wildcard: this one differs from the prefix only where it has `_`.
        let bystander = format!("gh_sweepx{token}_a");
        for schema in leftovers.iter().chain([&bystander]) {
            sqlx::query(&format!("CREATE SCHEMA \"{schema}\"")).execute(&mut conn).await.unwrap();
        }
        sqlx::query(&format!("CREATE TABLE \"{}\".t (x INT)", leftovers[0])).execute(&mut conn).await.unwrap();
        let dropped = sweep_prefix(&admin_url, &prefix).await.unwrap();
        assert_eq!(dropped, 2);
        for schema in &leftovers {
            assert!(!schema_exists(&admin_url, schema).await);
        }
        assert!(schema_exists(&admin_url, &bystander).await);
        sqlx::query(&format!("DROP SCHEMA \"{bystander}\"")).execute(&mut conn).await.unwrap();
    }
}
