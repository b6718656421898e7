//! The suite must really run on the backend the environment names: a misconfigured CI must not
//! run SQLite twice and call it PostgreSQL.

use crate::support::TestServer;
use gatehouse_domain::ports::Backend;

#[tokio::test]
async fn the_backend_in_use_matches_the_test_database_variable() {
    let wants_postgres = std::env::var("GATEHOUSE_TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty());
    let server = TestServer::spawn().await;
    let expected = if wants_postgres { Backend::Postgres } else { Backend::Sqlite };
    assert_eq!(server.domain().store().backend(), expected);
    assert_eq!(gatehouse_testkit::backend_name(), if wants_postgres { "postgres" } else { "sqlite" });
}
