//! The configuration loader and `gatehouse config check`: every problem reported at once, every
//! documented key printed with its effective value, secrets masked, keys without effect warned.

use gatehouse::config::{Config, Overrides};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(key, value)| ((*key).to_owned(), (*value).to_owned())).collect()
}

/// Runs `gatehouse config check` in `dir` with `vars` set (and no inherited configuration).
fn config_check(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"));
    command.current_dir(dir).args(args).args(["config", "check"]);
    for (key, _) in std::env::vars().filter(|(key, _)| key.starts_with("GATEHOUSE_") && key.contains("__")) {
        command.env_remove(key);
    }
    command.env_remove("GATEHOUSE_CONFIG").envs(vars.iter().copied()).output().unwrap()
}

/// The keys of the table in docs/configuration.md.
fn documented_keys() -> BTreeSet<String> {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/configuration.md")).unwrap();
    docs.lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once('`').map(|(key, _)| key.to_owned()))
        .collect()
}

/// Every key path of the TOML `text`, plus the keys its `# key: …` comments name (per section).
fn printed_keys(text: &str) -> BTreeSet<String> {
    fn walk(prefix: &str, table: &toml::Table, keys: &mut BTreeSet<String>) {
        for (key, value) in table {
            let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
            match value {
                toml::Value::Table(inner) => walk(&path, inner, keys),
                _ => {
                    keys.insert(path);
                }
            }
        }
    }
    let mut keys = BTreeSet::new();
    walk("", &toml::from_str(text).unwrap(), &mut keys);
    let mut section = String::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
            section = name.to_owned();
        } else if let Some((key, _)) = line.strip_prefix("# ").and_then(|rest| rest.split_once(": unset")) {
            keys.insert(format!("{section}.{key}"));
        }
    }
    keys
}

#[test]
fn every_value_that_would_break_the_server_is_refused_at_once() {
    let vars = env(&[
        ("GATEHOUSE_AUTH__JWT_TTL", "0s"),
        ("GATEHOUSE_AUTH__PASSWORD_MIN_LENGTH", "0"),
        ("GATEHOUSE_AUTH__HASH_POOL_SIZE", "0"),
        ("GATEHOUSE_AUTH__RESET_CODE_TTL", "0s"),
        ("GATEHOUSE_ADMIN__JWT_TTL", "0s"),
        ("GATEHOUSE_SERVER__BODY_LIMIT", "0"),
        ("GATEHOUSE_DATABASE__MAX_CONNECTIONS", "0"),
        ("GATEHOUSE_AUDIT__RETENTION_DAYS", "100000"),
        ("GATEHOUSE_REGISTER__ALLOWED_FIELDS", r#"["role"]"#),
        ("GATEHOUSE_AUTH__REFRESH_TTL", "soon"),
        ("GATEHOUSE_LOG__FORMAT", "xml"),
        ("GATEHOUSE_SERVER__BINDD", "x"),
    ]);
    let checked = Config::check_from(&Overrides::default(), &vars).unwrap();
    let report = checked.problems.join("\n");
    for key in [
        "auth.jwt_ttl",
        "auth.password_min_length",
        "auth.hash_pool_size",
        "auth.reset_code_ttl",
        "admin.jwt_ttl",
        "server.body_limit",
        "database.max_connections",
        "audit.retention_days",
        "register.allowed_fields",
        "auth.refresh_ttl",
        "log.format",
        "server.bindd",
    ] {
        assert!(report.lines().any(|line| line.starts_with(key)), "{key} is reported in:\n{report}");
    }
    assert_eq!(checked.problems.len(), 12, "{report}");
    assert!(checked.into_result().is_err());
}

#[test]
fn the_defaults_are_valid_and_the_rate_limiter_is_on() {
    let checked = Config::check_from(&Overrides::default(), &[]).unwrap();
    assert!(checked.problems.is_empty(), "{:?}", checked.problems);
    assert!(checked.config.rate_limit.enabled);
    assert!(!checked.warnings.iter().any(|warning| warning.starts_with("rate_limit")), "{:?}", checked.warnings);
}

#[test]
fn per_route_rate_limits_name_real_handlers_with_rates() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("limits.toml");
    std::fs::write(
        &file,
        "[rate_limit.routes.login]\nper_client = \"20/1m\"\nper_identifier = \"5/10m\"\n\
         [rate_limit.routes.metrics]\nper_client = \"60/1m\"\n[rate_limit.routes.find_me]\nenabled = false\n",
    )
    .unwrap();
    let overrides = Overrides { config_file: Some(file.clone()), ..Overrides::default() };
    let checked = Config::check_from(&overrides, &[]).unwrap();
    assert!(checked.problems.is_empty(), "{:?}", checked.problems);
    let login = &checked.config.rate_limit.routes["login"];
    assert_eq!(login.per_client.map(|rate| (rate.count, rate.window.as_secs())), Some((20, 60)));
    assert!(!checked.config.rate_limit.routes["find_me"].enabled);

    std::fs::write(
        &file,
        "[rate_limit.routes.logn]\nper_client = \"20/1m\"\n[rate_limit.routes.find_me]\nper_identifier = \"5/1m\"\n\
         [rate_limit.routes.register]\nper_client = \"ten a minute\"\n",
    )
    .unwrap();
    let report = Config::check_from(&overrides, &[]).unwrap().problems.join("\n");
    for key in
        ["rate_limit.routes.logn", "rate_limit.routes.find_me.per_identifier", "rate_limit.routes.register.per_client"]
    {
        assert!(report.lines().any(|line| line.starts_with(key)), "{key} is reported in:\n{report}");
    }
}

#[test]
fn config_check_names_every_problem_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        "[auth]\njwt_ttl = \"0s\"\npassword_min_length = 0\nhash_queue = \"many\"\n[server]\nbody_limit = 0\n\
         [database]\nmax_connections = 0\n[mail]\nfrom = \"nobody\"\n",
    )
    .unwrap();
    let output = config_check(dir.path(), &["--config", file.to_str().unwrap()], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    for key in [
        "auth.jwt_ttl",
        "auth.password_min_length",
        "auth.hash_queue",
        "server.body_limit",
        "database.max_connections",
        "mail.from",
    ] {
        assert!(stderr.contains(key), "{key} named in: {stderr}");
    }
}

#[test]
fn config_check_prints_every_documented_key_and_nothing_undocumented() {
    let dir = tempfile::tempdir().unwrap();
    let output = config_check(dir.path(), &[], &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed = printed_keys(&String::from_utf8(output.stdout).unwrap());
    let documented = documented_keys();
    assert!(documented.len() > 30, "the docs table was read: {documented:?}");
    let missing: Vec<_> = documented.difference(&printed).collect();
    let undocumented: Vec<_> = printed.difference(&documented).collect();
    assert!(missing.is_empty(), "documented but not printed: {missing:?}");
    assert!(undocumented.is_empty(), "printed but not documented: {undocumented:?}");
}

#[test]
fn config_check_masks_passwords_in_urls() {
    let dir = tempfile::tempdir().unwrap();
    let output = config_check(
        dir.path(),
        &["--database-url", "postgres://gate:db-s3cret@db.example.com:6432/gatehouse"],
        &[("GATEHOUSE_MAIL__SMTP_URL", "smtp://mailer:smtp-s3cret@mail.example.com:587")],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("postgres://gate:****@db.example.com:6432/gatehouse"), "{stdout}");
    assert!(stdout.contains("smtp://mailer:****@mail.example.com:587"), "{stdout}");
    assert!(!stdout.contains("s3cret"), "{stdout}");
}

#[test]
fn keys_without_effect_are_accepted_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let output = config_check(
        dir.path(),
        &[],
        &[
            ("GATEHOUSE_RATE_LIMIT__ENABLED", "false"),
            ("GATEHOUSE_AUDIT__RETENTION_DAYS", "30"),
            ("GATEHOUSE_SERVER__CORS_ORIGINS", r#"["https://app.example.com"]"#),
            ("GATEHOUSE_SERVER__TRUSTED_PROXIES", r#"["10.0.0.0/8"]"#),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(!stdout.contains("# warning: audit.retention_days"), "the audit log is built: {stdout}");
    assert!(
        stdout.lines().any(|line| line.starts_with("# warning: rate_limit.enabled = false")),
        "switching the limiter off is warned in: {stdout}"
    );
    assert!(!stdout.contains("# warning: server.cors_origins"), "CORS is built: {stdout}");
    assert!(!stdout.contains("# warning: server.trusted_proxies"), "trusted proxies are read: {stdout}");
}

#[test]
fn scim_settings_take_their_documented_words_only() {
    let good = env(&[("GATEHOUSE_SCIM__DELETE", "deactivate"), ("GATEHOUSE_SCIM__REALM", "end-users")]);
    let checked = Config::check_from(&Overrides::default(), &good).unwrap();
    assert!(checked.problems.is_empty(), "{:?}", checked.problems);
    assert_eq!(checked.config.scim.delete, gatehouse::config::ScimDelete::Deactivate);
    assert_eq!(checked.config.scim.realm, gatehouse::config::ScimRealm::EndUsers);
    let admins = env(&[("GATEHOUSE_SCIM__REALM", "admins")]);
    let checked = Config::check_from(&Overrides::default(), &admins).unwrap();
    assert!(checked.problems.is_empty(), "{:?}", checked.problems);
    assert_eq!(checked.config.scim.realm, gatehouse::config::ScimRealm::Admins);
    assert!(checked.config.domain_settings().scim_admins);

    let bad = env(&[("GATEHOUSE_SCIM__DELETE", "remove"), ("GATEHOUSE_SCIM__REALM", "staff")]);
    let checked = Config::check_from(&Overrides::default(), &bad).unwrap();
    let report = checked.problems.join("\n");
    for key in ["scim.delete", "scim.realm"] {
        assert!(report.lines().any(|line| line.starts_with(key)), "{key} is reported in:\n{report}");
    }
}
