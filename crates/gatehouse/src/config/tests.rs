use super::values::{HOUR, MINUTE};
use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[test]
fn zero_configuration_gives_the_documented_defaults() {
    let config = Config::load_from(&Overrides::default(), &[]).unwrap();
    assert_eq!(config.database.url, "sqlite://./gatehouse.db");
    assert_eq!(config.server.bind, "127.0.0.1:1337");
    assert!(config.rate_limit.enabled, "rate limiting is on by default");
    assert_eq!(config.server.body_limit, ByteSize(65_536));
    assert_eq!(config.domain_settings().jwt_ttl, Duration::from_secs(30 * 86_400));
    config.validate().unwrap();
}

#[test]
fn environment_overrides_file_and_flags_override_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gatehouse.toml");
    std::fs::write(&file, "[server]\nbind = \"127.0.0.1:1\"\n[auth]\nhash_queue = 3\n").unwrap();
    let secret = dir.path().join("url");
    std::fs::write(&secret, "postgres://u:pw@db/x\n").unwrap();
    let overrides = Overrides { config_file: Some(file), bind: Some("127.0.0.1:9".into()), ..Overrides::default() };
    let vars = env(&[
        ("GATEHOUSE_SERVER__BIND", "127.0.0.1:2"),
        ("GATEHOUSE_RATE_LIMIT__ENABLED", "false"),
        ("GATEHOUSE_AUTH__JWT_TTL", "10m"),
        ("GATEHOUSE_DATABASE__URL_FILE", secret.to_str().unwrap()),
        ("GATEHOUSE_TEST_DATABASE_URL", "ignored: not a configuration key"),
    ]);
    let config = Config::load_from(&overrides, &vars).unwrap();
    assert_eq!(config.server.bind, "127.0.0.1:9");
    assert!(!config.rate_limit.enabled);
    assert_eq!(config.auth.hash_queue, 3);
    assert_eq!(config.auth.jwt_ttl, Some(DurationText(Duration::from_secs(600))));
    assert_eq!(config.database.url, "postgres://u:pw@db/x");
    assert!(config.to_effective_toml().unwrap().contains("postgres://u:****@db/x"));
}

#[test]
fn a_postgres_url_names_its_socket_folder_and_port_by_parameters() {
    let target = |url: &str| DatabaseConfig { url: url.into(), ..DatabaseConfig::default() }.target().unwrap();
    let postgres = |host: &str, port: u16| DatabaseTarget::Postgres { host: host.into(), port, database: "g".into() };
    assert_eq!(target("postgres://u@db:6000/g"), postgres("db", 6000));
    assert_eq!(target("postgres://u@db/g"), postgres("db", 5432));
    assert_eq!(target("postgres:///g?host=/run/pg&port=6001"), postgres("/run/pg", 6001));
    assert_eq!(target("postgresql://u@localhost:1/g?host=/run/pg&port=6002"), postgres("/run/pg", 6002));
    let bad = DatabaseConfig { url: "postgres://db/g?port=x".into(), ..DatabaseConfig::default() };
    assert!(bad.target().is_err());
}

#[test]
fn every_unknown_key_is_named() {
    let vars = env(&[("GATEHOUSE_SERVER__BINDD", "x"), ("GATEHOUSE_NOPE__KEY", "1")]);
    let error = format!("{:#}", Config::load_from(&Overrides::default(), &vars).unwrap_err());
    assert!(error.contains("server.bindd") && error.contains("nope"), "{error}");
}

#[test]
fn nonsense_values_are_refused_by_key() {
    let vars = env(&[("GATEHOUSE_SERVER__BIND", "nowhere"), ("GATEHOUSE_DATABASE__URL", "mysql://x")]);
    let config = Config::load_from(&Overrides::default(), &vars).unwrap();
    let error = config.validate().unwrap_err().to_string();
    assert!(error.contains("server.bind") && error.contains("database.url"), "{error}");
}

#[test]
fn route_settings_that_cannot_work_are_warned_about() {
    let mut config = Config::load_from(&Overrides::default(), &[]).unwrap();
    config.rate_limit.enabled = false;
    config.routes.insert(
        "admin.login".into(),
        RouteConfig {
            policies: vec!["is-own-user".into(), "ip-allow(10.0.0.0/8)".into()],
            rate_limit: RateText::parse("5/min"),
            ..RouteConfig::default()
        },
    );
    let warnings = config.route_warnings();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains("rate_limit has no effect"), "{warnings:?}");
    assert!(warnings[1].contains("\"is-own-user\" refuses every request"), "{warnings:?}");
    assert_eq!(RateText::parse("5/min"), Some(RateText { count: 5, window: MINUTE }));
    assert_eq!(RateText::parse("100/hour"), Some(RateText { count: 100, window: HOUR }));
    assert_eq!(RateText::parse("5/fortnight"), None);
}

#[test]
fn durations_and_sizes_read_their_units() {
    assert_eq!(DurationText::parse("14d"), Some(Duration::from_secs(14 * 86_400)));
    assert_eq!(DurationText::parse("500ms"), Some(Duration::from_millis(500)));
    assert_eq!(DurationText::parse("10 lightyears"), None);
    let size: ByteSize = toml::from_str::<toml::Table>("v = \"1MiB\"").unwrap()["v"].clone().try_into().unwrap();
    assert_eq!(size, ByteSize(1024 * 1024));
}
